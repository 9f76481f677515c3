"""The LKjIP (Laporan Kinerja Instansi Pemerintah): the regency's or an OPD's yearly report.

The outline follows DOMAIN.md (PermenPANRB 53/2014, UNVERIFIED wording):
executive summary; I introduction; II performance planning (Renstra, PK);
III accountability (A: achievement per target against the target, last year and
the Renstra end target; B: budget realization beside performance); IV closing.
The narrative of each chapter is what the SAKIP officer wrote
(:func:`set_narrative`); the tables are computed by the one capaian engine.
Budget realization comes from e-Budgeting through its capability when the
regency has it; otherwise the PK's budget is shown without realization.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from smartcity.toolkit import InvalidInput, OrgUnit, record_audit
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import agreements, planning, realization
from .access import PLAN, Actor
from .messages import M
from .models import Narrative

SECTIONS = ("summary", "introduction", "planning", "accountability", "closing")
SECTION_TITLES = {
    "summary": "Ikhtisar Eksekutif",
    "introduction": "Bab I Pendahuluan",
    "planning": "Bab II Perencanaan Kinerja",
    "accountability": "Bab III Akuntabilitas Kinerja (analisis)",
    "closing": "Bab IV Penutup",
}
MAX_TEXT = 20_000


def set_narrative(
    session: Session, actor: Actor, *, year: int, org_unit_id: int | None, section: str, text: str
) -> Narrative:
    """The officer's text for one chapter; the regency's (``org_unit_id`` None) is the admin's."""
    actor.require(PLAN)
    if org_unit_id is not None:
        actor.require_unit(org_unit_id)
    elif actor.unit_ids is not None:
        actor.require_unit(None)
    if section not in SECTIONS:
        raise InvalidInput(M("unknown report section"), {"section": ", ".join(SECTIONS)})
    if len(text) > MAX_TEXT:
        raise InvalidInput(M("the text is too long"), {"text": M("too long")})
    key = org_unit_id or 0
    row = session.scalar(
        select(Narrative).where(
            Narrative.year == year, Narrative.org_unit_id == key, Narrative.section == section
        )
    )
    if row is None:
        row = Narrative(year=year, org_unit_id=key, section=section)
        session.add(row)
    row.text = text.strip()
    row.updated_by = actor.user_id
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.narrative",
        entity="sakip_narrative",
        entity_id=row.id,
        after={"year": year, "org_unit_id": key, "section": section},
    )
    return row


def narratives(session: Session, year: int, org_unit_id: int | None) -> dict[str, str]:
    rows = session.scalars(
        select(Narrative).where(Narrative.year == year, Narrative.org_unit_id == (org_unit_id or 0))
    )
    return {r.section: r.text for r in rows}


@dataclass
class Line:
    """One indicator of one OPD in chapter III."""

    unit: OrgUnit
    score: realization.Score
    last_year: Decimal | None
    end_target: Decimal | None


@dataclass
class Money:
    unit: OrgUnit
    budget: Decimal
    spent: Decimal | None


@dataclass
class Content:
    year: int
    units: list[OrgUnit]
    lines: list[Line]
    money: list[Money]
    texts: dict[str, str]


def gather(
    session: Session,
    actor: Actor,
    *,
    year: int,
    org_unit_id: int | None,
    sub_activities: Callable[..., Sequence[Any]] | None,
    progress: Callable[[float], None] = lambda _p: None,
) -> Content:
    """Everything the report prints, for one OPD or (``org_unit_id`` None) every OPD seen."""
    if org_unit_id is not None:
        actor.require_unit(org_unit_id)
        found = session.get(OrgUnit, org_unit_id)
        units = [found] if found is not None else []
    else:
        units = [
            u
            for u in session.scalars(select(OrgUnit).order_by(OrgUnit.code))
            if actor.sees_unit(u.id)
        ]
    lines: list[Line] = []
    money: list[Money] = []
    for index, unit in enumerate(units):
        pk = agreements.in_force(session, unit.id, year)
        if pk is None:
            continue
        previous = agreements.in_force(session, unit.id, year - 1)
        last = (
            {
                s.target.indicator_lineage: s.year.percent
                for s in realization.scores(session, previous, 4)
            }
            if previous
            else {}
        )
        scores = realization.scores(session, pk, 4)
        yearly = planning.targets_of(session, [s.indicator.id for s in scores if s.indicator])
        for score in scores:
            targets = yearly.get(score.indicator.id, {}) if score.indicator else {}
            end = targets[max(targets)].value if targets else None
            lines.append(Line(unit, score, last.get(score.target.indicator_lineage), end))
        planned = agreements.budgets(session, [s.target.id for s in scores])
        budget = sum((b.amount for rows in planned.values() for b in rows), Decimal(0))
        spent = None
        if sub_activities is not None:
            ids = {
                b.sub_activity_id for rows in planned.values() for b in rows if b.sub_activity_id
            }
            spent = sum(
                (
                    r.realization
                    for r in sub_activities(year=year, org_unit_id=unit.id)
                    if r.sub_activity_id in ids
                ),
                Decimal(0),
            )
        money.append(Money(unit, budget, spent))
        progress(10 + 60 * (index + 1) / max(len(units), 1))
    return Content(year, units, lines, money, narratives(session, year, org_unit_id))
