"""``<tenant>/api/v1/sakip``: plans, indicators, the tree, agreements, realization, scores.

Every operation is declared once with ``ApiSpec`` (route, access rule, body and
OpenAPI entry); views build the :class:`~tenants.sakip.access.Actor` and call a
service; the request boundary commits. Refusals are the services' errors.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, g, jsonify
from pydantic import BaseModel
from smartcity.toolkit import (
    ApiSpec,
    InvalidInput,
    NotFound,
    access,
    capability,
    query_int,
    query_year,
    require_user,
    tenant_settings,
    translate,
)
from sqlalchemy import select

from . import agreements, evaluation, lkjip, planning, realization, sources
from .access import VIEW, Actor, actor_for
from .capaian import Achievement
from .messages import M
from .models import Agreement, Element, Evaluation, LkeCriterion, LkeVersion, Plan
from .planning import IndicatorIn
from .planning import TargetIn as PlanTarget
from .schemas import (
    SakipAchievementOut,
    SakipAgreementCreate,
    SakipAgreementOut,
    SakipAgreementTargetIn,
    SakipAgreementTargetOut,
    SakipBudgetIn,
    SakipBudgetOut,
    SakipBudgetSources,
    SakipCarried,
    SakipComponentOut,
    SakipCriterionOut,
    SakipElementCreate,
    SakipElementOut,
    SakipEvaluationCreate,
    SakipEvaluationOut,
    SakipEvaluatorAnswerIn,
    SakipGapOut,
    SakipIndicatorCreate,
    SakipIndicatorOut,
    SakipLinkIn,
    SakipLinkOut,
    SakipLinksOut,
    SakipMeasureOut,
    SakipMonthIn,
    SakipNarrativeIn,
    SakipNarrativeList,
    SakipOfferOut,
    SakipPlanCreate,
    SakipPlanDetail,
    SakipPlanList,
    SakipPlanOut,
    SakipRealizationIn,
    SakipRealizationOut,
    SakipReason,
    SakipReviewIn,
    SakipScoreList,
    SakipScoreOut,
    SakipSelfAnswerIn,
    SakipServiceChoice,
    SakipSettingsIO,
    SakipSignIn,
    SakipSourceRef,
    SakipSubActivityOut,
    SakipTakeIn,
    SakipTargetOut,
    SakipTransitionIn,
    SakipTreeChild,
    SakipTreeNodeOut,
    SakipTreeOut,
    SakipWarningOut,
)

blueprint = Blueprint("sakip_api", __name__)
spec = ApiSpec("SAKIP API", blueprint, default_access=access.permission(VIEW))
CAPABILITY = "ebudgeting.sub_activities"


def api() -> Blueprint:
    return blueprint


def _actor() -> Actor:
    return actor_for(g.db, require_user())


def _json(model: BaseModel, status: int = 200) -> tuple[Response, int]:
    return jsonify(model.model_dump(mode="json")), status


def sub_activities() -> Any:
    """e-Budgeting's sub kegiatan reader for this regency, or None when it is not enabled."""
    return capability("sakip", CAPABILITY)


# --------------------------------------------------------------------------- converters


def plan_out(plan: Plan) -> SakipPlanOut:
    return SakipPlanOut(
        id=plan.id,
        kind=plan.kind,
        org_unit_id=plan.org_unit_id,
        start_year=plan.start_year,
        end_year=plan.end_year,
        year=plan.year,
        title=plan.title,
        version=plan.version,
        status=plan.status,
        change_reason=plan.change_reason,
    )


