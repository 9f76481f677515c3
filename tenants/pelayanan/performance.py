"""Each service beside its standard, and each OPD: complaints and SKM for one period.

Issue 14, item 6: what a standard promises set beside what its complaints and
its satisfaction survey say. This is the one place those figures are computed;
the public dashboard, a standard's public page, its staff page, both APIs and
the ``pelayanan.service_performance`` capability (SAKIP's indicators) all read
:func:`figures`, so they cannot disagree.

Complaints counted are those *submitted* in the period (a service's: the
complaints naming it; an OPD's: the complaints dispatched to it), whatever
happened to them since, so a period's figures settle as its complaints are
answered. Per dispatch (one OPD's handling of one complaint):

- *first answer*: the OPD's first progress note or answer (the dashboard's median);
- *finished*: the OPD gave its final answer; its day is the last ``answered``
  event (the history, not a column a later re-dispatch resets);
- *on time*: finished on or before the deadline set at dispatch (``Dispatch.due``,
  the regency's ``respond_days`` working days);
- *overdue*: not finished and past that deadline today (the dashboard's colours
  count a dispatch without any answer, a progress note included, instead).

A service's complaint is finished when every OPD it went to has answered, on
time when each of them did by its own deadline, and its days are the longest any
of them took. ``on_time_percent`` is on time over finished plus
overdue: a complaint still within its deadline counts for nobody yet. Days are
working days of the regency's calendar.

The SKM index of a service pools its respondents; an OPD's pools the answers
about all its services (PermenPANRB 14/2017), see :mod:`.survey`.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from smartcity.toolkit import (
    InvalidInput,
    OrgUnit,
    ServicePerformance,
    WorkingCalendar,
    tenant_settings,
    working_calendar,
)
from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from . import complaints, survey
from .messages import M
from .models import Complaint, Dispatch, Event, Service

ANSWER_ACTIONS = ("progress", "answered")
HUNDRED = Decimal(100)
TWO = Decimal("0.01")
#: The capability SAKIP (or any app) asks for these figures by.
CAPABILITY = "pelayanan.service_performance"


@dataclass
class DispatchTime:
    """One OPD's handling of one complaint submitted in the period."""

    complaint_id: int
    org_unit_id: int
    service_id: int | None
    status: str
    dispatched_on: date
    due: date
    days_to_answer: int | None  # working days to the first answer; None: not answered yet
    on_time: bool | None  # the first answer by the deadline; None: not answered yet
    overdue: bool  # no answer at all and past due today (the dashboard's red)
    finished_on: date | None  # the day of the final answer; None: not finished
    unfinished_past_due: bool  # no final answer and past due today
    days_to_finish: int | None  # working days from dispatch to the final answer


