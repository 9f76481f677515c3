"""SAKIP pages: the year's overview by OPD, plans and the pohon kinerja, the PK, realization.

Views parse the form, call a service and render or redirect; the request
boundary commits. A refused change rolls back what the service flushed and is
shown translated. Every figure of achievement shows the formula that made it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import wraps
from io import BytesIO
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from smartcity.toolkit import (
    InvalidInput,
    NotFound,
    OrgUnit,
    ServiceError,
    TenantPrincipal,
    User,
    access,
    capability,
    current_tenant,
    member_units_by_user,
    number,
    parse_number,
    query_int,
    query_year,
    rupiah,
    set_member_units,
    submit_job,
    tenant_settings,
    translate,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from . import agreements, evaluation, lkjip, planning, realization, sources
from .access import APP, ROLE_NAMES, ROLES, SETTINGS, USERS_MANAGE, VIEW, Actor, actor_for
from .capaian import band
from .messages import N_, M, _
from .models import Agreement, Evaluation, Evidence, Plan

P = ParamSpec("P")
R = TypeVar("R")
CAPABILITY = "ebudgeting.sub_activities"
#: Why the engine gave no percentage, translated when shown.
REASONS = {
    "no_target": N_("no target"),
    "no_realization": N_("no figure yet"),
    "target_zero": N_("target is zero"),
    "realization_zero": N_("realization is zero and there is no cap"),
}

blueprint = Blueprint("sakip", __name__, template_folder="templates", static_folder="static")


def web() -> Blueprint:
    return blueprint


def viewer(view: Callable[P, R]) -> Callable[P, R]:
    """A page for holders of ``sakip.view``; the actor (with their OPDs) is ``g.sakip_actor``."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        principal: TenantPrincipal = current_user
        g.sakip_actor = actor_for(g.db, principal)
        return view(*args, **kwargs)

    return access.requires(VIEW)(wrapper)


def me() -> Actor:
    actor: Actor = g.sakip_actor
    return actor


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "qty": lambda v: "" if v is None else number(v),
        "rupiah": rupiah,
        "percent": lambda a: (number(a.percent) + " %") if a.percent is not None else "—",
        "why": lambda a: _(REASONS[a.reason]) if a.reason in REASONS else (a.reason or ""),
        "sk": g.get("sakip_actor"),
        "tr": translate,
        "role_titles": {ROLE_NAMES[role.key]: _(role.title) for role in ROLES},
        "plan_kind": lambda kind: planning.PLAN_KIND_NAMES.get(kind, kind),
        "plan_status": lambda status: (
            _(planning.PLAN_STATUS_LABELS[status])
            if status in planning.PLAN_STATUS_LABELS
            else status
        ),
        "sheet_status": lambda status: (
            _(evaluation.STATUS_LABELS[status]) if status in evaluation.STATUS_LABELS else status
        ),
    }


def refused(error: ServiceError) -> None:
    g.db.rollback()
    flash(translate(error.message), "danger")
    for key, value in error.fields.items():
        if translate(value) not in translate(error.message):
            flash(f"{key}: {translate(value)}", "danger")


def back(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values), 303)


def _figure(field: str, required: bool = True) -> Decimal | None:
    raw = (request.form.get(field) or "").strip()
    if not raw and not required:
        return None
    value = parse_number(raw, places=4)
    if value is None:
        raise InvalidInput(M("%(field)s is not a number", field=field), {field: M("a number")})
    return value


def _today() -> Any:
    return datetime.now(ZoneInfo(tenant_settings(g.db).timezone)).date()


def _units() -> list[OrgUnit]:
    """The OPDs on the dashboard: the top of the org tree (a PK is an OPD head's), and
    any unit the user was assigned to."""
    actor = me()
    query = select(OrgUnit).where(OrgUnit.is_active).order_by(OrgUnit.code)
    if actor.unit_ids is None:
        query = query.where(OrgUnit.parent_id.is_(None))
    else:
        query = query.where(OrgUnit.id.in_(actor.unit_ids))
    return list(g.db.scalars(query))


# --------------------------------------------------------------------------- overview


@dataclass
class OpdRow:
    """One OPD on the dashboard."""

    unit: OrgUnit
    pk: Agreement | None
    draft: Agreement | None
    mean: Decimal | None
    band: str
    count: int
    warnings: list[realization.EarlyWarning]


def _mean(values: list[Decimal | None]) -> Decimal | None:
    known = [v for v in values if v is not None]
    return (sum(known, Decimal(0)) / len(known)).quantize(Decimal("0.01")) if known else None


