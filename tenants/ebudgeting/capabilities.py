"""What e-Budgeting answers for other apps, through the core (no app imports another).

``ebudgeting.sub_activities``: SAKIP's performance agreement (PK) puts the budget
behind each target, and e-Kinerja may show an OPD's realization; both read it
here instead of reaching into e-Budgeting's tables. ``ebudgeting.indicators``: the
performance indicators of an OPD's plans (capaian program, hasil, keluaran, masukan)
with target, unit and a stable id SAKIP's targets can refer to (``indicators.py``).
"""

from __future__ import annotations

from decimal import Decimal

from smartcity.toolkit import Capability, SubActivityBudget
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .indicators import for_year as indicators
from .models import BudgetLine, FiscalYear, Payment, SnapshotLine, SubActivity
from .stages import CASH_PLAN_STAGES, latest_snapshot

CENT = Decimal("0.01")

#: The adopted document in force (DPPA, else DPA, else the APBD); before the
#: APBD is adopted, the RKA drafts themselves.
ADOPTED_NEWEST_FIRST = CASH_PLAN_STAGES


def sub_activities(session: Session, *, year: int, org_unit_id: int) -> list[SubActivityBudget]:
    """The OPD's sub kegiatan of ``year`` with their current budget and realization.

    An unknown year gives an empty list, not an error: a consumer asks about the
    years *it* plans for, which e-Budgeting may not have opened yet.
    """
    fiscal_year = session.scalar(select(FiscalYear).where(FiscalYear.year == year))
    if fiscal_year is None:
        return []
    snap = latest_snapshot(session, fiscal_year, ADOPTED_NEWEST_FIRST)
    if snap is not None:
        planned = select(SnapshotLine.sub_activity_id, func.sum(SnapshotLine.amount)).where(
            SnapshotLine.snapshot_id == snap.id, SnapshotLine.org_unit_id == org_unit_id
        )
        budget_of = dict(session.execute(planned.group_by(SnapshotLine.sub_activity_id)).all())
    else:
        drafted = (
            select(BudgetLine.sub_activity_id, func.sum(BudgetLine.amount))
            .join(SubActivity, SubActivity.id == BudgetLine.sub_activity_id)
            .where(
                SubActivity.fiscal_year_id == fiscal_year.id,
                SubActivity.org_unit_id == org_unit_id,
            )
        )
        budget_of = dict(session.execute(drafted.group_by(BudgetLine.sub_activity_id)).all())
    paid = (
        select(Payment.sub_activity_id, func.sum(Payment.amount))
        .join(SubActivity, SubActivity.id == Payment.sub_activity_id)
        .where(Payment.fiscal_year_id == fiscal_year.id, SubActivity.org_unit_id == org_unit_id)
    )
    paid_of = dict(session.execute(paid.group_by(Payment.sub_activity_id)).all())
    subs = session.scalars(
        select(SubActivity)
        .where(SubActivity.fiscal_year_id == fiscal_year.id, SubActivity.org_unit_id == org_unit_id)
        .order_by(SubActivity.sub_kegiatan_code)
    )
    return [
        SubActivityBudget(
            sub_activity_id=sub.id,
            code=sub.sub_kegiatan_code,
            name=sub.nomenclature.name,
            org_unit_id=sub.org_unit_id,
            year=year,
            budget=Decimal(budget_of.get(sub.id, 0)).quantize(CENT),
            realization=Decimal(paid_of.get(sub.id, 0)).quantize(CENT),
        )
        for sub in subs
    ]


CAPABILITIES = (
    Capability(
        "ebudgeting.sub_activities",
        sub_activities,
        "Sub kegiatan of a year and OPD with code, name, current budget and realization.",
    ),
    Capability(
        "ebudgeting.indicators",
        indicators,
        "Performance indicators of a year and OPD (capaian program, hasil, keluaran, "
        "masukan) with target, unit and a stable id.",
    ),
)
