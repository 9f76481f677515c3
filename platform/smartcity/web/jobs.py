"""The user's background jobs: live progress bars, downloads, and report requests.

The list page polls a small JSON endpoint (``/jobs/progress``) every second or
two with a few lines of vanilla JavaScript (``static/js/jobs.js``); without
JavaScript the page still works, it just needs a reload. Report forms are
generated from each report's pydantic parameter model, so a new report needs no
template of its own.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from sqlalchemy import select
from sqlalchemy.orm import load_only
from werkzeug.wrappers import Response

from smartcity.auth.principal import TenantPrincipal
from smartcity.bounds import id_or_none
from smartcity.errors import InvalidInput, ServiceError
from smartcity.jobs import catalog, service
from smartcity.jobs.http import file_response
from smartcity.jobs.models import Job, JobStatus, StoredFile
from smartcity.jobs.retention import (
    MONTHLY_DAY_RANGE,
    RESULT_DAYS_RANGE,
    job_preferences,
    update_job_preferences,
)
from smartcity.reports import Report, ReportFormat
from smartcity.tenancy.resolver import current_tenant
from smartcity.web import N_, page_number, paginate, translate
from smartcity.web.access import TENANT_MANAGE, blueprint, permitted, signed_in

JOBS_PER_PAGE = 25
STATUS_LABELS = {
    JobStatus.QUEUED: N_("Queued"),
    JobStatus.RUNNING: N_("Running"),
    JobStatus.SUCCEEDED: N_("Done"),
    JobStatus.FAILED: N_("Failed"),
    JobStatus.CANCELLED: N_("Cancelled"),
    JobStatus.EXPIRED: N_("Expired"),
}
STATUS_COLORS = {
    JobStatus.QUEUED: "secondary",
    JobStatus.RUNNING: "primary",
    JobStatus.SUCCEEDED: "success",
    JobStatus.FAILED: "danger",
    JobStatus.CANCELLED: "warning text-dark",
    JobStatus.EXPIRED: "light text-dark border",
}
FORMAT_LABELS = {
    ReportFormat.PDF: "PDF",
    ReportFormat.XLSX: "Excel (XLSX)",
    ReportFormat.CSV: "CSV",
}
# Messages of the job services and parameter checks, for the catalogue.
JOB_MESSAGES = (
    N_("must not be before the start date"),
    N_("between 1 and 365 days"),
    N_("a day between 1 and 28"),
)


def _principal() -> TenantPrincipal:
    principal: TenantPrincipal = current_user  # signed_in guarantees it
    return principal


def _viewer() -> service.Viewer:
    principal = _principal()
    return service.Viewer(principal.user.id, principal.permissions)


def status_label(status: str) -> str:
    return translate(STATUS_LABELS.get(JobStatus(status), status))


def _available_reports() -> list[Report[Any]]:
    tenant, principal = current_tenant(), _principal()
    reports = []
    for report in catalog.reports().values():
        kind = catalog.job_kind(report.kind)
        if kind is not None and kind.available_to(tenant.apps, principal.permissions):
            reports.append(report)
    return sorted(reports, key=lambda r: translate(r.title))


def _result_files(jobs: list[Job]) -> dict[int, StoredFile]:
    ids = [j.result_file_id for j in jobs if j.result_file_id is not None]
    if not ids:
        return {}
    query = (
        select(StoredFile)
        .where(StoredFile.id.in_(ids))
        .options(load_only(StoredFile.name, StoredFile.size, raiseload=True))
    )
    return {f.id: f for f in g.db.scalars(query)}


def job_state(job: Job) -> dict[str, Any]:
    """What the progress poll needs to redraw one row."""
    status = JobStatus(job.status)
    return {
        "id": job.id,
        "status": status.value,
        "status_label": status_label(status),
        "status_class": STATUS_COLORS[status],
        "progress": job.progress,
        "final": status.final,
        "cancel_requested": job.cancel_requested,
        "error": job.error,
        "download_url": url_for("tenant_web.job_download", job_id=job.id)
        if status == JobStatus.SUCCEEDED and job.result_file_id is not None
        else None,
    }


# --------------------------------------------------------------------------- pages


@blueprint.get("/jobs")
@signed_in
def job_list() -> str:
    viewer = _viewer()
    page = paginate(g.db, service.visible_jobs(viewer), page_number(), JOBS_PER_PAGE)
    return render_template(
        "tenant_web/jobs.html",
        page=page,
        files=_result_files(page.items),
        states={job.id: job_state(job) for job in page.items},
        titles={job.id: translate(service.kind_title(job.kind)) for job in page.items},
        sees_all=viewer.sees_all,
        can_request=bool(_available_reports()),
        is_admin=_principal().can(TENANT_MANAGE),
    )


@blueprint.get("/jobs/progress")
@signed_in
def job_progress() -> Response:
    """The current state of the listed jobs (``?ids=1,2,3``), for the progress bars."""
    parts = request.args.get("ids", "").split(",")
    ids = [job_id for part in parts if (job_id := id_or_none(part)) is not None]
    jobs = service.jobs_by_id(g.db, ids, _viewer())
    response = jsonify(jobs=[job_state(job) for job in jobs])
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/jobs/new", methods=["GET", "POST"])
@signed_in
def job_new() -> Response | tuple[str, int]:
    reports = _available_reports()
    by_name = {r.name: r for r in reports}
    chosen = request.form.get("report") or request.args.get("report")
    errors: dict[str, str] = {}
    status = 200
    submitted: dict[str, Any] | None = None
    if request.method == "POST":
        report = by_name.get(chosen or "")
        if report is None:
            errors = {"report": _("Choose one of the reports below.")}
            status = 422
        else:
            submitted = read_params(report, request.form)
            principal = _principal()
            try:
                service.submit(
                    g.db,
                    report.kind,
                    submitted,
                    principal.label,
                    tenant=current_tenant(),
                    user_id=principal.user.id,
                    permissions=principal.permissions,
                )
            except ServiceError as exc:
                # InvalidInput names the parameters; a report's ``authorize`` may also
                # refuse them to this user (Forbidden): say why above the form too.
                errors = {k.removeprefix("params."): translate(v) for k, v in exc.fields.items()}
                if not isinstance(exc, InvalidInput) or not errors:
                    errors["report"] = translate(exc.message)
                status = 422 if isinstance(exc, InvalidInput) else exc.status
            else:
                flash(
                    _("Your report is being prepared; it appears below when it is ready."),
                    "success",
                )
                return redirect(url_for(".job_list"), 303)
    forms = [
        ReportForm(
            report,
            param_fields(report, submitted if report.name == chosen else None, errors),
            open=report.name == chosen,
        )
        for report in reports
    ]
    page = render_template("tenant_web/jobs_new.html", forms=forms, errors=errors)
    return page, status


@blueprint.post("/jobs/<id:job_id>/cancel")
@signed_in
def job_cancel(job_id: int) -> Response:
    try:
        job = service.cancel(
            g.db, job_id, _viewer(), actor=_principal().label, tenant=current_tenant()
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise
        flash(_("This job has already finished."), "warning")
    else:
        if job.status == JobStatus.CANCELLED:
            flash(_("The job was cancelled."), "info")
        else:
            flash(_("The job stops at its next step."), "info")
    return redirect(url_for(".job_list"), 303)


@blueprint.get("/jobs/<id:job_id>/download")
@signed_in
def job_download(job_id: int) -> Response:
    viewer = _viewer()
    job = service.get_job(g.db, job_id, viewer)
    return file_response(service.result_file(g.db, job, viewer, current_tenant()))


@blueprint.route("/jobs/settings", methods=["GET", "POST"])
@permitted(TENANT_MANAGE)
def job_settings() -> Response | tuple[str, int]:
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {
            key: request.form.get(key, "").strip() for key in ("result_days", "monthly_report_day")
        }
        numbers = {}
        for key, raw in values.items():
            if raw.isdecimal():
                numbers[key] = int(raw)
            else:
                errors[key] = _("Enter a whole number.")
        if not errors:
            try:
                update_job_preferences(g.db, actor=_principal().label, **numbers)
            except InvalidInput as exc:
                errors = {k: translate(v) for k, v in exc.fields.items()}
            else:
                flash(_("The job settings were saved."), "success")
                return redirect(url_for(".job_settings"), 303)
    current = job_preferences(g.db)
    page = render_template(
        "tenant_web/jobs_settings.html",
        values=values
        or {
            "result_days": str(current.result_days),
            "monthly_report_day": str(current.monthly_report_day),
        },
        errors=errors,
        days=RESULT_DAYS_RANGE,
        month_days=MONTHLY_DAY_RANGE,
    )
    return page, 422 if errors else 200


# --------------------------------------------------------------------------- report forms


@dataclass
class ParamField:
    """One input of a report's request form."""

    name: str
    label: str
    input: Literal["date", "checkbox", "number", "select", "text"]
    value: Any
    choices: list[tuple[str, str]] = field(default_factory=list)
    minimum: int | None = None
    maximum: int | None = None
    error: str | None = None


