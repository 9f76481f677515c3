"""Checking in to an assembly or ceremony by phone.

An event held at a place (one of the regency's offices, ``Event.office_id``) takes
check-ins from the people it covers, inside that office's geofence, from
:data:`OPENS_BEFORE` before its start to :data:`CLOSES_AFTER` after it. A check-in
is evidence, not a mark: whoever takes the roll sees who checked in (and any
flag), and the roll page starts from it, but only the roll cuts anybody. So a
phone that lies about its place is flagged and shown, never trusted alone.

Refusals name what is wrong in the reader's language; a person never learns of an
event that does not cover them (it is as unknown as one that does not exist).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from smartcity.toolkit import Conflict, InvalidInput, Staff
from sqlalchemy import Select, any_, case, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from . import geo
from .attendance import SHARED_DEVICE, judge_phone, tied_phone, zone
from .eventmodels import Event, EventCheckIn
from .events import units_above, unknown_event
from .messages import M
from .models import Office
from .periods import require_open
from .settings import load as load_settings

#: A check-in is taken from this long before the event starts...
OPENS_BEFORE = timedelta(minutes=30)
#: ...to this long after (someone arriving later missed it; the roll may still
#: say otherwise).
CLOSES_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class CheckInAt:
    """Where and how a phone says its holder is."""

    latitude: float
    longitude: float
    accuracy_m: float | None = None
    device_id: str | None = None
    mock_location: bool = False


def _covering(person: Staff) -> Select[Event]:
    """The events that cover ``person``: the regency's, and their unit's or a unit
    above it."""
    return select(Event).where(
        or_(
            Event.org_unit_id.is_(None),
            Event.org_unit_id.in_(units_above(frozenset({person.unit_id}))),
        )
    )


def window(event: Event, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """When ``event`` takes check-ins; ``tz`` is the regency's zone (:func:`zone`,
    read once by the caller: it is a query)."""
    start = datetime.combine(event.day, event.starts_at, tz)
    return start - OPENS_BEFORE, start + CLOSES_AFTER


def check_in(
    session: Session, staff_id: int, event_id: int, at: CheckInAt, *, now: datetime
) -> tuple[EventCheckIn, bool]:
    """Check ``staff_id`` in to ``event_id``; returns the check-in and whether it is new.

    A second check-in to the same event (a retry, or the phone asking twice)
    returns the first unchanged: the unique constraint on (event, person) decides,
    so two at once still make one.
    """
    person = session.get(Staff, staff_id)
    event = None
    if person is not None and person.is_active and 0 < event_id < 2**63:
        event = session.scalar(_covering(person).where(Event.id == event_id))
    if event is None:
        raise unknown_event(event_id)
    if event.cancelled_at is not None:
        raise Conflict(M("this event is cancelled"), {"event_id": M("cancelled")})
    if event.office_id is None:
        raise Conflict(
            M("this event takes no check-in by phone: its roll is taken by the admin"),
            {"event_id": M("no check-in")},
        )
    found = _existing(session, event.id, staff_id)
    if found is not None:
        return found, False
    tz = zone(session)
    opens, closes = window(event, tz)
    if not opens <= now <= closes:
        local = opens if now < opens else closes
        message = (
            M("check-in opens at %(time)s", time=f"{local:%H.%M}")
            if now < opens
            else M("check-in closed at %(time)s", time=f"{local:%H.%M}")
        )
        raise Conflict(message, {"event_id": M("not now")})
    require_open(session, event.day, now.astimezone(tz).date())
    office = session.get(Office, event.office_id)
    if office is None:  # the foreign key keeps it; a defensive 404, never a 500
        raise unknown_event(event_id)
    point = (at.latitude, at.longitude)
    fence = geo.Fence(
        (office.latitude, office.longitude),
        office.radius_m,
        tuple((p[0], p[1]) for p in (office.polygon or [])),
    )
    if not fence.contains(point):
        raise InvalidInput(
            M(
                "outside the place of the event: %(count)s m from %(office)s",
                count=round(geo.distance_m((office.latitude, office.longitude), point)),
                office=office.name,
            ),
            {"latitude": M("outside the geofence")},
        )
    flags = _flags(session, event.id, staff_id, at)
    made = session.scalar(
        insert(EventCheckIn)
        .values(
            event_id=event.id,
            staff_id=staff_id,
            at=now,
            latitude=at.latitude,
            longitude=at.longitude,
            accuracy_m=at.accuracy_m,
            device_id=at.device_id,
            flags=flags,
        )
        .on_conflict_do_nothing(index_elements=["event_id", "staff_id"])
        .returning(EventCheckIn)
    )
    if made is None:  # a concurrent retry won the race
        found = _existing(session, event.id, staff_id)
        if found is None:
            raise Conflict(M("the check-in could not be recorded; try again"))
        return found, False
    return made, True


def _flags(session: Session, event_id: int, staff_id: int, at: CheckInAt) -> list[str]:
    """What is odd about a check-in, for whoever takes the roll (a refusal only where
    the regency refuses punches from another phone than the account's)."""
    rules = load_settings(session)
    flags = _phone_flags(session, staff_id, at.device_id, rules.device_binding)
    if at.mock_location:
        flags.append("mock_location")
    if at.accuracy_m is not None and at.accuracy_m > rules.max_accuracy_m:
        flags.append("low_accuracy")
    if at.device_id and _mark_shared_device(session, event_id, staff_id, at.device_id):
        flags.append(SHARED_DEVICE)
    return flags


def _phone_flags(session: Session, staff_id: int, phone: str | None, binding: str) -> list[str]:
    """The person's tied phone (``device_binding``) judges an apel check-in as it does a
    punch: one colleague checking in the whole row from their phone is the apel's
    titip absen. A check-in judges only: the tie is made by the first punch."""
    tied = tied_phone(session, staff_id) if binding != "off" and phone else None
    return judge_phone(binding, phone, tied.device_id if tied is not None else None)


def _mark_shared_device(session: Session, event_id: int, staff_id: int, device_id: str) -> bool:
    """Whether someone else checked in to the event from ``device_id``; if so, their
    check-ins are flagged too. One phone checking in a row of colleagues ("titip
    absen") is the trick a roll by phone invites: the caller sees both sides."""
    others = session.scalars(
        update(EventCheckIn)
        .where(
            EventCheckIn.event_id == event_id,
            EventCheckIn.device_id == device_id,
            EventCheckIn.staff_id != staff_id,
        )
        .values(
            flags=case(
                (
                    literal(SHARED_DEVICE) == any_(EventCheckIn.flags),
                    EventCheckIn.flags,
                ),
                else_=func.array_append(EventCheckIn.flags, SHARED_DEVICE),
            )
        )
        .returning(EventCheckIn.id)
    ).all()
    return bool(others)


def _existing(session: Session, event_id: int, staff_id: int) -> EventCheckIn | None:
    return session.scalar(
        select(EventCheckIn).where(
            EventCheckIn.event_id == event_id, EventCheckIn.staff_id == staff_id
        )
    )


def mine(session: Session, staff_id: int, day: date) -> list[tuple[Event, EventCheckIn | None]]:
    """The events that cover the person on ``day`` (the regency's date), by start, each
    with their check-in (None: not checked in); cancelled ones too, so the phone can say
    so. An event whose check-in is open on ``day`` counts too though it falls on the
    day before or after (a 00.15 ceremony opens at 23.45): the phone asking at 23.50
    for today's events must find it."""
    person = session.get(Staff, staff_id)
    if person is None or not person.is_active:
        return []
    rows = session.execute(
        _covering(person)
        .add_columns(EventCheckIn)
        .outerjoin(
            EventCheckIn,
            (EventCheckIn.event_id == Event.id) & (EventCheckIn.staff_id == staff_id),
        )
        .where(Event.day.between(day - timedelta(days=1), day + timedelta(days=1)))
        .order_by(Event.day, Event.starts_at, Event.id)
    )
    tz = zone(session)
    starts, ends = datetime.combine(day, time(), tz), datetime.combine(day, time.max, tz)

    def on_day(event: Event) -> bool:
        if event.day == day:
            return True
        if event.office_id is None:
            return False
        opens, closes = window(event, tz)
        return opens <= ends and closes >= starts

    return [(event, checked) for event, checked in rows if on_day(event)]
