"""``<tenant>/api/v1/ebudgeting``: ceilings, plans, reviews, stages and realization as JSON.

Every operation is declared once with ``ApiSpec``; the same declaration
validates the body and produces ``openapi.json`` here. Views authenticate,
build the :class:`~tenants.ebudgeting.access.Actor` and call a service; the
request boundary commits. Refusals are the services' errors, rendered by the
core as ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request, url_for
from pydantic import BaseModel
from smartcity.toolkit import (
    ApiSpec,
    InvalidInput,
    access,
    current_tenant,
    query_int,
    query_year,
    require_user,
)

from . import catalogue, ceilings, members, realization, review, rka, sipd, stages, years
from .access import MEMBERS, USERS_MANAGE, VIEW, Actor, actor_for
from .models import BudgetLine, CatalogueItem, FiscalYear, ReviewEvent, Snapshot, SubActivity
from .rka import Factor, coefficient_text, parse_coefficient, parse_factors
from .schemas import (
    CashPlanIn,
    CashPlanOut,
    CatalogueDecision,
    CatalogueItemOut,
    CatalogueList,
    CatalogueProposal,
    CeilingList,
    CeilingOut,
    CeilingSet,
    DiffOut,
    FactorIn,
    ImportOut,
    LineChangeOut,
    LineCreate,
    LineList,
    LineOut,
    LinePatch,
    LineValuesOut,
    MemberIn,
    MemberList,
    MemberOut,
    MonthOut,
    NoteList,
    NoteOut,
    OpdReviewIn,
    PaymentIn,
    PaymentList,
    PaymentOut,
    RealizationOut,
    RealizationRowOut,
    ReviewEventOut,
    ReviewIn,
    ReviewResult,
    SnapshotOut,
    StageIn,
    StageList,
    SubActivityChangeOut,
    SubActivityCreate,
    SubActivityDetail,
    SubActivityList,
    SubActivityOut,
    SubActivityPatch,
    YearCreate,
    YearList,
    YearOut,
)

blueprint = Blueprint("ebudgeting_api", __name__)
#: Every operation needs ``ebudgeting.view`` unless it says otherwise; finer rules
#: (the permission of each action, the caller's OPDs) are the services'.
spec = ApiSpec("e-Budgeting API", blueprint, default_access=access.permission(VIEW))
#: The member assignments: the regency's admin or the TAPD chair, even without ``view``.
MEMBER_MANAGERS = access.permission(USERS_MANAGE, MEMBERS)


def api() -> Blueprint:
    """The manifest's API factory: one module-level blueprint, declared once."""
    return blueprint


def _actor() -> Actor:
    """The caller as an e-budgeting actor (the gate has checked the operation's rule)."""
    return actor_for(g.db, require_user())


def _json(model: BaseModel, status: int = 200) -> tuple[Response, int]:
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
        sub_kegiatan_code=sub.sub_kegiatan_code,
        name=sub.nomenclature.name,
        output_indicator=sub.output_indicator,
        target=sub.target,
        target_unit=sub.target_unit,
        location=sub.location,
        funding_source=sub.funding_source,
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
    )


def _detail(sub: SubActivity, actor: Actor) -> SubActivityDetail:
    fiscal_year = g.db.get(FiscalYear, sub.fiscal_year_id)
    lines = rka.lines_of(g.db, sub)
    total = sum((ln.amount for ln in lines), 0)
    return SubActivityDetail.model_validate(
        {
            **sub_out(sub, total, len(lines), fiscal_year.year),
            "lines": [line_out(ln, ln.item).model_dump() for ln in lines],
            "reviews": [event_out(e).model_dump() for e in review.history(g.db, sub)],
        }
    )


def _factors(factors: list[FactorIn] | None, coefficient: str | None) -> list[Factor] | None:
    if factors is not None and coefficient is not None:
        raise InvalidInput(
            "give either factors or coefficient, not both", {"coefficient": "or factors"}
        )
    if coefficient is not None:
        return parse_coefficient(coefficient)
    if factors is not None:
        return parse_factors([f.model_dump() for f in factors])
    return None


