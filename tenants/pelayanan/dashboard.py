"""The public dashboard: how each OPD handles complaints, and each service beside its standard.

Per OPD: its dispatches (disposisi) by status, the median working days from
dispatch to the OPD's first answer (a progress note or the final answer, from
the regency's own working calendar) and a colour against the regency's
deadline (``config.ComplaintRules.respond_days``, each dispatch's ``due``):

- green: every dispatch answered by its deadline;
- amber: some answer came after its deadline, none is overdue now;
- red: a dispatch is still unanswered past its deadline.

Per published service (issue 14, item 6): the completion time its standard
promises beside the median working days to the first answer of the complaints
about it, and its satisfaction index (SKM) for the same period.

Only OPD and service names appear: never a member of staff or a reporter.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from smartcity.toolkit import OrgUnit, WorkingCalendar, tenant_settings, working_calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import complaints, config, survey
from .messages import N_
from .models import Complaint, Dispatch, Event

ANSWER_ACTIONS = ("progress", "answered")
#: Colour -> English msgid of what it means (shown beside the dashboard).
COLOURS = {
    "green": N_("Every complaint answered by its deadline"),
    "amber": N_("Some answers came late; none is overdue now"),
    "red": N_("A complaint is past its deadline without an answer"),
}


@dataclass
class DispatchTime:
    org_unit_id: int
    service_id: int | None
    status: str
    days_to_answer: int | None  # working days to the first answer; None: not answered yet
    on_time: bool | None  # None: not answered yet
    overdue: bool  # unanswered and past due today


@dataclass
class OpdRow:
    name: str
    statuses: dict[str, int] = field(default_factory=dict)
    days: list[int] = field(default_factory=list)
    on_time: int = 0
    late: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def median(self) -> Decimal | None:
        return _median(self.days)

    @property
    def colour(self) -> str:
        if self.overdue:
            return "red"
        return "amber" if self.late else "green"


@dataclass
class ServiceRow:
    service_id: int
    name: str
    opd: str
    promised_days: int | None
    complaints: int
    median: Decimal | None
    skm: survey.Score


@dataclass
class Dashboard:
    period: survey.Period
    respond_days: int
    statuses: dict[str, int]
    opds: list[OpdRow]
    services: list[ServiceRow]


def _median(values: list[int]) -> Decimal | None:
    return Decimal(str(statistics.median(values))) if values else None


def _local(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def dispatch_times(session: Session, when: survey.Period, today: date) -> list[DispatchTime]:
    """Every dispatch of a complaint submitted in ``when``, with its first answer's timing."""
    zone = ZoneInfo(tenant_settings(session).timezone)
    first_answer = (
        select(
            Event.complaint_id,
            Event.org_unit_id,
            func.min(Event.at).label("at"),
        )
        .where(Event.action.in_(ANSWER_ACTIONS))
        .group_by(Event.complaint_id, Event.org_unit_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Dispatch.org_unit_id,
            Complaint.service_id,
            Dispatch.status,
            Dispatch.dispatched_at,
            Dispatch.due,
            first_answer.c.at,
        )
        .join(Complaint, Complaint.id == Dispatch.complaint_id)
        .outerjoin(
            first_answer,
            (first_answer.c.complaint_id == Dispatch.complaint_id)
            & (first_answer.c.org_unit_id == Dispatch.org_unit_id),
        )
        .where(
            func.date(func.timezone(str(zone), Complaint.submitted_at)).between(
                when.start, when.end
            )
        )
    ).all()
    if not rows:
        return []
    earliest = min(_local(r.dispatched_at, zone) for r in rows)
    calendar: WorkingCalendar = working_calendar(session, earliest, max(today, when.end))
    out = []
    for unit, service_id, status, dispatched_at, due, answered_at in rows:
        if answered_at is None:
            out.append(DispatchTime(unit, service_id, status, None, None, today > due))
            continue
        answered_on = _local(answered_at, zone)
        days = calendar.working_days_between(_local(dispatched_at, zone), answered_on)
        out.append(DispatchTime(unit, service_id, status, days, answered_on <= due, False))
    return out


def build(session: Session, when: survey.Period) -> Dashboard:
    today = complaints.now(session).date()
    zone = ZoneInfo(tenant_settings(session).timezone)
    times = dispatch_times(session, when, today)
    names = dict(
        session.execute(
            select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_({t.org_unit_id for t in times}))
        ).all()
    )
    opds: dict[int, OpdRow] = {}
    for t in times:
        row = opds.setdefault(t.org_unit_id, OpdRow(names.get(t.org_unit_id, "")))
        row.statuses[t.status] = row.statuses.get(t.status, 0) + 1
        if t.days_to_answer is not None:
            row.days.append(t.days_to_answer)
            if t.on_time:
                row.on_time += 1
            else:
                row.late += 1
        elif t.overdue:
            row.overdue += 1
    submitted_on = func.date(func.timezone(str(zone), Complaint.submitted_at))
    statuses = dict(
        session.execute(
            select(Complaint.status, func.count())
            .where(submitted_on.between(when.start, when.end))
            .group_by(Complaint.status)
        ).all()
    )
    counts = dict(
        session.execute(
            select(Complaint.service_id, func.count())
            .where(submitted_on.between(when.start, when.end), Complaint.service_id.is_not(None))
            .group_by(Complaint.service_id)
        ).all()
    )
    days_by_service: dict[int, list[int]] = {}
    for t in times:
        if t.service_id is not None and t.days_to_answer is not None:
            days_by_service.setdefault(t.service_id, []).append(t.days_to_answer)
    scores = survey.results(session, when, published_only=True)
    services = [
        ServiceRow(
            service_id=s.id,
            name=s.name,
            opd=opd,
            promised_days=s.promised_days,
            complaints=counts.get(s.id, 0),
            median=_median(days_by_service.get(s.id, [])),
            skm=score,
        )
        for s, opd, score in scores.services
    ]
    return Dashboard(
        period=when,
        respond_days=config.rules(session).respond_days,
        statuses=statuses,
        opds=sorted(opds.values(), key=lambda r: r.name),
        services=services,
    )
