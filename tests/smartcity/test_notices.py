"""Notices (smartcity.notices through the toolkit's notify): recorded in the regency,
e-mailed after COMMIT in the reader's language, never twice, never across regencies,
and listed on each user's own Notices page."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from smartcity.notices import RoleRecipients, notify
from smartcity.tenantcore.models import Notice, User
from smartcity.toolkit import messages_from, translations
from sqlalchemy import select

from tests.conftest import tenant_token
from tests.support.notices import queued_notice_messages, run_notice_messages, worker_celery
from tests.support.web import csrf_token, sign_in
from tests.workers import add_member, broker_of, queue_length, redis_server

M = messages_from(translations("sakip").gettext)


@pytest.fixture(scope="module", autouse=True)
def private_broker(app):
    with redis_server() as server, broker_of(app, server.url):
        yield server


@pytest.fixture(scope="module")
def world(app, mailbox, private_broker):
    """The app, the SMTP catcher, the private Redis and the worker's tasks, together."""
    return SimpleNamespace(
        app=app,
        state=app.extensions["smartcity"],
        mailbox=mailbox,
        broker=private_broker,
        celery=worker_celery(app),
    )


def queue(state) -> str:
    return f"{state.settings.role_prefix}.default"


def user_id(tenant_db, slug: str, email: str) -> int:
    with tenant_db(slug) as session:
        return session.scalar(select(User.id).where(User.email == email))


def warning(indicator: str = "IKU 1"):
    subject = M("Early warning: %(indicator)s", indicator=indicator)
    body = M(
        "%(indicator)s of %(unit)s is heading for the red band: at the pace of "
        "%(quarters)s reported quarter(s) it reaches %(projected)s at the end of "
        "%(year)s against a target of %(target)s.",
        indicator=indicator,
        unit="Dinas Kesehatan",
        quarters=2,
        projected="40",
        year=2026,
        target="100",
    )
    return subject, body


def letters_to(mailbox, email: str) -> list:
    return [m for m in mailbox.letters if email in m.to]


def test_a_notice_goes_out_only_after_commit_in_the_readers_language_and_once(
    world, client, provision, tenant_db
):
    slug = provision(apps=("sakip",))
    admin = tenant_token(client, slug)
    for who in ("ani", "budi", "cici", "dedi"):
        add_member(client, slug, admin, f"{who}-{slug}@example.go.id")
    ani, budi, cici, dedi = (
        user_id(tenant_db, slug, f"{w}-{slug}@example.go.id")
        for w in ("ani", "budi", "cici", "dedi")
    )
    with tenant_db(slug) as session:
        session.get(User, budi).locale = "en"
        session.get(User, cici).notices_muted = True
        session.get(User, dedi).is_active = False
    subject, body = warning()

    # Rolled back: nothing recorded, nothing sent to the workers, no letter.
    def notify_then_fail() -> None:
        with world.app.app_context(), tenant_db(slug) as session:
            assert notify(session, "sakip", [ani], subject, body, dedup_key="gone")
            raise RuntimeError("the work failed after notifying")

    with pytest.raises(RuntimeError):
        notify_then_fail()
    assert queue_length(world.broker, world.state.settings) == 0
    with tenant_db(slug) as session:
        assert session.scalars(select(Notice)).all() == []

    # Committed: one message to the workers, only once the COMMIT is done.
    with world.app.app_context(), tenant_db(slug) as session:
        written = notify(
            session,
            "sakip",
            [ani, budi, cici, dedi],
            subject,
            body,
            link="/sakip/opd/7/2026",
            dedup_key="early-warning:2026-q2:7",
        )
        assert len(written) == 3  # the inactive user gets nothing
        assert queue_length(world.broker, world.state.settings) == 0
    assert queued_notice_messages(world.broker, queue(world.state)) == [(slug, written)]
    assert run_notice_messages(world.celery, world.broker, queue(world.state)) == 1

    to_ani = world.mailbox.wait_for(lambda m: f"ani-{slug}@example.go.id" in m.to)
    assert to_ani.subject == f"[Kabupaten {slug}] Peringatan dini: IKU 1"
    assert "Yth. ani-" in to_ani.body
    assert "IKU 1 pada Dinas Kesehatan menuju pita merah" in to_ani.body
    assert f"Buka: http://{slug}.localhost:8000/sakip/opd/7/2026" in to_ani.body
    to_budi = world.mailbox.wait_for(lambda m: f"budi-{slug}@example.go.id" in m.to)
    assert to_budi.subject == f"[Kabupaten {slug}] Early warning: IKU 1"
    assert "IKU 1 of Dinas Kesehatan is heading for the red band" in to_budi.body
    assert letters_to(world.mailbox, f"cici-{slug}@example.go.id") == []  # opted out
    assert letters_to(world.mailbox, f"dedi-{slug}@example.go.id") == []  # inactive
    with tenant_db(slug) as session:
        status = dict(session.execute(select(Notice.user_id, Notice.mail_status)).all())
    assert status == {ani: "sent", budi: "sent", cici: "muted"}

    # The same notice again (same key, within the window): nobody gets it twice.
    with world.app.app_context(), tenant_db(slug) as session:
        assert (
            notify(
                session,
                "sakip",
                [ani, budi],
                subject,
                body,
                dedup_key=("early-warning:2026-q2:7"),
            )
            == []
        )
    assert queue_length(world.broker, world.state.settings) == 0
    assert len(letters_to(world.mailbox, f"ani-{slug}@example.go.id")) == 1
    # A message delivered twice (Redis re-delivers) sends nothing twice either.
    with world.app.app_context():
        world.celery.tasks["smartcity.notices.send"].apply(
            args=(written,), headers={"tenant": slug}
        ).get()
    assert len(letters_to(world.mailbox, f"ani-{slug}@example.go.id")) == 1


