"""Pages of the TPP follow-ups: my objections, the unit's objection queue, "what if".

Routes on the app's one blueprint (``blueprint.blueprint``), kept in their own
module; the manifest imports it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from smartcity.toolkit import ServiceError, access, query_int, query_year, rupiah, translate
from sqlalchemy import select
from werkzeug.wrappers import Response

from . import objections, runs, whatif
from .access import REGENCY, SELF, UNIT
from .api import file_response
from .attendance import zone
from .blueprint import _actor, blueprint
from .messages import _
from .models import RuleSet
from .pages import uploaded_evidence
from .rules import ABSENCE_KINDS, COMPONENT_LABELS


def _today() -> Any:
    return datetime.now(zone(g.db)).date()


def _month_args() -> tuple[int, int]:
    today = _today()
    year = query_year("year") or today.year
    month = query_int("month") or today.month
    return year, month if 1 <= month <= 12 else today.month


@blueprint.get("/objections")
@access.requires(SELF)
def objections_mine() -> str:
    """My objections with their decisions, and the form to object to a line of a month."""
    actor = _actor()
    year, month = _month_args()
    found = None
    mine = []
    if actor.staff_id is not None:
        found = runs.statement_of(g.db, actor.staff_id, year, month)
        mine = objections.of_person(g.db, actor.staff_id)
    return render_template(
        "ekinerja/objections.html",
        actor=actor,
        year=year,
        month=month,
        found=found,
        mine=mine,
        labels={k: translate(v) for k, v in COMPONENT_LABELS.items()},
        rupiah=rupiah,
    )


@blueprint.post("/objections")
@access.requires(SELF)
def objection_submit() -> Response:
    actor = _actor()
    year, month = _month_args()
    raw_line = request.form.get("line_id", "")
    try:
        objections.submit(
            g.db,
            actor,
            year=year,
            month=month,
            line_id=int(raw_line) if raw_line.isdecimal() and len(raw_line) < 19 else None,
            reason=request.form.get("reason", "")[:4000],
            evidence=uploaded_evidence(),
        )
    except ServiceError as error:
        g.db.rollback()
        flash(translate(error.message), "danger")
    else:
        flash(_("Your objection was sent to your unit's admin."), "success")
    return redirect(url_for(".objections_mine", year=year, month=month), 303)


@blueprint.get("/objections/<id:objection_id>/evidence")
@access.requires(SELF)
def objection_evidence(objection_id: int) -> Response:
    """The evidence file, to the person who objected and to their unit's admins."""
    objection = objections.evidence_of(g.db, _actor(), objection_id)
    return file_response(
        objection.evidence or b"", objection.evidence_type, objection.evidence_name
    )


@blueprint.get("/objections/queue")
@access.requires(UNIT)
def objection_queue() -> str:
    actor = _actor()
    return render_template(
        "ekinerja/objection_queue.html",
        rows=objections.for_units(g.db, actor),
        labels={k: translate(v) for k, v in COMPONENT_LABELS.items()},
        kinds=ABSENCE_KINDS,
        rupiah=rupiah,
    )


@blueprint.post("/objections/<id:objection_id>/decision")
@access.requires(UNIT)
def objection_decision(objection_id: int) -> Response:
    form = request.form
    correction: dict[str, Any] | None = None
    if form.get("correction") == "excuse":
        correction = {
            "kind": "excuse",
            "absence_kind": form.get("absence_kind", ""),
            "start_day": form.get("start_day", ""),
            "end_day": form.get("end_day") or form.get("start_day", ""),
        }
    elif form.get("correction") == "punch":
        correction = {
            "kind": "punch",
            "day": form.get("day", ""),
            "check_in": form.get("check_in") or None,
            "check_out": form.get("check_out") or None,
        }
    try:
        objections.decide(
            g.db,
            _actor(),
            objection_id,
            accept=form.get("action") == "accept",
            note=form.get("note", "")[:4000],
            correction=correction,
        )
    except ServiceError as error:
        g.db.rollback()
        flash(translate(error.message), "danger")
    else:
        flash(_("The objection is decided."), "success")
    return redirect(url_for(".objection_queue"), 303)


@blueprint.get("/what-if")
@access.requires(REGENCY)
def what_if() -> str:
    """A draft rule set over a past month (last month unless chosen) against the one in force."""
    actor = _actor()
    today = _today()
    last_year, last_month = whatif.previous_month(today)
    year = query_year("year") or last_year
    month = query_int("month") or last_month
    if not 1 <= month <= 12:
        month = last_month
    drafts = list(
        g.db.scalars(select(RuleSet).where(RuleSet.status == "draft").order_by(RuleSet.id.desc()))
    )
    chosen = query_int("rule_set_id") or (drafts[0].id if drafts else None)
    result = error = None
    if chosen is not None:
        try:
            result = whatif.run(g.db, actor, chosen, year, month, today=today)
        except ServiceError as failure:
            error = translate(failure.message)
    return render_template(
        "ekinerja/what_if.html",
        drafts=drafts,
        chosen=chosen,
        year=year,
        month=month,
        result=result,
        error=error,
        rupiah=rupiah,
    )
