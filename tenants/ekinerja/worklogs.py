"""Daily work logs against the unit's duty list, and the supervisor's queue.

A log's minutes are the duty's standard minutes times the quantity of output,
never more than the time between its start and end: nobody is credited with
more time than they say they spent. Only approved minutes count for the TPP.

Its evidence is a link or a file (``evidence.check``: PDF, or an image cleaned of
its EXIF block), added with the log or later while it waits, never once the
month is closed. The file goes to the person, their supervisor, the admins of
their unit and the regency-wide readers (BKPSDM, viewers), as an absence's file
does; to anyone else it does not exist.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from smartcity.toolkit import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    OrgUnit,
    Staff,
    record_audit,
)
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from .access import APPROVE, Actor
from .evidence import Evidence, Stored, check
from .messages import NOT_YOURS, M
from .models import Duty, WorkLog
from .people import (
    has_supervisor,
    in_managed_units,
    is_supervisor_of,
    lock_person,
    may_read_evidence,
    not_self,
    require_unit,
    staff_or_404,
    supervised_by,
    without_supervisor,
)
from .periods import require_open

#: The most logs one bulk decision takes (one request, one transaction).
MAX_BULK = 200
#: The longest note a return keeps, and the longest output a log names.
MAX_NOTE = 2000


def credited_minutes(standard_minutes: int, quantity: int, start: time, end: time) -> int:
    span = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return max(0, min(standard_minutes * quantity, span))


def submit(
    session: Session,
    actor: Actor,
    *,
    day: date,
    duty_id: int,
    start: time,
    end: time,
    quantity: int,
    output: str,
    evidence_url: str | None,
    today: date,
    evidence: Evidence | None = None,
) -> WorkLog:
    staff_id = actor.require_staff()
    person = staff_or_404(session, staff_id)
    problems: dict[str, str] = {}
    duty = session.get(Duty, duty_id)
    if duty is None or not duty.is_active or duty.org_unit_id != person.unit_id:
        problems["duty_id"] = M("a duty of your unit's list")
    if end <= start:
        problems["end"] = M("after the start")
    if not 1 <= quantity <= 1000:
        problems["quantity"] = M("a whole number from %(low)s to %(high)s", low=1, high=1000)
    output = output.strip()
    if not output or len(output) > MAX_NOTE:
        problems["output"] = M("1 to %(count)s characters", count=MAX_NOTE)
    if evidence_url and (len(evidence_url) > 500 or not evidence_url.startswith("https://")):
        problems["evidence_url"] = M("an https:// link of at most %(count)s characters", count=500)
    if day > today:
        problems["day"] = M("not in the future")
    stored: Stored | None = None
    if evidence is not None:
        stored, problem = check(evidence)
        if problem is not None:
            problems["evidence"] = problem
    if problems or duty is None:
        raise InvalidInput(M("the work log cannot be recorded"), problems)
    require_open(session, day, today)
    # One person's hours are spent once: a log over the time of another of the same day
    # (not returned) would credit them twice, up to more than 24 hours a day. The
    # person's row is locked first, so two logs sent at once are checked in turn.
    lock_person(session, staff_id)
    clash = session.scalar(
        select(WorkLog)
        .where(
            WorkLog.staff_id == staff_id,
            WorkLog.day == day,
            WorkLog.status != "returned",
            WorkLog.start_time < end,
            WorkLog.end_time > start,
        )
        .order_by(WorkLog.start_time)
        .limit(1)
    )
    if clash is not None:
        raise Conflict(
            M(
                "this time overlaps work log %(log_id)s (%(start)s-%(end)s)",
                log_id=clash.id,
                start=f"{clash.start_time:%H.%M}",
                end=f"{clash.end_time:%H.%M}",
            ),
            {"start": M("overlaps")},
        )
    log = WorkLog(
        staff_id=staff_id,
        day=day,
        duty_id=duty.id,
        start_time=start,
        end_time=end,
        quantity=quantity,
        minutes=credited_minutes(duty.standard_minutes, quantity, start, end),
        output=output,
        evidence_url=evidence_url or None,
        status="submitted",
    )
    if stored is not None:
        _keep(log, stored)
    session.add(log)
    session.flush()
    return log


def _keep(log: WorkLog, stored: Stored) -> None:
    log.evidence = stored.data
    log.evidence_name = stored.name
    log.evidence_type = stored.media_type


def attach_evidence(
    session: Session, actor: Actor, log_id: int, evidence: Evidence, *, today: date
) -> WorkLog:
    """Add (or replace) the evidence file of one's own log while it waits for a decision."""
    staff_id = actor.require_staff()
    log = session.scalar(select(WorkLog).where(WorkLog.id == log_id).with_for_update())
    if log is None or log.staff_id != staff_id:
        # Another person's log is as unknown as one that does not exist.
        raise NotFound(M("no work log %(log_id)s", log_id=log_id), {"log_id": "unknown"})
    if log.status != "submitted":
        raise Conflict(M("work log %(log_id)s was already decided", log_id=log.id))
    stored, problem = check(evidence)
    if stored is None:
        raise InvalidInput(M("the evidence file is refused"), {"evidence": problem or ""})
    require_open(session, log.day, today)
    _keep(log, stored)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.worklog_evidence",
        entity="work_log",
        entity_id=log.id,
        after={"name": stored.name, "type": stored.media_type, "bytes": len(stored.data)},
    )
    return log