def _local(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def submitted_in(when: survey.Period, zone: ZoneInfo) -> ColumnElement[bool]:
    """Complaints submitted within ``when``, by the regency's own calendar day."""
    day = func.date(func.timezone(str(zone), Complaint.submitted_at))
    return day.between(when.start, when.end)


def dispatch_times(
    session: Session,
    when: survey.Period,
    today: date,
    *,
    org_unit_id: int | None = None,
    service_ids: Collection[int] | None = None,
) -> list[DispatchTime]:
    """Every dispatch of a complaint submitted in ``when``, with its answers' timing.

    Narrowed, when asked, to the dispatches to ``org_unit_id`` or of complaints
    naming one of ``service_ids`` (either one).
    """
    zone = ZoneInfo(tenant_settings(session).timezone)
    answers = (
        select(
            Event.complaint_id,
            Event.org_unit_id,
            func.min(Event.at).label("first_at"),
            func.max(Event.at).filter(Event.action == "answered").label("final_at"),
        )
        .where(Event.action.in_(ANSWER_ACTIONS))
        .group_by(Event.complaint_id, Event.org_unit_id)
        .subquery()
    )
    stmt = (
        select(
            Dispatch.complaint_id,
            Dispatch.org_unit_id,
            Complaint.service_id,
            Dispatch.status,
            Dispatch.dispatched_at,
            Dispatch.due,
            Dispatch.responded_at,
            answers.c.first_at,
            answers.c.final_at,
        )
        .join(Complaint, Complaint.id == Dispatch.complaint_id)
        .outerjoin(
            answers,
            (answers.c.complaint_id == Dispatch.complaint_id)
            & (answers.c.org_unit_id == Dispatch.org_unit_id),
        )
        .where(submitted_in(when, zone))
    )
    if org_unit_id is not None or service_ids is not None:
        stmt = stmt.where(
            or_(
                Dispatch.org_unit_id == org_unit_id if org_unit_id is not None else false(),
                Complaint.service_id.in_(list(service_ids or ())),
            )
        )
    rows = session.execute(stmt).all()
    if not rows:
        return []
    earliest = min(_local(r.dispatched_at, zone) for r in rows)
    calendar: WorkingCalendar = working_calendar(session, earliest, max(today, when.end))
    out = []
    for row in rows:
        dispatched_on = _local(row.dispatched_at, zone)
        first_days = on_time = None
        if row.first_at is not None:
            answered_on = _local(row.first_at, zone)
            first_days = calendar.working_days_between(dispatched_on, answered_on)
            on_time = answered_on <= row.due
        finished_on = days = None
        if row.status == "responded":
            final = row.final_at or row.responded_at
            finished_on = _local(final, zone) if final is not None else dispatched_on
            days = calendar.working_days_between(dispatched_on, finished_on)
        out.append(
            DispatchTime(
                complaint_id=row.complaint_id,
                org_unit_id=row.org_unit_id,
                service_id=row.service_id,
                status=row.status,
                dispatched_on=dispatched_on,
                due=row.due,
                days_to_answer=first_days,
                on_time=on_time,
                overdue=first_days is None and today > row.due,
                finished_on=finished_on,
                unfinished_past_due=finished_on is None and today > row.due,
                days_to_finish=days,
            )
        )
    return out


def median(values: list[int]) -> Decimal | None:
    return Decimal(str(statistics.median(values))) if values else None


@dataclass
class ComplaintFigures:
    """How the complaints of one service or one OPD were handled in a period."""

    received: int = 0
    finished: int = 0
    finished_on_time: int = 0
    overdue: int = 0
    days_to_finish: list[int] = field(default_factory=list)
    days_to_first_answer: list[int] = field(default_factory=list)

    @property
    def median_days(self) -> Decimal | None:
        """Median working days from dispatch to the final answer."""
        return median(self.days_to_finish)

    @property
    def median_first_answer(self) -> Decimal | None:
        return median(self.days_to_first_answer)

    @property
    def on_time_percent(self) -> Decimal | None:
        """Finished on time, of those finished or already past their deadline."""
        decided = self.finished + self.overdue
        if not decided:
            return None
        share = Decimal(self.finished_on_time) * HUNDRED / Decimal(decided)
        return share.quantize(TWO, rounding=ROUND_HALF_UP)


@dataclass
class ServiceFigures:
    service_id: int
    name: str
    org_unit_id: int
    opd: str
    status: str
    promised_days: int | None
    complaints: ComplaintFigures
    skm: survey.Score


@dataclass
class OpdFigures:
    org_unit_id: int
    name: str
    complaints: ComplaintFigures
    skm: survey.Score


@dataclass
class Figures:
    period: survey.Period
    services: list[ServiceFigures]
    opds: list[OpdFigures]

    def service(self, service_id: int) -> ServiceFigures | None:
        return next((s for s in self.services if s.service_id == service_id), None)


def _service_complaints(times: list[DispatchTime]) -> dict[int, ComplaintFigures]:
    """Per service, complaint by complaint: finished once every OPD it went to answered."""
    by_complaint: dict[tuple[int, int], list[DispatchTime]] = {}
    for t in times:
        if t.service_id is not None:
            by_complaint.setdefault((t.service_id, t.complaint_id), []).append(t)
    out: dict[int, ComplaintFigures] = {}
    for (service_id, _complaint), rows in by_complaint.items():
        row = out.setdefault(service_id, ComplaintFigures())
        row.days_to_first_answer += [t.days_to_answer for t in rows if t.days_to_answer is not None]
        if all(t.finished_on is not None for t in rows):
            row.finished += 1
            row.days_to_finish.append(max(t.days_to_finish or 0 for t in rows))
            if all(t.finished_on is not None and t.finished_on <= t.due for t in rows):
                row.finished_on_time += 1
        elif any(t.unfinished_past_due for t in rows):
            row.overdue += 1
    return out


def figures(
    session: Session,
    when: survey.Period,
    *,
    org_unit_id: int | None = None,
    service_ids: Collection[int] | None = None,
    published_only: bool = False,
    times: list[DispatchTime] | None = None,
) -> Figures:
    """The figures of every service (and OPD) in ``when``; narrowed when asked.

    ``published_only`` keeps to the catalogue (public pages); ``org_unit_id`` to one
    OPD and its services; ``service_ids`` to those services (no OPD rows then).
    ``times``: the period's :func:`dispatch_times`, when the caller read them already
    (the dashboard); used only when nothing is narrowed.
    """
    today = complaints.now(session).date()
    zone = ZoneInfo(tenant_settings(session).timezone)
    stmt = (
        select(Service.id, Service.name, Service.org_unit_id, Service.status, Service.promised_days)
        .add_columns(OrgUnit.name.label("opd"))
        .join(OrgUnit, OrgUnit.id == Service.org_unit_id)
        .order_by(OrgUnit.name, Service.name)
    )
    if published_only:
        stmt = stmt.where(Service.status == "published")
    if org_unit_id is not None:
        stmt = stmt.where(Service.org_unit_id == org_unit_id)
    if service_ids is not None:
        stmt = stmt.where(Service.id.in_(list(service_ids)))
    services = session.execute(stmt).all()
    ids = [s.id for s in services]
    scores = survey.results(session, when, service_ids=ids)
    score_of = {s.id: score for s, _opd, score in scores.services}
    if org_unit_id is None and service_ids is None:
        times = dispatch_times(session, when, today) if times is None else times
    else:
        unit = org_unit_id if service_ids is None else None
        times = dispatch_times(session, when, today, org_unit_id=unit, service_ids=ids)
    received = dict(
        session.execute(
            select(Complaint.service_id, func.count())
            .where(submitted_in(when, zone), Complaint.service_id.in_(ids))
            .group_by(Complaint.service_id)
        ).all()
    )
    per_service = _service_complaints(times)
    service_rows = []
    for s in services:
        counted = per_service.get(s.id, ComplaintFigures())
        counted.received = received.get(s.id, 0)
        service_rows.append(
            ServiceFigures(
                service_id=s.id,
                name=s.name,
                org_unit_id=s.org_unit_id,
                opd=s.opd,
                status=s.status,
                promised_days=s.promised_days,
                complaints=counted,
                skm=score_of.get(s.id, survey.Score(s.name)),
            )
        )
    opd_rows = [] if service_ids is not None else _opds(session, times, scores, org_unit_id)
    return Figures(when, service_rows, opd_rows)


def _opds(
    session: Session,
    times: list[DispatchTime],
    scores: survey.Results,
    org_unit_id: int | None,
) -> list[OpdFigures]:
    """Per OPD, dispatch by dispatch: the complaints it was sent and how it answered."""
    counted: dict[int, ComplaintFigures] = {}
    for t in times:
        if org_unit_id is not None and t.org_unit_id != org_unit_id:
            continue  # a complaint about its service the coordinator sent elsewhere
        row = counted.setdefault(t.org_unit_id, ComplaintFigures())
        row.received += 1
        if t.days_to_answer is not None:
            row.days_to_first_answer.append(t.days_to_answer)
        if t.finished_on is not None:
            row.finished += 1
            row.days_to_finish.append(t.days_to_finish or 0)
            if t.finished_on <= t.due:
                row.finished_on_time += 1
        elif t.unfinished_past_due:
            row.overdue += 1
    skm = dict(scores.opds)
    units = set(counted) | set(skm) | ({org_unit_id} if org_unit_id is not None else set())
    names = dict(
        session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(units))).all()
    )
    rows = [
        OpdFigures(
            org_unit_id=unit,
            name=names.get(unit, ""),
            complaints=counted.get(unit, ComplaintFigures()),
            skm=skm.get(unit, survey.Score(names.get(unit, ""))),
        )
        for unit in units
        if unit in names
    ]
    return sorted(rows, key=lambda r: r.name)


