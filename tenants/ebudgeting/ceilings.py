"""Pagu: the ceiling each OPD may budget in a year, set by TAPD.

An OPD is a top-level org unit of the core (Dinas, Badan, Kecamatan...); its
sub-units budget through it. The pagu bounds both the ceilings its
sub-activities are given and the lines they hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from smartcity.toolkit import Conflict, InvalidInput, NotFound, OrgUnit, record_audit, rupiah
from smartcity.toolkit import parse_amount as parse_rupiah
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenants.ebudgeting.messages import _m

from .access import CEILINGS, Actor
from .models import BudgetLine, Ceiling, FiscalYear, ProgramCeiling, SubActivity
from .rules import Violation, enforce, record_override
from .years import ceilings_fixed, drafting_open, require_ceilings_open, require_drafting

ZERO = Decimal(0)
MAX_AMOUNT = Decimal("999999999999999.99")


def get_opd(session: Session, org_unit_id: int) -> OrgUnit:
    """An active top-level org unit (an OPD), else NotFound."""
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None or unit.parent_id is not None or not unit.is_active:
        raise NotFound(
            _m("no OPD %(id)s", id=org_unit_id), {"org_unit_id": _m("not an active OPD")}
        )
    return unit


def list_opds(session: Session) -> list[OrgUnit]:
    return list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.parent_id.is_(None), OrgUnit.is_active)
            .order_by(OrgUnit.code)
        )
    )


def ceiling_of(
    session: Session, fiscal_year: FiscalYear, org_unit_id: int, *, for_update: bool = False
) -> Ceiling | None:
    query = select(Ceiling).where(
        Ceiling.fiscal_year_id == fiscal_year.id, Ceiling.org_unit_id == org_unit_id
    )
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def allocated(session: Session, fiscal_year: FiscalYear, org_unit_id: int) -> Decimal:
    """What the OPD gave its sub-activities as ceilings."""
    total = session.scalar(
        select(func.coalesce(func.sum(SubActivity.ceiling), 0)).where(
            SubActivity.fiscal_year_id == fiscal_year.id, SubActivity.org_unit_id == org_unit_id
        )
    )
    return Decimal(total or 0)


def planned(session: Session, fiscal_year: FiscalYear, org_unit_id: int) -> Decimal:
    """The sum of the OPD's budget lines."""
    total = session.scalar(
        select(func.coalesce(func.sum(BudgetLine.amount), 0))
        .join(SubActivity, SubActivity.id == BudgetLine.sub_activity_id)
        .where(SubActivity.fiscal_year_id == fiscal_year.id, SubActivity.org_unit_id == org_unit_id)
    )
    return Decimal(total or 0)


def parse_amount(value: object, field: str = "amount") -> Decimal:
    """A rupiah amount >= 0 with at most two decimals (smartcity.money), else InvalidInput."""
    return parse_rupiah(value, field, maximum=MAX_AMOUNT)


def may_set_ceilings(session: Session, fiscal_year: FiscalYear, actor: Actor) -> bool:
    """Whether ``set_ceiling`` would take a pagu from the actor for this year now
    (not once the KUA-PPAS fixed the ceilings)."""
    return (
        actor.can(CEILINGS)
        and drafting_open(fiscal_year)
        and ceilings_fixed(session, fiscal_year) is None
    )


