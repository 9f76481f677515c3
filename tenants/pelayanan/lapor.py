"""SP4N-LAPOR!: the national complaint system, as an export and a two-way sync.

Regencies report their complaints to SP4N-LAPOR! (DOMAIN.md). Its integration
API is given to a regency with a token on request and is not published, so
this adapter speaks a shape modelled on LAPOR's record (tracking id, title,
body, category, classification, location, status, the OPDs it was dispatched
to, dates) over plain JSON:

- ``POST {base}/complaints`` with a record: an upsert keyed by ``tracking_id``
  (answers ``{"id": ...}``), so a reply lost on the way never makes a second
  report there;
- ``PUT {base}/complaints/{id}`` with the changed record;
- ``GET {base}/complaints/status?since=<ISO time>``: ``{"updates": [{"id",
  "status", "updated_at"}]}``, what changed there (a ministry forwarding it,
  closing it).

Each regency sets it up (enabled, base URL, token) in its ``settings.values``
under ``pelayanan_lapor``; the token is kept there and never shown back. A sync
pushes what is new or changed since its last push (a hash of the record), pulls
the status changes into the complaint's staff history, and writes a
:class:`~.models.SyncRun` with every error (its English sentence for logs, and
its msgid and values so the page reads it in the staff member's language); a
complaint that failed is pushed again by the next run, and a request that fails
for the network or a 5xx is tried again :data:`TRIES` times first. Anonymous and
confidential reporters never leave the regency: their records carry no reporter.

The export gives the same records as CSV, XLSX or JSON.
"""

from __future__ import annotations

