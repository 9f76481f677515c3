"""Which months are still open: a month closes at the regency's cutoff day of the
next month, or earlier when its TPP run is locked."""

from __future__ import annotations

import re
from datetime import date

from smartcity.toolkit import Conflict
from sqlalchemy import select
from sqlalchemy.orm import Session

from .messages import M
from .models import TppMonth
from .settings import load as load_settings

#: The years a typed day or month may be in (the rules and the calendar hold these).
FIRST_YEAR, LAST_YEAR = 2000, 2100
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})(?:-01)?")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_month(raw: str | date | None) -> date | None:
    """``YYYY-MM`` (or the first day ``YYYY-MM-01``) as the month's first day; None if not one."""
    if isinstance(raw, date):
        return raw.replace(day=1)
    found = _MONTH.fullmatch((raw or "").strip())
    if found is None:
        return None
    year, month = int(found[1]), int(found[2])
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def parse_day(raw: str | date | None) -> date | None:
    """``YYYY-MM-DD`` in ASCII digits as a date; None if not one (no ISO week dates)."""
    if isinstance(raw, date):
        return raw
    text = (raw or "").strip()
    if not _DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


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


def require_open(
    session: Session, day: date, today: date, *, cutoff_day: int | None = None
) -> None:
    """Refuse a change to ``day`` once its month is past the cutoff or locked
    (``cutoff_day``: the regency's, when the caller has its settings already)."""
    if cutoff_day is None:
        cutoff_day = load_settings(session).cutoff_day
    if today > cutoff(day.year, day.month, cutoff_day) or is_locked(session, day.year, day.month):
        raise Conflict(
            M("%(month)s is closed: changes were due by its cutoff", month=day),
            {"day": M("month closed")},
        )