# --------------------------------------------------------------------------- years and pagu


@spec.route("GET", "/years", "Fiscal years and their stage", response=YearList)
def list_years() -> tuple[Response, int]:
    _actor()
    return _json(YearList(years=[year_out(y) for y in years.list_years(g.db)]))


@spec.route(
    "POST",
    "/years",
    "Open a fiscal year (TAPD)",
    body=YearCreate,
    response=YearOut,
    status=201,
    errors=(403, 409),
)
def create_year(body: YearCreate) -> tuple[Response, int]:
    fiscal_year = years.create_fiscal_year(g.db, body.year, actor=_actor())
    return _json(year_out(fiscal_year), 201)


@spec.route(
    "GET",
    "/years/<year:year>/ceilings",
    "Each OPD's pagu beside what its sub-activities were given and planned",
    response=CeilingList,
    errors=(404,),
)
def list_ceilings(year: int) -> tuple[Response, int]:
    actor = _actor()
    fiscal_year = years.get_year(g.db, year)
    rows = ceilings.opd_totals(g.db, fiscal_year, actor)
    return _json(
        CeilingList(
            year=year,
            ceilings=[
                CeilingOut(
                    org_unit_id=r.unit.id,
                    org_unit_code=r.unit.code,
                    org_unit_name=r.unit.name,
                    pagu=r.pagu,
                    allocated=r.allocated,
                    planned=r.planned,
                    sub_activities=r.sub_activities,
                )
                for r in rows
            ],
        )
    )


@spec.route(
    "PUT",
    "/years/<year:year>/ceilings/<id:org_unit_id>",
    "Set an OPD's pagu (TAPD)",
    body=CeilingSet,
    response=CeilingOut,
    errors=(403, 404),
)
def set_ceiling(body: CeilingSet, year: int, org_unit_id: int) -> tuple[Response, int]:
    actor = _actor()
    fiscal_year = years.get_year(g.db, year)
    ceilings.set_ceiling(
        g.db,
        fiscal_year,
        org_unit_id,
        body.amount,
        actor=actor,
        override_reason=body.override_reason,
    )
    row = next(r for r in ceilings.opd_totals(g.db, fiscal_year, actor) if r.unit.id == org_unit_id)
    return _json(
        CeilingOut(
            org_unit_id=row.unit.id,
            org_unit_code=row.unit.code,
            org_unit_name=row.unit.name,
            pagu=row.pagu,
            allocated=row.allocated,
            planned=row.planned,
            sub_activities=row.sub_activities,
        )
    )


# --------------------------------------------------------------------------- sub-activities


@spec.route(
    "GET",
    "/years/<year:year>/sub-activities",
    "Sub-activities the caller may see (?org_unit_id= filters one OPD)",
    response=SubActivityList,
    errors=(404,),
)
def list_sub_activities(year: int) -> tuple[Response, int]:
    actor = _actor()
    fiscal_year = years.get_year(g.db, year)
    unit = query_int("org_unit_id")
    rows = rka.sub_activities(g.db, fiscal_year, actor, unit)
    return _json(
        SubActivityList.model_validate(
            {"sub_activities": [sub_out(s, t, c, year) for s, t, c in rows]}
        )
    )


@spec.route(
    "POST",
    "/years/<year:year>/sub-activities",
    "Budget a sub kegiatan for an OPD",
    body=SubActivityCreate,
    response=SubActivityDetail,
    status=201,
    errors=(403, 404, 409),
)
def create_sub_activity(body: SubActivityCreate, year: int) -> tuple[Response, int, dict[str, str]]:
    actor = _actor()
    fiscal_year = years.get_year(g.db, year)
    sub = rka.create_sub_activity(
        g.db,
        fiscal_year,
        org_unit_id=body.org_unit_id,
        sub_kegiatan_code=body.sub_kegiatan_code,
        output_indicator=body.output_indicator,
        target=body.target,
        target_unit=body.target_unit,
        location=body.location,
        funding_source=body.funding_source,
        ceiling=body.ceiling,
        actor=actor,
        override_reason=body.override_reason,
    )
    location = url_for(".get_sub_activity", sub_activity_id=sub.id)
    return jsonify(_detail(sub, actor).model_dump(mode="json")), 201, {"Location": location}