def plan_detail(plan: Plan) -> SakipPlanDetail:
    indicators = planning.indicators_of(g.db, plan)
    targets = planning.targets_of(g.db, [i.id for i in indicators])
    by_element: dict[int, list[SakipIndicatorOut]] = {}
    for i in indicators:
        by_element.setdefault(i.element_id, []).append(
            SakipIndicatorOut(
                id=i.id,
                lineage=i.lineage or i.id,
                element_id=i.element_id,
                name=i.name,
                unit=i.unit,
                baseline=i.baseline,
                polarity=i.polarity,
                aggregation=i.aggregation,
                data_source=i.data_source,
                formula_text=i.formula_text,
                owner=i.owner,
                iku_regency=i.iku_regency,
                iku_opd=i.iku_opd,
                targets=[
                    SakipTargetOut(year=t.year, value=t.value, upper=t.upper)
                    for t in sorted(targets.get(i.id, {}).values(), key=lambda t: t.year)
                ],
            )
        )
    return SakipPlanDetail(
        **plan_out(plan).model_dump(),
        elements=[
            SakipElementOut(
                id=e.id,
                lineage=e.lineage or e.id,
                kind=e.kind,
                code=e.code,
                statement=e.statement,
                parent_id=e.parent_id,
                serves_lineage=e.serves_lineage,
                indicators=by_element.get(e.id, []),
            )
            for e in planning.elements(g.db, plan)
        ],
        versions=[plan_out(v) for v in planning.versions(g.db, plan)],
    )


def achievement_out(a: Achievement) -> SakipAchievementOut:
    return SakipAchievementOut(
        percent=a.percent,
        formula=a.formula,
        target=a.target,
        realization=a.realization,
        capped=a.capped,
        reason=a.reason,
    )


def agreement_out(agreement: Agreement) -> SakipAgreementOut:
    rows = agreements.targets(g.db, agreement)
    money = agreements.budgets(g.db, [t.id for t in rows])
    out = []
    for t in rows:
        ind = planning.indicator_by_lineage(g.db, agreement.org_unit_id, t.indicator_lineage)
        out.append(
            SakipAgreementTargetOut(
                id=t.id,
                indicator_lineage=t.indicator_lineage,
                indicator=ind.name if ind else None,
                unit=ind.unit if ind else None,
                year_target=t.year_target,
                upper=t.upper,
                quarters=t.quarters,
                budgets=[
                    SakipBudgetOut(
                        id=b.id,
                        source=b.source,
                        sub_activity_id=b.sub_activity_id,
                        code=b.code,
                        name=b.name,
                        amount=b.amount,
                    )
                    for b in money.get(t.id, [])
                ],
            )
        )
    return SakipAgreementOut(
        id=agreement.id,
        org_unit_id=agreement.org_unit_id,
        year=agreement.year,
        level=agreement.level,
        revision=agreement.revision,
        status=agreement.status,
        official_name=agreement.official_name,
        official_position=agreement.official_position,
        superior_name=agreement.superior_name,
        superior_position=agreement.superior_position,
        supersedes_id=agreement.supersedes_id,
        reason=agreement.reason,
        signed_on=agreement.signed_on,
        targets=out,
    )


# --------------------------------------------------------------------------- plans


@spec.route(
    "GET", "/plans", "Plans (RPJMD, Renstra, Renja) the caller may see", response=SakipPlanList
)
def list_plans() -> tuple[Response, int]:
    actor = _actor()
    query = select(Plan).order_by(
        Plan.kind, Plan.org_unit_id, Plan.start_year, Plan.year, Plan.version
    )
    unit = query_int("org_unit_id")
    if unit is not None:
        query = query.where(Plan.org_unit_id == unit)
    plans = [
        p for p in g.db.scalars(query) if p.org_unit_id is None or actor.sees_unit(p.org_unit_id)
    ]
    return _json(SakipPlanList(plans=[plan_out(p) for p in plans]))


@spec.route(
    "POST",
    "/plans",
    "Start a plan (first draft)",
    body=SakipPlanCreate,
    response=SakipPlanDetail,
    status=201,
    errors=(403, 409),
)
def create_plan(body: SakipPlanCreate) -> tuple[Response, int]:
    plan = planning.create_plan(
        g.db,
        _actor(),
        kind=body.kind,
        org_unit_id=body.org_unit_id,
        start_year=body.start_year,
        year=body.year,
        title=body.title,
        vision=body.vision,
    )
    return _json(plan_detail(plan), 201)


@spec.route(
    "GET",
    "/plans/<id:plan_id>",
    "A plan version with its elements, indicators and targets",
    response=SakipPlanDetail,
    errors=(404,),
)
def get_plan(plan_id: int) -> tuple[Response, int]:
    return _json(plan_detail(planning.get_plan(g.db, _actor(), plan_id)))


