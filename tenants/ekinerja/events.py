"""Assemblies and ceremonies (apel pagi and sore, upacara, senam, sidak) and their roll.

Many Perbup cut the TPP of whoever misses the morning apel or the flag ceremony
(apps-anchors 2b, edison's ``KetidakhadiranKegiatan``). A unit admin schedules an
event for a unit they manage (it covers the unit and every unit under it); BKPSDM
schedules one for the whole regency. Once the day has come the roll is taken:
only those marked absent are stored. Each unit admin takes the roll of the people
of their own units the event covers (managing a unit is not managing the units
under it), and reads and counts only theirs; BKPSDM calls everyone. A roll call
replaces the earlier marks of the people it covers and nobody else's. Someone on
an approved absence that day is excused and cannot be marked.

Every change (schedule, roll, cancellation) is refused once the event's month is
closed (``periods.require_open``: its cutoff passed or its TPP locked), and the
people whose marks changed get their statements of the month recomputed if it
was already computed. Nothing is deleted: a cancelled event keeps its roll and
cuts nobody. All of it is in the audit log.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from smartcity.toolkit import (
    Conflict,
    Forbidden,
    InvalidInput,
    Message,
    NotFound,
    OrgUnit,
    Staff,
    record_audit,
)
from sqlalchemy import (
    ColumnElement,
    Select,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

from .access import REGENCY, UNIT, VIEW_ALL, Actor
from .eventmodels import Event, EventAbsence, EventCheckIn, EventRoll
from .messages import ALREADY_RECORDED, NOT_YOURS, M
from .models import Absence, Office, TppMonth
from .objections import recompute_people
from .people import require_unit
from .periods import parse_day, require_open
from .rules import EVENT_KINDS

MAX_TITLE = 200
MAX_REASON = 2000
#: How far ahead an event may be scheduled.
AHEAD = timedelta(days=366)
#: The most people one roll call may mark absent (a regency is a few thousand).
MAX_ABSENT = 20_000
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::00)?")
#: A unit tree deeper than this is a cycle in the data, not a hierarchy.
_MAX_DEPTH = 64


def _parse_time(raw: str | time | None) -> time | None:
    if isinstance(raw, time):
        return raw.replace(second=0, microsecond=0, tzinfo=None)
    found = _TIME.fullmatch((raw or "").strip())
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        return None
    return time(int(found[1]), int(found[2]))


def unknown_event(event_id: int) -> NotFound:
    """The refusal of an event that does not exist or that the caller may not know of:
    the same words for both, so an id tells nobody what it is not theirs to know."""
    return NotFound(M("no event %(event_id)s", event_id=event_id), {"event_id": "unknown"})


def may_manage(actor: Actor, org_unit_id: int | None) -> bool:
    """Who schedules and cancels: BKPSDM for the whole regency; a unit's admin for it."""
    return actor.can(REGENCY) if org_unit_id is None else actor.manages(org_unit_id)


def _require_manages(session: Session, actor: Actor, org_unit_id: int | None) -> None:
    """:func:`may_manage`, refused with words (and a 404 for a unit that does not exist)."""
    if org_unit_id is None:
        if not may_manage(actor, None):
            raise Forbidden(
                M("only BKPSDM schedules or cancels an event for the whole regency"),
                {"org_unit_id": M("choose a unit")},
            )
    else:
        require_unit(session, actor, org_unit_id)


