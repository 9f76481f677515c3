"""The set-up pages: offices and their geofences, the office networks for web check-in,
office hours, shifts, duty lists, and the TPP rule versions from draft to Perbup.

They change nothing themselves: each form is read into the values the API takes
(numbers typed the Indonesian way, ``-6,9175`` or ``07.30``) and handed to the
same function the API calls (``setup``, ``worklogs``, ``rulesets``, ``settings``).
What that function refuses is shown next to the field it names, in the reader's
language, on the same page with the values as typed (422, or the refusal's own
status: 403 for another unit's or another regency's ids, 404, 409). A form
value that is not even a number is refused here the same way, before any
service is called.

Who may: a unit admin the offices, hours, shifts and duties of their units;
BKPSDM's admin every unit's, the regency's own hours, the office networks and
the rule versions. Removing, discarding and publishing ask to be confirmed
(``confirm_step``), and do nothing without the ticked box.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from babel.dates import format_date, get_day_names
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from smartcity.toolkit import (
    BIGINT_MAX,
    Forbidden,
    InvalidInput,
    Message,
    OrgUnit,
    ServiceError,
    Staff,
    access,
    confirmed,
    flash_unconfirmed,
    month_name,
    number,
    parse_number,
    query_int,
    rupiah,
    translate,
)
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from . import rulesets, setup, worklogs
from . import settings as ekn_settings
from .access import REGENCY, UNIT, Actor
from .attendance import zone
from .blueprint import _actor, blueprint, refusal_fields, refusal_status
from .messages import NOT_YOURS, M, _
from .models import Office, RuleSet, ScheduleRule
from .pages import _kind as kind_label
from .periods import next_month
from .rules import (
    ABSENCE_KINDS,
    EVENT_KINDS,
    EVENT_LABELS,
    MAX_CLASS,
    PREDICATES,
    SANCTION_KINDS,
    SANCTION_LABELS,
    SANCTION_LEVEL_LABELS,
    SANCTION_LEVELS,
    TppRules,
)

#: Text fields are cut here before anything reads them (a form is not a file upload).
LONG = 4000
#: Rows of a band table offered beyond the ones a version has.
SPARE_BANDS = 2
MAX_BANDS = 20
_COORDINATE = re.compile(r"-?[0-9]{1,3}(?:[.,][0-9]{1,12})?")
_CORNER_SEPARATORS = re.compile(r"[\s;]+")
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})(?:-01)?")
WEEKDAY_VALUES = frozenset("0123456")
#: The rule form's fields outside the rules, shown beside their inputs.
HEADER_FIELDS = ("name", "effective_from", "perbup", "publish_from")
PERCENT_FIELDS = (
    "performance_share",
    "missing_check_in_percent",
    "missing_check_out_percent",
    "absent_percent",
    "daily_cap_percent",
    "monthly_cap_percent",
    "predicate_missing_percent",
    "sanction_cap_percent",
)


# --------------------------------------------------------------------------- reading forms


def _refuse(field: str, problem: Message) -> InvalidInput:
    return InvalidInput(M("some values cannot be read"), {field: problem})


def _text(name: str) -> str:
    return request.form.get(name, "")[:LONG]


def _whole(name: str, low: int = 0, high: int = BIGINT_MAX) -> int:
    """A whole number typed in ``name``: ASCII digits, maybe grouped the Indonesian way
    (``1.440``); ``1.5`` or ``1,5`` is no whole number, not fifteen."""
    raw = _text(name).strip()[:40]
    value = parse_number(raw, places=0) if raw.isascii() else None
    if value is None or not low <= value <= high:
        raise _refuse(name, M("a whole number from %(low)s to %(high)s", low=low, high=high))
    return int(value)


def _coordinate(name: str, low: int, high: int) -> float:
    raw = _text(name).strip()
    if not _COORDINATE.fullmatch(raw) or not low <= float(raw.replace(",", ".")) <= high:
        problem = M("a number from %(low)s to %(high)s, like -6,9175", low=low, high=high)
        raise _refuse(name, problem)
    return float(raw.replace(",", "."))


def corners(text: str) -> list[list[float]] | None:
    """A polygon typed one corner a line (``-6,9175; 107,6191``), or pasted as the API's
    JSON (``[[-6.9175, 107.6191], ...]``); None when empty. A decimal comma is a
    decimal, never a separator, so pairs are split on spaces, semicolons and brackets,
    and on a comma only where it follows a number written with a point."""
    text = text.strip()
    if not text:
        return None
    text = re.sub(r"[\[\]()]", " ", text)
    # A comma is a separator after a number written with a point ("-6.9175,107.6191")
    # or next to a space ("-6, 107"); between digits ("-6,9175") it is a decimal comma.
    text = re.sub(r"(\.[0-9]+)\s*,", r"\1 ", text)
    text = re.sub(r"\s*,\s+|\s+,\s*", " ", text)
    parts = [p for p in _CORNER_SEPARATORS.split(text) if p]
    if not parts or any(not _COORDINATE.fullmatch(p) for p in parts) or len(parts) % 2:
        raise _refuse(
            "polygon", M("one corner a line: latitude and longitude, like -6,9175; 107,6191")
        )
    values = [float(p.replace(",", ".")) for p in parts]
    return [[values[i], values[i + 1]] for i in range(0, len(values), 2)]


def _clock(name: str) -> time:
    match = _CLOCK.fullmatch(_text(name).strip())
    if match is None:
        raise _refuse(name, M("a time like 07.30"))
    return time(int(match[1]), int(match[2]))


def _day(name: str, *, required: bool = True) -> date | None:
    raw = _text(name).strip()
    if not raw and not required:
        return None
    try:
        if not raw.isascii() or len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise _refuse(name, M("a date like 2027-03-01")) from None


def _month_first(name: str) -> date:
    match = _MONTH.fullmatch(_text(name).strip())
    if match is None or not 2000 <= int(match[1]) <= 2100 or not 1 <= int(match[2]) <= 12:
        raise _refuse(name, M("a month like 2027-01"))
    return date(int(match[1]), int(match[2]), 1)


def _decimal(raw: str, *, places: int = 3, currency: bool = False) -> str:
    """``raw`` read the Indonesian way as a plain decimal string, or ``raw`` itself (cut
    short) for the rules' own check to refuse in words."""
    value = parse_number(raw[:40], places=places, currency=currency)
    return raw.strip()[:40] if value is None else format(value.normalize(), "f")


