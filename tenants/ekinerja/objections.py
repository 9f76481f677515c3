"""Objections (sanggahan) to a month's TPP statement, decided by the unit's admin.

A person objects to one line of their statement, or to the whole of it, while
the month is not locked, with a reason and maybe an evidence file. The admin of
the unit the person belonged to when objecting decides: rejects with a note, or
accepts with a correction of the facts (days excused as an approved absence, a
check-in or check-out corrected, a roll mark of an apel removed) and the person's
statement is recalculated under the month's rule version. The objection keeps the
line it was about and the statement's totals before and after, so the person sees
what changed; every step is in the audit log. Nobody decides their own objection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from smartcity.toolkit import (
    Conflict,
    Forbidden,
    InvalidInput,
    Message,
    NotFound,
    Staff,
    record_audit,
)
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from . import runs
from .absences import require_room
from .access import Actor
from .attendance import rebuild_day, shifts_around, zone
from .eventmodels import Event, EventAbsence
from .evidence import Evidence, Stored, check
from .messages import M
from .models import Absence, Punch, RuleSet, TppLine, TppMonth, TppStatement
from .people import lock_person
from .periods import month_end
from .rules import ABSENCE_KINDS, TppRules
from .schedule import Shift, shift_span
from .tppmodels import Objection

MAX_REASON = 2000


@dataclass(frozen=True)
class Excuse:
    """Accepting excuses these days as an approved absence of ``kind``."""

    kind: str
    start_day: date
    end_day: date


@dataclass(frozen=True)
class PunchFix:
    """Accepting sets the day's check-in and/or check-out to these local times."""

    day: date
    check_in: time | None = None
    check_out: time | None = None


@dataclass(frozen=True)
class Presence:
    """Accepting removes a roll mark: the person was at the apel or ceremony after all."""

    event_absence_id: int


Correction = Excuse | PunchFix | Presence | None


def _open_month(session: Session, year: int, month: int, *, lock: bool = False) -> TppMonth:
    query = select(TppMonth).where(TppMonth.year == year, TppMonth.month == month)
    run = session.scalar(query.with_for_update() if lock else query)
    if run is None:
        raise NotFound(M("no TPP statement for %(month)s yet", month=date(year, month, 1)))
    if run.locked_at is not None:
        raise Conflict(
            M("%(month)s is locked; its TPP no longer changes", month=date(year, month, 1)),
            {"month": M("locked")},
        )
    return run


def _statement(
    session: Session, run: TppMonth, staff_id: int, *, lock: bool = False
) -> TppStatement:
    query = select(TppStatement).where(
        TppStatement.month_id == run.id, TppStatement.staff_id == staff_id
    )
    found = session.scalar(query.with_for_update(key_share=True) if lock else query)
    if found is None:
        raise NotFound(M("no TPP statement for %(month)s yet", month=date(run.year, run.month, 1)))
    return found


def totals(statement: TppStatement) -> dict[str, int]:
    return {
        "base": statement.base,
        "performance_deduction": statement.performance_deduction,
        "discipline_deduction": statement.discipline_deduction,
        "sanction_deduction": statement.sanction_deduction,
        "net": statement.net,
    }


