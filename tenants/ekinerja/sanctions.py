"""Disciplinary sanctions (hukuman disiplin) and the other per-person deductions
(LHKPN not filed, a TPTGR claim unsettled), as BKPSDM records them from the decree.

A sanction names the person, its kind (``rules.SANCTION_KINDS``), the decree (SK)
number and date, the first month it cuts and for how many months (1 to 12), with
an optional scan of the decree (checked like every evidence file, ``evidence``).
Each month it runs, the person's statement has a line of the month's rule
version's ``sanction_percent.<kind>`` of the whole TPP naming ``sanction:<id>``
(``tpp``). Only the regency's BKPSDM admin records and annuls; a person sees their
own, a unit's admin those of their units, a viewer every one, all read-only.

Nothing is deleted: a sanction lifted on appeal, or recorded by mistake, is
annulled with a reason, effective from the first of its months not yet locked for
payment (a paid month keeps its cut; if every month is paid the annulment is
refused). A sanction is refused if any of its months is locked, so a paid month
never changes. Recording and annulling recompute the person's statements of the
months already computed and still open, and both are in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from smartcity.toolkit import (
    Conflict,
    Forbidden,
    InvalidInput,
    Message,
    NotFound,
    Staff,
    record_audit,
)
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from .access import REGENCY, UNIT, VIEW_ALL, Actor
from .evidence import Evidence, Stored, check
from .messages import ALREADY_RECORDED, NOT_LINKED, M
from .models import TppMonth
from .objections import recompute_person
from .periods import FIRST_YEAR, LAST_YEAR, parse_day, parse_month
from .rules import SANCTION_KINDS
from .runs import add_months, sanction_runs_in
from .tppmodels import Sanction

MAX_DECREE = 100
MAX_NOTE = 2000
MAX_MONTHS = 12
STATUSES = ("running", "annulled")


def span(sanction: Sanction) -> list[date]:
    """The first day of each month the sanction covers (annulled or not)."""
    return [add_months(sanction.first_month, i) for i in range(sanction.months)]


def _months_of(session: Session, months: list[date]) -> list[TppMonth]:
    """The computed months among ``months``, locked against a run or a lock meanwhile."""
    if not months:
        return []
    keys = {(m.year, m.month) for m in months}
    rows = session.scalars(
        select(TppMonth)
        .where(TppMonth.year.between(months[0].year, months[-1].year))
        .order_by(TppMonth.year, TppMonth.month)
        .with_for_update()
    )
    return [r for r in rows if (r.year, r.month) in keys]


def _recompute(session: Session, runs_: list[TppMonth], staff_id: int) -> list[str]:
    """The person's statements of the open computed months again; the months redone."""
    done = []
    for run in runs_:
        if run.locked_at is None:
            recompute_person(session, run, staff_id)
            done.append(f"{run.month:02d}/{run.year}")
    return done


@dataclass(frozen=True)
class _Checked:
    decree_number: str
    decree_date: date
    first_month: date
    months: int
    note: str
    stored: Stored | None


def _months_count(months: int | str | None) -> int | None:
    if isinstance(months, int):
        return months
    text = (months or "").strip()
    return int(text) if text.isdecimal() and len(text) < 4 else None


def _checked(
    *,
    kind: str,
    decree_number: str,
    decree_date: str | date | None,
    first_month: str | date | None,
    months: int | str | None,
    note: str,
    evidence: Evidence | None,
    today: date,
) -> _Checked:
    """The sanction's fields read and checked; InvalidInput naming every field at fault."""
    problems: dict[str, Message] = {}
    if kind not in SANCTION_KINDS:
        problems["kind"] = M("one of %(choices)s", choices=", ".join(SANCTION_KINDS))
    decree_number = (decree_number or "").strip()
    if not decree_number or len(decree_number) > MAX_DECREE:
        problems["decree_number"] = M("1 to %(count)s characters", count=MAX_DECREE)
    decreed = parse_day(decree_date)
    if decreed is None or not date(FIRST_YEAR, 1, 1) <= decreed <= today:
        problems["decree_date"] = M("a date (YYYY-MM-DD) from 2000 up to today")
    first = parse_month(first_month)
    if first is None:
        problems["first_month"] = M("a month (YYYY-MM) of the years 2000 to 2100")
    elif decreed is not None and first < decreed.replace(day=1):
        problems["first_month"] = M("not before the decree's month")
    count = _months_count(months)
    if count is None or not 1 <= count <= MAX_MONTHS:
        problems["months"] = M("1 to %(count)s months", count=MAX_MONTHS)
    elif first is not None and add_months(first, count - 1).year > LAST_YEAR:
        problems["months"] = M("a month (YYYY-MM) of the years 2000 to 2100")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        problems["note"] = M("at most %(count)s characters", count=MAX_NOTE)
    stored: Stored | None = None
    if evidence is not None:
        stored, problem = check(evidence)
        if problem is not None:
            problems["evidence"] = problem
    if problems or first is None or count is None or decreed is None:
        raise InvalidInput(M("the sanction cannot be recorded"), problems)
    return _Checked(decree_number, decreed, first, count, note, stored)


