"""The working calendar: which days are working days, and arithmetic over them.

Complaint SLAs ("verify within 3 working days") and attendance both count
working days: the tenant's working week (a setting, Monday-Friday by default)
minus national and local holidays.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.errors import Conflict, InvalidInput, Message
from smartcity.tenantcore import audit
from smartcity.tenantcore.models import Holiday
from smartcity.tenantcore.settings import get_settings

#: Longest span searched when adding working days, so a calendar with no working
#: day at all fails instead of looping.
MAX_SPAN = timedelta(days=3660)


@dataclass(frozen=True)
class WorkingCalendar:
    """A pure calendar: working weekdays (0 = Monday) and the holidays in a range."""

    work_days: frozenset[int]
    holidays: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.work_days and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
        step = timedelta(days=1 if days >= 0 else -1)
        current, left = start, abs(days)
        while left:
            current += step
            if abs(current - start) > MAX_SPAN:
                raise InvalidInput(
                    Message("no working day in ten years"), {"work_days": Message("none")}
                )
            if self.is_working_day(current):
                left -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        if end <= start:
            return 0
        return sum(
            self.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
        )


def load_calendar(session: Session, start: date, end: date) -> WorkingCalendar:
    """The tenant's calendar for holidays from ``start`` to ``end`` (one query each)."""
    settings = get_settings(session)
    days = session.scalars(select(Holiday.day).where(Holiday.day.between(start, end)))
    return WorkingCalendar(frozenset(settings.work_days), frozenset(days))


def add_local_holiday(session: Session, *, day: date, name: str, actor: str) -> Holiday:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("a holiday needs a name", {"name": "required, at most 200 characters"})
    exists = session.scalar(select(Holiday.id).where(Holiday.day == day, Holiday.kind == "local"))
    if exists is not None:
        raise Conflict(
            Message("%(day)s is already a local holiday", day=day.isoformat()),
            {"day": "already a holiday"},
        )
    holiday = Holiday(day=day, name=name, kind="local")
    session.add(holiday)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="holiday.create",
        entity="holiday",
        entity_id=holiday.id,
        after={"day": day.isoformat(), "name": name},
    )
    return holiday


def remove_local_holiday(session: Session, holiday: Holiday, *, actor: str) -> None:
    if holiday.kind != "local":
        raise Conflict("national holidays come from the platform", {"kind": holiday.kind})
    audit.record(
        session,
        actor=actor,
        action="holiday.delete",
        entity="holiday",
        entity_id=holiday.id,
        before={"day": holiday.day.isoformat(), "name": holiday.name},
    )
    session.delete(holiday)
    session.flush()


def holidays_in_year(session: Session, year: int) -> Collection[Holiday]:
    return session.scalars(
        select(Holiday)
        .where(Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(Holiday.day)
    ).all()
