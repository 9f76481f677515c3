"""What every e-Budgeting API operation shares: the blueprint and its ``ApiSpec``, the
caller as an actor, and the converters from rows to response models.

Every operation is declared once with ``spec.route``; the same declaration routes it,
validates its body and documents it in the regency's OpenAPI document. Views
authenticate, build the actor and call a service; the request boundary commits.
Refusals are the services' errors, rendered by the core as
``{"error": {"code", "message", "fields", ...}}``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify
from pydantic import BaseModel
from smartcity.toolkit import (
    ApiSpec,
    InvalidInput,
    access,
    require_user,
)

from tenants.ebudgeting import (
    planning,
    review,
    years,
)
from tenants.ebudgeting.access import MEMBERS, USERS_MANAGE, VIEW, Actor, actor_for
from tenants.ebudgeting.coefficients import (
    Factor,
    coefficient_text,
    parse_coefficient,
    parse_factors,
)
from tenants.ebudgeting.models import (
    BudgetLine,
    CatalogueItem,
    FiscalYear,
    ReviewEvent,
    Snapshot,
    SubActivity,
)
from tenants.ebudgeting.schemas import (
    CatalogueItemOut,
    FactorIn,
    LineOut,
    ReviewEventOut,
    SnapshotOut,
    SubActivityDetail,
    SubActivityOut,
    YearOut,
)

blueprint = Blueprint("ebudgeting_api", __name__)
#: Every operation needs ``ebudgeting.view`` unless it says otherwise; finer rules
#: (the permission of each action, the caller's OPDs) are the services'.
spec = ApiSpec("e-Budgeting API", blueprint, default_access=access.permission(VIEW))
#: The member assignments: the regency's admin or the TAPD chair, even without ``view``.
MEMBER_MANAGERS = access.permission(USERS_MANAGE, MEMBERS)


def caller() -> Actor:
    """The caller as an e-budgeting actor (the gate has checked the operation's rule)."""
    return actor_for(g.db, require_user())


def json_response(model: BaseModel, status: int = 200) -> tuple[Response, int]:
    return jsonify(model.model_dump(mode="json")), status


# --------------------------------------------------------------------------- converters


def year_out(fiscal_year: FiscalYear) -> YearOut:
    return YearOut(
        year=fiscal_year.year,
        stage=fiscal_year.stage,
        revision_open=fiscal_year.revision_open,
        next_stage=years.next_stage(fiscal_year),
        drafting_open=years.drafting_open(fiscal_year),
    )


def sub_out(sub: SubActivity, total: Any = 0, count: int = 0, year: int = 0) -> dict[str, Any]:
    return SubActivityOut(
        id=sub.id,
        year=year,
        org_unit_id=sub.org_unit_id,
        sub_unit_id=sub.sub_unit_id,
        sub_kegiatan_code=sub.sub_kegiatan_code,
        name=sub.nomenclature.name,
        output_indicator=sub.output_indicator,
        target=sub.target,
        target_unit=sub.target_unit,
        location=sub.location,
        funding_source=sub.funding_source,
        target_group=sub.target_group,
        implementation_period=sub.implementation_period,
        ceiling=sub.ceiling,
        total=total,
        line_count=count,
        status=sub.status,
    ).model_dump()


def line_out(line: BudgetLine, item: CatalogueItem) -> LineOut:
    return LineOut(
        id=line.id,
        sub_activity_id=line.sub_activity_id,
        catalogue_item_id=line.catalogue_item_id,
        item_code=item.code,
        item_name=item.name,
        account_code=line.account_code,
        description=line.description,
        coefficient=coefficient_text(line.factors),
        factors=[FactorIn(quantity=f["quantity"], unit=f["unit"]) for f in line.factors],
        volume=line.volume,
        unit=line.unit,
        unit_price=line.unit_price,
        max_price=item.max_price,
        amount=line.amount,
        override_note=line.override_note,
    )


def event_out(event: ReviewEvent) -> ReviewEventOut:
    return ReviewEventOut(
        action=event.action,
        from_status=event.from_status,
        to_status=event.to_status,
        note=event.note,
        actor=event.actor,
        at=event.at,
    )


def item_out(item: CatalogueItem) -> CatalogueItemOut:
    return CatalogueItemOut(
        id=item.id,
        year=item.year,
        code=item.code,
        kind=item.kind,
        name=item.name,
        specification=item.specification,
        unit=item.unit,
        max_price=item.max_price,
        account_codes=list(item.account_codes),
        source=item.source,
        status=item.status,
        decision_note=item.decision_note,
    )


def snapshot_out(snap: Snapshot) -> SnapshotOut:
    return SnapshotOut(
        stage=snap.stage,
        total=snap.total,
        line_count=snap.line_count,
        taken_by=snap.taken_by,
        taken_at=snap.taken_at,
        document_number=snap.document_number,
        document_date=snap.document_date,
        elaboration_number=snap.elaboration_number,
    )


def detail_of(sub: SubActivity, actor: Actor) -> SubActivityDetail:
    fiscal_year = g.db.get(FiscalYear, sub.fiscal_year_id)
    lines = planning.lines_of(g.db, sub)
    total = sum((ln.amount for ln in lines), 0)
    return SubActivityDetail.model_validate(
        {
            **sub_out(sub, total, len(lines), fiscal_year.year),
            "lines": [line_out(ln, ln.item).model_dump() for ln in lines],
            "reviews": [event_out(e).model_dump() for e in review.history(g.db, sub)],
        }
    )


def factors_from(factors: list[FactorIn] | None, coefficient: str | None) -> list[Factor] | None:
    if factors is not None and coefficient is not None:
        raise InvalidInput(
            "give either factors or coefficient, not both", {"coefficient": "or factors"}
        )
    if coefficient is not None:
        return parse_coefficient(coefficient)
    if factors is not None:
        return parse_factors([f.model_dump() for f in factors])
    return None
