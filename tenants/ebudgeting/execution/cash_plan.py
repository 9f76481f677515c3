"""The anggaran kas: each sub-activity's monthly cash plan, adding up to its adopted amount."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from smartcity.toolkit import (
    Conflict,
    InvalidInput,
    record_audit,
    rupiah,
)
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tenants.ebudgeting.access import DRAFT, Actor
from tenants.ebudgeting.ceilings import parse_amount
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.models import (
    CashPlan,
    FiscalYear,
    Snapshot,
    SnapshotLine,
)
from tenants.ebudgeting.planning import get_sub_activity
from tenants.ebudgeting.rules import RuleViolation, Violation
from tenants.ebudgeting.stages import CASH_PLAN_STAGES, latest_snapshot
from tenants.ebudgeting.years import STAGE_TITLES

MONTHS = tuple(range(1, 13))
ZERO = Decimal(0)


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


def may_plan_cash(session: Session, fiscal_year: FiscalYear, actor: Actor) -> bool:
    """Whether ``set_cash_plan`` would take a plan from the actor: the adopted budget
    it follows exists, and the actor drafts plans."""
    return actor.can(DRAFT) and cash_plan_basis(session, fiscal_year) is not None


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
            _m(
                "the cash plan of %(year)s follows the adopted APBD, which does not exist yet",
                year=fiscal_year.year,
            ),
            {"stage": _m("no APBD")},
        )
    if len(amounts) != len(MONTHS):
        raise InvalidInput(
            _m("a cash plan has twelve monthly amounts"), {"amounts": _m("12 amounts")}
        )
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