@spec.route(
    "GET",
    "/sub-activities/<id:sub_activity_id>",
    "A sub-activity with its lines and review history",
    response=SubActivityDetail,
    errors=(404,),
)
def get_sub_activity(sub_activity_id: int) -> tuple[Response, int]:
    actor = _actor()
    return _json(_detail(rka.get_sub_activity(g.db, sub_activity_id, actor), actor))


@spec.route(
    "PATCH",
    "/sub-activities/<id:sub_activity_id>",
    "Change a sub-activity's output or ceiling",
    body=SubActivityPatch,
    response=SubActivityDetail,
    errors=(403, 404, 409),
)
def patch_sub_activity(body: SubActivityPatch, sub_activity_id: int) -> tuple[Response, int]:
    actor = _actor()
    sub = rka.update_sub_activity(
        g.db,
        rka.get_sub_activity(g.db, sub_activity_id, actor),
        actor=actor,
        output_indicator=body.output_indicator,
        target=body.target,
        target_unit=body.target_unit,
        location=body.location,
        funding_source=body.funding_source,
        ceiling=body.ceiling,
        override_reason=body.override_reason,
    )
    return _json(_detail(sub, actor))


@spec.route(
    "DELETE",
    "/sub-activities/<id:sub_activity_id>",
    "Delete a draft sub-activity",
    status=204,
    errors=(403, 404, 409),
)
def delete_sub_activity(sub_activity_id: int) -> tuple[str, int]:
    actor = _actor()
    rka.delete_sub_activity(g.db, rka.get_sub_activity(g.db, sub_activity_id, actor), actor=actor)
    return "", 204


# --------------------------------------------------------------------------- lines


@spec.route(
    "GET",
    "/sub-activities/<id:sub_activity_id>/lines",
    "The RKA lines of a sub-activity",
    response=LineList,
    errors=(404,),
)
def list_lines(sub_activity_id: int) -> tuple[Response, int]:
    sub = rka.get_sub_activity(g.db, sub_activity_id, _actor())
    return _json(LineList(lines=[line_out(ln, ln.item) for ln in rka.lines_of(g.db, sub)]))


@spec.route(
    "POST",
    "/sub-activities/<id:sub_activity_id>/lines",
    "Add a line: catalogue item x coefficient x unit price",
    body=LineCreate,
    response=LineOut,
    status=201,
    errors=(403, 404, 409),
)
def create_line(body: LineCreate, sub_activity_id: int) -> tuple[Response, int]:
    actor = _actor()
    factors = _factors(body.factors, body.coefficient)
    if factors is None:
        raise InvalidInput("a line needs its coefficient", {"factors": "required"})
    line = rka.add_line(
        g.db,
        sub_activity_id,
        catalogue_item_id=body.catalogue_item_id,
        account_code=body.account_code,
        factors=factors,
        unit_price=body.unit_price,
        description=body.description,
        actor=actor,
        override_reason=body.override_reason,
    )
    return _json(line_out(line, catalogue.get_item(g.db, line.catalogue_item_id)), 201)


@spec.route(
    "PATCH",
    "/lines/<id:line_id>",
    "Change a line (every rule is checked again)",
    body=LinePatch,
    response=LineOut,
    errors=(403, 404, 409),
)
def patch_line(body: LinePatch, line_id: int) -> tuple[Response, int]:
    actor = _actor()
    line = rka.update_line(
        g.db,
        rka.get_line(g.db, line_id, actor),
        actor=actor,
        catalogue_item_id=body.catalogue_item_id,
        account_code=body.account_code,
        factors=_factors(body.factors, body.coefficient),
        unit_price=body.unit_price,
        description=body.description,
        override_reason=body.override_reason,
    )
    return _json(line_out(line, catalogue.get_item(g.db, line.catalogue_item_id)))