def record(
    session: Session,
    actor: Actor,
    *,
    staff_id: int,
    kind: str,
    decree_number: str,
    decree_date: str | date | None,
    first_month: str | date | None,
    months: int | str | None,
    note: str = "",
    evidence: Evidence | None = None,
    today: date,
) -> Sanction:
    """Record a sanction from its decree (BKPSDM only); refused whole if anything is wrong."""
    actor.require(REGENCY)
    person = session.get(Staff, staff_id) if 0 < staff_id < 2**63 else None
    if person is None:
        raise NotFound(
            M("no staff member %(staff_id)s", staff_id=staff_id), {"staff_id": "unknown"}
        )
    got = _checked(
        kind=kind,
        decree_number=decree_number,
        decree_date=decree_date,
        first_month=first_month,
        months=months,
        note=note,
        evidence=evidence,
        today=today,
    )
    first, count, decree_number = got.first_month, got.months, got.decree_number
    covered = [add_months(first, i) for i in range(count)]
    computed = _months_of(session, covered)
    locked = [r for r in computed if r.locked_at is not None]
    if locked:
        month = date(locked[0].year, locked[0].month, 1)
        raise Conflict(
            M("%(month)s is locked for payment: a sanction can no longer change it", month=month),
            {"first_month": M("after %(month)s", month=month)},
        )
    duplicate = session.scalar(
        select(Sanction.id).where(
            Sanction.staff_id == person.id,
            Sanction.kind == kind,
            Sanction.decree_number == decree_number,
            Sanction.annulled_at.is_(None),
        )
    )
    if duplicate is not None:
        raise Conflict(
            M("this decree is already recorded for this person (no. %(id)s)", id=duplicate),
            {"decree_number": ALREADY_RECORDED},
        )
    sanction = Sanction(
        staff_id=person.id,
        org_unit_id=person.unit_id,
        kind=kind,
        decree_number=decree_number,
        decree_date=got.decree_date,
        first_month=first,
        months=count,
        note=got.note or None,
        evidence=got.stored.data if got.stored else None,
        evidence_name=got.stored.name if got.stored else None,
        evidence_type=got.stored.media_type if got.stored else None,
        recorded_by=actor.label,
    )
    session.add(sanction)
    session.flush()
    redone = _recompute(session, computed, person.id)
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.sanction",
        entity="sanction",
        entity_id=sanction.id,
        after={
            "staff_id": person.id,
            "kind": kind,
            "decree_number": decree_number,
            "decree_date": got.decree_date.isoformat(),
            "first_month": first.isoformat()[:7],
            "months": count,
            "recomputed": redone,
        },
    )
    return sanction


def annul(session: Session, actor: Actor, sanction_id: int, *, reason: str) -> Sanction:
    """Annul a sanction (BKPSDM only) from its first month not yet locked for payment."""
    actor.require(REGENCY)
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_NOTE:
        raise InvalidInput(
            M("say why the sanction is annulled"),
            {"reason": M("1 to %(count)s characters", count=MAX_NOTE)},
        )
    sanction = None
    if 0 < sanction_id < 2**63:
        sanction = session.scalar(
            select(Sanction).where(Sanction.id == sanction_id).with_for_update()
        )
    if sanction is None:
        raise NotFound(
            M("no sanction %(sanction_id)s", sanction_id=sanction_id), {"sanction_id": "unknown"}
        )
    if sanction.annulled_at is not None:
        raise Conflict(M("this sanction is already annulled"), {"sanction_id": M("annulled")})
    covered = span(sanction)
    computed = _months_of(session, covered)
    locked = {(r.year, r.month) for r in computed if r.locked_at is not None}
    open_months = [m for m in covered if (m.year, m.month) not in locked]
    if not open_months:
        raise Conflict(
            M("every month of this sanction is locked for payment: it can no longer be annulled"),
            {"sanction_id": M("locked")},
        )
    # Months are locked in order, so the open ones follow the paid ones.
    sanction.annulled_from = open_months[0]
    sanction.annulled_by, sanction.annulled_at = actor.label, datetime.now(UTC)
    sanction.annul_reason = reason
    session.flush()
    redone = _recompute(session, computed, sanction.staff_id)
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.sanction_annul",
        entity="sanction",
        entity_id=sanction.id,
        before={"kind": sanction.kind, "decree_number": sanction.decree_number},
        after={
            "annulled_from": sanction.annulled_from.isoformat()[:7],
            "reason": reason[:200],
            "recomputed": redone,
        },
    )
    return sanction


