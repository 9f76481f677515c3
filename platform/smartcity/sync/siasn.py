"""Staff roster sync from BKN's SIASN (the national civil-servant registry).

SIASN is the source of truth for who a regency's civil servants are, their
golongan, position and unit. We cannot reach it from our machines, so this
adapter follows the shape below (OAuth2 client credentials as BKN's API gateway
issues them, records shaped like SIASN's ``data-utama``), and the tests run it
against a local fake server (``tests/fakes/siasn.py``).

Token (RFC 6749 section 4.4, client authenticated with HTTP Basic)::

    POST {base}/oauth2/token
    Authorization: Basic base64(client_id:client_secret)
    Content-Type: application/x-www-form-urlencoded

    grant_type=client_credentials

    200 {"access_token": "...", "token_type": "Bearer", "expires_in": 3600}
    401 {"error": "invalid_client"}

Roster of the regency's instansi, page by page (``page`` from 1)::

    GET {base}/apisiasn/1.0/pns/list?page=1&limit=100
    Authorization: Bearer <access_token>

    200 {"code": 1, "message": "success",
         "data": [<data-utama record>, ...],
         "meta": {"page": 1, "limit": 100, "total": 250, "totalPage": 3}}
    401 {"code": 0, "message": "Unauthorized"}

A ``data-utama`` record (fields we read; others are ignored)::

    {"id": "8ae48...",                      SIASN's own person id
     "nipBaru": "198609262015051001",       the 18-digit NIP: what we upsert by
     "nama": "Budi Santoso", "gelarDepan": "Dr.", "gelarBelakang": "S.T., M.T.",
     "jenisKelamin": "M",                   M/F (L/P accepted); must agree with the NIP
     "tanggalLahir": "26-09-1986",          dd-mm-yyyy (ISO accepted); must agree with the NIP
     "statusPegawai": "PNS",                PNS, CPNS or PPPK
     "kedudukanPnsNama": "Aktif",           anything else (Pensiun, Meninggal...) deactivates
     "golRuangAkhir": "IV/a",               PPPK: I ... XVII
     "jabatanNama": "Kepala Bagian Umum",
     "eselon": "III.b",                     null, "" or "Non Eselon" for none
     "unorId": "...", "unorNama": "Bagian Umum",
     "unorIndukId": "...", "unorIndukNama": "Sekretariat Daerah"}

Per tenant, in ``settings.values``: ``siasn_base_url`` (HTTPS), ``siasn_client_id``,
``siasn_client_secret`` (never logged, never in an audit entry or a report) and
``siasn_unit_map``: SIASN unor id -> local org unit code. A record's unit is its
``unorId`` if mapped, else its ``unorIndukId`` (so a regency can map whole OPDs).

What a sync owns: name, status, golongan, position, echelon, unit and whether the
person is active. Kelas jabatan and supervisors are local data and stay as they
are. Records that break a rule (the same checks as the roster import:
:func:`~smartcity.tenantcore.staff.staff_problems`) are rejected with their
reasons and the rest applied. Staff missing from SIASN are listed, not
deactivated: an incomplete answer must not switch a regency's staff off.

The HTTP client is the standard library's ``urllib``: a token and a few dozen
sequential GETs need no pool or async, and one dependency fewer is one fewer to
keep patched. Redirects are refused (one would carry the bearer token to another
host), and plain HTTP is refused except to 127.0.0.1 when the deployment allows
it explicitly (``SIASN_ALLOW_HTTP_LOOPBACK``, for the tests' fake server).
"""

from __future__ import annotations

import base64
import json
import logging
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.errors import InvalidInput, Message
from smartcity.sync.models import StaffSyncRun
from smartcity.tenantcore import audit
from smartcity.tenantcore.models import OrgUnit, Staff, TenantSettings
from smartcity.tenantcore.nip import InvalidNipError, parse_nip
from smartcity.tenantcore.settings import get_settings
from smartcity.tenantcore.staff import staff_problems

log = logging.getLogger(__name__)

