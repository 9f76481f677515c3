"""SAKIP pages: the year's overview by OPD, plans and the pohon kinerja, the PK, realization.

Views parse the form, call a service and render or redirect; the request
boundary commits. A refused change rolls back what the service flushed and is
shown translated. Every figure of achievement shows the formula that made it.
"""

from __future__ import annotations

from collections.abc import Callable
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
    access,
    capability,
    current_tenant,
    number,
    parse_number,
    query_int,
    query_year,
    rupiah,
    submit_job,
    tenant_settings,
    translate,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from . import agreements, planning, realization
from .access import VIEW, Actor, actor_for
from .capaian import band
from .messages import N_, M, _
from .models import Evidence, Plan

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

blueprint = Blueprint("sakip", __name__, template_folder="templates")


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
    actor = me()
    units = g.db.scalars(select(OrgUnit).where(OrgUnit.kind != "kelurahan").order_by(OrgUnit.code))
    return [u for u in units if actor.sees_unit(u.id)]


# --------------------------------------------------------------------------- overview


@blueprint.get("/")
@viewer
def index() -> str:
    """The year's dashboard: each OPD's PK and its IKU achievement, red/amber/green."""
    year = query_year() or _today().year
    through = query_int("through") or 4
    through = min(max(through, 1), 4)
    rows = []
    for unit in _units():
        pk = agreements.in_force(g.db, unit.id, year)
        draft = agreements.newest(g.db, unit.id, year)
        scores = realization.scores(g.db, pk, through) if pk else []
        iku = [s for s in scores if realization.is_iku(s)] or scores
        known = [s.to_date.percent for s in iku if s.to_date.percent is not None]
        mean = (sum(known, Decimal(0)) / len(known)).quantize(Decimal("0.01")) if known else None
        found = realization.settings(g.db)
        rows.append(
            {
                "unit": unit,
                "pk": pk,
                "draft": draft,
                "mean": mean,
                "band": band(mean, found.green_from, found.amber_from),
                "count": len(iku),
            }
        )
    plans = g.db.scalars(
        select(Plan).where(Plan.kind == "rpjmd").order_by(Plan.start_year, Plan.version)
    )
    return render_template(
        "sakip/index.html",
        year=year,
        through=through,
        rows=rows,
        rpjmd=list(plans),
        settings=realization.settings(g.db),
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
        years=list(range(found.start_year, found.end_year + 1))
        if found.kind != "renja"
        else [found.year],
        versions=planning.versions(g.db, found),
        unit=g.db.get(OrgUnit, found.org_unit_id) if found.org_unit_id else None,
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
        lineage = int(raw) if raw.isdigit() and len(raw) < 19 else 0
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
            sub_activity_id=int(raw_sub) if raw_sub.isdigit() and len(raw_sub) < 19 else None,
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
    return render_template(
        "sakip/realization.html",
        unit=g.db.get(OrgUnit, org_unit_id),
        year=year,
        through=through,
        pk=pk,
        draft=agreements.newest(g.db, org_unit_id, year),
        scores=scores,
        evidence=realization.evidence_of(g.db, ids),
        settings=found,
        closes=[realization.closes_on(found, year, q) for q in range(1, 5)],
    )


@blueprint.post("/opd/<id:org_unit_id>/<year:year>/realizations")
@viewer
def enter_realization(org_unit_id: int, year: int) -> Response:
    form = request.form
    try:
        quarter = int(form.get("quarter", "0")) if form.get("quarter", "").isdigit() else 0
        raw_lineage = form.get("indicator_lineage", "")
        lineage = int(raw_lineage) if raw_lineage.isdigit() and len(raw_lineage) < 19 else 0
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