@spec.route("DELETE", "/lines/<id:line_id>", "Delete a line", status=204, errors=(403, 404, 409))
def delete_line(line_id: int) -> tuple[str, int]:
    actor = _actor()
    rka.delete_line(g.db, rka.get_line(g.db, line_id, actor), actor=actor)
    return "", 204


# --------------------------------------------------------------------------- review


@spec.route(
    "POST",
    "/sub-activities/<id:sub_activity_id>/review",
    "Submit (OPD head), return with notes (TAPD), lock or reopen (TAPD chair)",
    body=ReviewIn,
    response=SubActivityDetail,
    errors=(403, 404, 409),
)
def review_sub_activity(body: ReviewIn, sub_activity_id: int) -> tuple[Response, int]:
    actor = _actor()
    sub = review.transition(g.db, sub_activity_id, body.action, note=body.note, actor=actor)
    return _json(_detail(sub, actor))


@spec.route(
    "POST",
    "/years/<year:year>/opds/<id:org_unit_id>/review",
    "Submit or lock every sub-activity of an OPD",
    body=OpdReviewIn,
    response=ReviewResult,
    errors=(403, 404, 409),
)
def review_opd(body: OpdReviewIn, year: int, org_unit_id: int) -> tuple[Response, int]:
    actor = _actor()
    fiscal_year = years.get_year(g.db, year)
    subs = review.transition_opd(
        g.db, fiscal_year, org_unit_id, body.action, note=body.note, actor=actor
    )
    return _json(
        ReviewResult.model_validate({"sub_activities": [sub_out(s, year=year) for s in subs]})
    )


@spec.route(
    "GET",
    "/sub-activities/<id:sub_activity_id>/reviews",
    "The review history, newest first",
    errors=(404,),
)
def list_reviews(sub_activity_id: int) -> Response:
    sub = rka.get_sub_activity(g.db, sub_activity_id, _actor())
    return jsonify(
        reviews=[event_out(e).model_dump(mode="json") for e in review.history(g.db, sub)]
    )


@spec.route(
    "GET",
    "/years/<year:year>/notes",
    "TAPD's notes on plans returned to the caller's OPDs",
    response=NoteList,
    errors=(404,),
)
def list_notes(year: int) -> tuple[Response, int]:
    actor = _actor()
    fiscal_year = years.get_year(g.db, year)
    notes = review.open_notes(g.db, fiscal_year, actor)
    return _json(
        NoteList(
            notes=[
                NoteOut(
                    sub_activity_id=sub.id,
                    sub_kegiatan_code=sub.sub_kegiatan_code,
                    org_unit_id=sub.org_unit_id,
                    note=event.note,
                    actor=event.actor,
                    at=event.at,
                )
                for sub, event in notes
            ]
        )
    )


# --------------------------------------------------------------------------- stages


def _stage_list(fiscal_year: FiscalYear) -> StageList:
    return StageList(
        year=year_out(fiscal_year),
        snapshots=[snapshot_out(s) for s in stages.snapshots(g.db, fiscal_year)],
    )


@spec.route(
    "GET",
    "/years/<year:year>/stages",
    "Snapshots taken (RKA, APBD, DPA, RKA-P, DPPA)",
    response=StageList,
    errors=(404,),
)
def list_stages(year: int) -> tuple[Response, int]:
    _actor()
    return _json(_stage_list(years.get_year(g.db, year)))


@spec.route(
    "POST",
    "/years/<year:year>/stages",
    "Take the next stage snapshot (TAPD chair)",
    body=StageIn,
    response=StageList,
    status=201,
    errors=(403, 404, 409),
)
def take_stage(body: StageIn, year: int) -> tuple[Response, int]:
    actor = _actor()
    fiscal_year = years.get_year(g.db, year)
    stages.take_snapshot(g.db, fiscal_year, body.stage, actor=actor)
    return _json(_stage_list(fiscal_year), 201)