def test_a_role_notice_never_reaches_a_user_of_another_regency(world, client, provision, tenant_db):
    here, there = provision(apps=("sakip",)), provision(apps=("sakip",))
    add_member(
        client,
        here,
        tenant_token(client, here),
        f"here-{here}@example.go.id",
        roles=("sakip.officer",),
    )
    add_member(
        client,
        there,
        tenant_token(client, there),
        f"there-{there}@example.go.id",
        roles=("sakip.officer",),
    )
    stranger = user_id(tenant_db, there, f"there-{there}@example.go.id")
    subject, body = warning("IKU 9")
    with world.app.app_context(), tenant_db(here) as session:
        written = notify(
            session, "sakip", RoleRecipients("sakip.officer"), subject, body, dedup_key="x"
        )
        assert len(written) == 1
        # The other regency's user id means nobody (or someone else) here.
        assert session.scalar(select(User.email).where(User.id == stranger)) != (
            f"there-{there}@example.go.id"
        )
    run_notice_messages(world.celery, world.broker, queue(world.state))
    world.mailbox.wait_for(lambda m: f"here-{here}@example.go.id" in m.to)
    assert letters_to(world.mailbox, f"there-{there}@example.go.id") == []
    with tenant_db(there) as session:
        assert session.scalars(select(Notice)).all() == []


def test_the_notices_page_shows_only_ones_own(world, client, provision, tenant_db):
    slug = provision(apps=("sakip",))
    admin = tenant_token(client, slug)
    add_member(client, slug, admin, f"mine-{slug}@example.go.id")
    add_member(client, slug, admin, f"theirs-{slug}@example.go.id")
    mine = user_id(tenant_db, slug, f"mine-{slug}@example.go.id")
    theirs = user_id(tenant_db, slug, f"theirs-{slug}@example.go.id")
    with world.app.app_context(), tenant_db(slug) as session:
        (my_notice,) = notify(session, "sakip", [mine], *warning("IKU Saya"), link="/sakip/")
        (their_notice,) = notify(session, "sakip", [theirs], *warning("IKU Rahasia"))
    world.broker.client().delete(queue(world.state))

    browser = world.app.test_client()
    sign_in(browser, slug, f"mine-{slug}@example.go.id")
    page = browser.get(f"/t/{slug}/notices")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Peringatan dini: IKU Saya" in html and "IKU Rahasia" not in html
    assert "Early warning: IKU Saya" in browser.get(f"/t/{slug}/notices?lang=en").get_data(
        as_text=True
    )
    assert browser.get(f"/t/{slug}/notices/{their_notice}").status_code == 404
    assert browser.get(f"/t/{slug}/notices/99999999").status_code == 404
    shown = browser.get(f"/t/{slug}/notices/{my_notice}")
    assert shown.status_code == 200 and "IKU Saya" in shown.get_data(as_text=True)
    with tenant_db(slug) as session:
        assert session.get(Notice, my_notice).read_at is not None
        assert session.get(Notice, their_notice).read_at is None

    token = csrf_token(html)
    saved = browser.post(
        f"/t/{slug}/notices/preferences", data={"csrf_token": token, "locale": "en"}
    )
    assert saved.status_code == 303
    refused = browser.post(
        f"/t/{slug}/notices/preferences", data={"csrf_token": token, "locale": "fr", "mail": "on"}
    )
    assert refused.status_code == 422
    with tenant_db(slug) as session:
        me = session.get(User, mine)
        assert (me.locale, me.notices_muted) == ("en", True)  # unchecked box: no e-mail
    assert client.get(f"/t/{slug}/notices").status_code in (302, 303)  # signed out: sign in
