"""Plan pages: an OPD's sub-activities, the RKA of one sub-activity (its lines,
review and cash plan) and the line form. Each page shows only the actions the
services say the reader may take now (``actions.plan_actions``,
``review.available_opd_transitions``)."""

from __future__ import annotations

from decimal import Decimal
from types import EllipsisType

from flask import abort, flash, g, render_template, request
from smartcity.toolkit import InvalidInput, OrgUnit, ServiceError, translate, whole_number
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from tenants.ebudgeting import ceilings, execution, planning, review, years
from tenants.ebudgeting.access import DRAFT
from tenants.ebudgeting.actions import plan_actions
from tenants.ebudgeting.coefficients import coefficient_text, parse_coefficient
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.models import FiscalYear, Nomenclature, SubActivity
from tenants.ebudgeting.planning import FUNDING_SOURCES
from tenants.ebudgeting.views.common import (
    STATUS,
    _,
    back,
    blueprint,
    catalogue_for,
    form_amount,
    form_number,
    level6_accounts,
    me,
    optional_amount,
    refusal_shows,
    sub_or_404,
    unit_or_404,
    viewer,
    year_or_404,
)

# --------------------------------------------------------------------------- OPD


def _sub_unit_field() -> int | EllipsisType | None:
    """The sub-unit select: absent keeps it (``...``), empty is the OPD itself."""
    raw = request.form.get("sub_unit_id")
    if raw is None:
        return ...
    return whole_number(raw, "sub_unit_id") if raw else None


def _sub_kegiatan_choices(
    bidang: list[str] | None, search: str
) -> list[tuple[str, list[Nomenclature]]]:
    """Sub kegiatan grouped under their program, for the 'new sub-activity' form: those of
    the OPD's own bidang (when its SIPD code names them) matching ``search`` (code or name)."""
    query = select(Nomenclature).where(
        Nomenclature.is_active, Nomenclature.level.in_(("program", "sub_kegiatan"))
    )
    if bidang:
        query = query.where(or_(*(Nomenclature.code.startswith(f"{b}.") for b in bidang)))
    nodes = g.db.scalars(query.order_by(Nomenclature.code)).all()
    words = search.strip().lower()
    groups: list[tuple[str, list[Nomenclature]]] = []
    for node in nodes:
        if node.level == "program":
            groups.append((f"{node.code} {node.name}", []))
        elif groups and (not words or node.code.startswith(words) or words in node.name.lower()):
            groups[-1][1].append(node)
    return [group for group in groups if group[1]]


def render_opd(year: int, unit_id: int, **_args: object) -> str:
    fiscal_year = year_or_404(year)
    unit = unit_or_404(unit_id)
    actor = me()
    subs = planning.sub_activities(g.db, fiscal_year, actor, unit.id)
    ceiling = ceilings.ceiling_of(g.db, fiscal_year, unit.id)
    notes = [
        (s, e) for s, e in review.open_notes(g.db, fiscal_year, actor) if s.org_unit_id == unit.id
    ]
    may_draft = actor.can(DRAFT) and years.drafting_open(fiscal_year)
    bidang = planning.bidang_of_opd(g.db, unit.id)
    search = request.args.get("q", "")[:100]
    return render_template(
        "ebudgeting/opd.html",
        fiscal_year=fiscal_year,
        unit=unit,
        subs=subs,
        pagu=ceiling.amount if ceiling else None,
        allocated=sum((s.ceiling for s, _t, _c in subs), Decimal(0)),
        planned=sum((t for _s, t, _c in subs), Decimal(0)),
        notes=notes,
        drafting=years.drafting_open(fiscal_year),
        opd_steps=review.available_opd_transitions(
            fiscal_year, unit.id, {s.status for s, _t, _c in subs}, actor
        ),
        may_draft=may_draft,
        may_override=actor.may_override,
        choices=_sub_kegiatan_choices(bidang, search) if may_draft else [],
        bidang=bidang,
        search=search,
        funding_sources=FUNDING_SOURCES,
        sub_units=planning.sub_units_of(g.db, unit.id) if may_draft else [],
    )


@blueprint.get("/<year:year>/opd/<id:unit_id>")
@viewer
def opd(year: int, unit_id: int) -> str:
    return render_opd(year, unit_id)


