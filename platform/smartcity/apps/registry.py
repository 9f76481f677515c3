"""Loads app manifests once at start-up and refuses an inconsistent catalogue."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

from smartcity.apps.capabilities import CAPABILITY_NAME, CapabilityNotDeclared
from smartcity.apps.manifest import AppManifest, RoleConflict
from smartcity.apps.roles import (
    CORE_PERMISSIONS,
    CORE_ROLES,
    ROLE_KEY,
    Permission,
    Role,
    RoleInfo,
    role_name,
)

ENTRY_POINT_GROUP = "smartcity.apps"


class AppRegistryError(Exception):
    """The catalogue of apps is inconsistent; the message lists every problem."""


class AppRegistry:
    """The apps this deployment can grant, keyed by name, in dependency order."""

    def __init__(self, manifests: Iterable[AppManifest]) -> None:
        by_name: dict[str, AppManifest] = {}
        problems: list[str] = []
        for manifest in manifests:
            problems.extend(manifest.check())
            if manifest.name in by_name:
                problems.append(f"{manifest.name}: declared twice")
            by_name[manifest.name] = manifest
        for manifest in by_name.values():
            problems.extend(
                f"{manifest.name}: requires unknown app {dep!r}"
                for dep in manifest.required_apps
                if dep not in by_name
            )
            for name in manifest.requires:
                provider = by_name.get(name.split(".")[0])
                if "." in name and provider is not None and name not in _provided(provider):
                    problems.append(
                        f"{manifest.name}: requires {name!r}, "
                        f"which {provider.name} does not provide"
                    )
            problems.extend(_role_problems(manifest))
            for name in manifest.uses:
                provider = by_name.get(name.split(".")[0])
                # A provider this deployment does not install is simply absent for
                # every regency; one that is installed must really answer the name.
                if provider is not None and name not in {c.name for c in provider.provides}:
                    problems.append(
                        f"{manifest.name}: uses {name!r}, which {provider.name} does not provide"
                    )
        if problems:
            raise AppRegistryError("; ".join(problems))
        self._apps = {m.name: m for m in _dependency_order(by_name)}
        #: Every role by the name users carry, with the app that owns it ("" for the core).
        self._roles: dict[str, tuple[str, Role]] = {r.key: ("", r) for r in CORE_ROLES}
        self._permissions = {p.name: p for p in CORE_PERMISSIONS}
        for app in self._apps.values():
            self._roles.update((role_name(app.name, r.key), (app.name, r)) for r in app.roles)
            self._permissions.update((p.name, p) for p in app.permissions)

    @classmethod
    def load(cls, specs: Iterable[str] = ()) -> AppRegistry:
        """From ``module:attr`` specs, or from installed entry points when none given."""
        specs = list(specs)
        if specs:
            return cls(_import_spec(spec) for spec in specs)
        return cls(ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP))

    def __iter__(self) -> Iterator[AppManifest]:
        return iter(self._apps.values())

    def __contains__(self, name: object) -> bool:
        return name in self._apps

    def __len__(self) -> int:
        return len(self._apps)

    def get(self, name: str) -> AppManifest:
        try:
            return self._apps[name]
        except KeyError:
            raise KeyError(f"unknown app {name!r}") from None

    @property
    def names(self) -> list[str]:
        return list(self._apps)

    def closure(self, names: Iterable[str]) -> list[str]:
        """The apps named plus everything they require, in dependency order."""
        wanted: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name not in wanted:
                wanted.add(name)
                stack.extend(self.get(name).required_apps)
        return [n for n in self._apps if n in wanted]

    def dependents(self, name: str) -> list[str]:
        """Apps that require ``name``, directly or not."""
        return [n for n in self._apps if n != name and name in self.closure([n])]

    def permissions(self, roles: Iterable[str], enabled: Iterable[str]) -> frozenset[str]:
        """What holders of ``roles`` may do, counting only the enabled apps' roles.

        A role grants only its own app's permissions (the registry refuses any
        other), and nothing while that app is disabled for the regency; a name
        nobody declares grants nothing.
        """
        enabled = set(enabled)
        granted: set[str] = set()
        for name in roles:
            owner, role = self._roles.get(name, ("", None))
            if role is not None and (not owner or owner in enabled):
                granted |= role.permissions
        return frozenset(granted)

    def capability(
        self, name: str, *, consumer: str, enabled: Iterable[str]
    ) -> Callable[..., Any] | None:
        """The function answering ``name`` for a regency with ``enabled`` apps, or None.

        None means the providing app is not installed here or not enabled for the
        regency: the consumer shows that plainly. Asking for a name the consumer
        never declared raises, so ``uses`` stays the true list of its links.
        """
        if name not in self.get(consumer).uses:
            raise CapabilityNotDeclared(f"{consumer}: capability {name!r} is not in its uses")
        provider = name.split(".", maxsplit=1)[0]
        if provider not in self._apps or provider not in set(enabled):
            return None
        return next(c.provide for c in self._apps[provider].provides if c.name == name)

    def role_names(self, enabled: Iterable[str]) -> list[str]:
        """The roles a regency with ``enabled`` apps can give, as users carry them."""
        return [info.name for info in self.roles(enabled)]

    def roles(self, enabled: Iterable[str]) -> list[RoleInfo]:
        """The roles a regency with ``enabled`` apps can give, with what each allows.

        The core's first, then each enabled app's in the order it declares them;
        permissions in the order of their declaration.
        """
        enabled = set(enabled)
        return [
            self._info(name)
            for name, (owner, _) in self._roles.items()
            if not owner or owner in enabled
        ]

    def role(self, name: str) -> RoleInfo | None:
        """The role users carry as ``name``, enabled or not; None when nobody declares it."""
        return self._info(name) if name in self._roles else None

    def _info(self, name: str) -> RoleInfo:
        owner, role = self._roles[name]
        described = [p for p in self._permissions.values() if p.name in role.permissions]
        return RoleInfo(
            name=name,
            title=role.title,
            description=role.description,
            owner=self._apps[owner].title if owner else "",
            permissions=tuple(described),
        )

    def role_conflicts(self, enabled: Iterable[str]) -> list[RoleConflict]:
        """The pairs of roles nobody may hold together, of the enabled apps.

        Named as users carry them (as ``role_names`` gives them), so the user
        service compares them with a user's roles as they are.
        """
        return [
            RoleConflict(
                (role_name(app.name, conflict.roles[0]), role_name(app.name, conflict.roles[1])),
                conflict.reason,
            )
            for app in (self._apps[n] for n in enabled if n in self._apps)
            for conflict in app.role_conflicts
        ]


def _role_problems(manifest: AppManifest) -> list[str]:
    """An app's roles and permissions stay in its namespace, each described once.

    A role key with a dot could pose as another app's role; a permission
    outside ``<app>.`` would let the app grant the core's (``users.manage``) or
    another app's; a permission without a description could not be explained
    to the admin who gives the role.
    """
    app = manifest.name
    problems: list[str] = []
    keys = [r.key for r in manifest.roles]
    problems.extend(
        f"{app}: role key {k!r} must match {ROLE_KEY.pattern} (no dot: the core adds {app}.)"
        for k in keys
        if not ROLE_KEY.fullmatch(k)
    )
    problems.extend(
        f"{app}: role {k!r} declared twice" for k in sorted(set(keys)) if keys.count(k) > 1
    )
    declared = [p.name for p in manifest.permissions]
    problems.extend(
        f"{app}: permission {n!r} declared twice"
        for n in sorted(set(declared))
        if declared.count(n) > 1
    )
    problems.extend(
        f"{app}: permission {p.name!r} is outside its namespace ({app}.<what>)"
        for p in manifest.permissions
        if not _in_namespace(app, p)
    )
    problems.extend(
        f"{app}: permission {p.name!r} needs a description"
        for p in manifest.permissions
        if not p.description.strip()
    )
    for role in manifest.roles:
        if not role.title.strip() or not role.description.strip():
            problems.append(f"{app}: role {role.key!r} needs a title and a description")
        problems.extend(
            f"{app}: role {role.key!r} grants {name!r}, outside its namespace ({app}.<what>)"
            for name in sorted(role.permissions)
            if not name.startswith(f"{app}.")
        )
        problems.extend(
            f"{app}: role {role.key!r} grants {name!r}, which is not in its permissions"
            for name in sorted(role.permissions)
            if name.startswith(f"{app}.") and name not in declared
        )
    return problems


def _in_namespace(app: str, permission: Permission) -> bool:
    return bool(CAPABILITY_NAME.fullmatch(permission.name)) and permission.name.startswith(
        f"{app}."
    )


def _provided(manifest: AppManifest) -> set[str]:
    return {c.name for c in manifest.provides}


def _import_spec(spec: str) -> AppManifest:
    module_name, _, attr = spec.partition(":")
    manifest = getattr(import_module(module_name), attr or "manifest")
    if not isinstance(manifest, AppManifest):
        raise AppRegistryError(f"{spec}: is not an AppManifest")
    return manifest


def _dependency_order(by_name: dict[str, AppManifest]) -> list[AppManifest]:
    ordered: list[AppManifest] = []
    state: dict[str, str] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise AppRegistryError("dependency cycle: " + " -> ".join((*trail, name)))
        state[name] = "visiting"
        for dep in by_name[name].required_apps:
            visit(dep, (*trail, name))
        state[name] = "done"
        ordered.append(by_name[name])

    for name in sorted(by_name):
        visit(name, ())
    return ordered
