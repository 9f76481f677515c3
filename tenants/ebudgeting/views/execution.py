"""The realization page: cash plan against payments per month, OPD and program; SP2D
payments typed in or imported."""

from __future__ import annotations

from flask import abort, flash, g, render_template, request
from smartcity.toolkit import (
    BIGINT_MAX,
    InvalidInput,
    Job,
    ServiceError,
    query_int,
    rupiah,
    translate,
    upload_runs_as_job,
    whole_number,
)
from werkzeug.wrappers import Response

from tenants.ebudgeting import ceilings, execution, stages
from tenants.ebudgeting.access import PAYMENTS
from tenants.ebudgeting.execution import payment_jobs
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.models import PaymentImport
from tenants.ebudgeting.views.common import (
    MONTH_NAMES,
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


def render_realization(
    year: int, *, problems: list[execution.Problem] | None = None, **_args: object
) -> str:
    fiscal_year = year_or_404(year)
    actor = me()
    unit_id = query_int("opd")
    if unit_id is not None and not actor.sees_unit(unit_id):
        abort(404)
    months = execution.by_month(g.db, fiscal_year, actor, unit_id)
    # The paid line stops at the last month with a payment, not flat into the future.
    last_paid = max((m.month for m in months if m.realized), default=0)
    chart = {
        "labels": [translate(m) for m in MONTH_NAMES],
        "planned": [float(m.planned_cumulative) for m in months],
        "realized": [
            float(m.realized_cumulative) if m.month <= last_paid else None for m in months
        ],
        "text": {"planned": _("Cash plan (cumulative)"), "realized": _("Paid (cumulative)")},
    }
    snapshot = stages.execution_snapshot(g.db, fiscal_year)
    may_pay = actor.can(PAYMENTS) and snapshot is not None
    lines = execution.dpa_lines(g.db, fiscal_year, actor) if may_pay else []
    return render_template(
        "ebudgeting/realization.html",
        fiscal_year=fiscal_year,
        unit_id=unit_id,
        opds=[u for u in ceilings.list_opds(g.db) if actor.sees_unit(u.id)],
        execution=snapshot,
        per_opd=execution.by_opd(g.db, fiscal_year, actor),
        per_program=execution.by_program(g.db, fiscal_year, actor, unit_id),
        months=months,
        month_names=MONTH_NAMES,
        chart=chart,
        payments=execution.payments(g.db, fiscal_year, actor, limit=50),
        can_pay=may_pay,
        dpa_lines=lines,
        problems=problems or [],
    )


def _render_import_problems(year: int, **_args: object) -> str:
    """The page after a refused file: every bad row, in the reader's language."""
    problems = g.get("eb_import_problems", [])
    return render_realization(year, problems=problems)


@blueprint.get("/<year:year>/realization")
@viewer
def realization_page(year: int) -> str:
    return render_realization(year)


@blueprint.post("/<year:year>/payments")
@viewer
@refusal_shows(render_realization)
def record_payment(year: int) -> Response:
    form = request.form
    paid_on = execution.parse_day(form.get("paid_on"))
    if paid_on is None:
        raise InvalidInput(_m("the SP2D date is not a date"), {"paid_on": _m("a date")})
    # The form names a DPA line ("<sub-activity id>:<account>"); the service checks it.
    sub_id, _sep, account = form.get("dpa_line", "").partition(":")
    sub_activity_id = (
        whole_number(sub_id, "dpa_line", 0, BIGINT_MAX)
        if sub_id
        else form_number("sub_activity_id")
    )
    execution.record_payment(
        g.db,
        year_or_404(year),
        sp2d_number=form.get("sp2d_number", ""),
        paid_on=paid_on,
        sub_activity_id=sub_activity_id,
        account_code=account or form.get("account_code", ""),
        amount=form_amount(form.get("amount"), "amount"),
        description=form.get("description", ""),
        actor=me(),
    )
    flash(_("The payment was recorded."), "success")
    return back(".realization_page", year=year)


@blueprint.post("/<year:year>/payments/import")
@viewer
@refusal_shows(_render_import_problems)
def import_payments(year: int) -> Response:
    fiscal_year = year_or_404(year)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput(_m("Choose a CSV or XLSX file."), {"file": _m("a CSV or XLSX file")})
    data = upload.read()
    if upload_runs_as_job(data):
        stored = payment_jobs.start(g.db, fiscal_year, upload.filename, data, actor=me())
        flash(_("The file is large: it is imported in the background, follow it here."), "info")
        return back(".payment_upload_page", year=year, upload_id=stored.id)
    try:
        result = execution.import_payments(g.db, fiscal_year, upload.filename, data, actor=me())
    except execution.ImportRejected as exc:
        # Each bad row goes to the page's table; the refusal itself is the summary.
        g.eb_import_problems = exc.problems
        raise
    flash(
        _(
            "%(rows)s payments imported, %(total)s in all.",
            rows=result.rows,
            total=rupiah(result.total),
        ),
        "success",
    )
    return back(".realization_page", year=year)


@blueprint.get("/<year:year>/payments/uploads/<id:upload_id>")
@viewer
def payment_upload_page(year: int, upload_id: int) -> str:
    """A big payment file: the job's progress while it runs, then what became of it."""
    fiscal_year = year_or_404(year)
    try:
        stored = payment_jobs.get_upload(g.db, fiscal_year, upload_id)
    except ServiceError:
        abort(404)
    job = g.db.get(Job, stored.job_id) if stored.job_id is not None else None
    return render_template(
        "ebudgeting/payment_upload.html",
        fiscal_year=fiscal_year,
        upload=stored,
        job=job,
        refusal=payment_jobs.refusal(stored),
        problems=payment_jobs.problems(stored),
        batch=g.db.get(PaymentImport, stored.import_id) if stored.import_id else None,
    )
