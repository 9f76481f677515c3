"""A fake SP4N-LAPOR! for tests: the record shape of ``tenants.pelayanan.lapor``.

It listens on 127.0.0.1 and a random port in a thread the test starts and
stops, keeps the records it was sent (an upsert by ``tracking_id``, as the
adapter expects), serves status changes a test sets, and can be told to fail:
``fail_next`` answers that many requests with 503, ``refuse`` answers 422 for
the given tracking ids.
"""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "lapor-token-pati-7d1e"  # a test credential for the fake only


@dataclass
class FakeLapor:
    token: str = TOKEN
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # tracking_id -> LAPOR id
    updates: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    fail_next: int = 0
    refuse: set[str] = field(default_factory=set)
    unauthorized: int = 0

    def __post_init__(self) -> None:
        fake = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def _send(self, status: int, payload: Any) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def _gate(self) -> bool:
                with lock:
                    fake.requests.append((self.command, self.path))
                    if fake.fail_next > 0:
                        fake.fail_next -= 1
                        self._send(503, {"error": "busy"})
                        return False
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    fake.unauthorized += 1
                    self._send(401, {"error": "unauthorized"})
                    return False
                return True

            def _body(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length) or b"{}")

            def do_POST(self) -> None:
                if not self._gate():
                    return
                if self.path != "/complaints":
                    self._send(404, {"error": "not_found"})
                    return
                record = self._body()
                tracking = record.get("tracking_id", "")
                if tracking in fake.refuse:
                    self._send(422, {"error": "invalid record"})
                    return
                with lock:
                    lapor_id = fake.ids.setdefault(tracking, f"LAPOR-{len(fake.ids) + 1:06d}")
                    fake.records[lapor_id] = record
                self._send(200, {"id": lapor_id})

            def do_PUT(self) -> None:
                if not self._gate():
                    return
                path = urllib.parse.urlsplit(self.path).path
                lapor_id = urllib.parse.unquote(path.removeprefix("/complaints/"))
                if lapor_id not in fake.records:
                    self._send(404, {"error": "not_found"})
                    return
                fake.records[lapor_id] = self._body()
                self._send(200, {"id": lapor_id})

            def do_GET(self) -> None:
                if not self._gate():
                    return
                if urllib.parse.urlsplit(self.path).path != "/complaints/status":
                    self._send(404, {"error": "not_found"})
                    return
                self._send(200, {"updates": fake.updates})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] in ("POST", "PUT")]

    def __enter__(self) -> FakeLapor:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
