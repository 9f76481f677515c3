"""What an app tells the core about itself.

The core never imports an app: it reads manifests, found through the
``smartcity.apps`` entry point group or the ``APPS`` setting, and talks to the
app only through the fields below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from smartcity.apps.capabilities import CAPABILITY_NAME, Capability
from smartcity.apps.datasets import Dataset
from smartcity.apps.roles import Permission, Role

if TYPE_CHECKING:
    from flask import Blueprint
    from sqlalchemy import MetaData
    from sqlalchemy.orm import Session

APP_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """A link in the tenant's navigation, shown only while the app is enabled."""

    title: str
    endpoint: str
    permission: str | None = None


@dataclass(frozen=True, slots=True)
class BeatEntry:
    """A periodic task; beat fans it out to every active tenant that enabled the app."""

    name: str
    task: str
    seconds: float


@dataclass(frozen=True, slots=True)
class RoleConflict:
    """Two of the app's roles that one person must not hold together.

    Separation of duties: whoever prepares something must not also be the one
    who approves it. ``roles`` are keys of the manifest's ``roles``, exactly as
    declared there, and the registry turns them into the names users carry the
    same way it turns the role keys (see ``AppRegistry.role_conflicts``), so a
    later change of role naming (e.g. namespacing) changes the registry and
    leaves the declaration as it is. ``reason`` is English, marked for the app's
    catalogue; people read it when an assignment is refused.
    """

    roles: tuple[str, str]
    reason: str


@dataclass(frozen=True, slots=True)
class AppManifest:
    """A granted app as the core sees it.

    ``roles`` are carried by users as ``<name>.<key>`` and grant their
    permissions only while the app is enabled for that tenant; ``permissions``
    describes every permission they grant, all named ``<name>.<what>`` (see
    ``smartcity.apps.roles``). ``role_conflicts`` lists pairs of those roles
    nobody may hold together.
    """

    name: str
    title: str
    version: str
    description: str = ""
    requires: tuple[str, ...] = ()
    roles: tuple[Role, ...] = ()
    permissions: tuple[Permission, ...] = ()
    role_conflicts: tuple[RoleConflict, ...] = ()
    blueprint: Callable[[], Blueprint] | None = None
    api_blueprint: Callable[[], Blueprint] | None = None
    menu: tuple[MenuEntry, ...] = ()
    beat: tuple[BeatEntry, ...] = ()
    metadata: MetaData | None = None
    migrations: Path | None = None
    on_enable: Callable[[Session], None] | None = None
    #: Fills a freshly seeded demo regency (tenant session, its region code) with the
    #: app's demo data, after its org units, staff and users exist; idempotent.
    demo: Callable[[Session, str], Mapping[str, int]] | None = None
    #: Capabilities this app answers for other apps (see smartcity.apps.capabilities).
    provides: tuple[Capability, ...] = ()
    #: Capability names this app asks for; each may be absent for a regency.
    uses: tuple[str, ...] = ()
    #: Reference datasets this app keeps in every regency that enables it, in the
    #: order they apply; pushed and versioned by the core's reference sync.
    datasets: tuple[Dataset, ...] = ()

    def check(self) -> list[str]:
        """Problems with this manifest alone (the registry checks cross-references)."""
        problems = []
        if not APP_NAME.fullmatch(self.name):
            problems.append(f"{self.name!r}: name must match {APP_NAME.pattern}")
        if self.metadata is not None and self.migrations is None:
            problems.append(f"{self.name}: has models but no migrations folder")
        if self.migrations is not None and not self.migrations.is_dir():
            problems.append(f"{self.name}: migrations folder {self.migrations} is missing")
        if self.name in self.requires:
            problems.append(f"{self.name}: requires itself")
        problems.extend(
            f"{self.name}: capability {cap.name!r} must be named {self.name}.<what>"
            for cap in self.provides
            if not CAPABILITY_NAME.fullmatch(cap.name) or cap.name.split(".")[0] != self.name
        )
        problems.extend(
            f"{self.name}: dataset {d.name!r} must be named {self.name}.<what>"
            for d in self.datasets
            if not CAPABILITY_NAME.fullmatch(d.name) or d.name.split(".")[0] != self.name
        )
        names = [cap.name for cap in self.provides]
        problems.extend(
            f"{self.name}: capability {n!r} declared twice"
            for n in sorted(set(names))
            if names.count(n) > 1
        )
        problems.extend(
            f"{self.name}: uses {n!r}, which is not a capability name"
            for n in self.uses
            if not CAPABILITY_NAME.fullmatch(n)
        )
        problems.extend(
            f"{self.name}: uses its own capability {n!r}"
            for n in self.uses
            if n.split(".")[0] == self.name
        )
        for conflict in self.role_conflicts:
            first, second = conflict.roles
            problems.extend(
                f"{self.name}: role conflict names unknown role {role!r}"
                for role in conflict.roles
                if role not in {r.key for r in self.roles}
            )
            if first == second:
                problems.append(f"{self.name}: role {first!r} cannot conflict with itself")
            if not conflict.reason.strip():
                problems.append(f"{self.name}: role conflict {first}/{second} needs a reason")
        return problems