# --------------------------------------------------------------------------- as data


def as_json(row: ServiceFigures | OpdFigures) -> dict[str, Any]:
    """A service's or an OPD's figures for the APIs (decimals as strings)."""
    c = row.complaints
    out: dict[str, Any] = {
        "name": row.name,
        "org_unit_id": row.org_unit_id,
        "complaints_received": c.received,
        "complaints_finished": c.finished,
        "complaints_finished_on_time": c.finished_on_time,
        "complaints_overdue": c.overdue,
        "on_time_percent": _text(c.on_time_percent),
        "median_days_to_finish": _text(c.median_days),
        "median_days_to_first_answer": _text(c.median_first_answer),
        "skm_index": _text(row.skm.index),
        "skm_grade": row.skm.grade,
        "skm_respondents": row.skm.count,
    }
    if isinstance(row, ServiceFigures):
        out |= {"service_id": row.service_id, "opd": row.opd, "promised_days": row.promised_days}
    return out


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def month_period(year: int, month: int) -> survey.Period:
    start = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return survey.Period(
        f"{year}-{month:02d}",
        start,
        date.fromordinal(following.toordinal() - 1),
        year,
        "month",
        month,
    )


def service_performance(
    session: Session,
    *,
    year: int,
    quarter: int | None = None,
    month: int | None = None,
    org_unit_id: int | None = None,
) -> list[ServicePerformance]:
    """The capability ``pelayanan.service_performance``: a year, a quarter or a month.

    One record per OPD (``service_id`` None) and one per service, every status (a
    standard back in draft for a change keeps its history); ``org_unit_id`` narrows
    to one OPD, whose record is there even without a complaint or an answer.
    """
    wrong = M("the period is a year, a quarter or a semester")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput(wrong, {"year": "2000-2100"})
    if quarter is not None and month is not None:
        raise InvalidInput(wrong, {"month": "a quarter or a month, not both"})
    if month is not None:
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
            raise InvalidInput(wrong, {"month": "1-12"})
        when = month_period(year, month)
    else:
        key = f"{year}" if quarter is None else f"{year}-Q{quarter}"
        when = survey.period(key, date(year, 1, 1))
    found = figures(session, when, org_unit_id=org_unit_id)
    return [_record(o, when.key) for o in found.opds] + [
        _record(s, when.key) for s in found.services
    ]


def _record(row: ServiceFigures | OpdFigures, key: str) -> ServicePerformance:
    c, skm = row.complaints, row.skm
    return ServicePerformance(
        org_unit_id=row.org_unit_id,
        service_id=row.service_id if isinstance(row, ServiceFigures) else None,
        name=row.name,
        period=key,
        skm_index=skm.index,
        skm_grade=skm.grade,
        skm_respondents=skm.count,
        complaints_received=c.received,
        complaints_finished=c.finished,
        on_time_percent=c.on_time_percent,
        median_days=c.median_days,
        promised_days=row.promised_days if isinstance(row, ServiceFigures) else None,
    )