def _scoped(actor: Actor, query: Select[Sanction, Staff]) -> Select[Sanction, Staff]:
    """Only what the actor may read: everything (BKPSDM, viewers), their units' people
    (unit admins) and always their own."""
    if actor.can(VIEW_ALL) or (actor.can(UNIT) and actor.unit_ids is None):
        return query
    own = Sanction.staff_id == (actor.staff_id if actor.staff_id is not None else -1)
    if actor.can(UNIT) and actor.unit_ids:
        return query.where(or_(own, Staff.unit_id.in_(sorted(actor.unit_ids))))
    return query.where(own)


def listing(
    session: Session,
    actor: Actor,
    *,
    staff_id: int | None = None,
    org_unit_id: int | None = None,
    kind: str | None = None,
    status: str | None = None,
    month: date | None = None,
    search: str = "",
    limit: int = 500,
) -> list[tuple[Sanction, Staff]]:
    """The sanctions the actor may read, newest first, filtered; ``month``: those running
    in that month (not annulled by then)."""
    query = select(Sanction, Staff).join(Staff, Staff.id == Sanction.staff_id)
    query = _scoped(actor, query)
    if staff_id is not None:
        query = query.where(Sanction.staff_id == staff_id)
    if org_unit_id is not None:
        query = query.where(Staff.unit_id == org_unit_id)
    if kind:
        query = query.where(Sanction.kind == kind)
    if status == "running":
        query = query.where(Sanction.annulled_at.is_(None))
    elif status == "annulled":
        query = query.where(Sanction.annulled_at.is_not(None))
    if month is not None:
        query = query.where(
            Sanction.first_month <= month, Sanction.first_month > add_months(month, -MAX_MONTHS)
        )
    words = search.strip()[:100]
    if words:
        like = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Staff.name.ilike(like), Staff.nip.like(like)))
    rows = session.execute(
        query.order_by(Sanction.first_month.desc(), Sanction.id.desc()).limit(limit)
    )
    out = [(s, p) for s, p in rows]
    if month is not None:
        out = [(s, p) for s, p in out if sanction_runs_in(s, month)]
    return out


def visible(session: Session, actor: Actor, sanction_id: int) -> Sanction:
    """One sanction the actor may read; any other is as unknown as one that does not exist."""
    if not 0 < sanction_id < 2**63:
        raise NotFound(
            M("no sanction %(sanction_id)s", sanction_id=sanction_id), {"sanction_id": "unknown"}
        )
    query = select(Sanction, Staff).join(Staff, Staff.id == Sanction.staff_id)
    row = session.execute(_scoped(actor, query).where(Sanction.id == sanction_id)).first()
    if row is None:
        raise NotFound(
            M("no sanction %(sanction_id)s", sanction_id=sanction_id), {"sanction_id": "unknown"}
        )
    return row[0]


def evidence_of(session: Session, actor: Actor, sanction_id: int) -> Sanction:
    """The sanction whose decree scan the actor may download (404 otherwise)."""
    sanction = visible(session, actor, sanction_id)
    if sanction.evidence is None:
        raise NotFound(
            M("no sanction %(sanction_id)s", sanction_id=sanction_id), {"sanction_id": "unknown"}
        )
    return sanction


def require_reader(actor: Actor) -> None:
    """Anyone with a staff account reads their own; admins and viewers more."""
    if actor.staff_id is None and not (actor.can(UNIT) or actor.can(VIEW_ALL)):
        raise Forbidden(
            M("your user is not linked to a staff member; ask your unit admin"),
            {"account": NOT_LINKED},
        )
