"""The working calendar: a year's holidays and the working week.

National holidays come from the platform (synced reference data) and are
read-only here; the regency adds and removes its own local ones. The working
week (which weekdays, how many hours) lives in the tenant's settings and is
what the working-day arithmetic of every app counts with.
"""

from __future__ import annotations

from datetime import datetime

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from smartcity.errors import Message, NotFound, ServiceError
from smartcity.tenantcore import calendar as working_calendar
from smartcity.tenantcore.models import Holiday
from smartcity.tenantcore.settings import get_settings, update_settings
from smartcity.web import form_status
from smartcity.web.access import TENANT_MANAGE, actor, blueprint, permitted
from smartcity.web.admin_forms import HolidayForm, WorkWeekForm
from smartcity.web.branding import tenant_zone
from smartcity.web.forms import attach_service_errors, options

FIRST_YEAR, LAST_YEAR = 2000, 2100


def weekday_names() -> list[str]:
    """Monday (0) to Sunday (6) in the page's language."""
    days = get_locale().days["format"]["wide"]
    return [str(days[i]) for i in range(7)]


def _year() -> int:
    raw = request.args.get("year", "")
    if raw.isdecimal() and FIRST_YEAR <= int(raw) <= LAST_YEAR:
        return int(raw)
    return datetime.now(tenant_zone()).year


def _page(
    year: int,
    holiday_form: HolidayForm,
    week_form: WorkWeekForm,
    status: int = 200,
    error: ServiceError | None = None,
) -> tuple[str, int]:
    holidays = working_calendar.holidays_in_year(g.db, year)
    page = render_template(
        "tenant_web/calendar.html",
        year=year,
        holidays=holidays,
        local_count=sum(1 for h in holidays if h.kind == "local"),
        holiday_form=holiday_form,
        week_form=week_form,
        weekdays=weekday_names(),
        error=error,
        lang_page=url_for(".calendar_page", year=year),
        first_year=FIRST_YEAR,
        last_year=LAST_YEAR,
    )
    return page, status


def _week_form(*, filled: bool = False) -> WorkWeekForm:
    """The working-week form: from the request, or (``filled``) from the settings."""
    form = WorkWeekForm() if not filled else WorkWeekForm(formdata=None)
    form.work_days.choices = options(enumerate(weekday_names()))
    if filled:
        settings = get_settings(g.db)
        form.work_days.data = list(settings.work_days)
        form.weekly_hours.data = settings.weekly_hours
    return form


@blueprint.get("/admin/calendar")
@permitted(TENANT_MANAGE)
def calendar_page() -> tuple[str, int]:
    return _page(_year(), HolidayForm(formdata=None), _week_form(filled=True))


@blueprint.post("/admin/calendar/holidays")
@permitted(TENANT_MANAGE)
def holiday_add() -> Response | tuple[str, int]:
    form = HolidayForm()
    year = _year()
    refused: ServiceError | None = None
    if form.validate_on_submit():
        try:
            holiday = working_calendar.add_local_holiday(
                g.db, day=form.day.data, name=form.name.data, actor=actor()
            )
        except ServiceError as exc:
            refused = exc
            attach_service_errors(form, exc)
        else:
            flash(_("%(name)s was added as a local holiday.", name=holiday.name), "success")
            return redirect(url_for(".calendar_page", year=holiday.day.year), 303)
    status = refused.status if refused else form_status()
    return _page(year, form, _week_form(filled=True), status)


@blueprint.post("/admin/calendar/holidays/<id:holiday_id>/delete")
@permitted(TENANT_MANAGE)
def holiday_remove(holiday_id: int) -> Response:
    holiday = g.db.get(Holiday, holiday_id)
    if holiday is None:
        raise NotFound(Message("no holiday %(holiday_id)s", holiday_id=holiday_id))
    year, name = holiday.day.year, holiday.name
    working_calendar.remove_local_holiday(g.db, holiday, actor=actor())  # national: 409 page
    flash(_("%(name)s is no longer a local holiday.", name=name), "success")
    return redirect(url_for(".calendar_page", year=year), 303)


@blueprint.post("/admin/calendar/week")
@permitted(TENANT_MANAGE)
def work_week_save() -> Response | tuple[str, int]:
    form = _week_form()
    year = _year()
    refused: ServiceError | None = None
    if form.validate_on_submit():
        try:
            update_settings(
                g.db,
                actor=actor(),
                work_days=list(form.work_days.data or []),
                weekly_hours=float(form.weekly_hours.data),
            )
        except ServiceError as exc:
            refused = exc
            attach_service_errors(form, exc)
        else:
            flash(_("The working week was saved."), "success")
            return redirect(url_for(".calendar_page", year=year), 303)
    status = refused.status if refused else form_status()
    return _page(year, HolidayForm(formdata=None), form, status)