# --------------------------------------------------------------------------- showing


def _locale() -> str:
    return str(get_locale() or "id")


def fmt_date(value: date | None) -> str:
    return format_date(value, "d MMMM y", locale=_locale()) if value else ""


def fmt_coordinate(value: float) -> str:
    return number(Decimal(repr(value)))


def fmt_percent(value: object) -> str:
    return "" if value in (None, "") else number(Decimal(str(value)))


def fmt_corners(polygon: list[list[float]] | None) -> str:
    if not polygon:
        return ""
    return "\n".join(f"{fmt_coordinate(a)}; {fmt_coordinate(b)}" for a, b in polygon)


def _weekdays() -> list[tuple[int, str]]:
    names = get_day_names("wide", locale=_locale())
    return [(i, str(names[i])) for i in range(7)]


def _helpers() -> dict[str, Any]:
    return {
        "fmt_date": fmt_date,
        "fmt_month": month_name,
        "fmt_coordinate": fmt_coordinate,
        "fmt_percent": fmt_percent,
        "fmt_corners": fmt_corners,
        "hm": lambda t: t.strftime("%H.%M"),
        "number": number,
        "rupiah": rupiah,
        "weekday_names": dict(_weekdays()),
        "kind_label": kind_label,
    }


def _managed_units(actor: Actor) -> list[OrgUnit]:
    query = select(OrgUnit).order_by(OrgUnit.code, OrgUnit.id)
    if actor.unit_ids is not None:
        query = query.where(OrgUnit.id.in_(sorted(actor.unit_ids)))
    return list(g.db.scalars(query.limit(2000)))


def _chosen_unit(units: list[OrgUnit]) -> OrgUnit | None:
    """``?unit=`` among the units offered, else the first; another's id shows nothing."""
    wanted = query_int("unit")
    if wanted is None:
        return units[0] if units else None
    found = next((u for u in units if u.id == wanted), None)
    if found is None:
        raise Forbidden(M("you do not manage this unit"), {"unit": NOT_YOURS})
    return found


def _today() -> date:
    return datetime.now(zone(g.db)).date()


# --------------------------------------------------------------------------- offices


