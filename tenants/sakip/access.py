"""Who may do what in SAKIP, and for which OPD.

Roles map to permissions in the manifest; on top of that an OPD user acts only
for the OPD(s) they were assigned to (the core's org-unit membership under the
app name ``sakip``), while the SAKIP admin (Bappeda/Ortala), the evaluator
(Inspektorat) and viewers see every OPD. Services receive an :class:`Actor`, so
the web, the API and the demo seed go through the same checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartcity.toolkit import (
    Forbidden,
    Permission,
    Role,
    RoleConflict,
    TenantPrincipal,
    member_units,
    role_name,
)
from sqlalchemy.orm import Session

from .messages import N_, M

APP = "sakip"

VIEW = "sakip.view"
VIEW_ALL = "sakip.view_all"
PLAN = "sakip.plan"
REGENCY_PLAN = "sakip.regency_plan"
APPROVE = "sakip.approve"
AGREEMENT = "sakip.agreement"
SIGN = "sakip.sign"
REALIZE = "sakip.realize"
VERIFY = "sakip.verify"
SETTINGS = "sakip.settings"
EVALUATE = "sakip.evaluate"
USERS_MANAGE = "users.manage"

PERMISSIONS = (
    Permission(VIEW, N_("See the plans, agreements and realization of their OPDs")),
    Permission(VIEW_ALL, N_("See the plans, agreements and realization of every OPD")),
    Permission(PLAN, N_("Draft the Renstra and Renja of their OPDs")),
    Permission(REGENCY_PLAN, N_("Draft the RPJMD and the regency's key indicators")),
    Permission(APPROVE, N_("Approve plans and open revisions of approved plans")),
    Permission(AGREEMENT, N_("Prepare performance agreements (PK) and their budget")),
    Permission(SIGN, N_("Sign the performance agreement (PK) of their OPD")),
    Permission(REALIZE, N_("Enter quarterly realization with evidence")),
    Permission(VERIFY, N_("Verify or return the quarterly realization of their OPDs")),
    Permission(SETTINGS, N_("Set the regency's SAKIP rules and assign users to OPDs")),
    Permission(EVALUATE, N_("Evaluate the regency's and the OPDs' accountability")),
)
_OPERATOR = frozenset({VIEW, PLAN, AGREEMENT, REALIZE})
ROLES = (
    # Keyed "coordinator", not "admin": the core's role and the regency admin's
    # demo address (admin@<slug>) already carry that word.
    Role(
        "coordinator",
        N_("SAKIP admin"),
        N_("Bappeda/Ortala: the RPJMD, approves plans, sees every OPD, sets the rules."),
        frozenset({VIEW, VIEW_ALL, PLAN, REGENCY_PLAN, APPROVE, AGREEMENT, SETTINGS}),
    ),
    Role(
        "operator",
        N_("OPD operator"),
        N_("Drafts the plans and agreements of their OPDs and enters realization."),
        _OPERATOR,
    ),
    Role(
        "officer",
        N_("OPD SAKIP officer"),
        N_("What an OPD operator does, and verifies the realization of their OPDs."),
        _OPERATOR | {VERIFY},
    ),
    Role(
        "opd_head",
        N_("OPD head"),
        N_("Signs the performance agreement (PK) of their OPDs."),
        frozenset({VIEW, SIGN}),
    ),
    Role(
        "evaluator",
        N_("Evaluator (Inspektorat)"),
        N_("Sees every OPD and evaluates accountability."),
        frozenset({VIEW, VIEW_ALL, EVALUATE}),
    ),
    Role(
        "viewer",
        N_("Viewer"),
        N_("Reads every OPD's plans, agreements and achievement and changes nothing."),
        frozenset({VIEW, VIEW_ALL}),
    ),
)
GRANTS = {role.key: role.permissions for role in ROLES}
ROLE_NAMES = {role.key: role_name(APP, role.key) for role in ROLES}
ALL_PERMISSIONS = frozenset().union(*GRANTS.values())
#: The evaluator checks what the admin approved: one person holding both grades their own work.
ROLE_CONFLICTS = (
    RoleConflict(
        ("coordinator", "evaluator"), N_("the evaluator grades the plans the admin approved")
    ),
)


@dataclass(frozen=True)
class Actor:
    """A person (or the system) acting in SAKIP; ``unit_ids`` None: every OPD."""

    label: str
    permissions: frozenset[str]
    unit_ids: frozenset[int] | None
    user_id: int | None = None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise Forbidden(
                M("requires the permission %(permission)s", permission=permission),
                {"permission": permission},
            )

    def sees_unit(self, unit_id: int | None) -> bool:
        return self.unit_ids is None or unit_id in self.unit_ids

    def require_unit(self, unit_id: int | None) -> None:
        if not self.sees_unit(unit_id):
            raise Forbidden(M("you do not act for this OPD"), {"org_unit_id": M("not yours")})


def actor_for(session: Session, principal: TenantPrincipal) -> Actor:
    perms = frozenset(principal.permissions)
    if USERS_MANAGE in perms:
        perms |= {SETTINGS}
    unit_ids = None if VIEW_ALL in perms else member_units(session, principal.user.id, APP)
    return Actor(principal.label, perms, unit_ids, principal.user.id)


def system_actor(label: str) -> Actor:
    """For the demo seed and tests: every OPD, every permission."""
    return Actor(label, ALL_PERMISSIONS, None)
