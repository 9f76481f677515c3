"""Realization queries: what was paid against the budget per OPD, program, month and DPA line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from smartcity.toolkit import (
    OrgUnit,
)
from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from tenants.ebudgeting.access import Actor
from tenants.ebudgeting.models import (
    Account,
    CashPlan,
    FiscalYear,
    Nomenclature,
    Payment,
    SnapshotLine,
    SubActivity,
)
from tenants.ebudgeting.stages import execution_snapshot

MONTHS = tuple(range(1, 13))
ZERO = Decimal(0)
CENT = Decimal("0.01")


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


@dataclass(frozen=True)
class DpaLine:
    """A line payments may be charged to: one account of one sub-activity in the DPA."""

    sub_activity_id: int
    sub_kegiatan_code: str
    account_code: str
    account_name: str
    budget: Decimal

    @property
    def key(self) -> str:
        """How the payment form names it: ``<sub-activity id>:<account>``."""
        return f"{self.sub_activity_id}:{self.account_code}"


def dpa_lines(session: Session, fiscal_year: FiscalYear, actor: Actor) -> list[DpaLine]:
    """The DPA (DPPA once issued) lines the actor may charge, in code order: the payment
    form offers these and nothing else."""
    snap = execution_snapshot(session, fiscal_year)
    if snap is None:
        return []
    query = (
        select(
            SnapshotLine.sub_activity_id,
            SnapshotLine.sub_kegiatan_code,
            SnapshotLine.account_code,
            func.coalesce(Account.name, ""),
            func.sum(SnapshotLine.amount),
        )
        .outerjoin(Account, Account.code == SnapshotLine.account_code)
        .where(SnapshotLine.snapshot_id == snap.id)
        .group_by(
            SnapshotLine.sub_activity_id,
            SnapshotLine.sub_kegiatan_code,
            SnapshotLine.account_code,
            Account.name,
        )
        .order_by(SnapshotLine.sub_kegiatan_code, SnapshotLine.account_code)
    )
    query = _scoped(query, SnapshotLine.org_unit_id, actor, None)
    return [
        DpaLine(sid, code, account, name, Decimal(total))
        for sid, code, account, name, total in session.execute(query)
    ]
