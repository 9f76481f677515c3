"""Leave, official travel and field duty: asked for by the person, decided by their
supervisor or their unit's admin; an approved absence excuses the days it covers.
Its evidence file is checked (and an image cleaned) by ``evidence.check``."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from smartcity.toolkit import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Staff,
    record_audit,
    working_calendar,
)
from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import Session

from .access import APPROVE, Actor
from .evidence import Evidence, Stored, check
from .messages import NOT_YOURS, M
from .models import Absence
from .people import (
    in_managed_units,
    is_supervisor_of,
    lock_person,
    may_read_evidence,
    not_self,
    staff_or_404,
    supervised_by,
)
from .periods import FIRST_YEAR, LAST_YEAR, require_open
from .rules import ABSENCE_KINDS

#: The longest single absence (big leave is up to three months).
MAX_DAYS = 92
#: The longest note a decision keeps, and the longest reason.
MAX_NOTE = 2000
#: Annual leave (PP 11/2017, art. 310-313): 12 working days a year; days not taken carry
#: over, up to 18 with the year's own, and up to 24 after two years with none taken.
ANNUAL_DAYS, CARRIED_MAX, UNTAKEN_TWO_YEARS_MAX = 12, 18, 24
#: What counts against it, and what no other request may overlap: asked for (still
#: waiting) or approved; a refused or withdrawn request gives its days back.
COUNTED = ("submitted", "approved")
#: The most requests the approver's list shows at once (the oldest days first); the
#: list says when more wait behind them.
WAITING_LIMIT = 500
#: The most of a person's own requests one answer holds (the latest days first); the
#: answer says when older ones remain, and how to ask for them.
MINE_LIMIT = 200


class Waiting(NamedTuple):
    """The approver's list, and whether more requests wait past ``WAITING_LIMIT``: an
    approver told nothing would take the list for everything and leave the rest."""

    rows: list[tuple[Absence, Staff]]
    more: bool


class Mine(NamedTuple):
    """A page of a person's own requests, and whether older ones remain."""

    absences: list[Absence]
    more: bool


def require_room(
    session: Session,
    staff_id: int,
    kind: str,
    start_day: date,
    end_day: date,
    *,
    field: str = "",
) -> None:
    """Refuse days another request already asks for or holds, and annual leave past what
    is left. Every way an absence comes to be (a request, an objection excused by an
    admin) passes here, so no day is counted twice against the quota or the TPP.
    The caller holds the person's row (``lock_person``): checks of the same person run
    in turn. ``field`` prefixes the field names of a refusal (``correction.``)."""
    overlap = session.scalar(
        select(Absence.id).where(
            Absence.staff_id == staff_id,
            Absence.status.in_(COUNTED),
            Absence.start_day <= end_day,
            Absence.end_day >= start_day,
        )
    )
    if overlap is not None:
        raise Conflict(
            M("these days overlap absence %(absence_id)s", absence_id=overlap),
            {field + "start_day": "overlaps"},
        )
    if kind == "annual":
        _require_annual_days_left(session, staff_id, start_day, end_day, field=field)


def submit(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    start_day: date,
    end_day: date,
    reason: str,
    evidence: Evidence | None = None,
    today: date,
) -> Absence:
    staff_id = actor.require_staff()
    problems: dict[str, str] = {}
    if kind not in ABSENCE_KINDS:
        problems["kind"] = M("one of %(choices)s", choices=", ".join(ABSENCE_KINDS))
    # A year the calendar and the cutoff can hold (9999-12 has no next month's cutoff).
    outside = [
        field
        for field, day in (("start_day", start_day), ("end_day", end_day))
        if not FIRST_YEAR <= day.year <= LAST_YEAR
    ]
    for field in outside:
        problems[field] = M("a year from %(first)s to %(last)s", first=FIRST_YEAR, last=LAST_YEAR)
    # The length of a span outside the calendar says nothing more.
    if not outside and end_day < start_day:
        problems["end_day"] = M("on or after the start")
    elif not outside and (end_day - start_day).days + 1 > MAX_DAYS:
        problems["end_day"] = M("at most %(count)s days", count=MAX_DAYS)
    reason = reason.strip()
    if not reason or len(reason) > MAX_NOTE:
        problems["reason"] = M("1 to %(count)s characters", count=MAX_NOTE)
    stored: Stored | None = None
    if evidence is not None:
        stored, problem = check(evidence)
        if problem is not None:
            problems["evidence"] = problem
    if problems:
        raise InvalidInput(M("the absence cannot be recorded"), problems)
    require_open(session, start_day, today)
    lock_person(session, staff_id)  # two requests sent at once are checked in turn
    require_room(session, staff_id, kind, start_day, end_day)
    absence = Absence(
        staff_id=staff_id,
        kind=kind,
        start_day=start_day,
        end_day=end_day,
        reason=reason,
        evidence=stored.data if stored else None,
        evidence_name=stored.name if stored else None,
        evidence_type=stored.media_type if stored else None,
        status="submitted",
    )
    session.add(absence)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.absence",
        entity="absence",
        entity_id=absence.id,
        after={"kind": kind, "start": start_day.isoformat(), "end": end_day.isoformat()},
    )
    return absence