TOKEN_PATH = "oauth2/token"  # noqa: S105 - a path, not a secret
ROSTER_PATH = "apisiasn/1.0/pns/list"
PAGE_LIMIT = 100
#: A runaway paginator (or a hostile server) stops here rather than looping forever.
MAX_PAGES = 2000
MAX_RESPONSE_BYTES = 20 * 1024 * 1024
#: Detailed entries kept per list in a run's report; totals are always complete.
MAX_REPORT_ITEMS = 2000
SYNCED_FIELDS = ("name", "status", "golongan", "position", "echelon", "unit_id", "is_active")
#: Our field -> the SIASN field a clerk should look at.
SIASN_FIELD = {
    "nip": "nipBaru",
    "name": "nama",
    "status": "statusPegawai",
    "golongan": "golRuangAkhir",
    "position": "jabatanNama",
    "echelon": "eselon",
    "unit": "unorId",
    "sex": "jenisKelamin",
    "birth_date": "tanggalLahir",
}
NO_ECHELON = {"", "-", "non eselon", "non-eselon", "noneselon"}
SETTING_KEYS = ("siasn_base_url", "siasn_client_id", "siasn_client_secret", "siasn_unit_map")


class SiasnError(Exception):
    """SIASN could not be read; the message says why, for the regency's admin."""


@dataclass(frozen=True)
class SiasnConfig:
    """Where and as whom one regency reads SIASN (from its settings)."""

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    unit_map: dict[str, str] = field(default_factory=dict)


# -- configuration -------------------------------------------------------------------


def url_problem(url: str, *, allow_http_loopback: bool) -> Message | None:
    """Why ``url`` may not be used as the SIASN base address (None: it may)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username or parts.password:
        return Message("must not carry credentials; set siasn_client_id and siasn_client_secret")
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname == "127.0.0.1" and allow_http_loopback:
        return None
    return Message("must be an https:// address (credentials never travel in clear text)")


def load_config(session: Session) -> SiasnConfig:
    """The tenant's SIASN settings; ``InvalidInput`` names what is missing."""
    values = get_settings(session).values or {}
    problems = {key: Message("required") for key in SETTING_KEYS[:3] if not values.get(key)}
    unit_map = values.get("siasn_unit_map") or {}
    if not isinstance(unit_map, dict):
        problems["siasn_unit_map"] = Message("an object: SIASN unor id -> org unit code")
    if problems:
        raise InvalidInput(Message("SIASN is not configured for this regency"), problems)
    return SiasnConfig(
        base_url=str(values["siasn_base_url"]),
        client_id=str(values["siasn_client_id"]),
        client_secret=str(values["siasn_client_secret"]),
        unit_map={str(k): str(v) for k, v in unit_map.items()},
    )


def is_configured(session: Session) -> bool:
    values = get_settings(session).values or {}
    return all(values.get(key) for key in SETTING_KEYS[:3])


def configure(
    session: Session,
    *,
    base_url: str,
    client_id: str,
    client_secret: str | None,
    unit_map: dict[str, str],
    actor: str,
    allow_http_loopback: bool = False,
) -> None:
    """Store the endpoint, credentials and unit map; ``client_secret=None`` keeps the old one."""
    settings = get_settings(session)
    values = dict(settings.values or {})
    problems: dict[str, str] = {}
    base_url = base_url.strip().rstrip("/")
    if problem := url_problem(base_url, allow_http_loopback=allow_http_loopback):
        problems["siasn_base_url"] = problem
    if not client_id.strip():
        problems["siasn_client_id"] = Message("required")
    if client_secret is None and not values.get("siasn_client_secret"):
        problems["siasn_client_secret"] = Message("required")
    elif client_secret is not None and not client_secret:
        problems["siasn_client_secret"] = Message("must not be empty")
    codes = set(session.scalars(select(OrgUnit.code).where(OrgUnit.is_active)))
    unknown = sorted({code for code in unit_map.values() if code not in codes})
    if unknown:
        problems["siasn_unit_map"] = Message(
            "no active org unit with code %(code)s", code=", ".join(unknown)
        )
    if problems:
        raise InvalidInput(Message("the SIASN settings are not valid"), problems)
    before = _public_config(values)
    values.update(
        siasn_base_url=base_url,
        siasn_client_id=client_id.strip(),
        siasn_unit_map=dict(unit_map),
    )
    if client_secret is not None:
        values["siasn_client_secret"] = client_secret
    settings.values = values  # a new dict: JSONB changes are seen by assignment
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="siasn.configure",
        entity="settings",
        entity_id=1,
        before=before,
        after={
            **_public_config(values),
            "siasn_client_secret": "changed" if client_secret is not None else "unchanged",
        },
    )


def _public_config(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "siasn_base_url": values.get("siasn_base_url"),
        "siasn_client_id": values.get("siasn_client_id"),
        "siasn_unit_map": values.get("siasn_unit_map"),
    }


# -- the HTTP client -----------------------------------------------------------------


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # urllib then raises the 3xx as an HTTPError


