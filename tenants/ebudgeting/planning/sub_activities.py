"""Sub-activities (sub kegiatan) an OPD budgets: their fields, ceilings and the OPD's pagu.

The OPD's pagu row is locked, then the sub-activity row, before totals are
checked, so two people drafting at once cannot together exceed a ceiling.

A sub-activity may sit at one of its OPD's sub-units that SIPD knows (one with a SIPD
code, anywhere below the OPD in the tree: a puskesmas, a UPTD, a bagian of the Setda);
SIPD then takes it under that sub-unit's code (kode sub SKPD). The OPD stays the one
whose pagu, members and review it falls under.
"""

from __future__ import annotations

from decimal import Decimal
from types import EllipsisType
from typing import Any

from smartcity.toolkit import (
    Conflict,
    InvalidInput,
    OrgUnit,
    ServiceError,
    record_audit,
    rupiah,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.ebudgeting.access import DRAFT, Actor
from tenants.ebudgeting.ceilings import allocated, ceiling_of, get_opd, parse_amount
from tenants.ebudgeting.codes import code_violations
from tenants.ebudgeting.coefficients import MAX_QUANTITY
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.models import (
    FiscalYear,
    Nomenclature,
    Payment,
    SubActivity,
)
from tenants.ebudgeting.rules import RuleViolation, Violation, enforce, record_override
from tenants.ebudgeting.unit_codes import bidang_of_opd
from tenants.ebudgeting.years import require_drafting

from .editing import require_editable
from .lookups import get_sub_activity, line_total, year_of

FUNDING_SOURCES = (
    "PAD",
    "DAU",
    "DAK Fisik",
    "DAK Non Fisik",
    "DBH",
    "DID",
    "Bantuan Keuangan Provinsi",
    "BLUD",
    "Pinjaman Daerah",
    "Lain-lain Pendapatan yang Sah",
)

# --------------------------------------------------------------------------- sub-activities


def _check_sub_fields(
    *,
    output_indicator: str,
    target: Decimal,
    target_unit: str,
    location: str,
    funding_source: str,
) -> None:
    problems: dict[str, str] = {}
    if not output_indicator.strip() or len(output_indicator) > 400:
        problems["output_indicator"] = _m("required, at most 400 characters")
    if not target.is_finite() or target <= 0 or target > MAX_QUANTITY:
        problems["target"] = _m("a positive number")
    if not target_unit.strip() or len(target_unit) > 60:
        problems["target_unit"] = _m("required, at most 60 characters")
    if not location.strip() or len(location) > 200:
        problems["location"] = _m("required, at most 200 characters")
    if funding_source not in FUNDING_SOURCES:
        problems["funding_source"] = _m("one of: %(choices)s", choices=", ".join(FUNDING_SOURCES))
    if problems:
        raise InvalidInput(_m("the sub-activity is not valid"), problems)


def _check_header_fields(target_group: str, implementation_period: str) -> None:
    """Kelompok sasaran and waktu pelaksanaan: optional, printed in the RKA's header."""
    problems: dict[str, str] = {}
    if len(target_group) > 200:
        problems["target_group"] = _m("at most %(count)s characters", count=200)
    if len(implementation_period) > 100:
        problems["implementation_period"] = _m("at most %(count)s characters", count=100)
    if problems:
        raise InvalidInput(_m("the sub-activity is not valid"), problems)


def pagu_violation(
    session: Session, fiscal_year: FiscalYear, org_unit_id: int, what: str, total: Decimal
) -> Violation | None:
    unit = get_opd(session, org_unit_id)
    ceiling = ceiling_of(session, fiscal_year, org_unit_id)
    pagu = ceiling.amount if ceiling is not None else Decimal(0)
    if total <= pagu:
        return None
    return Violation(
        "opd_pagu",
        "%(what)s of %(opd)s would total %(total)s, above its pagu %(pagu)s for %(year)s",
        {
            "what": what,
            "opd": unit.name,
            "total": rupiah(total),
            "pagu": rupiah(pagu),
            "year": str(fiscal_year.year),
        },
    )


def lock_pagu(session: Session, fiscal_year: FiscalYear, org_unit_id: int) -> None:
    ceiling_of(session, fiscal_year, org_unit_id, for_update=True)


def sub_units_of(session: Session, org_unit_id: int) -> list[OrgUnit]:
    """The OPD's active units below it that carry a SIPD code, in code order: where its
    sub-activities may sit."""
    below = select(OrgUnit.id).where(OrgUnit.parent_id == org_unit_id).cte(recursive=True)
    below = below.union_all(select(OrgUnit.id).where(OrgUnit.parent_id == below.c.id))
    return list(
        session.scalars(
            select(OrgUnit)
            .where(
                OrgUnit.id.in_(select(below.c.id)),
                OrgUnit.is_active.is_(True),
                OrgUnit.sipd_code.is_not(None),
            )
            .order_by(OrgUnit.sipd_code)
        )
    )


def _sub_unit(session: Session, unit: OrgUnit, sub_unit_id: int | None) -> int | None:
    """``sub_unit_id`` if it is one of the OPD's sub-units SIPD knows; None for the OPD."""
    if sub_unit_id is None or sub_unit_id == unit.id:
        return None
    if sub_unit_id not in {u.id for u in sub_units_of(session, unit.id)}:
        raise InvalidInput(
            _m(
                "%(opd)s has no active sub-unit %(id)s with a SIPD code",
                opd=unit.name,
                id=sub_unit_id,
            ),
            {"sub_unit_id": _m("not a sub-unit of the OPD")},
        )
    return sub_unit_id


def create_sub_activity(
    session: Session,
    fiscal_year: FiscalYear,
    *,
    org_unit_id: int,
    sub_kegiatan_code: str,
    output_indicator: str | None,
    target: Decimal,
    target_unit: str | None,
    location: str,
    funding_source: str,
    ceiling: Decimal,
    actor: Actor,
    override_reason: str | None = None,
    target_group: str = "",
    implementation_period: str = "",
    sub_unit_id: int | None = None,
) -> SubActivity:
    actor.require(DRAFT)
    actor.require_unit(org_unit_id)
    require_drafting(fiscal_year)
    unit = get_opd(session, org_unit_id)
    sub_unit = _sub_unit(session, unit, sub_unit_id)
    code = sub_kegiatan_code.strip()
    if problems := code_violations(code, "sub_kegiatan"):
        raise RuleViolation(problems)
    node = session.scalar(select(Nomenclature).where(Nomenclature.code == code))
    if node is None or not node.is_active:
        raise InvalidInput(
            _m("sub kegiatan %(code)s is not in the current code tree", code=code),
            {"sub_kegiatan_code": _m("unknown")},
        )
    served = bidang_of_opd(session, unit.id)
    if served is not None and code[:4] not in served:
        raise InvalidInput(
            _m(
                "sub kegiatan %(code)s is not of the bidang %(opd)s serves (%(bidang)s)",
                code=code,
                opd=unit.name,
                bidang=", ".join(served),
            ),
            {"sub_kegiatan_code": _m("another bidang")},
        )
    indicator = (output_indicator or node.indicator or "").strip()
    unit_of_target = (target_unit or node.indicator_unit or "").strip()
    ceiling = parse_amount(ceiling, "ceiling")
    _check_sub_fields(
        output_indicator=indicator,
        target=target,
        target_unit=unit_of_target,
        location=location,
        funding_source=funding_source,
    )
    _check_header_fields(target_group, implementation_period)
    lock_pagu(session, fiscal_year, unit.id)
    clash = select(SubActivity.id).where(
        SubActivity.fiscal_year_id == fiscal_year.id,
        SubActivity.org_unit_id == unit.id,
        SubActivity.sub_kegiatan_code == code,
    )
    if session.scalar(clash) is not None:
        raise Conflict(
            _m(
                "%(opd)s already budgets sub kegiatan %(code)s in %(year)s",
                opd=unit.name,
                code=code,
                year=fiscal_year.year,
            ),
            {"sub_kegiatan_code": _m("already budgeted")},
        )
    violation = pagu_violation(
        session,
        fiscal_year,
        unit.id,
        _m("sub-activity ceilings"),
        allocated(session, fiscal_year, unit.id) + ceiling,
    )
    override = enforce(
        [violation] if violation else [], may_override=actor.may_override, reason=override_reason
    )
    sub = SubActivity(
        fiscal_year_id=fiscal_year.id,
        org_unit_id=unit.id,
        sub_unit_id=sub_unit,
        sub_kegiatan_code=code,
        output_indicator=indicator,
        target=target,
        target_unit=unit_of_target,
        location=location.strip(),
        funding_source=funding_source,
        target_group=target_group.strip(),
        implementation_period=implementation_period.strip(),
        ceiling=ceiling,
        status="draft",
        created_by=actor.label,
    )
    session.add(sub)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.sub_activity.create",
        entity="eb_sub_activity",
        entity_id=sub.id,
        after=_sub_public(sub),
    )
    record_override(
        session, override, actor=actor.label, entity="eb_sub_activity", entity_id=sub.id
    )
    return sub


