"""Notices: what an app tells people, recorded in the regency and e-mailed after COMMIT.

An app calls :func:`notify` inside its transaction (a request, or a tenant task):
one ``notices`` row per recipient is written there, so a notice is real (the
user's Notices page lists it) and rolls back with the work that caused it. The
e-mail leaves only after the outer COMMIT, as job messages do (see
``smartcity.jobs.dispatch``): the ids ride in one ``smartcity.notices.send``
message to the workers, and a rolled-back transaction (or savepoint) sends
nothing. The worker's task (:func:`deliver`) writes each letter in the
recipient's language (their own choice, else the platform's default), through
the app's translation domain, signed with the regency's name and linking to
the regency's own host.

Recipients are user ids, or a role (``sakip.officer``) with an optional org unit
(the core's org-unit membership under the role's app). Inactive users get
nothing; a user who opted out of e-mail still finds the notice on their page.
The same notice (same app and ``dedup_key``) reaches a person at most once
within ``window``.

What it does not do: re-send a message Redis lost (the notice stays
``pending`` on the user's page; the next notice does not carry it), nor e-mail
a notice written outside the Flask app (a bare script's session: recorded and
listed, logged as not e-mailed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from celery import Celery
from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as core_gettext
from sqlalchemy import Integer, cast, event, func, literal, select, update
from sqlalchemy.orm import Session, SessionTransaction

from smartcity.db import db, is_outer_commit
from smartcity.errors import InvalidInput, Message
from smartcity.i18n import AppTranslations
from smartcity.jobs.broker import PUBLISH_RETRY, TENANT_HEADER, broker
from smartcity.mail import Letter, send_now
from smartcity.tenancy.cache import TenantInfo
from smartcity.tenancy.models import TenantDomain
from smartcity.tenantcore.models import Notice, OrgUnitMember, TenantSettings, User

log = logging.getLogger(__name__)

#: The worker's task that e-mails notices (``worker.tasks`` registers it).
SEND_TASK = "smartcity.notices.send"
#: First key of the advisory lock that makes two transactions' dedup checks wait in turn.
LOCK_NAMESPACE = 0x4E4F
DEFAULT_WINDOW = timedelta(days=7)
LOCALES = ("id", "en")
_LISTENING = "smartcity.notices.listening"
_PENDING = "smartcity.notices.pending"


@dataclass(frozen=True)
class RoleRecipients:
    """Everyone active holding ``role`` (as users carry it: ``sakip.officer``), and,
    with ``org_unit_id``, acting for that unit in the role's app."""

    role: str
    org_unit_id: int | None = None


Recipients = RoleRecipients | Iterable[int | RoleRecipients]


def recipient_ids(session: Session, recipients: Recipients) -> list[int]:
    """The active users ``recipients`` names, each once, in id order."""
    wanted = [recipients] if isinstance(recipients, RoleRecipients) else list(recipients)
    ids: set[int] = set()
    plain = [r for r in wanted if not isinstance(r, RoleRecipients)]
    if plain:
        ids.update(
            session.scalars(select(User.id).where(User.id.in_(plain), User.is_active.is_(True)))
        )
    for r in wanted:
        if not isinstance(r, RoleRecipients):
            continue
        query = select(User.id).where(User.roles.contains([r.role]), User.is_active.is_(True))
        if r.org_unit_id is not None:
            query = query.join(OrgUnitMember, OrgUnitMember.user_id == User.id).where(
                OrgUnitMember.app == r.role.split(".", 1)[0],
                OrgUnitMember.org_unit_id == r.org_unit_id,
            )
        ids.update(session.scalars(query))
    return sorted(ids)


