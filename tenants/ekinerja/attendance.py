"""Check-ins and check-outs into one record per person per day.

A punch arrives from the mobile app (online, or later in an offline batch), the
web page on an office network, or a fingerprint machine's file. Each is kept as
it came, with flags for whatever makes it suspect: outside every fence, a mock
location, an impossible jump from the previous punch, poor accuracy, a device
clock far from ours. A clean punch counts at once; a flagged one waits for the
supervisor (``review``), so nothing suspect is silently trusted and nothing is
silently lost. Under a row lock on the person (so concurrent punches never lose
each other) a new punch is folded into its day record in the statement that
inserts it; a review rebuilds the day from its accepted punches, which gives the
same record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from smartcity.toolkit import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    OrgUnit,
    PlainStatement,
    Staff,
    record_audit,
    tenant_settings,
    tenant_timezone_subquery,
)
from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    String,
    and_,
    any_,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import JSON, insert
from sqlalchemy.orm import Session, aliased

from . import geo
from .access import Actor
from .messages import M
from .models import Account, AttendanceDay, Device, Office, Punch, Settings, ShiftAssignment
from .people import is_supervisor_of, lock_person, staff_or_404
from .periods import is_locked, require_open
from .schedule import Shift, attendance_day
from .settings import EkinerjaSettings

SOURCES = ("mobile", "offline", "web", "machine")
#: One phone punching for several people on a day ("titip absen", a colleague's
#: check-in done for them): every one of those punches waits for the supervisor.
SHARED_DEVICE = "shared_device"


@dataclass(frozen=True)
class PunchIn:
    """A punch as a client sends it."""

    kind: str
    idempotency_key: str
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None
    device_id: str | None = None
    device_time: datetime | None = None
    mock_location: bool = False


@dataclass(frozen=True)
class PunchRecord:
    """A punch as stored (read back from the statement that inserted it, or loaded)."""

    id: int
    staff_id: int
    kind: str
    source: str
    at: datetime
    day: date
    office_id: int | None
    flags: list[str]
    review: str

    @classmethod
    def of(cls, punch: Punch) -> PunchRecord:
        return cls(
            punch.id,
            punch.staff_id,
            punch.kind,
            punch.source,
            punch.at,
            punch.day,
            punch.office_id,
            list(punch.flags),
            punch.review,
        )


def zone(session: Session) -> ZoneInfo:
    return ZoneInfo(tenant_settings(session).timezone)


@dataclass(frozen=True)
class OfficeFence:
    """An office as a check-in needs it: its id, its centre and its fence."""

    id: int
    centre: geo.Point
    fence: geo.Fence


def _nearest_fences(rows: list[list[Any]] | None) -> list[OfficeFence]:
    """``[id, latitude, longitude, radius_m, polygon, depth]`` rows (as
    :func:`_before_statement` aggregates them) -> the nearest level's fences."""
    if not rows:
        return []
    nearest = min(row[5] for row in rows)
    return [
        OfficeFence(
            office_id,
            (lat, lon),
            geo.Fence((lat, lon), radius, tuple((p[0], p[1]) for p in (polygon or []))),
        )
        for office_id, lat, lon, radius, polygon, depth in sorted(
            rows, key=lambda row: (row[5], row[0])
        )
        if depth == nearest
    ]


#: A unit tree deeper than this is a cycle in the data, not a real hierarchy.
_MAX_DEPTH = 64


def _unit_chain() -> Any:
    """The unit ``:unit_id`` and its ancestors, nearest first (``depth`` 0 is the unit)."""
    chain = (
        select(OrgUnit.id.label("unit_id"), OrgUnit.parent_id, literal(0).label("depth"))
        .where(OrgUnit.id == bindparam("unit_id", type_=BigInteger))
        .cte("chain", recursive=True)
    )
    parent = aliased(OrgUnit)
    return chain.union_all(
        select(parent.id, parent.parent_id, chain.c.depth + 1)
        .join(chain, parent.id == chain.c.parent_id)
        .where(chain.c.depth < _MAX_DEPTH)
    )


def _when(
    punch: PunchIn, source: str, now: datetime, rules: EkinerjaSettings
) -> tuple[datetime, list[str]]:
    """The moment the punch counts for, and any clock flag."""
    skew = timedelta(minutes=rules.clock_skew_minutes)
    device = punch.device_time
    if device is not None and device.tzinfo is None:
        raise InvalidInput(M("the device time needs a time zone"), {"device_time": "with offset"})
    if source == "offline":
        if device is None:
            raise InvalidInput(
                M("an offline punch needs the device time"), {"device_time": "required"}
            )
        if device > now + skew:
            raise InvalidInput(M("the device time is in the future"), {"device_time": "future"})
        if now - device > timedelta(hours=rules.offline_window_hours):
            raise InvalidInput(
                M(
                    "offline punches older than %(count)s hours are not accepted",
                    count=rules.offline_window_hours,
                ),
                {"device_time": "too old"},
            )
        return device, ["offline"]
    flags = ["clock_skew"] if device is not None and abs(device - now) > skew else []
    return now, flags


