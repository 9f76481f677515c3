"""Separation of duties in the review: whoever submitted a plan does not lock it.

The conflicting roles (OPD head and TAPD chair) are declared in the manifest
and refused when users are given roles; this is the regency's setting that
checks the person, not the roles, at the moment of locking: it also holds for
users who held both roles before conflicts were refused, or who got them one
after the other. On by default; a regency may turn it off (for example while
one official stands in for both), and the change is audited.

Kept in the regency's ``settings.values`` JSON, like the core's job settings,
so it needs no column of the core's table and travels with the schema.
"""

from __future__ import annotations

from smartcity.toolkit import Forbidden, record_audit, tenant_settings
from sqlalchemy.orm import Session

from tenants.ebudgeting.messages import _m

from .access import Actor
from .models import SubActivity
from .rules import RuleViolation, Violation

SETTING = "ebudgeting_submitter_may_not_lock"
#: Who may change the setting: the regency's admin.
MANAGE = "tenant.manage"
RULE = "separation_of_duties"  # titled in rules.RULES


class DutyViolation(RuleViolation):
    """A step the same person may not take twice on one plan (403)."""

    status = 403
    code = "separation_of_duties"


def submitter_may_not_lock(session: Session) -> bool:
    value = (tenant_settings(session).values or {}).get(SETTING, True)
    return value if isinstance(value, bool) else True


def set_submitter_may_not_lock(session: Session, enabled: bool, *, actor: Actor) -> bool:
    if not actor.can(MANAGE):
        raise Forbidden(
            _m("requires the permission %(permission)s", permission=MANAGE),
            {"permission": _m("not held")},
        )
    before = submitter_may_not_lock(session)
    row = tenant_settings(session)
    row.values = {**(row.values or {}), SETTING: enabled}  # a new dict: JSONB sees assignment
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.settings.update",
        entity="settings",
        entity_id=1,
        before={SETTING: before},
        after={SETTING: enabled},
    )
    return enabled


def require_not_submitter(session: Session, sub: SubActivity, actor: Actor) -> None:
    """Refuse the lock when ``actor`` submitted ``sub`` and the regency asks for two people."""
    if actor.user_id is None or sub.submitted_by_id != actor.user_id:
        return
    if submitter_may_not_lock(session):
        raise DutyViolation(
            [
                Violation(
                    RULE,
                    "you submitted sub-activity %(code)s: someone else locks it",
                    {"code": sub.sub_kegiatan_code},
                )
            ]
        )