def schedule(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    day: str | date | None,
    starts_at: str | time | None,
    title: str = "",
    org_unit_id: int | None,
    office_id: int | None = None,
    today: date,
) -> Event:
    """Schedule an event; refused whole, naming every field at fault. With an
    ``office_id`` (where it is held) its people may check in to it by phone
    (:mod:`.eventcheckin`)."""
    actor.require(UNIT)
    problems: dict[str, Message] = {}
    if kind not in EVENT_KINDS:
        problems["kind"] = M("one of %(choices)s", choices=", ".join(EVENT_KINDS))
    when = parse_day(day)
    if when is None or not date(2000, 1, 1) <= when <= today + AHEAD:
        problems["day"] = M("a date (YYYY-MM-DD) up to a year ahead")
    at = _parse_time(starts_at)
    if at is None:
        problems["starts_at"] = M("a time of day (HH:MM)")
    title = (title or "").strip()
    if len(title) > MAX_TITLE:
        problems["title"] = M("at most %(count)s characters", count=MAX_TITLE)
    if office_id is not None:
        office_problem = _place_problem(session, office_id, org_unit_id)
        if office_problem is not None:
            problems["office_id"] = office_problem
    if problems or when is None or at is None:
        raise InvalidInput(M("the event cannot be scheduled"), problems)
    _require_manages(session, actor, org_unit_id)
    require_open(session, when, today)
    # One scheduling at a time in the regency (its role is the transaction's user):
    # two admins at the same moment would each pass the check below.
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(current_user || :name))"),
        {"name": "/ekn_events"},
    )
    # One apel of a kind a day for anyone: not the same event again for the unit, nor
    # one for the whole regency, a unit above or a unit under it (the people it would
    # cover would be called twice and cut twice for the same morning).
    overlapping = (
        literal(True)
        if org_unit_id is None
        else or_(
            Event.org_unit_id.is_(None),
            Event.org_unit_id.in_(units_above(frozenset({org_unit_id}))),
            Event.org_unit_id.in_(_covered_units(org_unit_id)),
        )
    )
    duplicate = session.scalar(
        select(Event.id)
        .where(Event.kind == kind, Event.day == when, overlapping, Event.cancelled_at.is_(None))
        .order_by(Event.id)
        .limit(1)
    )
    if duplicate is not None:
        raise Conflict(
            M("this event is already scheduled (no. %(id)s)", id=duplicate),
            {"kind": ALREADY_RECORDED},
        )
    event = Event(
        kind=kind,
        day=when,
        starts_at=at,
        title=title or None,
        org_unit_id=org_unit_id,
        office_id=office_id,
        created_by=actor.label,
    )
    session.add(event)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.event",
        entity="event",
        entity_id=event.id,
        after={
            "kind": kind,
            "day": when.isoformat(),
            "starts_at": at.isoformat("minutes"),
            "org_unit_id": org_unit_id,
            "office_id": office_id,
        },
    )
    return event


def _place_problem(session: Session, office_id: int, org_unit_id: int | None) -> Message | None:
    """Why ``office_id`` cannot be where an event of ``org_unit_id`` is held, or None.

    A regency-wide event may be held at any office; a unit's at an office of its own
    line (the unit, a unit above it, as a section at its dinas's hall, or one under
    it, as a dinas at a health centre): not at another dinas's office, which its
    admin does not manage and its people have no business checking in at."""
    office = session.get(Office, office_id) if 0 < office_id < 2**63 else None
    if office is None:
        return M("no such office")
    if org_unit_id is None:
        return None
    line = union(units_above(frozenset({org_unit_id})), _covered_units(org_unit_id)).subquery()
    if session.scalar(select(line.c.unit_id).where(line.c.unit_id == office.org_unit_id)) is None:
        return M("an office of the unit, of a unit above it or of one under it")
    return None


def places(session: Session, actor: Actor) -> list[Office]:
    """The offices the actor may hold an event at (the schedule form's choices): every
    office for BKPSDM; for a unit admin, those of the line of each unit they manage
    (:func:`_place_problem`)."""
    if not actor.can(UNIT):
        return []
    query = select(Office).order_by(Office.name, Office.id).limit(2000)
    if actor.unit_ids is not None:
        mine = frozenset(actor.unit_ids)
        under = _subtrees(sorted(mine)).subquery()
        query = query.where(
            or_(
                Office.org_unit_id.in_(units_above(mine)),
                Office.org_unit_id.in_(select(under.c.unit_id)),
            )
        )
    return list(session.scalars(query))


