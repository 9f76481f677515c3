"""E-mail: the first admin's invitation, forgotten and changed passwords, retries.

Letters go to a real SMTP server (aiosmtpd, the ``mailbox`` fixture) after the
commit; tests wait for them with a deadline.
"""

from __future__ import annotations

import re
import secrets

from smartcity.db import db
from smartcity.operators import upsert_operator

from tests.conftest import PASSWORD, take_region, unique_slug
from tests.support.console import console_client, console_sign_in, page_token, signed_in_console
from tests.support.web import csrf_token

NEW_PASSWORD = "Kata-Sandi-Baru-2026"


def _link(body: str, marker: str) -> str:
    found = re.search(rf"http://localhost(/\S*{marker}/\S+)", body)
    assert found, body
    return found.group(1)


def _sign_in(client, slug: str, email: str, password: str) -> int:
    token = csrf_token(client.get(f"/t/{slug}/login").get_data(as_text=True))
    response = client.post(
        f"/t/{slug}/login", data={"csrf_token": token, "email": email, "password": password}
    )
    return response.status_code


def _choose_password(client, link: str, path: str, password: str) -> None:
    exchanged = client.get(link)
    assert exchanged.status_code == 303, exchanged.get_data(as_text=True)
    token = page_token(client, path)
    chosen = client.post(
        path, data={"csrf_token": token, "password": password, "confirm": password}
    )
    assert chosen.status_code == 303, chosen.get_data(as_text=True)


def test_the_first_admin_is_invited_by_email_and_signs_in_with_their_own_password(
    app, mailbox, settings
):
    console = signed_in_console(app)
    slug, email = unique_slug("majene"), f"admin-{secrets.token_hex(3)}@majenekab.go.id"
    token = page_token(console, "/platform/tenants/new")
    page = console.get("/platform/tenants/new").get_data(as_text=True)
    assert 'name="admin_password"' not in page  # the operator never chooses it
    created = console.post(
        "/platform/tenants/new",
        data={
            "csrf_token": token,
            "name": "Kabupaten Majene",
            "region_code": f"Kabupaten Majene ({take_region('76.05')})",
            "slug": slug,
            "admin_email": email,
            "admin_name": "Admin Majene",
        },
    )
    assert created.status_code == 303, created.get_data(as_text=True)
    letter = mailbox.wait_for(lambda m: email in m.to)
    assert "Kabupaten Majene" in letter.subject and "Undangan" in letter.subject
    assert "Invitation" in letter.subject  # both languages
    # The link is on the regency's own host, not the console's.
    own = f"http://{slug}.{settings.BASE_DOMAIN}"
    found = re.search(rf"{re.escape(own)}/set-password/\S+", letter.body)
    assert found, letter.body
    link = found.group(0)

    invitee = app.test_client()
    _choose_password(invitee, link, f"{own}/set-password", NEW_PASSWORD)
    assert invitee.get(f"{own}/admin/").status_code == 200  # signed in, an admin
    assert invitee.get(link).status_code == 410  # the link worked once
    assert _sign_in(app.test_client(), slug, email, NEW_PASSWORD) == 302


def test_a_regency_user_resets_a_forgotten_password_by_email(app, mailbox, provision):
    email = f"lupa-{secrets.token_hex(3)}@example.go.id"
    slug = provision(admin_email=email)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    token = csrf_token(client.get(f"/t/{slug}/forgot-password").get_data(as_text=True))
    sent = client.post(f"/t/{slug}/forgot-password", data={"csrf_token": token, "email": email})
    assert sent.status_code == 200 and 'data-forgot="sent"' in sent.get_data(as_text=True)
    # An unknown address gets the same answer and no letter.
    token = csrf_token(client.get(f"/t/{slug}/forgot-password").get_data(as_text=True))
    unknown = client.post(
        f"/t/{slug}/forgot-password", data={"csrf_token": token, "email": "nobody@example.go.id"}
    )
    assert unknown.status_code == 200 and 'data-forgot="sent"' in unknown.get_data(as_text=True)

    letter = mailbox.wait_for(lambda m: email in m.to and "Atur ulang" in m.subject)
    _choose_password(
        app.test_client(),
        _link(letter.body, "set-password"),
        f"/t/{slug}/set-password",
        NEW_PASSWORD,
    )
    assert _sign_in(app.test_client(), slug, email, PASSWORD) == 200  # the old one is refused
    assert _sign_in(app.test_client(), slug, email, NEW_PASSWORD) == 302
    assert not any("nobody@example.go.id" in m.to for m in mailbox.letters)


def test_everyone_can_change_their_password(app, provision):
    slug = provision()
    client = app.test_client()
    assert _sign_in(client, slug, "admin@example.go.id", PASSWORD) == 302
    path = f"/t/{slug}/account/password"
    wrong = client.post(
        path,
        data={
            "csrf_token": page_token(client, path),
            "current": "not-the-password",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 422
    changed = client.post(
        path,
        data={
            "csrf_token": page_token(client, path),
            "current": PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 303
    assert _sign_in(app.test_client(), slug, "admin@example.go.id", NEW_PASSWORD) == 302


def test_an_operator_resets_a_forgotten_password_and_changes_it(app, mailbox):
    email = f"ops-{secrets.token_hex(3)}@bandung.go.id"
    with db.platform_transaction() as session:
        upsert_operator(session, email=email, name="Ops Lupa", password=PASSWORD, actor="tests")
    client = console_client(app)
    token = page_token(client, "/platform/forgot-password")
    sent = client.post("/platform/forgot-password", data={"csrf_token": token, "email": email})
    assert sent.status_code == 200
    letter = mailbox.wait_for(lambda m: email in m.to)
    link = _link(letter.body, "reset-password")
    _choose_password(client, link, "/platform/reset-password", NEW_PASSWORD)
    assert client.get(link).status_code == 410
    assert console_sign_in(console_client(app), email, PASSWORD).status_code == 200
    signed_in = console_client(app)
    assert console_sign_in(signed_in, email, NEW_PASSWORD).status_code == 302

    path = "/platform/account/password"
    changed = signed_in.post(
        path,
        data={
            "csrf_token": page_token(signed_in, path),
            "current": NEW_PASSWORD,
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert changed.status_code == 303
    assert console_sign_in(console_client(app), email, PASSWORD).status_code == 302


def test_a_temporary_smtp_failure_is_retried(app, mailbox, provision):
    email = f"coba-lagi-{secrets.token_hex(3)}@example.go.id"
    slug = provision(admin_email=email)
    mailbox.refuse_once.add(email)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.8.6"
    token = csrf_token(client.get(f"/t/{slug}/forgot-password").get_data(as_text=True))
    client.post(f"/t/{slug}/forgot-password", data={"csrf_token": token, "email": email})
    mailbox.wait_for(lambda m: email in m.to)
    assert mailbox.refused.count(email) == 1  # refused once, then delivered