def evidence_of(session: Session, actor: Actor, log_id: int) -> WorkLog:
    """The log whose evidence file the actor may download (``may_read_evidence``: their
    own, their staff's, their units', or any for a regency-wide reader); NotFound for
    anyone else, as for an unknown id."""
    log = session.get(WorkLog, log_id)
    person = session.get(Staff, log.staff_id) if log is not None else None
    if (
        log is None
        or person is None
        or log.evidence_type is None
        or not may_read_evidence(actor, person)
    ):
        raise NotFound(M("no evidence file for work log %(log_id)s", log_id=log_id))
    return log


def decide(
    session: Session,
    actor: Actor,
    log_ids: list[int],
    *,
    approve: bool,
    note: str,
    today: date,
) -> list[WorkLog]:
    """Approve, or return with a note, every log listed; one refusal refuses them all."""
    actor.require(APPROVE)
    wanted = sorted(set(log_ids))
    if not wanted or len(wanted) > MAX_BULK:
        raise InvalidInput(M("choose 1 to %(count)s logs", count=MAX_BULK), {"log_ids": "1-200"})
    note = note.strip()
    if not approve and not note:
        raise InvalidInput(M("returning a log needs a note"), {"note": "required"})
    if len(note) > MAX_NOTE:
        raise InvalidInput(
            M("a note of at most %(count)s characters", count=MAX_NOTE), {"note": "too long"}
        )
    # Locked in id order, so two decisions over some of the same logs wait for each
    # other instead of deadlocking.
    logs = session.scalars(
        select(WorkLog).where(WorkLog.id.in_(wanted)).order_by(WorkLog.id).with_for_update()
    ).all()
    if len(logs) != len(wanted):
        raise NotFound(M("some work logs do not exist"), {"log_ids": "unknown"})
    for log in logs:
        person = staff_or_404(session, log.staff_id)
        if person.id == actor.staff_id:
            # Even where the roster names someone their own supervisor (a sync's slip).
            raise Forbidden(M("nobody decides on their own work log"), {"log_ids": str(log.id)})
        if not may_decide(session, actor, person):
            raise Forbidden(M("you do not supervise this person"), {"log_ids": str(log.id)})
        if log.status != "submitted":
            raise Conflict(M("work log %(log_id)s was already decided", log_id=log.id))
        require_open(session, log.day, today)
    now = datetime.now(UTC)
    for log in logs:
        log.status = "approved" if approve else "returned"
        log.note = note or None
        log.decided_by = actor.label
        log.decided_at = now
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.worklog_decision",
        entity="work_log",
        after={"ids": wanted, "status": "approved" if approve else "returned"},
    )
    return list(logs)


#: The queue page shows at most this many logs, the oldest first; it says when there are more.
QUEUE_LIMIT = 500


def may_decide(session: Session, actor: Actor, person: Staff) -> bool:
    """The person's supervisor decides their logs; where the roster names none (the head
    of a top unit) or names one who has left, an admin of the person's unit does, or the
    logs would wait in no queue until the roster is mended. Only there: a unit admin
    does not overrule a supervisor who is there. Nobody decides their own (``decide``
    refuses that first)."""
    if not has_supervisor(session, person):
        return actor.manages(person.unit_id)
    return is_supervisor_of(actor, person)