def _subtrees(roots: list[int]) -> Select[int, int]:
    """``(root, unit_id)`` for each of ``roots`` and every unit under it (a recursive
    CTE, bounded against cycles in the data)."""
    tree = (
        select(OrgUnit.id.label("root"), OrgUnit.id.label("unit_id"), literal(0).label("depth"))
        .where(OrgUnit.id.in_(roots))
        .cte("tree", recursive=True)
    )
    child = aliased(OrgUnit)
    tree = tree.union_all(
        select(tree.c.root, child.id, tree.c.depth + 1)
        .join(tree, child.parent_id == tree.c.unit_id)
        .where(tree.c.depth < _MAX_DEPTH)
    )
    return select(tree.c.root, tree.c.unit_id)


def _covered_units(org_unit_id: int) -> Select[int]:
    """The unit and every unit under it."""
    tree = _subtrees([org_unit_id]).subquery()
    return select(tree.c.unit_id)


def units_above(unit_ids: frozenset[int]) -> Select[int]:
    """The units and every unit above them: the units whose events cover them."""
    tree = (
        select(
            OrgUnit.id.label("unit_id"),
            OrgUnit.parent_id.label("parent_id"),
            literal(0).label("depth"),
        )
        .where(OrgUnit.id.in_(sorted(unit_ids)))
        .cte("above", recursive=True)
    )
    parent = aliased(OrgUnit)
    tree = tree.union_all(
        select(parent.id, parent.parent_id, tree.c.depth + 1)
        .join(tree, parent.id == tree.c.parent_id)
        .where(tree.c.depth < _MAX_DEPTH)
    )
    return select(tree.c.unit_id)


def _callable_units(actor: Actor, event: Event) -> Callable[[Any], list[ColumnElement[bool]]]:
    """Conditions on a unit column: a unit ``event`` covers (the whole regency, or its
    unit and the units under it) that the actor manages (every unit for BKPSDM).
    Managing a unit is not managing the units under it: their own admins call their
    people. One covering tree for every column a statement filters with it."""
    covered = None if event.org_unit_id is None else _covered_units(event.org_unit_id)
    mine = None if actor.unit_ids is None else sorted(actor.unit_ids)

    def conditions(unit: Any) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if covered is not None:
            found.append(unit.in_(covered))
        if mine is not None:
            found.append(unit.in_(mine))
        return found

    return conditions


#: The unit a person is called in for an event (with :func:`_roll_of`'s join): where
#: their mark was made, else the unit they are in now.
_ROLL_UNIT = func.coalesce(EventAbsence.org_unit_id, Staff.unit_id)
#: Whether the person is marked absent from the event (with :func:`_roll_of`'s join).
_MARKED = EventAbsence.id.is_not(None)


def _roll_of(actor: Actor, event: Event, *columns: Any) -> Select[Any]:
    """``columns`` of everyone on the actor's roll of ``event`` (with :data:`_ROLL_UNIT`
    and :data:`_MARKED` at hand). A person marked absent who has moved or left since
    stays on the roll of the unit the mark was made in, so it can be cleared there,
    and is on no other (their new unit's admin neither sees nor clears it); everyone
    else is called in the unit they are in, if active. One definition for the roll,
    its check and its counts."""
    in_units = _callable_units(actor, event)
    return (
        select(*columns)
        .select_from(Staff)
        .outerjoin(
            EventAbsence,
            (EventAbsence.event_id == event.id) & (EventAbsence.staff_id == Staff.id),
        )
        .where(or_(Staff.is_active.is_(True), _MARKED), *in_units(_ROLL_UNIT))
    )