@dataclass
class ReportForm:
    report: Report[Any]
    fields: list[ParamField]
    open: bool = False


def _plain(annotation: Any) -> Any:
    """``X | None`` -> ``X``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _bounds(info: FieldInfo) -> tuple[int | None, int | None]:
    low = high = None
    for item in info.metadata:
        low = getattr(item, "ge", low)
        high = getattr(item, "le", high)
    return low, high


def param_fields(
    report: Report[Any], submitted: Mapping[str, Any] | None, errors: Mapping[str, str]
) -> list[ParamField]:
    """The form inputs of ``report``'s parameters, filled with what was sent (or defaults)."""
    fields = []
    for name, info in report.params.model_fields.items():
        annotation = _plain(info.annotation)
        default = info.get_default(call_default_factory=True)
        if default is PydanticUndefined:
            # A required parameter: the one people ask about most is the budget
            # year, which is this year far more often than not.
            default = _today().year if name == "year" and annotation is int else None
        value = submitted.get(name, default) if submitted is not None else default
        label = translate(info.title or name.replace("_", " ").capitalize())
        param = ParamField(name, label, "text", value, error=errors.get(name))
        if name == "format":
            param.input = "select"
            param.choices = [(f.value, FORMAT_LABELS[f]) for f in report.formats]
            param.value = getattr(value, "value", value)
        elif annotation is bool:
            param.input = "checkbox"
        elif annotation is date:
            param.input = "date"
            param.value = value.isoformat() if isinstance(value, date) else value
        elif annotation is int:
            param.input = "number"
            param.minimum, param.maximum = _bounds(info)
        elif isinstance(annotation, type) and issubclass(annotation, Enum):
            param.input = "select"
            param.choices = [(str(m.value), str(m.value)) for m in annotation]
            param.value = getattr(value, "value", value)
        elif get_origin(annotation) is Literal:
            param.input = "select"
            labels = _choice_labels(info)
            param.choices = [
                (str(v), translate(labels.get(str(v), str(v)))) for v in get_args(annotation)
            ]
            if info.annotation is not annotation:  # optional: an empty choice first
                param.choices.insert(0, ("", translate(labels.get("", "")) or "-"))
                param.value = "" if value is None else value
        fields.append(param)
    return fields


def _choice_labels(info: FieldInfo) -> dict[str, str]:
    """Labels a report gives its choices (``json_schema_extra={"choice_labels": ...}``)."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    labels = extra.get("choice_labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _today() -> date:
    """Today in the regency's own time zone (WIB, WITA or WIT)."""
    return datetime.now(get_timezone()).date()


def read_params(report: Report[Any], form: Mapping[str, str]) -> dict[str, Any]:
    """The form's values for ``report``'s parameters; empty inputs keep their defaults."""
    values: dict[str, Any] = {}
    for name, info in report.params.model_fields.items():
        if _plain(info.annotation) is bool:
            values[name] = form.get(name) in ("on", "true", "1", "y")
            continue
        raw = (form.get(name) or "").strip()
        if raw:
            values[name] = raw
    return values
