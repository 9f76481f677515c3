"""Each person's SKP period and predicate, pulled from BKN's e-Kinerja by NIP.

BKN's e-Kinerja holds the SKP of record (PermenPANRB 6/2022); typing the
predicate again into the regency's app is the double entry staff complain of.
Whether BKN offers this API to regencies is UNVERIFIED (see
../shared/research/apps-anchors.md, 2), so this adapter follows the shape below,
the same gateway conventions as the core's SIASN sync, and the tests run it
against a local fake server.

Token (client credentials, client authenticated with HTTP Basic)::

    POST {base}/oauth2/token            grant_type=client_credentials
    200 {"access_token": "...", "token_type": "Bearer", "expires_in": 3600}
    401 {"error": "invalid_client"}

A person's SKP of a year::

    GET {base}/api/skp/{nip}?tahun=2026
    Authorization: Bearer <access_token>
    200 {"data": {"nip": "198609262015051001",
                  "periode": {"awal": "2026-01-01", "akhir": "2026-12-31"},
                  "predikat": "Baik"}}
    404 unknown NIP

The predicate must be one of the five (Sangat Baik, Baik, Butuh Perbaikan,
Kurang, Sangat Kurang); anything else is a problem of that NIP, not a value.

Every pull is a :class:`~.tppmodels.SkpSyncRun` of record: ``ok``, ``partial``
(some NIPs unknown, refused, malformed or not answered in time: listed under
``problems``) or ``failed`` (no token, the server unreachable or failing for many
NIPs in a row, and then nothing is stored). Each answer, from connecting to its
last byte of headers and body, has ``TIMEOUT_SECONDS`` in all. The client
secret is stored for the calls and never shown back, logged or audited. Plain
HTTP is refused except to 127.0.0.1 when ``EKINERJA_BKN_ALLOW_HTTP_LOOPBACK=1``
(the tests' fake server); redirects are not followed (one would carry the token
elsewhere).
"""

from __future__ import annotations

import base64
import functools
import http.client
import io
import json
import os
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from smartcity.toolkit import InvalidInput, Staff, record_audit
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .access import Actor
from .messages import M
from .periods import parse_day
from .rules import PREDICATES
from .tppmodels import BknConfig, Skp, SkpSyncRun

TOKEN_PATH = "oauth2/token"  # noqa: S105 - a path, not a secret
SKP_PATH = "api/skp"
TIMEOUT_SECONDS = 15.0
MAX_RESPONSE_BYTES = 1024 * 1024
#: This many failing answers in a row end the run as failed (the server is down).
MAX_FAILURES_IN_A_ROW = 10
#: Detailed problems kept per kind in a run; counts are always complete.
MAX_LISTED = 500
LOOPBACK_ENV = "EKINERJA_BKN_ALLOW_HTTP_LOOPBACK"


class BknError(Exception):
    """BKN could not be read at all; the message says why, for the regency's admin."""


class _HttpStatus(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Garbled(Exception):
    """The answer is not HTTP (no status line, cut short) or not read in time: the
    server is failing, as an HTTP 5xx says, and it counts towards stopping the run."""


def _timed_out(exc: BaseException) -> bool:
    """A socket timeout, as it comes from reading (itself) or from urllib (its reason)."""
    return isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError)


def allow_http_loopback() -> bool:
    return os.environ.get(LOOPBACK_ENV) == "1"


def url_problem(url: str, *, allow_loopback: bool) -> str | None:
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        credentials = parts.username or parts.password
    except ValueError:  # e.g. an unclosed IPv6 bracket or a bad port
        return "is not a valid address"
    if credentials:
        return "must not carry credentials"
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and host == "127.0.0.1" and allow_loopback:
        return None
    return "must be an https:// address"


# -- settings -------------------------------------------------------------------------


def public_config(session: Session) -> dict[str, Any]:
    """The connection as the admin sees it: never the secret, only whether there is one."""
    row = session.get(BknConfig, 1)
    if row is None:
        return {"base_url": None, "client_id": None, "has_secret": False}
    return {
        "base_url": row.base_url,
        "client_id": row.client_id,
        "has_secret": bool(row.client_secret),
    }


