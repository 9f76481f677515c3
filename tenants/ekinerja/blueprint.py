"""e-Kinerja's pages: my attendance and TPP (phone-first), and the supervisor's queue."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from smartcity.toolkit import (
    ServiceError,
    TenantPrincipal,
    access,
    query_int,
    query_year,
    rupiah,
    translate,
)
from werkzeug.wrappers import Response

from . import attendance, photos, runs, worklogs
from .access import APPROVE, SELF, Actor, actor_for
from .messages import _
from .periods import month_end
from .rules import COMPONENT_LABELS

blueprint = Blueprint("ekinerja", __name__, template_folder="templates")


def web() -> Blueprint:
    return blueprint


def _actor() -> Actor:
    """The signed-in user as an actor (the gate has checked the page's rule)."""
    principal: TenantPrincipal = current_user
    return actor_for(g.db, principal)


@blueprint.get("/")
@access.requires(SELF)
def index() -> str:
    """The person's month: each day's check-in and check-out, and why the TPP was cut."""
    actor = _actor()
    today = datetime.now(attendance.zone(g.db)).date()
    year = query_year("year") or today.year
    month = query_int("month") or today.month
    if not 1 <= month <= 12:
        month = today.month
    tz = attendance.zone(g.db)
    days = []
    found = None
    if actor.staff_id is not None:
        days = attendance.days_of(
            g.db, actor.staff_id, date(year, month, 1), month_end(year, month)
        )
        found = runs.statement_of(g.db, actor.staff_id, year, month)
    return render_template(
        "ekinerja/index.html",
        actor=actor,
        year=year,
        month=month,
        days=days,
        tz=tz,
        found=found,
        labels={k: translate(v) for k, v in COMPONENT_LABELS.items()},
        rupiah=rupiah,
    )


@blueprint.get("/queue")
@access.requires(APPROVE)
def queue() -> str:
    actor = _actor()
    rows = worklogs.queue(g.db, actor.staff_id) if actor.staff_id is not None else []
    punches = attendance.pending_punches(g.db, actor.staff_id) if actor.staff_id is not None else []
    return render_template(
        "ekinerja/queue.html",
        actor=actor,
        rows=rows,
        punches=punches,
        tz=attendance.zone(g.db),
        photo_ids=photos.with_photo(g.db, [punch.id for punch, _person in punches]),
    )


@blueprint.post("/queue")
@access.requires(APPROVE)
def decide() -> Response:
    """Bulk approve, or return with a note, the ticked logs."""
    actor = _actor()
    ids = [int(v) for v in request.form.getlist("log_id") if v.isdigit() and len(v) < 19]
    approve = request.form.get("action") == "approve"
    try:
        done = worklogs.decide(
            g.db,
            actor,
            ids,
            approve=approve,
            note=request.form.get("note", "")[:2000],
            today=datetime.now(attendance.zone(g.db)).date(),
        )
    except ServiceError as error:
        g.db.rollback()
        flash(translate(error.message), "danger")
    else:
        flash(_("%(count)s work logs decided.", count=len(done)), "success")
    return redirect(url_for(".queue"), 303)
