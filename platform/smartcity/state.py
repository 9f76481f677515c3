"""The per-application platform state: settings, app registry, migrations, tenant cache."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from flask import current_app

from smartcity.apps import AppRegistry
from smartcity.config import Settings
from smartcity.tenancy.cache import TenantCache

if TYPE_CHECKING:
    # Only the annotation: the state holds the Migrations the factory made. Importing
    # migrating here would put every model (the metadata aggregator) under this low
    # module, which auth and the services read.
    from smartcity.migrating import Migrations

BlueprintKind = Literal["tenant", "platform", "any"]


@dataclass
class PlatformState:
    settings: Settings
    registry: AppRegistry
    migrations: Migrations
    cache: TenantCache
    # blueprint name -> where it may be served, and the app that owns it (if any)
    blueprint_kind: dict[str, BlueprintKind] = field(default_factory=dict)
    blueprint_app: dict[str, str] = field(default_factory=dict)


def platform_state() -> PlatformState:
    state: PlatformState = current_app.extensions["smartcity"]
    return state
