"""Loads app manifests once at start-up and refuses an inconsistent catalogue."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

from smartcity.apps.capabilities import CapabilityNotDeclared
from smartcity.apps.manifest import AppManifest, RoleConflict

ENTRY_POINT_GROUP = "smartcity.apps"
CORE_ROLES = {"admin": frozenset({"users.manage", "tenant.manage"}), "member": frozenset()}


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
            problems.extend(
                f"{manifest.name}: role {role!r} clashes with a core role"
                for role in manifest.roles
                if role in CORE_ROLES
            )
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
        """What holders of ``roles`` may do, counting only the enabled apps' roles."""
        granted: set[str] = set()
        enabled_apps = [self._apps[n] for n in enabled if n in self._apps]
        for role in roles:
            granted |= CORE_ROLES.get(role, frozenset())
            for app in enabled_apps:
                granted |= app.roles.get(role, frozenset())
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
        names = list(CORE_ROLES)
        for n in enabled:
            if n in self._apps:
                names.extend(_role_name(self._apps[n], role) for role in self._apps[n].roles)
        return names

    def role_conflicts(self, enabled: Iterable[str]) -> list[RoleConflict]:
        """The pairs of roles nobody may hold together, of the enabled apps.

        Named as users carry them (as ``role_names`` gives them), so the user
        service compares them with a user's roles as they are.
        """
        return [
            RoleConflict(
                (_role_name(app, conflict.roles[0]), _role_name(app, conflict.roles[1])),
                conflict.reason,
            )
            for app in (self._apps[n] for n in enabled if n in self._apps)
            for conflict in app.role_conflicts
        ]


def _role_name(manifest: AppManifest, role: str) -> str:
    """The name a user carries for ``role`` of ``manifest``: today the key as declared.

    The one place that turns a manifest's role key into a user's role name, so
    namespacing roles (``<app>.<role>``) later changes this and nothing that
    declares roles or conflicts.
    """
    del manifest  # names are not namespaced yet
    return role


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