def calls(session: Session, actor: Actor, event: Event) -> bool:
    """Whether the actor takes (part of) the event's roll: BKPSDM; a unit admin whose
    units the event covers (a regency-wide one, one of their units or of a unit above)."""
    if not actor.can(UNIT):
        return False
    if actor.unit_ids is None:
        return True
    if not actor.unit_ids:
        return False
    if event.org_unit_id is None:
        return True
    covered = _covered_units(event.org_unit_id).subquery()
    mine = select(covered.c.unit_id).where(covered.c.unit_id.in_(sorted(actor.unit_ids)))
    return session.scalar(mine.limit(1)) is not None


def roll_access(session: Session, actor: Actor, event: Event) -> None:
    """Refused unless the actor takes (part of) the event's roll (:func:`calls`)."""
    if not calls(session, actor, event):
        raise Forbidden(M("you do not manage this unit"), {"org_unit_id": NOT_YOURS})


@dataclass(frozen=True)
class RollEntry:
    """One person on an event's roll, as its caller sees it."""

    person: Staff
    unit_id: int
    """The unit they are called in: where they were marked absent, else where they are."""
    status: str  # "present", "absent" or "excused"
    absence_id: int | None
    """The approved absence that excuses them (``excused``)."""
    checked_in: EventCheckIn | None = None
    """Their check-in by phone (an event held at a place), evidence for the roll."""

    @property
    def moved(self) -> bool:
        """Marked absent in a unit they have left since (or they left the service)."""
        return self.person.unit_id != self.unit_id or not self.person.is_active


def roll(session: Session, actor: Actor, event: Event) -> list[RollEntry]:
    """The people the actor calls for ``event``, with their marks, by name."""
    roll_access(session, actor, event)
    rows = session.execute(
        _roll_of(actor, event, Staff, _ROLL_UNIT, _MARKED).order_by(Staff.name, Staff.id)
    ).all()
    ids = [p.id for p, _unit, _marked in rows]
    excused = excused_on(session, event.day, ids)
    checked_in = {
        c.staff_id: c
        for c in session.scalars(
            select(EventCheckIn).where(
                EventCheckIn.event_id == event.id, EventCheckIn.staff_id.in_(ids)
            )
        )
    }
    return [
        RollEntry(
            p,
            unit,
            "excused" if p.id in excused else "absent" if marked else "present",
            excused.get(p.id),
            checked_in.get(p.id),
        )
        for p, unit, marked in rows
    ]


def excused_on(session: Session, day: date, staff_ids: list[int]) -> dict[int, int]:
    """Who among ``staff_ids`` has an approved absence covering ``day`` (-> its id)."""
    if not staff_ids:
        return {}
    rows = session.execute(
        select(Absence.staff_id, Absence.id).where(
            Absence.status == "approved",
            Absence.start_day <= day,
            Absence.end_day >= day,
            Absence.staff_id.in_(staff_ids),
        )
    )
    return dict(rows.all())


def _locked_event(session: Session, event_id: int) -> Event:
    event = None
    if 0 < event_id < 2**63:
        event = session.scalar(select(Event).where(Event.id == event_id).with_for_update())
    if event is None:
        raise unknown_event(event_id)
    return event


