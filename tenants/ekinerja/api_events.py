"""Assemblies and ceremonies and their roll over JSON (``events``).

Declared on the app's one ``ApiSpec`` (``api.spec``); the manifest imports it.
Unit admins and BKPSDM schedule, call and cancel; viewers read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask import Response, g, request
from pydantic import BaseModel, ConfigDict, Field
from smartcity.toolkit import DbId, InvalidInput, access, query_int, require_user
from sqlalchemy import select

from . import attendance, eventcheckin, events
from .access import UNIT, VIEW_ALL, Actor, own_staff_id
from .api import PhoneId, _actor, _json, _today, spec
from .api_setup import EknOfficeOut, office_out
from .eventmodels import Event
from .messages import M
from .models import Office
from .periods import FIRST_YEAR, LAST_YEAR, parse_day, parse_month
from .rules import EVENT_KINDS

READERS = access.permission(UNIT, VIEW_ALL)


class EknEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=12, description="one of " + ", ".join(EVENT_KINDS))
    day: str = Field(max_length=10, description="YYYY-MM-DD")
    starts_at: str = Field(max_length=8, description="HH:MM, the regency's local time")
    title: str = Field("", max_length=200)
    org_unit_id: DbId | None = Field(
        None, description="the unit it is for (and the units under it); none: the whole regency"
    )
    office_id: DbId | None = Field(
        None,
        description="where it is held: an office of the unit, of a unit above it or of one "
        "under it (any office for the whole regency); then the people it covers check in to "
        "it by phone, inside that office's geofence, from 30 minutes before its start to 30 "
        "after",
    )


class EknRollIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    absent: list[DbId] = Field(
        max_length=events.MAX_ABSENT,
        description="the staff ids marked absent; everyone else on the caller's roll is present",
    )


class EknEventCancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=2000)


class EknEventOut(BaseModel):
    id: int
    kind: str
    day: date
    starts_at: time
    title: str | None
    office_id: int | None = Field(description="where it is held; none: no check-in by phone")
    org_unit_id: int | None
    absent_count: int
    created_by: str
    roll_taken_by: str | None
    roll_taken_at: datetime | None
    cancelled: bool
    cancelled_by: str | None
    cancel_reason: str | None


class EknRollEntryOut(BaseModel):
    staff_id: int
    nip: str
    name: str
    org_unit_id: int = Field(
        description="the unit they are called in: where they were marked absent, else their own"
    )
    status: str = Field(description="present, absent or excused (an approved absence that day)")
    absence_id: int | None
    checked_in_at: datetime | None = Field(
        description="when they checked in to the event by phone (none: they did not)"
    )
    check_in_flags: list[str] = Field(
        description="what was odd about that check-in: mock_location, low_accuracy, "
        "shared_device (the same device checked in someone else too), other_device (not "
        "the phone the account is tied to), no_device_id"
    )
    moved: bool = Field(
        description="marked absent in a unit they have left since (or they left the service); "
        "leaving them out of the absent list clears the mark"
    )


class EknEventUnitOut(BaseModel):
    org_unit_id: int
    code: str
    name: str
    people: int
    absent: int
    taken_by: str | None = Field(description="who last took this unit's roll (none: not yet)")
    taken_at: datetime | None


class EknEventDetail(EknEventOut):
    roll: list[EknRollEntryOut] = Field(
        description="the people the caller calls (empty for a viewer)"
    )
    units: list[EknEventUnitOut] = Field(
        description="each unit the event covers that the caller may see, with its roll's state"
    )


class EknEventListed(EknEventOut):
    units_taken: int = Field(description="of the units I may see that it covers, those called")
    units_total: int = Field(description="the units I may see that it covers, with people")


class EknEventList(BaseModel):
    events: list[EknEventListed]


def event_out(event: Event, absent_count: int) -> EknEventOut:
    return EknEventOut(
        id=event.id,
        kind=event.kind,
        day=event.day,
        starts_at=event.starts_at,
        title=event.title,
        org_unit_id=event.org_unit_id,
        office_id=event.office_id,
        absent_count=absent_count,
        created_by=event.created_by,
        roll_taken_by=event.roll_taken_by,
        roll_taken_at=event.roll_taken_at,
        cancelled=event.cancelled_at is not None,
        cancelled_by=event.cancelled_by,
        cancel_reason=event.cancel_reason,
    )


def _detail(actor: Actor, event: Event) -> EknEventDetail:
    entries = events.roll(g.db, actor, event) if events.calls(g.db, actor, event) else []
    out = event_out(event, events.absent_count(g.db, actor, event.id))
    return EknEventDetail(
        **out.model_dump(),
        roll=[
            EknRollEntryOut(
                staff_id=e.person.id,
                nip=e.person.nip,
                name=e.person.name,
                org_unit_id=e.unit_id,
                status=e.status,
                absence_id=e.absence_id,
                checked_in_at=e.checked_in.at if e.checked_in else None,
                check_in_flags=list(e.checked_in.flags) if e.checked_in else [],
                moved=e.moved,
            )
            for e in entries
        ],
        units=[
            EknEventUnitOut(
                org_unit_id=u.unit.id,
                code=u.unit.code,
                name=u.unit.name,
                people=u.people,
                absent=u.absent,
                taken_by=u.taken_by,
                taken_at=u.taken_at,
            )
            for u in events.unit_rolls(g.db, actor, event)
        ],
    )


@spec.route(
    "GET",
    "/events",
    "The month's assemblies and ceremonies I may read (month=YYYY-MM, default this one), "
    "filtered by org_unit_id and kind",
    access=READERS,
    response=EknEventList,
    errors=(403, 422),
)
def event_list() -> tuple[Response, int]:
    actor = _actor()
    raw_month = request.args.get("month") or None
    kind = request.args.get("kind") or None
    problems = {}
    month = parse_month(raw_month) if raw_month else _today().replace(day=1)
    if month is None:
        problems["month"] = M("a month (YYYY-MM) of the years 2000 to 2100")
    if kind is not None and kind not in EVENT_KINDS:
        problems["kind"] = M("one of %(choices)s", choices=", ".join(EVENT_KINDS))
    if problems or month is None:
        raise InvalidInput(M("the filter is not valid"), problems)
    rows = events.listing(g.db, actor, month=month, org_unit_id=query_int("org_unit_id"), kind=kind)
    return _json(
        EknEventList(
            events=[
                EknEventListed(
                    **event_out(r.event, r.absent).model_dump(),
                    units_taken=r.units_taken,
                    units_total=r.units_total,
                )
                for r in rows
            ]
        )
    )


@spec.route(
    "POST",
    "/events",
    "Schedule an assembly or ceremony for a unit I manage, or for the whole regency (BKPSDM)",
    access=access.permission(UNIT),
    body=EknEventIn,
    response=EknEventOut,
    status=201,
    errors=(403, 404, 409, 422),
)
def event_create(body: EknEventIn) -> tuple[Response, int]:
    event = events.schedule(
        g.db,
        _actor(),
        kind=body.kind,
        day=body.day,
        starts_at=body.starts_at,
        title=body.title,
        org_unit_id=body.org_unit_id,
        office_id=body.office_id,
        today=_today(),
    )
    return _json(event_out(event, 0), 201)


@spec.route(
    "GET",
    "/events/<id:event_id>",
    "One event I may read, with the roll of the people I call",
    access=READERS,
    response=EknEventDetail,
    errors=(403, 404),
)
def event_get(event_id: int) -> tuple[Response, int]:
    actor = _actor()
    return _json(_detail(actor, events.visible(g.db, actor, event_id)))


@spec.route(
    "PUT",
    "/events/<id:event_id>/roll",
    "Take the roll: the people listed are absent, everyone else I call is present; the "
    "month's statements already computed are recalculated for those whose mark changed",
    access=access.permission(UNIT),
    body=EknRollIn,
    response=EknEventDetail,
    errors=(403, 404, 409, 422),
)
def event_roll(body: EknRollIn, event_id: int) -> tuple[Response, int]:
    actor = _actor()
    event, _changed = events.take_roll(
        g.db, actor, event_id, absent=list(body.absent), today=_today()
    )
    return _json(_detail(actor, event))


@spec.route(
    "POST",
    "/events/<id:event_id>/cancellation",
    "Cancel an event with a reason; its roll then cuts nobody",
    access=access.permission(UNIT),
    body=EknEventCancelIn,
    response=EknEventOut,
    errors=(403, 404, 409, 422),
)
def event_cancel(body: EknEventCancelIn, event_id: int) -> tuple[Response, int]:
    actor = _actor()
    event = events.cancel(g.db, actor, event_id, reason=body.reason, today=_today())
    return _json(event_out(event, events.absent_count(g.db, actor, event.id)))


# --------------------------------------------------------------------------- by phone


class EknEventCheckInBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latitude: float = Field(ge=-90, le=90, description="where the phone is (WGS 84)")
    longitude: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(
        None,
        ge=0,
        le=100_000,
        description="the fix's accuracy in metres; beyond the regency's max_accuracy_m the "
        "check-in is taken and flagged low_accuracy",
    )
    device_id: PhoneId = Field(None, max_length=120)
    mock_location: bool = Field(
        False, description="the phone reports a mock location: taken and flagged mock_location"
    )


class EknEventCheckInOut(BaseModel):
    event_id: int
    at: datetime
    flags: list[str] = Field(
        description="mock_location, low_accuracy, shared_device, other_device, no_device_id: "
        "shown to the roll's caller"
    )
    created: bool = Field(description="false: checked in before; this is that check-in")


class EknMyEvent(BaseModel):
    id: int
    kind: str
    day: date
    starts_at: time
    title: str | None
    office_id: int | None = Field(description="where it is held; none: no check-in by phone")
    place: EknOfficeOut | None = Field(
        description="that office, with its fence: where to go, and where the phone may check in"
    )
    cancelled: bool
    check_in_opens: datetime | None = Field(description="none: no check-in by phone")
    check_in_closes: datetime | None
    checked_in_at: datetime | None


class EknMyEvents(BaseModel):
    events: list[EknMyEvent]


@spec.route(
    "GET",
    "/events/mine",
    "The assemblies and ceremonies that cover me on a day (day=YYYY-MM-DD, the regency's "
    "date, default today), with my check-in; also one of the day before or after whose "
    "check-in is open that day (a ceremony at 00.15 opens at 23.45)",
    response=EknMyEvents,
    errors=(403, 422),
)
def my_events() -> tuple[Response, int]:
    staff_id = own_staff_id(g.db, require_user())
    raw = request.args.get("day") or None
    day = parse_day(raw) if raw else _today()
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidInput(
            M("the filter is not valid"),
            {"day": M("a date (YYYY-MM-DD) of the years 2000 to 2100")},
        )
    out = []
    mine = eventcheckin.mine(g.db, staff_id, day)
    tz = attendance.zone(g.db)
    held_at = {e.office_id for e, _ in mine if e.office_id is not None}
    places = {
        o.id: office_out(o)
        for o in (g.db.scalars(select(Office).where(Office.id.in_(held_at))) if held_at else [])
    }
    for event, checked in mine:
        opens, closes = (
            eventcheckin.window(event, tz) if event.office_id is not None else (None, None)
        )
        out.append(
            EknMyEvent(
                id=event.id,
                kind=event.kind,
                day=event.day,
                starts_at=event.starts_at,
                title=event.title,
                office_id=event.office_id,
                place=places.get(event.office_id) if event.office_id is not None else None,
                cancelled=event.cancelled_at is not None,
                check_in_opens=opens,
                check_in_closes=closes,
                checked_in_at=checked.at if checked is not None else None,
            )
        )
    return _json(EknMyEvents(events=out))


@spec.route(
    "POST",
    "/events/<id:event_id>/check-in",
    "Check in to an assembly or ceremony held at a place, from the phone, inside its geofence "
    "around its start (201); a second check-in returns the first (200, created false). An "
    "event that does not cover me is a 404, as if it did not exist",
    body=EknEventCheckInBody,
    response=EknEventCheckInOut,
    status=201,
    errors=(403, 404, 409, 422),
)
def event_check_in(body: EknEventCheckInBody, event_id: int) -> tuple[Response, int]:
    staff_id = own_staff_id(g.db, require_user())
    checked, created = eventcheckin.check_in(
        g.db,
        staff_id,
        event_id,
        eventcheckin.CheckInAt(**body.model_dump()),
        now=datetime.now(UTC),
    )
    out = EknEventCheckInOut(
        event_id=checked.event_id, at=checked.at, flags=list(checked.flags), created=created
    )
    return _json(out, 201 if created else 200)
