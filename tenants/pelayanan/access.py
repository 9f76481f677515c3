"""Who may do what in public services, and for which OPD.

The coordinator (Admin Koordinator, usually Diskominfo or Ortala) sees every
complaint and the reporter's identity unless the reporter asked to stay
anonymous; OPD liaisons (Admin Penghubung) and OPD heads see only the
dispatches to the OPDs they are assigned to (the core's org-unit membership
under this app's name) and never the identity of an anonymous or confidential
reporter. Services receive an :class:`Actor`, so pages, API, tasks and the demo
go through the same checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartcity.toolkit import (
    Forbidden,
    Permission,
    Role,
    TenantPrincipal,
    member_units,
)
from sqlalchemy.orm import Session

from .messages import APP, N_, M

VIEW = "pelayanan.view"
VIEW_ALL = "pelayanan.view_all"
COORDINATE = "pelayanan.coordinate"
IDENTITY = "pelayanan.identity"
RESPOND = "pelayanan.respond"
ESCALATIONS = "pelayanan.escalations"
STANDARDS_EDIT = "pelayanan.standards_edit"
STANDARDS_APPROVE = "pelayanan.standards_approve"
SETTINGS = "pelayanan.settings"

PERMISSIONS = (
    Permission(VIEW, N_("See the complaints and services of their OPDs")),
    Permission(VIEW_ALL, N_("See the complaints and services of every OPD")),
    Permission(COORDINATE, N_("Verify, hold, decline, archive and dispatch complaints to OPDs")),
    Permission(IDENTITY, N_("See who reported a complaint, unless they asked to stay anonymous")),
    Permission(RESPOND, N_("Answer the complaints dispatched to their OPDs")),
    Permission(ESCALATIONS, N_("Receive the escalations of their OPDs' overdue complaints")),
    Permission(STANDARDS_EDIT, N_("Draft the service standards of their OPDs")),
    Permission(STANDARDS_APPROVE, N_("Approve and publish the service standards of their OPDs")),
    Permission(SETTINGS, N_("Set the complaint deadlines and attachment limits")),
)
ROLES = (
    Role(
        "coordinator",
        N_("Complaints coordinator"),
        N_("Verifies every complaint and dispatches it to OPDs; sets the deadlines."),
        frozenset({VIEW, VIEW_ALL, COORDINATE, IDENTITY, SETTINGS, ESCALATIONS}),
    ),
    Role(
        "opd_liaison",
        N_("OPD liaison"),
        N_("Answers the complaints dispatched to the OPDs they are assigned to."),
        frozenset({VIEW, RESPOND}),
    ),
    Role(
        "opd_head",
        N_("OPD head"),
        N_("Answers their OPDs' complaints, receives escalations, approves service standards."),
        frozenset({VIEW, RESPOND, ESCALATIONS, STANDARDS_APPROVE}),
    ),
    Role(
        "standards_editor",
        N_("Service-standard editor"),
        N_("Drafts the service standards of the OPDs they are assigned to."),
        frozenset({VIEW, STANDARDS_EDIT}),
    ),
    Role(
        "viewer",
        N_("Viewer"),
        N_("Reads every OPD's complaints (without reporters) and standards; changes nothing."),
        frozenset({VIEW, VIEW_ALL}),
    ),
)
GRANTS = {role.key: role.permissions for role in ROLES}
ALL_PERMISSIONS = frozenset().union(*GRANTS.values())


@dataclass(frozen=True)
class Actor:
    """A person (or the system) acting here; ``unit_ids`` None means every OPD."""

    label: str
    permissions: frozenset[str]
    unit_ids: frozenset[int] | None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise Forbidden(
                M("requires the permission %(permission)s", permission=permission),
                {"permission": permission},
            )

    def sees_unit(self, unit_id: int) -> bool:
        return self.unit_ids is None or unit_id in self.unit_ids

    def require_unit(self, unit_id: int) -> None:
        if not self.sees_unit(unit_id):
            raise Forbidden(M("you do not act for this OPD"), {"org_unit_id": "not yours"})


def actor_for(session: Session, principal: TenantPrincipal) -> Actor:
    perms = frozenset(principal.permissions)
    units = None if VIEW_ALL in perms else member_units(session, principal.user.id, APP)
    return Actor(principal.label, perms, units)


def system_actor(label: str) -> Actor:
    return Actor(label, ALL_PERMISSIONS, None)
