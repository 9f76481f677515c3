"""Who may do what in e-Kinerja, and for whom.

Everyone with a staff account records their own attendance, absences and work
logs and reads their own TPP. A supervisor is whoever the roster names as a
person's ``supervisor_id``: they decide on that person's logs, absences and
flagged punches (the ``ekinerja.approve`` permission says they may act as one
at all). A unit admin manages the units they are assigned to (the core's
org-unit membership under this app); the regency's BKPSDM admin manages every
unit, the TPP rules and the monthly run; a viewer reads every unit's recap.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartcity.toolkit import (
    N_,
    Forbidden,
    Permission,
    Role,
    TenantPrincipal,
    member_units,
    role_name,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from .messages import NOT_LINKED, NOT_YOURS, M
from .models import Account

APP = "ekinerja"

SELF = "ekinerja.self"
APPROVE = "ekinerja.approve"
UNIT = "ekinerja.unit_manage"
VIEW_ALL = "ekinerja.view_all"
REGENCY = "ekinerja.regency_manage"

PERMISSIONS = (
    Permission(SELF, N_("Record one's own attendance, absences and work logs; read one's TPP")),
    Permission(APPROVE, N_("Decide on the work logs, absences and flagged punches of one's staff")),
    Permission(UNIT, N_("Manage offices, hours, shifts, duties and accounts of one's units")),
    Permission(VIEW_ALL, N_("Read every unit's attendance and TPP")),
    Permission(REGENCY, N_("Manage the TPP rules, settings and monthly runs of the regency")),
)
ROLES = (
    Role("staff", N_("Staff"), N_("Checks in, logs work, asks for leave."), frozenset({SELF})),
    Role(
        "supervisor",
        N_("Supervisor"),
        N_("A staff member who approves the work and absences of the people they supervise."),
        frozenset({SELF, APPROVE}),
    ),
    Role(
        "unit_admin",
        N_("Unit admin"),
        N_("Runs e-Kinerja for the units they are assigned to."),
        frozenset({SELF, APPROVE, UNIT}),
    ),
    Role(
        "bkpsdm_admin",
        N_("BKPSDM admin"),
        N_("Runs e-Kinerja and the TPP for the whole regency."),
        frozenset({SELF, APPROVE, UNIT, VIEW_ALL, REGENCY}),
    ),
    Role(
        "viewer",
        N_("Viewer"),
        N_("Reads every unit's attendance and TPP and changes nothing (e.g. the inspectorate)."),
        frozenset({VIEW_ALL}),
    ),
)
ROLE_NAMES = {role.key: role_name(APP, role.key) for role in ROLES}
GRANTS = {role.key: role.permissions for role in ROLES}


@dataclass(frozen=True)
class Actor:
    """A person (or the system) acting in e-Kinerja.

    ``staff_id`` is who they are on the roster (None without an account);
    ``unit_ids`` the units they manage (None: every unit).
    """

    label: str
    permissions: frozenset[str]
    staff_id: int | None
    unit_ids: frozenset[int] | None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise Forbidden(M("requires the permission %(permission)s", permission=permission))

    def require_staff(self) -> int:
        if self.staff_id is None:
            raise Forbidden(
                M("your user is not linked to a staff member; ask your unit admin"),
                {"account": NOT_LINKED},
            )
        return self.staff_id

    def manages(self, unit_id: int) -> bool:
        if UNIT not in self.permissions:
            return False
        return self.unit_ids is None or unit_id in self.unit_ids

    def require_unit(self, unit_id: int) -> None:
        if not self.manages(unit_id):
            raise Forbidden(M("you do not manage this unit"), {"org_unit_id": NOT_YOURS})


def own_staff_id(session: Session, principal: TenantPrincipal) -> int:
    """The staff member the signed-in user is (what recording one's own punch needs,
    without the unit memberships an :class:`Actor` also reads); 403 without one."""
    staff_id = session.scalar(select(Account.staff_id).where(Account.user_id == principal.user.id))
    return Actor(principal.label, frozenset(principal.permissions), staff_id, None).require_staff()


def actor_for(session: Session, principal: TenantPrincipal) -> Actor:
    perms = frozenset(principal.permissions)
    staff_id = session.scalar(select(Account.staff_id).where(Account.user_id == principal.user.id))
    units = None if VIEW_ALL in perms else member_units(session, principal.user.id, APP)
    return Actor(principal.label, perms, staff_id, units)


def system_actor(label: str) -> Actor:
    return Actor(label, frozenset().union(*GRANTS.values()), None, None)
