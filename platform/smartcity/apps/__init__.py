"""Granted apps: typed manifests and the registry that loads and checks them."""

from smartcity.apps.manifest import AppManifest, BeatEntry, MenuEntry, RoleConflict
from smartcity.apps.registry import AppRegistry, AppRegistryError

__all__ = [
    "AppManifest",
    "AppRegistry",
    "AppRegistryError",
    "BeatEntry",
    "MenuEntry",
    "RoleConflict",
]