def configure(
    session: Session,
    actor: Actor,
    *,
    base_url: str,
    client_id: str,
    client_secret: str | None,
) -> dict[str, Any]:
    """Set the endpoint and credentials; ``client_secret`` None (or empty) keeps the old one."""
    actor.require("ekinerja.regency_manage")
    row = session.get(BknConfig, 1)
    problems: dict[str, str] = {}
    base_url, client_id = base_url.strip(), client_id.strip()
    if problem := url_problem(base_url, allow_loopback=allow_http_loopback()):
        problems["base_url"] = problem
    if not client_id:
        problems["client_id"] = "required"
    if not client_secret and (row is None or not row.client_secret):
        problems["client_secret"] = "required"  # noqa: S105 - a problem, not a secret
    if problems:
        raise InvalidInput(M("the BKN connection is not valid"), problems)
    before = public_config(session)
    if row is None:
        row = BknConfig(id=1, client_secret="")
        session.add(row)
    row.base_url, row.client_id, row.updated_by = base_url, client_id, actor.label
    row.updated_at = datetime.now(UTC)
    if client_secret:
        row.client_secret = client_secret
    session.flush()
    after = public_config(session)
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.bkn_settings",
        entity="ekn_bkn_config",
        entity_id=1,
        before=before,
        after=after | {"secret_changed": bool(client_secret)},
    )
    return after


# -- the client -----------------------------------------------------------------------


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