def submit(
    session: Session,
    actor: Actor,
    *,
    year: int,
    month: int,
    line_id: int | None,
    reason: str,
    evidence: Evidence | None = None,
    statement_id: int | None = None,
) -> Objection:
    """The signed-in person's objection to their own statement (a line of it, or all).

    ``statement_id`` is the statement the person was reading (the form sends it). A
    recalculation replaces the statement and its lines with new ones, so the line they
    chose is gone: they are told the statement changed (409) rather than that the line
    never existed, whatever the line id, so the answer says nothing of anyone's lines.
    Without it (older API clients) an unknown line is 404 as before.

    A decided objection is final for its statement: the same line (or the whole
    statement) is refused until the statement is recalculated (new figures, new lines).
    """
    staff_id = actor.require_staff()
    reason = reason.strip()
    problems: dict[str, str | Message] = {}
    if not reason or len(reason) > MAX_REASON:
        problems["reason"] = M("1 to %(count)s characters", count=MAX_REASON)
    stored: Stored | None = None
    if evidence is not None:
        stored, problem = check(evidence)
        if problem is not None:
            problems["evidence"] = problem
    if problems:
        raise InvalidInput(M("the objection is incomplete"), problems)
    run = _open_month(session, year, month)
    # Locked until the objection is committed: the same objection sent twice at once
    # (a double tap) waits here and then finds the first, instead of both passing the
    # check below.
    statement = _statement(session, run, staff_id, lock=True)
    if statement_id is not None and statement_id != statement.id:
        raise Conflict(
            M("your statement was recalculated after you opened it; reload it and object again"),
            {"statement_id": M("recalculated since you opened it")},
        )
    line = None
    if line_id is not None:
        line = session.get(TppLine, line_id)
        if line is None or line.statement_id != statement.id:
            # Another person's line is as unknown as a line that does not exist.
            raise NotFound(
                M("no line %(line_id)s on your statement", line_id=line_id), {"line_id": "unknown"}
            )
    same_line = (
        Objection.staff_id == staff_id,
        Objection.year == year,
        Objection.month == month,
        Objection.line_day.is_(None)
        if line is None or line.day is None
        else Objection.line_day == line.day,
        Objection.line_rule.is_(None) if line is None else Objection.line_rule == line.rule,
    )
    earlier = session.execute(
        select(Objection.status)
        .where(
            *same_line,
            # Waiting, whatever statement it was made on; decided, on this very statement.
            (Objection.status == "submitted") | (Objection.statement_id == statement.id),
        )
        .order_by(Objection.status != "submitted")
        .limit(1)
    ).scalar()
    if earlier == "submitted":
        raise Conflict(
            M("you already objected to this and await the decision"),
            {"objection": M("awaiting its decision")},
        )
    if earlier is not None:
        raise Conflict(
            M(
                "your objection to this was decided; you may object again once your "
                "statement is recalculated"
            ),
            {"objection": M("already decided")},
        )
    person = session.get(Staff, staff_id)
    objection = Objection(
        staff_id=staff_id,
        org_unit_id=person.unit_id if person is not None else statement.org_unit_id,
        year=year,
        month=month,
        line_day=line.day if line else None,
        line_component=line.component if line else None,
        line_rule=line.rule if line else None,
        line_amount=line.amount if line else None,
        line_record=line.record if line else None,
        reason=reason,
        evidence=stored.data if stored else None,
        evidence_name=stored.name if stored else None,
        evidence_type=stored.media_type if stored else None,
        status="submitted",
        statement_id=statement.id,
        before=totals(statement),
    )
    session.add(objection)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.objection",
        entity="objection",
        entity_id=objection.id,
        after={"year": year, "month": month, "line": line.rule if line else None},
    )
    return objection


def parse_correction(data: dict[str, Any] | None, year: int, month: int) -> Correction:
    """A correction from its JSON form, every day inside the objection's month."""
    if not data:
        return None
    first, last = date(year, month, 1), month_end(year, month)
    kind: Literal["excuse", "punch", "present"] | None = data.get("kind")
    if kind == "present":
        raw = str(data.get("event_absence_id", "")).strip()
        if not (raw.isascii() and raw.isdecimal() and 0 < len(raw) < 19 and int(raw) > 0):
            raise InvalidInput(
                M("the correction is not valid"), {"correction.event_absence_id": M("a roll mark")}
            )
        return Presence(int(raw))
    try:
        if kind == "excuse":
            absence_kind = str(data.get("absence_kind", ""))
            start = date.fromisoformat(str(data.get("start_day")))
            end = date.fromisoformat(str(data.get("end_day", data.get("start_day"))))
            if absence_kind not in ABSENCE_KINDS:
                raise InvalidInput(
                    M("the correction is not valid"),
                    {"correction.absence_kind": ", ".join(ABSENCE_KINDS)},
                )
            if not first <= start <= end <= last:
                raise InvalidInput(
                    M("the correction is not valid"), {"correction.day": M("within the month")}
                )
            return Excuse(absence_kind, start, end)
        if kind == "punch":
            day = date.fromisoformat(str(data.get("day")))
            fix = PunchFix(day, _clock(data.get("check_in")), _clock(data.get("check_out")))
            if not first <= day <= last:
                raise InvalidInput(
                    M("the correction is not valid"), {"correction.day": M("within the month")}
                )
            if fix.check_in is None and fix.check_out is None:
                raise InvalidInput(
                    M("the correction is not valid"),
                    {"correction.check_in": M("a check-in, a check-out or both")},
                )
            if fix.check_in is not None and fix.check_out is not None:
                _in_before_out(fix.check_in < fix.check_out)
            return fix
    except ValueError as error:
        raise InvalidInput(
            M("the correction is not valid"), {"correction": M("dates YYYY-MM-DD, times HH:MM")}
        ) from error
    raise InvalidInput(
        M("the correction is not valid"), {"correction.kind": M("excuse, punch or present")}
    )


#: A corrected time as the page's time input and the API send it: ``07:25``. Anything
#: more (seconds, a UTC offset, ``0725``) would be read silently otherwise.
_HH_MM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def _clock(raw: object) -> time | None:
    if raw is None or raw == "":
        return None
    match = _HH_MM.fullmatch(raw) if isinstance(raw, str) else None
    if match is None:
        raise ValueError(raw)
    return time(int(match[1]), int(match[2]))