@dataclass
class SiasnClient:
    """Token, then the roster page by page; every failure becomes a :class:`SiasnError`."""

    config: SiasnConfig
    timeout: float
    allow_http_loopback: bool = False
    _token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        problem = url_problem(self.config.base_url, allow_http_loopback=self.allow_http_loopback)
        if problem:
            raise SiasnError(f"siasn_base_url {problem}")
        self._opener = urllib.request.build_opener(
            _RefuseRedirects(), urllib.request.HTTPSHandler(context=ssl.create_default_context())
        )

    def _url(self, path: str, query: dict[str, Any] | None = None) -> str:
        url = f"{self.config.base_url.rstrip('/')}/{path}"
        return f"{url}?{urllib.parse.urlencode(query)}" if query else url

    def _call(self, request: urllib.request.Request, what: str) -> Any:
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            exc.close()
            if 300 <= exc.code < 400:
                raise SiasnError(
                    f"SIASN redirected the {what} request (HTTP {exc.code}); redirects are not "
                    "followed: set siasn_base_url to the final address"
                ) from None
            raise _HttpStatus(exc.code) from None
        except TimeoutError:
            raise SiasnError(
                f"SIASN did not answer the {what} request within {self.timeout:g} s"
            ) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise SiasnError(
                    f"SIASN did not answer the {what} request within {self.timeout:g} s"
                ) from None
            raise SiasnError(f"cannot reach SIASN for the {what} request: {exc.reason}") from None
        except OSError as exc:
            raise SiasnError(f"the {what} request to SIASN failed: {exc}") from None
        if len(body) > MAX_RESPONSE_BYTES:
            raise SiasnError(f"SIASN's {what} answer is larger than {MAX_RESPONSE_BYTES} bytes")
        try:
            return json.loads(body)
        except ValueError:
            raise SiasnError(f"SIASN's {what} answer is not JSON") from None

    def token(self) -> str:
        credentials = f"{self.config.client_id}:{self.config.client_secret}".encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __post_init__
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
            answer = self._call(request, "token")
        except _HttpStatus as exc:
            if exc.code in (400, 401, 403):
                raise SiasnError(
                    f"SIASN refused the client credentials (HTTP {exc.code}): check "
                    "siasn_client_id and siasn_client_secret"
                ) from None
            raise SiasnError(f"SIASN's token endpoint answered HTTP {exc.code}") from None
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise SiasnError("SIASN's token answer has no access_token")
        self._token = token
        return token

    def page(self, number: int) -> tuple[list[Any], int | None]:
        """One page of records and the number of pages (None if SIASN does not say)."""
        for attempt in (1, 2):
            if self._token is None:
                self.token()
            request = urllib.request.Request(  # noqa: S310 - the scheme is checked
                self._url(ROSTER_PATH, {"page": number, "limit": PAGE_LIMIT}),
                headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
            )
            try:
                answer = self._call(request, f"roster page {number}")
                break
            except _HttpStatus as exc:
                if exc.code == 401 and attempt == 1:
                    self._token = None  # expired mid-run: one fresh token, then give up
                    continue
                raise SiasnError(
                    f"SIASN answered HTTP {exc.code} for roster page {number}"
                ) from None
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list):
            raise SiasnError(f"SIASN's roster page {number} has no data list")
        meta = answer.get("meta") if isinstance(answer.get("meta"), dict) else {}
        pages = meta.get("totalPage")
        return data, pages if isinstance(pages, int) else None

    def roster(self) -> Iterator[Any]:
        number = 1
        while True:
            records, pages = self.page(number)
            yield from records
            if not records or (pages is not None and number >= pages):
                return
            number += 1
            if number > MAX_PAGES:
                raise SiasnError(f"SIASN's roster goes on beyond {MAX_PAGES} pages")


