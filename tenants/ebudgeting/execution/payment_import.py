"""Importing the treasury's SP2D export (CSV or XLSX): a whole file of payments, or none.

Every row is checked first; a file with any bad row writes nothing and lists each
bad row with its column and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from smartcity.toolkit import (
    InvalidInput,
    OrgUnit,
    TableReader,
    UploadLimits,
    parse_number,
    record_audit,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.ebudgeting.access import PAYMENTS, Actor
from tenants.ebudgeting.execution.payments import (
    PaymentRow,
    Problem,
    check_rows,
    execution_of,
    ledger_of,
    normalise_sp2d,
    write_payments,
)
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.models import (
    FiscalYear,
    PaymentImport,
    SubActivity,
)

ZERO = Decimal(0)
MAX_IMPORT_ROWS = 20_000
MAX_IMPORT_BYTES = 8 * 1024 * 1024
#: The treasury's export has seven columns; rows are counted with the empty ones.
IMPORT_LIMITS = UploadLimits(
    max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_IMPORT_ROWS, max_columns=50, max_cells=1_000_000
)
MAX_LISTED_PROBLEMS = 200
#: Rows between two progress reports of an import run as a job.
PROGRESS_EVERY = 500
COLUMNS = {
    "nomor_sp2d": ("nomor_sp2d", "no_sp2d", "sp2d", "sp2d_number"),
    "tanggal": ("tanggal", "tanggal_sp2d", "tgl_sp2d", "paid_on", "date"),
    "kode_opd": ("kode_opd", "kode_skpd", "org_unit_code", "opd"),
    "kode_sub_kegiatan": ("kode_sub_kegiatan", "sub_kegiatan", "sub_kegiatan_code"),
    "kode_rekening": ("kode_rekening", "rekening", "account_code"),
    "nilai": ("nilai", "jumlah", "amount", "nilai_sp2d"),
    "uraian": ("uraian", "keterangan", "description"),
}
REQUIRED_COLUMNS = tuple(c for c in COLUMNS if c != "uraian")


class ImportRejected(InvalidInput):
    """A payment file with bad rows: nothing was written; ``problems`` lists them all."""

    code = "import_rejected"

    def __init__(self, filename: str, problems: Sequence[Problem]) -> None:
        self.filename = filename
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(
            _m(
                "payment file %(file)s refused: %(count)s problem(s), nothing was imported; "
                "first, row %(row)s %(column)s: %(problem)s",
                file=filename,
                count=len(self.problems),
                row=first.row,
                column=first.column,
                problem=first.message,
            ),
            {f"row {p.row} {p.column}": p.message for p in self.problems[:MAX_LISTED_PROBLEMS]},
        )


# --------------------------------------------------------------------------- import


def _header_key(text: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")


def read_table(
    filename: str, data: bytes, progress: Callable[[float], None] | None = None
) -> list[list[object]]:
    """Rows of a CSV (comma, semicolon or tab) or of an XLSX's first sheet, read within
    :data:`IMPORT_LIMITS` by the core's bounded reader (a hostile file is refused, 4xx).

    ``progress`` (0-1), when given, hears how far reading has got (a job's import)."""
    reader = TableReader(filename, data, IMPORT_LIMITS, encodings=("utf-8-sig", "cp1252"))
    table: list[list[object]] = []
    for row in reader.rows():
        if progress is not None and row.number % PROGRESS_EVERY == 0:
            progress(reader.fraction_read)
        table.append(list(row.values))
    return table


def parse_money(value: object) -> Decimal | None:
    """``1250000``, ``1.250.000``, ``1.250.000,50``, ``Rp 1.250.000`` or a number cell."""
    return parse_number(value, places=2, currency=True)


def parse_day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _columns(header_row: list[object]) -> tuple[dict[str, int], list[Problem]]:
    """Where each known column is, by any of its usual names; a problem if some are missing."""
    header = [_header_key(h) for h in header_row]
    position: dict[str, int] = {}
    for column, aliases in COLUMNS.items():
        found = next((i for i, h in enumerate(header) if h in aliases), None)
        if found is not None:
            position[column] = found
    missing = [c for c in REQUIRED_COLUMNS if c not in position]
    if not missing:
        return position, []
    found_names = ", ".join(h for h in header if h) or "none"
    return position, [
        Problem(
            1,
            "header",
            _m(
                "missing column(s): %(missing)s (found: %(found)s)",
                missing=", ".join(missing),
                found=found_names,
            ),
        )
    ]


@dataclass(frozen=True)
class _Lookups:
    """OPD codes and sub-activities of the year, read once per file."""

    fiscal_year: FiscalYear
    units: dict[str, int]
    subs: dict[tuple[int, str], int]
    actor: Actor


def _lookups(session: Session, fiscal_year: FiscalYear, actor: Actor) -> _Lookups:
    units = dict(
        session.execute(
            select(OrgUnit.code, OrgUnit.id).where(OrgUnit.parent_id.is_(None), OrgUnit.is_active)
        ).all()
    )
    subs = {
        (unit_id, code): sid
        for sid, unit_id, code in session.execute(
            select(SubActivity.id, SubActivity.org_unit_id, SubActivity.sub_kegiatan_code).where(
                SubActivity.fiscal_year_id == fiscal_year.id
            )
        )
    }
    return _Lookups(fiscal_year, units, subs, actor)


def _row(
    number: int, values: dict[str, object], known: _Lookups
) -> tuple[PaymentRow | None, list[Problem]]:
    """One file row as a payment, or the reasons it cannot be one."""
    problems = []
    amount = parse_money(values.get("nilai"))
    if amount is None:
        problems.append(
            Problem(
                number,
                "nilai",
                _m("'%(value)s' is not an amount", value=_cell(values.get("nilai"))),
            )
        )
    day = parse_day(values.get("tanggal"))
    if day is None:
        text = _cell(values.get("tanggal"))
        problems.append(
            Problem(number, "tanggal", _m("'%(value)s' is not a date (YYYY-MM-DD)", value=text))
        )
    unit_code = _cell(values.get("kode_opd"))
    unit_id = known.units.get(unit_code)
    code = _cell(values.get("kode_sub_kegiatan"))
    sid = known.subs.get((unit_id or 0, code))
    if unit_id is None:
        problems.append(
            Problem(number, "kode_opd", _m("no OPD with code '%(code)s'", code=unit_code))
        )
    elif not known.actor.sees_unit(unit_id):
        problems.append(
            Problem(number, "kode_opd", _m("you do not act for OPD %(code)s", code=unit_code))
        )
    elif sid is None:
        problems.append(
            Problem(
                number,
                "kode_sub_kegiatan",
                _m(
                    "OPD %(opd)s budgets no sub kegiatan '%(code)s' in %(year)s",
                    opd=unit_code,
                    code=code,
                    year=known.fiscal_year.year,
                ),
            )
        )
    if problems or amount is None or day is None or sid is None:
        return None, problems
    row = PaymentRow(
        number,
        _cell(values.get("nomor_sp2d")),
        day,
        sid,
        code,
        _cell(values.get("kode_rekening")),
        amount,
        _cell(values.get("uraian")),
    )
    return row, []


def _parse_rows(
    session: Session, fiscal_year: FiscalYear, table: list[list[object]], actor: Actor
) -> tuple[list[PaymentRow], list[Problem]]:
    if not table:
        return [], [Problem(1, "file", _m("the file is empty"))]
    position, problems = _columns(table[0])
    if problems:
        return [], problems
    numbered = [(n, r) for n, r in enumerate(table[1:], start=2) if any(_cell(v) for v in r)]
    if len(numbered) > MAX_IMPORT_ROWS:
        return [], [
            Problem(1, "file", _m("at most %(count)s rows per file", count=MAX_IMPORT_ROWS))
        ]
    if not numbered:
        return [], [Problem(2, "file", _m("the file has no payment rows"))]
    known = _lookups(session, fiscal_year, actor)
    rows = []
    for number, raw in numbered:
        values = {c: raw[i] if i < len(raw) else None for c, i in position.items()}
        row, row_problems = _row(number, values, known)
        problems += row_problems
        if row is not None:
            rows.append(row)
    return rows, problems


@dataclass(frozen=True)
class ImportResult:
    import_id: int
    rows: int
    total: Decimal


def import_payments(
    session: Session, fiscal_year: FiscalYear, filename: str, data: bytes, *, actor: Actor
) -> ImportResult:
    """Import a whole file of SP2D payments, or nothing (``ImportRejected`` lists why)."""
    actor.require(PAYMENTS)
    name = file_name(filename)
    # Read (bounded) before the year's lock is taken: a refused file holds up no one.
    return import_table(session, fiscal_year, name, read_table(name, data), actor=actor)


def file_name(filename: str) -> str:
    return (filename or "payments").rsplit("/", 1)[-1][:255]


def import_table(
    session: Session, fiscal_year: FiscalYear, name: str, table: list[list[object]], *, actor: Actor
) -> ImportResult:
    """Import the rows of a file already read, or nothing (``ImportRejected`` lists why)."""
    actor.require(PAYMENTS)
    snap = execution_of(session, fiscal_year)
    # One import at a time per year: the budget check must see the other file's rows.
    session.refresh(fiscal_year, with_for_update=True)
    rows, problems = _parse_rows(session, fiscal_year, table, actor)
    rows = [replace(r, sp2d_number=normalise_sp2d(r.sp2d_number)) for r in rows]
    problems += check_rows(fiscal_year, snap, ledger_of(session, fiscal_year, snap), rows)
    if problems:
        raise ImportRejected(name, sorted(problems, key=lambda p: p.row))
    total = sum((r.amount for r in rows), ZERO)
    batch = PaymentImport(
        fiscal_year_id=fiscal_year.id,
        filename=name,
        row_count=len(rows),
        total=total,
        imported_by=actor.label,
    )
    session.add(batch)
    session.flush()
    write_payments(session, fiscal_year, rows, actor, batch.id)
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.payment.import",
        entity="eb_payment_import",
        entity_id=batch.id,
        after={"file": name, "rows": len(rows), "total": str(total)},
    )
    return ImportResult(batch.id, len(rows), total)