def take_roll(
    session: Session, actor: Actor, event_id: int, *, absent: list[int], today: date
) -> tuple[Event, list[int]]:
    """Mark ``absent`` (staff ids) absent and everyone else the actor calls present.

    Returns the event and the people whose mark changed. Refused whole if anyone
    listed is not on the actor's roll or is excused, if the event is cancelled or
    still to come, or if its month is closed.
    """
    event = _locked_event(session, event_id)
    visible(session, actor, event.id)
    roll_access(session, actor, event)
    if event.cancelled_at is not None:
        raise Conflict(M("this event is cancelled"), {"event_id": M("cancelled")})
    if event.day > today:
        raise Conflict(
            M("the roll is taken on the day of the event or later"), {"event_id": M("not yet")}
        )
    require_open(session, event.day, today)
    wanted = set(absent)
    if len(wanted) > MAX_ABSENT:
        raise InvalidInput(
            M("the roll cannot be taken"),
            {"absent": M("at most %(count)s people", count=MAX_ABSENT)},
        )
    rows = session.execute(_roll_of(actor, event, Staff.id, _ROLL_UNIT, _MARKED)).all()
    # The person's unit on this roll; a mark added below is made in it.
    on_roll: dict[int, int] = {staff_id: unit for staff_id, unit, _marked in rows}
    strangers = sorted(wanted - on_roll.keys())
    if strangers:
        raise InvalidInput(
            M("the roll cannot be taken"),
            {
                "absent": M(
                    "not on this roll: %(ids)s", ids=", ".join(str(i) for i in strangers[:20])
                )
            },
        )
    excused = sorted(set(excused_on(session, event.day, sorted(wanted))))
    if excused:
        raise InvalidInput(
            M("the roll cannot be taken"),
            {
                "absent": M(
                    "on approved leave that day: %(ids)s",
                    ids=", ".join(str(i) for i in excused[:20]),
                )
            },
        )
    before = {staff_id for staff_id, _unit, marked in rows if marked}
    cleared, added = before - wanted, wanted - before
    if cleared:
        session.execute(
            delete(EventAbsence).where(
                EventAbsence.event_id == event.id, EventAbsence.staff_id.in_(sorted(cleared))
            )
        )
    session.add_all(
        EventAbsence(
            event_id=event.id,
            staff_id=staff_id,
            org_unit_id=on_roll[staff_id],
            recorded_by=actor.label,
        )
        for staff_id in sorted(added)
    )
    now = datetime.now(UTC)
    event.roll_taken_by, event.roll_taken_at = actor.label, now
    called_units = sorted(set(on_roll.values()))
    if called_units:
        upsert = insert(EventRoll).values(
            [
                {"event_id": event.id, "org_unit_id": u, "taken_by": actor.label, "taken_at": now}
                for u in called_units
            ]
        )
        session.execute(
            upsert.on_conflict_do_update(
                index_elements=["event_id", "org_unit_id"],
                set_={"taken_by": upsert.excluded.taken_by, "taken_at": upsert.excluded.taken_at},
            )
        )
    session.flush()
    changed = sorted(cleared | added)
    redone = _recompute(session, event.day, changed)
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.event_roll",
        entity="event",
        entity_id=event.id,
        after={
            "called": len(on_roll),
            "absent": len(wanted),
            "marked_absent": sorted(added)[:200],
            "marked_present": sorted(cleared)[:200],
            "recomputed": redone,
        },
    )
    return event, changed


def cancel(session: Session, actor: Actor, event_id: int, *, reason: str, today: date) -> Event:
    """Cancel an event with a reason (whoever may schedule it); its roll then cuts nobody."""
    event = _locked_event(session, event_id)
    visible(session, actor, event.id)
    _require_manages(session, actor, event.org_unit_id)
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(
            M("say why the event is cancelled"),
            {"reason": M("1 to %(count)s characters", count=MAX_REASON)},
        )
    if event.cancelled_at is not None:
        raise Conflict(M("this event is already cancelled"), {"event_id": M("cancelled")})
    require_open(session, event.day, today)
    event.cancelled_by, event.cancelled_at = actor.label, datetime.now(UTC)
    event.cancel_reason = reason
    session.flush()
    marked = list(
        session.scalars(select(EventAbsence.staff_id).where(EventAbsence.event_id == event.id))
    )
    redone = _recompute(session, event.day, sorted(marked))
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.event_cancel",
        entity="event",
        entity_id=event.id,
        after={"reason": reason[:200], "recomputed": redone},
    )
    return event