def notify(
    session: Session,
    app: str,
    recipients: Recipients,
    subject: Message,
    body: Message,
    *,
    link: str | None = None,
    dedup_key: str | None = None,
    window: timedelta = DEFAULT_WINDOW,
) -> list[int]:
    """Record ``subject``/``body`` for each recipient and e-mail them after the COMMIT.

    ``subject`` and ``body`` are Messages of ``app``'s catalogue (``messages_from``);
    ``link`` a path within the regency (``/sakip/?year=2026``). With ``dedup_key``, a
    person who got this app's notice of that key within ``window`` is skipped.
    Returns the ids of the notices written.
    """
    if link is not None and (not link.startswith("/") or link.startswith("//") or len(link) > 500):
        raise InvalidInput(
            Message("a notice links to a path within the regency"),
            {"link": Message("a path like /news/1")},
        )
    if dedup_key is not None and not 0 < len(dedup_key) <= 200:
        raise InvalidInput(
            Message("a notice's key has 1 to 200 characters"),
            {"dedup_key": Message("1 to 200 characters")},
        )
    slug = slug_of(session)
    users = recipient_ids(session, recipients)
    if dedup_key is not None and users:
        session.execute(
            select(
                func.pg_advisory_xact_lock(
                    LOCK_NAMESPACE, cast(func.hashtext(literal(f"{app}/{dedup_key}")), Integer)
                )
            )
        )
        seen = set(
            session.scalars(
                select(Notice.user_id).where(
                    Notice.user_id.in_(users),
                    Notice.app == app,
                    Notice.dedup_key == dedup_key,
                    Notice.created_at > func.now() - window,
                )
            )
        )
        users = [u for u in users if u not in seen]
    notices = [
        Notice(
            user_id=user_id,
            app=app,
            subject=subject.msgid,
            subject_params=subject.json_params(),
            body=body.msgid,
            body_params=body.json_params(),
            link=link,
            dedup_key=dedup_key,
            mail_status="pending",
        )
        for user_id in users
    ]
    session.add_all(notices)
    session.flush()
    ids = [n.id for n in notices]
    if ids and has_app_context():
        _send_after_commit(session, slug, broker(current_app), ids)
    elif ids:  # a script without the Flask app: recorded and listed, not e-mailed
        log.warning("notices %s of %s recorded without an app: no e-mail", ids, slug)
    return ids


def slug_of(session: Session) -> str:
    """The regency whose schema ``session`` works in (a slug never has an underscore)."""
    options = session.get_bind().get_execution_options()
    schema = (options.get("schema_translate_map") or {}).get(None)
    if not schema or not schema.startswith("t_"):
        raise RuntimeError("notices are written in a regency's session")
    return str(schema[2:].replace("_", "-"))


# -- after the COMMIT: one message to the workers --------------------------------------


def _send_after_commit(session: Session, slug: str, client: Celery, ids: list[int]) -> None:
    if not session.info.get(_LISTENING):
        session.info[_LISTENING] = True
        event.listen(session, "after_commit", _send_pending)
        event.listen(session, "after_soft_rollback", _forget_pending)
    owner = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((owner, slug, client, ids))


def _send_pending(session: Session) -> None:
    if not is_outer_commit(session):
        return
    # One message per regency for the whole transaction, however many notify() calls.
    batches: dict[tuple[str, int], tuple[Celery, list[int]]] = {}
    for _owner, slug, client, ids in session.info.pop(_PENDING, []):
        batches.setdefault((slug, id(client)), (client, []))[1].extend(ids)
    for (slug, _client_id), (client, ids) in batches.items():
        try:
            client.send_task(
                SEND_TASK,
                args=(ids,),
                headers={TENANT_HEADER: slug},
                ignore_result=True,
                add_to_parent=False,
                retry=True,
                retry_policy=PUBLISH_RETRY,
            )
        except Exception:
            # The notices are committed and listed; only their e-mail is lost.
            log.exception("notices %s of %s not sent to the workers", ids, slug)


def _forget_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [e for e in pending if not _within(e[0], previous_transaction)]


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


# -- in the worker: the letters ---------------------------------------------------------


def regency_url(tenant: TenantInfo, path: str) -> str:
    """``path`` on the regency's own host: its own domain if it has one, else
    ``<slug>.<BASE_DOMAIN>`` (scheme and port as in ``PUBLIC_URL``)."""
    settings = current_app.extensions["smartcity"].settings
    public = urlsplit(str(settings.PUBLIC_URL))
    scheme = public.scheme or "https"
    with db.platform_transaction() as session:
        domain = session.scalar(
            select(TenantDomain.domain)
            .where(TenantDomain.tenant_id == tenant.id)
            .order_by(TenantDomain.id)
            .limit(1)
        )
    if domain is None:
        port = f":{public.port}" if public.port else ""
        domain = f"{tenant.slug}.{settings.BASE_DOMAIN}{port}"
    return f"{scheme}://{domain}{path}"


