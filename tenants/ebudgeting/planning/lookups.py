"""Finding plans: a sub-activity or line the actor may see, and the totals pages list.

Another OPD's sub-activity is as absent as a missing one (NotFound), so ids
reveal nothing across OPDs.
"""

from __future__ import annotations

from decimal import Decimal

from smartcity.toolkit import NotFound
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from tenants.ebudgeting.access import Actor
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.models import (
    Account,
    BudgetLine,
    FiscalYear,
    SubActivity,
)

# --------------------------------------------------------------------------- lookups


def get_sub_activity(
    session: Session, sub_activity_id: int, actor: Actor, *, for_update: bool = False
) -> SubActivity:
    """A sub-activity the actor may see; another OPD's is as absent as a missing one."""
    query = select(SubActivity).where(SubActivity.id == sub_activity_id)
    if for_update:
        # populate_existing: the row as it is now that we hold its lock
        query = query.with_for_update(of=SubActivity).execution_options(populate_existing=True)
    sub = session.scalar(query)
    if sub is None or not actor.sees_unit(sub.org_unit_id):
        raise NotFound(
            _m("no sub-activity %(id)s", id=sub_activity_id), {"sub_activity_id": _m("unknown")}
        )
    return sub


def get_line(session: Session, line_id: int, actor: Actor) -> BudgetLine:
    line = session.get(BudgetLine, line_id)
    if line is None:
        raise NotFound(_m("no budget line %(id)s", id=line_id), {"line_id": _m("unknown")})
    get_sub_activity(session, line.sub_activity_id, actor)
    return line


def sub_activities(
    session: Session, fiscal_year: FiscalYear, actor: Actor, org_unit_id: int | None = None
) -> list[tuple[SubActivity, Decimal, int]]:
    """Sub-activities with their lines' total and count, in code order."""
    totals = (
        select(
            BudgetLine.sub_activity_id.label("sid"),
            func.sum(BudgetLine.amount).label("total"),
            func.count().label("lines"),
        )
        .group_by(BudgetLine.sub_activity_id)
        .subquery()
    )
    query = (
        select(SubActivity, totals.c.total, totals.c.lines)
        .outerjoin(totals, totals.c.sid == SubActivity.id)
        .where(SubActivity.fiscal_year_id == fiscal_year.id)
        .order_by(SubActivity.org_unit_id, SubActivity.sub_kegiatan_code)
    )
    if org_unit_id is not None:
        query = query.where(SubActivity.org_unit_id == org_unit_id)
    if actor.unit_ids is not None:
        query = query.where(SubActivity.org_unit_id.in_(actor.unit_ids))
    return [
        (sub, Decimal(total or 0), int(count or 0)) for sub, total, count in session.execute(query)
    ]


def lines_of(session: Session, sub: SubActivity) -> list[BudgetLine]:
    return list(
        session.scalars(
            select(BudgetLine)
            .options(joinedload(BudgetLine.item))
            .where(BudgetLine.sub_activity_id == sub.id)
            .order_by(BudgetLine.account_code, BudgetLine.id)
        )
    )


def line_total(session: Session, sub_activity_id: int, exclude_line: int | None = None) -> Decimal:
    query = select(func.coalesce(func.sum(BudgetLine.amount), 0)).where(
        BudgetLine.sub_activity_id == sub_activity_id
    )
    if exclude_line is not None:
        query = query.where(BudgetLine.id != exclude_line)
    return Decimal(session.scalar(query) or 0)


def account_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(
        session.execute(select(Account.code, Account.name).where(Account.code.in_(codes))).all()
    )


def year_of(session: Session, sub: SubActivity) -> FiscalYear:
    fiscal_year = session.get(FiscalYear, sub.fiscal_year_id)
    assert fiscal_year is not None  # noqa: S101 - a foreign key
    return fiscal_year
