"""Staff pages for editing: service standards, the regency's settings, SP4N-LAPOR!.

Registered on the staff blueprint (imported by the manifest). Each form is
CSRF-checked by the core, parsed here and handed to the same services as the
API, which write the audit records. A refused form is shown again with the
typed values and each field's error under it, in the page's language (the
hints below are msgids), and the request rolls back.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response as FlaskResponse
from flask import flash, g, redirect, render_template, request, url_for
from smartcity.toolkit import (
    InvalidInput,
    ServiceError,
    access,
    current_tenant,
    tenant_settings,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from . import config, lapor, public, standards
from .access import COORDINATE, SETTINGS, STANDARDS_APPROVE, STANDARDS_EDIT, VIEW
from .blueprint import _actor, _opds, blueprint
from .messages import N_, M, _
from .models import Service, SyncRun

#: A field's error as the page says it (msgid with the bounds).
HINTS = {
    "name": N_("3 to 200 characters"),
    "org_unit_id": N_("Choose one of your OPDs."),
    "promised_days": N_("A whole number from 1 to 365, or empty."),
    "taken": N_("This OPD already has a service with this name."),
    "component": N_("At most 4000 characters."),
    "required": N_("Required before approval."),
    "bounds": N_("A whole number from %(low)s to %(high)s."),
    "base_url": N_("An https:// address, without query or credentials."),
    "base_url_required": N_("Required to enable the sync."),
    "token": N_("Required to enable the sync; no spaces, at most 1000 characters."),
    "date": N_("A date as YYYY-MM-DD."),
    "closes": N_("The consultation runs 1 to 90 days, within a year of today."),
    "held_on": N_("A date within the past year."),
    "place": N_("3 to 200 characters."),
    "participants": N_("A whole number from 0 to 100000."),
    "summary": N_("10 to 4000 characters."),
    "response": N_("Say in 10 to 4000 characters how the comments were answered."),
    "consult_record": N_("Record the consultation forum first."),
}


def _date_or_none(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def _int_or_none(text: str | None) -> tuple[int | None, bool]:
    """(value, ok): empty is (None, True); a non-number is (None, False)."""
    raw = (text or "").strip()
    if not raw:
        return None, True
    if not raw.isdecimal() or len(raw) > 6:
        return None, False
    return int(raw), True


# --------------------------------------------------------------------------- standards


def _standard_form(
    service: Service | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    consult_values: dict[str, Any] | None = None,
) -> tuple[str, int]:
    actor = _actor()
    opds = [u for u in _opds() if actor.sees_unit(u.id)]
    # The standard beside its complaints and SKM (?period=, this year by default).
    shown = {} if service is None else public.service_figures(service.id, public.chosen_period())
    page = render_template(
        "pelayanan/service_form.html",
        **shown,
        service=service,
        values=values,
        errors=errors,
        opds=opds,
        components=standards.COMPONENTS,
        statuses=standards.STATUSES,
        actor=actor,
        max_component=standards.MAX_COMPONENT,
        comments=standards.comments(g.db, service) if service else [],
        consult_open=bool(service and standards.is_open_or_pending(g.db, service)),
        cv=consult_values or {},
        today=standards.today(g.db),
    )
    return page, status


def _form_values() -> dict[str, Any]:
    return {
        "org_unit_id": request.form.get("org_unit_id", ""),
        "name": request.form.get("name", "")[:300],
        "promised_days": request.form.get("promised_days", "")[:10],
        "components": {
            key: request.form.get(f"c_{key}", "")[: standards.MAX_COMPONENT + 1]
            for key in standards.COMPONENTS
        },
    }


def _stored_values(service: Service) -> dict[str, Any]:
    return {
        "org_unit_id": str(service.org_unit_id),
        "name": service.name,
        "promised_days": "" if service.promised_days is None else str(service.promised_days),
        "components": dict(service.components),
    }


def _field_errors(exc: ServiceError) -> dict[str, str]:
    """The service's field problems in the page's language."""
    errors: dict[str, str] = {}
    for key, problem in (exc.fields or {}).items():
        if key in standards.COMPONENTS:
            hint = HINTS["required"] if problem == "required" else HINTS["component"]
            errors[f"c_{key}"] = _(hint)
        elif key == "name":
            hint = HINTS["taken"] if problem == "taken" else HINTS["name"]
            errors["name"] = _(hint)
        elif key in ("org_unit_id", "promised_days", "closes", "held_on", "place"):
            errors[key] = _(HINTS[key])
        elif key == "opens":
            errors["closes"] = _(HINTS["closes"])
        elif key in ("participants", "summary", "response", "consult_record"):
            errors[key] = _(HINTS[key])
    return errors


@blueprint.route("/services/new", methods=["GET", "POST"])
@access.requires(STANDARDS_EDIT)
def new_service() -> tuple[str, int] | Response:
    actor = _actor()
    if request.method == "GET":
        return _standard_form(None, {"components": {}}, {})
    values = _form_values()
    days, days_ok = _int_or_none(values["promised_days"])
    unit, unit_ok = _int_or_none(values["org_unit_id"])
    errors: dict[str, str] = {}
    if not days_ok:
        errors["promised_days"] = _(HINTS["promised_days"])
    if not unit_ok or unit is None:
        errors["org_unit_id"] = _(HINTS["org_unit_id"])
    if errors:
        return _standard_form(None, values, errors, 422)
    try:
        service = standards.create(
            g.db,
            actor,
            org_unit_id=unit or 0,
            name=values["name"],
            components=values["components"],
            promised_days=days,
        )
    except ServiceError as exc:
        g.db.rollback()
        flash(exc.message.localized(), "danger")
        return _standard_form(None, values, _field_errors(exc), exc.status)
    flash(_("Saved as a draft."), "success")
    return redirect(url_for("pelayanan.edit_service", service_id=service.id))


@blueprint.route("/services/<id:service_id>/edit", methods=["GET", "POST"])
@access.requires(VIEW)
def edit_service(service_id: int) -> tuple[str, int] | Response:
    actor = _actor()
    service = standards.get(g.db, actor, service_id)
    if request.method == "GET":
        return _standard_form(service, _stored_values(service), {})
    values = {**_form_values(), "org_unit_id": str(service.org_unit_id), "name": service.name}
    days, days_ok = _int_or_none(values["promised_days"])
    if not days_ok:
        return _standard_form(service, values, {"promised_days": _(HINTS["promised_days"])}, 422)
    try:
        standards.update(g.db, actor, service, components=values["components"], promised_days=days)
    except ServiceError as exc:
        g.db.rollback()
        flash(exc.message.localized(), "danger")
        return _standard_form(
            standards.get(g.db, actor, service_id), values, _field_errors(exc), exc.status
        )
    flash(_("Saved as a draft."), "success")
    return redirect(url_for("pelayanan.edit_service", service_id=service.id))


def _refused(service_id: int, exc: ServiceError, cv: dict[str, Any]) -> tuple[str, int]:
    g.db.rollback()
    flash(exc.message.localized(), "danger")
    service = standards.get(g.db, _actor(), service_id)
    return _standard_form(service, _stored_values(service), _field_errors(exc), exc.status, cv)


@blueprint.post("/services/<id:service_id>/consult")
@access.requires(STANDARDS_APPROVE)
def consult_service(service_id: int) -> tuple[str, int] | Response:
    actor = _actor()
    service = standards.get(g.db, actor, service_id)
    cv = {k: request.form.get(k, "")[:10] for k in ("opens", "closes")}
    opens, closes = _date_or_none(cv["opens"]), _date_or_none(cv["closes"])
    if opens is None or closes is None:
        errors = {k: _(HINTS["date"]) for k, v in (("opens", opens), ("closes", closes)) if not v}
        return _standard_form(service, _stored_values(service), errors, 422, cv)
    try:
        standards.consult(g.db, actor, service, opens=opens, closes=closes)
    except ServiceError as exc:
        return _refused(service_id, exc, cv)
    flash(_("Put to public consultation."), "success")
    return redirect(url_for("pelayanan.edit_service", service_id=service_id))


@blueprint.post("/services/<id:service_id>/consult/record")
@access.requires(STANDARDS_APPROVE)
def record_consultation(service_id: int) -> tuple[str, int] | Response:
    actor = _actor()
    service = standards.get(g.db, actor, service_id)
    cv = {
        "held_on": request.form.get("held_on", "")[:10],
        "place": request.form.get("place", "")[:300],
        "participants": request.form.get("participants", "")[:10],
        "summary": request.form.get("summary", "")[: standards.MAX_TEXT + 1],
    }
    held_on = _date_or_none(cv["held_on"])
    participants, ok = _int_or_none(cv["participants"])
    errors: dict[str, str] = {}
    if held_on is None:
        errors["held_on"] = _(HINTS["date"])
    if not ok or participants is None:
        errors["participants"] = _(HINTS["participants"])
    if errors or held_on is None or participants is None:
        return _standard_form(service, _stored_values(service), errors, 422, cv)
    try:
        standards.record_consultation(
            g.db,
            actor,
            service,
            held_on=held_on,
            place=cv["place"],
            participants=participants,
            summary=cv["summary"],
        )
    except ServiceError as exc:
        return _refused(service_id, exc, cv)
    flash(_("Saved."), "success")
    return redirect(url_for("pelayanan.edit_service", service_id=service_id))


@blueprint.post("/services/<id:service_id>/approve")
@access.requires(STANDARDS_APPROVE)
def approve_service(service_id: int) -> tuple[str, int] | Response:
    actor = _actor()
    service = standards.get(g.db, actor, service_id)
    cv = {"response": request.form.get("response", "")[: standards.MAX_TEXT + 1]}
    try:
        standards.approve(g.db, actor, service, cv["response"])
    except ServiceError as exc:
        return _refused(service_id, exc, cv)
    flash(_("Approved."), "success")
    return redirect(url_for("pelayanan.edit_service", service_id=service_id))


@blueprint.post("/services/<id:service_id>/publish")
@access.requires(STANDARDS_APPROVE)
def publish_service(service_id: int) -> tuple[str, int] | Response:
    actor = _actor()
    service = standards.get(g.db, actor, service_id)
    try:
        standards.publish(g.db, actor, service)
    except ServiceError as exc:
        return _refused(service_id, exc, {})
    flash(_("Published."), "success")
    return redirect(url_for("pelayanan.edit_service", service_id=service_id))


# --------------------------------------------------------------------------- settings


def _settings_page(
    values: dict[str, Any],
    errors: dict[str, str],
    lapor_values: dict[str, Any] | None = None,
    lapor_errors: dict[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    current = lapor.settings(g.db)
    page = render_template(
        "pelayanan/settings.html",
        values=values,
        errors=errors,
        bounds=config.BOUNDS,
        lapor=current,
        lapor_values=lapor_values or {"enabled": current.enabled, "base_url": current.base_url},
        lapor_errors=lapor_errors or {},
        labels=SETTING_LABELS,
    )
    return page, status


SETTING_LABELS = {
    "verify_days": N_("Days to verify a new complaint (working days)"),
    "respond_days": N_("Days for an OPD to answer (working days)"),
    "close_after_days": N_("Days the reporter has to reply before it closes (working days)"),
    "escalate_before_days": N_("Escalate this many working days before a deadline"),
    "max_attachments": N_("Files per complaint"),
    "max_attachment_kb": N_("Largest file (KB)"),
    "survey_answers_per_day": N_(
        "Survey answers one address may give one service in a day (an office kiosk or "
        "public Wi-Fi shares one address: raise it there)"
    ),
}


@blueprint.get("/settings")
@access.requires(SETTINGS)
def settings() -> tuple[str, int]:
    return _settings_page(config.rules(g.db).__dict__, {})


@blueprint.post("/settings")
@access.requires(SETTINGS)
def save_settings() -> tuple[str, int] | Response:
    actor = _actor()
    values = {key: request.form.get(key, "")[:10] for key in config.BOUNDS}
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, (low, high) in config.BOUNDS.items():
        number, ok = _int_or_none(values[key])
        if not ok or number is None or not low <= number <= high:
            errors[key] = _(HINTS["bounds"], low=low, high=high)
        else:
            changes[key] = number
    if errors:
        return _settings_page(values, errors, status=422)
    try:
        config.update(g.db, changes, actor=actor.label)
    except ServiceError as exc:  # the page checked the same bounds; kept for safety
        g.db.rollback()
        flash(exc.message.localized(), "danger")
        return _settings_page(values, {}, status=exc.status)
    flash(_("Saved."), "success")
    return redirect(url_for("pelayanan.settings"))


@blueprint.post("/settings/lapor")
@access.requires(SETTINGS)
def save_lapor() -> tuple[str, int] | Response:
    actor = _actor()
    enabled = request.form.get("enabled") == "1"
    base_url = request.form.get("base_url", "")[:600]
    values: dict[str, Any] = {"enabled": enabled, "base_url": base_url}
    try:
        lapor.update_settings(
            g.db,
            enabled=enabled,
            base_url=base_url,
            token=request.form.get("token", "")[:1100],
            actor=actor.label,
        )
    except ServiceError as exc:
        g.db.rollback()
        fields = exc.fields or {}
        errors: dict[str, str] = {}
        if "base_url" in fields:
            required = str(fields["base_url"]).startswith("required")
            hint = HINTS["base_url_required"] if required else HINTS["base_url"]
            errors["base_url"] = _(hint)
        if "token" in fields:
            errors["token"] = _(HINTS["token"])
        flash(exc.message.localized(), "danger")
        return _settings_page(config.rules(g.db).__dict__, {}, values, errors, status=exc.status)
    flash(_("Saved."), "success")
    return redirect(url_for("pelayanan.settings"))


# --------------------------------------------------------------------------- LAPOR

#: How a sync run ended, in words: the page never shows the stored code.
RUN_STATUS_LABELS = {
    "ok": N_("completed"),
    "partial": N_("partly failed"),
    "failed": N_("failed"),
}


@blueprint.get("/lapor")
@access.requires(COORDINATE)
def lapor_page() -> str:
    runs = list(g.db.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(30)))
    return render_template(
        "pelayanan/lapor.html",
        runs=runs,
        run_status={code: _(label) for code, label in RUN_STATUS_LABELS.items()},
        lapor=lapor.settings(g.db),
        formats=lapor.FORMATS,
        reason=lapor.reason,
    )


def _day(name: str) -> datetime | None:
    """The start of a day (``?from=`` / ``?to=``, YYYY-MM-DD) in the regency's time zone."""
    text = request.args.get(name, "")[:10]
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(M("a date as YYYY-MM-DD"), {name: "YYYY-MM-DD"}) from None
    return datetime.combine(day, time(), ZoneInfo(tenant_settings(g.db).timezone))


@blueprint.get("/lapor/export/<any(csv, xlsx, json):fmt>")
@access.requires(COORDINATE)
def lapor_export(fmt: str) -> FlaskResponse:
    content, mimetype, filename = lapor.export(
        g.db,
        fmt,
        region_code=current_tenant().region_code,
        since=_day("from"),
        until=_day("to"),
    )
    response = FlaskResponse(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