class _HttpStatus(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Fetched:
    """What came back from SIASN: the records, or why there are none."""

    source: str
    started_at: datetime
    records: list[Any] = field(default_factory=list)
    error: str | None = None


def fetch(config: SiasnConfig, *, timeout: float, allow_http_loopback: bool = False) -> Fetched:
    """Read the whole roster (no database involved: call it outside a transaction)."""
    fetched = Fetched(source=config.base_url[:200], started_at=datetime.now(UTC))
    try:
        client = SiasnClient(config, timeout, allow_http_loopback)
        fetched.records = list(client.roster())
    except SiasnError as exc:
        fetched.error = str(exc)
        log.warning("SIASN roster from %s failed: %s", config.base_url, exc)
    return fetched


# -- applying ------------------------------------------------------------------------


def _text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    return "" if value is None else str(value).strip()


def _full_name(record: dict[str, Any]) -> str:
    name = _text(record, "nama")
    front, back = _text(record, "gelarDepan"), _text(record, "gelarBelakang")
    if name and front:
        name = f"{front} {name}"
    if name and back:
        name = f"{name}, {back}"
    return name


def _birth_date(raw: str) -> date | None:
    for parse in (
        lambda s: datetime.strptime(s, "%d-%m-%Y").date(),  # noqa: DTZ007 - a date, no time
        date.fromisoformat,
    ):
        try:
            return parse(raw)
        except ValueError:
            continue
    return None


@dataclass
class _Checked:
    nip: str
    values: dict[str, Any]
    active: bool


def _check(
    record: Any, unit_ids: dict[str, int], unit_map: dict[str, str]
) -> tuple[_Checked | None, dict[str, str]]:
    """A record as staff values, or the reasons it is rejected (keyed by SIASN field)."""
    if not isinstance(record, dict):
        return None, {"record": Message("not an object")}
    status = _text(record, "statusPegawai").upper()
    echelon = _text(record, "eselon")
    values: dict[str, Any] = {
        "nip": _text(record, "nipBaru"),
        "name": _full_name(record),
        "status": status,
        "golongan": _text(record, "golRuangAkhir") or None,
        "position": _text(record, "jabatanNama"),
        "echelon": None if echelon.lower() in NO_ECHELON else echelon,
    }
    active = _text(record, "kedudukanPnsNama").lower() in ("", "aktif")
    if not active:
        # Retired or gone: only the NIP matters, to switch the person off.
        try:
            nip = parse_nip(values["nip"], status)
        except InvalidNipError as exc:
            return None, {"nipBaru": exc.message}
        return _Checked(nip.value, values, active=False), {}
    problems = {SIASN_FIELD[k]: v for k, v in staff_problems(values).items()}
    if "nipBaru" not in problems:
        nip = parse_nip(values["nip"], status)
        values["nip"] = nip.value
        sex = _text(record, "jenisKelamin").upper()
        if sex and {"M": "L", "F": "P"}.get(sex, sex) != nip.sex:
            problems["jenisKelamin"] = Message(
                "%(sex)s disagrees with the NIP's sex digit (%(digit)s)", sex=sex, digit=nip.sex
            )
        born = _text(record, "tanggalLahir")
        if born and _birth_date(born) != nip.birth_date:
            problems["tanggalLahir"] = Message(
                "%(born)s disagrees with the NIP's birth date %(day)s",
                born=born,
                day=nip.birth_date.isoformat(),
            )
    unor, induk = _text(record, "unorId"), _text(record, "unorIndukId")
    code = unit_map.get(unor) or unit_map.get(induk)
    if code is None:
        problems["unorId"] = Message(
            "unor %(unor)s (%(name)s) and its induk %(induk)s are not in siasn_unit_map",
            unor=unor or "-",
            name=_text(record, "unorNama") or Message("no name"),
            induk=induk or "-",
        )
    elif code not in unit_ids:
        problems["unorId"] = Message(
            "siasn_unit_map sends unor %(unor)s to %(code)s: no active org unit",
            unor=unor,
            code=code,
        )
    else:
        values["unit_id"] = unit_ids[code]
    if problems:
        return None, problems
    return _Checked(values["nip"], values, active), {}


def _capped(items: list[Any]) -> list[Any]:
    return items[:MAX_REPORT_ITEMS]


def apply(session: Session, config: SiasnConfig, fetched: Fetched, *, actor: str) -> StaffSyncRun:
    """Upsert the fetched roster by NIP and record the run (also a failed one); no commit."""
    run = StaffSyncRun(
        source=fetched.source, started_at=fetched.started_at, created=0, updated=0, rejected=0
    )
    if fetched.error is not None:
        run.report = {"status": "failed", "error": fetched.error}
        return _finish(session, run, actor)
    # Two syncs of one regency at once (the nightly one and a clerk's) would race on
    # the NIP's unique index; the tenant's one settings row serializes them, and the
    # second then compares against what the first wrote.
    session.get(TenantSettings, 1, with_for_update=True)
    unit_ids = dict(
        session.execute(select(OrgUnit.code, OrgUnit.id).where(OrgUnit.is_active)).all()
    )
    codes = dict(session.execute(select(OrgUnit.id, OrgUnit.code)).all())
    existing = {s.nip: s for s in session.scalars(select(Staff))}
    seen: set[str] = set()
    mentioned = {_text(r, "nipBaru") for r in fetched.records if isinstance(r, dict)}
    rejected: list[dict[str, Any]] = []
    created: list[str] = []
    updated: list[dict[str, Any]] = []
    ignored: list[str] = []
    for number, record in enumerate(fetched.records, start=1):
        checked, problems = _check(record, unit_ids, config.unit_map)
        if checked is not None and checked.nip in seen:
            checked, problems = None, {"nipBaru": Message("listed twice by SIASN")}
        if checked is None:
            rejected.append(_rejection(number, record, problems))
            continue
        seen.add(checked.nip)
        current = existing.get(checked.nip)
        if current is None:
            if not checked.active:
                ignored.append(checked.nip)  # retired before we ever knew them
                continue
            _create(session, checked)
            created.append(checked.nip)
            continue
        target = {**checked.values, "is_active": True}
        if not checked.active:  # only the status changes: the rest may be stale in SIASN
            target = {f: getattr(current, f) for f in SYNCED_FIELDS} | {"is_active": False}
        change = _update(current, target, codes)
        if change:
            updated.append({"nip": checked.nip, **change})
    session.flush()
    missing = sorted(nip for nip, s in existing.items() if s.is_active and nip not in mentioned)
    run.created, run.updated, run.rejected = len(created), len(updated), len(rejected)
    run.report = {
        "status": "ok",
        "records": len(fetched.records),
        "created": _capped(sorted(created)),
        "updated": _capped(updated),
        "rejected": _capped(rejected),
        "not_active_in_siasn": _capped(sorted(ignored)),
        "missing_from_siasn": _capped(missing),
        "missing_from_siasn_total": len(missing),
    }
    return _finish(session, run, actor)


def _rejection(number: int, record: Any, problems: dict[str, str]) -> dict[str, Any]:
    record = record if isinstance(record, dict) else {}
    return {
        "position": number,
        "nip": _text(record, "nipBaru") or None,
        "nama": _text(record, "nama") or None,
        "problems": problems,
    }


def _create(session: Session, checked: _Checked) -> None:
    nip = parse_nip(checked.nip, checked.values["status"])
    v = checked.values
    session.add(
        Staff(
            nip=nip.value,
            name=v["name"],
            status=v["status"],
            golongan=v["golongan"],
            position=v["position"],
            echelon=v["echelon"],
            unit_id=v["unit_id"],
            sex=nip.sex,
            birth_date=nip.birth_date,
            is_active=True,
        )
    )


def _update(staff: Staff, target: dict[str, Any], codes: dict[int, str]) -> dict[str, Any]:
    """Set what differs; return ``{"before": {...}, "after": {...}}`` of those fields only.

    The unit is reported by its code (``unit``), which the admin recognises.
    """
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in SYNCED_FIELDS:
        old, new = getattr(staff, key), target[key]
        if old != new:
            setattr(staff, key, new)
            shown = "unit" if key == "unit_id" else key
            if key == "unit_id":
                old, new = codes.get(old), codes.get(new)
            before[shown], after[shown] = old, new
    return {"before": before, "after": after} if after else {}


def _finish(session: Session, run: StaffSyncRun, actor: str) -> StaffSyncRun:
    run.finished_at = datetime.now(UTC)
    session.add(run)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="staff.sync",
        entity="staff_sync_run",
        entity_id=run.id,
        after={
            "source": run.source,
            "status": run.report.get("status"),
            "error": run.report.get("error"),
            "created": run.created,
            "updated": run.updated,
            "rejected": run.rejected,
        },
    )
    log.info(
        "staff sync %s from %s: %s, %d created, %d updated, %d rejected",
        run.id,
        run.source,
        run.report.get("status"),
        run.created,
        run.updated,
        run.rejected,
    )
    return run


def run_sync(
    session: Session, *, actor: str, timeout: float, allow_http_loopback: bool = False
) -> StaffSyncRun:
    """Read the settings, fetch, apply: the whole sync for a task or CLI boundary.

    The read transaction is ended before going to the network (SIASN may take
    minutes) so no connection idles in a transaction meanwhile; nothing has been
    written at that point. The caller commits the run afterwards.
    """
    config = load_config(session)
    session.rollback()
    fetched = fetch(config, timeout=timeout, allow_http_loopback=allow_http_loopback)
    return apply(session, config, fetched, actor=actor)
