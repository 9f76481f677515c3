"""Roster import: a CSV or XLSX of staff, checked row by row, then upserted by NIP.

Two steps, so a clerk sees every problem before anything changes: ``upload``
stores the file with a per-row report (row, column, why); ``apply`` writes a
``ready`` upload in one transaction. A file with any bad row is ``rejected``
and can never be applied: nothing is half-imported. Applying the same file
twice changes nothing the second time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from smartcity import signals
from smartcity.errors import Conflict, InvalidInput, Message, NotFound, ServiceError
from smartcity.tenantcore import audit
from smartcity.tenantcore.models import OrgUnit, RosterImport, Staff
from smartcity.tenantcore.nip import parse_nip
from smartcity.tenantcore.staff import staff_problems
from smartcity.uploads import CellValue, Limits, TableReader, TooLarge, require_text

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
#: A roster has nine columns; the reader refuses past these (see ``smartcity.uploads``).
LIMITS = Limits(max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_columns=50, max_cells=2_000_000)
#: Columns holding a NIP: a number cell there has lost digits and is refused.
NIP_FIELDS = frozenset({"nip", "supervisor_nip"})
MAX_PROBLEMS_KEPT = 1000
#: Column header (Indonesian first, English accepted) -> field.
HEADERS = {
    "nip": "nip",
    "nama": "name",
    "name": "name",
    "status": "status",
    "golongan": "golongan",
    "jabatan": "position",
    "position": "position",
    "kelas_jabatan": "position_class",
    "position_class": "position_class",
    "eselon": "echelon",
    "echelon": "echelon",
    "kode_unit": "unit_code",
    "unit_code": "unit_code",
    "nip_atasan": "supervisor_nip",
    "supervisor_nip": "supervisor_nip",
}
REQUIRED = ("nip", "name", "status", "position", "unit_code")
STAFF = cast(Table, Staff.__table__)
#: How far a check run as a job has got, 0 to 1.
Progress = Callable[[float], None]
#: Status of an upload stored for a job to check (see ``smartcity.jobs.uploads``).
CHECKING = "checking"
FIELDS = ("name", "status", "golongan", "position", "position_class", "echelon", "unit_id")


@dataclass(frozen=True)
class Problem:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str


def _text(value: CellValue) -> str:
    """A cell as the text a clerk typed: a whole number cell (kelas jabatan) without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


#: Rows between two progress reports of a check run as a job.
PROGRESS_EVERY = 500
#: A check's share of reading the file; checking the rows and the preview take the rest.
READ_SHARE = 0.7


def _records(
    filename: str, content: bytes, progress: Progress | None = None
) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    reader = TableReader(filename, content, LIMITS)
    rows = reader.rows()
    header = next(rows, None)
    if header is None:
        raise InvalidInput("the file is empty", {"file": "empty"})
    columns = [HEADERS.get(_text(h).lower().replace(" ", "_")) for h in header.values]
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        names = {v: k for k, v in reversed(list(HEADERS.items()))}
        raise InvalidInput(
            Message("missing column(s): %(names)s", names=", ".join(names[m] for m in missing)),
            {
                "file": "expected columns: nip, nama, status, golongan, jabatan, kelas_jabatan,"
                " eselon, kode_unit, nip_atasan"
            },
        )
    records: list[tuple[int, dict[str, str]]] = []
    for row in rows:
        if progress is not None and row.number % PROGRESS_EVERY == 0:
            progress(READ_SHARE * reader.fraction_read)
        if row.is_empty:
            continue
        record: dict[str, str] = {}
        for field, value in zip(columns, row.values, strict=False):
            if field in NIP_FIELDS:
                record[field] = require_text(value, column=_column(field), row=row.number)
            elif field:
                record[field] = _text(value)
        records.append((row.number, record))
    return records, []