@spec.route(
    "POST",
    "/years/<year:year>/revision",
    "Open the mid-year revision, RKA-P (TAPD chair)",
    response=StageList,
    errors=(403, 404, 409),
)
def open_revision(year: int) -> tuple[Response, int]:
    actor = _actor()
    fiscal_year = years.get_year(g.db, year)
    stages.open_revision(g.db, fiscal_year, actor=actor)
    return _json(_stage_list(fiscal_year))


def _values(values: stages.LineValues | None) -> LineValuesOut | None:
    if values is None:
        return None
    return LineValuesOut(
        account_code=values.account_code,
        description=values.description,
        coefficient=values.coefficient,
        volume=values.volume,
        unit=values.unit,
        unit_price=values.unit_price,
        amount=values.amount,
    )


@spec.route(
    "GET",
    "/years/<year:year>/diff",
    "What changed between two stages (?from=dpa&to=dppa, optional &org_unit_id=)",
    response=DiffOut,
    errors=(404,),
)
def stage_diff(year: int) -> tuple[Response, int]:
    actor = _actor()
    fiscal_year = years.get_year(g.db, year)
    change = stages.diff(
        g.db,
        fiscal_year,
        request.args.get("from", "rka"),
        request.args.get("to", "apbd"),
        actor=actor,
        org_unit_id=query_int("org_unit_id"),
    )
    return _json(
        DiffOut(
            from_stage=change.from_stage,
            to_stage=change.to_stage,
            total_before=change.total_before,
            total_after=change.total_after,
            delta=change.delta,
            sub_activities=[
                SubActivityChangeOut(
                    sub_activity_id=s.sub_activity_id,
                    org_unit_id=s.org_unit_id,
                    sub_kegiatan_code=s.sub_kegiatan_code,
                    name=s.name,
                    before=s.before,
                    after=s.after,
                    delta=s.delta,
                )
                for s in change.sub_activities
            ],
            lines=[
                LineChangeOut(
                    kind=c.kind,
                    line_id=c.line_id,
                    sub_activity_id=c.sub_activity_id,
                    sub_kegiatan_code=c.sub_kegiatan_code,
                    before=_values(c.before),
                    after=_values(c.after),
                    delta=c.delta,
                )
                for c in change.lines
            ],
            lines_truncated=change.lines_truncated,
        )
    )


@spec.route(
    "GET",
    "/years/<year:year>/sipd",
    "The adopted budget (DPPA, else DPA, else APBD) in the shape SIPD takes",
    errors=(404, 409),
)
def sipd_export(year: int) -> Response:
    actor = _actor()
    tenant = current_tenant()
    return jsonify(
        sipd.approved_budget(
            g.db,
            years.get_year(g.db, year),
            region_code=tenant.region_code,
            region_name=tenant.name,
            actor=actor,
        )
    )


# --------------------------------------------------------------------------- catalogue


@spec.route(
    "GET",
    "/catalogue",
    "Search the price catalogue (?year=&q=&kind=&account=&pending=1)",
    response=CatalogueList,
)
def search_catalogue() -> tuple[Response, int]:
    _actor()
    year = query_year()
    if year is None:
        raise InvalidInput("say which year's prices (?year=2026)", {"year": "required"})
    if request.args.get("pending") == "1":
        items = catalogue.pending(g.db)
    else:
        items = catalogue.search(
            g.db,
            year,
            q=request.args.get("q", ""),
            kind=request.args.get("kind") or None,
            account_code=request.args.get("account") or None,
            limit=query_int("limit", 50, low=1, high=500) or 50,
        )
    return _json(CatalogueList(items=[item_out(i) for i in items]))