@spec.route(
    "POST",
    "/plans/<id:plan_id>/elements",
    "Add a misi, tujuan, sasaran, program or kegiatan",
    body=SakipElementCreate,
    response=SakipPlanDetail,
    status=201,
    errors=(403, 404, 409),
)
def add_element(body: SakipElementCreate, plan_id: int) -> tuple[Response, int]:
    actor = _actor()
    plan = planning.get_plan(g.db, actor, plan_id)
    planning.add_element(
        g.db,
        actor,
        plan,
        kind=body.kind,
        statement=body.statement,
        code=body.code,
        parent_id=body.parent_id,
        serves_lineage=body.serves_lineage,
    )
    return _json(plan_detail(plan), 201)


@spec.route(
    "POST",
    "/elements/<id:element_id>/indicators",
    "Add an indicator with its yearly targets",
    body=SakipIndicatorCreate,
    response=SakipPlanDetail,
    status=201,
    errors=(403, 404, 409),
)
def add_indicator(body: SakipIndicatorCreate, element_id: int) -> tuple[Response, int]:
    actor = _actor()
    element = g.db.get(Element, element_id)
    if element is None:
        raise NotFound(M("no such element"))
    plan = planning.get_plan(g.db, actor, element.plan_id)
    data = IndicatorIn(
        **body.model_dump(exclude={"targets"}),
        targets=[PlanTarget(t.year, t.value, t.upper) for t in body.targets],
    )
    planning.add_indicator(g.db, actor, element, data)
    return _json(plan_detail(plan), 201)


@spec.route(
    "POST",
    "/plans/<id:plan_id>/approve",
    "Approve a draft plan (supersedes the old version)",
    response=SakipPlanDetail,
    errors=(403, 404, 409),
)
def approve_plan(plan_id: int) -> tuple[Response, int]:
    actor = _actor()
    plan = planning.approve(g.db, actor, planning.get_plan(g.db, actor, plan_id))
    return _json(plan_detail(plan))


@spec.route(
    "POST",
    "/plans/<id:plan_id>/revise",
    "Open a new version of an approved plan",
    body=SakipReason,
    response=SakipPlanDetail,
    status=201,
    errors=(403, 404, 409),
)
def revise_plan(body: SakipReason, plan_id: int) -> tuple[Response, int]:
    actor = _actor()
    plan = planning.revise(g.db, actor, planning.get_plan(g.db, actor, plan_id), body.reason)
    return _json(plan_detail(plan), 201)


@spec.route(
    "GET",
    "/tree",
    "The pohon kinerja: the regency's targets and the OPD targets serving them",
    response=SakipTreeOut,
    errors=(422,),
)
def get_tree() -> tuple[Response, int]:
    _actor()
    start = query_year("start_year")
    if start is None:
        raise InvalidInput(M("give the RPJMD's first year"), {"start_year": M("required")})
    nodes = [
        SakipTreeNodeOut(
            element_id=n.element.id,
            lineage=n.element.lineage or n.element.id,
            kind=n.element.kind,
            statement=n.element.statement,
            indicators=[i.name for i in n.indicators],
            crosscutting=n.crosscutting,
            served_by=[
                SakipTreeChild(
                    element_id=c.element.id,
                    org_unit_id=c.org_unit_id,
                    statement=c.element.statement,
                    indicators=[i.name for i in c.indicators],
                )
                for c in n.children
            ],
        )
        for n in planning.tree(g.db, start)
    ]
    return _json(SakipTreeOut(start_year=start, nodes=nodes))


# --------------------------------------------------------------------------- agreements


@spec.route(
    "POST",
    "/agreements",
    "Prepare a performance agreement (PK)",
    body=SakipAgreementCreate,
    response=SakipAgreementOut,
    status=201,
    errors=(403, 409),
)
def create_agreement(body: SakipAgreementCreate) -> tuple[Response, int]:
    agreement = agreements.create(
        g.db,
        _actor(),
        org_unit_id=body.org_unit_id,
        year=body.year,
        level=body.level,
        official=agreements.Official(body.official.name, body.official.position, body.official.nip),
        superior=agreements.Official(body.superior.name, body.superior.position, body.superior.nip),
        place=body.place,
    )
    return _json(agreement_out(agreement), 201)


