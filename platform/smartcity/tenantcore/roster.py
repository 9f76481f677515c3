"""Roster import: a CSV or XLSX of staff, checked row by row, then upserted by NIP.

Two steps, so a clerk sees every problem before anything changes: ``upload``
stores the file with a per-row report (row, column, why); ``apply`` writes a
``ready`` upload in one transaction. A file with any bad row is ``rejected``
and can never be applied: nothing is half-imported. Applying the same file
twice changes nothing the second time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from smartcity import signals
from smartcity.errors import Conflict, InvalidInput, Message, NotFound
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


def _records(
    filename: str, content: bytes
) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    rows = TableReader(filename, content, LIMITS).rows()
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
    session: Session, filename: str, content: bytes
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Every row as staff values, and every problem found; touches nothing."""
    records, problems = _records(filename, content)
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


def upload(session: Session, *, filename: str, content: bytes, actor: str) -> RosterImport:
    """Check a file and keep it with its report; writes no staff."""
    if len(content) > MAX_BYTES:
        raise TooLarge(
            Message("files up to %(n)s MB", n=MAX_BYTES // (1024 * 1024)),
            {"file": "too large"},
        )
    filename = (filename or "roster").rsplit("/", 1)[-1][:255]
    rows, problems = validate(session, filename, content)
    row_count = len(rows) + len({p.row for p in problems})
    record = RosterImport(
        filename=filename,
        content=content,
        status="rejected" if problems else "ready",
        row_count=row_count,
        uploaded_by=actor,
        summary={},
        problems=[
            {"row": p.row, "column": p.column, "message": p.message}
            for p in problems[:MAX_PROBLEMS_KEPT]
        ],
    )
    if len(problems) > MAX_PROBLEMS_KEPT:
        record.summary = {"problems_total": len(problems)}
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="roster.upload",
        entity="roster_import",
        entity_id=record.id,
        after={"filename": filename, "rows": row_count, "problems": len(problems)},
    )
    return record


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
