"""A local SMTP catcher for development and the tests: mail is kept, never delivered.

``dev.py up`` runs :func:`serve` (an aiosmtpd server plus a small page listing what
it caught); the tests start :class:`MailCatcher` in a fixture and wait for a
letter with :meth:`MailCatcher.wait_for`. Nothing here is imported by the app:
production points ``MAIL_SERVER`` at a real SMTP server.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class CaughtLetter:
    to: tuple[str, ...]
    subject: str
    body: str


class MailCatcher:
    """An aiosmtpd server on 127.0.0.1 that keeps every message it receives."""

    def __init__(self, port: int = 0) -> None:
        from aiosmtpd.controller import Controller

        self.letters: list[CaughtLetter] = []
        #: Recipients whose next letter is refused with a temporary failure (451), once:
        #: lets a test see the sender try again.
        self.refuse_once: set[str] = set()
        self.refused: list[str] = []
        self.arrived = threading.Condition()
        self.controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=port or _free_port()
        )

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def start(self) -> MailCatcher:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def keep(self, letter: CaughtLetter) -> None:
        with self.arrived:
            self.letters.append(letter)
            self.arrived.notify_all()

    def wait_for(
        self, wanted: Callable[[CaughtLetter], bool], timeout: float = 15.0
    ) -> CaughtLetter:
        """The first letter ``wanted`` accepts, waiting for it up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                found = next((item for item in self.letters if wanted(item)), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no such letter within {timeout}s; caught {self.letters}")
                self.arrived.wait(left)


class _Handler:
    def __init__(self, catcher: MailCatcher) -> None:
        self.catcher = catcher

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        refused = self.catcher.refuse_once.intersection(envelope.rcpt_tos)
        if refused:
            self.catcher.refuse_once.difference_update(refused)
            self.catcher.refused.extend(sorted(refused))
            return "451 Requested action aborted: try again later"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)  # noqa: S101 - policy.default makes one
        part = parsed.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        self.catcher.keep(CaughtLetter(tuple(envelope.rcpt_tos), str(parsed["Subject"]), body))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(smtp_port: int, page_port: int) -> Callable[[], None]:
    """Start the catcher and its page (http://127.0.0.1:<page_port>/); returns a stopper."""
    catcher = MailCatcher(smtp_port).start()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            items = "".join(
                f"<article><h2>{html.escape(letter.subject)}</h2>"
                f"<p>To: {html.escape(', '.join(letter.to))}</p>"
                f"<pre>{html.escape(letter.body)}</pre></article><hr>"
                for letter in reversed(catcher.letters)
            )
            page = (
                "<!doctype html><html lang='en'><meta charset='utf-8'>"
                "<title>Caught mail (development)</title>"
                "<h1>Mail caught by dev.py up / Surel yang ditangkap</h1>"
                f"{items or '<p>No mail yet. / Belum ada surel.</p>'}</html>"
            )
            data = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", page_port), Page)
    thread = threading.Thread(target=server.serve_forever, name="caught-mail-page", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        catcher.stop()

    return stop