def validate(
    session: Session, filename: str, content: bytes, progress: Progress | None = None
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Every row as staff values, and every problem found; touches nothing.

    ``progress`` (0-1), when given, hears how far reading has got (a check run as a job).
    """
    records, problems = _records(filename, content, progress)
    units = dict(session.execute(select(OrgUnit.code, OrgUnit.id).where(OrgUnit.is_active)).all())
    known_nips = set(session.scalars(select(Staff.nip)))
    seen: dict[str, int] = {}
    checked: list[tuple[dict[str, Any], list[Problem]]] = []
    for number, raw in records:
        values: dict[str, Any] = {
            "row": number,
            "nip": raw.get("nip", ""),
            "name": raw.get("name", ""),
            "status": raw.get("status", "").upper(),
            "golongan": raw.get("golongan") or None,
            "position": raw.get("position", ""),
            "echelon": raw.get("echelon") or None,
            "supervisor_nip": raw.get("supervisor_nip") or None,
        }
        row_problems = []
        position_class = raw.get("position_class") or None
        if position_class is not None:
            try:
                values["position_class"] = int(position_class)
            except ValueError:
                row_problems.append(Problem(number, "kelas_jabatan", "must be a whole number"))
        field_problems = staff_problems(values)
        row_problems += [Problem(number, _column(f), m) for f, m in field_problems.items()]
        values["unit_id"] = units.get(raw.get("unit_code", ""))
        if values["unit_id"] is None:
            row_problems.append(
                Problem(
                    number, "kode_unit", f"no active org unit with code {raw.get('unit_code')!r}"
                )
            )
        if values["nip"] in seen:
            row_problems.append(Problem(number, "nip", f"NIP repeats row {seen[values['nip']]}"))
        seen.setdefault(values["nip"], number)
        checked.append((values, row_problems))
    valid: list[dict[str, Any]] = []
    for values, row_problems in checked:
        supervisor = values["supervisor_nip"]
        if supervisor == values["nip"]:
            row_problems.append(Problem(values["row"], "nip_atasan", "cannot supervise themselves"))
        elif supervisor and supervisor not in seen and supervisor not in known_nips:
            row_problems.append(
                Problem(
                    values["row"],
                    "nip_atasan",
                    f"no staff with NIP {supervisor} in the file or the roster",
                )
            )
        problems += row_problems
        if not row_problems:
            valid.append(values)
    problems.sort(key=lambda p: (p.row, p.column))
    return valid, problems


def _column(field: str) -> str:
    return {
        "name": "nama",
        "supervisor_nip": "nip_atasan",
        "unit_code": "kode_unit",
        "position": "jabatan",
        "position_class": "kelas_jabatan",
        "echelon": "eselon",
    }.get(field, field)


def _refuse_too_large(content: bytes) -> None:
    if len(content) > MAX_BYTES:
        raise TooLarge(
            Message("files up to %(n)s MB", n=MAX_BYTES // (1024 * 1024)),
            {"file": "too large"},
        )


def _filename(filename: str) -> str:
    return (filename or "roster").rsplit("/", 1)[-1][:255]


def upload(session: Session, *, filename: str, content: bytes, actor: str) -> RosterImport:
    """Check a file and keep it with its report; writes no staff."""
    _refuse_too_large(content)
    filename = _filename(filename)
    rows, problems = validate(session, filename, content)
    record = RosterImport(filename=filename, content=content, uploaded_by=actor)
    _report(record, rows, problems)
    session.add(record)
    session.flush()
    _audit_upload(session, record, actor, len(problems))
    return record


def _report(record: RosterImport, rows: list[dict[str, Any]], problems: list[Problem]) -> None:
    """Write a check's outcome into the upload: status, rows, the first problems."""
    record.status = "rejected" if problems else "ready"
    record.row_count = len(rows) + len({p.row for p in problems})
    record.problems = [
        {"row": p.row, "column": p.column, "message": p.message}
        for p in problems[:MAX_PROBLEMS_KEPT]
    ]
    record.summary = {"problems_total": len(problems)} if len(problems) > MAX_PROBLEMS_KEPT else {}


def _audit_upload(session: Session, record: RosterImport, actor: str, problems: int) -> None:
    audit.record(
        session,
        actor=actor,
        action="roster.upload",
        entity="roster_import",
        entity_id=record.id,
        after={"filename": record.filename, "rows": record.row_count, "problems": problems},
    )


def store(session: Session, *, filename: str, content: bytes, actor: str) -> RosterImport:
    """Keep a big file unchecked (status ``checking``) for a job to check; only its
    size is checked now. The caller submits the job and records its id with
    :func:`note_job`."""
    _refuse_too_large(content)
    record = RosterImport(
        filename=_filename(filename),
        content=content,
        status=CHECKING,
        row_count=0,
        uploaded_by=actor,
        problems=[],
        summary={},
    )
    session.add(record)
    session.flush()
    return record


def note_job(record: RosterImport, job_id: int) -> None:
    """Remember which job checks the upload, so its page can follow the progress."""
    record.summary = {**(record.summary or {}), "job_id": job_id}


def check_stored(session: Session, import_id: int, progress: Progress) -> Callable[[Session], None]:
    """Check a stored upload in a job: read and validate it (reporting progress) and
    work out the preview; return the writer of the report (run in the job's final
    transaction). Raises a ServiceError when a bound refuses the file."""
    record = session.get(RosterImport, import_id)
    if record is None or record.status != CHECKING:
        return lambda _session: None  # checked already (a duplicate run) or gone
    rows, problems = validate(session, record.filename, record.content, progress)
    progress(0.9)
    changes = None if problems else _preview(session, rows)
    checked_at = datetime.now(UTC).isoformat()

    def write(final: Session) -> None:
        target = _checking(final, import_id)
        if target is None:
            return
        job_id = (target.summary or {}).get("job_id")
        _report(target, rows, problems)
        target.summary = {
            **target.summary,
            "job_id": job_id,
            "preview": changes,
            "checked_at": checked_at,
        }
        _audit_upload(final, target, target.uploaded_by, len(problems))

    return write


def refuse_stored(import_id: int, error: ServiceError) -> Callable[[Session], None]:
    """The writer of a refusal: the upload is rejected with the reason (msgid and values,
    so its page shows it in the reader's language); no row of it is kept."""

    def write(final: Session) -> None:
        target = _checking(final, import_id)
        if target is None:
            return
        message = error.message
        refused = {
            "message": str(message),
            "msgid": message.msgid if isinstance(message, Message) else str(message),
            "params": message.json_params() if isinstance(message, Message) else {},
        }
        target.status, target.row_count, target.problems = "rejected", 0, []
        target.summary = {**(target.summary or {}), "refused": refused}
        audit.record(
            final,
            actor=target.uploaded_by,
            action="roster.upload",
            entity="roster_import",
            entity_id=target.id,
            after={"filename": target.filename, "refused": str(message)},
        )

    return write


def _checking(session: Session, import_id: int) -> RosterImport | None:
    """The upload, locked, if it still waits for its check."""
    record = session.get(RosterImport, import_id, with_for_update=True)
    return record if record is not None and record.status == CHECKING else None


def refusal(record: RosterImport) -> Message | None:
    """Why a job refused the file, as a Message to show in the reader's language."""
    refused = (record.summary or {}).get("refused")
    if not refused:
        return None
    return Message(refused["msgid"], **refused.get("params", {}))


def get_import(session: Session, import_id: int) -> RosterImport:
    record = session.get(RosterImport, import_id)
    if record is None:
        raise NotFound(Message("no roster import %(import_id)s", import_id=import_id))
    return record


def apply(session: Session, record: RosterImport, *, actor: str) -> dict[str, int]:
    """Upsert every row by NIP; the roster may have changed since upload, so re-check."""
    if record.status != "ready":
        raise Conflict(
            Message("this import is %(status)s and cannot be applied", status=record.status),
            {"status": record.status},
        )
    rows, problems = validate(session, record.filename, record.content)
    if problems:
        raise InvalidInput(
            "the roster changed since the upload; upload the file again",
            {"file": Message("%(n)s problems now", n=len(problems))},
        )
    return _apply_rows(session, record, rows, _plan(session, rows), actor)


def _plan(session: Session, rows: list[dict[str, Any]]) -> _Plan:
    """Sort the valid rows into new, changed and unchanged staff; note who is not in the file."""
    # Plain rows, not ORM objects: ten thousand of those cost more than the upsert.
    existing = {
        row.nip: row
        for row in session.execute(
            select(STAFF.c.nip, STAFF.c.is_active, *(STAFF.c[f] for f in FIELDS))
        )
    }
    plan = _Plan()
    for values in rows:
        nip = parse_nip(values["nip"], values["status"])
        target = {
            "nip": nip.value,
            "name": values["name"].strip(),
            "status": values["status"],
            "golongan": values["golongan"],
            "position": values["position"].strip(),
            "position_class": values.get("position_class"),
            "echelon": values["echelon"],
            "unit_id": values["unit_id"],
            "sex": nip.sex,
            "birth_date": nip.birth_date,
        }
        current = existing.get(nip.value)
        if current is None:
            plan.created.append(target)
        elif any(getattr(current, f) != target[f] for f in FIELDS) or not current.is_active:
            plan.changed.append({**target, "is_active": True})
            if not current.is_active:
                plan.reactivated.append(target)
        else:
            plan.unchanged.append(target)
    in_file = {t["nip"] for t in (*plan.created, *plan.changed, *plan.unchanged)}
    plan.not_in_file = [
        {"nip": nip, "name": row.name}
        for nip, row in existing.items()
        if row.is_active and nip not in in_file
    ]
    return plan


def preview(session: Session, record: RosterImport, *, sample: int = 5) -> dict[str, Any]:
    """What applying a ``ready`` upload would do now: counts and the first rows of each kind.

    Staff missing from the file are counted, not deactivated: a file of one OPD
    must not end everyone else's record (deactivating is done on the staff page).
    """
    rows, problems = validate(session, record.filename, record.content)
    if problems:
        return {"stale": len(problems)}
    return _preview(session, rows, sample=sample)


def _preview(session: Session, rows: list[dict[str, Any]], *, sample: int = 5) -> dict[str, Any]:
    plan = _plan(session, rows)
    units: dict[Any, str] = dict(session.execute(select(OrgUnit.id, OrgUnit.code)).all())

    def shown(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                "nip": item["nip"],
                "name": item["name"],
                "position": item.get("position", ""),
                "unit": units.get(item.get("unit_id"), ""),
            }
            for item in items[:sample]
        ]

    kinds = {
        "created": plan.created,
        "changed": plan.changed,
        "unchanged": plan.unchanged,
        "not_in_file": plan.not_in_file,
    }
    return {
        "counts": {kind: len(items) for kind, items in kinds.items()}
        | {"reactivated": len(plan.reactivated)},
        "samples": {kind: shown(items) for kind, items in kinds.items()},
    }