import csv
import hashlib
import io
import ipaddress
import json
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from smartcity.toolkit import (
    InvalidInput,
    Message,
    OrgUnit,
    record_audit,
    regions_under,
    tenant_settings,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import complaints
from .messages import N_, M
from .models import Complaint, Dispatch, Event, LaporLink, SyncRun

log = logging.getLogger(__name__)

KEY = "pelayanan_lapor"
TRIES = 3
TIMEOUT = 10.0
#: Only for tests and a local LAPOR gateway: allows http:// to a loopback address.
ALLOW_LOOPBACK_ENV = "PELAYANAN_LAPOR_ALLOW_HTTP_LOOPBACK"
FORMATS = ("csv", "xlsx", "json")
MAX_EXPORT = 20_000
#: Our statuses in LAPOR's words.
STATUS_WORDS = {
    "new": "belum_terverifikasi",
    "verified": "terverifikasi",
    "on_hold": "ditunda",
    "declined": "bukan_kewenangan",
    "archived": "diarsipkan",
    "dispatched": "didisposisikan",
    "followed_up": "ditindaklanjuti",
    "closed": "selesai",
}
CLASSIFICATION_WORDS = {
    "complaint": "pengaduan",
    "aspiration": "aspirasi",
    "information": "permintaan_informasi",
    "whistleblowing": "whistleblowing",
}
COLUMNS = (
    "tracking_id",
    "title",
    "body",
    "category",
    "classification",
    "kecamatan_code",
    "kecamatan",
    "kelurahan",
    "latitude",
    "longitude",
    "status",
    "dispatch_units",
    "reporter",
    "submitted_at",
    "verified_at",
    "followed_up_at",
    "closed_at",
)


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class LaporSettings:
    enabled: bool = False
    base_url: str = ""
    #: Whether a token is stored; the token itself never leaves :func:`_token`.
    token_set: bool = False


def _stored(session: Session) -> dict[str, Any]:
    return dict((tenant_settings(session).values or {}).get(KEY) or {})


def settings(session: Session) -> LaporSettings:
    stored = _stored(session)
    return LaporSettings(
        enabled=bool(stored.get("enabled")),
        base_url=str(stored.get("base_url") or ""),
        token_set=bool(stored.get("token")),
    )


def _token(session: Session) -> str:
    return str(_stored(session).get("token") or "")


#: Why an address cannot be LAPOR's base address (a settings field's hint, in English).
NOT_PLAIN = "a plain address, without query, fragment or credentials"
NOT_HTTPS = "an https:// address (the token never travels in clear text)"


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be LAPOR's base address (:data:`NOT_PLAIN` or :data:`NOT_HTTPS`)."""
    parts = urllib.parse.urlsplit(url)
    if parts.query or parts.fragment or parts.username or parts.password:
        return NOT_PLAIN
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname and os.environ.get(ALLOW_LOOPBACK_ENV) == "1":
        try:
            if ipaddress.ip_address(parts.hostname).is_loopback:
                return None
        except ValueError:
            pass
    return NOT_HTTPS


def update_settings(
    session: Session, *, enabled: bool, base_url: str, token: str | None, actor: str
) -> LaporSettings:
    """Change the settings; ``token`` None or empty keeps the stored one."""
    url = (base_url or "").strip().rstrip("/")
    problems: dict[str, str] = {}
    if len(url) > 500:
        problems["base_url"] = "at most 500 characters"
    elif url and (problem := url_problem(url)):
        problems["base_url"] = problem
    new_token = (token or "").strip()
    if len(new_token) > 1000 or any(c.isspace() for c in new_token):
        problems["token"] = "at most 1000 characters, no spaces"  # noqa: S105 - a hint
    stored = _stored(session)
    if enabled and not url:
        problems["base_url"] = "required to enable the sync"
    if enabled and not (new_token or stored.get("token")):
        problems["token"] = "required to enable the sync"  # noqa: S105 - a hint
    if problems:
        raise InvalidInput(M("the LAPOR settings are not valid"), problems)
    before = settings(session)
    row = tenant_settings(session)
    values = {"enabled": enabled, "base_url": url, "token": new_token or stored.get("token") or ""}
    row.values = {**(row.values or {}), KEY: values}
    after = settings(session)
    # The audit says a token was set or replaced, never what it is.
    record_audit(
        session,
        actor=actor,
        action="pelayanan.lapor.settings",
        entity="settings",
        before=before.__dict__,
        after={**after.__dict__, "token_replaced": bool(new_token)},
    )
    return after


# --------------------------------------------------------------------------- records


def tracking_id(region_code: str, complaint_id: int) -> str:
    """Our id for the record at LAPOR: the regency's code and the complaint's number.

    Never the citizen's tracking code, which only its holder knows."""
    return f"PL-{region_code.replace('.', '')}-{complaint_id}"


def _coord(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.6f}"


class Records:
    """Builds LAPOR-shaped records, loading the names they need once."""

    def __init__(self, session: Session, region_code: str) -> None:
        self.session = session
        self.region_code = region_code
        self.kecamatan = {r.code: r.name for r in regions_under(region_code)}
        self.units: dict[int, str] = dict(session.execute(select(OrgUnit.id, OrgUnit.name)).all())

    def record(self, complaint: Complaint, dispatches: list[Dispatch]) -> dict[str, Any]:
        hidden = complaint.anonymous or complaint.confidential

        def iso(moment: datetime | None) -> str | None:
            # UTC, so the same moment always reads the same (the record's hash relies on it).
            return moment.astimezone(UTC).isoformat() if moment else None

        return {
            "tracking_id": tracking_id(self.region_code, complaint.id),
            "title": complaint.title,
            "body": complaint.body,
            "category": complaint.category,
            "classification": CLASSIFICATION_WORDS.get(
                complaint.classification, complaint.classification
            ),
            "location": {
                "kecamatan_code": complaint.kecamatan_code,
                "kecamatan": self.kecamatan.get(complaint.kecamatan_code or ""),
                "kelurahan": complaint.kelurahan,
                "latitude": _coord(complaint.latitude),
                "longitude": _coord(complaint.longitude),
            },
            "status": STATUS_WORDS.get(complaint.status, complaint.status),
            "dispatch_units": [
                {
                    "unit": self.units.get(d.org_unit_id, ""),
                    "status": d.status,
                    "due": d.due.isoformat(),
                    "responded_at": iso(d.responded_at),
                }
                for d in dispatches
            ],
            "anonymous": complaint.anonymous,
            "confidential": complaint.confidential,
            # Anonymous or confidential: no reporter leaves the regency.
            "reporter": None if hidden else complaint.reporter_name,
            "dates": {
                "submitted_at": iso(complaint.submitted_at),
                "verified_at": iso(complaint.verified_at),
                "followed_up_at": iso(complaint.followed_up_at),
                "closed_at": iso(complaint.closed_at),
            },
        }

    def all(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[tuple[Complaint, dict[str, Any]]]:
        stmt = select(Complaint).order_by(Complaint.id).limit(MAX_EXPORT)
        if since is not None:
            stmt = stmt.where(Complaint.submitted_at >= since)
        if until is not None:
            stmt = stmt.where(Complaint.submitted_at < until)
        rows = list(self.session.scalars(stmt))
        held: dict[int, list[Dispatch]] = {}
        ids = [c.id for c in rows]
        for start in range(0, len(ids), 1000):
            for d in self.session.scalars(
                select(Dispatch)
                .where(Dispatch.complaint_id.in_(ids[start : start + 1000]))
                .order_by(Dispatch.id)
            ):
                held.setdefault(d.complaint_id, []).append(d)
        for complaint in rows:
            yield complaint, self.record(complaint, held.get(complaint.id, []))


def _flat(record: dict[str, Any]) -> list[Any]:
    location, dates = record["location"], record["dates"]
    units = "; ".join(f"{d['unit']} ({d['status']})" for d in record["dispatch_units"])
    flat = {
        **{k: record[k] for k in ("tracking_id", "title", "body", "category", "classification")},
        **location,
        "status": record["status"],
        "dispatch_units": units,
        "reporter": record["reporter"] or "",
        **dates,
    }
    return [flat.get(c) or "" for c in COLUMNS]


def export(
    session: Session,
    fmt: str,
    *,
    region_code: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[bytes, str, str]:
    """The complaints as LAPOR records: (content, content type, file name)."""
    if fmt not in FORMATS:
        raise InvalidInput(M("unknown export format"), {"format": ", ".join(FORMATS)})
    region = region_code
    records = [r for _c, r in Records(session, region).all(since=since, until=until)]
    name = f"lapor-{region.replace('.', '')}"
    if fmt == "json":
        body = json.dumps({"complaints": records}, ensure_ascii=False, indent=1).encode()
        return body, "application/json", f"{name}.json"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for record in records:
            writer.writerow([_safe_cell(v) for v in _flat(record)])
        return out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", f"{name}.csv"
    book = Workbook(write_only=True)
    sheet = book.create_sheet("LAPOR")
    sheet.append(list(COLUMNS))
    for record in records:
        sheet.append([_safe_cell(v) for v in _flat(record)])
    out_bytes = io.BytesIO()
    book.save(out_bytes)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return out_bytes.getvalue(), xlsx, f"{name}.xlsx"


def _safe_cell(value: Any) -> Any:
    """A citizen's text never becomes a spreadsheet formula (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# --------------------------------------------------------------------------- sync


class SyncFailed(Exception):
    """The LAPOR server could not be reached or refused the token: the run stops."""

    def __init__(self, reason: Message) -> None:
        super().__init__(str(reason))
        self.reason = reason


class RecordRefused(ValueError):
    """LAPOR refused one complaint's record (or answered it oddly): the next run retries it."""

    def __init__(self, reason: Message) -> None:
        super().__init__(str(reason))
        self.reason = reason


#: The sync's reasons as a staff member reads them (msgids of the app's catalogue).
#: A run stores each as its msgid and values (see :func:`_error`) and the page
#: translates it; ``error`` keeps the English sentence for logs and older readers.
TOKEN_REFUSED = N_("LAPOR refused the token (HTTP %(status)s)")
RECORD_REFUSED = N_("LAPOR refused the record (HTTP %(status)s)")
SERVER_ERROR = N_("LAPOR answered HTTP %(status)s (after %(count)s tries)")
UNREACHABLE = N_("LAPOR could not be reached (after %(count)s tries)")
NOT_JSON = N_("LAPOR answered something that is not JSON")
NO_ID = N_("LAPOR answered without an id")
NO_UPDATES = N_("LAPOR's status answer has no list of updates")
BASE_URL_NOT_PLAIN = N_(
    "the base URL must be a plain address, without query, fragment or credentials"
)
BASE_URL_NOT_HTTPS = N_(
    "the base URL must be an https:// address (the token never travels in clear text)"
)
_BASE_URL_REASONS = {NOT_PLAIN: BASE_URL_NOT_PLAIN, NOT_HTTPS: BASE_URL_NOT_HTTPS}
#: Reasons as runs stored them before they kept a msgid: English sentences, read
#: back into the message they meant so an old run reads in the page's language too.
_LEGACY_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"LAPOR refused the token \((?P<status>[0-9]+)\)"), TOKEN_REFUSED),
    (re.compile(r"LAPOR refused the record \((?P<status>[0-9]+)\)"), RECORD_REFUSED),
    (
        re.compile(r"LAPOR answered (?P<status>[0-9]+) \(after (?P<count>[0-9]+) tries\)"),
        SERVER_ERROR,
    ),
    (
        re.compile(r"LAPOR cannot be reached: .* \(after (?P<count>[0-9]+) tries\)", re.S),
        UNREACHABLE,
    ),
    (re.compile(re.escape(NOT_JSON)), NOT_JSON),
    (re.compile(re.escape(NO_ID)), NO_ID),
    (re.compile(re.escape(NO_UPDATES)), NO_UPDATES),
    (re.compile(re.escape(f"the base URL must be {NOT_PLAIN}")), BASE_URL_NOT_PLAIN),
    (re.compile(re.escape(f"the base URL must be {NOT_HTTPS}")), BASE_URL_NOT_HTTPS),
)


