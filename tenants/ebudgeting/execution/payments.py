"""SP2D payments charged to a DPA line: one account of one sub-activity in the DPA (DPPA).

A payment typed in and a row of an imported file are checked by the same rules
(``check_rows``), against what the line budgets and what was already paid.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from smartcity.toolkit import (
    Conflict,
    InvalidInput,
    Message,
    record_audit,
    rupiah,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.ebudgeting.access import PAYMENTS, Actor
from tenants.ebudgeting.ceilings import parse_amount
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.models import (
    FiscalYear,
    Payment,
    Snapshot,
    SnapshotLine,
    SubActivity,
)
from tenants.ebudgeting.planning import get_sub_activity
from tenants.ebudgeting.stages import execution_snapshot
from tenants.ebudgeting.years import STAGE_TITLES

ZERO = Decimal(0)


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
    """Why one row (0: a payment typed in) cannot be a payment, and in which column."""

    row: int
    column: str
    message: Message

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": str(self.message)}


@dataclass
class Ledger:
    """Budget and payments per DPA line while a batch is checked."""

    budget: dict[tuple[int, str], Decimal]
    paid: dict[tuple[int, str], Decimal]
    keys: set[tuple[str, int, str]] = field(default_factory=set)


def ledger_of(session: Session, fiscal_year: FiscalYear, snap: Snapshot) -> Ledger:
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
    return Ledger(budget, paid, keys)


def check_rows(
    fiscal_year: FiscalYear, snap: Snapshot, ledger: Ledger, rows: Sequence[PaymentRow]
) -> list[Problem]:
    problems = []
    for r in rows:
        line = (r.sub_activity_id, r.account_code)
        if not r.sp2d_number or len(r.sp2d_number) > 60:
            problems.append(Problem(r.row, "nomor_sp2d", _m("required, at most 60 characters")))
        if r.paid_on.year != fiscal_year.year:
            problems.append(
                Problem(
                    r.row,
                    "tanggal",
                    _m(
                        "%(date)s is not in %(year)s",
                        date=r.paid_on.isoformat(),
                        year=fiscal_year.year,
                    ),
                )
            )
        if r.amount <= 0:
            problems.append(
                Problem(r.row, "nilai", _m("%(amount)s is not above zero", amount=rupiah(r.amount)))
            )
            continue
        if line not in ledger.budget:
            problems.append(
                Problem(
                    r.row,
                    "kode_rekening",
                    _m(
                        "the %(stage)s has no line for account %(account)s of sub kegiatan "
                        "%(code)s",
                        stage=STAGE_TITLES[snap.stage],
                        account=r.account_code,
                        code=r.sub_kegiatan_code,
                    ),
                )
            )
            continue
        key = (r.sp2d_number, r.sub_activity_id, r.account_code)
        if key in ledger.keys:
            problems.append(
                Problem(
                    r.row,
                    "nomor_sp2d",
                    _m(
                        "SP2D %(sp2d)s is already recorded for account %(account)s of %(code)s",
                        sp2d=r.sp2d_number,
                        account=r.account_code,
                        code=r.sub_kegiatan_code,
                    ),
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
                    _m(
                        "payments to account %(account)s of %(code)s would reach %(paid)s, "
                        "above its %(stage)s amount %(budget)s",
                        account=r.account_code,
                        code=r.sub_kegiatan_code,
                        paid=rupiah(paid),
                        stage=STAGE_TITLES[snap.stage],
                        budget=rupiah(budget),
                    ),
                )
            )
            continue
        ledger.keys.add(key)
        ledger.paid[line] = paid
    return problems


def execution_of(session: Session, fiscal_year: FiscalYear) -> Snapshot:
    snap = execution_snapshot(session, fiscal_year)
    if snap is None:
        raise Conflict(
            _m(
                "payments of %(year)s are charged to its DPA, which is not issued yet",
                year=fiscal_year.year,
            ),
            {"stage": _m("no DPA")},
        )
    return snap


def write_payments(
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
    snap = execution_of(session, fiscal_year)
    sub = get_sub_activity(session, sub_activity_id, actor)
    if sub.fiscal_year_id != fiscal_year.id:
        raise InvalidInput(
            _m("sub-activity %(id)s belongs to another year", id=sub_activity_id),
            {"sub_activity_id": _m("another year")},
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
    problems = check_rows(fiscal_year, snap, ledger_of(session, fiscal_year, snap), [row])
    if problems:
        first = problems[0].message
        message = (
            first
            if len(problems) == 1
            else _m("%(first)s; and %(count)s more", first=first, count=len(problems) - 1)
        )
        raise InvalidInput(message, {p.column: p.message for p in problems})
    payment = write_payments(session, fiscal_year, [row], actor, None)[0]
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
