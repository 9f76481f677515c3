"""Execution: the monthly cash plan, SP2D payments, and realization against the budget.

A payment is charged to a *DPA line*: one account code of one sub-activity, as
the DPA (or, once issued, the DPPA) budgets it. Payments are entered one by
one or imported from the treasury's CSV/XLSX export; an import checks every
row first and writes nothing unless all of them are good, listing each bad row
with its column and the reason.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from smartcity.toolkit import (
    Conflict,
    InvalidInput,
    OrgUnit,
    UploadLimits,
    parse_number,
    record_audit,
    rupiah,
)
from smartcity.toolkit import read_table as read_bounded_table
from sqlalchemy import delete, extract, func, select
from sqlalchemy.orm import Session

from .access import DRAFT, PAYMENTS, Actor
from .ceilings import parse_amount
from .models import (
    Account,
    CashPlan,
    FiscalYear,
    Nomenclature,
    Payment,
    PaymentImport,
    Snapshot,
    SnapshotLine,
    SubActivity,
)
from .rka import get_sub_activity
from .rules import RuleViolation, Violation
from .stages import CASH_PLAN_STAGES, execution_snapshot, latest_snapshot
from .years import STAGE_TITLES

MONTHS = tuple(range(1, 13))
ZERO = Decimal(0)
CENT = Decimal("0.01")
MAX_IMPORT_ROWS = 20_000
MAX_IMPORT_BYTES = 8 * 1024 * 1024
#: The treasury's export has seven columns; rows are counted with the empty ones.
IMPORT_LIMITS = UploadLimits(
    max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_IMPORT_ROWS, max_columns=50, max_cells=1_000_000
)
MAX_LISTED_PROBLEMS = 200
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


# --------------------------------------------------------------------------- cash plan


def cash_plan_basis(session: Session, fiscal_year: FiscalYear) -> Snapshot | None:
    """The adopted budget a cash plan must add up to: DPPA, else DPA, else APBD."""
    return latest_snapshot(session, fiscal_year, CASH_PLAN_STAGES)


def snapshot_amount(session: Session, snap: Snapshot, sub_activity_id: int) -> Decimal:
    total = session.scalar(
        select(func.coalesce(func.sum(SnapshotLine.amount), 0)).where(
            SnapshotLine.snapshot_id == snap.id, SnapshotLine.sub_activity_id == sub_activity_id
        )
    )
    return Decimal(total or 0)


def cash_plan_of(session: Session, sub_activity_id: int) -> list[Decimal]:
    """Twelve monthly amounts (zero where nothing is planned)."""
    planned = dict(
        session.execute(
            select(CashPlan.month, CashPlan.amount).where(
                CashPlan.sub_activity_id == sub_activity_id
            )
        ).all()
    )
    return [Decimal(planned.get(m, 0)) for m in MONTHS]


def set_cash_plan(
    session: Session, sub_activity_id: int, amounts: Sequence[Decimal | str], *, actor: Actor
) -> list[Decimal]:
    """Replace a sub-activity's anggaran kas; the twelve months must add up to its budget."""
    actor.require(DRAFT)
    sub = get_sub_activity(session, sub_activity_id, actor, for_update=True)
    fiscal_year = session.get(FiscalYear, sub.fiscal_year_id)
    assert fiscal_year is not None  # noqa: S101 - a foreign key
    basis = cash_plan_basis(session, fiscal_year)
    if basis is None:
        raise Conflict(
            f"the cash plan of {fiscal_year.year} follows the adopted APBD, which does not "
            "exist yet",
            {"stage": "no APBD"},
        )
    if len(amounts) != len(MONTHS):
        raise InvalidInput("a cash plan has twelve monthly amounts", {"amounts": "12 amounts"})
    values = [parse_amount(a, f"month {m}") for m, a in zip(MONTHS, amounts, strict=True)]
    budget = snapshot_amount(session, basis, sub.id)
    total = sum(values, ZERO)
    if total != budget:
        raise RuleViolation(
            [
                Violation(
                    "cash_plan_total",
                    "cash plan of %(code)s totals %(total)s; its %(stage)s amount is %(budget)s",
                    {
                        "code": sub.sub_kegiatan_code,
                        "total": rupiah(total),
                        "stage": STAGE_TITLES[basis.stage],
                        "budget": rupiah(budget),
                    },
                )
            ]
        )
    before = [str(v) for v in cash_plan_of(session, sub.id)]
    session.execute(delete(CashPlan).where(CashPlan.sub_activity_id == sub.id))
    session.add_all(
        CashPlan(sub_activity_id=sub.id, month=m, amount=v)
        for m, v in zip(MONTHS, values, strict=True)
        if v
    )
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.cash_plan.set",
        entity="eb_sub_activity",
        entity_id=sub.id,
        before={"months": before},
        after={"months": [str(v) for v in values]},
    )
    return values


