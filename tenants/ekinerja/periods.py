"""Which months are still open: a month closes at the regency's cutoff day of the
next month, or earlier when its TPP run is locked."""

from __future__ import annotations

from datetime import date

from smartcity.toolkit import Conflict
from sqlalchemy import select
from sqlalchemy.orm import Session

from .messages import M
from .models import TppMonth
from .settings import load as load_settings


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def month_end(year: int, month: int) -> date:
    y, m = next_month(year, month)
    return date.fromordinal(date(y, m, 1).toordinal() - 1)


def cutoff(year: int, month: int, cutoff_day: int) -> date:
    y, m = next_month(year, month)
    return date(y, m, cutoff_day)


def is_locked(session: Session, year: int, month: int) -> bool:
    locked = session.scalar(
        select(TppMonth.locked_at).where(TppMonth.year == year, TppMonth.month == month)
    )
    return locked is not None


def require_open(session: Session, day: date, today: date) -> None:
    """Refuse a change to ``day`` once its month is past the cutoff or locked."""
    rules = load_settings(session)
    if today > cutoff(day.year, day.month, rules.cutoff_day) or is_locked(
        session, day.year, day.month
    ):
        raise Conflict(
            M("%(month)s is closed: changes were due by its cutoff", month=f"{day:%m/%Y}"),
            {"day": M("month closed")},
        )
