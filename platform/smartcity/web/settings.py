"""Settings and branding: the name shown, time zone, colours and logo.

The colours and the logo apply to every page of the regency (see
``smartcity.web.branding``). The logo is served from the tenant's own schema
by ``/branding/logo``, without sign-in (the sign-in page shows it too), with
caching headers; its URL carries a version so a new logo is fetched at once.
"""

from __future__ import annotations

import hashlib

from flask import Response as FlaskResponse
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from smartcity.access import public
from smartcity.errors import ServiceError
from smartcity.tenantcore.models import TenantSettings
from smartcity.tenantcore.settings import (
    TIMEZONES,
    get_settings,
    proof_of_work_bits,
    remove_logo,
    update_proof_of_work,
    update_settings,
)
from smartcity.web import form_status
from smartcity.web.access import TENANT_MANAGE, actor, blueprint, permitted
from smartcity.web.admin_forms import PublicPagesForm, SettingsForm
from smartcity.web.forms import attach_service_errors, confirmed, flash_unconfirmed, options

LOGO_MAX_AGE = 24 * 3600


@blueprint.route("/admin/settings", methods=["GET", "POST"])
@permitted(TENANT_MANAGE)
def settings_page() -> Response | tuple[str, int]:
    current = get_settings(g.db)
    form = SettingsForm(obj=None if request.method == "POST" else current)
    form.timezone.choices = options((zone, f"{name} ({zone})") for name, zone in TIMEZONES.items())
    refused: ServiceError | None = None
    problems: list[str] = []
    if form.validate_on_submit():
        logo = form.logo_file.data.read() if form.logo_file.data else None
        try:
            update_settings(
                g.db,
                actor=actor(),
                display_name=form.display_name.data or "",
                timezone=form.timezone.data,
                primary_color=form.primary_color.data,
                accent_color=form.accent_color.data,
                logo=logo or None,
            )
        except ServiceError as exc:
            refused, problems = exc, attach_service_errors(form, exc, {"logo": "logo_file"})
        else:
            flash(_("The settings were saved."), "success")
            return redirect(url_for(".settings_page"), 303)
    page = _settings_page(form, refused, problems)
    return page, refused.status if refused else form_status()


def _settings_page(
    form: SettingsForm,
    error: ServiceError | None,
    problems: list[str],
    public_form: PublicPagesForm | None = None,
) -> str:
    current = get_settings(g.db)
    if public_form is None:
        public_form = PublicPagesForm(formdata=None, pow_bits=str(proof_of_work_bits(g.db)))
    return render_template(
        "tenant_web/settings.html",
        form=form,
        public_form=public_form,
        has_logo=current.logo_type is not None,
        error=error,
        problems=problems,
    )


@blueprint.post("/admin/settings/public")
@permitted(TENANT_MANAGE)
def settings_public() -> Response | tuple[str, int]:
    """The public forms' proof of work: on at a difficulty, or off (0)."""
    public_form = PublicPagesForm()
    refused: ServiceError | None = None
    if public_form.validate_on_submit():
        try:
            update_proof_of_work(g.db, actor=actor(), bits=public_form.pow_bits.data or "0")
        except ServiceError as exc:
            refused = exc
            attach_service_errors(public_form, exc)
        else:
            flash(_("The settings were saved."), "success")
            return redirect(url_for(".settings_page"), 303)
    form = SettingsForm(formdata=None, obj=get_settings(g.db))
    form.timezone.choices = options((zone, f"{name} ({zone})") for name, zone in TIMEZONES.items())
    page = _settings_page(form, None, [], public_form)
    return page, refused.status if refused else form_status()


@blueprint.post("/admin/settings/logo/remove")
@permitted(TENANT_MANAGE)
def settings_remove_logo() -> Response:
    if not confirmed():
        flash_unconfirmed()
        return redirect(url_for(".settings_page"), 303)
    remove_logo(g.db, actor=actor())
    flash(_("The logo was removed."), "success")
    return redirect(url_for(".settings_page"), 303)


@blueprint.get("/branding/logo")
@public
def logo() -> Response:
    row = g.db.execute(
        select(TenantSettings.logo, TenantSettings.logo_type).where(TenantSettings.id == 1)
    ).first()
    if row is None or row.logo is None or row.logo_type is None:
        abort(404)
    response = FlaskResponse(row.logo, mimetype=row.logo_type)
    response.set_etag(hashlib.sha256(row.logo).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = LOGO_MAX_AGE
    return response.make_conditional(request)