def queue(session: Session, actor: Actor) -> list[tuple[WorkLog, Staff, Duty]]:
    """The logs waiting that this actor may decide (``may_decide``, in SQL), oldest first."""
    unsupervised = and_(without_supervisor(), in_managed_units(actor))
    supervised = and_(supervised_by(actor), ~without_supervisor())
    rows = session.execute(
        select(WorkLog, Staff, Duty)
        .join(Staff, Staff.id == WorkLog.staff_id)
        .join(Duty, Duty.id == WorkLog.duty_id)
        .where(
            WorkLog.status == "submitted",
            not_self(actor),
            or_(supervised, unsupervised),
        )
        .order_by(WorkLog.day, WorkLog.id)
        .limit(QUEUE_LIMIT)
    ).all()
    return [(w, s, d) for w, s, d in rows]


def approved_minutes_by_staff(session: Session, start: date, end: date) -> dict[int, int]:
    rows = session.execute(
        select(WorkLog.staff_id, func.sum(WorkLog.minutes))
        .where(WorkLog.status == "approved", WorkLog.day.between(start, end))
        .group_by(WorkLog.staff_id)
    )
    return {staff_id: int(total) for staff_id, total in rows}


def add_duty(
    session: Session,
    actor: Actor,
    *,
    org_unit_id: int,
    name: str,
    standard_minutes: int,
    output_unit: str,
) -> Duty:
    require_unit(session, actor, org_unit_id)
    name, output_unit = name.strip(), output_unit.strip()
    problems = _duty_problems(name, standard_minutes, output_unit)
    if problems:
        raise InvalidInput(M("the duty cannot be added"), problems)
    duty = Duty(
        org_unit_id=org_unit_id,
        name=name,
        standard_minutes=standard_minutes,
        output_unit=output_unit,
    )
    session.add(duty)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.duty",
        entity="duty",
        entity_id=duty.id,
        after={"name": name, "minutes": standard_minutes},
    )
    return duty


def _duty_problems(name: str, standard_minutes: int, output_unit: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not name or len(name) > 300:
        problems["name"] = M("1 to %(count)s characters", count=300)
    if not 1 <= standard_minutes <= 24 * 60:
        problems["standard_minutes"] = M("1 to %(count)s minutes", count=24 * 60)
    if not output_unit or len(output_unit) > 60:
        problems["output_unit"] = M("1 to %(count)s characters", count=60)
    return problems


def duties_of(session: Session, actor: Actor, unit_id: int) -> list[Duty]:
    """A unit's duty list: the active duties for its own people, every duty (retired
    ones too) for whoever manages the unit; anyone else is refused."""
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound(M("no org unit %(unit_id)s", unit_id=unit_id), {"org_unit_id": "unknown"})
    query = select(Duty).where(Duty.org_unit_id == unit_id).order_by(Duty.name, Duty.id)
    if not actor.manages(unit_id):
        own = session.get(Staff, actor.staff_id) if actor.staff_id is not None else None
        if own is None or own.unit_id != unit_id:
            raise Forbidden(M("you do not manage this unit"), {"org_unit_id": NOT_YOURS})
        query = query.where(Duty.is_active.is_(True))
    return list(session.scalars(query.limit(2000)))


def update_duty(
    session: Session,
    actor: Actor,
    duty_id: int,
    *,
    name: str,
    standard_minutes: int,
    output_unit: str,
    is_active: bool,
) -> Duty:
    """Change a duty of a unit one manages, or retire it (``is_active`` False: no new log
    names it). Logs already sent keep the minutes they were credited with."""
    duty = session.get(Duty, duty_id)
    if duty is None:
        raise NotFound(M("no duty %(duty_id)s", duty_id=duty_id), {"duty_id": "unknown"})
    actor.require_unit(duty.org_unit_id)
    name, output_unit = name.strip(), output_unit.strip()
    problems = _duty_problems(name, standard_minutes, output_unit)
    if problems:
        raise InvalidInput(M("the duty cannot be changed"), problems)
    before = {"name": duty.name, "minutes": duty.standard_minutes, "active": duty.is_active}
    duty.name, duty.standard_minutes, duty.output_unit = name, standard_minutes, output_unit
    duty.is_active = is_active
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.duty_edit",
        entity="duty",
        entity_id=duty.id,
        before=before,
        after={"name": name, "minutes": standard_minutes, "active": is_active},
    )
    return duty