# --------------------------------------------------------------------------- payments

_SEPARATOR_SPACE = re.compile(r" ?([-/.]) ?")


def normalise_sp2d(number: str) -> str:
    """The form an SP2D number is stored and compared in.

    The treasury issues each number once, but people type it in their own case
    and spacing, and spreadsheets pad it: ``0012/sp2d/ls`` and
    ``0012 / SP2D / LS`` are one SP2D and must count once. Whitespace runs
    (tabs, no-break spaces) become one space, the ends are trimmed, letters are
    upper-cased, and spaces next to ``/``, ``-`` and ``.`` are dropped: these
    separate the parts of a number, and a space beside one is a typing habit,
    never a different document. A space between two other characters is kept
    (``SP2D LS`` and ``SP2DLS`` are not assumed to be the same). The unique
    index uses the same rule in SQL (``models.sp2d_key``).
    """
    return _SEPARATOR_SPACE.sub(r"\1", " ".join(number.split()).upper())


@dataclass
class PaymentRow:
    """One payment before it is written; ``row`` is its line in the file (0: typed in)."""

    row: int
    sp2d_number: str
    paid_on: date
    sub_activity_id: int
    sub_kegiatan_code: str
    account_code: str
    amount: Decimal
    description: str = ""


@dataclass
class Problem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRejected(InvalidInput):
    """A payment file with bad rows: nothing was written; ``problems`` lists them all."""

    code = "import_rejected"

    def __init__(self, filename: str, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(
            f"payment file {filename} refused: {len(self.problems)} problem(s), nothing was "
            f"imported; first, row {first.row} {first.column}: {first.message}",
            {f"row {p.row} {p.column}": p.message for p in self.problems[:MAX_LISTED_PROBLEMS]},
        )


@dataclass
class _Ledger:
    """Budget and payments per DPA line while a batch is checked."""

    budget: dict[tuple[int, str], Decimal]
    paid: dict[tuple[int, str], Decimal]
    keys: set[tuple[str, int, str]] = field(default_factory=set)


def _ledger(session: Session, fiscal_year: FiscalYear, snap: Snapshot) -> _Ledger:
    budget = {
        (sid, acc): Decimal(total)
        for sid, acc, total in session.execute(
            select(
                SnapshotLine.sub_activity_id,
                SnapshotLine.account_code,
                func.sum(SnapshotLine.amount),
            )
            .where(SnapshotLine.snapshot_id == snap.id)
            .group_by(SnapshotLine.sub_activity_id, SnapshotLine.account_code)
        )
    }
    paid = {
        (sid, acc): Decimal(total)
        for sid, acc, total in session.execute(
            select(Payment.sub_activity_id, Payment.account_code, func.sum(Payment.amount))
            .where(Payment.fiscal_year_id == fiscal_year.id)
            .group_by(Payment.sub_activity_id, Payment.account_code)
        )
    }
    keys = {
        (number, sid, acc)
        for number, sid, acc in session.execute(
            select(Payment.sp2d_number, Payment.sub_activity_id, Payment.account_code).where(
                Payment.fiscal_year_id == fiscal_year.id
            )
        )
    }
    return _Ledger(budget, paid, keys)


def _check_rows(
    fiscal_year: FiscalYear, snap: Snapshot, ledger: _Ledger, rows: Sequence[PaymentRow]
) -> list[Problem]:
    problems = []
    for r in rows:
        line = (r.sub_activity_id, r.account_code)
        if not r.sp2d_number or len(r.sp2d_number) > 60:
            problems.append(Problem(r.row, "nomor_sp2d", "required, at most 60 characters"))
        if r.paid_on.year != fiscal_year.year:
            problems.append(
                Problem(r.row, "tanggal", f"{r.paid_on.isoformat()} is not in {fiscal_year.year}")
            )
        if r.amount <= 0:
            problems.append(Problem(r.row, "nilai", f"{rupiah(r.amount)} is not above zero"))
            continue
        if line not in ledger.budget:
            problems.append(
                Problem(
                    r.row,
                    "kode_rekening",
                    f"the {STAGE_TITLES[snap.stage]} has no line for account {r.account_code} "
                    f"of sub kegiatan {r.sub_kegiatan_code}",
                )
            )
            continue
        key = (r.sp2d_number, r.sub_activity_id, r.account_code)
        if key in ledger.keys:
            problems.append(
                Problem(
                    r.row,
                    "nomor_sp2d",
                    f"SP2D {r.sp2d_number} is already recorded for account {r.account_code} "
                    f"of {r.sub_kegiatan_code}",
                )
            )
            continue
        paid = ledger.paid.get(line, ZERO) + r.amount
        budget = ledger.budget[line]
        if paid > budget:
            problems.append(
                Problem(
                    r.row,
                    "nilai",
                    f"[dpa_line_budget] payments to account {r.account_code} of "
                    f"{r.sub_kegiatan_code} would reach {rupiah(paid)}, above its "
                    f"{STAGE_TITLES[snap.stage]} amount {rupiah(budget)}",
                )
            )
            continue
        ledger.keys.add(key)
        ledger.paid[line] = paid
    return problems


def _execution(session: Session, fiscal_year: FiscalYear) -> Snapshot:
    snap = execution_snapshot(session, fiscal_year)
    if snap is None:
        raise Conflict(
            f"payments of {fiscal_year.year} are charged to its DPA, which is not issued yet",
            {"stage": "no DPA"},
        )
    return snap


def _write(
    session: Session,
    fiscal_year: FiscalYear,
    rows: Sequence[PaymentRow],
    actor: Actor,
    import_id: int | None,
) -> list[Payment]:
    payments = [
        Payment(
            fiscal_year_id=fiscal_year.id,
            sp2d_number=r.sp2d_number,
            paid_on=r.paid_on,
            sub_activity_id=r.sub_activity_id,
            account_code=r.account_code,
            amount=r.amount,
            description=r.description[:300],
            import_id=import_id,
            created_by=actor.label,
        )
        for r in rows
    ]
    session.add_all(payments)
    session.flush()
    return payments


def record_payment(
    session: Session,
    fiscal_year: FiscalYear,
    *,
    sp2d_number: str,
    paid_on: date,
    sub_activity_id: int,
    account_code: str,
    amount: Decimal,
    description: str = "",
    actor: Actor,
) -> Payment:
    """One SP2D typed in; refused with the same reasons an import row would get."""
    actor.require(PAYMENTS)
    snap = _execution(session, fiscal_year)
    sub = get_sub_activity(session, sub_activity_id, actor)
    if sub.fiscal_year_id != fiscal_year.id:
        raise InvalidInput(
            f"sub-activity {sub_activity_id} belongs to another year",
            {"sub_activity_id": "another year"},
        )
    # Payments of a year are checked against what was paid before them: one writer at
    # a time per year (imports take the same lock), so two cannot both fit the budget.
    session.refresh(fiscal_year, with_for_update=True)
    row = PaymentRow(
        0,
        normalise_sp2d(sp2d_number),
        paid_on,
        sub.id,
        sub.sub_kegiatan_code,
        account_code.strip(),
        parse_amount(amount),
        description.strip(),
    )
    problems = _check_rows(fiscal_year, snap, _ledger(session, fiscal_year, snap), [row])
    if problems:
        raise InvalidInput(
            "; ".join(p.message for p in problems), {p.column: p.message for p in problems}
        )
    payment = _write(session, fiscal_year, [row], actor, None)[0]
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.payment.create",
        entity="eb_payment",
        entity_id=payment.id,
        after={
            "sp2d": row.sp2d_number,
            "sub_activity_id": sub.id,
            "account": row.account_code,
            "amount": str(row.amount),
            "paid_on": paid_on.isoformat(),
        },
    )
    return payment