def _sub_public(sub: SubActivity) -> dict[str, Any]:
    return {
        "org_unit_id": sub.org_unit_id,
        "sub_unit_id": sub.sub_unit_id,
        "code": sub.sub_kegiatan_code,
        "output_indicator": sub.output_indicator,
        "target": str(sub.target),
        "target_unit": sub.target_unit,
        "location": sub.location,
        "funding_source": sub.funding_source,
        "target_group": sub.target_group,
        "implementation_period": sub.implementation_period,
        "ceiling": str(sub.ceiling),
        "status": sub.status,
    }


def update_sub_activity(
    session: Session,
    sub: SubActivity,
    *,
    actor: Actor,
    output_indicator: str | None = None,
    target: Decimal | None = None,
    target_unit: str | None = None,
    location: str | None = None,
    funding_source: str | None = None,
    ceiling: Decimal | None = None,
    override_reason: str | None = None,
    target_group: str | None = None,
    implementation_period: str | None = None,
    sub_unit_id: int | EllipsisType | None = ...,
) -> SubActivity:
    """Change what was given (None keeps a field, ``...`` the sub-unit, whose None is the
    OPD itself); the code and OPD never change."""
    fiscal_year = year_of(session, sub)
    require_editable(fiscal_year, sub, actor)
    lock_pagu(session, fiscal_year, sub.org_unit_id)
    sub = get_sub_activity(session, sub.id, actor, for_update=True)
    require_editable(fiscal_year, sub, actor)  # the status may have changed meanwhile
    before = _sub_public(sub)
    new_ceiling = sub.ceiling if ceiling is None else parse_amount(ceiling, "ceiling")
    new_indicator = sub.output_indicator if output_indicator is None else output_indicator
    new_target = sub.target if target is None else target
    new_target_unit = sub.target_unit if target_unit is None else target_unit
    new_location = sub.location if location is None else location
    new_funding = sub.funding_source if funding_source is None else funding_source
    _check_sub_fields(
        output_indicator=new_indicator,
        target=new_target,
        target_unit=new_target_unit,
        location=new_location,
        funding_source=new_funding,
    )
    new_group = sub.target_group if target_group is None else target_group
    new_period = (
        sub.implementation_period if implementation_period is None else implementation_period
    )
    _check_header_fields(new_group, new_period)
    # Checked when it changes: a sub-unit whose code was dropped since stays until then.
    new_sub_unit = (
        sub.sub_unit_id
        if sub_unit_id is ... or sub_unit_id == sub.sub_unit_id
        else _sub_unit(session, session.get_one(OrgUnit, sub.org_unit_id), sub_unit_id)
    )
    violations = []
    if new_ceiling != sub.ceiling:
        lines = line_total(session, sub.id)
        if lines > new_ceiling:
            violations.append(
                Violation(
                    "sub_activity_ceiling",
                    "ceiling %(ceiling)s of sub-activity %(code)s is below its lines' "
                    "total %(total)s",
                    {
                        "ceiling": rupiah(new_ceiling),
                        "code": sub.sub_kegiatan_code,
                        "total": rupiah(lines),
                    },
                )
            )
        others = allocated(session, fiscal_year, sub.org_unit_id) - sub.ceiling
        if violation := pagu_violation(
            session, fiscal_year, sub.org_unit_id, _m("sub-activity ceilings"), others + new_ceiling
        ):
            violations.append(violation)
    override = enforce(violations, may_override=actor.may_override, reason=override_reason)
    sub.output_indicator = new_indicator.strip()
    sub.target = new_target
    sub.target_unit = new_target_unit.strip()
    sub.location = new_location.strip()
    sub.funding_source = new_funding
    sub.target_group = new_group.strip()
    sub.implementation_period = new_period.strip()
    sub.ceiling = new_ceiling
    sub.sub_unit_id = new_sub_unit
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.sub_activity.update",
        entity="eb_sub_activity",
        entity_id=sub.id,
        before=before,
        after=_sub_public(sub),
    )
    record_override(
        session, override, actor=actor.label, entity="eb_sub_activity", entity_id=sub.id
    )
    return sub


def _require_deletable(session: Session, sub: SubActivity, actor: Actor) -> None:
    require_editable(year_of(session, sub), sub, actor)
    if session.scalar(select(Payment.id).where(Payment.sub_activity_id == sub.id).limit(1)):
        raise Conflict(
            _m(
                "sub-activity %(code)s has payments: it cannot be deleted",
                code=sub.sub_kegiatan_code,
            ),
            {"sub_activity_id": _m("has payments")},
        )


def may_delete(session: Session, sub: SubActivity, actor: Actor) -> bool:
    """Whether ``delete_sub_activity`` would delete the plan for the actor now."""
    try:
        _require_deletable(session, sub, actor)
    except ServiceError:
        return False
    return True


def delete_sub_activity(session: Session, sub: SubActivity, *, actor: Actor) -> None:
    """Only a plan nothing was paid from; its lines, notes and cash plan go with it."""
    _require_deletable(session, sub, actor)
    before = _sub_public(sub)
    sub_id = sub.id
    session.delete(sub)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.sub_activity.delete",
        entity="eb_sub_activity",
        entity_id=sub_id,
        before=before,
    )
