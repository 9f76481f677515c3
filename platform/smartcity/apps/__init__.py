"""Granted apps: typed manifests and the registry that loads and checks them."""

from smartcity.apps.capabilities import (
    Capability,
    CapabilityNotDeclared,
    PerformanceIndicator,
    ServicePerformance,
    SubActivityBudget,
)
from smartcity.apps.datasets import Changes, Dataset, Row
from smartcity.apps.manifest import (
    AppManifest,
    BeatEntry,
    MenuEntry,
    RoleConflict,
    TranslationCatalogue,
)
from smartcity.apps.registry import AppRegistry, AppRegistryError
from smartcity.apps.roles import Permission, Role, RoleInfo, role_name

__all__ = [
    "AppManifest",
    "AppRegistry",
    "AppRegistryError",
    "BeatEntry",
    "Capability",
    "CapabilityNotDeclared",
    "Changes",
    "Dataset",
    "MenuEntry",
    "PerformanceIndicator",
    "Permission",
    "Role",
    "RoleConflict",
    "RoleInfo",
    "Row",
    "ServicePerformance",
    "SubActivityBudget",
    "TranslationCatalogue",
    "role_name",
]