# --------------------------------------------------------------------------- import


def _header_key(text: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")


def read_table(filename: str, data: bytes) -> list[list[object]]:
    """Rows of a CSV (comma, semicolon or tab) or of an XLSX's first sheet, read within
    :data:`IMPORT_LIMITS` by the core's bounded reader (a hostile file is refused, 4xx)."""
    rows = read_bounded_table(filename, data, IMPORT_LIMITS, encodings=("utf-8-sig", "cp1252"))
    return [list(row.values) for row in rows]


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
        Problem(1, "header", f"missing column(s): {', '.join(missing)} (found: {found_names})")
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
            Problem(number, "nilai", f"{_cell(values.get('nilai'))!r} is not an amount")
        )
    day = parse_day(values.get("tanggal"))
    if day is None:
        text = _cell(values.get("tanggal"))
        problems.append(Problem(number, "tanggal", f"{text!r} is not a date (YYYY-MM-DD)"))
    unit_code = _cell(values.get("kode_opd"))
    unit_id = known.units.get(unit_code)
    code = _cell(values.get("kode_sub_kegiatan"))
    sid = known.subs.get((unit_id or 0, code))
    if unit_id is None:
        problems.append(Problem(number, "kode_opd", f"no OPD with code {unit_code!r}"))
    elif not known.actor.sees_unit(unit_id):
        problems.append(Problem(number, "kode_opd", f"you do not act for OPD {unit_code}"))
    elif sid is None:
        problems.append(
            Problem(
                number,
                "kode_sub_kegiatan",
                f"OPD {unit_code} budgets no sub kegiatan {code!r} in {known.fiscal_year.year}",
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
        return [], [Problem(1, "file", "the file is empty")]
    position, problems = _columns(table[0])
    if problems:
        return [], problems
    numbered = [(n, r) for n, r in enumerate(table[1:], start=2) if any(_cell(v) for v in r)]
    if len(numbered) > MAX_IMPORT_ROWS:
        return [], [Problem(1, "file", f"at most {MAX_IMPORT_ROWS} rows per file")]
    if not numbered:
        return [], [Problem(2, "file", "the file has no payment rows")]
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
    name = (filename or "payments").rsplit("/", 1)[-1][:255]
    # Read (bounded) before the year's lock is taken: a refused file holds up no one.
    table = read_table(name, data)
    snap = _execution(session, fiscal_year)
    # One import at a time per year: the budget check must see the other file's rows.
    session.refresh(fiscal_year, with_for_update=True)
    rows, problems = _parse_rows(session, fiscal_year, table, actor)
    rows = [replace(r, sp2d_number=normalise_sp2d(r.sp2d_number)) for r in rows]
    problems += _check_rows(fiscal_year, snap, _ledger(session, fiscal_year, snap), rows)
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
    _write(session, fiscal_year, rows, actor, batch.id)
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.payment.import",
        entity="eb_payment_import",
        entity_id=batch.id,
        after={"file": name, "rows": len(rows), "total": str(total)},
    )
    return ImportResult(batch.id, len(rows), total)


def payments(
    session: Session, fiscal_year: FiscalYear, actor: Actor, *, limit: int = 200
) -> list[tuple[Payment, SubActivity]]:
    query = (
        select(Payment, SubActivity)
        .join(SubActivity, SubActivity.id == Payment.sub_activity_id)
        .where(Payment.fiscal_year_id == fiscal_year.id)
        .order_by(Payment.paid_on.desc(), Payment.id.desc())
        .limit(limit)
    )
    if actor.unit_ids is not None:
        query = query.where(SubActivity.org_unit_id.in_(actor.unit_ids))
    return [(p, s) for p, s in session.execute(query).all()]


# --------------------------------------------------------------------------- realization


@dataclass(frozen=True)
class RealizationRow:
    """Budget beside payments for one OPD, program or DPA line."""

    code: str
    name: str
    budget: Decimal
    realized: Decimal
    months: tuple[Decimal, ...] = ()

    @property
    def percent(self) -> Decimal:
        if not self.budget:
            return ZERO
        return (self.realized * 100 / self.budget).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.realized


@dataclass(frozen=True)
class MonthRow:
    month: int
    planned: Decimal
    realized: Decimal
    planned_cumulative: Decimal
    realized_cumulative: Decimal


def _scoped(query: Any, column: Any, actor: Actor, org_unit_id: int | None) -> Any:
    if org_unit_id is not None:
        actor.require_unit(org_unit_id)
        return query.where(column == org_unit_id)
    if actor.unit_ids is not None:
        return query.where(column.in_(actor.unit_ids))
    return query


def by_opd(session: Session, fiscal_year: FiscalYear, actor: Actor) -> list[RealizationRow]:
    snap = execution_snapshot(session, fiscal_year)
    budget: dict[int, Decimal] = {}
    if snap is not None:
        query = (
            select(SnapshotLine.org_unit_id, func.sum(SnapshotLine.amount))
            .where(SnapshotLine.snapshot_id == snap.id)
            .group_by(SnapshotLine.org_unit_id)
        )
        budget = {
            u: Decimal(t)
            for u, t in session.execute(_scoped(query, SnapshotLine.org_unit_id, actor, None))
        }
    query = (
        select(SubActivity.org_unit_id, func.sum(Payment.amount))
        .join(SubActivity, SubActivity.id == Payment.sub_activity_id)
        .where(Payment.fiscal_year_id == fiscal_year.id)
        .group_by(SubActivity.org_unit_id)
    )
    paid = {
        u: Decimal(t)
        for u, t in session.execute(_scoped(query, SubActivity.org_unit_id, actor, None))
    }
    ids = set(budget) | set(paid)
    units = session.execute(
        select(OrgUnit.id, OrgUnit.code, OrgUnit.name)
        .where(OrgUnit.id.in_(ids))
        .order_by(OrgUnit.code)
    ).all()
    return [
        RealizationRow(code, name, budget.get(uid, ZERO), paid.get(uid, ZERO))
        for uid, code, name in units
    ]


def by_program(
    session: Session, fiscal_year: FiscalYear, actor: Actor, org_unit_id: int | None = None
) -> list[RealizationRow]:
    """Per program (``1.02.02``): the first seven characters of a sub kegiatan code."""
    snap = execution_snapshot(session, fiscal_year)
    budget: dict[str, Decimal] = {}
    if snap is not None:
        program = func.left(SnapshotLine.sub_kegiatan_code, 7)
        query = (
            select(program, func.sum(SnapshotLine.amount))
            .where(SnapshotLine.snapshot_id == snap.id)
            .group_by(program)
        )
        budget = {
            p: Decimal(t)
            for p, t in session.execute(
                _scoped(query, SnapshotLine.org_unit_id, actor, org_unit_id)
            )
        }
    program = func.left(SubActivity.sub_kegiatan_code, 7)
    query = (
        select(program, func.sum(Payment.amount))
        .join(SubActivity, SubActivity.id == Payment.sub_activity_id)
        .where(Payment.fiscal_year_id == fiscal_year.id)
        .group_by(program)
    )
    paid = {
        p: Decimal(t)
        for p, t in session.execute(_scoped(query, SubActivity.org_unit_id, actor, org_unit_id))
    }
    codes = sorted(set(budget) | set(paid), key=lambda c: [int(x) for x in c.split(".")])
    names = dict(
        session.execute(
            select(Nomenclature.code, Nomenclature.name).where(Nomenclature.code.in_(codes))
        ).all()
    )
    return [
        RealizationRow(c, names.get(c, ""), budget.get(c, ZERO), paid.get(c, ZERO)) for c in codes
    ]


def by_month(
    session: Session, fiscal_year: FiscalYear, actor: Actor, org_unit_id: int | None = None
) -> list[MonthRow]:
    """Cash plan against payments, month by month and cumulated."""
    query = (
        select(CashPlan.month, func.sum(CashPlan.amount))
        .join(SubActivity, SubActivity.id == CashPlan.sub_activity_id)
        .where(SubActivity.fiscal_year_id == fiscal_year.id)
        .group_by(CashPlan.month)
    )
    planned = {
        int(m): Decimal(t)
        for m, t in session.execute(_scoped(query, SubActivity.org_unit_id, actor, org_unit_id))
    }
    month = extract("month", Payment.paid_on)
    query = (
        select(month, func.sum(Payment.amount))
        .join(SubActivity, SubActivity.id == Payment.sub_activity_id)
        .where(Payment.fiscal_year_id == fiscal_year.id)
        .group_by(month)
    )
    paid = {
        int(m): Decimal(t)
        for m, t in session.execute(_scoped(query, SubActivity.org_unit_id, actor, org_unit_id))
    }
    rows, plan_sum, paid_sum = [], ZERO, ZERO
    for m in MONTHS:
        plan_sum += planned.get(m, ZERO)
        paid_sum += paid.get(m, ZERO)
        rows.append(MonthRow(m, planned.get(m, ZERO), paid.get(m, ZERO), plan_sum, paid_sum))
    return rows


@dataclass(frozen=True)
class LineRealization:
    """One DPA line (a sub-activity's account) with its payments per month."""

    opd_code: str
    opd_name: str
    sub_kegiatan_code: str
    sub_kegiatan_name: str
    account_code: str
    account_name: str
    budget: Decimal
    months: tuple[Decimal, ...]

    @property
    def realized(self) -> Decimal:
        return sum(self.months, ZERO)


def line_realization(
    session: Session, fiscal_year: FiscalYear, actor: Actor
) -> Iterator[LineRealization]:
    """Every DPA line with its monthly payments, in OPD and code order (streams)."""
    snap = execution_snapshot(session, fiscal_year)
    if snap is None:
        return
    month = extract("month", Payment.paid_on)
    query = (
        select(Payment.sub_activity_id, Payment.account_code, month, func.sum(Payment.amount))
        .where(Payment.fiscal_year_id == fiscal_year.id)
        .group_by(Payment.sub_activity_id, Payment.account_code, month)
    )
    paid: dict[tuple[int, str], list[Decimal]] = defaultdict(lambda: [ZERO] * 12)
    for sid, acc, m, total in session.execute(query):
        paid[(sid, acc)][int(m) - 1] = Decimal(total)
    names = dict(session.execute(select(Nomenclature.code, Nomenclature.name)).all())
    accounts = dict(session.execute(select(Account.code, Account.name)).all())
    lines = (
        select(
            OrgUnit.code,
            OrgUnit.name,
            SnapshotLine.sub_activity_id,
            SnapshotLine.sub_kegiatan_code,
            SnapshotLine.account_code,
            func.sum(SnapshotLine.amount),
        )
        .join(OrgUnit, OrgUnit.id == SnapshotLine.org_unit_id)
        .where(SnapshotLine.snapshot_id == snap.id)
        .group_by(
            OrgUnit.code,
            OrgUnit.name,
            SnapshotLine.sub_activity_id,
            SnapshotLine.sub_kegiatan_code,
            SnapshotLine.account_code,
        )
        .order_by(OrgUnit.code, SnapshotLine.sub_kegiatan_code, SnapshotLine.account_code)
    )
    lines = _scoped(lines, SnapshotLine.org_unit_id, actor, None)
    for opd_code, opd_name, sid, code, account, total in session.execute(
        lines.execution_options(yield_per=2000)
    ):
        yield LineRealization(
            opd_code,
            opd_name,
            code,
            names.get(code, ""),
            account,
            accounts.get(account, ""),
            Decimal(total),
            tuple(paid.get((sid, account), [ZERO] * 12)),
        )
