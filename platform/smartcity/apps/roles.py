"""Roles and permissions: what an app lets a regency's users do, in words people read.

Every name a user carries or a check asks for is namespaced by its owner: an
app's role ``tapd_chair`` is carried as ``ebudgeting.tapd_chair`` and its
permissions are ``ebudgeting.<what>``, so two apps declaring a role ``viewer``
never share what it grants. The core's own roles (``admin``, ``member``) and
permissions (``users.manage``, ``tenant.manage``) keep their bare names.

Titles and descriptions are English msgids, marked for the owner's catalogue
(the core's here, the app's in its manifest) and translated where shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A manifest's role key: no dot, so ``<app>.<key>`` is never ambiguous.
ROLE_KEY = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


def N_(message: str) -> str:  # noqa: N802 - the name pybabel extracts by default
    """Marks a message for the core's catalogue; translated where it is shown."""
    return message


@dataclass(frozen=True, slots=True)
class Permission:
    """Something a role allows: ``name`` is ``<app>.<what>``, ``description`` says it in words."""

    name: str
    description: str


@dataclass(frozen=True, slots=True)
class Role:
    """A role an app declares: ``key`` without the app's name, which the registry adds."""

    key: str
    title: str
    description: str
    permissions: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RoleInfo:
    """A role as the pages show it: the name users carry, its words and what it allows.

    ``owner`` is the app's title ("" for the core's roles); strings are
    untranslated msgids.
    """

    name: str
    title: str
    description: str
    owner: str
    permissions: tuple[Permission, ...]


def role_name(app: str, key: str) -> str:
    """The name a user carries for role ``key`` of ``app``: the one place it is built."""
    return f"{app}.{key}"


CORE_PERMISSIONS = (
    Permission("users.manage", N_("Invite users, give them roles, deactivate them")),
    Permission(
        "tenant.manage", N_("Change the regency's settings, org units, staff, calendar and apps")
    ),
)
CORE_ROLES = (
    Role(
        "admin",
        N_("Administrator of this regency"),
        N_("Manages the regency: its users and roles, settings, org units, staff and apps."),
        frozenset({"users.manage", "tenant.manage"}),
    ),
    Role(
        "member",
        N_("Member"),
        N_("Signs in and uses what the regency's other roles open to them; manages nothing."),
    ),
)
