"""The assemblies and ceremonies pages: a unit admin (BKPSDM for the whole regency)
schedules an apel or upacara, takes its roll by ticking who was absent, and cancels
it with a reason; a viewer reads them.

Routes on the app's one blueprint; the manifest imports this module. The pages
hand what was typed to ``events`` (the API's functions) and show a refusal beside
its field with what was typed, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from flask import flash, g, redirect, render_template, request, url_for
from smartcity.toolkit import (
    InvalidInput,
    NotFound,
    OrgUnit,
    ServiceError,
    access,
    number,
    translate,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from . import eventcheckin, events
from .access import REGENCY, UNIT, VIEW_ALL, Actor
from .attendance import zone
from .blueprint import FLAG_LABELS, _actor, blueprint, refusal_fields, refusal_status
from .eventmodels import Event
from .messages import M, _
from .models import Office
from .pages import _day, _month, _month_nav
from .rules import EVENT_KINDS, EVENT_LABELS, TppRules
from .runs import rule_set_for

#: The fields of the schedule form, as the service names them.
FIELDS = ("kind", "day", "starts_at", "title", "org_unit_id", "office_id")
#: The most ticks a roll form is read for (more than any regency's staff).
MAX_TICKS = events.MAX_ABSENT


def _today() -> date:
    return datetime.now(zone(g.db)).date()


def _moment(at: datetime) -> str:
    """A moment in the regency's time, the Indonesian way: ``Sen 7 Des 07.42``."""
    local = at.astimezone(zone(g.db))
    return f"{_day(local.date())} {local:%H.%M}"


def _kind_labels() -> dict[str, str]:
    return {k: translate(v) for k, v in EVENT_LABELS.items()}


def _percents(day: date) -> dict[str, str]:
    """The cut per kind under the rules of ``day``'s month, as the pages show it."""
    try:
        rules = TppRules.model_validate(rule_set_for(g.db, day.replace(day=1)).rules)
    except ServiceError:
        return {}
    return {k: number(v) for k, v in rules.event_percent.items()}


def _unit_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = g.db.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(sorted(ids))))
    return dict(rows.all())


def _an_id(text: str) -> bool:
    """Whether a form's field holds a row id (ASCII digits that fit a bigint)."""
    return text.isascii() and text.isdecimal() and len(text) < 19