def decide(
    session: Session, actor: Actor, absence_id: int, *, approve: bool, note: str, today: date
) -> Absence:
    actor.require(APPROVE)
    # Locked: a supervisor and a unit admin deciding at once are decided one after the
    # other, and the second is told it was already decided.
    absence = session.get(Absence, absence_id, with_for_update=True)
    if absence is None:
        raise NotFound(
            M("no absence %(absence_id)s", absence_id=absence_id), {"absence_id": "unknown"}
        )
    person = staff_or_404(session, absence.staff_id)
    if person.id == actor.staff_id:
        raise Forbidden(M("nobody decides on their own absence"), {"absence_id": "your own"})
    if not (is_supervisor_of(actor, person) or actor.manages(person.unit_id)):
        raise Forbidden(M("you do not supervise this person"), {"absence_id": NOT_YOURS})
    if absence.status == "withdrawn":
        raise Conflict(M("this absence was withdrawn by its person"), {"status": absence.status})
    if absence.status != "submitted":
        raise Conflict(M("this absence was already decided"), {"status": absence.status})
    note = note.strip()
    if not approve and not note:
        raise InvalidInput(M("a refusal needs a note"), {"note": "required"})
    if len(note) > MAX_NOTE:
        raise InvalidInput(
            M("a note of at most %(count)s characters", count=MAX_NOTE), {"note": "too long"}
        )
    require_open(session, absence.start_day, today)
    absence.status = "approved" if approve else "rejected"
    absence.decided_by = actor.label
    absence.decided_at = datetime.now(UTC)
    absence.decision_note = note or None
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.absence_decision",
        entity="absence",
        entity_id=absence.id,
        after={"status": absence.status, "note": absence.decision_note},
    )
    return absence


def withdraw(session: Session, actor: Actor, absence_id: int) -> Absence:
    """The person takes back their own request while it still waits (plans changed), so
    its days are free again for another request and the annual leave. A decided request
    stays as decided: an approval may already have excused days a statement paid.

    Locked like a decision, so a withdrawal and a decision at once are one after the
    other and the second is told. Another person's request is as unknown as one that
    does not exist (the evidence download answers the same way).
    """
    staff_id = actor.require_staff()
    absence = session.get(Absence, absence_id, with_for_update=True)
    if absence is None or absence.staff_id != staff_id:
        raise NotFound(
            M("no absence %(absence_id)s", absence_id=absence_id), {"absence_id": "unknown"}
        )
    if absence.status != "submitted":
        raise Conflict(
            M("only a request still waiting can be withdrawn"), {"status": absence.status}
        )
    absence.status = "withdrawn"
    # Who closed the request and when, as for a decision (here the person themselves).
    absence.decided_by = actor.label
    absence.decided_at = datetime.now(UTC)
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.absence_withdraw",
        entity="absence",
        entity_id=absence.id,
        before={"status": "submitted"},
        after={"status": "withdrawn"},
    )
    return absence


def evidence_of(session: Session, actor: Actor, absence_id: int) -> Absence:
    """The absence whose evidence file the actor may download (``may_read_evidence``, the
    work logs' rule). Anyone else is told it does not exist, as for an unknown id or an
    absence without a file: a 403 would tell them which ids name someone's absence."""
    absence = session.get(Absence, absence_id)
    person = session.get(Staff, absence.staff_id) if absence is not None else None
    if (
        absence is None
        or person is None
        or absence.evidence is None
        or not may_read_evidence(actor, person)
    ):
        raise NotFound(
            M("no absence %(absence_id)s", absence_id=absence_id), {"absence_id": "unknown"}
        )
    return absence