@spec.route(
    "POST",
    "/catalogue",
    "Propose a local item (TAPD approves it before use)",
    body=CatalogueProposal,
    response=CatalogueItemOut,
    status=201,
    errors=(403, 409),
)
def propose_item(body: CatalogueProposal) -> tuple[Response, int]:
    item = catalogue.propose_item(
        g.db,
        year=body.year,
        kind=body.kind,
        name=body.name,
        specification=body.specification,
        unit=body.unit,
        max_price=body.max_price,
        account_codes=body.account_codes,
        actor=_actor(),
    )
    return _json(item_out(item), 201)


@spec.route(
    "POST",
    "/catalogue/<id:item_id>/decision",
    "Approve or reject a proposed item (TAPD)",
    body=CatalogueDecision,
    response=CatalogueItemOut,
    errors=(403, 404, 409),
)
def decide_item(body: CatalogueDecision, item_id: int) -> tuple[Response, int]:
    actor = _actor()
    item = catalogue.decide_item(
        g.db,
        catalogue.get_item(g.db, item_id),
        approve=body.approve,
        note=body.note,
        actor=actor,
    )
    return _json(item_out(item))


# --------------------------------------------------------------------------- realization


def _cash_plan(sub: SubActivity) -> CashPlanOut:
    fiscal_year = g.db.get(FiscalYear, sub.fiscal_year_id)
    basis = realization.cash_plan_basis(g.db, fiscal_year)
    return CashPlanOut(
        sub_activity_id=sub.id,
        amounts=realization.cash_plan_of(g.db, sub.id),
        basis_stage=basis.stage if basis else None,
        basis_amount=realization.snapshot_amount(g.db, basis, sub.id) if basis else None,
    )


@spec.route(
    "GET",
    "/sub-activities/<id:sub_activity_id>/cash-plan",
    "The monthly cash plan (anggaran kas) and the amount it must add up to",
    response=CashPlanOut,
    errors=(404,),
)
def get_cash_plan(sub_activity_id: int) -> tuple[Response, int]:
    return _json(_cash_plan(rka.get_sub_activity(g.db, sub_activity_id, _actor())))


@spec.route(
    "PUT",
    "/sub-activities/<id:sub_activity_id>/cash-plan",
    "Set the twelve monthly amounts (they must add up to the adopted budget)",
    body=CashPlanIn,
    response=CashPlanOut,
    errors=(403, 404, 409),
)
def put_cash_plan(body: CashPlanIn, sub_activity_id: int) -> tuple[Response, int]:
    actor = _actor()
    realization.set_cash_plan(g.db, sub_activity_id, body.amounts, actor=actor)
    return _json(_cash_plan(rka.get_sub_activity(g.db, sub_activity_id, actor)))


def payment_out(payment: Any, sub: SubActivity) -> PaymentOut:
    return PaymentOut(
        id=payment.id,
        sp2d_number=payment.sp2d_number,
        paid_on=payment.paid_on,
        sub_activity_id=sub.id,
        sub_kegiatan_code=sub.sub_kegiatan_code,
        org_unit_id=sub.org_unit_id,
        account_code=payment.account_code,
        amount=payment.amount,
        description=payment.description,
    )


@spec.route(
    "GET",
    "/years/<year:year>/payments",
    "Recent SP2D payments (?limit=, at most 1000)",
    response=PaymentList,
    errors=(404,),
)
def list_payments(year: int) -> tuple[Response, int]:
    actor = _actor()
    fiscal_year = years.get_year(g.db, year)
    limit = query_int("limit", 200, low=1, high=1000) or 200
    rows = realization.payments(g.db, fiscal_year, actor, limit=limit)
    return _json(PaymentList(payments=[payment_out(p, s) for p, s in rows]))


