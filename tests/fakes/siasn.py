"""A fake SIASN (BKN) for tests: OAuth2 client credentials, then a paginated roster.

It speaks the shape documented in ``smartcity.sync.siasn`` on 127.0.0.1 and a
random port, in a thread the test starts and stops. It records what it was asked,
so a test can check pages were followed and every roster call carried a token.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CLIENT_ID = "bkn-client-pati"
CLIENT_SECRET = "rahasia-siasn-9f2c"  # a test credential for the fake only


def record(
    nip: str,
    nama: str,
    *,
    status: str = "PNS",
    golongan: str = "III/a",
    jabatan: str = "Analis Kebijakan",
    unor: str = "unor-umum",
    induk: str = "unor-setda",
    kedudukan: str = "Aktif",
    eselon: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``data-utama`` record whose sex and birth date agree with its NIP."""
    sex = {"1": "M", "2": "F"}.get(nip[14:15], "M") if len(nip) == 18 else "M"
    born = f"{nip[6:8]}-{nip[4:6]}-{nip[0:4]}" if len(nip) == 18 else ""
    return {
        "id": secrets.token_hex(8),
        "nipBaru": nip,
        "nipLama": None,
        "nama": nama,
        "gelarDepan": None,
        "gelarBelakang": None,
        "jenisKelamin": sex,
        "tanggalLahir": born,
        "statusPegawai": status,
        "kedudukanPnsNama": kedudukan,
        "golRuangAkhir": golongan,
        "jabatanNama": jabatan,
        "eselon": eselon,
        "unorId": unor,
        "unorNama": f"Unor {unor}",
        "unorIndukId": induk,
        "unorIndukNama": f"Unor {induk}",
        **extra,
    }


@dataclass
class FakeSiasn:
    records: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    delay: float = 0.0
    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    pages_served: list[int] = field(default_factory=list)
    unauthorized: int = 0

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:  # keep test output clean
                pass

            def _send(self, status: int, payload: Any) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # The client may have given up (the timeout test): nothing to tell anyone.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def do_POST(self) -> None:
                if fake.delay:
                    time.sleep(fake.delay)
                if urllib.parse.urlsplit(self.path).path != "/oauth2/token":
                    self._send(404, {"error": "not_found"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                fake.token_requests += 1
                if form.get("grant_type") != ["client_credentials"]:
                    self._send(400, {"error": "unsupported_grant_type"})
                    return
                auth = self.headers.get("Authorization", "")
                given = (form.get("client_id", [""])[0], form.get("client_secret", [""])[0])
                if auth.startswith("Basic "):
                    raw = base64.b64decode(auth[6:]).decode()
                    given = tuple(raw.split(":", 1)) if ":" in raw else ("", "")
                if given != (fake.client_id, fake.client_secret):
                    self._send(401, {"error": "invalid_client"})
                    return
                token = secrets.token_urlsafe(16)
                fake.tokens.add(token)
                self._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

            def do_GET(self) -> None:
                if fake.delay:
                    time.sleep(fake.delay)
                url = urllib.parse.urlsplit(self.path)
                if url.path != "/apisiasn/1.0/pns/list":
                    self._send(404, {"code": 0, "message": "not found"})
                    return
                auth = self.headers.get("Authorization", "")
                if not auth.startswith("Bearer ") or auth[7:] not in fake.tokens:
                    fake.unauthorized += 1
                    self._send(401, {"code": 0, "message": "Unauthorized"})
                    return
                query = urllib.parse.parse_qs(url.query)
                page = int(query.get("page", ["1"])[0])
                limit = min(int(query.get("limit", ["100"])[0]), fake.page_size)
                total = len(fake.records)
                pages = max(1, -(-total // limit))
                fake.pages_served.append(page)
                chunk = fake.records[(page - 1) * limit : page * limit]
                self._send(
                    200,
                    {
                        "code": 1,
                        "message": "success",
                        "data": chunk,
                        "meta": {"page": page, "limit": limit, "total": total, "totalPage": pages},
                    },
                )

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeSiasn:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