def annual_allowance(taken: Counter[int], year: int) -> int:
    """The annual leave ``year`` allows, in working days, from what was taken the two
    years before (the app's own records: none before it is the most that can carry)."""
    if taken[year - 1] == 0 and taken[year - 2] == 0:
        return UNTAKEN_TWO_YEARS_MAX
    return min(CARRIED_MAX, ANNUAL_DAYS + max(0, ANNUAL_DAYS - taken[year - 1]))


def _require_annual_days_left(
    session: Session, staff_id: int, start: date, end: date, *, field: str = ""
) -> None:
    """Refuse annual leave past the year's allowance, counted in working days over the
    requests waiting and approved, so it cannot be had by splitting it into pieces
    (the caller holds the person's lock: two pieces sent at once are counted in turn)."""
    first, last = date(start.year - 2, 1, 1), date(end.year, 12, 31)
    calendar = working_calendar(session, first, last)
    spans = [
        (a.start_day, a.end_day)
        for a in session.scalars(
            select(Absence).where(
                Absence.staff_id == staff_id,
                Absence.kind == "annual",
                Absence.status.in_(COUNTED),
                Absence.start_day <= last,
                Absence.end_day >= first,
            )
        )
    ]
    taken: Counter[int] = Counter()
    for span_start, span_end in [*spans, (start, end)]:
        for offset in range((span_end - span_start).days + 1):
            day = span_start + timedelta(days=offset)
            if first <= day <= last and calendar.is_working_day(day):
                taken[day.year] += 1
    for year in range(start.year, end.year + 1):
        allowed = annual_allowance(taken, year)
        if taken[year] > allowed:
            raise Conflict(
                M(
                    "annual leave in %(year)s is at most %(count)s working days; "
                    "with this request it would be %(count_asked)s",
                    year=year,
                    count=allowed,
                    count_asked=taken[year],
                ),
                {field + "end_day": M("past the annual leave left")},
            )


def approved_days(absences: list[Absence]) -> dict[date, Absence]:
    """Each day covered by an approved absence (the first one, if they overlap)."""
    covered: dict[date, Absence] = {}
    for absence in absences:
        if absence.status != "approved":
            continue
        for offset in range((absence.end_day - absence.start_day).days + 1):
            covered.setdefault(absence.start_day + timedelta(days=offset), absence)
    return covered


def waiting_for(session: Session, actor: Actor) -> Waiting:
    """The requests waiting that this actor may decide (``decide``'s rule: their staff's,
    their units' for an admin, never their own), the earliest days first, at most
    ``WAITING_LIMIT`` (one more is read to know whether others wait). Chosen in SQL:
    read from the whole regency and filtered afterwards, a supervisor's few requests
    fell behind the limit of everyone else's and their list showed empty."""
    if not actor.can(APPROVE):
        return Waiting([], more=False)
    rows = session.execute(
        select(Absence, Staff)
        .join(Staff, Staff.id == Absence.staff_id)
        .where(
            Absence.status == "submitted",
            not_self(actor),
            or_(supervised_by(actor), in_managed_units(actor)),
        )
        .order_by(Absence.start_day, Absence.id)
        .limit(WAITING_LIMIT + 1)
    ).all()
    found = [(absence, person) for absence, person in rows]
    return Waiting(found[:WAITING_LIMIT], more=len(found) > WAITING_LIMIT)


def of_person(
    session: Session, actor: Actor, *, before: date | None = None, before_id: int | None = None
) -> Mine:
    """The actor's own requests, the latest days first, ``MINE_LIMIT`` at a time.

    The next page is asked for with the last one shown: ``before`` its first day and
    ``before_id`` its id. Both, because requests may share a first day (one withdrawn
    and asked for again): a page ending between them, continued by the day alone,
    would skip the rest of that day. ``before`` alone starts at the days before it.
    """
    staff_id = actor.require_staff()
    query = select(Absence).where(Absence.staff_id == staff_id)
    if before is not None and before_id is not None:
        query = query.where(tuple_(Absence.start_day, Absence.id) < tuple_(before, before_id))
    elif before is not None:
        query = query.where(Absence.start_day < before)
    rows = list(
        session.scalars(
            query.order_by(Absence.start_day.desc(), Absence.id.desc()).limit(MINE_LIMIT + 1)
        )
    )
    return Mine(rows[:MINE_LIMIT], more=len(rows) > MINE_LIMIT)
