"""Pages of the TPP follow-ups: my objections, the unit's objection queue, "what if", and
asking for the month's signed list or payroll export of a unit.

Routes on the app's one blueprint (``blueprint.blueprint``), kept in their own
module; the manifest imports it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from smartcity.toolkit import (
    OrgUnit,
    ServiceError,
    TenantPrincipal,
    access,
    current_tenant,
    month_name,
    query_int,
    query_year,
    rupiah,
    submit_job,
    translate,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from . import objections, payroll, runs, whatif
from .access import REGENCY, SELF, UNIT
from .api import file_response
from .attendance import zone
from .blueprint import _actor, blueprint
from .messages import _
from .models import RuleSet
from .pages import KIND_LABELS, uploaded_evidence
from .rules import ABSENCE_KINDS, COMPONENT_LABELS


def _today() -> Any:
    return datetime.now(zone(g.db)).date()


def _month_args() -> tuple[int, int]:
    today = _today()
    year = query_year("year") or today.year
    month = query_int("month") or today.month
    return year, month if 1 <= month <= 12 else today.month


def _refusal(error: ServiceError) -> str:
    """The refusal and what is wrong with each field: "the correction is not valid"
    alone does not tell the admin that the check-out came before the check-in."""
    return "; ".join([translate(error.message), *(translate(v) for v in error.fields.values())])


@blueprint.get("/objections")
@access.requires(SELF)
def objections_mine() -> str:
    """My objections with their decisions, and the form to object to a line of a month."""
    actor = _actor()
    year, month = _month_args()
    latest = (
        runs.latest_statement_month(g.db, actor.staff_id) if actor.staff_id is not None else None
    )
    if latest is not None and "year" not in request.args and "month" not in request.args:
        year, month = latest  # as "My TPP": the statement last computed, not an empty month
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
        fmt_month=lambda year, month: month_name(date(year, month, 1)),
    )


def _form_id(field: str) -> int | None:
    """An id the form sent (a select's value, a hidden field); None if left empty.

    Anything but an id (digits in another script, text) names nothing that exists,
    0: a tampered line is not "the whole statement", nor a tampered statement id none.
    """
    raw = request.form.get(field, "").strip()
    if not raw:
        return None
    return int(raw) if raw.isascii() and raw.isdecimal() and len(raw) < 19 else 0


@blueprint.post("/objections")
@access.requires(SELF)
def objection_submit() -> Response:
    actor = _actor()
    year, month = _month_args()
    try:
        objections.submit(
            g.db,
            actor,
            year=year,
            month=month,
            line_id=_form_id("line_id"),
            reason=request.form.get("reason", "")[:4000],
            evidence=uploaded_evidence(),
            statement_id=_form_id("statement_id"),
        )
    except ServiceError as error:
        g.db.rollback()
        flash(_refusal(error), "danger")
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
        kinds=[(kind, translate(KIND_LABELS[kind])) for kind in ABSENCE_KINDS],
        rupiah=rupiah,
        fmt_month=lambda year, month: month_name(date(year, month, 1)),
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
    elif form.get("correction") == "present":
        correction = {"kind": "present", "event_absence_id": form.get("event_absence_id", "")[:40]}
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
        flash(_refusal(error), "danger")
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


#: The documents of a month's TPP a unit's admin asks for: (report, format), by choice.
DOCUMENTS = {
    "signed": (payroll.SIGNED, "pdf"),
    "csv": (payroll.PAYROLL, "csv"),
    "xlsx": (payroll.PAYROLL, "xlsx"),
}


@blueprint.route("/tpp-lists", methods=["GET", "POST"])
@access.requires(UNIT)
def tpp_lists() -> Response | tuple[str, int]:
    """Ask for a month's signed TPP list or payroll export of a unit one manages (BKPSDM:
    any unit, or all): a job of the core's framework, whose ``authorize`` decides; the
    file appears on the jobs page."""
    actor = _actor()
    query = select(OrgUnit).order_by(OrgUnit.code, OrgUnit.id)
    if actor.unit_ids is not None:
        query = query.where(OrgUnit.id.in_(sorted(actor.unit_ids)))
    units = list(g.db.scalars(query.limit(2000)))
    last_year, last_month = whatif.previous_month(_today())
    values = {"year": str(last_year), "month": str(last_month), "document": "signed"}
    error = None
    status = 200
    if request.method == "POST":
        form = request.form
        values = {k: form.get(k, "")[:20] for k in ("year", "month", "document", "org_unit_id")}
        report, fmt = DOCUMENTS.get(values["document"], DOCUMENTS["signed"])
        raw_unit = values["org_unit_id"].strip()
        params: dict[str, Any] = {
            "year": values["year"],
            "month": values["month"],
            "format": fmt,
            "org_unit_id": raw_unit or None,
        }
        principal: TenantPrincipal = current_user
        try:
            submit_job(
                g.db,
                report.kind,
                params,
                principal.label,
                tenant=current_tenant(),
                user_id=principal.user.id,
                permissions=principal.permissions,
            )
        except ServiceError as failure:
            g.db.rollback()
            problems = [translate(v) for v in failure.fields.values()]
            error = "; ".join([translate(failure.message), *problems])
            status = failure.status if 400 <= failure.status < 500 else 422
        else:
            flash(_("The list is being prepared; download it from Reports and jobs."), "success")
            return redirect(url_for("tenant_web.job_list"), 303)
    page = render_template(
        "ekinerja/tpp_lists.html",
        units=units,
        regency=actor.can(REGENCY),
        values=values,
        error=error,
    )
    return page, status