class _UntilDeadline(io.RawIOBase):
    """The answer's socket, each read waiting at most what is left of the answer's time.

    A socket timeout bounds each wait, not the answer: a server sending its status
    line and headers a byte every few seconds held the run as long as it liked
    (http.client reads them before the caller sees any of it), and a body so sent
    was only noticed between reads. Here every read of headers and body alike gets
    the time left, and none is left after the deadline (a ``TimeoutError``).
    """

    def __init__(self, raw: io.RawIOBase, sock: Any, deadline: float) -> None:
        super().__init__()
        self._raw, self._sock, self._deadline = raw, sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the answer's time is up")
        self._sock.settimeout(left)
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _AnswerUntilDeadline(http.client.HTTPResponse):
    """An HTTP answer read through :class:`_UntilDeadline`."""

    def __init__(self, sock: Any, *args: Any, deadline: float, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        self.fp = io.BufferedReader(_UntilDeadline(self.fp.detach(), sock, deadline))


def _until_deadline(
    connection_class: type[http.client.HTTPConnection], request: urllib.request.Request
) -> Any:
    """``connection_class`` for ``request`` whose answer must be whole within the
    request's timeout, counted from now (the connection included)."""
    deadline = time.monotonic() + (request.timeout or TIMEOUT_SECONDS)

    def connect(host: str, **kwargs: Any) -> http.client.HTTPConnection:
        connection = connection_class(host, **kwargs)
        connection.response_class = cast(
            "type[http.client.HTTPResponse]",
            functools.partial(_AnswerUntilDeadline, deadline=deadline),
        )
        return connection

    return connect


class _HttpUntilDeadline(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_until_deadline(http.client.HTTPConnection, req), req)


class _HttpsUntilDeadline(urllib.request.HTTPSHandler):
    def __init__(self) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(context=self._tls)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connect = _until_deadline(http.client.HTTPSConnection, req)
        return self.do_open(connect, req, context=self._tls)


@dataclass
class BknClient:
    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    timeout: float = TIMEOUT_SECONDS
    _token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._opener = urllib.request.build_opener(
            _RefuseRedirects(), _HttpUntilDeadline(), _HttpsUntilDeadline()
        )

    def _url(self, path: str, query: dict[str, Any] | None = None) -> str:
        url = f"{self.base_url.rstrip('/')}/{path}"
        return f"{url}?{urllib.parse.urlencode(query)}" if query else url

    def _call(self, request: urllib.request.Request) -> Any:
        # The whole answer, connection, headers and body, has ``timeout`` (the opener's
        # handlers), or a server sending a byte every few seconds would hold the run for
        # days. Running out of it is this answer's problem (one NIP's), as a 5xx is; a
        # server that cannot be reached at all stops the run.
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = b""
                while len(body) <= MAX_RESPONSE_BYTES:
                    chunk = response.read1(MAX_RESPONSE_BYTES + 1 - len(body))
                    if not chunk:
                        break
                    body += chunk
                if len(body) <= MAX_RESPONSE_BYTES and response.length:
                    raise _Garbled("answer cut short")  # fewer bytes than its Content-Length
        except urllib.error.HTTPError as exc:
            exc.close()
            raise _HttpStatus(exc.code) from None
        except http.client.HTTPException as exc:  # no status line, cut short, bad headers
            raise _Garbled(f"not an HTTP answer ({type(exc).__name__})") from None
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            if _timed_out(exc):
                raise _Garbled(f"no whole answer in {self.timeout:g} s") from None
            reason = getattr(exc, "reason", exc)
            raise BknError(f"cannot reach BKN: {reason}") from None
        if len(body) > MAX_RESPONSE_BYTES:
            raise ValueError("answer too large")
        try:
            return json.loads(body)
        except RecursionError:  # "[[[[...": valid JSON nested past the parser's depth
            raise ValueError("answer nested too deep") from None

    def token(self) -> str:
        credentials = f"{self.client_id}:{self.client_secret}".encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked before use
            self._url(TOKEN_PATH),
            data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
            headers={
                "Authorization": f"Basic {base64.b64encode(credentials).decode()}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            answer = self._call(request)
        except _HttpStatus as exc:
            if exc.code in (400, 401, 403):
                raise BknError(
                    f"BKN refused the client credentials (HTTP {exc.code}): check the client "
                    "id and secret"
                ) from None
            raise BknError(f"BKN's token endpoint answered HTTP {exc.code}") from None
        except ValueError:
            raise BknError("BKN's token answer is not JSON") from None
        except _Garbled as exc:
            raise BknError(f"BKN's token answer is broken: {exc}") from None
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise BknError("BKN's token answer has no access_token")
        self._token = token
        return token

    def skp(self, nip: str, year: int) -> Any:
        """The JSON answer for ``nip``; raises _HttpStatus, _Garbled, ValueError (not JSON)
        or BknError."""
        for attempt in (1, 2):
            if self._token is None:
                self.token()
            request = urllib.request.Request(  # noqa: S310 - the scheme is checked before use
                self._url(f"{SKP_PATH}/{urllib.parse.quote(nip)}", {"tahun": year}),
                headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
            )
            try:
                return self._call(request)
            except _HttpStatus as exc:
                if exc.code == 401 and attempt == 1:
                    self._token = None  # expired mid-run: one fresh token, then give up
                    continue
                raise
        raise BknError("BKN refused the token twice")


# -- the sync -------------------------------------------------------------------------


@dataclass(frozen=True)
class SkpRecord:
    nip: str
    period_start: date
    period_end: date
    predicate: str


def parse_record(answer: Any, nip: str, year: int) -> SkpRecord:
    """The record in a BKN answer for ``nip``'s SKP of ``year``; ValueError says what is
    wrong (a period of another year would be stored, and paid, as this year's)."""
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        raise ValueError("no data object")
    if str(data.get("nip", "")) != nip:
        raise ValueError("the answer is for another NIP")
    period = data.get("periode")
    if not isinstance(period, dict):
        raise ValueError("no periode")
    start, end = _day(period.get("awal")), _day(period.get("akhir"))
    if end < start:
        raise ValueError("periode ends before it starts")
    if start.year != year or end.year != year:
        raise ValueError(f"periode is not within {year}")
    predicate = data.get("predikat")
    if predicate not in PREDICATES:
        raise ValueError(f"predikat must be one of {', '.join(PREDICATES)}")
    return SkpRecord(nip, start, end, str(predicate))


def _day(value: Any) -> date:
    """``YYYY-MM-DD`` in ASCII digits (not the week dates or compact forms
    ``date.fromisoformat`` also reads); ValueError otherwise."""
    found = parse_day(value) if isinstance(value, str) else None
    if found is None:
        raise ValueError(f"not a day: {str(value)[:40]!r}")
    return found


def _note(problems: dict[str, Any], kind: str, nip: str, text: str) -> None:
    counts = problems.setdefault("counts", {})
    counts[kind] = counts.get(kind, 0) + 1
    listed = problems.setdefault(kind, {})
    if len(listed) < MAX_LISTED:
        listed[nip] = text


def _client(session: Session) -> tuple[BknClient | None, str | None]:
    config = session.get(BknConfig, 1)
    if config is None:
        return None, "the BKN connection is not set up"
    if problem := url_problem(config.base_url, allow_loopback=allow_http_loopback()):
        return None, f"the BKN address {problem}"
    return BknClient(config.base_url, config.client_id, config.client_secret), None


def _fetch(
    client: BknClient, people: list[tuple[int, str]], year: int, run: SkpSyncRun
) -> tuple[dict[int, SkpRecord], dict[str, Any]]:
    """Every person's record; raises BknError when BKN cannot be read at all."""
    records: dict[int, SkpRecord] = {}
    problems: dict[str, Any] = {}
    client.token()
    failures = 0
    for staff_id, nip in people:
        run.asked += 1
        try:
            records[staff_id] = parse_record(client.skp(nip, year), nip, year)
            failures = 0
        except _HttpStatus as exc:
            if exc.code == 404:
                _note(problems, "unknown_nips", nip, "not found at BKN")
                failures = 0
                continue
            _note(problems, "errors", nip, f"HTTP {exc.code}")
            failures += 1
        except _Garbled as exc:
            _note(problems, "errors", nip, str(exc)[:200])
            failures += 1
        except ValueError as exc:
            _note(problems, "malformed", nip, str(exc)[:200])
            failures = 0
        if failures >= MAX_FAILURES_IN_A_ROW:
            raise BknError(f"BKN failed {failures} answers in a row; the run stopped")
    return records, problems


def _store(session: Session, run: SkpSyncRun, records: dict[int, SkpRecord]) -> None:
    if not records:
        return
    rows = [
        {
            "staff_id": staff_id,
            "year": run.year,
            "period_start": r.period_start,
            "period_end": r.period_end,
            "predicate": r.predicate,
            "run_id": run.id,
            "synced_at": run.finished_at,
        }
        for staff_id, r in records.items()
    ]
    stmt = insert(Skp).values(rows)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["staff_id", "year"],
            set_={
                c: stmt.excluded[c]
                for c in ("period_start", "period_end", "predicate", "run_id", "synced_at")
            },
        )
    )