def _office_form() -> dict[str, Any]:
    """The office form as the service takes it (refused here if not even numbers)."""
    return {
        "org_unit_id": _whole("org_unit_id"),
        "name": _text("name"),
        "latitude": _coordinate("latitude", -90, 90),
        "longitude": _coordinate("longitude", -180, 180),
        "radius_m": _whole("radius_m", 0, 1_000_000),
        "polygon": corners(_text("polygon")),
    }


def _offices_page(
    actor: Actor,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    networks_errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    settings = ekn_settings.load(g.db)
    page = render_template(
        "ekinerja/setup_offices.html",
        actor=actor,
        rows=setup.offices_for(g.db, actor),
        units=_managed_units(actor),
        errors=errors or {},
        values=values or {},
        networks="\n".join(settings.web_networks),
        networks_errors=networks_errors or {},
        regency=actor.can(REGENCY),
        **_helpers(),
    )
    return page, status


@blueprint.get("/setup/offices")
@access.requires(UNIT)
def setup_offices() -> tuple[str, int]:
    """The offices of the units one manages: where their staff may check in."""
    return _offices_page(_actor())


@blueprint.post("/setup/offices")
@access.requires(UNIT)
def setup_office_add() -> Response | tuple[str, int]:
    actor = _actor()
    try:
        office = setup.add_office(g.db, actor, **_office_form())
    except ServiceError as error:
        g.db.rollback()
        return _offices_page(
            actor, errors=refusal_fields(error), values=request.form, status=refusal_status(error)
        )
    flash(_("The office %(name)s is added.", name=office.name), "success")
    return redirect(url_for(".setup_offices"), 303)


def _office_edit_page(
    actor: Actor, office: Office, *, errors: Mapping[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    values: Mapping[str, str] = (
        request.form
        if errors
        else {
            "org_unit_id": str(office.org_unit_id),
            "name": office.name,
            "latitude": fmt_coordinate(office.latitude),
            "longitude": fmt_coordinate(office.longitude),
            "radius_m": str(office.radius_m),
            "polygon": fmt_corners(office.polygon),
        }
    )
    page = render_template(
        "ekinerja/setup_office.html",
        office=office,
        units=_managed_units(actor),
        errors=errors or {},
        values=values,
        **_helpers(),
    )
    return page, status


@blueprint.route("/setup/offices/<id:office_id>", methods=["GET", "POST"])
@access.requires(UNIT)
def setup_office(office_id: int) -> Response | tuple[str, int]:
    """An office's form: its unit, name, centre and radius, or the corners of its fence."""
    actor = _actor()
    office = setup.office_of(g.db, actor, office_id)
    if request.method == "GET":
        return _office_edit_page(actor, office)
    try:
        setup.update_office(g.db, actor, office_id, **_office_form())
    except ServiceError as error:
        g.db.rollback()
        office = setup.office_of(g.db, actor, office_id)
        return _office_edit_page(
            actor, office, errors=refusal_fields(error), status=refusal_status(error)
        )
    flash(_("The office is saved."), "success")
    return redirect(url_for(".setup_offices"), 303)


@blueprint.post("/setup/offices/<id:office_id>/remove")
@access.requires(UNIT)
def setup_office_remove(office_id: int) -> Response | tuple[str, int]:
    actor = _actor()
    if not confirmed():
        flash_unconfirmed()
        return redirect(url_for(".setup_offices"), 303)
    try:
        setup.remove_office(g.db, actor, office_id)
    except ServiceError as error:
        g.db.rollback()
        return _offices_page(actor, errors=refusal_fields(error), status=refusal_status(error))
    flash(_("The office is removed."), "success")
    return redirect(url_for(".setup_offices"), 303)


@blueprint.post("/setup/networks")
@access.requires(REGENCY)
def setup_networks() -> Response | tuple[str, int]:
    """The address ranges of the office networks allowed to check in from the web."""
    actor = _actor()
    lines = [line.strip() for line in _text("web_networks").splitlines() if line.strip()]
    try:
        if len(lines) > 100:
            raise _refuse("web_networks", M("at most %(count)s address ranges", count=100))
        ekn_settings.update(g.db, {"web_networks": lines}, actor=actor.label)
    except ServiceError as error:
        g.db.rollback()
        problem = {
            "web_networks": _("One address range a line, like 10.20.0.0/16 or 2001:db8::/32."),
            "_": translate(error.message),
        }
        return _offices_page(actor, networks_errors=problem, status=refusal_status(error))
    flash(_("The office networks are saved."), "success")
    return redirect(url_for(".setup_offices"), 303)


# --------------------------------------------------------------------------- office hours


def _hours_page(
    actor: Actor,
    *,
    errors: Mapping[str, str] | None = None,
    values: Any = None,
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "ekinerja/setup_hours.html",
        rows=setup.hours_for(g.db, actor),
        units=_managed_units(actor),
        regency=actor.can(REGENCY),
        weekdays=_weekdays(),
        errors=errors or {},
        values=values,
        **_helpers(),
    )
    return page, status


@blueprint.get("/setup/hours")
@access.requires(UNIT)
def setup_hours() -> tuple[str, int]:
    """Office hours: the regency's own, and those of the units one manages."""
    return _hours_page(_actor())


def _hours_form() -> dict[str, Any]:
    """The office-hours form as the service takes it: times typed ``07.30`` (or ``07:30``),
    dates as the date picker sends them; refused here if not even that."""
    raw_unit = _text("org_unit_id").strip()
    days = request.form.getlist("weekdays")[:7]
    return {
        "org_unit_id": None if raw_unit in ("", "regency") else _whole("org_unit_id"),
        "name": _text("name"),
        "weekdays": [int(v) for v in days if v in WEEKDAY_VALUES],
        "start": _clock("start"),
        "end": _clock("end"),
        "valid_from": _day("valid_from", required=False),
        "valid_to": _day("valid_to", required=False),
    }


@blueprint.post("/setup/hours")
@access.requires(UNIT)
def setup_hours_add() -> Response | tuple[str, int]:
    actor = _actor()
    try:
        rule = setup.add_schedule_rule(g.db, actor, **_hours_form())
    except ServiceError as error:
        g.db.rollback()
        return _hours_page(
            actor, errors=refusal_fields(error), values=request.form, status=refusal_status(error)
        )
    flash(_("The office hours %(name)s are added.", name=rule.name), "success")
    return redirect(url_for(".setup_hours"), 303)


def _hours_edit_page(
    actor: Actor,
    rule: ScheduleRule,
    *,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    values: Any = (
        request.form
        if errors
        else MultiDict(
            [
                ("org_unit_id", "regency" if rule.org_unit_id is None else str(rule.org_unit_id)),
                ("name", rule.name),
                ("start", rule.start_time.strftime("%H.%M")),
                ("end", rule.end_time.strftime("%H.%M")),
                ("valid_from", rule.valid_from.isoformat() if rule.valid_from else ""),
                ("valid_to", rule.valid_to.isoformat() if rule.valid_to else ""),
                ("effective_from", _today().isoformat()),
                *(("weekdays", str(d)) for d in rule.weekdays),
            ]
        )
    )
    page = render_template(
        "ekinerja/setup_hours_edit.html",
        rule=rule,
        earlier=setup.hours_history(g.db, rule.id),
        units=_managed_units(actor),
        regency=actor.can(REGENCY),
        weekdays=_weekdays(),
        errors=errors or {},
        values=values,
        **_helpers(),
    )
    return page, status


@blueprint.route("/setup/hours/<id:rule_id>", methods=["GET", "POST"])
@access.requires(UNIT)
def setup_hours_edit(rule_id: int) -> Response | tuple[str, int]:
    """Change office hours: their unit, name, days and dates, and their times from a day on
    (today's date is offered; emptied, the change corrects every day they cover)."""
    actor = _actor()
    rule = setup.schedule_rule_of(g.db, actor, rule_id)
    if request.method == "GET":
        return _hours_edit_page(actor, rule)
    try:
        rule = setup.update_schedule_rule(
            g.db,
            actor,
            rule_id,
            **_hours_form(),
            effective_from=_day("effective_from", required=False),
        )
    except ServiceError as error:
        g.db.rollback()
        rule = setup.schedule_rule_of(g.db, actor, rule_id)
        return _hours_edit_page(
            actor, rule, errors=refusal_fields(error), status=refusal_status(error)
        )
    flash(_("The office hours %(name)s are saved.", name=rule.name), "success")
    return redirect(url_for(".setup_hours"), 303)


@blueprint.post("/setup/hours/<id:rule_id>/remove")
@access.requires(UNIT)
def setup_hours_remove(rule_id: int) -> Response | tuple[str, int]:
    actor = _actor()
    if not confirmed():
        flash_unconfirmed()
        return redirect(url_for(".setup_hours"), 303)
    try:
        setup.remove_schedule_rule(g.db, actor, rule_id)
    except ServiceError as error:
        g.db.rollback()
        return _hours_page(actor, errors=refusal_fields(error), status=refusal_status(error))
    flash(_("The office hours are removed."), "success")
    return redirect(url_for(".setup_hours"), 303)


# --------------------------------------------------------------------------- shifts


def _month_args() -> tuple[int, int]:
    today = _today()
    year = query_int("year", today.year, low=2000, high=2100) or today.year
    month = query_int("month", today.month, low=1, high=12) or today.month
    return year, month


def _shifts_page(
    actor: Actor,
    unit: OrgUnit | None,
    year: int,
    month: int,
    *,
    errors: Mapping[str, str] | None = None,
    values: Any = None,
    status: int = 200,
) -> tuple[str, int]:
    units = _managed_units(actor)
    people: list[Staff] = []
    rows: list[Any] = []
    if unit is not None:
        rows = setup.shifts_of(g.db, actor, unit.id, year, month)
        people = list(
            g.db.scalars(
                select(Staff)
                .where(Staff.unit_id == unit.id, Staff.is_active.is_(True))
                .order_by(Staff.name)
                .limit(2000)
            )
        )
    prev = (year - 1, 12) if month == 1 else (year, month - 1)
    nxt = next_month(year, month)
    kw: dict[str, Any] = {"unit": unit.id} if unit is not None else {}
    page = render_template(
        "ekinerja/setup_shifts.html",
        units=units,
        unit=unit,
        year=year,
        month=month,
        rows=rows,
        people=people,
        errors=errors or {},
        values=values,
        nav={
            "label": month_name(date(year, month, 1)),
            "prev": url_for(".setup_shifts", year=prev[0], month=prev[1], **kw),
            "next": url_for(".setup_shifts", year=nxt[0], month=nxt[1], **kw),
        },
        **_helpers(),
    )
    return page, status


@blueprint.get("/setup/shifts")
@access.requires(UNIT)
def setup_shifts() -> tuple[str, int]:
    """A unit's shifts in a month (health centres, the fire brigade), and the form to set one."""
    actor = _actor()
    units = _managed_units(actor)
    year, month = _month_args()
    return _shifts_page(actor, _chosen_unit(units), year, month)


def _back_to_shifts(unit_id: int | None, day: date | None) -> Response:
    kw: dict[str, Any] = {"unit": unit_id} if unit_id is not None else {}
    if day is not None:
        kw |= {"year": day.year, "month": day.month}
    return redirect(url_for(".setup_shifts", **kw), 303)


@blueprint.post("/setup/shifts")
@access.requires(UNIT)
def setup_shift_set() -> Response | tuple[str, int]:
    actor = _actor()
    units = _managed_units(actor)
    unit = _chosen_unit(units)
    year, month = _month_args()
    day = None
    try:
        day = _day("day")
        assert day is not None  # noqa: S101 - required
        setup.set_shift(
            g.db,
            actor,
            staff_id=_whole("staff_id"),
            day=day,
            start=_clock("start"),
            end=_clock("end"),
        )
    except ServiceError as error:
        g.db.rollback()
        return _shifts_page(
            actor,
            unit,
            year,
            month,
            errors=refusal_fields(error),
            values=request.form,
            status=refusal_status(error),
        )
    flash(_("The shift is saved."), "success")
    return _back_to_shifts(unit.id if unit else None, day)


@blueprint.post("/setup/shifts/<id:shift_id>/remove")
@access.requires(UNIT)
def setup_shift_remove(shift_id: int) -> Response | tuple[str, int]:
    actor = _actor()
    unit = _chosen_unit(_managed_units(actor))
    year, month = _month_args()
    if not confirmed():
        flash_unconfirmed()
        return _back_to_shifts(unit.id if unit else None, date(year, month, 1))
    try:
        setup.remove_shift(g.db, actor, shift_id)
    except ServiceError as error:
        g.db.rollback()
        return _shifts_page(
            actor, unit, year, month, errors=refusal_fields(error), status=refusal_status(error)
        )
    flash(_("The shift is removed."), "success")
    return _back_to_shifts(unit.id if unit else None, date(year, month, 1))


# --------------------------------------------------------------------------- duty lists


def _duties_page(
    actor: Actor,
    unit: OrgUnit | None,
    *,
    errors: Mapping[str, str] | None = None,
    values: Any = None,
    editing: int | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "ekinerja/setup_duties.html",
        units=_managed_units(actor),
        unit=unit,
        duties=worklogs.duties_of(g.db, actor, unit.id) if unit is not None else [],
        errors=errors or {},
        values=values,
        editing=editing,
        **_helpers(),
    )
    return page, status


@blueprint.get("/setup/duties")
@access.requires(UNIT)
def setup_duties() -> tuple[str, int]:
    """A unit's duty list: the activities its people log, with standard minutes each."""
    actor = _actor()
    return _duties_page(actor, _chosen_unit(_managed_units(actor)))


@blueprint.post("/setup/duties")
@access.requires(UNIT)
def setup_duty_add() -> Response | tuple[str, int]:
    actor = _actor()
    unit = _chosen_unit(_managed_units(actor))
    try:
        duty = worklogs.add_duty(
            g.db,
            actor,
            org_unit_id=_whole("org_unit_id"),
            name=_text("name"),
            standard_minutes=_whole("standard_minutes", 0, 100_000),
            output_unit=_text("output_unit"),
        )
    except ServiceError as error:
        g.db.rollback()
        return _duties_page(
            actor,
            unit,
            errors=refusal_fields(error),
            values=request.form,
            status=refusal_status(error),
        )
    flash(_("The duty %(name)s is added.", name=duty.name), "success")
    return redirect(url_for(".setup_duties", unit=duty.org_unit_id), 303)


@blueprint.post("/setup/duties/<id:duty_id>")
@access.requires(UNIT)
def setup_duty_edit(duty_id: int) -> Response | tuple[str, int]:
    """Change a duty, or retire it from the list (and bring it back)."""
    actor = _actor()
    unit = _chosen_unit(_managed_units(actor))
    try:
        duty = worklogs.update_duty(
            g.db,
            actor,
            duty_id,
            name=_text("name"),
            standard_minutes=_whole("standard_minutes", 0, 100_000),
            output_unit=_text("output_unit"),
            is_active=request.form.get("is_active") == "yes",
        )
    except ServiceError as error:
        g.db.rollback()
        return _duties_page(
            actor,
            unit,
            errors=refusal_fields(error),
            values=request.form,
            editing=duty_id,
            status=refusal_status(error),
        )
    flash(_("The duty %(name)s is saved.", name=duty.name), "success")
    return redirect(url_for(".setup_duties", unit=duty.org_unit_id), 303)


# --------------------------------------------------------------------------- rule versions


def _rules_values(rules: Mapping[str, Any]) -> dict[str, Any]:
    """A version's rules as the form shows them: numbers the Indonesian way."""
    parsed = TppRules.model_validate(rules)
    values: dict[str, Any] = {f: fmt_percent(getattr(parsed, f)) for f in PERCENT_FIELDS}
    values["minutes_target"] = number(parsed.minutes_target)
    values["deduction_base"] = parsed.deduction_base
    values["performance_basis"] = parsed.performance_basis
    for name in ("late_bands", "early_bands"):
        values[name] = [
            {
                "from_minutes": str(b.from_minutes),
                "to_minutes": "" if b.to_minutes is None else str(b.to_minutes),
                "percent": fmt_percent(b.percent),
            }
            for b in getattr(parsed, name)
        ]
    values["excused_percent"] = {k: fmt_percent(v) for k, v in parsed.excused_percent.items()}
    values["predicate_percent"] = {k: fmt_percent(v) for k, v in parsed.predicate_percent.items()}
    values["sanction_percent"] = {k: fmt_percent(v) for k, v in parsed.sanction_percent.items()}
    values["event_percent"] = {k: fmt_percent(v) for k, v in parsed.event_percent.items()}
    values["base_by_class"] = {c: number(v) for c, v in parsed.base_by_class.items()}
    return values


def _bands_typed(name: str) -> list[dict[str, str]]:
    """The band table's rows as typed; wholly empty rows left out."""
    rows = []
    for i in range(MAX_BANDS + SPARE_BANDS):
        row = {
            part: _text(f"{name}.{i}.{part}").strip()[:40]
            for part in ("from_minutes", "to_minutes", "percent")
        }
        if any(row.values()):
            rows.append(row)
    return rows


def _typed_values() -> dict[str, Any]:
    """The rule form as typed (what it shows again when something is refused)."""
    values: dict[str, Any] = {f: _text(f).strip()[:40] for f in PERCENT_FIELDS}
    values["minutes_target"] = _text("minutes_target").strip()[:40]
    values["deduction_base"] = _text("deduction_base")[:20]
    values["performance_basis"] = _text("performance_basis")[:20]
    values["late_bands"] = _bands_typed("late_bands")
    values["early_bands"] = _bands_typed("early_bands")
    values["excused_percent"] = {
        k: v for k in ABSENCE_KINDS if (v := _text(f"excused_percent.{k}").strip()[:40])
    }
    values["predicate_percent"] = {
        p: v
        for i, p in enumerate(PREDICATES)
        if (v := _text(f"predicate_percent.{i}").strip()[:40])
    }
    values["sanction_percent"] = {
        k: v for k in SANCTION_KINDS if (v := _text(f"sanction_percent.{k}").strip()[:40])
    }
    values["event_percent"] = {
        k: v for k in EVENT_KINDS if (v := _text(f"event_percent.{k}").strip()[:40])
    }
    values["base_by_class"] = {
        c: v for c in range(1, MAX_CLASS + 1) if (v := _text(f"base_by_class.{c}").strip()[:40])
    }
    return values


def _whole_or_typed(raw: str) -> int | str:
    value = parse_number(raw, places=0)
    return int(value) if value is not None else raw


def _rules_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """The typed values as the rules' data: Indonesian numbers read, the rest passed on
    as typed for the rules' own check to name."""
    rules: dict[str, Any] = {f: _decimal(values[f]) for f in PERCENT_FIELDS}
    rules["minutes_target"] = _whole_or_typed(values["minutes_target"])
    rules["deduction_base"] = values["deduction_base"]
    rules["performance_basis"] = values["performance_basis"]
    for name in ("late_bands", "early_bands"):
        rules[name] = [
            {
                "from_minutes": _whole_or_typed(row["from_minutes"]),
                "to_minutes": _whole_or_typed(row["to_minutes"]) if row["to_minutes"] else None,
                "percent": _decimal(row["percent"]),
            }
            for row in values[name]
        ]
    rules["excused_percent"] = {k: _decimal(v) for k, v in values["excused_percent"].items()}
    rules["predicate_percent"] = {k: _decimal(v) for k, v in values["predicate_percent"].items()}
    rules["sanction_percent"] = {k: _decimal(v) for k, v in values["sanction_percent"].items()}
    rules["event_percent"] = {k: _decimal(v) for k, v in values["event_percent"].items()}
    rules["base_by_class"] = {
        str(c): _decimal(v, places=0, currency=True) for c, v in values["base_by_class"].items()
    }
    return rules


#: The rule form's inputs a refusal can be shown beside (the others go to the summary).
_BESIDE = re.compile(
    r"(name|effective_from|perbup|publish_from"
    r"|rules\.(" + "|".join(PERCENT_FIELDS) + r"|minutes_target|deduction_base|performance_basis)"
    r"|rules\.(late|early)_bands(\.[0-9]+(\.(from_minutes|to_minutes|percent))?)?"
    r"|rules\.(excused_percent|predicate_percent|sanction_percent|event_percent|base_by_class)"
    r"(\..+)?)"
)


def _shown_beside(key: str) -> bool:
    return _BESIDE.fullmatch(key) is not None


def _versions_page(
    *, errors: Mapping[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    current = rulesets.in_force(g.db, _today())
    page = render_template(
        "ekinerja/rule_versions.html",
        versions=rulesets.versions(g.db),
        current=current,
        errors=errors or {},
        **_helpers(),
    )
    return page, status


@blueprint.get("/rules")
@access.requires(REGENCY)
def rule_versions() -> tuple[str, int]:
    """Every TPP rule version: the one in force, the published ones, the drafts."""
    return _versions_page()


@blueprint.post("/rules/drafts")
@access.requires(REGENCY)
def rule_draft() -> Response | tuple[str, int]:
    """A new draft from a version (``from``; none: the one in force)."""
    raw = _text("from").strip()
    try:
        source = _whole("from") if raw else None
        draft = rulesets.draft_from(g.db, _actor(), source, today=_today())
    except ServiceError as error:
        g.db.rollback()
        return _versions_page(errors=refusal_fields(error), status=refusal_status(error))
    flash(_("A draft is ready: change it, try it on last month, then publish it."), "success")
    return redirect(url_for(".rule_version", rule_set_id=draft.id), 303)


def _version_page(
    rule_set: RuleSet,
    *,
    values: Mapping[str, Any] | None = None,
    header: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    today = _today()
    year, month = next_month(today.year, today.month)
    page = render_template(
        "ekinerja/rule_version.html",
        rule_set=rule_set,
        values=values if values is not None else _rules_values(rule_set.rules),
        header=header
        or {"name": rule_set.name, "effective_from": rule_set.effective_from.strftime("%Y-%m")},
        errors=errors or {},
        placed=[k for k in errors or {} if _shown_beside(k)],
        kinds=ABSENCE_KINDS,
        predicates=list(enumerate(PREDICATES)),
        sanction_kinds=[
            (k, translate(SANCTION_LABELS[k]), translate(SANCTION_LEVEL_LABELS[SANCTION_LEVELS[k]]))
            for k in SANCTION_KINDS
        ],
        event_kinds=[(k, translate(EVENT_LABELS[k])) for k in EVENT_KINDS],
        classes=range(1, MAX_CLASS + 1),
        spare=SPARE_BANDS,
        max_bands=MAX_BANDS,
        next_month=date(year, month, 1).strftime("%Y-%m"),
        in_force=rulesets.in_force(g.db, today),
        **_helpers(),
    )
    return page, status


@blueprint.get("/rules/<id:rule_set_id>")
@access.requires(REGENCY)
def rule_version(rule_set_id: int) -> tuple[str, int]:
    """A version's rules; a draft's in a form, with what-if and publishing."""
    return _version_page(rulesets.get(g.db, rule_set_id))


@blueprint.post("/rules/<id:rule_set_id>")
@access.requires(REGENCY)
def rule_version_save(rule_set_id: int) -> Response | tuple[str, int]:
    actor = _actor()
    rule_set = rulesets.get(g.db, rule_set_id)
    values = _typed_values()
    header = {"name": _text("name")[:300], "effective_from": _text("effective_from")[:20]}
    try:
        rulesets.update_draft(
            g.db,
            actor,
            rule_set_id,
            name=header["name"],
            effective_from=_month_first("effective_from"),
            rules=_rules_of(values),
        )
    except ServiceError as error:
        g.db.rollback()
        rule_set = rulesets.get(g.db, rule_set_id)
        return _version_page(
            rule_set,
            values=values,
            header=header,
            errors=refusal_fields(error),
            status=refusal_status(error),
        )
    flash(_("The draft is saved."), "success")
    return redirect(url_for(".rule_version", rule_set_id=rule_set.id), 303)


@blueprint.post("/rules/<id:rule_set_id>/publish")
@access.requires(REGENCY)
def rule_version_publish(rule_set_id: int) -> Response | tuple[str, int]:
    """The draft becomes the version of its Perbup (asked to be confirmed first)."""
    actor = _actor()
    if not confirmed():
        flash_unconfirmed()
        return redirect(url_for(".rule_version", rule_set_id=rule_set_id), 303)
    try:
        published = rulesets.publish(
            g.db,
            actor,
            rule_set_id,
            perbup=_text("perbup")[:300],
            effective_from=_month_first("publish_from"),
        )
    except ServiceError as error:
        g.db.rollback()
        errors = refusal_fields(error)
        if "effective_from" in errors:
            errors["publish_from"] = errors.pop("effective_from")
        return _version_page(
            rulesets.get(g.db, rule_set_id), errors=errors, status=refusal_status(error)
        )
    flash(
        _(
            "%(name)s is published: it applies from %(month)s.",
            name=published.name,
            month=month_name(published.effective_from),
        ),
        "success",
    )
    return redirect(url_for(".rule_versions"), 303)


@blueprint.post("/rules/<id:rule_set_id>/discard")
@access.requires(REGENCY)
def rule_version_discard(rule_set_id: int) -> Response | tuple[str, int]:
    if not confirmed():
        flash_unconfirmed()
        return redirect(url_for(".rule_version", rule_set_id=rule_set_id), 303)
    try:
        rulesets.discard(g.db, _actor(), rule_set_id)
    except ServiceError as error:
        g.db.rollback()
        return _versions_page(errors=refusal_fields(error), status=refusal_status(error))
    flash(_("The draft is discarded."), "success")
    return redirect(url_for(".rule_versions"), 303)