@blueprint.get("/")
@viewer
def index() -> str:
    """The year's dashboard for the Bupati: each OPD's IKU achievement, red/amber/green,
    and the regency's trend over the quarters."""
    year = query_year() or _today().year
    through = min(max(query_int("through") or 4, 1), 4)
    found = realization.settings(g.db)
    rows: list[OpdRow] = []
    trend: list[list[Decimal | None]] = [[], [], [], []]
    for unit in _units():
        pk = agreements.in_force(g.db, unit.id, year)
        draft = agreements.newest(g.db, unit.id, year)
        iku: list[realization.Score] = []
        if pk is not None:
            for quarter in range(1, 5):
                scores = realization.scores(g.db, pk, quarter)
                chosen = [s for s in scores if realization.is_iku(s)] or scores
                trend[quarter - 1].append(_mean([s.to_date.percent for s in chosen]))
                if quarter == through:
                    iku = chosen
        mean = _mean([s.to_date.percent for s in iku])
        warned = realization.early_warnings(g.db, pk, through) if pk is not None else []
        rows.append(
            OpdRow(
                unit,
                pk,
                draft,
                mean,
                band(mean, found.green_from, found.amber_from),
                len(iku),
                warned,
            )
        )
    measured = [r for r in rows if r.mean is not None]
    chart = {
        "labels": [r.unit.name for r in measured],
        "values": [float(r.mean or 0) for r in measured],
        "bands": [r.band for r in measured],
        "trend": [None if (m := _mean(q)) is None else float(m) for q in trend],
        "text": {"achievement": _("Achievement"), "trend": _("Regency IKU achievement")},
    }
    plans = g.db.scalars(
        select(Plan).where(Plan.kind == "rpjmd").order_by(Plan.start_year, Plan.version)
    )
    return render_template(
        "sakip/index.html",
        year=year,
        through=through,
        rows=rows,
        rpjmd=list(plans),
        settings=found,
        chart=chart,
        chart_height=max(260, 40 + 28 * len(measured)),
    )


# --------------------------------------------------------------------------- plans


@blueprint.get("/opd/<id:org_unit_id>/plans")
@viewer
def opd_plans(org_unit_id: int) -> str:
    me().require_unit(org_unit_id)
    unit = g.db.get(OrgUnit, org_unit_id)
    plans = g.db.scalars(
        select(Plan)
        .where(Plan.org_unit_id == org_unit_id)
        .order_by(Plan.start_year, Plan.year, Plan.version)
    )
    return render_template("sakip/opd_plans.html", unit=unit, plans=list(plans))


@blueprint.get("/plans/<id:plan_id>")
@viewer
def plan(plan_id: int) -> str:
    found = planning.get_plan(g.db, me(), plan_id)
    indicators = planning.indicators_of(g.db, found)
    by_element: dict[int, list[Any]] = {}
    for ind in indicators:
        by_element.setdefault(ind.element_id, []).append(ind)
    return render_template(
        "sakip/plan.html",
        plan=found,
        elements=planning.elements(g.db, found),
        by_element=by_element,
        targets=planning.targets_of(g.db, [i.id for i in indicators]),
        years=planning.plan_years(found),
        versions=planning.versions(g.db, found),
        unit=g.db.get(OrgUnit, found.org_unit_id) if found.org_unit_id else None,
        editable=planning.can_edit(me(), found),
        kinds=planning.ELEMENT_KINDS[found.kind],
        serves=planning.serves_choices(g.db, found),
    )