def _recompute(session: Session, day: date, staff_ids: list[int]) -> str | None:
    """The statements of ``staff_ids`` in the event's month again, if it was computed;
    the month redone, if any. A Conflict if it was locked meanwhile."""
    if not staff_ids:
        return None
    run = session.scalar(
        select(TppMonth)
        .where(TppMonth.year == day.year, TppMonth.month == day.month)
        .with_for_update()
    )
    if run is None:
        return None
    if run.locked_at is not None:
        # Locked since the caller's check (a lock commits while the roll is written):
        # refused whole, or the marks would stand in a paid month its statements lack.
        raise Conflict(
            M("%(month)s is locked; its TPP no longer changes", month=day),
            {"day": M("month closed")},
        )
    recompute_people(session, run, staff_ids)
    return f"{day.month:02d}/{day.year}"


def _scoped(actor: Actor, query: Select[Event]) -> Select[Event]:
    """What the actor may read: every event (BKPSDM, viewers), or those covering a unit
    admin's units (the regency-wide ones, their units' and those of the units above)."""
    if actor.can(VIEW_ALL) or actor.can(REGENCY) or actor.unit_ids is None:
        return query
    return query.where(
        or_(Event.org_unit_id.is_(None), Event.org_unit_id.in_(units_above(actor.unit_ids)))
    )


def require_reader(actor: Actor) -> None:
    if not (actor.can(UNIT) or actor.can(VIEW_ALL)):
        raise Forbidden(M("requires the permission %(permission)s", permission=UNIT))


@dataclass(frozen=True)
class Listed:
    """An event in the month's list, as its reader sees it: the absent among the people
    they may see, and how many of the units they may see (that the event covers and
    that have people) have had their roll taken."""

    event: Event
    absent: int
    units_taken: int
    units_total: int


def listing(
    session: Session,
    actor: Actor,
    *,
    month: date,
    org_unit_id: int | None = None,
    kind: str | None = None,
) -> list[Listed]:
    """The month's events the actor may read, by day and time."""
    require_reader(actor)
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    query = _scoped(actor, select(Event).where(Event.day.between(first, last)))
    if org_unit_id is not None:
        query = query.where(Event.org_unit_id == org_unit_id)
    if kind:
        query = query.where(Event.kind == kind)
    events = list(session.scalars(query.order_by(Event.day, Event.starts_at, Event.id)))
    marks = _marks_seen(actor).where(EventAbsence.event_id.in_([e.id for e in events])).subquery()
    counted = session.execute(select(marks.c.event_id, func.count()).group_by(marks.c.event_id))
    counts: dict[int, int] = dict(counted.all())
    progress = _roll_progress(session, actor, events)
    return [Listed(e, counts.get(e.id, 0), *progress.get(e.id, (0, 0))) for e in events]


def _roll_progress(
    session: Session, actor: Actor, events: list[Event]
) -> dict[int, tuple[int, int]]:
    """Per event: (units whose roll is taken, units to call), of the units the actor may
    see that the event covers and that have a roll (active people, or a mark). Five
    queries for the list."""
    if not events:
        return {}
    roots = sorted({e.org_unit_id for e in events if e.org_unit_id is not None})
    covered: dict[int, set[int]] = defaultdict(set)
    if roots:
        for root, unit_id in session.execute(_subtrees(roots)):
            covered[root].add(unit_id)
    staffed = set(
        session.scalars(select(Staff.unit_id).where(Staff.is_active.is_(True)).distinct())
    )
    if actor.unit_ids is not None:
        staffed &= actor.unit_ids
    taken: dict[int, set[int]] = defaultdict(set)
    rolls = select(EventRoll.event_id, EventRoll.org_unit_id).where(
        EventRoll.event_id.in_([e.id for e in events])
    )
    for event_id, unit_id in session.execute(rolls):
        taken[event_id].add(unit_id)
    # A unit whose marked people have all moved or left since still has a roll
    # (:func:`unit_rolls`): it counts here too.
    marked: dict[int, set[int]] = defaultdict(set)
    marks = (
        select(EventAbsence.event_id, EventAbsence.org_unit_id)
        .where(EventAbsence.event_id.in_([e.id for e in events]))
        .distinct()
    )
    for event_id, unit_id in session.execute(marks):
        if actor.unit_ids is None or unit_id in actor.unit_ids:
            marked[event_id].add(unit_id)
    out = {}
    for e in events:
        with_people = staffed | marked[e.id]
        units = with_people if e.org_unit_id is None else with_people & covered[e.org_unit_id]
        out[e.id] = (len(taken[e.id] & units), len(units))
    return out


