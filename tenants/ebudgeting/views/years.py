"""The year's pages: the list of fiscal years, the overview per year with each OPD's
pagu, the stage steps (RKA -> APBD -> DPA, the revision), reports and the SIPD export."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from smartcity.toolkit import (
    YEAR_MAX,
    InvalidInput,
    TenantPrincipal,
    current_tenant,
    rupiah,
    submit_job,
)
from werkzeug.wrappers import Response

from tenants.ebudgeting import catalogue, ceilings, execution, planning, review, sipd, stages, years
from tenants.ebudgeting.access import APPROVE_ITEM, CEILINGS
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.views.common import (
    JAKARTA,
    _,
    back,
    blueprint,
    form_amount,
    form_number,
    me,
    refusal_shows,
    viewer,
    year_or_404,
)
from tenants.ebudgeting.years import STAGE_TITLES, STAGES

REPORT_NAMES = ("ebudgeting_rka", "ebudgeting_program", "ebudgeting_realization")


def render_index(**_args: object) -> str:
    found = years.list_years(g.db)
    today = datetime.now(JAKARTA).date()
    return render_template("ebudgeting/index.html", years=found, today=today)


@blueprint.get("/")
@viewer
def index() -> str | Response:
    found = years.list_years(g.db)
    if found and request.args.get("all") is None:
        return redirect(url_for(".overview", year=found[0].year))
    return render_index()


@blueprint.post("/years")
@viewer
@refusal_shows(render_index)
def create_year() -> Response:
    fiscal_year = years.create_fiscal_year(g.db, form_number("year", YEAR_MAX), actor=me())
    flash(_("Fiscal year %(year)s is open.", year=fiscal_year.year), "success")
    return back(".overview", year=fiscal_year.year)


def render_overview(year: int, **_args: object) -> str:
    fiscal_year = year_or_404(year)
    actor = me()
    totals = ceilings.opd_totals(g.db, fiscal_year, actor)
    statuses: dict[int, dict[str, int]] = {}
    subs = planning.sub_activities(g.db, fiscal_year, actor)
    for sub, _total, _count in subs:
        per_unit = statuses.setdefault(sub.org_unit_id, {})
        per_unit[sub.status] = per_unit.get(sub.status, 0) + 1
    # What the next stage freezes, said next to its confirmation.
    freezes = {
        "subs": len(subs),
        "lines": sum(count for _s, _t, count in subs),
        "total": sum((total for _s, total, _c in subs), Decimal(0)),
    }
    totals_by_stage = stages.stage_totals(g.db, fiscal_year, actor)
    return render_template(
        "ebudgeting/overview.html",
        fiscal_year=fiscal_year,
        all_years=years.list_years(g.db),
        totals=totals,
        statuses=statuses,
        stage_totals=totals_by_stage,
        # One column, the newest stage taken: what the plans were frozen at.
        latest_stage=next((s for s in reversed(STAGES) if s in totals_by_stage), None),
        snapshots=stages.snapshots(g.db, fiscal_year),
        steps=stages.available_steps(fiscal_year, actor),
        kua_ppas=years.agreement_of(g.db, fiscal_year),
        legal_basis=stages.LEGAL_BASIS,
        freezes=freezes,
        elaboration=stages.ELABORATION,
        drafting=years.drafting_open(fiscal_year),
        notes=review.open_notes(g.db, fiscal_year, actor),
        unit_names={row.unit.id: row.unit.name for row in totals},
        pending_items=len(catalogue.pending(g.db)) if actor.can(APPROVE_ITEM) else 0,
        may_set_pagu=ceilings.may_set_ceilings(g.db, fiscal_year, actor),
        can_ceilings=actor.can(CEILINGS),
        may_override=actor.may_override,
        reports=REPORT_NAMES,
    )


@blueprint.get("/<year:year>/")
@viewer
def overview(year: int) -> str:
    return render_overview(year)


@blueprint.post("/<year:year>/ceilings/<id:unit_id>")
@viewer
@refusal_shows(render_overview)
def set_ceiling(year: int, unit_id: int) -> Response:
    return _save_ceiling(year, unit_id)


@blueprint.post("/<year:year>/ceilings")
@viewer
@refusal_shows(render_overview)
def set_ceiling_override(year: int) -> Response:
    """The same service, with the OPD chosen in the form and TAPD's written reason."""
    return _save_ceiling(year, form_number("unit_id"))


def _save_ceiling(year: int, unit_id: int) -> Response:
    ceilings.set_ceiling(
        g.db,
        year_or_404(year),
        unit_id,
        form_amount(request.form.get("amount"), "amount"),
        actor=me(),
        override_reason=request.form.get("override_reason") or None,
    )
    flash(_("The pagu was saved."), "success")
    return back(".overview", year=year)


@blueprint.post("/<year:year>/stage")
@viewer
@refusal_shows(render_overview)
def take_stage(year: int) -> Response:
    """Take the next stage on its document, once the chair confirmed it freezes the plans."""
    form = request.form
    if form.get("confirm") != "yes":
        raise InvalidInput(
            _m("confirm that the stage freezes every plan: it cannot be undone"),
            {"confirm": _m("required")},
        )
    document = stages.StageDocument(
        number=form.get("document_number", ""),
        day=execution.parse_day(form.get("document_date")),
        elaboration_number=form.get("elaboration_number") or None,
    )
    snap = stages.take_snapshot(
        g.db, year_or_404(year), form.get("stage", ""), document=document, actor=me()
    )
    flash(
        _(
            "The %(stage)s of %(year)s was taken: %(lines)s lines, %(total)s.",
            stage=STAGE_TITLES[snap.stage],
            year=year,
            lines=snap.line_count,
            total=rupiah(snap.total),
        ),
        "success",
    )
    return back(".overview", year=year)


@blueprint.post("/<year:year>/revision")
@viewer
@refusal_shows(render_overview)
def open_revision(year: int) -> Response:
    if request.form.get("confirm") != "yes":
        raise InvalidInput(
            _m("confirm that the revision puts every plan back in draft: it cannot be undone"),
            {"confirm": _m("required")},
        )
    count = stages.open_revision(g.db, year_or_404(year), actor=me())
    flash(
        _("The revision (RKA-P) is open: %(count)s plans are back in draft.", count=count),
        "success",
    )
    return back(".overview", year=year)


@blueprint.post("/<year:year>/reports")
@viewer
@refusal_shows(render_overview)
def request_report(year: int) -> Response:
    """Queue one of the app's reports as a job; the jobs page shows its progress."""
    name = request.form.get("report", "")
    if name not in REPORT_NAMES:
        abort(400)
    params: dict[str, Any] = {"year": year, "format": request.form.get("format", "pdf")}
    if request.form.get("org_unit_code"):
        params["org_unit_code"] = request.form["org_unit_code"]
    principal: TenantPrincipal = current_user
    submit_job(
        g.db,
        f"report:{name}",
        params,
        principal.label,
        tenant=current_tenant(),
        user_id=principal.user.id,
        permissions=principal.permissions,
    )
    flash(_("Your report is being prepared; it appears below when it is ready."), "success")
    return back("tenant_web.job_list")


@blueprint.get("/<year:year>/sipd.json")
@viewer
@refusal_shows(render_overview)
def sipd_export(year: int) -> Response:
    tenant = current_tenant()
    data = sipd.approved_budget(
        g.db,
        year_or_404(year),
        region_code=tenant.region_code,
        region_name=tenant.name,
        actor=me(),
    )
    response = jsonify(data)
    response.headers["Content-Disposition"] = f'attachment; filename="sipd-apbd-{year}.json"'
    return response
