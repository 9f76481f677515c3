"""Who may change a plan now, and what they may do to it.

The one place the plan's editing rules are read: the services refuse with
``require_editable`` and pages ask ``may_edit`` (through ``actions.plan_actions``)
whether to show the forms, so a page never re-derives a rule the services own.
"""

from __future__ import annotations

from smartcity.toolkit import Conflict, ServiceError

from tenants.ebudgeting.access import DRAFT, REVIEW, Actor
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.models import (
    FiscalYear,
    SubActivity,
)
from tenants.ebudgeting.rules import RuleViolation, Violation
from tenants.ebudgeting.years import require_drafting


def require_editable(fiscal_year: FiscalYear, sub: SubActivity, actor: Actor) -> None:
    """Locked plans change for nobody; submitted ones only for TAPD verifying them."""
    actor.require(DRAFT)
    actor.require_unit(sub.org_unit_id)
    require_drafting(fiscal_year)
    if sub.status == "locked":
        raise RuleViolation(
            [
                Violation(
                    "locked",
                    "sub-activity %(code)s was locked by TAPD: it cannot be changed",
                    {"code": sub.sub_kegiatan_code},
                )
            ]
        )
    if sub.status == "submitted" and not actor.can(REVIEW):
        raise Conflict(
            _m(
                "sub-activity %(code)s is submitted for TAPD's review: it can be changed again "
                "once TAPD returns it",
                code=sub.sub_kegiatan_code,
            ),
            {"status": _m("submitted")},
        )


def may_edit(fiscal_year: FiscalYear, sub: SubActivity, actor: Actor) -> bool:
    """Whether ``require_editable`` would let the actor change the plan now."""
    try:
        require_editable(fiscal_year, sub, actor)
    except ServiceError:
        return False
    return True