def _place_flags(
    punch: PunchIn, at: datetime, rules: EkinerjaSettings, before: _Before
) -> tuple[int | None, list[str]]:
    """The office a phone's punch was made at, and what is odd about where and how."""
    fences, previous = before.fences, before.previous
    if punch.latitude is None or punch.longitude is None:
        raise InvalidInput(M("a mobile punch needs its location"), {"latitude": "required"})
    point = (punch.latitude, punch.longitude)
    flags: list[str] = []
    if punch.mock_location:
        flags.append("mock_location")
    if punch.accuracy_m is not None and punch.accuracy_m > rules.max_accuracy_m:
        flags.append("low_accuracy")
    office_id = None
    if not fences:
        flags.append("no_geofence")
    else:
        inside = [o for o in fences if o.fence.contains(point)]
        if inside:
            office_id = inside[0].id
        elif rules.geofence_policy == "refuse":
            nearest = min(geo.distance_m(o.centre, point) for o in fences)
            raise InvalidInput(
                M(
                    "outside every office's geofence: %(count)s m from the nearest office",
                    count=round(nearest),
                ),
                {"latitude": "outside the geofence"},
            )
        else:
            flags.append("outside_geofence")
    if previous is not None:
        speed = geo.implied_speed_kmh(
            (previous[0], previous[1]), point, (at - previous[2]).total_seconds()
        )
        if speed > rules.max_speed_kmh:
            flags.append("impossible_jump")
    if before.shared_device:
        flags.append(SHARED_DEVICE)
    return office_id, flags


@dataclass(frozen=True)
class _Before:
    """What the database holds that a new punch is judged against (read under the lock)."""

    existing_id: int | None
    previous: tuple[float, float, datetime] | None
    #: The person's shifts of the day before, the day and the day after: they decide
    #: which day the punch counts for (:func:`~.schedule.attendance_day`).
    shifts: tuple[Shift, ...]
    fences: list[OfficeFence]
    #: Someone else punched from this phone on the same day
    #: (:func:`_someone_else_on_the_phone`).
    shared_device: bool
    #: The phone the person's account is tied to (None: none yet). Read here, after
    #: the lock, not in the lock's statement: that one's snapshot predates whatever
    #: the transaction it waited for (a release, a first punch) committed.
    tied_phone: str | None = None


def _before(
    session: Session, person: Locked, key: str, at: datetime, device_id: str | None
) -> _Before:
    """In one statement: the punch this key already made, the person's last located
    punch up to ``at`` (for the impossible-jump check), the person's shifts from the
    day before to the day after, the offices of the person's unit (else of its
    nearest ancestor that has some), and whether someone else punched from ``device_id`` that day
    (None: not asked), and the phone the account is tied to. Read after the person's
    row lock, so a punch or a release committed meanwhile is seen."""
    local_day = at.astimezone(person.tz).date()
    start, end = _day_bounds(local_day, person.tz)
    existing_id, latitude, longitude, last_at, shifts, fences, shared, tied = (
        _before_statement().rows(
            session,
            {
                "staff_id": person.staff_id,
                "unit_id": person.unit_id,
                "key": key,
                "at": at,
                "previous_day": local_day - timedelta(days=1),
                "next_day": local_day + timedelta(days=1),
                "device_id": device_id,
                "day_start": start,
                "day_end": end,
            },
        )[0]
    )
    previous = (
        (latitude, longitude, last_at)
        if last_at is not None and latitude is not None and longitude is not None
        else None
    )
    return _Before(
        existing_id,
        previous,
        tuple(
            Shift(date.fromisoformat(day), time.fromisoformat(begins), time.fromisoformat(ends))
            for day, begins, ends in shifts or ()
        ),
        _nearest_fences(fences),
        bool(shared),
        tied,
    )


def _day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The regency's calendar ``day`` as an instant range [start, end)."""
    return (
        datetime.combine(day, time.min, tz),
        datetime.combine(day + timedelta(days=1), time.min, tz),
    )


#: Punches a phone makes for its owner; a fingerprint machine or the office's web
#: page is shared by design.
_PHONE_SOURCES = ("mobile", "offline")
#: A punch made by a phone, as SQL. Not IN (...): the statements are run prepared,
#: with no list to expand.
_FROM_A_PHONE = or_(*(Punch.source == source for source in _PHONE_SOURCES))


def _same_phone_that_day(others: Any, device_id: Any, start: Any, end: Any) -> Any:
    """The condition on :class:`Punch` for a punch from ``device_id`` within
    ``[start, end)`` by the people ``others`` (a condition on ``Punch.staff_id``);
    values or bound parameters. Rejected punches no longer count: the supervisor has
    decided them."""
    return and_(
        Punch.device_id == device_id,
        others,
        _FROM_A_PHONE,
        Punch.review != "rejected",
        Punch.at >= start,
        Punch.at < end,
    )