@blueprint.post("/<year:year>/opd/<id:unit_id>/sub-activities")
@viewer
@refusal_shows(render_opd)
def create_sub_activity(year: int, unit_id: int) -> Response:
    form = request.form
    sub = planning.create_sub_activity(
        g.db,
        year_or_404(year),
        org_unit_id=unit_id,
        sub_kegiatan_code=form.get("sub_kegiatan_code", ""),
        output_indicator=form.get("output_indicator") or None,
        target=form_amount(form.get("target"), "target"),
        target_unit=form.get("target_unit") or None,
        location=form.get("location", ""),
        funding_source=form.get("funding_source", ""),
        ceiling=form_amount(form.get("ceiling"), "ceiling"),
        actor=me(),
        override_reason=form.get("override_reason") or None,
        target_group=form.get("target_group", ""),
        implementation_period=form.get("implementation_period", ""),
        sub_unit_id=None if (chosen := _sub_unit_field()) is ... else chosen,
    )
    flash(_("Sub-activity %(code)s was added.", code=sub.sub_kegiatan_code), "success")
    return back(".sub_activity", sub_id=sub.id)


@blueprint.post("/<year:year>/opd/<id:unit_id>/review")
@viewer
@refusal_shows(render_opd)
def review_opd(year: int, unit_id: int) -> Response:
    done = review.transition_opd(
        g.db,
        year_or_404(year),
        unit_id,
        request.form.get("action", ""),
        note=request.form.get("note"),
        actor=me(),
    )
    flash(_("%(count)s sub-activities were updated.", count=len(done)), "success")
    return back(".opd", year=year, unit_id=unit_id)


# --------------------------------------------------------------------------- RKA of a sub-activity


def render_sub(sub_id: int, *, form: dict[str, str] | None = None, **_args: object) -> str:
    sub = sub_or_404(sub_id)
    actor = me()
    fiscal_year = planning.year_of(g.db, sub)
    lines = planning.lines_of(g.db, sub)
    actions = plan_actions(g.db, sub, actor)
    basis = execution.cash_plan_basis(g.db, fiscal_year)
    sub_unit = g.db.get(OrgUnit, sub.sub_unit_id) if sub.sub_unit_id else None
    sub_units = planning.sub_units_of(g.db, sub.org_unit_id) if actions.edit else []
    if sub_units and sub_unit is not None and sub_unit not in sub_units:
        sub_units.append(sub_unit)  # its code was dropped since: kept until changed
    return render_template(
        "ebudgeting/sub_activity.html",
        sub=sub,
        unit=g.db.get(OrgUnit, sub.org_unit_id),
        sub_unit=sub_unit,
        sub_units=sub_units,
        fiscal_year=fiscal_year,
        lines=lines,
        total=sum((ln.amount for ln in lines), Decimal(0)),
        accounts=planning.account_names(g.db, {ln.account_code for ln in lines}),
        history=review.history(g.db, sub),
        actions=actions,
        catalogue_groups=catalogue_for(fiscal_year.year) if actions.edit else [],
        all_accounts=level6_accounts() if actions.edit else [],
        may_override=actor.may_override,
        funding_sources=FUNDING_SOURCES,
        basis=basis,
        basis_amount=execution.snapshot_amount(g.db, basis, sub.id) if basis else None,
        cash_plan=execution.cash_plan_of(g.db, sub.id),
        form=form or {},
    )


def _render_sub_with_line_form(sub_id: int, **_args: object) -> str:
    """The RKA page after a refused line: what was typed is kept, the refusal beside it."""
    return render_sub(sub_id, form=request.form.to_dict())


@blueprint.get("/sub/<id:sub_id>")
@viewer
def sub_activity(sub_id: int) -> str:
    return render_sub(sub_id)


@blueprint.post("/sub/<id:sub_id>")
@viewer
@refusal_shows(render_sub)
def update_sub_activity(sub_id: int) -> Response:
    form = request.form
    planning.update_sub_activity(
        g.db,
        sub_or_404(sub_id),
        actor=me(),
        output_indicator=form.get("output_indicator"),
        target=optional_amount(form.get("target"), "target"),
        target_unit=form.get("target_unit"),
        location=form.get("location"),
        funding_source=form.get("funding_source"),
        ceiling=optional_amount(form.get("ceiling"), "ceiling"),
        override_reason=form.get("override_reason") or None,
        target_group=form.get("target_group"),
        implementation_period=form.get("implementation_period"),
        sub_unit_id=_sub_unit_field(),
    )
    flash(_("The sub-activity was saved."), "success")
    return back(".sub_activity", sub_id=sub_id)


@blueprint.post("/sub/<id:sub_id>/delete")
@viewer
@refusal_shows(render_sub)
def delete_sub_activity(sub_id: int) -> Response:
    sub = sub_or_404(sub_id)
    year, unit_id = planning.year_of(g.db, sub).year, sub.org_unit_id
    if request.form.get("confirm") != "yes":
        raise InvalidInput(
            _m("confirm that the sub-activity and its lines are deleted"),
            {"confirm": _m("required")},
        )
    planning.delete_sub_activity(g.db, sub, actor=me())
    flash(_("The sub-activity was deleted."), "success")
    return back(".opd", year=year, unit_id=unit_id)