@blueprint.post("/plans/<id:plan_id>/approve")
@viewer
def approve_plan(plan_id: int) -> Response:
    try:
        planning.approve(g.db, me(), planning.get_plan(g.db, me(), plan_id))
        flash(_("The plan is approved."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.plan", plan_id=plan_id)


@blueprint.post("/plans/<id:plan_id>/revise")
@viewer
def revise_plan(plan_id: int) -> Response:
    try:
        new = planning.revise(
            g.db, me(), planning.get_plan(g.db, me(), plan_id), request.form.get("reason", "")
        )
    except ServiceError as error:
        refused(error)
        return back("sakip.plan", plan_id=plan_id)
    flash(_("A new version is open for drafting; the approved one stays in force."), "success")
    return back("sakip.plan", plan_id=new.id)


# --------------------------------------------------------------------------- plan editing
#: Plain-text bounds of the plan forms (the columns are text; a page keeps them sane).
MAX_TEXT = 4000


def _text(field: str, limit: int = MAX_TEXT) -> str:
    return (request.form.get(field) or "").strip()[:limit]


def _lineage(field: str) -> int | None:
    """An id picked from a list; anything else is refused, not cut to a wrong id."""
    raw = (request.form.get(field) or "").strip()
    if not raw:
        return None
    if not raw.isdecimal() or len(raw) > 18:
        raise InvalidInput(M("pick a target from the list"), {field: M("unknown")})
    return int(raw)


def _indicator_in(found: Plan) -> planning.IndicatorIn:
    """The indicator form as a service input; every unreadable number is named at once."""
    problems: dict[str, str] = {}
    years = planning.plan_years(found)

    def figure(name: str) -> Decimal | None:
        raw = (request.form.get(name) or "").strip()
        if not raw:
            return None
        value = parse_number(raw, places=4)
        if value is None:
            problems[name] = M("a number")
        return value

    baseline = figure("baseline")
    targets = []
    for year in years:
        value, upper = figure(f"target_{year}"), figure(f"upper_{year}")
        if value is not None:
            targets.append(planning.TargetIn(year, value, upper))
        elif upper is not None:
            problems[f"target_{year}"] = M("an upper bound needs a target")
    if problems:
        raise InvalidInput(M("the indicator has problems"), problems)
    return planning.IndicatorIn(
        name=_text("name"),
        unit=_text("unit", 40),
        baseline=baseline,
        polarity=request.form.get("polarity", ""),
        aggregation=request.form.get("aggregation", ""),
        data_source=_text("data_source"),
        formula_text=_text("formula_text"),
        owner=_text("owner", 200),
        iku_regency=request.form.get("iku_regency") == "1",
        iku_opd=request.form.get("iku_opd") == "1",
        targets=targets,
    )


def _indicator_form(
    found: Plan,
    element: Any,
    indicator: Any = None,
    error: ServiceError | None = None,
) -> tuple[str, int]:
    values: dict[str, Any] = {}
    if error is not None:
        values = request.form.to_dict()
    elif indicator is not None:
        values = {
            "name": indicator.name,
            "unit": indicator.unit,
            "baseline": "" if indicator.baseline is None else number(indicator.baseline),
            "polarity": indicator.polarity,
            "aggregation": indicator.aggregation,
            "data_source": indicator.data_source,
            "formula_text": indicator.formula_text,
            "owner": indicator.owner,
            "iku_regency": "1" if indicator.iku_regency else "",
            "iku_opd": "1" if indicator.iku_opd else "",
        }
        for year, t in planning.targets_of(g.db, [indicator.id]).get(indicator.id, {}).items():
            values[f"target_{year}"] = number(t.value)
            values[f"upper_{year}"] = "" if t.upper is None else number(t.upper)
    problems = []
    if error is not None:
        problems = [translate(error.message)] + [
            f"{key}: {translate(value)}" for key, value in error.fields.items()
        ]
    return render_template(
        "sakip/indicator_form.html",
        plan=found,
        element=element,
        indicator=indicator,
        values=values,
        years=planning.plan_years(found),
        problems=problems,
    ), (200 if error is None else error.status)


@blueprint.post("/plans/<id:plan_id>/edit")
@viewer
def edit_plan(plan_id: int) -> Response:
    found = planning.get_plan(g.db, me(), plan_id)
    try:
        planning.update_plan(
            g.db, me(), found, title=_text("title", 300), vision=_text("vision") or None
        )
        flash(_("The plan is saved."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.plan", plan_id=plan_id)


@blueprint.post("/plans/<id:plan_id>/elements")
@viewer
def add_element(plan_id: int) -> Response:
    found = planning.get_plan(g.db, me(), plan_id)
    try:
        parent = _lineage("parent_id")
        planning.add_element(
            g.db,
            me(),
            found,
            kind=request.form.get("kind", ""),
            statement=_text("statement"),
            code=_text("code", 40),
            parent_id=parent,
            serves_lineage=_lineage("serves_lineage"),
        )
        flash(_("The element is added."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.plan", plan_id=plan_id)


@blueprint.post("/elements/<id:element_id>")
@viewer
def edit_element(element_id: int) -> Response:
    element, found = planning.get_element(g.db, me(), element_id)
    try:
        planning.update_element(
            g.db,
            me(),
            element,
            statement=_text("statement"),
            code=_text("code", 40),
            serves_lineage=_lineage("serves_lineage"),
        )
        flash(_("The element is saved."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.plan", plan_id=found.id)


@blueprint.post("/elements/<id:element_id>/delete")
@viewer
def delete_element(element_id: int) -> Response:
    element, found = planning.get_element(g.db, me(), element_id)
    try:
        planning.delete_element(g.db, me(), element)
        flash(_("The element is removed."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.plan", plan_id=found.id)


@blueprint.get("/elements/<id:element_id>/indicators/new")
@viewer
def new_indicator(element_id: int) -> tuple[str, int]:
    element, found = planning.get_element(g.db, me(), element_id)
    planning.require_editable(me(), found)
    return _indicator_form(found, element)


@blueprint.post("/elements/<id:element_id>/indicators")
@viewer
def create_indicator(element_id: int) -> Response | tuple[str, int]:
    element, found = planning.get_element(g.db, me(), element_id)
    try:
        planning.add_indicator(g.db, me(), element, _indicator_in(found))
    except ServiceError as error:
        g.db.rollback()
        return _indicator_form(found, element, error=error)
    flash(_("The indicator is saved."), "success")
    return back("sakip.plan", plan_id=found.id)


@blueprint.get("/indicators/<id:indicator_id>/edit")
@viewer
def edit_indicator_page(indicator_id: int) -> tuple[str, int]:
    indicator, element, found = planning.get_indicator(g.db, me(), indicator_id)
    planning.require_editable(me(), found)
    return _indicator_form(found, element, indicator)


@blueprint.post("/indicators/<id:indicator_id>")
@viewer
def edit_indicator(indicator_id: int) -> Response | tuple[str, int]:
    indicator, element, found = planning.get_indicator(g.db, me(), indicator_id)
    try:
        planning.update_indicator(g.db, me(), indicator, _indicator_in(found))
    except ServiceError as error:
        g.db.rollback()
        indicator, element, found = planning.get_indicator(g.db, me(), indicator_id)
        return _indicator_form(found, element, indicator, error=error)
    flash(_("The indicator is saved."), "success")
    return back("sakip.plan", plan_id=found.id)


@blueprint.post("/indicators/<id:indicator_id>/delete")
@viewer
def delete_indicator(indicator_id: int) -> Response:
    indicator, _element, found = planning.get_indicator(g.db, me(), indicator_id)
    try:
        planning.delete_indicator(g.db, me(), indicator)
        flash(_("The indicator is removed."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.plan", plan_id=found.id)


@blueprint.get("/tree/<year:start_year>")
@viewer
def tree(start_year: int) -> str:
    units = {u.id: u for u in g.db.scalars(select(OrgUnit))}
    return render_template(
        "sakip/tree.html", start_year=start_year, nodes=planning.tree(g.db, start_year), units=units
    )


# --------------------------------------------------------------------------- agreements


@blueprint.get("/agreements/<id:agreement_id>")
@viewer
def agreement(agreement_id: int) -> str:
    found = agreements.get(g.db, me(), agreement_id)
    rows = agreements.targets(g.db, found)
    reader = capability("sakip", CAPABILITY)
    subs = reader(year=found.year, org_unit_id=found.org_unit_id) if reader is not None else []
    renstra = planning.current(
        g.db, "renstra", found.org_unit_id, found.year - (found.year - 2000) % 5
    )
    choices = []
    for p in g.db.scalars(
        select(Plan).where(Plan.org_unit_id == found.org_unit_id, Plan.status == "approved")
    ):
        choices.extend(planning.indicators_of(g.db, p))
    return render_template(
        "sakip/agreement.html",
        pk=found,
        rows=rows,
        money=agreements.budgets(g.db, [t.id for t in rows]),
        indicator=lambda lineage: planning.indicator_by_lineage(g.db, found.org_unit_id, lineage),
        ebudgeting=reader is not None,
        subs=subs,
        choices=choices,
        renstra=renstra,
        unit=g.db.get(OrgUnit, found.org_unit_id),
    )


@blueprint.post("/agreements/<id:agreement_id>/targets")
@viewer
def set_target(agreement_id: int) -> Response:
    try:
        found = agreements.get(g.db, me(), agreement_id)
        raw = request.form.get("indicator_lineage", "")
        lineage = int(raw) if raw.isdecimal() and len(raw) < 19 else 0
        agreements.set_target(
            g.db,
            me(),
            found,
            indicator_lineage=lineage,
            year_target=_figure("year_target") or Decimal(0),
            quarters=[_figure(f"q{q}", required=False) for q in range(1, 5)],
            upper=_figure("upper", required=False),
        )
        flash(_("The target is saved."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.agreement", agreement_id=agreement_id)


@blueprint.post("/agreements/<id:agreement_id>/targets/<id:target_id>/budgets")
@viewer
def add_budget(agreement_id: int, target_id: int) -> Response:
    try:
        found = agreements.get(g.db, me(), agreement_id)
        target = next((t for t in agreements.targets(g.db, found) if t.id == target_id), None)
        if target is None:
            raise InvalidInput(M("no such target in this agreement"), {"target_id": M("unknown")})
        raw_sub = (request.form.get("sub_activity_id") or "").strip()
        agreements.add_budget(
            g.db,
            me(),
            target,
            sub_activities=capability("sakip", CAPABILITY),
            sub_activity_id=int(raw_sub) if raw_sub.isdecimal() and len(raw_sub) < 19 else None,
            code=request.form.get("code", ""),
            name=request.form.get("name", ""),
            amount=parse_number(request.form.get("amount"), places=2, currency=True),
        )
        flash(_("The budget is added."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.agreement", agreement_id=agreement_id)


@blueprint.post("/agreements/<id:agreement_id>/sign")
@viewer
def sign(agreement_id: int) -> Response:
    try:
        agreements.sign(g.db, me(), agreements.get(g.db, me(), agreement_id), _today())
        flash(_("The agreement is signed and locked."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.agreement", agreement_id=agreement_id)


@blueprint.post("/agreements/<id:agreement_id>/revise")
@viewer
def revise_agreement(agreement_id: int) -> Response:
    try:
        new = agreements.revise(
            g.db, me(), agreements.get(g.db, me(), agreement_id), request.form.get("reason", "")
        )
    except ServiceError as error:
        refused(error)
        return back("sakip.agreement", agreement_id=agreement_id)
    return back("sakip.agreement", agreement_id=new.id)


@blueprint.post("/agreements/<id:agreement_id>/pdf")
@viewer
def agreement_pdf(agreement_id: int) -> Response:
    agreements.get(g.db, me(), agreement_id)
    principal: TenantPrincipal = current_user
    submit_job(
        g.db,
        "report:sakip_pk",
        {"agreement_id": agreement_id, "format": "pdf"},
        principal.label,
        tenant=current_tenant(),
        user_id=principal.user.id,
        permissions=principal.permissions,
    )
    flash(_("The PDF is being prepared: find it under Jobs."), "success")
    return back("sakip.agreement", agreement_id=agreement_id)


@blueprint.post("/opd/<id:org_unit_id>/<year:year>/agreements")
@viewer
def create_agreement(org_unit_id: int, year: int) -> Response:
    form = request.form
    try:
        made = agreements.create(
            g.db,
            me(),
            org_unit_id=org_unit_id,
            year=year,
            place=form.get("place", ""),
            official=agreements.Official(
                form.get("official_name", ""),
                form.get("official_position", ""),
                form.get("official_nip") or None,
            ),
            superior=agreements.Official(
                form.get("superior_name", ""),
                form.get("superior_position", ""),
                form.get("superior_nip") or None,
            ),
        )
    except ServiceError as error:
        refused(error)
        return back("sakip.realization_page", org_unit_id=org_unit_id, year=year)
    return back("sakip.agreement", agreement_id=made.id)


# --------------------------------------------------------------------------- realization


@blueprint.get("/opd/<id:org_unit_id>/<year:year>")
@viewer
def realization_page(org_unit_id: int, year: int) -> str:
    me().require_unit(org_unit_id)
    through = min(max(query_int("through") or 4, 1), 4)
    pk = agreements.in_force(g.db, org_unit_id, year)
    scores = realization.scores(g.db, pk, through) if pk else []
    ids = [r.id for s in scores for r in s.realizations if r is not None]
    found = realization.settings(g.db)
    today = _today()
    provide = capability("sakip", sources.CAPABILITY)
    monthly = found.monthly_realization
    periods = range(1, 13 if monthly else 5)
    closing = [
        realization.closes_on_month(found, year, p)
        if monthly
        else realization.closes_on(found, year, p)
        for p in periods
    ]
    months = realization.months_of(g.db, org_unit_id, year) if monthly else {}
    views = sources.views(
        g.db, provide, org_unit_id=org_unit_id, year=year, monthly=monthly, today=today
    )
    return render_template(
        "sakip/realization.html",
        pelayanan=provide is not None,
        link_rows=_link_rows(
            views,
            scores,
            months,
            monthly=monthly,
            open_periods={p for p, day in zip(periods, closing, strict=True) if today <= day},
        ),
        link_choices=sources.choices(provide, org_unit_id, year) if pk else [],
        measures=sources.MEASURES,
        source_text=sources.described,
        unit=g.db.get(OrgUnit, org_unit_id),
        year=year,
        through=through,
        pk=pk,
        draft=agreements.newest(g.db, org_unit_id, year),
        scores=scores,
        evidence=realization.evidence_of(g.db, ids),
        settings=found,
        closes=[realization.closes_on(found, year, q) for q in range(1, 5)],
        warnings=realization.early_warnings(g.db, pk, through) if pk else [],
        months=months,
    )


@dataclass
class OfferRow:
    """One period's figure from Pelayanan Publik beside the figure recorded."""

    period: int
    key: str
    value: Decimal | None
    recorded: Decimal | None
    taken: bool  # the recorded figure is this source's, unchanged since
    locked: bool  # verified: nothing may replace it
    open: bool  # within its cutoff


@dataclass
class LinkRow:
    indicator: str
    view: sources.LinkView
    offers: list[OfferRow]


def _link_rows(
    views: dict[int, sources.LinkView],
    scores: list[realization.Score],
    months: dict[tuple[int, int], Any],
    *,
    monthly: bool,
    open_periods: set[int],
) -> list[LinkRow]:
    """Each linked indicator with the source's figure of every period begun, and ours."""
    by_lineage = {s.target.indicator_lineage: s for s in scores}
    rows = []
    for lineage, view in views.items():
        score = by_lineage.get(lineage)
        name = score.indicator.name if score and score.indicator else str(lineage)
        offers = []
        for offer in view.offers.values():
            if monthly:
                row = months.get((lineage, offer.period))
                quarter_row = score.realizations[(offer.period - 1) // 3] if score else None
                locked = quarter_row is not None and quarter_row.status == "verified"
            else:
                row = score.realizations[offer.period - 1] if score else None
                locked = row is not None and row.status == "verified"
            recorded = None if row is None else row.value
            source = None if row is None else row.source
            taken = bool(source) and offer.value is not None and recorded == offer.value
            offers.append(
                OfferRow(
                    offer.period,
                    offer.key,
                    offer.value,
                    recorded,
                    taken,
                    locked,
                    offer.period in open_periods and score is not None,
                )
            )
        rows.append(LinkRow(name, view, offers))
    return rows


@blueprint.post("/opd/<id:org_unit_id>/<year:year>/realizations")
@viewer
def enter_realization(org_unit_id: int, year: int) -> Response:
    form = request.form
    try:
        raw_quarter, raw_month = form.get("quarter", ""), form.get("month", "")
        quarter = int(raw_quarter) if raw_quarter.isdecimal() and len(raw_quarter) < 3 else 0
        raw_lineage = form.get("indicator_lineage", "")
        lineage = int(raw_lineage) if raw_lineage.isdecimal() and len(raw_lineage) < 19 else 0
        if "month" in form:
            row = realization.enter_month(
                g.db,
                me(),
                org_unit_id=org_unit_id,
                indicator_lineage=lineage,
                year=year,
                month=int(raw_month) if raw_month.isdecimal() and len(raw_month) < 3 else 0,
                value=_figure("value") or Decimal(0),
                note=form.get("note", ""),
                today=_today(),
            )
        else:
            row = realization.enter(
                g.db,
                me(),
                org_unit_id=org_unit_id,
                indicator_lineage=lineage,
                year=year,
                quarter=quarter,
                value=_figure("value") or Decimal(0),
                note=form.get("note", ""),
                today=_today(),
            )
        upload = request.files.get("evidence")
        if upload is not None and upload.filename:
            data = upload.stream.read(realization.MAX_EVIDENCE_BYTES + 1)
            realization.add_evidence(
                g.db, me(), row, filename=upload.filename, content_type=upload.mimetype, data=data
            )
        flash(_("The figure is saved."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.realization_page", org_unit_id=org_unit_id, year=year)


@blueprint.post("/opd/<id:org_unit_id>/<year:year>/links")
@viewer
def link_indicator(org_unit_id: int, year: int) -> Response:
    form = request.form
    try:
        raw_lineage, raw_service = form.get("indicator_lineage", ""), form.get("service_id", "")
        sources.link(
            g.db,
            me(),
            capability("sakip", sources.CAPABILITY),
            org_unit_id=org_unit_id,
            indicator_lineage=_whole(raw_lineage) or 0,
            measure=form.get("measure", "")[:40],
            service_id=_whole(raw_service),
            today=_today(),
        )
        flash(_("The indicator is linked to Pelayanan Publik."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.realization_page", org_unit_id=org_unit_id, year=year)


def _whole(raw: str) -> int | None:
    """A whole number typed in a form (ASCII digits, at most 18), else None."""
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdecimal() and len(raw) < 19 else None


@blueprint.post("/links/<id:link_id>/delete")
@viewer
def unlink_indicator(link_id: int) -> Response:
    found = sources.get(g.db, me(), link_id)
    unit, year = found.org_unit_id, query_year() or _today().year
    try:
        sources.unlink(g.db, me(), found)
        flash(_("The link is removed; figures taken from it stay."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.realization_page", org_unit_id=unit, year=year)


@blueprint.post("/opd/<id:org_unit_id>/<year:year>/take")
@viewer
def take_figure(org_unit_id: int, year: int) -> Response:
    form = request.form
    try:
        sources.take(
            g.db,
            me(),
            capability("sakip", sources.CAPABILITY),
            org_unit_id=org_unit_id,
            indicator_lineage=_whole(form.get("indicator_lineage", "")) or 0,
            year=year,
            quarter=_whole(form.get("quarter", "")) if "quarter" in form else None,
            month=_whole(form.get("month", "")) if "month" in form else None,
            today=_today(),
        )
        flash(_("The figure from Pelayanan Publik is entered; it awaits verification."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.realization_page", org_unit_id=org_unit_id, year=year)


@blueprint.post("/realizations/<id:realization_id>/review")
@viewer
def review(realization_id: int) -> Response:
    row = realization.get(g.db, me(), realization_id)
    try:
        realization.review(
            g.db,
            me(),
            row,
            accept=request.form.get("verdict") == "verify",
            note=request.form.get("note", ""),
        )
        flash(_("The review is saved."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.realization_page", org_unit_id=row.org_unit_id, year=row.year)


@blueprint.get("/evidence/<id:evidence_id>")
@viewer
def evidence(evidence_id: int) -> Response:
    found = g.db.get(Evidence, evidence_id)
    row = None if found is None else realization.get(g.db, me(), found.realization_id)
    if found is None or row is None:
        raise NotFound(M("no such evidence"))
    return send_file(
        BytesIO(found.data),
        mimetype=found.content_type,
        as_attachment=True,
        download_name=found.filename,
    )


# --------------------------------------------------------------------------- evaluation


@blueprint.get("/evaluations/<year:year>")
@viewer
def evaluation_page(year: int) -> str:
    """The worksheet of the regency (no ``org_unit_id``) or an OPD, with what moves the grade."""
    unit_id = query_int("org_unit_id") or 0
    if unit_id:
        me().require_unit(unit_id)
    sheet = g.db.scalar(
        select(Evaluation).where(Evaluation.year == year, Evaluation.org_unit_id == unit_id)
    )
    context: dict[str, Any] = {"year": year, "unit_id": unit_id, "sheet": sheet}
    if sheet is not None:
        components, subs, criteria = evaluation.structure(g.db, sheet)
        last = evaluation.previous(g.db, sheet)
        warnings = evaluation.consistency(g.db, sheet)
        context.update(
            components=components,
            subs=subs,
            criteria=criteria,
            given=evaluation.answers(g.db, sheet),
            result=evaluation.score(g.db, sheet),
            last=evaluation.score(g.db, last) if last is not None else None,
            count={s.id: sum(1 for c in criteria if c.component_id == s.id) for s in subs},
            warnings=warnings,
            warned={w.criterion.id for w in warnings},
        )
    return render_template(
        "sakip/evaluation.html",
        unit=g.db.get(OrgUnit, unit_id) if unit_id else None,
        **context,
    )


def _back_to(sheet: Evaluation) -> Response:
    return redirect(
        url_for("sakip.evaluation_page", year=sheet.year, org_unit_id=sheet.org_unit_id or None),
        303,
    )


@blueprint.post("/evaluations/<year:year>")
@viewer
def start_evaluation(year: int) -> Response:
    unit_id = query_int("org_unit_id")
    try:
        sheet = evaluation.start(g.db, me(), year=year, org_unit_id=unit_id)
    except ServiceError as error:
        refused(error)
        return redirect(url_for("sakip.evaluation_page", year=year, org_unit_id=unit_id), 303)
    return _back_to(sheet)


@blueprint.post("/evaluation/<id:evaluation_id>/answers/<id:criterion_id>")
@viewer
def answer_criterion(evaluation_id: int, criterion_id: int) -> Response:
    sheet = evaluation.get(g.db, me(), evaluation_id)
    form = request.form
    answer = form.get("answer") or None
    try:
        if form.get("side") == "evaluator":
            evaluation.answer_evaluator(
                g.db,
                me(),
                sheet,
                criterion_id=criterion_id,
                answer=answer,
                note=form.get("note", ""),
            )
        else:
            evaluation.answer_self(
                g.db,
                me(),
                sheet,
                criterion_id=criterion_id,
                answer=answer,
                evidence=form.get("evidence", ""),
                note=form.get("note", ""),
            )
        flash(_("The answer is saved."), "success")
    except ServiceError as error:
        refused(error)
    return _back_to(sheet)


@blueprint.post("/evaluation/<id:evaluation_id>/transition")
@viewer
def transition_evaluation(evaluation_id: int) -> Response:
    sheet = evaluation.get(g.db, me(), evaluation_id)
    try:
        evaluation.transition(g.db, me(), sheet, request.form.get("action", ""))
    except ServiceError as error:
        refused(error)
    return _back_to(sheet)


@blueprint.post("/evaluation/<id:evaluation_id>/carry-over")
@viewer
def carry_over(evaluation_id: int) -> Response:
    sheet = evaluation.get(g.db, me(), evaluation_id)
    try:
        count = evaluation.carry_over(g.db, me(), sheet)
        flash(
            _("Evidence carried over from last year: %(count)s criteria.", count=count), "success"
        )
    except ServiceError as error:
        refused(error)
    return _back_to(sheet)


# --------------------------------------------------------------------------- LKjIP


@blueprint.get("/lkjip/<year:year>")
@viewer
def lkjip_page(year: int) -> str:
    """The officer writes the LKjIP's chapters here and asks for the PDF or XLSX."""
    unit_id = query_int("org_unit_id")
    if unit_id is not None:
        me().require_unit(unit_id)
    return render_template(
        "sakip/lkjip.html",
        year=year,
        unit=g.db.get(OrgUnit, unit_id) if unit_id else None,
        unit_id=unit_id,
        texts=lkjip.narratives(g.db, year, unit_id),
        sections=[(key, lkjip.SECTION_TITLES[key]) for key in lkjip.SECTIONS],
    )


@blueprint.post("/lkjip/<year:year>")
@viewer
def save_lkjip(year: int) -> Response:
    unit_id = query_int("org_unit_id")
    try:
        for section in lkjip.SECTIONS:
            if section in request.form:
                lkjip.set_narrative(
                    g.db,
                    me(),
                    year=year,
                    org_unit_id=unit_id,
                    section=section,
                    text=request.form.get(section, ""),
                )
        flash(_("The report's text is saved."), "success")
    except ServiceError as error:
        refused(error)
    return redirect(url_for("sakip.lkjip_page", year=year, org_unit_id=unit_id), 303)


@blueprint.post("/lkjip/<year:year>/file")
@viewer
def lkjip_file(year: int) -> Response:
    unit_id = query_int("org_unit_id")
    if unit_id is not None:
        me().require_unit(unit_id)
    file_format = "xlsx" if request.form.get("format") == "xlsx" else "pdf"
    principal: TenantPrincipal = current_user
    params: dict[str, Any] = {"year": year, "format": file_format}
    if unit_id is not None:
        params["org_unit_id"] = unit_id
    submit_job(
        g.db,
        "report:sakip_lkjip",
        params,
        principal.label,
        tenant=current_tenant(),
        user_id=principal.user.id,
        permissions=principal.permissions,
    )
    flash(_("The report is being prepared: find it under Jobs."), "success")
    return redirect(url_for("sakip.lkjip_page", year=year, org_unit_id=unit_id), 303)


# --------------------------------------------------------------------------- administration


def manager(view: Callable[P, R]) -> Callable[P, R]:
    """A page for the SAKIP admin or the regency's admin (who assigns users to OPDs)."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        principal: TenantPrincipal = current_user
        g.sakip_actor = actor_for(g.db, principal)
        return view(*args, **kwargs)

    return access.requires(SETTINGS, USERS_MANAGE)(wrapper)


@blueprint.get("/admin")
@manager
def admin_page() -> str:
    units = member_units_by_user(g.db, APP)
    people = g.db.scalars(
        select(User)
        .where(User.is_active, User.roles.overlap(list(ROLE_NAMES.values())))
        .order_by(User.name)
    )
    opds = g.db.scalars(
        select(OrgUnit).where(OrgUnit.parent_id.is_(None), OrgUnit.is_active).order_by(OrgUnit.code)
    )
    return render_template(
        "sakip/admin.html",
        members=[(user, units.get(user.id, [])) for user in people],
        opds=list(opds),
        settings=realization.settings(g.db),
    )


@blueprint.post("/admin/members/<id:user_id>")
@manager
def set_member(user_id: int) -> Response:
    me().require(SETTINGS)
    raw = request.form.getlist("org_unit_ids")
    wanted = [int(v) for v in raw if v.isdecimal() and len(v) < 19]
    try:
        if len(wanted) != len(raw):
            raise InvalidInput(M("pick OPDs from the list"), {"org_unit_ids": M("unknown")})
        set_member_units(g.db, user_id, APP, wanted, actor=me().label)
        flash(_("The assignment is saved."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.admin_page")


@blueprint.post("/admin/settings")
@manager
def save_settings() -> Response:
    form = request.form
    try:
        cutoff = form.get("cutoff_days", "")
        realization.update_settings(
            g.db,
            me(),
            negative_formula=form.get("negative_formula", ""),
            cap_percent=_figure("cap_percent", required=False),
            green_from=_figure("green_from") or Decimal(0),
            amber_from=_figure("amber_from") or Decimal(0),
            cutoff_days=int(cutoff) if cutoff.isdecimal() and len(cutoff) < 4 else -1,
            grade_bound_inclusive=form.get("grade_bound_inclusive") == "1",
            monthly_realization=form.get("monthly_realization") == "1",
        )
        flash(_("The settings are saved."), "success")
    except ServiceError as error:
        refused(error)
    return back("sakip.admin_page")
