"""The public dashboard: how each OPD handles complaints, and each service beside its standard.

Per OPD: its dispatches (disposisi) by status, the median working days from
dispatch to the OPD's first answer (a progress note or the final answer, from
the regency's own working calendar) and a colour against the regency's
deadline (``config.ComplaintRules.respond_days``, each dispatch's ``due``):

- green: every dispatch answered by its deadline;
- amber: some answer came after its deadline, none is overdue now;
- red: a dispatch is still unanswered past its deadline.

Per published service (issue 14, item 6): the completion time its standard
promises beside its complaints (received, finished, on time, median working
days to the first and to the final answer) and its satisfaction index (SKM) for
the same period, as :mod:`.performance` computes them for every page.

Only OPD and service names appear: never a member of staff or a reporter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from smartcity.toolkit import OrgUnit, tenant_settings
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import complaints, config, performance, survey
from .messages import N_
from .models import Complaint

#: Colour -> English msgid of what it means (shown beside the dashboard).
COLOURS = {
    "green": N_("Every complaint answered by its deadline"),
    "amber": N_("Some answers came late; none is overdue now"),
    "red": N_("A complaint is past its deadline without an answer"),
}


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
        return performance.median(self.days)

    @property
    def colour(self) -> str:
        if self.overdue:
            return "red"
        return "amber" if self.late else "green"


@dataclass
class Dashboard:
    period: survey.Period
    respond_days: int
    statuses: dict[str, int]
    opds: list[OpdRow]
    services: list[performance.ServiceFigures]


def build(session: Session, when: survey.Period) -> Dashboard:
    today = complaints.now(session).date()
    zone = ZoneInfo(tenant_settings(session).timezone)
    times = performance.dispatch_times(session, when, today)
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
    statuses = dict(
        session.execute(
            select(Complaint.status, func.count())
            .where(performance.submitted_in(when, zone))
            .group_by(Complaint.status)
        ).all()
    )
    return Dashboard(
        period=when,
        respond_days=config.rules(session).respond_days,
        statuses=statuses,
        opds=sorted(opds.values(), key=lambda r: r.name),
        services=performance.figures(session, when, published_only=True, times=times).services,
    )