def _error(why: Message, complaint_id: int | None = None) -> dict[str, Any]:
    """A run's error as stored: the English sentence, and the msgid and values to show it."""
    entry: dict[str, Any] = {} if complaint_id is None else {"complaint_id": complaint_id}
    return {**entry, "error": str(why), "msgid": why.msgid, "params": why.json_params()}


def reason(entry: dict[str, Any]) -> str:
    """A stored error as a person reads it: a Message of the app's catalogue, shown
    translated; an old run's English sentence read back the same way; anything else as is."""
    if isinstance(entry.get("msgid"), str):
        return M(entry["msgid"], **dict(entry.get("params") or {}))
    text = str(entry.get("error") or "")
    for pattern, msgid in _LEGACY_REASONS:
        if match := pattern.fullmatch(text):
            values = {k: int(v) for k, v in match.groupdict().items()}
            return M(msgid, **values)
    return text


def _digest(record: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


@dataclass
class _Client:
    base_url: str
    token: str
    timeout: float

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One request, tried again on the network or a 5xx; a 4xx is the record's fault."""
        data = None if body is None else json.dumps(body).encode()
        last: Message = M(UNREACHABLE, count=TRIES)
        for attempt in range(TRIES):
            request = urllib.request.Request(  # noqa: S310 - url_problem allows https only
                self.base_url + path,
                data=data,
                method=method,
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    return json.loads(response.read(2_000_000) or b"null")
            except urllib.error.HTTPError as exc:
                if exc.code in (401, 403):
                    raise SyncFailed(M(TOKEN_REFUSED, status=exc.code)) from None
                if exc.code < 500 and exc.code != 429:
                    raise RecordRefused(M(RECORD_REFUSED, status=exc.code)) from None
                last = M(SERVER_ERROR, status=exc.code, count=TRIES)
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                # The system's reason (in English, technical) goes to the log, not the page.
                log.warning(
                    "LAPOR cannot be reached: %s %s: %s",
                    method,
                    path.split("?", maxsplit=1)[0],
                    getattr(exc, "reason", exc),
                )
                last = M(UNREACHABLE, count=TRIES)
            except json.JSONDecodeError:
                raise RecordRefused(M(NOT_JSON)) from None
            if attempt + 1 < TRIES:
                time.sleep(0.2 * 2**attempt)
        raise SyncFailed(last)


def run_sync(
    session: Session, *, region_code: str, actor: str, timeout: float = TIMEOUT
) -> SyncRun | None:
    """Push what is new or changed, pull status changes; None when the sync is off."""
    config = settings(session)
    if not config.enabled:
        return None
    moment = complaints.now(session)
    run = SyncRun(
        started_at=moment, status="running", pushed=0, pulled=0, failed=0, errors=[], actor=actor
    )
    session.add(run)
    session.flush()
    errors: list[dict[str, Any]] = []
    problem = url_problem(config.base_url)
    try:
        if problem:
            raise SyncFailed(M(_BASE_URL_REASONS[problem]))
        client = _Client(config.base_url, _token(session), timeout)
        _push(session, client, run, errors, Records(session, region_code))
        _pull(session, client, run)
        run.status = "partial" if run.failed else "ok"
    except SyncFailed as exc:
        log.warning("SP4N-LAPOR! sync run %s failed: %s", run.id, exc)
        errors.append(_error(exc.reason))
        run.status = "failed"
    run.errors = errors[:200]
    run.finished_at = complaints.now(session)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="pelayanan.lapor.sync",
        entity="sync_run",
        entity_id=run.id,
        after={"status": run.status, "pushed": run.pushed, "pulled": run.pulled},
    )
    return run


def _push(
    session: Session,
    client: _Client,
    run: SyncRun,
    errors: list[dict[str, Any]],
    records: Records,
) -> None:
    links = {link.complaint_id: link for link in session.scalars(select(LaporLink))}
    for complaint, record in list(records.all()):
        digest = _digest(record)
        link = links.get(complaint.id)
        if link is not None and link.pushed_hash == digest:
            continue
        try:
            if link is None:
                answer = client.call("POST", "/complaints", record)
                lapor_id = str((answer or {}).get("id") or "")[:64]
                if not lapor_id:
                    raise RecordRefused(M(NO_ID))
                link = LaporLink(
                    complaint_id=complaint.id,
                    lapor_id=lapor_id,
                    pushed_hash=digest,
                    pushed_at=complaints.now(session),
                )
                session.add(link)
                links[complaint.id] = link
            else:
                client.call("PUT", f"/complaints/{urllib.parse.quote(link.lapor_id)}", record)
                link.pushed_hash = digest
                link.pushed_at = complaints.now(session)
        except RecordRefused as exc:
            run.failed += 1
            errors.append(_error(exc.reason, complaint.id))
            continue
        run.pushed += 1
    session.flush()


def _pull(session: Session, client: _Client, run: SyncRun) -> None:
    last = session.scalar(
        select(SyncRun.started_at)
        .where(SyncRun.status.in_(("ok", "partial")), SyncRun.id != run.id)
        .order_by(SyncRun.started_at.desc())
        .limit(1)
    )
    query = f"?since={urllib.parse.quote(last.isoformat())}" if last else ""
    try:
        answer = client.call("GET", f"/complaints/status{query}")
    except RecordRefused as exc:
        raise SyncFailed(exc.reason) from None
    updates = (answer or {}).get("updates") if isinstance(answer, dict) else None
    if not isinstance(updates, list):
        raise SyncFailed(M(NO_UPDATES))
    by_lapor = {link.lapor_id: link for link in session.scalars(select(LaporLink))}
    for update in updates[:10_000]:
        if not isinstance(update, dict):
            continue
        link = by_lapor.get(str(update.get("id") or ""))
        status = str(update.get("status") or "")[:40]
        if link is None or not status or link.remote_status == status:
            continue  # unknown to us, or nothing new: pulling twice changes nothing
        link.remote_status = status
        try:
            remote = datetime.fromisoformat(str(update.get("updated_at")))
            link.remote_updated_at = remote if remote.tzinfo else remote.replace(tzinfo=UTC)
        except ValueError:
            link.remote_updated_at = complaints.now(session)
        session.add(
            Event(
                complaint_id=link.complaint_id,
                actor="SP4N-LAPOR!",
                action="lapor_status",
                note=status,
                public=False,
            )
        )
        run.pulled += 1
    session.flush()
