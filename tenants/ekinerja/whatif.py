""" "What if": a draft rule set over a past month, against the rule set in force.

Both are computed in memory from the same facts (attendance, absences, work
logs, SKP, the sanctions running that month), so the difference is the rules'
alone (a draft's ``sanction_percent`` included); no statement is written.
The answer is, per unit and in total, what the regency would pay (net TPP) and
cut under each, and the difference: the budget impact of the new Perbup before
it takes effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from smartcity.toolkit import InvalidInput, NotFound, OrgUnit
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import runs
from .access import Actor
from .messages import M
from .models import RuleSet
from .periods import month_end
from .rules import TppRules


@dataclass
class Totals:
    people: int = 0
    base: int = 0
    deduction: int = 0
    net: int = 0


@dataclass
class UnitImpact:
    unit_id: int
    code: str
    name: str
    current: Totals
    draft: Totals

    @property
    def difference(self) -> int:
        return self.draft.net - self.current.net


@dataclass
class WhatIf:
    year: int
    month: int
    as_of: date
    current_rule_set: RuleSet
    draft_rule_set: RuleSet
    units: list[UnitImpact]
    current: Totals
    draft: Totals

    @property
    def difference(self) -> int:
        return self.draft.net - self.current.net


def previous_month(today: date) -> tuple[int, int]:
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def run(
    session: Session, actor: Actor, draft_id: int, year: int, month: int, *, today: date
) -> WhatIf:
    """The draft rule set ``draft_id`` over ``year``/``month`` against the rule set in force."""
    actor.require("ekinerja.regency_manage")
    draft = session.get(RuleSet, draft_id)
    if draft is None:
        raise NotFound(
            M("no rule set %(rule_set_id)s", rule_set_id=draft_id), {"rule_set_id": "unknown"}
        )
    first = date(year, month, 1)
    if first > today:
        raise InvalidInput(M("this month has not started"), {"month": "future"})
    current = runs.rule_set_for(session, first)
    as_of = min(month_end(year, month), today)
    units: dict[int, UnitImpact] = {}
    names = {u.id: (u.code, u.name) for u in session.scalars(select(OrgUnit))}
    totals = {"current": Totals(), "draft": Totals()}
    for which, rule_set in (("current", current), ("draft", draft)):
        rules = TppRules.model_validate(rule_set.rules)
        people, results = runs.compute_results(session, rules, year, month, as_of)
        for staff_id, statement in results.items():
            unit_id = people[staff_id].unit_id
            if unit_id not in units:
                code, name = names.get(unit_id, ("", ""))
                units[unit_id] = UnitImpact(unit_id, code, name, Totals(), Totals())
            for bucket in (getattr(units[unit_id], which), totals[which]):
                bucket.people += 1
                bucket.base += statement.base
                bucket.deduction += statement.deduction
                bucket.net += statement.net
    return WhatIf(
        year=year,
        month=month,
        as_of=as_of,
        current_rule_set=current,
        draft_rule_set=draft,
        units=sorted(units.values(), key=lambda u: (u.code, u.unit_id)),
        current=totals["current"],
        draft=totals["draft"],
    )
