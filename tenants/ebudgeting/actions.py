"""What an actor may do to a plan now, as the services decide it: the buttons a page shows.

Pages render the actions listed here and no others; each comes from the service
that would carry it out (``planning.may_edit``, ``planning.may_delete``,
``review.available_transitions``, ``execution.may_plan_cash``), so a page never
restates a workflow rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from .access import Actor
from .execution.cash_plan import may_plan_cash
from .models import SubActivity
from .planning import may_delete, may_edit, year_of
from .review import available_transitions


@dataclass(frozen=True)
class PlanActions:
    """The actor's actions on one sub-activity's plan."""

    edit: bool  # its fields and lines
    delete: bool  # the whole sub-activity with its lines
    review: tuple[str, ...]  # review steps: submit, return, lock, reopen
    plan_cash: bool  # its monthly cash plan


def plan_actions(session: Session, sub: SubActivity, actor: Actor) -> PlanActions:
    fiscal_year = year_of(session, sub)
    return PlanActions(
        edit=may_edit(fiscal_year, sub, actor),
        delete=may_delete(session, sub, actor),
        review=available_transitions(session, sub, actor),
        plan_cash=may_plan_cash(session, fiscal_year, actor),
    )