def _in_before_out(in_first: bool) -> None:
    """An accepted objection that put the check-out before the check-in would cut the day
    as late and early at once (a typo of the admin lowering the TPP it was to restore)."""
    if not in_first:
        raise InvalidInput(
            M("the correction is not valid"),
            {"correction.check_out": M("after the check-in")},
        )


def _apply(session: Session, actor: Actor, objection: Objection, fix: Correction) -> dict[str, Any]:
    now = datetime.now(UTC)
    if isinstance(fix, Excuse):
        # Days another request asks for or holds are the admin's to decide there; a
        # second absence over them would count annual leave twice.
        require_room(
            session,
            objection.staff_id,
            fix.kind,
            fix.start_day,
            fix.end_day,
            field="correction.",
        )
        absence = Absence(
            staff_id=objection.staff_id,
            kind=fix.kind,
            start_day=fix.start_day,
            end_day=fix.end_day,
            reason=f"Keberatan TPP #{objection.id}: {objection.reason}"[:2000],
            status="approved",
            decided_by=actor.label,
            decided_at=now,
            decision_note=objection.decision_note,
        )
        session.add(absence)
        session.flush()
        return {
            "kind": "excuse",
            "absence_id": absence.id,
            "absence_kind": fix.kind,
            "start_day": fix.start_day.isoformat(),
            "end_day": fix.end_day.isoformat(),
        }
    if isinstance(fix, PunchFix):
        tz = zone(session)
        shifts = shifts_around(session, objection.staff_id, fix.day)
        out: dict[str, Any] = {"kind": "punch", "day": fix.day.isoformat()}
        for kind, at in (("in", fix.check_in), ("out", fix.check_out)):
            if at is None:
                continue
            # The corrected punch replaces the day's accepted punches of its kind.
            session.execute(
                update(Punch)
                .where(
                    Punch.staff_id == objection.staff_id,
                    Punch.day == fix.day,
                    Punch.kind == kind,
                    Punch.review == "accepted",
                )
                .values(review="rejected", reviewed_by=actor.label)
            )
            punch = Punch(
                staff_id=objection.staff_id,
                idempotency_key=f"objection:{objection.id}:{kind}",
                kind=kind,
                source="correction",
                at=_corrected_at(fix.day, at, shifts, tz),
                day=fix.day,
                received_at=now,
                flags=["correction"],
                review="accepted",
                reviewed_by=actor.label,
            )
            session.add(punch)
            session.flush()
            out["check_" + kind] = at.strftime("%H:%M")
            out[f"punch_{kind}_id"] = punch.id
        record = rebuild_day(session, objection.staff_id, fix.day)
        # One side corrected: against the day's other punch as it stands.
        if record.check_in is not None and record.check_out is not None:
            _in_before_out(record.check_in < record.check_out)
        return out
    if isinstance(fix, Presence):
        return _remove_mark(session, objection, fix)
    return {"kind": "none"}


def _corrected_at(day: date, clock: time, shifts: list[Shift], tz: ZoneInfo) -> datetime:
    """The moment a corrected time names: on ``day``, or the morning after where the
    person's shift of ``day`` runs past midnight and that morning's time is the nearer
    to it (a night's 00.20 check-in or 07.05 check-out; 21.55 stays the evening's)."""
    shift = next((s for s in shifts if s.day == day), None)
    moments = [datetime.combine(day, clock), datetime.combine(day + timedelta(days=1), clock)]
    if shift is None:
        return moments[0].replace(tzinfo=tz)
    begins, ends = shift_span(shift)

    def away(moment: datetime) -> timedelta:
        return max(begins - moment, moment - ends, timedelta(0))

    return min(moments, key=away).replace(tzinfo=tz)  # a tie keeps the day itself


def _remove_mark(session: Session, objection: Objection, fix: Presence) -> dict[str, Any]:
    """Delete the person's own roll mark of an event in the objection's month."""
    first, last = (
        date(objection.year, objection.month, 1),
        month_end(objection.year, objection.month),
    )
    found = session.execute(
        select(EventAbsence, Event)
        .join(Event, Event.id == EventAbsence.event_id)
        .where(
            EventAbsence.id == fix.event_absence_id,
            EventAbsence.staff_id == objection.staff_id,
            Event.day.between(first, last),
        )
    ).first()
    if found is None:
        raise InvalidInput(
            M("the correction is not valid"),
            {"correction.event_absence_id": M("no such roll mark of this person this month")},
        )
    mark, event = found
    session.delete(mark)
    session.flush()
    return {
        "kind": "present",
        "event_absence_id": fix.event_absence_id,
        "event_id": event.id,
        "day": event.day.isoformat(),
    }


