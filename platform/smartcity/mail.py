"""Outgoing e-mail (invitations, password resets, notices) through Flask-Mail over SMTP.

A letter is handed over with :func:`send_after_commit` inside the service's
transaction and leaves only after the outer COMMIT (a rolled-back invitation
must not reach anyone, and a slow SMTP server must not hold a transaction
open). One background thread per process, the postman, sends letters in order
and tries each ``MAIL_ATTEMPTS`` times with a doubling pause; every failure is
logged with the recipient (never the body: it carries one-time links).

What it does not do: survive a process that dies with letters still queued.
The links they carried stay valid for a week and an admin can send a new one.

With ``MAIL_SERVER`` empty (a machine without SMTP) letters are logged as not
sent instead; ``dev.py up`` starts a local catcher and points MAIL_SERVER at it.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request
from flask_mail import Mail, Message
from sqlalchemy import event
from sqlalchemy.orm import Session

from smartcity.db import is_outer_commit

log = logging.getLogger(__name__)

mail = Mail()

_PENDING = "smartcity.mail.pending"
_LISTENING = "smartcity.mail.listening"


@dataclass(frozen=True)
class Letter:
    """One plain-text e-mail to one person."""

    to: str
    subject: str
    body: str


def init_app(app: Flask) -> None:
    settings = app.extensions["smartcity"].settings
    app.config.update(
        MAIL_SERVER=settings.MAIL_SERVER or "localhost",
        MAIL_PORT=settings.MAIL_PORT,
        MAIL_USE_TLS=settings.MAIL_USE_TLS,
        MAIL_USE_SSL=settings.MAIL_USE_SSL,
        MAIL_USERNAME=settings.MAIL_USERNAME or None,
        MAIL_PASSWORD=settings.MAIL_PASSWORD or None,
        MAIL_DEFAULT_SENDER=settings.MAIL_SENDER,
        # Flask-Mail would drop every letter under TESTING; the tests read real SMTP.
        MAIL_SUPPRESS_SEND=False,
    )
    mail.init_app(app)


def site_url() -> str:
    """Where links in a letter point: this request's host, else ``PUBLIC_URL``."""
    if has_request_context():
        return request.host_url.rstrip("/")
    return str(current_app.extensions["smartcity"].settings.PUBLIC_URL).rstrip("/")


def tenant_url(slug: str, path: str) -> str:
    """A page on the regency's own host, ``<slug>.<BASE_DOMAIN>``, valid from any request.

    An invitation leads the regency's people to their own address (the one its
    branding, cookies and sign-in live on), never through the console's or the
    API's host, whichever of them provisioned it; the scheme and port are this
    site's (``site_url``).
    """
    site = urlsplit(site_url())
    port = f":{site.port}" if site.port else ""
    base_domain = current_app.extensions["smartcity"].settings.BASE_DOMAIN
    return f"{site.scheme}://{slug}.{base_domain}{port}{path}"


def send_after_commit(session: Session, letter: Letter) -> None:
    """Send ``letter`` once ``session``'s outer transaction commits; drop it on rollback."""
    if not session.info.get(_LISTENING):
        session.info[_LISTENING] = True
        event.listen(session, "after_commit", _post_pending)
        event.listen(session, "after_rollback", _drop_pending)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    session.info.setdefault(_PENDING, []).append((app, letter))


def send_now(letter: Letter) -> None:
    """Send ``letter`` at once, in this thread (a worker's task); raises if SMTP fails.

    Without ``MAIL_SERVER`` the letter is only logged, as the postman does.
    """
    settings = current_app.extensions["smartcity"].settings
    if not settings.MAIL_SERVER:
        log.warning("mail to %s not sent: MAIL_SERVER is not set (%s)", letter.to, letter.subject)
        return
    mail.send(Message(subject=letter.subject, recipients=[letter.to], body=letter.body))
    log.info("mail sent to %s: %s", letter.to, letter.subject)


def _post_pending(session: Session) -> None:
    if not is_outer_commit(session):
        return
    for app, letter in session.info.pop(_PENDING, []):
        _postman(app).post(letter)


def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


class Postman:
    """Sends letters one by one in a daemon thread, retrying each with backoff."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        settings = app.extensions["smartcity"].settings
        self.attempts = max(1, int(settings.MAIL_ATTEMPTS))
        self.first_pause = float(settings.MAIL_RETRY_SECONDS)
        self.letters: queue.Queue[Letter] = queue.Queue()
        self.pid = os.getpid()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="smartcity-mail", daemon=True)
        self.thread.start()

    def post(self, letter: Letter) -> None:
        self.letters.put(letter)

    def _run(self) -> None:
        while not self.stopped.is_set():
            letter = self.letters.get()
            with self.app.app_context():
                self._deliver(letter)
            self.letters.task_done()

    def _deliver(self, letter: Letter) -> None:
        settings = self.app.extensions["smartcity"].settings
        if not settings.MAIL_SERVER:
            log.warning(
                "mail to %s not sent: MAIL_SERVER is not set (%s)", letter.to, letter.subject
            )
            return
        pause = self.first_pause
        for attempt in range(1, self.attempts + 1):
            try:
                mail.send(Message(subject=letter.subject, recipients=[letter.to], body=letter.body))
            except Exception as exc:
                log.warning(
                    "mail to %s failed (attempt %d of %d): %s",
                    letter.to,
                    attempt,
                    self.attempts,
                    exc,
                )
                if attempt < self.attempts and not self.stopped.wait(pause):
                    pause *= 2
                    continue
                log.error("mail to %s given up after %d attempts", letter.to, attempt)
                return
            log.info("mail sent to %s: %s", letter.to, letter.subject)
            return


_POSTMEN: dict[int, Postman] = {}
_POSTMEN_LOCK = threading.Lock()


def _postman(app: Flask) -> Postman:
    """This process's postman for ``app`` (a forked worker starts its own thread)."""
    with _POSTMEN_LOCK:
        postman = _POSTMEN.get(id(app))
        if postman is None or postman.pid != os.getpid():
            postman = _POSTMEN[id(app)] = Postman(app)
        return postman