@spec.route(
    "GET",
    "/agreements/<id:agreement_id>",
    "A PK with its targets and budget",
    response=SakipAgreementOut,
    errors=(404,),
)
def get_agreement(agreement_id: int) -> tuple[Response, int]:
    return _json(agreement_out(agreements.get(g.db, _actor(), agreement_id)))


@spec.route(
    "PUT",
    "/agreements/<id:agreement_id>/targets",
    "Set a target (yearly and quarterly)",
    body=SakipAgreementTargetIn,
    response=SakipAgreementOut,
    errors=(403, 404, 409),
)
def set_agreement_target(body: SakipAgreementTargetIn, agreement_id: int) -> tuple[Response, int]:
    actor = _actor()
    agreement = agreements.get(g.db, actor, agreement_id)
    agreements.set_target(
        g.db,
        actor,
        agreement,
        indicator_lineage=body.indicator_lineage,
        year_target=body.year_target,
        quarters=body.quarters,
        upper=body.upper,
    )
    return _json(agreement_out(agreement))


@spec.route(
    "POST",
    "/agreements/<id:agreement_id>/targets/<id:target_id>/budgets",
    "Put a sub kegiatan's budget behind a target (from e-Budgeting when enabled)",
    body=SakipBudgetIn,
    response=SakipAgreementOut,
    status=201,
    errors=(403, 404, 409),
)
def add_agreement_budget(
    body: SakipBudgetIn, agreement_id: int, target_id: int
) -> tuple[Response, int]:
    actor = _actor()
    agreement = agreements.get(g.db, actor, agreement_id)
    target = next((t for t in agreements.targets(g.db, agreement) if t.id == target_id), None)
    if target is None:
        raise InvalidInput(M("no such target in this agreement"), {"target_id": M("unknown")})
    agreements.add_budget(
        g.db,
        actor,
        target,
        sub_activities=sub_activities(),
        sub_activity_id=body.sub_activity_id,
        code=body.code,
        name=body.name,
        amount=body.amount,
    )
    return _json(agreement_out(agreement), 201)


@spec.route(
    "POST",
    "/agreements/<id:agreement_id>/sign",
    "Sign the PK (then it is locked)",
    body=SakipSignIn,
    response=SakipAgreementOut,
    errors=(403, 404, 409),
)
def sign_agreement(body: SakipSignIn, agreement_id: int) -> tuple[Response, int]:
    actor = _actor()
    agreement = agreements.sign(
        g.db, actor, agreements.get(g.db, actor, agreement_id), body.signed_on
    )
    return _json(agreement_out(agreement))


@spec.route(
    "POST",
    "/agreements/<id:agreement_id>/revise",
    "Open a PK Perubahan (the signed PK stays)",
    body=SakipReason,
    response=SakipAgreementOut,
    status=201,
    errors=(403, 404, 409),
)
def revise_agreement(body: SakipReason, agreement_id: int) -> tuple[Response, int]:
    actor = _actor()
    new = agreements.revise(g.db, actor, agreements.get(g.db, actor, agreement_id), body.reason)
    return _json(agreement_out(new), 201)


@spec.route(
    "GET",
    "/budget-sources",
    "e-Budgeting's sub kegiatan of an OPD and year, if enabled",
    response=SakipBudgetSources,
    errors=(403, 422),
)
def budget_sources() -> tuple[Response, int]:
    actor = _actor()
    year, unit = query_year(), query_int("org_unit_id")
    if year is None or unit is None:
        raise InvalidInput(
            M("give the year and the OPD"), {"year": M("required"), "org_unit_id": M("required")}
        )
    actor.require_unit(unit)
    reader = sub_activities()
    if reader is None:
        return _json(SakipBudgetSources(ebudgeting=False, sub_activities=[]))
    rows = reader(year=year, org_unit_id=unit)
    return _json(
        SakipBudgetSources(
            ebudgeting=True,
            sub_activities=[
                SakipSubActivityOut(
                    sub_activity_id=r.sub_activity_id,
                    code=r.code,
                    name=r.name,
                    budget=r.budget,
                    realization=r.realization,
                )
                for r in rows
            ],
        )
    )


