"""``noticeboard.announcements``: notices Bandung publishes once for every regency's board.

The test app's reference dataset: published and versioned by the platform,
pushed by the core's reference sync into each regency that enabled the app.
"""

from __future__ import annotations

from collections.abc import Iterable

from smartcity.toolkit import Changes, Dataset, DatasetRow, InvalidInput
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .models import Notice

SHIPPED = [{"title": "Pemeliharaan sistem Sabtu malam"}]


def normalize(rows: Iterable[DatasetRow]) -> list[DatasetRow]:
    titles = [str(r.get("title") or "").strip() for r in rows]
    problems = {
        f"row {n}": "a title of 1-200 characters"
        for n, t in enumerate(titles, 1)
        if not 0 < len(t) <= 200
    }
    if problems:
        raise InvalidInput("the announcements are not valid", problems)
    return [{"title": t} for t in sorted(set(titles))]


def apply(session: Session, rows: list[DatasetRow], version: str) -> Changes:
    held = set(session.scalars(select(Notice.title)))
    added = [r["title"] for r in rows if r["title"] not in held]
    if added:
        session.execute(insert(Notice).on_conflict_do_nothing(), [{"title": t} for t in added])
    return {"added": added} if added else {}


DATASET = Dataset(
    "noticeboard.announcements",
    "Announcements for every regency's notice board",
    lambda: list(SHIPPED),
    normalize,
    apply,
)