def _list_page(
    actor: Actor,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    events.require_reader(actor)
    year, month = _month()
    first = date(year, month, 1)
    rows = events.listing(g.db, actor, month=first)
    manageable = select(OrgUnit).order_by(OrgUnit.code, OrgUnit.id)
    if actor.unit_ids is not None:
        manageable = manageable.where(OrgUnit.id.in_(sorted(actor.unit_ids)))
    today = _today()
    page = render_template(
        "ekinerja/events.html",
        rows=rows,
        nav=_month_nav("ekinerja.events_page", year, month),
        units=list(g.db.scalars(manageable.limit(2000))) if actor.can(UNIT) else [],
        offices=events.places(g.db, actor),
        unit_names=_unit_names({r.event.org_unit_id or 0 for r in rows} - {0}),
        manage=actor.can(UNIT),
        regency=actor.can(REGENCY),
        kinds=EVENT_KINDS,
        kind_labels=_kind_labels(),
        percents=_percents(first),
        fmt_day=lambda day: _day(day, "EEEE, d MMMM y"),
        errors=errors or {},
        values=values or {"day": today.isoformat(), "starts_at": "07:30"},
        today=today,
    )
    return page, status


@blueprint.get("/events")
@access.requires(UNIT, VIEW_ALL)
def events_page() -> tuple[str, int]:
    """The month's events, and the form to schedule one."""
    return _list_page(_actor())


@blueprint.post("/events")
@access.requires(UNIT)
def event_schedule() -> Response | tuple[str, int]:
    form = request.form
    typed = {k: form.get(k, "")[:200] for k in FIELDS}
    raw_unit, raw_office = typed["org_unit_id"].strip(), typed["office_id"].strip()
    actor = _actor()
    try:
        if raw_unit and not _an_id(raw_unit):
            raise InvalidInput(
                M("the event cannot be scheduled"), {"org_unit_id": M("choose a unit")}
            )
        if raw_office and not _an_id(raw_office):
            raise InvalidInput(
                M("the event cannot be scheduled"), {"office_id": M("no such office")}
            )
        event = events.schedule(
            g.db,
            actor,
            kind=typed["kind"],
            day=typed["day"],
            starts_at=typed["starts_at"],
            title=typed["title"],
            org_unit_id=int(raw_unit) if raw_unit else None,
            office_id=int(raw_office) if raw_office else None,
            today=_today(),
        )
    except ServiceError as error:
        g.db.rollback()
        return _list_page(
            actor, errors=refusal_fields(error), values=typed, status=refusal_status(error)
        )
    flash(_("The event no. %(id)s is scheduled.", id=event.id), "success")
    return redirect(url_for(".event_page", event_id=event.id), 303)


def _event_page(
    actor: Actor,
    event: Event,
    *,
    errors: Mapping[str, str] | None = None,
    ticked: set[int] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    caller = events.calls(g.db, actor, event)
    entries = events.roll(g.db, actor, event) if caller else []
    units = {e.person.unit_id for e in entries} | {e.unit_id for e in entries}
    names = _unit_names(units | {event.org_unit_id or 0})
    unit_rolls = events.unit_rolls(g.db, actor, event)
    office = g.db.get(Office, event.office_id) if event.office_id is not None else None
    tz = zone(g.db)
    opens, closes = eventcheckin.window(event, tz)
    # While check-in is open, not having checked in says nothing yet.
    checking_in = office is not None and datetime.now(UTC) < closes
    suggested = False
    if ticked is None and office is not None and not checking_in:
        # A roll not yet taken starts from the check-ins: whoever did not check in
        # is ticked, for the caller to look over before saving.
        taken = {u.unit.id for u in unit_rolls if u.taken_at is not None}
        fresh = {
            e.person.id
            for e in entries
            if e.unit_id not in taken and e.status == "present" and e.checked_in is None
        }
        ticked = {e.person.id for e in entries if e.status == "absent"} | fresh
        suggested = bool(fresh)
    page = render_template(
        "ekinerja/event.html",
        event=event,
        entries=entries,
        ticked=ticked,
        suggested=suggested,
        checking_in=checking_in,
        office_name=office.name if office is not None else None,
        opens=f"{opens:%H.%M}",
        closes=f"{closes:%H.%M}",
        fmt_time=lambda at: f"{at.astimezone(tz):%H.%M}",
        flag_labels={k: translate(v) for k, v in FLAG_LABELS.items()},
        absent_count=events.absent_count(g.db, actor, event.id),
        unit_rolls=unit_rolls,
        fmt_moment=_moment,
        number=number,
        unit_names=names,
        caller=caller,
        may_cancel=event.cancelled_at is None and events.may_manage(actor, event.org_unit_id),
        kind_labels=_kind_labels(),
        percents=_percents(event.day),
        fmt_day=lambda day: _day(day, "EEEE, d MMMM y"),
        errors=errors or {},
        today=_today(),
    )
    return page, status


@blueprint.get("/events/<id:event_id>")
@access.requires(UNIT, VIEW_ALL)
def event_page(event_id: int) -> tuple[str, int]:
    """One event: its roll (ticks for the absent) and its cancellation."""
    actor = _actor()
    return _event_page(actor, events.visible(g.db, actor, event_id))


def _ticks() -> list[int]:
    """The ticked staff ids of the roll form; anything that is not one is a 422."""
    raw = request.form.getlist("absent")[: MAX_TICKS + 1]
    ids = []
    for value in raw:
        text = value.strip()
        if not _an_id(text):
            raise InvalidInput(M("the roll cannot be taken"), {"absent": M("not a staff member")})
        ids.append(int(text))
    return ids


@blueprint.post("/events/<id:event_id>/roll")
@access.requires(UNIT)
def event_roll(event_id: int) -> Response | tuple[str, int]:
    actor = _actor()
    ticked: list[int] = []
    try:
        ticked = _ticks()
        _event, changed = events.take_roll(g.db, actor, event_id, absent=ticked, today=_today())
    except NotFound:
        raise
    except ServiceError as error:
        g.db.rollback()
        return _event_page(
            actor,
            events.visible(g.db, actor, event_id),
            errors=refusal_fields(error),
            ticked=set(ticked),
            status=refusal_status(error),
        )
    flash(
        _(
            "The roll is saved: %(absent)s absent, %(changed)s marks changed.",
            absent=number(len(set(ticked))),
            changed=number(len(changed)),
        ),
        "success",
    )
    return redirect(url_for(".event_page", event_id=event_id), 303)


@blueprint.post("/events/<id:event_id>/cancellation")
@access.requires(UNIT)
def event_cancel(event_id: int) -> Response | tuple[str, int]:
    actor = _actor()
    try:
        if request.form.get("confirm") != "yes":
            raise InvalidInput(
                M("confirm the cancellation"), {"confirm": M("tick to confirm the cancellation")}
            )
        event = events.cancel(
            g.db, actor, event_id, reason=request.form.get("reason", "")[:4000], today=_today()
        )
    except NotFound:
        raise
    except ServiceError as error:
        g.db.rollback()
        return _event_page(
            actor,
            events.visible(g.db, actor, event_id),
            errors=refusal_fields(error),
            status=refusal_status(error),
        )
    flash(_("The event no. %(id)s is cancelled.", id=event.id), "success")
    return redirect(url_for(".event_page", event_id=event.id), 303)