# --------------------------------------------------------------------------- realization


def realization_out(row: Any) -> SakipRealizationOut:
    return SakipRealizationOut(
        id=row.id,
        org_unit_id=row.org_unit_id,
        indicator_lineage=row.indicator_lineage,
        year=row.year,
        quarter=row.quarter,
        value=row.value,
        note=row.note,
        status=row.status,
        review_note=row.review_note,
        source=SakipSourceRef.model_validate(row.source) if row.source else None,
    )


@spec.route(
    "PUT",
    "/realizations",
    "Enter a quarter's figure for an indicator of the signed PK",
    body=SakipRealizationIn,
    response=SakipRealizationOut,
    errors=(403, 409),
)
def enter_realization(body: SakipRealizationIn) -> tuple[Response, int]:
    row = realization.enter(
        g.db,
        _actor(),
        org_unit_id=body.org_unit_id,
        indicator_lineage=body.indicator_lineage,
        year=body.year,
        quarter=body.quarter,
        value=body.value,
        note=body.note,
        today=datetime.now(ZoneInfo(tenant_settings(g.db).timezone)).date(),
    )
    return _json(realization_out(row))


@spec.route(
    "PUT",
    "/realizations/months",
    "Enter a month's figure (regencies reporting monthly); answers the quarter it rolls up into",
    body=SakipMonthIn,
    response=SakipRealizationOut,
    errors=(403, 409),
)
def enter_month(body: SakipMonthIn) -> tuple[Response, int]:
    row = realization.enter_month(
        g.db,
        _actor(),
        org_unit_id=body.org_unit_id,
        indicator_lineage=body.indicator_lineage,
        year=body.year,
        month=body.month,
        value=body.value,
        note=body.note,
        today=datetime.now(ZoneInfo(tenant_settings(g.db).timezone)).date(),
    )
    return _json(realization_out(row))


# --------------------------------------------------------------------------- sources


def pelayanan() -> Any:
    """Public services' figures for this regency, or None when it is not enabled."""
    return capability("sakip", sources.CAPABILITY)


def _today() -> Any:
    return datetime.now(ZoneInfo(tenant_settings(g.db).timezone)).date()


def link_out(view: sources.LinkView) -> SakipLinkOut:
    found = view.link
    return SakipLinkOut(
        id=found.id,
        org_unit_id=found.org_unit_id,
        indicator_lineage=found.indicator_lineage,
        measure=found.measure,
        service_id=found.service_id,
        label=found.label,
        available=view.available,
        found=view.found,
        offers=[
            SakipOfferOut(period=o.period, key=o.key, value=o.value) for o in view.offers.values()
        ],
    )


@spec.route(
    "GET",
    "/indicator-links",
    "An OPD's indicators linked to Pelayanan Publik, with the figures it gives per quarter "
    "(?org_unit_id=, ?year=: this year by default); what may be linked",
    response=SakipLinksOut,
    errors=(403, 422),
)
def get_links() -> tuple[Response, int]:
    actor = _actor()
    unit, year = query_int("org_unit_id"), query_year() or _today().year
    if unit is None:
        raise InvalidInput(M("give the OPD"), {"org_unit_id": M("required")})
    actor.require_unit(unit)
    provide = pelayanan()
    monthly = realization.settings(g.db).monthly_realization
    views = sources.views(
        g.db, provide, org_unit_id=unit, year=year, monthly=monthly, today=_today()
    )
    return _json(
        SakipLinksOut(
            pelayanan=provide is not None,
            org_unit_id=unit,
            year=year,
            measures=[
                SakipMeasureOut(key=key, label=translate(label), unit=translate(unit_name))
                for key, (label, unit_name) in sources.MEASURES.items()
            ],
            choices=[
                SakipServiceChoice(
                    service_id=r.service_id, name=r.name, promised_days=r.promised_days
                )
                for r in sources.choices(provide, unit, year)
            ],
            links=[link_out(v) for v in views.values()],
        )
    )


