"""Staff pages: the complaints inbox, one complaint with its decisions, the standards list.

Views parse the form and call the same services as the API; the request
boundary commits (status < 400). A refused change shows why and rolls back.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from smartcity.toolkit import (
    NotFound,
    OrgUnit,
    ServiceError,
    TenantPrincipal,
    access,
    current_tenant,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from . import api, complaints, duplicates, public, standards, survey
from .access import COORDINATE, SETTINGS, STANDARDS_EDIT, VIEW, Actor, actor_for
from .messages import N_, M, _
from .models import Service

blueprint = Blueprint("pelayanan", __name__, template_folder="templates")


def web() -> Blueprint:
    return blueprint


def _actor() -> Actor:
    """The signed-in person (the gate has checked the page's rule before the view)."""
    principal: TenantPrincipal = current_user
    return actor_for(g.db, principal)


def _opds() -> list[OrgUnit]:
    return list(
        g.db.scalars(
            select(OrgUnit)
            .where(OrgUnit.parent_id.is_(None), OrgUnit.is_active)
            .order_by(OrgUnit.name)
        )
    )


@blueprint.get("/")
@access.requires(VIEW)
def index() -> str:
    actor = _actor()
    status = request.args.get("status") or None
    rows = api.visible(actor, status if status in complaints.STATUSES else None)
    return render_template(
        "pelayanan/index.html",
        complaints=rows,
        statuses=complaints.STATUSES,
        status=status,
        colour=complaints.colour,
        can_settings=actor.can(SETTINGS),
        can_coordinate=actor.can(COORDINATE),
    )


@blueprint.get("/complaints/<id:complaint_id>")
@access.requires(VIEW)
def complaint(complaint_id: int) -> str:
    actor = _actor()
    found = complaints.get(g.db, actor, complaint_id)
    names = {u.id: u.name for u in _opds()}
    suggested = (
        duplicates.suggest(g.db, actor, found)
        if actor.can(COORDINATE)
        and found.status in duplicates.MARKABLE
        and found.duplicate_of_id is None
        else []
    )
    return render_template(
        "pelayanan/complaint.html",
        c=api.staff_view(actor, found),
        actor=actor,
        suggested=suggested,
        places=PLACES,
        opds=names,
        statuses=complaints.STATUSES,
        dispatch_statuses=complaints.DISPATCH_STATUSES,
        classifications=complaints.CLASSIFICATIONS,
        categories=complaints.CATEGORIES,
        kecamatan=complaints.kecamatan_names(current_tenant().region_code),
    )


PLACES = {
    "kelurahan": N_("same kelurahan"),
    "nearby": N_("nearby"),
    "kecamatan": N_("same kecamatan"),
    "": N_("elsewhere"),
}


@blueprint.post("/complaints/<id:complaint_id>/duplicate")
@access.requires(VIEW)
def mark_duplicate(complaint_id: int) -> Response:
    actor = _actor()
    found = complaints.get(g.db, actor, complaint_id)
    original = request.form.get("original_id", "")
    try:
        if not original.isdecimal() or len(original) > 18:
            raise NotFound(M("no such complaint"))
        duplicates.mark(g.db, actor, found, int(original))
    except ServiceError as exc:
        g.db.rollback()
        flash(exc.message.localized(), "danger")
        return _back(complaint_id)
    flash(_("Marked as a duplicate."), "success")
    return _back(complaint_id)


def _back(complaint_id: int) -> Response:
    return redirect(url_for("pelayanan.complaint", complaint_id=complaint_id))


@blueprint.post("/complaints/<id:complaint_id>/decision")
@access.requires(VIEW)
def decide(complaint_id: int) -> Response:
    actor = _actor()
    found = complaints.get(g.db, actor, complaint_id)
    try:
        complaints.decide(
            g.db, actor, found, request.form.get("decision", ""), request.form.get("note")
        )
    except ServiceError as exc:
        g.db.rollback()
        flash(exc.message.localized(), "danger")
        return _back(complaint_id)
    flash(_("Saved."), "success")
    return _back(complaint_id)


@blueprint.post("/complaints/<id:complaint_id>/dispatch")
@access.requires(VIEW)
def dispatch(complaint_id: int) -> Response:
    actor = _actor()
    found = complaints.get(g.db, actor, complaint_id)
    units = [int(u) for u in request.form.getlist("org_unit_ids") if u.isdecimal() and len(u) < 19]
    try:
        complaints.dispatch(g.db, actor, found, units, request.form.get("instruction"))
    except ServiceError as exc:
        g.db.rollback()
        flash(exc.message.localized(), "danger")
        return _back(complaint_id)
    flash(_("Dispatched."), "success")
    return _back(complaint_id)


@blueprint.post("/dispatches/<id:dispatch_id>/respond")
@access.requires(VIEW)
def respond(dispatch_id: int) -> Response:
    actor = _actor()
    row = complaints.dispatch_for(g.db, actor, dispatch_id)
    try:
        complaints.respond(
            g.db, actor, row, request.form.get("response"), final=request.form.get("final") == "1"
        )
    except ServiceError as exc:
        g.db.rollback()
        flash(exc.message.localized(), "danger")
        return _back(row.complaint_id)
    flash(_("Saved."), "success")
    return _back(row.complaint_id)


@blueprint.get("/services")
@access.requires(VIEW)
def services() -> str:
    actor = _actor()
    stmt = select(Service).order_by(Service.name).limit(500)
    if actor.unit_ids is not None:
        stmt = stmt.where(Service.org_unit_id.in_(actor.unit_ids))
    names = {u.id: u.name for u in _opds()}
    return render_template(
        "pelayanan/services.html",
        services=list(g.db.scalars(stmt)),
        opds=names,
        statuses=standards.STATUSES,
        missing=standards.missing,
        can_edit=actor.can(STANDARDS_EDIT),
    )


@blueprint.get("/skm")
@access.requires(VIEW)
def skm() -> str:
    """Every service's satisfaction index (published or not), per OPD and the regency."""
    today = complaints.now(g.db).date()
    when = survey.period(request.args.get("period", "")[:10] or None, today)
    found = survey.results(g.db, when)
    return render_template("pelayanan/skm.html", r=found, **public.period_page())