def visible(session: Session, actor: Actor, event_id: int) -> Event:
    """One event the actor may read; any other is as unknown as one that does not exist."""
    require_reader(actor)
    if not 0 < event_id < 2**63:
        raise unknown_event(event_id)
    event = session.scalar(_scoped(actor, select(Event).where(Event.id == event_id)))
    if event is None:
        raise unknown_event(event_id)
    return event


def _excused_on(day: Any) -> ColumnElement[bool]:
    """Whether the person of a mark (``EventAbsence``, from the enclosing query) has an
    approved absence covering ``day`` (a date or a column). Such a mark (the absence
    approved after the roll) cuts nobody and the roll shows them excused, so no count
    of the absent includes it."""
    return exists().where(
        Absence.staff_id == EventAbsence.staff_id,
        Absence.status == "approved",
        Absence.start_day <= day,
        Absence.end_day >= day,
    )


def _marks_seen(actor: Actor) -> Select[int, int]:
    """The roll marks the actor may count: every one, or a unit admin's people's; not
    those of the excused (:func:`_excused_on`)."""
    query = (
        select(EventAbsence.event_id, EventAbsence.staff_id)
        .join(Event, Event.id == EventAbsence.event_id)
        .where(~_excused_on(Event.day))
    )
    if actor.unit_ids is None:
        return query
    return query.where(EventAbsence.org_unit_id.in_(sorted(actor.unit_ids)))


@dataclass(frozen=True)
class UnitRoll:
    """One unit's part of an event's roll: its people, those marked absent, and who
    took it and when (None: not yet)."""

    unit: OrgUnit
    people: int
    absent: int
    taken_by: str | None
    taken_at: datetime | None


def unit_rolls(session: Session, actor: Actor, event: Event) -> list[UnitRoll]:
    """The roll of each unit the event covers that the actor may see (a unit admin:
    their own units; BKPSDM and viewers: every one), by unit code: the people on it
    (:func:`_roll_of`, so a moved person counts where their mark is) and the absent
    (not the excused, as on the roll)."""
    absent = func.count().filter(_MARKED, ~_excused_on(event.day))
    people = _roll_of(actor, event, _ROLL_UNIT, func.count(), absent)
    counts = {
        unit: (n, absent) for unit, n, absent in session.execute(people.group_by(_ROLL_UNIT)).all()
    }
    if not counts:
        return []
    taken = {
        r.org_unit_id: r
        for r in session.scalars(
            select(EventRoll).where(
                EventRoll.event_id == event.id, EventRoll.org_unit_id.in_(sorted(counts))
            )
        )
    }
    units = session.scalars(
        select(OrgUnit).where(OrgUnit.id.in_(sorted(counts))).order_by(OrgUnit.code, OrgUnit.id)
    )
    return [
        UnitRoll(
            u,
            *counts[u.id],
            taken[u.id].taken_by if u.id in taken else None,
            taken[u.id].taken_at if u.id in taken else None,
        )
        for u in units
    ]


def absent_count(session: Session, actor: Actor, event_id: int) -> int:
    """How many people the roll marked absent from the event, of those the actor may
    see (a unit admin: their units' people, not another unit's of a regency-wide event)."""
    marks = _marks_seen(actor).where(EventAbsence.event_id == event_id).subquery()
    count = session.scalar(select(func.count()).select_from(marks))
    return int(count or 0)