@spec.route(
    "PUT",
    "/indicator-links",
    "Link an OPD's indicator to a measure of the OPD or one of its services in Pelayanan "
    "Publik (replaces the indicator's link)",
    body=SakipLinkIn,
    response=SakipLinkOut,
    errors=(403, 409, 422),
)
def put_link(body: SakipLinkIn) -> tuple[Response, int]:
    provide = pelayanan()
    found = sources.link(
        g.db,
        _actor(),
        provide,
        org_unit_id=body.org_unit_id,
        indicator_lineage=body.indicator_lineage,
        measure=body.measure,
        service_id=body.service_id,
        today=_today(),
    )
    return _json(link_out(sources.LinkView(found, provide is not None)))


@spec.route(
    "DELETE",
    "/indicator-links/<id:link_id>",
    "Remove a link (figures taken from it stay, with their source)",
    status=204,
    errors=(403, 404),
)
def delete_link(link_id: int) -> tuple[str, int]:
    actor = _actor()
    sources.unlink(g.db, actor, sources.get(g.db, actor, link_id))
    return "", 204


@spec.route(
    "POST",
    "/realizations/take",
    "Enter the linked Pelayanan Publik figure as a quarter's (or month's) realization",
    body=SakipTakeIn,
    response=SakipRealizationOut,
    errors=(403, 404, 409, 422),
)
def take_realization(body: SakipTakeIn) -> tuple[Response, int]:
    row = sources.take(
        g.db,
        _actor(),
        pelayanan(),
        org_unit_id=body.org_unit_id,
        indicator_lineage=body.indicator_lineage,
        year=body.year,
        quarter=body.quarter,
        month=body.month,
        today=_today(),
    )
    return _json(realization_out(row))


@spec.route(
    "POST",
    "/realizations/<id:realization_id>/review",
    "Verify or return a figure (officer)",
    body=SakipReviewIn,
    response=SakipRealizationOut,
    errors=(403, 404, 409),
)
def review_realization(body: SakipReviewIn, realization_id: int) -> tuple[Response, int]:
    actor = _actor()
    row = realization.review(
        g.db,
        actor,
        realization.get(g.db, actor, realization_id),
        accept=body.accept,
        note=body.note,
    )
    return _json(realization_out(row))


@spec.route(
    "GET",
    "/scores",
    "Achievement of each PK target of an OPD and year, with its formula",
    response=SakipScoreList,
    errors=(403, 422),
)
def get_scores() -> tuple[Response, int]:
    actor = _actor()
    year, unit = query_year(), query_int("org_unit_id")
    through = query_int("through") or 4
    if year is None or unit is None or not 1 <= through <= 4:
        raise InvalidInput(
            M("give the year, the OPD and a quarter 1 to 4"),
            {"year": M("required"), "org_unit_id": M("required")},
        )
    actor.require_unit(unit)
    pk = agreements.in_force(g.db, unit, year)
    scores = [] if pk is None else realization.scores(g.db, pk, through)
    return _json(
        SakipScoreList(
            org_unit_id=unit,
            year=year,
            through=through,
            agreement_id=pk.id if pk else None,
            scores=[
                SakipScoreOut(
                    indicator_lineage=s.target.indicator_lineage,
                    indicator=s.indicator.name if s.indicator else None,
                    iku=realization.is_iku(s),
                    year_target=s.target.year_target,
                    quarters=s.target.quarters,
                    realizations=s.values,
                    to_date=achievement_out(s.to_date),
                    year=achievement_out(s.year),
                    band=s.band,
                )
                for s in scores
            ],
        )
    )


@spec.route(
    "GET",
    "/settings",
    "The regency's SAKIP rules (negative formula, cap, bands, cutoff)",
    response=SakipSettingsIO,
)
def get_settings() -> tuple[Response, int]:
    _actor()
    found = realization.settings(g.db)
    return _json(settings_out(found))


def settings_out(found: Any) -> SakipSettingsIO:
    return SakipSettingsIO(
        negative_formula=found.negative_formula,
        cap_percent=found.cap_percent,
        green_from=found.green_from,
        amber_from=found.amber_from,
        cutoff_days=found.cutoff_days,
        grade_bound_inclusive=found.grade_bound_inclusive,
        monthly_realization=found.monthly_realization,
    )