@blueprint.post("/sub/<id:sub_id>/lines")
@viewer
@refusal_shows(_render_sub_with_line_form, beside_form=True)
def add_line(sub_id: int) -> Response:
    form = request.form
    planning.add_line(
        g.db,
        sub_or_404(sub_id).id,
        catalogue_item_id=form_number("catalogue_item_id"),
        account_code=form.get("account_code", ""),
        factors=parse_coefficient(form.get("coefficient", "")),
        unit_price=optional_amount(form.get("unit_price"), "unit_price"),
        description=form.get("description", ""),
        actor=me(),
        override_reason=form.get("override_reason") or None,
    )
    flash(_("The line was added."), "success")
    return back(".sub_activity", sub_id=sub_id, _anchor="lines")


def render_line(line_id: int, **_args: object) -> str:
    try:
        line = planning.get_line(g.db, line_id, me())
    except ServiceError:
        abort(404)
    sub = sub_or_404(line.sub_activity_id)
    fiscal_year: FiscalYear = planning.year_of(g.db, sub)
    refused = request.method == "POST"
    form = (
        request.form.to_dict()
        if refused
        else {
            "catalogue_item_id": str(line.catalogue_item_id),
            "account_code": line.account_code,
            "coefficient": coefficient_text(line.factors),
            "unit_price": f"{line.unit_price:f}",
            "description": line.description,
        }
    )
    return render_template(
        "ebudgeting/line_edit.html",
        line=line,
        sub=sub,
        fiscal_year=fiscal_year,
        form=form,
        catalogue_groups=catalogue_for(fiscal_year.year),
        all_accounts=level6_accounts(),
        may_override=me().may_override,
    )


@blueprint.route("/line/<id:line_id>", methods=["GET", "POST"])
@viewer
@refusal_shows(render_line, beside_form=True)
def edit_line(line_id: int) -> str | Response:
    if request.method == "GET":
        return render_line(line_id)
    try:
        line = planning.get_line(g.db, line_id, me())
    except ServiceError:
        abort(404)
    form = request.form
    planning.update_line(
        g.db,
        line,
        actor=me(),
        catalogue_item_id=form_number("catalogue_item_id"),
        account_code=form.get("account_code", ""),
        factors=parse_coefficient(form.get("coefficient", "")),
        unit_price=optional_amount(form.get("unit_price"), "unit_price"),
        description=form.get("description", ""),
        override_reason=form.get("override_reason") or None,
    )
    flash(_("The line was saved."), "success")
    return back(".sub_activity", sub_id=line.sub_activity_id, _anchor="lines")


def _render_sub_of_line(line_id: int, **_args: object) -> str:
    try:
        line = planning.get_line(g.db, line_id, me())
    except ServiceError:
        abort(404)
    return render_sub(line.sub_activity_id)


@blueprint.post("/line/<id:line_id>/delete")
@viewer
@refusal_shows(_render_sub_of_line)
def delete_line(line_id: int) -> Response:
    try:
        line = planning.get_line(g.db, line_id, me())
    except ServiceError:
        abort(404)
    sub_id = line.sub_activity_id
    if request.form.get("confirm") != "yes":
        raise InvalidInput(_m("confirm that the line is deleted"), {"confirm": _m("required")})
    planning.delete_line(g.db, line, actor=me())
    flash(_("The line was deleted."), "success")
    return back(".sub_activity", sub_id=sub_id, _anchor="lines")


@blueprint.post("/sub/<id:sub_id>/review")
@viewer
@refusal_shows(render_sub)
def review_sub(sub_id: int) -> Response:
    sub_or_404(sub_id)
    sub: SubActivity = review.transition(
        g.db, sub_id, request.form.get("action", ""), note=request.form.get("note"), actor=me()
    )
    flash(_("The plan is now: %(status)s.", status=translate(STATUS[sub.status][1])), "success")
    return back(".sub_activity", sub_id=sub_id)


@blueprint.post("/sub/<id:sub_id>/cash-plan")
@viewer
@refusal_shows(render_sub)
def cash_plan(sub_id: int) -> Response:
    sub_or_404(sub_id)
    amounts = [form_amount(request.form.get(f"m{m}") or "0", f"m{m}") for m in range(1, 13)]
    execution.set_cash_plan(g.db, sub_id, amounts, actor=me())
    flash(_("The cash plan was saved."), "success")
    return back(".sub_activity", sub_id=sub_id, _anchor="cash-plan")