def _someone_else_on_the_phone(staff_id: Any) -> Any:
    """Whether anyone but ``staff_id`` punched from ``:device_id`` that day: as two
    range scans of the index (device_id, staff_id, at), people before and after, so a
    phone only its owner uses costs two empty probes however often they punch (``<>``
    would read every punch of the owner's that day)."""
    phone = bindparam("device_id", type_=String)
    start = bindparam("day_start", type_=DateTime(timezone=True))
    end = bindparam("day_end", type_=DateTime(timezone=True))
    return or_(
        exists().where(_same_phone_that_day(Punch.staff_id < staff_id, phone, start, end)),
        exists().where(_same_phone_that_day(Punch.staff_id > staff_id, phone, start, end)),
    )


@cache
def _before_statement() -> PlainStatement:
    """Built once, with bound parameters (a check-in is frequent, and building the
    statement costs more than running it), and run as a :class:`PlainStatement`."""
    staff_id = bindparam("staff_id", type_=BigInteger)

    def last(column: Any) -> Any:
        return (
            select(column)
            .where(
                Punch.staff_id == staff_id,
                Punch.latitude.is_not(None),
                Punch.review != "rejected",
                Punch.at <= bindparam("at", type_=DateTime(timezone=True)),
            )
            .order_by(Punch.at.desc(), Punch.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    chain = _unit_chain()
    fences = (
        select(
            func.json_agg(
                func.json_build_array(
                    Office.id,
                    Office.latitude,
                    Office.longitude,
                    Office.radius_m,
                    Office.polygon,
                    chain.c.depth,
                ),
                type_=JSON,
            )
        )
        .join(chain, Office.org_unit_id == chain.c.unit_id)
        .scalar_subquery()
    )
    return PlainStatement(
        select(
            select(Punch.id)
            .where(Punch.staff_id == staff_id, Punch.idempotency_key == bindparam("key"))
            .scalar_subquery()
            .label("existing_id"),
            last(Punch.latitude).label("latitude"),
            last(Punch.longitude).label("longitude"),
            last(Punch.at).label("at"),
            select(
                func.json_agg(
                    func.json_build_array(
                        ShiftAssignment.day, ShiftAssignment.start_time, ShiftAssignment.end_time
                    ),
                    type_=JSON,
                )
            )
            .where(
                ShiftAssignment.staff_id == staff_id,
                ShiftAssignment.day.between(
                    bindparam("previous_day", type_=Date), bindparam("next_day", type_=Date)
                ),
            )
            .scalar_subquery()
            .label("shifts"),
            fences.label("fences"),
            _someone_else_on_the_phone(staff_id).label("shared"),
            select(Device.device_id)
            .where(Device.staff_id == staff_id, Device.released_at.is_(None))
            .scalar_subquery()
            .label("tied_phone"),
        )
    )


@dataclass(frozen=True)
class Locked:
    """A person whose row this transaction has locked, with what their punch is judged by."""

    staff_id: int
    unit_id: int
    rules: EkinerjaSettings
    tz: ZoneInfo
    #: The phone whose turn this transaction took with the lock (:func:`_phone_turn`).
    phone: str | None = None


def lock_staff(session: Session, staff_id: int, *, phone: str | None = None) -> Locked:
    """The person's row locked (as :func:`lock_person`), with the regency's e-Kinerja
    settings and time zone, and ``phone``'s turn taken, in one statement; 404 if there
    is no such person."""
    statement = _lock_statement(by_user=False, phone=phone is not None)
    locked = _locked(session, statement, {"staff_id": staff_id}, phone)
    if locked is None:
        raise NotFound(
            M("no staff member %(staff_id)s", staff_id=staff_id), {"staff_id": "unknown"}
        )
    return locked


def lock_own(session: Session, user_id: int, *, phone: str | None = None) -> Locked | None:
    """As :func:`lock_staff` for the staff member ``user_id`` is linked to (the
    account lookup in the same statement); None if the user is linked to nobody."""
    statement = _lock_statement(by_user=True, phone=phone is not None)
    return _locked(session, statement, {"user_id": user_id}, phone)


def _locked(
    session: Session, statement: PlainStatement, params: dict[str, int], phone: str | None
) -> Locked | None:
    row = statement.first(session, params if phone is None else {**params, "phone": phone})
    if row is None:
        return None
    staff_id, unit_id, values, timezone = row[:4]
    rules = EkinerjaSettings.model_validate(values if values is not None else {})
    tz = ZoneInfo(timezone) if timezone is not None else zone(session)
    return Locked(staff_id, unit_id, rules, tz, phone)


def _phone_turn(phone: Any) -> Any:
    """Waiting for any other transaction of this regency punching from ``phone`` to
    finish (an advisory lock until this one ends; the regency's role is the
    transaction's user, so regencies never wait for each other).

    The look-back sees only committed punches: two people's punches from one phone
    at once (each one's offline batch, uploaded together) would each find nobody
    else, and neither be flagged. In the lock's own statement, to cost no round
    trip at the morning peak; the look-back after it is a statement of its own, so
    its snapshot sees what the other committed."""
    return func.pg_advisory_xact_lock(
        func.hashtext(func.concat(func.current_user(), "/ekn_phone/", phone))
    )


@cache
def _lock_statement(*, by_user: bool, phone: bool) -> PlainStatement:
    """``FOR NO KEY UPDATE`` of the person's row only: the settings rows stay unlocked.
    With ``phone``, the turn on ``:phone`` too (:func:`_phone_turn`).

    Built once per variant (see :func:`_before_statement`)."""
    columns = [
        Staff.id,
        Staff.unit_id,
        select(Settings.values).where(Settings.id == 1).scalar_subquery().label("values"),
        tenant_timezone_subquery().label("timezone"),
    ]
    if phone:
        columns.append(_phone_turn(bindparam("phone", type_=String)).label("turn"))
    statement = select(*columns).select_from(Staff).with_for_update(of=Staff, key_share=True)
    if by_user:
        return PlainStatement(
            statement.join(Account, Account.staff_id == Staff.id).where(
                Account.user_id == bindparam("user_id", type_=BigInteger)
            )
        )
    return PlainStatement(statement.where(Staff.id == bindparam("staff_id", type_=BigInteger)))


def record_punch(
    session: Session,
    staff_id: int,
    punch: PunchIn,
    *,
    source: str,
    now: datetime | None = None,
    remote_addr: str | None = None,
    person: Locked | None = None,
) -> tuple[PunchRecord, bool]:
    """Record ``punch`` for ``staff_id``; returns it and whether it is new.

    A key seen before returns the first punch unchanged: the unique constraint on
    (staff, key) decides, so two concurrent retries still make one punch.
    ``person`` is the person already locked in this transaction (by
    :func:`lock_own`, given the punch's phone), else their row is locked here.

    The round trips are few on purpose (the morning peak): the lock with both
    settings rows and the turn on the phone (:func:`_phone_turn`), one look at
    what came before (key, last punch, the shifts around the day, the offices,
    another person on this phone today), and one statement that inserts the punch and
    brings its day record up to date. Only a phone found shared costs more
    (:func:`_flag_companions`).
    """
    if source not in SOURCES:  # set by the code that calls, never typed by a person
        raise ValueError(f"unknown punch source {source!r}; one of {SOURCES}")
    key = _checked_key(punch)
    phone = punch.device_id if source in _PHONE_SOURCES and punch.device_id else None
    if person is None:
        person = lock_staff(session, staff_id, phone=phone)
    elif person.staff_id != staff_id:
        raise ValueError("the locked person is not the one punching")
    rules, tz = person.rules, person.tz
    now = now or datetime.now(UTC)
    device = punch.device_time
    # The moment the punch would count for (``_when`` decides, and refuses, below;
    # a refused punch never uses what was read for this guess).
    guess = (
        device if source == "offline" and device is not None and device.tzinfo is not None else now
    )
    phone = _phone_to_check(session, person, phone)
    before = _before(session, person, key, guess, phone)
    if before.existing_id is not None:
        existing = session.get(Punch, before.existing_id)
        if existing is not None:
            return PunchRecord.of(existing), False
    at, flags = _when(punch, source, now, rules)
    office_id = None
    if source == "web":
        if not rules.allows_address(remote_addr):
            raise Forbidden(
                M("web check-in is allowed only from the office network"),
                {"address": "not allowed"},
            )
    elif source in _PHONE_SOURCES:
        office_id, place = _place_flags(punch, at, rules, before)
        made_at = at if source == "offline" else None
        flags += place + _device_flags(
            session, person, before.tied_phone, punch.device_id, now, made_at=made_at
        )
    local = at.astimezone(tz)
    day = attendance_day(local, punch.kind, before.shifts)
    if source == "offline":
        # Uploaded late: its month may have closed meanwhile (a punch now is always
        # in an open month). Refused, as a fingerprint file's punch is skipped: a
        # closed month's days, and its TPP, no longer change.
        require_open(session, day, now.astimezone(tz).date(), cutoff_day=rules.cutoff_day)
    values = {
        "staff_id": staff_id,
        "idempotency_key": key,
        "kind": punch.kind,
        "source": source,
        "at": at,
        "day": day,
        "device_at": punch.device_time,
        "received_at": now,
        "latitude": punch.latitude,
        "longitude": punch.longitude,
        "accuracy_m": punch.accuracy_m,
        "device_id": punch.device_id,
        "office_id": office_id,
        "flags": flags,
        "review": "pending" if _suspect(flags) else "accepted",
    }
    stored = _insert_with_day(session, values)
    if stored is None:  # a concurrent retry won the race
        found = _by_key(session, staff_id, key)
        if found is None:
            raise Conflict(M("the punch could not be recorded; try again"))
        return PunchRecord.of(found), False
    if before.shared_device and phone is not None:
        _flag_companions(session, staff_id, phone, guess.astimezone(tz).date(), tz)
    return stored, True


def _phone_to_check(session: Session, person: Locked, phone: str | None) -> str | None:
    """The phone whose other users the punch is checked against (None: not checked),
    its turn taken (:func:`_phone_turn`): with the person's lock, unless whoever
    locked them did not know the phone."""
    if phone is None:
        return None
    if person.phone != phone:
        session.execute(select(_phone_turn(phone)))
    return phone if person.rules.flag_shared_device else None


#: Flags of a punch from a phone other than the account's own (``device_binding``).
OTHER_DEVICE, NO_DEVICE_ID = "other_device", "no_device_id"


def _device_flags(
    session: Session,
    person: Locked,
    tied: str | None,
    phone: str | None,
    now: datetime,
    *,
    made_at: datetime | None = None,
) -> list[str]:
    """Whether the punch comes from ``tied``, the phone the person's account is tied
    to (read after the lock, :class:`_Before`); the first phone punch ties it. Flagged
    or refused as the regency's ``device_binding`` says. Judged only once the punch is
    otherwise taken (a refused punch ties nothing: its transaction, or the batch
    item's savepoint, is rolled back).

    An offline punch (``made_at``, its own moment) is judged by the tie in force when
    it was made: a phone's queue uploaded after its tie was released for a new phone
    neither ties the account back nor is flagged for what was then the right phone.
    It ties only an account that had no phone then and has none now."""
    mode = person.rules.device_binding
    if mode == "off" or not phone:
        return judge_phone(mode, phone, None)
    if made_at is not None:  # one more look-up, for punches uploaded late only
        then = _tie_at(session, person.staff_id, made_at)
        tied = then.device_id if then is not None else tied
    return judge_phone(mode, phone, tied or _tie(session, person.staff_id, phone, now))


def judge_phone(binding: str, phone: str | None, tied: str | None) -> list[str]:
    """The flags of a punch (or a check-in) from ``phone`` on an account tied to
    ``tied`` (None: to no phone, any goes), or its refusal, as ``device_binding`` says."""
    if binding == "off":
        return []
    if not phone:
        if binding == "refuse":
            raise InvalidInput(
                M("a punch from a phone needs the phone's device id"), {"device_id": "required"}
            )
        return [NO_DEVICE_ID]
    if tied is None or tied == phone:
        return []
    if binding == "refuse":
        raise Forbidden(
            M("this account is tied to another phone; ask an admin of your unit to release it"),
            {"device_id": M("another phone")},
        )
    return [OTHER_DEVICE]


def _tie(session: Session, staff_id: int, phone: str, now: datetime) -> str:
    """Tie the person's account to ``phone``; the phone it is tied to (another one if
    a transaction that did not take the person's lock tied it meanwhile)."""
    tied: str | None = session.scalar(
        insert(Device)
        .values(staff_id=staff_id, device_id=phone, bound_at=now)
        .on_conflict_do_nothing(
            index_elements=["staff_id"], index_where=Device.released_at.is_(None)
        )
        .returning(Device.device_id)
    )
    if tied is not None:
        return tied
    current = tied_phone(session, staff_id)
    return current.device_id if current is not None else phone


def _tie_at(session: Session, staff_id: int, at: datetime) -> Device | None:
    """The tie in force at ``at`` (released since, or still current), if any."""
    return session.scalar(
        select(Device)
        .where(
            Device.staff_id == staff_id,
            Device.bound_at <= at,
            or_(Device.released_at.is_(None), Device.released_at > at),
        )
        .order_by(Device.bound_at.desc(), Device.id.desc())
        .limit(1)
    )


def tied_phone(session: Session, staff_id: int) -> Device | None:
    """The phone the person's account is tied to now, if any."""
    return session.scalar(
        select(Device).where(Device.staff_id == staff_id, Device.released_at.is_(None))
    )


def may_release_phone(actor: Actor, person: Staff) -> bool:
    """Whether ``actor`` may untie ``person``'s phone (:func:`release_phone`)."""
    return actor.manages(person.unit_id) and actor.staff_id != person.id


def release_phone(session: Session, actor: Actor, staff_id: int) -> Device:
    """Untie the person's account from its phone (a new phone, a lost one): the next
    phone punch ties again. For an admin of the person's unit (or the regency's) other
    than the person: the tie checks their own check-ins, and an admin who could undo
    it for themselves would not be checked (as nobody decides their own absence).
    Audited, and the tie is kept as released."""
    person = lock_person(session, staff_id)
    actor.require_unit(person.unit_id)
    if actor.staff_id == staff_id:
        raise Forbidden(
            M("nobody releases their own phone; ask another admin of your unit"),
            {"staff_id": "your own"},
        )
    device = tied_phone(session, staff_id)
    if device is None:
        raise Conflict(M("no phone is tied to this account"), {"staff_id": M("no phone")})
    device.released_at = datetime.now(UTC)
    device.released_by = actor.label
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.phone_release",
        entity="staff",
        entity_id=staff_id,
        before={"device_id": device.device_id, "bound_at": device.bound_at.isoformat()},
    )
    return device


def _checked_key(punch: PunchIn) -> str:
    """The punch's idempotency key, once its kind and key are known to be sound."""
    if punch.kind not in ("in", "out"):
        raise InvalidInput(M("a punch is a check-in or a check-out"), {"kind": "in or out"})
    key = punch.idempotency_key.strip()
    if not key or len(key) > 80:
        raise InvalidInput(
            M("an idempotency key of 1 to 80 characters is required"),
            {"idempotency_key": "required"},
        )
    return key


#: The columns a new punch is inserted with.
_PUNCH_COLUMNS = (
    "staff_id",
    "idempotency_key",
    "kind",
    "source",
    "at",
    "day",
    "device_at",
    "received_at",
    "latitude",
    "longitude",
    "accuracy_m",
    "device_id",
    "office_id",
    "flags",
    "review",
)


def _insert_with_day(session: Session, values: dict[str, Any]) -> PunchRecord | None:
    """Insert the punch and fold it into its day record, in one statement; None if the
    key was taken meanwhile (then nothing changes).

    Folding one new punch in is the same as rebuilding the day from all its punches
    (``rebuild_day``): an accepted check-in becomes the day's check-in if it comes
    before the current one (by time, then id), an accepted check-out the day's
    check-out if it comes after; a pending one adds to the count. The person's row
    lock keeps the day record and its punches in step.
    """
    params = {f"p_{name}": value for name, value in values.items()}
    row = _insert_with_day_statement().first(session, params)
    return None if row is None else PunchRecord(*row)


@cache
def _insert_with_day_statement() -> PlainStatement:
    """Built once, with a bound parameter ``p_<column>`` per punch column; returns the
    new punch's :class:`PunchRecord` fields."""
    punch_table = Punch.__table__
    new = (
        insert(Punch)
        .values(
            {
                name: bindparam(f"p_{name}", type_=punch_table.c[name].type)
                for name in _PUNCH_COLUMNS
            }
        )
        .on_conflict_do_nothing(index_elements=["staff_id", "idempotency_key"])
        .returning(*(punch_table.c[name] for name in _RETURNED))
        .cte("new_punch")
    )
    accepted = new.c.review == "accepted"
    is_in = and_(accepted, new.c.kind == "in")
    is_out = and_(accepted, new.c.kind == "out")
    day_row = insert(AttendanceDay).from_select(
        [
            "staff_id",
            "day",
            "check_in",
            "check_in_punch_id",
            "check_out",
            "check_out_punch_id",
            "pending",
        ],
        select(
            new.c.staff_id,
            new.c.day,
            case((is_in, new.c.at)),
            case((is_in, new.c.id)),
            case((is_out, new.c.at)),
            case((is_out, new.c.id)),
            case((new.c.review == "pending", 1), else_=0),
        ),
    )
    days = AttendanceDay.__table__
    incoming = day_row.excluded
    first_in = and_(
        incoming.check_in.is_not(None),
        or_(
            days.c.check_in.is_(None),
            tuple_(incoming.check_in, incoming.check_in_punch_id)
            < tuple_(days.c.check_in, days.c.check_in_punch_id),
        ),
    )
    last_out = and_(
        incoming.check_out.is_not(None),
        or_(
            days.c.check_out.is_(None),
            tuple_(incoming.check_out, incoming.check_out_punch_id)
            > tuple_(days.c.check_out, days.c.check_out_punch_id),
        ),
    )
    day_row = day_row.on_conflict_do_update(
        index_elements=["staff_id", "day"],
        set_={
            "check_in": case((first_in, incoming.check_in), else_=days.c.check_in),
            "check_in_punch_id": case(
                (first_in, incoming.check_in_punch_id), else_=days.c.check_in_punch_id
            ),
            "check_out": case((last_out, incoming.check_out), else_=days.c.check_out),
            "check_out_punch_id": case(
                (last_out, incoming.check_out_punch_id), else_=days.c.check_out_punch_id
            ),
            "pending": days.c.pending + incoming.pending,
        },
    )
    return PlainStatement(select(*new.c).add_cte(day_row.cte("new_day")))


#: What the insert returns: the fields of :class:`PunchRecord`, in order.
_RETURNED = ("id", "staff_id", "kind", "source", "at", "day", "office_id", "flags", "review")


def _flag_companions(
    session: Session, staff_id: int, device_id: str, day: date, tz: ZoneInfo
) -> None:
    """Flag the punches others made from ``device_id`` on ``day``; those that counted
    wait for their supervisor again, and their days are rebuilt.

    Whoever punched first on a borrowed phone is as suspect as whoever punched
    second, so both sides are flagged, whatever the order. Each person's row is
    locked first (in id order) because their day record changes. The punch that
    found them is already flagged by its own insert.

    Only the people with a punch still to flag are locked, and only their punches
    change: this transaction already holds its own person's row, so every other
    row it waits for is out of id order, and a later punch on the phone that day
    (a check-out) would otherwise wait, and deadlock, for rows it leaves as they are.
    """
    same_phone = and_(
        _same_phone_that_day(Punch.staff_id != staff_id, device_id, *_day_bounds(day, tz)),
        # A punch already flagged so has been seen (or decided) as shared.
        ~(literal(SHARED_DEVICE) == any_(Punch.flags)),
    )
    others = sorted(session.scalars(select(Punch.staff_id).distinct().where(same_phone)))
    if not others:
        return
    session.execute(
        select(Staff.id)
        .where(Staff.id.in_(others))
        .order_by(Staff.id)
        .with_for_update(key_share=True)
    ).all()
    changed = session.execute(
        update(Punch)
        # Not a punch of someone whose row was not locked above (one committed meanwhile).
        .where(same_phone, Punch.staff_id.in_(others))
        .values(
            flags=func.array_append(Punch.flags, SHARED_DEVICE),
            review=case((Punch.review == "accepted", "pending"), else_=Punch.review),
        )
        .returning(Punch.staff_id, Punch.day)
    ).all()
    for other, other_day in sorted(set(changed)):
        rebuild_day(session, other, other_day)


def _suspect(flags: list[str]) -> bool:
    """Flags the supervisor must look at ("offline" alone is only information)."""
    return any(flag != "offline" for flag in flags)


def _by_key(session: Session, staff_id: int, key: str) -> Punch | None:
    return session.scalar(
        select(Punch).where(Punch.staff_id == staff_id, Punch.idempotency_key == key)
    )


def rebuild_day(session: Session, staff_id: int, day: date) -> AttendanceDay:
    """The day's record from its accepted punches: the first check-in, the last check-out."""
    session.flush()
    punches = session.scalars(
        select(Punch)
        .where(Punch.staff_id == staff_id, Punch.day == day)
        .order_by(Punch.at, Punch.id)
    ).all()
    accepted = [p for p in punches if p.review == "accepted"]
    ins = [p for p in accepted if p.kind == "in"]
    outs = [p for p in accepted if p.kind == "out"]
    first_in = ins[0] if ins else None
    last_out = outs[-1] if outs else None
    values = {
        "check_in": first_in.at if first_in else None,
        "check_in_punch_id": first_in.id if first_in else None,
        "check_out": last_out.at if last_out else None,
        "check_out_punch_id": last_out.id if last_out else None,
        "pending": sum(p.review == "pending" for p in punches),
    }
    session.execute(
        insert(AttendanceDay)
        .values(staff_id=staff_id, day=day, **values)
        .on_conflict_do_update(index_elements=["staff_id", "day"], set_=values)
    )
    return session.scalars(
        select(AttendanceDay)
        .where(AttendanceDay.staff_id == staff_id, AttendanceDay.day == day)
        .execution_options(populate_existing=True)
    ).one()


def shifts_around(session: Session, staff_id: int, day: date, *, days: int = 1) -> list[Shift]:
    """The person's shifts from ``days`` before ``day`` to ``days`` after: what
    ``attendance_day`` needs to date a punch of that day."""
    return [
        Shift(found.day, found.start_time, found.end_time)
        for found in session.scalars(
            select(ShiftAssignment).where(
                ShiftAssignment.staff_id == staff_id,
                ShiftAssignment.day.between(day - timedelta(days=days), day + timedelta(days=days)),
            )
        )
    ]


def redate_after_shift(session: Session, staff_id: int, day: date) -> None:
    """Give the punches around ``day`` the day they now belong to, once the person's
    shift of ``day`` was set, changed or removed; every day a punch left or joined is
    rebuilt.

    A punch's day is decided when it arrives (:func:`~.schedule.attendance_day`), but a
    puskesmas often enters its roster after the nights were worked (or imports the
    fingerprint file first): without this, the night's late check-in (00.20) and its
    check-out stayed stray punches of the next day and the night itself read as
    missing both. A shift of ``day`` can claim punches of the day before (a check-in
    ahead of a shift starting at midnight) to the day after (a night's check-in and
    check-out), so those are decided again, by every shift around them, exactly as
    they would be if they arrived now. A correction keeps the day the admin who
    decided the objection gave it, and a punch never leaves or joins a day of a month
    locked for payment (a shift starting at midnight on the 1st claims the check-in
    made the evening before). The caller holds the person's row lock.
    """
    session.flush()
    tz = zone(session)
    shifts = shifts_around(session, staff_id, day, days=2)
    start = _day_bounds(day - timedelta(days=1), tz)[0]
    end = _day_bounds(day + timedelta(days=1), tz)[1]
    moved: set[date] = set()
    for punch in session.scalars(
        select(Punch).where(
            Punch.staff_id == staff_id,
            Punch.source != "correction",
            Punch.at >= start,
            Punch.at < end,
        )
    ):
        belongs = attendance_day(punch.at.astimezone(tz), punch.kind, shifts)
        if belongs != punch.day and not any(
            is_locked(session, d.year, d.month) for d in (punch.day, belongs)
        ):
            moved.update((punch.day, belongs))
            punch.day = belongs
    for changed in sorted(moved):
        rebuild_day(session, staff_id, changed)


def review_punches(
    session: Session, actor: Actor, punch_ids: list[int], *, accept: bool
) -> list[Punch]:
    """The supervisor accepts or rejects flagged punches; all of them or none."""
    actor.require("ekinerja.approve")
    punches = session.scalars(select(Punch).where(Punch.id.in_(punch_ids))).all()
    if len(punches) != len(set(punch_ids)):
        raise InvalidInput(M("some punches do not exist"), {"punch_ids": "unknown"})
    for punch in punches:
        if punch.staff_id == actor.staff_id:
            # An admin of their own unit would otherwise accept their own flagged punch
            # (another phone, a mock location): the flag would guard nothing.
            raise Forbidden(M("nobody reviews their own punches"), {"punch_ids": str(punch.id)})
        person = staff_or_404(session, punch.staff_id)
        if not (is_supervisor_of(actor, person) or actor.manages(person.unit_id)):
            raise Forbidden(M("you do not supervise this person"), {"punch_ids": str(punch.id)})
    # Everyone's row first, in id order: two reviews of the same people never deadlock.
    # Only then is "still pending" read again: a supervisor and a unit admin deciding
    # the same punch at once both saw it pending; the second waited here for the first.
    for staff_id in sorted({punch.staff_id for punch in punches}):
        lock_person(session, staff_id)
    punches = session.scalars(
        select(Punch)
        .where(Punch.id.in_(punch_ids))
        .order_by(Punch.id)
        .execution_options(populate_existing=True)
    ).all()
    for punch in punches:
        if punch.review != "pending":
            raise Conflict(M("punch %(punch_id)s was already reviewed", punch_id=punch.id))
    for punch in punches:
        punch.review = "accepted" if accept else "rejected"
        punch.reviewed_by = actor.label
        rebuild_day(session, punch.staff_id, punch.day)
        record_audit(
            session,
            actor=actor.label,
            action="ekinerja.punch_review",
            entity="punch",
            entity_id=punch.id,
            after={"review": punch.review, "flags": list(punch.flags)},
        )
    return list(punches)


@dataclass(frozen=True)
class Companion:
    """Someone else who punched from the same phone on the same day, and when."""

    name: str
    punches: tuple[tuple[str, datetime], ...]  # (kind, at), by time


def phone_companions(session: Session, punches: list[Punch]) -> dict[int, list[Companion]]:
    """For each punch flagged as from a shared phone, the others who punched from
    that phone that day (in the order they first did): what the supervisor weighs
    before deciding."""
    shared = [p for p in punches if SHARED_DEVICE in p.flags and p.device_id]
    if not shared:
        return {}
    tz = zone(session)
    bounds = {p.id: _day_bounds(p.at.astimezone(tz).date(), tz) for p in shared}
    rows = session.execute(
        select(Punch.staff_id, Punch.device_id, Punch.kind, Punch.at, Staff.name)
        .join(Staff, Staff.id == Punch.staff_id)
        .where(
            Punch.device_id.in_({p.device_id for p in shared}),
            _FROM_A_PHONE,
            Punch.at >= min(start for start, _end in bounds.values()),
            Punch.at < max(end for _start, end in bounds.values()),
        )
        .order_by(Punch.at, Punch.id)
    ).all()
    found: dict[int, list[Companion]] = {}
    for punch in shared:
        start, end = bounds[punch.id]
        by_person: dict[int, tuple[str, list[tuple[str, datetime]]]] = {}
        for staff_id, device_id, kind, at, name in rows:
            if device_id == punch.device_id and staff_id != punch.staff_id and start <= at < end:
                by_person.setdefault(staff_id, (name, []))[1].append((kind, at))
        found[punch.id] = [Companion(name, tuple(times)) for name, times in by_person.values()]
    return found


def days_of(session: Session, staff_id: int, start: date, end: date) -> list[AttendanceDay]:
    return list(
        session.scalars(
            select(AttendanceDay)
            .where(AttendanceDay.staff_id == staff_id, AttendanceDay.day.between(start, end))
            .order_by(AttendanceDay.day)
        )
    )


def pending_punches(session: Session, supervisor_staff_id: int) -> list[tuple[Punch, Staff]]:
    rows = session.execute(
        select(Punch, Staff)
        .join(Staff, Staff.id == Punch.staff_id)
        .where(Staff.supervisor_id == supervisor_staff_id, Punch.review == "pending")
        .order_by(Punch.at)
        .limit(500)
    ).all()
    return [(p, s) for p, s in rows]