@spec.route(
    "PUT",
    "/settings",
    "Change the regency's SAKIP rules (SAKIP admin)",
    body=SakipSettingsIO,
    response=SakipSettingsIO,
    errors=(403,),
)
def put_settings(body: SakipSettingsIO) -> tuple[Response, int]:
    found = realization.update_settings(
        g.db,
        _actor(),
        negative_formula=body.negative_formula,
        cap_percent=body.cap_percent,
        green_from=body.green_from,
        amber_from=body.amber_from,
        cutoff_days=body.cutoff_days,
        grade_bound_inclusive=body.grade_bound_inclusive,
        monthly_realization=body.monthly_realization,
    )
    return _json(settings_out(found))


@spec.route(
    "PUT",
    "/narratives",
    "Write a chapter of the LKjIP (the officer's text)",
    body=SakipNarrativeIn,
    response=SakipNarrativeList,
    errors=(403,),
)
def put_narrative(body: SakipNarrativeIn) -> tuple[Response, int]:
    lkjip.set_narrative(
        g.db,
        _actor(),
        year=body.year,
        org_unit_id=body.org_unit_id,
        section=body.section,
        text=body.text,
    )
    texts = lkjip.narratives(g.db, body.year, body.org_unit_id)
    return _json(SakipNarrativeList(year=body.year, org_unit_id=body.org_unit_id, sections=texts))


@spec.route(
    "GET",
    "/narratives",
    "The LKjIP chapters written for a year (and OPD)",
    response=SakipNarrativeList,
    errors=(403, 422),
)
def get_narratives() -> tuple[Response, int]:
    actor = _actor()
    year, unit = query_year(), query_int("org_unit_id")
    if year is None:
        raise InvalidInput(M("give the year"), {"year": M("required")})
    if unit is not None:
        actor.require_unit(unit)
    texts = lkjip.narratives(g.db, year, unit)
    return _json(SakipNarrativeList(year=year, org_unit_id=unit, sections=texts))


# --------------------------------------------------------------------------- evaluation


def evaluation_out(found: Evaluation) -> SakipEvaluationOut:
    result = evaluation.score(g.db, found)
    components, subs, criteria = evaluation.structure(g.db, found)
    given = evaluation.answers(g.db, found)
    per_sub: dict[int, list[LkeCriterion]] = {}
    for criterion in criteria:
        per_sub.setdefault(criterion.component_id, []).append(criterion)
    last = evaluation.previous(g.db, found)
    last_score = evaluation.score(g.db, last) if last is not None else None
    version = g.db.get(LkeVersion, found.version_id)

    def criterion_out(c: LkeCriterion, weight: Decimal) -> SakipCriterionOut:
        a = given.get(c.id)
        return SakipCriterionOut(
            id=c.id,
            code=c.code,
            question=c.question,
            answer_type=c.answer_type,
            evidence_hint=c.evidence_hint,
            weight=weight.quantize(Decimal("0.001")),
            self_answer=a.self_answer if a else None,
            evidence=a.evidence if a else "",
            carried_over=a.carried_over if a else False,
            self_note=a.self_note if a else "",
            evaluator_answer=a.evaluator_answer if a else None,
            evaluator_note=a.evaluator_note if a else "",
        )

    out = []
    for component in components:
        mine, theirs = result.by_component.get(component.id, (Decimal(0), Decimal(0)))
        items = [
            criterion_out(c, s.weight / len(per_sub[s.id]))
            for s in subs
            if s.parent_id == component.id
            for c in per_sub.get(s.id, [])
        ]
        out.append(
            SakipComponentOut(
                id=component.id,
                code=component.code,
                name=component.name,
                weight=component.weight,
                self_score=mine,
                evaluator_score=theirs,
                criteria=items,
            )
        )
    return SakipEvaluationOut(
        id=found.id,
        year=found.year,
        org_unit_id=found.org_unit_id or None,
        status=found.status,
        version=version.name if version else "",
        self_score=result.self_total,
        evaluator_score=result.evaluator_total,
        grade=result.grade,
        last_year_score=(last_score.evaluator_total if last_score else None),
        last_year_grade=(last_score.grade if last_score else None),
        components=out,
        what_moves_the_grade=[
            SakipGapOut(
                criterion_id=gap.criterion.id,
                code=gap.criterion.code,
                question=gap.criterion.question,
                evidence_hint=gap.criterion.evidence_hint,
                gain=gap.gain.quantize(Decimal("0.001")),
            )
            for gap in result.gaps[:10]
        ],
        warnings=[
            SakipWarningOut(
                criterion_id=w.criterion.id,
                code=w.criterion.code,
                side="self" if w.side == "self" else "evaluator",
                message=translate(w.message),
            )
            for w in evaluation.consistency(g.db, found)
        ],
    )


