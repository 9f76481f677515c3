"""Who may do what, and for which OPD.

Roles map to permissions in the manifest; on top of that an OPD user acts only
for the OPD(s) they were assigned to (the core's org-unit membership, under
this app's name), while TAPD and
viewers (e.g. the DPRD) see every OPD. Services receive an :class:`Actor`, so
the web, the API, tasks and the demo seed go through the same checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from smartcity.toolkit import (
    Forbidden,
    Permission,
    Role,
    RoleConflict,
    RoleInfo,
    TenantPrincipal,
    member_units,
    role_name,
)
from sqlalchemy.orm import Session

from tenants.ebudgeting.messages import _m

from .rules import N_

#: The app's name: its membership rows and permissions are kept under it.
APP = "ebudgeting"

VIEW = "ebudgeting.view"
VIEW_ALL = "ebudgeting.view_all"
DRAFT = "ebudgeting.draft"
SUBMIT = "ebudgeting.submit"
REVIEW = "ebudgeting.review"
LOCK = "ebudgeting.lock"
CEILINGS = "ebudgeting.ceilings"
OVERRIDE = "ebudgeting.override"
PROPOSE_ITEM = "ebudgeting.catalogue_propose"
APPROVE_ITEM = "ebudgeting.catalogue_approve"
PAYMENTS = "ebudgeting.payments"
MEMBERS = "ebudgeting.members"
#: The core's permission to manage the regency's users: its holders assign OPD members too.
USERS_MANAGE = "users.manage"

#: What each permission allows, as the regency's admin reads it when giving roles.
PERMISSIONS = (
    Permission(VIEW, N_("See the budget plans of their OPDs")),
    Permission(VIEW_ALL, N_("See the budget plans of every OPD")),
    Permission(DRAFT, N_("Write budget plans and their lines")),
    Permission(SUBMIT, N_("Submit a plan to the TAPD for review")),
    Permission(REVIEW, N_("Review submitted plans: notes, return for revision, verify")),
    Permission(LOCK, N_("Lock verified plans and move the budget to its next stage")),
    Permission(CEILINGS, N_("Set each OPD's pagu (budget ceiling)")),
    Permission(OVERRIDE, N_("Accept a line above the standard price, with a reason")),
    Permission(PROPOSE_ITEM, N_("Propose items for the standard price catalogue")),
    Permission(APPROVE_ITEM, N_("Approve or refuse proposed catalogue items")),
    Permission(PAYMENTS, N_("Record cash plans and SP2D payments, import payment files")),
    Permission(MEMBERS, N_("Assign users to the OPDs they act for")),
)
_OPD = frozenset({VIEW, DRAFT, PROPOSE_ITEM})
_TAPD = frozenset(
    {VIEW, VIEW_ALL, DRAFT, REVIEW, CEILINGS, OVERRIDE, PROPOSE_ITEM, APPROVE_ITEM, PAYMENTS}
)
ROLES = (
    Role(
        "opd_operator",
        N_("OPD operator"),
        N_("Drafts the budget plans of the OPDs they are assigned to."),
        _OPD,
    ),
    Role(
        "opd_head",
        N_("OPD head"),
        N_("Drafts and submits the budget plans of their OPDs to the TAPD."),
        _OPD | {SUBMIT},
    ),
    Role(
        "tapd_member",
        N_("TAPD member"),
        N_(
            "Sees every OPD; sets pagu, reviews plans, approves catalogue items "
            "and records payments."
        ),
        _TAPD,
    ),
    Role(
        "tapd_chair",
        N_("TAPD chair"),
        N_("What a TAPD member does, and locks verified plans and assigns users to OPDs."),
        _TAPD | {LOCK, MEMBERS},
    ),
    Role(
        "viewer",
        N_("Viewer"),
        N_("Reads every OPD's plans and realization and changes nothing (e.g. the DPRD)."),
        frozenset({VIEW, VIEW_ALL}),
    ),
)
#: Each role's permissions by its key, for the demo seed, tasks and tests.
GRANTS = {role.key: role.permissions for role in ROLES}
#: The name a user carries for each role key (``ebudgeting.<key>``).
ROLE_NAMES = {role.key: role_name(APP, role.key) for role in ROLES}
ALL_PERMISSIONS = frozenset().union(*GRANTS.values())
#: Each role as the members page explains it, by the name users carry.
ROLE_DETAILS = {
    ROLE_NAMES[role.key]: RoleInfo(
        name=ROLE_NAMES[role.key],
        title=role.title,
        description=role.description,
        owner="",
        permissions=tuple(p for p in PERMISSIONS if p.name in role.permissions),
    )
    for role in ROLES
}
#: Roles nobody may hold together. The OPD head submits a plan and the TAPD
#: chair locks it: one person holding both approves their own plan. OPD head
#: and TAPD member are not declared: by regulation the heads of the finance and
#: planning OPDs (BPKAD, Bappeda) sit on the TAPD, and a member cannot lock.
ROLE_CONFLICTS = (
    RoleConflict(
        ("opd_head", "tapd_chair"),
        N_("the OPD head submits plans that the TAPD chair locks"),
    ),
)


@dataclass(frozen=True)
class Actor:
    """A person (or the system) acting in e-budgeting.

    ``unit_ids`` is None for those who act for every OPD; ``user_id`` is the
    tenant user acting (None for the system), for the checks on the person.
    """

    label: str
    permissions: frozenset[str]
    unit_ids: frozenset[int] | None
    user_id: int | None = None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise Forbidden(
                _m("requires the permission %(permission)s", permission=permission),
                {"permission": _m("not held")},
            )

    def sees_unit(self, unit_id: int) -> bool:
        return self.unit_ids is None or unit_id in self.unit_ids

    def require_unit(self, unit_id: int) -> None:
        if not self.sees_unit(unit_id):
            raise Forbidden(_m("you do not act for this OPD"), {"org_unit_id": _m("not yours")})

    @property
    def may_override(self) -> bool:
        return OVERRIDE in self.permissions


def units_of(session: Session, user_id: int) -> frozenset[int]:
    return member_units(session, user_id, APP)


def actor_for(session: Session, principal: TenantPrincipal) -> Actor:
    perms = frozenset(principal.permissions)
    if USERS_MANAGE in perms:
        # The regency's admin assigns people to OPDs even without an e-budgeting role.
        perms |= {MEMBERS}
    unit_ids = None if VIEW_ALL in perms else units_of(session, principal.user.id)
    return Actor(principal.label, perms, unit_ids, principal.user.id)


def system_actor(label: str, permissions: Iterable[str] = ALL_PERMISSIONS) -> Actor:
    """For the demo seed, tasks and the CLI: every OPD, the permissions given."""
    return Actor(label, frozenset(permissions), None)