@spec.route(
    "POST",
    "/years/<year:year>/payments",
    "Record one SP2D payment against a DPA line",
    body=PaymentIn,
    response=PaymentOut,
    status=201,
    errors=(403, 404, 409),
)
def create_payment(body: PaymentIn, year: int) -> tuple[Response, int]:
    actor = _actor()
    fiscal_year = years.get_year(g.db, year)
    payment = realization.record_payment(
        g.db,
        fiscal_year,
        sp2d_number=body.sp2d_number,
        paid_on=body.paid_on,
        sub_activity_id=body.sub_activity_id,
        account_code=body.account_code,
        amount=body.amount,
        description=body.description,
        actor=actor,
    )
    return _json(payment_out(payment, rka.get_sub_activity(g.db, body.sub_activity_id, actor)), 201)


@spec.route(
    "POST",
    "/years/<year:year>/payments/import",
    "Import SP2D payments: multipart/form-data with a CSV or XLSX 'file' (all rows or none)",
    response=ImportOut,
    status=201,
    errors=(403, 404, 409, 422),
)
def import_payments(year: int) -> tuple[Response, int]:
    actor = _actor()
    fiscal_year = years.get_year(g.db, year)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("send the payment file as the form field 'file'", {"file": "required"})
    data = upload.read(realization.MAX_IMPORT_BYTES + 1)
    try:
        result = realization.import_payments(g.db, fiscal_year, upload.filename, data, actor=actor)
    except realization.ImportRejected as exc:
        response = jsonify(
            error={
                "code": exc.code,
                "message": exc.message,
                "fields": exc.fields,
                "problems": [p.as_dict() for p in exc.problems],
            }
        )
        return response, exc.status
    return _json(ImportOut(import_id=result.import_id, rows=result.rows, total=result.total), 201)


@spec.route(
    "GET",
    "/years/<year:year>/realization",
    "Realization against the DPA per OPD, program and month (?org_unit_id=)",
    response=RealizationOut,
    errors=(404,),
)
def get_realization(year: int) -> tuple[Response, int]:
    actor = _actor()
    fiscal_year = years.get_year(g.db, year)
    unit = query_int("org_unit_id")
    basis = stages.execution_snapshot(g.db, fiscal_year)

    def rows(items: list[realization.RealizationRow]) -> list[RealizationRowOut]:
        return [
            RealizationRowOut(
                code=r.code, name=r.name, budget=r.budget, realized=r.realized, percent=r.percent
            )
            for r in items
        ]

    opd_rows = realization.by_opd(g.db, fiscal_year, actor)
    if unit is not None:
        actor.require_unit(unit)
        codes = {u.code for u in ceilings.list_opds(g.db) if u.id == unit}
        opd_rows = [r for r in opd_rows if r.code in codes]
    return _json(
        RealizationOut(
            year=year,
            basis_stage=basis.stage if basis else None,
            by_opd=rows(opd_rows),
            by_program=rows(realization.by_program(g.db, fiscal_year, actor, unit)),
            by_month=[
                MonthOut(
                    month=m.month,
                    planned=m.planned,
                    realized=m.realized,
                    planned_cumulative=m.planned_cumulative,
                    realized_cumulative=m.realized_cumulative,
                )
                for m in realization.by_month(g.db, fiscal_year, actor, unit)
            ],
        )
    )


# --------------------------------------------------------------------------- members


def _members() -> MemberList:
    return MemberList(
        members=[
            MemberOut(
                user_id=user.id,
                email=user.email,
                name=user.name,
                roles=sorted(user.roles),
                org_unit_ids=units,
            )
            for user, units in members.members(g.db)
        ]
    )


@spec.route(
    "GET",
    "/members",
    "Users of e-budgeting and the OPDs they act for",
    access=access.permission(VIEW, USERS_MANAGE, MEMBERS),
    response=MemberList,
)
def list_members() -> tuple[Response, int]:
    return _json(_members())


@spec.route(
    "PUT",
    "/members",
    "Set the OPDs a user acts for (admin or TAPD chair)",
    access=MEMBER_MANAGERS,
    body=MemberIn,
    response=MemberList,
    errors=(403, 404),
)
def put_member(body: MemberIn) -> tuple[Response, int]:
    members.set_units(g.db, body.user_id, body.org_unit_ids, actor=_actor())
    return _json(_members())