def locale_of(user: User) -> str:
    if user.locale in LOCALES:
        return str(user.locale)
    return str(current_app.extensions["smartcity"].settings.DEFAULT_LOCALE)


def text_of(notice: Notice) -> tuple[str, str]:
    """Subject and body in the language of the request (or of ``force_locale``)."""
    gettext = AppTranslations(notice.app).gettext
    subject = Message._make(notice.subject, dict(notice.subject_params), gettext)
    body = Message._make(notice.body, dict(notice.body_params), gettext)
    return subject.localized(), body.localized()


def letter_for(notice: Notice, user: User, regency: str, tenant: TenantInfo) -> Letter:
    link = regency_url(tenant, notice.link) if notice.link else None
    page = regency_url(tenant, f"/notices/{notice.id}")
    with current_app.test_request_context("/"), force_locale(locale_of(user)):
        subject, body = text_of(notice)
        lines = [core_gettext("Dear %(name)s,", name=user.name), "", body, ""]
        if link:
            lines += [core_gettext("Open: %(link)s", link=link), ""]
        lines += [
            "---",
            core_gettext(
                "A notice of %(regency)s's smart-city platform; also on your Notices page: "
                "%(page)s",
                regency=regency,
                page=page,
            ),
            core_gettext("You can stop these e-mails on that page."),
        ]
        title = core_gettext("[%(regency)s] %(subject)s", regency=regency, subject=subject)
    return Letter(to=user.email, subject=title, body="\n".join(lines) + "\n")


def deliver(session: Session, tenant: TenantInfo, ids: Iterable[Any]) -> list[int]:
    """E-mail the pending notices among ``ids``, committing each; returns the ids
    whose e-mail failed (still pending, for the task to try again)."""
    wanted = [int(i) for i in ids if str(i).isdecimal()]
    row = session.get(TenantSettings, 1)
    regency = (row.display_name if row is not None else None) or tenant.name
    failed: list[int] = []
    for notice_id in wanted:
        notice = session.scalar(
            select(Notice)
            .where(Notice.id == notice_id, Notice.mail_status == "pending")
            .with_for_update(skip_locked=True)
        )
        if notice is None:
            session.rollback()
            continue
        user = session.get_one(User, notice.user_id)
        if not user.is_active or user.notices_muted:
            notice.mail_status = "muted"
            session.commit()
            continue
        try:
            send_now(letter_for(notice, user, regency, tenant))
        except Exception as exc:
            log.warning("notice %s of %s: mail failed: %s", notice_id, tenant.slug, exc)
            session.rollback()
            failed.append(notice_id)
            continue
        notice.mail_status = "sent"
        notice.mailed_at = func.now()
        session.commit()
    return failed


def give_up(session: Session, ids: list[int]) -> None:
    session.execute(
        update(Notice)
        .where(Notice.id.in_(ids), Notice.mail_status == "pending")
        .values(mail_status="failed"),
        execution_options={"synchronize_session": False},
    )


# -- the user's own notices --------------------------------------------------------------


def own_notices(session: Session, user_id: int, limit: int = 100) -> list[Notice]:
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.user_id == user_id)
            .order_by(Notice.created_at.desc(), Notice.id.desc())
            .limit(limit)
        )
    )


def own_notice(session: Session, user_id: int, notice_id: int) -> Notice | None:
    """The notice if it is the user's; None otherwise (another's is as absent as none)."""
    return session.scalar(select(Notice).where(Notice.id == notice_id, Notice.user_id == user_id))


def set_preferences(user: User, *, locale: str | None, muted: bool) -> None:
    if locale is not None and locale not in LOCALES:
        raise InvalidInput(Message("choose Indonesian or English"), {"locale": Message("id or en")})
    user.locale = locale
    user.notices_muted = muted