@spec.route(
    "POST",
    "/evaluations",
    "Open a year's evaluation worksheet (LKE) for the regency or an OPD",
    body=SakipEvaluationCreate,
    response=SakipEvaluationOut,
    status=201,
    errors=(403, 409),
)
def create_evaluation(body: SakipEvaluationCreate) -> tuple[Response, int]:
    found = evaluation.start(g.db, _actor(), year=body.year, org_unit_id=body.org_unit_id)
    return _json(evaluation_out(found), 201)


@spec.route(
    "GET",
    "/evaluations/<id:evaluation_id>",
    "A worksheet: answers side by side, scores, grade, last year, what moves the grade",
    response=SakipEvaluationOut,
    errors=(404,),
)
def get_evaluation(evaluation_id: int) -> tuple[Response, int]:
    return _json(evaluation_out(evaluation.get(g.db, _actor(), evaluation_id)))


@spec.route(
    "PUT",
    "/evaluations/<id:evaluation_id>/answers",
    "The OPD's own answer and evidence for a criterion",
    body=SakipSelfAnswerIn,
    response=SakipEvaluationOut,
    errors=(403, 404, 409),
)
def put_self_answer(body: SakipSelfAnswerIn, evaluation_id: int) -> tuple[Response, int]:
    actor = _actor()
    found = evaluation.get(g.db, actor, evaluation_id)
    evaluation.answer_self(
        g.db,
        actor,
        found,
        criterion_id=body.criterion_id,
        answer=body.answer,
        evidence=body.evidence,
        note=body.note,
    )
    return _json(evaluation_out(found))


@spec.route(
    "PUT",
    "/evaluations/<id:evaluation_id>/review",
    "The evaluator's answer and note for a criterion (Inspektorat)",
    body=SakipEvaluatorAnswerIn,
    response=SakipEvaluationOut,
    errors=(403, 404, 409),
)
def put_evaluator_answer(body: SakipEvaluatorAnswerIn, evaluation_id: int) -> tuple[Response, int]:
    actor = _actor()
    found = evaluation.get(g.db, actor, evaluation_id)
    evaluation.answer_evaluator(
        g.db, actor, found, criterion_id=body.criterion_id, answer=body.answer, note=body.note
    )
    return _json(evaluation_out(found))


@spec.route(
    "POST",
    "/evaluations/<id:evaluation_id>/transition",
    "Submit to the evaluator, return with notes, or finalize",
    body=SakipTransitionIn,
    response=SakipEvaluationOut,
    errors=(403, 404, 409),
)
def transition_evaluation(body: SakipTransitionIn, evaluation_id: int) -> tuple[Response, int]:
    actor = _actor()
    found = evaluation.transition(
        g.db, actor, evaluation.get(g.db, actor, evaluation_id), body.action
    )
    return _json(evaluation_out(found))


@spec.route(
    "POST",
    "/evaluations/<id:evaluation_id>/carry-over",
    "Fill empty criteria with last year's evidence (one click)",
    response=SakipCarried,
    errors=(403, 404, 409),
)
def carry_over(evaluation_id: int) -> tuple[Response, int]:
    actor = _actor()
    count = evaluation.carry_over(g.db, actor, evaluation.get(g.db, actor, evaluation_id))
    return _json(SakipCarried(carried_over=count))