@dataclass
class _Plan:
    """Staff rows the upsert would insert or update, and what it leaves alone."""

    created: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    changed: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    unchanged: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    reactivated: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    not_in_file: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def _apply_rows(
    session: Session, record: RosterImport, rows: list[dict[str, Any]], plan: _Plan, actor: str
) -> dict[str, int]:
    created, changed = plan.created, plan.changed
    if created:
        session.execute(insert(Staff), created)
    if changed:
        # Core executemany: the ORM's bulk form would key rows by primary key.
        session.connection().execute(
            update(STAFF)
            .where(STAFF.c.nip == bindparam("b_nip"))
            .values({f: bindparam(f) for f in (*FIELDS, "is_active")}),
            [{**{f: c[f] for f in (*FIELDS, "is_active")}, "b_nip": c["nip"]} for c in changed],
        )
    linked = _link_supervisors(session, rows)
    # The Core statements bypassed the identity map: nothing loaded may be trusted.
    session.expire_all()
    record.status, record.applied_at = "applied", datetime.now(UTC)
    summary = {
        "created": len(created),
        "updated": len(changed),
        "unchanged": len(rows) - len(created) - len(changed),
        "supervisors": linked,
    }
    record.summary = summary
    audit.record(
        session,
        actor=actor,
        action="roster.apply",
        entity="roster_import",
        entity_id=record.id,
        before={"staff": [{"nip": c["nip"]} for c in changed][:MAX_PROBLEMS_KEPT]},
        after={**summary, "created_nips": [c["nip"] for c in created][:MAX_PROBLEMS_KEPT]},
    )
    session.flush()
    touched = tuple(c["nip"] for c in (*created, *changed))
    if touched:
        signals.staff_changed.send(session, session=session, nips=touched, action="imported")
    return summary


def _link_supervisors(session: Session, rows: list[dict[str, Any]]) -> int:
    rows_now = session.execute(select(STAFF.c.nip, STAFF.c.id, STAFF.c.supervisor_id)).all()
    ids = {nip: staff_id for nip, staff_id, _ in rows_now}
    current = {nip: supervisor for nip, _, supervisor in rows_now}
    pairs = [
        {
            "b_nip": r["nip"],
            "supervisor_id": ids.get(r["supervisor_nip"]) if r["supervisor_nip"] else None,
        }
        for r in rows
    ]
    pairs = [p for p in pairs if current.get(p["b_nip"]) != p["supervisor_id"]]
    if pairs:
        session.connection().execute(
            update(STAFF)
            .where(STAFF.c.nip == bindparam("b_nip"))
            .values(supervisor_id=bindparam("supervisor_id")),
            pairs,
        )
    return len(pairs)