def sync(
    session: Session, actor: Actor, year: int, *, client: BknClient | None = None
) -> SkpSyncRun:
    """Pull every active person's SKP of ``year`` by NIP and store it; always a run of record."""
    actor.require("ekinerja.regency_manage")
    run = SkpSyncRun(
        year=year, started_at=datetime.now(UTC), requested_by=actor.label, asked=0, stored=0
    )
    people = [
        (staff_id, nip)
        for staff_id, nip in session.execute(
            select(Staff.id, Staff.nip).where(Staff.is_active.is_(True)).order_by(Staff.id)
        )
    ]
    records: dict[int, SkpRecord] = {}
    problems: dict[str, Any] = {}
    error: str | None = None
    if client is None:
        client, error = _client(session)
    if client is not None:
        try:
            records, problems = _fetch(client, people, year, run)
        except BknError as exc:
            error = str(exc)
    run.finished_at = datetime.now(UTC)
    run.problems = problems
    if error is not None:
        run.status, run.error = "failed", error[:2000]
        records = {}
    else:
        run.status = "partial" if problems else "ok"
    run.stored = len(records)
    session.add(run)
    session.flush()
    _store(session, run, records)
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.skp_sync",
        entity="skp_sync_run",
        entity_id=run.id,
        after={"year": year, "status": run.status, "stored": run.stored, "asked": run.asked},
    )
    return run


def runs_of(session: Session, limit: int = 50) -> list[SkpSyncRun]:
    return list(session.scalars(select(SkpSyncRun).order_by(SkpSyncRun.id.desc()).limit(limit)))


def skp_of(session: Session, staff_id: int, year: int) -> Skp | None:
    return session.scalar(select(Skp).where(Skp.staff_id == staff_id, Skp.year == year))