def set_ceiling(
    session: Session,
    fiscal_year: FiscalYear,
    org_unit_id: int,
    amount: Decimal,
    *,
    actor: Actor,
    override_reason: str | None = None,
) -> Ceiling:
    """Set an OPD's pagu; lowering it below what is already allocated or planned
    breaks ``opd_pagu`` (TAPD may override with a reason)."""
    actor.require(CEILINGS)
    require_drafting(fiscal_year)
    require_ceilings_open(session, fiscal_year)
    unit = get_opd(session, org_unit_id)
    amount = parse_amount(amount)
    ceiling = ceiling_of(session, fiscal_year, unit.id, for_update=True)
    violations = []
    programs = Decimal(
        session.scalar(
            select(func.coalesce(func.sum(ProgramCeiling.amount), 0)).where(
                ProgramCeiling.fiscal_year_id == fiscal_year.id,
                ProgramCeiling.org_unit_id == unit.id,
            )
        )
        or 0
    )
    if programs > amount:
        raise InvalidInput(
            _m(
                "pagu %(pagu)s of %(opd)s is below its program ceilings %(programs)s",
                pagu=rupiah(amount),
                opd=unit.name,
                programs=rupiah(programs),
            ),
            {"amount": _m("at least %(amount)s", amount=rupiah(programs))},
        )
    for what, used in (
        (_m("sub-activity ceilings"), allocated(session, fiscal_year, unit.id)),
        (_m("budget lines"), planned(session, fiscal_year, unit.id)),
    ):
        if used > amount:
            violations.append(
                Violation(
                    "opd_pagu",
                    "pagu %(pagu)s of %(opd)s is below its %(what)s %(used)s",
                    {"pagu": rupiah(amount), "opd": unit.name, "what": what, "used": rupiah(used)},
                )
            )
    override = enforce(violations, may_override=actor.may_override, reason=override_reason)
    before = None if ceiling is None else {"amount": str(ceiling.amount)}
    if ceiling is None:
        ceiling = Ceiling(
            fiscal_year_id=fiscal_year.id,
            org_unit_id=unit.id,
            amount=amount,
            updated_by=actor.label,
        )
        try:
            with session.begin_nested():  # a first pagu set twice at once: one wins
                session.add(ceiling)
        except IntegrityError:
            raise Conflict(
                _m(
                    "the pagu of %(opd)s was just set by someone else: reload and try again",
                    opd=unit.name,
                ),
                {"amount": _m("set meanwhile")},
            ) from None
    else:
        ceiling.amount, ceiling.updated_by = amount, actor.label
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.ceiling.set",
        entity="eb_ceiling",
        entity_id=ceiling.id,
        before=before,
        after={"year": fiscal_year.year, "org_unit": unit.code, "amount": str(amount)},
    )
    record_override(session, override, actor=actor.label, entity="eb_ceiling", entity_id=ceiling.id)
    return ceiling


@dataclass(frozen=True)
class OpdTotals:
    """An OPD's pagu beside what it allocated and planned (None: no pagu yet)."""

    unit: OrgUnit
    pagu: Decimal | None
    allocated: Decimal
    planned: Decimal
    sub_activities: int

    @property
    def remaining(self) -> Decimal:
        return (self.pagu or ZERO) - self.planned


def opd_totals(session: Session, fiscal_year: FiscalYear, actor: Actor) -> list[OpdTotals]:
    """Every OPD the actor sees, with three aggregate queries whatever their number."""
    pagu = dict(
        session.execute(
            select(Ceiling.org_unit_id, Ceiling.amount).where(
                Ceiling.fiscal_year_id == fiscal_year.id
            )
        ).all()
    )
    subs = {
        unit_id: (Decimal(total), count)
        for unit_id, total, count in session.execute(
            select(SubActivity.org_unit_id, func.sum(SubActivity.ceiling), func.count())
            .where(SubActivity.fiscal_year_id == fiscal_year.id)
            .group_by(SubActivity.org_unit_id)
        ).all()
    }
    lines = dict(
        session.execute(
            select(SubActivity.org_unit_id, func.sum(BudgetLine.amount))
            .join(BudgetLine, BudgetLine.sub_activity_id == SubActivity.id)
            .where(SubActivity.fiscal_year_id == fiscal_year.id)
            .group_by(SubActivity.org_unit_id)
        ).all()
    )
    return [
        OpdTotals(
            unit=unit,
            pagu=pagu.get(unit.id),
            allocated=subs.get(unit.id, (ZERO, 0))[0],
            planned=Decimal(lines.get(unit.id) or 0),
            sub_activities=subs.get(unit.id, (ZERO, 0))[1],
        )
        for unit in list_opds(session)
        if actor.sees_unit(unit.id)
    ]
