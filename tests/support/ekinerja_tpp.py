"""Helpers of the e-Kinerja TPP tests: a small regency, and a fake BKN e-Kinerja server."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from smartcity.auth.passwords import hash_password
from smartcity.tenantcore.models import OrgUnit, OrgUnitMember, Staff, User

from tenants.ekinerja.models import Account
from tests.conftest import PASSWORD

API = "/t/{slug}/api/v1/ekinerja"


def person(session: Any, nip: str, name: str, unit: int, cls: int, **extra: Any) -> Staff:
    staff = Staff(
        nip=nip,
        name=name,
        status="PNS",
        golongan="III/a",
        position=extra.pop("position", "Analis"),
        position_class=cls,
        unit_id=unit,
        sex="1",
        birth_date=date(1986, 9, 26),
        **extra,
    )
    session.add(staff)
    session.flush()
    return staff


def user(
    session: Any, email: str, role: str, staff: Staff | None = None, units: tuple[int, ...] = ()
) -> User:
    account = User(email=email, name=email, password_hash=hash_password(PASSWORD), roles=[role])
    session.add(account)
    session.flush()
    if staff is not None:
        session.add(Account(staff_id=staff.id, user_id=account.id))
    for unit in units:
        session.add(OrgUnitMember(user_id=account.id, org_unit_id=unit, app="ekinerja"))
    session.flush()
    return account


def two_units(session: Any) -> dict[str, int]:
    """Dinkes (a head, two staff) and Disdik (a head, one staff), ids by name."""
    dinkes = OrgUnit(code="1.02.01", name="Dinas Kesehatan", kind="dinas")
    disdik = OrgUnit(code="1.01.01", name="Dinas Pendidikan", kind="dinas")
    session.add_all([dinkes, disdik])
    session.flush()
    head = person(
        session,
        "197001101992011001",
        "dr. Kadis",
        dinkes.id,
        14,
        echelon="II.a",
        position="Kepala Dinas Kesehatan",
    )
    worker = person(
        session, "198609262015051001", "Budi Pegawai", dinkes.id, 8, supervisor_id=head.id
    )
    admin = person(session, "198703032010011003", "Admin Dinkes", dinkes.id, 7)
    guru_head = person(
        session,
        "197502022000031002",
        "Kadis Disdik",
        disdik.id,
        14,
        echelon="II.a",
        position="Kepala Dinas Pendidikan",
    )
    guru = person(session, "198001012005011002", "Guru", disdik.id, 8)
    return {
        "dinkes": dinkes.id,
        "disdik": disdik.id,
        "head": head.id,
        "worker": worker.id,
        "admin": admin.id,
        "guru_head": guru_head.id,
        "guru": guru.id,
    }


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass
class FakeBkn:
    """BKN's e-Kinerja as ``tenants.ekinerja.skp`` expects it, with switches for failures."""

    client_id: str = "pemkab"
    client_secret: str = "rahasia"
    records: dict[str, Any] = field(default_factory=dict)
    #: NIP -> HTTP status to answer instead of the record (e.g. 500).
    failing: dict[str, int] = field(default_factory=dict)
    #: NIP -> a body that is not JSON.
    garbage: set[str] = field(default_factory=set)
    token_status: int = 200
    #: NIP -> bytes written to the socket as they are, instead of an HTTP answer.
    raw: dict[str, bytes] = field(default_factory=dict)
    #: NIPs whose answer comes a byte every 0.3 s.
    drip: set[str] = field(default_factory=set)
    #: NIPs whose status line and headers come a byte every 0.3 s (then the record).
    drip_headers: set[str] = field(default_factory=set)
    #: NIPs whose request is read and never answered (the connection stays open 5 s).
    silent: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    url: str = ""

    def record(self, nip: str, predicate: str, year: int = 2026) -> None:
        self.records[nip] = {
            "data": {
                "nip": nip,
                "periode": {"awal": f"{year}-01-01", "akhir": f"{year}-12-31"},
                "predikat": predicate,
            }
        }


@contextmanager
def fake_bkn(fake: FakeBkn) -> Iterator[FakeBkn]:
    token = "token-123"

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            return

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            fake.calls.append("token")
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            expected = base64.b64encode(f"{fake.client_id}:{fake.client_secret}".encode()).decode()
            if urlsplit(self.path).path != "/oauth2/token":
                self._send(404, b"{}")
            elif fake.token_status != 200:
                self._send(fake.token_status, b'{"error": "server"}')
            elif self.headers.get("Authorization") != f"Basic {expected}":
                self._send(401, b'{"error": "invalid_client"}')
            else:
                self._send(200, json.dumps({"access_token": token, "expires_in": 3600}).encode())

        def _slowly(self, nip: str) -> None:
            """The answer a byte every 0.3 s (or its headers so, or nothing for 5 s)."""
            if nip in fake.silent:
                time.sleep(5)
                return
            body = b" " * 100 if nip in fake.drip else json.dumps(fake.records[nip]).encode()
            head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n" % len(body)
            if nip in fake.drip:  # the body slowly
                before, slow, after = head + b"\r\n", body, b""
            else:  # the status line and headers slowly
                before, slow, after = b"", head + b"X-Padding: " + b"x" * 40 + b"\r\n\r\n", body
            try:
                self.wfile.write(before)
                for byte in slow:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.3)
                self.wfile.write(after)
            except OSError:
                return  # the client gave up, as it should

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            nip = parts.path.rsplit("/", 1)[-1]
            fake.calls.append(nip)
            if self.headers.get("Authorization") != f"Bearer {token}":
                self._send(401, b"{}")
            elif not parts.path.startswith("/api/skp/") or "tahun" not in parse_qs(parts.query):
                self._send(400, b"{}")
            elif nip in fake.failing:
                self._send(fake.failing[nip], b'{"message": "error"}')
            elif nip in fake.raw:
                self.close_connection = True
                self.wfile.write(fake.raw[nip])
            elif nip in fake.drip | fake.drip_headers | fake.silent:
                self.close_connection = True
                self._slowly(nip)
            elif nip in fake.garbage:
                self._send(200, b"<html>maintenance</html>")
            elif nip in fake.records:
                self._send(200, json.dumps(fake.records[nip]).encode())
            else:
                self._send(404, b'{"message": "not found"}')

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