def recompute_person(session: Session, run: TppMonth, staff_id: int) -> TppStatement | None:
    """The person's statement of ``run`` again, under the month's own rule version."""
    recompute_people(session, run, [staff_id])
    return session.scalar(
        select(TppStatement).where(
            TppStatement.month_id == run.id, TppStatement.staff_id == staff_id
        )
    )


def recompute_people(session: Session, run: TppMonth, staff_ids: list[int]) -> None:
    """The statements of ``staff_ids`` in ``run`` again (one computation for them all),
    under the month's own rule version."""
    rule_set = session.get(RuleSet, run.rule_set_id)
    if rule_set is None:
        raise NotFound(M("the rule set of this month is missing"))
    rules = TppRules.model_validate(rule_set.rules)
    people, results = runs.compute_results(
        session, rules, run.year, run.month, run.as_of, staff_ids=staff_ids
    )
    session.execute(
        delete(TppStatement).where(
            TppStatement.month_id == run.id, TppStatement.staff_id.in_(staff_ids)
        )
    )
    runs.store_statements(session, run.id, people, results)


def decide(
    session: Session,
    actor: Actor,
    objection_id: int,
    *,
    accept: bool,
    note: str,
    correction: dict[str, Any] | None = None,
) -> Objection:
    """Accept (with a correction, then recalculate) or reject (with a note) an objection."""
    objection = session.get(Objection, objection_id, with_for_update=True)
    if objection is None:
        raise NotFound(
            M("no objection %(objection_id)s", objection_id=objection_id),
            {"objection_id": "unknown"},
        )
    actor.require_unit(objection.org_unit_id)
    if actor.staff_id is not None and actor.staff_id == objection.staff_id:
        raise Forbidden(M("nobody decides their own objection"), {"objection_id": M("your own")})
    if objection.status != "submitted":
        raise Conflict(M("this objection has been decided"), {"status": objection.status})
    note = note.strip()
    if len(note) > MAX_REASON:
        raise InvalidInput(
            M("the note is too long"), {"note": M("at most %(count)s characters", count=MAX_REASON)}
        )
    if not accept and not note:
        raise InvalidInput(M("say why the objection is rejected"), {"note": "required"})
    run = _open_month(session, objection.year, objection.month, lock=True)
    fix = parse_correction(correction, objection.year, objection.month) if accept else None
    objection.decision_note = note or None
    objection.decided_by, objection.decided_at = actor.label, datetime.now(UTC)
    if accept:
        # The person's row, as a check-in and a punch review take it: a check-in arriving
        # meanwhile would otherwise be left out of the day this rebuilds from what it read
        # before that check-in was committed. One person only, so no order to keep.
        lock_person(session, objection.staff_id)
        objection.status = "accepted"
        objection.correction = _apply(session, actor, objection, fix)
        objection.before = totals(_statement(session, run, objection.staff_id))
        after = recompute_person(session, run, objection.staff_id)
        objection.after = totals(after) if after is not None else None
    else:
        objection.status = "rejected"
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.objection_decision",
        entity="objection",
        entity_id=objection.id,
        before=objection.before,
        after={
            "status": objection.status,
            "correction": objection.correction,
            "totals": objection.after,
        },
    )
    return objection


def of_person(
    session: Session, staff_id: int, year: int | None = None, month: int | None = None
) -> list[Objection]:
    query = select(Objection).where(Objection.staff_id == staff_id)
    if year is not None and month is not None:
        query = query.where(Objection.year == year, Objection.month == month)
    return list(session.scalars(query.order_by(Objection.created_at.desc()).limit(200)))


def for_units(
    session: Session, actor: Actor, *, status: str | None = "submitted"
) -> list[tuple[Objection, Staff]]:
    """The objections of the units the actor manages (every unit for the regency's admin)."""
    query = select(Objection, Staff).join(Staff, Staff.id == Objection.staff_id)
    if actor.unit_ids is not None:
        if not actor.can("ekinerja.unit_manage"):
            return []
        query = query.where(Objection.org_unit_id.in_(actor.unit_ids))
    elif not actor.can("ekinerja.unit_manage"):
        return []
    if status is not None:
        query = query.where(Objection.status == status)
    return [(o, s) for o, s in session.execute(query.order_by(Objection.created_at).limit(500))]


def evidence_of(session: Session, actor: Actor, objection_id: int) -> Objection:
    """The objection whose evidence the actor may read: their own, or of a unit they manage.

    Anyone else is told it does not exist, as for an id that names nothing.
    """
    objection = session.get(Objection, objection_id)
    if (
        objection is None
        or objection.evidence is None
        or not (actor.staff_id == objection.staff_id or actor.manages(objection.org_unit_id))
    ):
        raise NotFound(
            M("no objection %(objection_id)s", objection_id=objection_id),
            {"objection_id": "unknown"},
        )
    return objection
