"""Alembic for the platform schema, the tenant core and each app's branch.

One script directory holds several independent trees, each with a branch label:
``platform`` (versioned in ``platform.alembic_version``), ``tenant_core`` and one
per app (versioned together in each tenant's own ``alembic_version``, one row per
installed branch). Provisioning and enabling do not replay history: they create
the current tables from the models and stamp the branch heads, inside the
caller's transaction; a test keeps models and migrations identical.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, text

from smartcity import models as _all_models  # noqa: F401 - completes the metadatas
from smartcity.db import PLATFORM_SCHEMA, TenantBase
from smartcity.tenancy.names import quote_ident
from smartcity.tenantcore.audit import append_only_ddl

if TYPE_CHECKING:
    from smartcity.apps import AppManifest, AppRegistry
    from smartcity.config import Settings

PLATFORM_BRANCH = "platform"
CORE_BRANCH = "tenant_core"
SOURCE_MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
VERSION_TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS {schema}.alembic_version ("
    "version_num VARCHAR(32) NOT NULL, "
    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
)


@dataclass(frozen=True)
class Migrations:
    """The script directory of this deployment and what it says about heads."""

    settings: Settings
    registry: AppRegistry

    @cached_property
    def folder(self) -> Path:
        return (
            Path(self.settings.MIGRATIONS_DIR)
            if self.settings.MIGRATIONS_DIR
            else (SOURCE_MIGRATIONS)
        )

    def config(self, connection: Connection | None = None, schema: str | None = None) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(self.folder))
        locations = [self.folder / "platform", self.folder / "tenant_core"]
        locations += [m.migrations for m in self.registry if m.migrations is not None]
        cfg.set_main_option("version_locations", " ".join(str(p) for p in locations))
        cfg.set_main_option("path_separator", "space")
        cfg.attributes["connection"] = connection
        cfg.attributes["schema"] = schema
        return cfg

    @cached_property
    def script(self) -> ScriptDirectory:
        return ScriptDirectory.from_config(self.config())

    @cached_property
    def branch_of(self) -> dict[str, str]:
        """Every revision id -> the label of the tree it belongs to.

        Walks ``down_revision`` to the tree's base and reads the label the base
        declares itself (``depends_on`` links between trees are not followed).
        """
        mapping: dict[str, str] = {}
        for rev in self.script.walk_revisions():
            base = rev
            while base.down_revision:
                down = base.down_revision
                base = self.script.get_revision(down if isinstance(down, str) else down[0])
                assert base is not None  # noqa: S101 - the script directory is consistent
            declared = getattr(base.module, "branch_labels", None) or (base.revision,)
            mapping[rev.revision] = declared if isinstance(declared, str) else declared[0]
        return mapping

    @cached_property
    def head_of(self) -> dict[str, str]:
        """Branch label -> its head revision."""
        return {self.branch_of[h]: h for h in self.script.get_heads()}

    def tenant_branches(self, apps: Iterable[str]) -> list[str]:
        return [CORE_BRANCH] + [
            a for a in apps if a in self.registry and self.registry.get(a).migrations is not None
        ]

    def pending(self, versions: Iterable[str]) -> list[str]:
        """Branches of a tenant whose recorded version is not their head."""
        installed = {self.branch_of.get(v, "?"): v for v in versions}
        behind = [b for b, v in installed.items() if self.head_of.get(b) != v]
        if CORE_BRANCH not in installed:
            behind.insert(0, CORE_BRANCH)
        return behind

    # -- running Alembic ----------------------------------------------------------

    def upgrade_platform(self, connection: Connection) -> None:
        command.upgrade(self.config(connection, PLATFORM_SCHEMA), f"{PLATFORM_BRANCH}@head")

    def upgrade_tenant(
        self, connection: Connection, schema: str, branches: Iterable[str], target: str = "head"
    ) -> None:
        """Upgrade branches of one tenant; ``connection`` is already under its role."""
        with search_path(connection, schema):
            for branch in branches:
                command.upgrade(self.config(connection, schema), f"{branch}@{target}")

    def downgrade_tenant(
        self, connection: Connection, schema: str, branch: str, target: str
    ) -> None:
        with search_path(connection, schema):
            command.downgrade(self.config(connection, schema), f"{branch}@{target}")


@contextmanager
def search_path(connection: Connection, schema: str) -> Iterator[None]:
    """Unqualified DDL in migration scripts lands in ``schema`` for this transaction only."""
    connection.execute(text(f"SET LOCAL search_path TO {quote_ident(schema)}"))
    # No finally: after an error the transaction is doomed, and its rollback
    # undoes the setting too (a reset here would only mask the real error).
    yield
    connection.execute(text("SET LOCAL search_path TO DEFAULT"))


def install_branch(connection: Connection, schema: str, metadata: MetaData, head: str) -> None:
    """Create a branch's current tables in ``schema`` and stamp its head.

    ``connection`` must already carry the tenant's role and schema translation.
    """
    metadata.create_all(connection)
    connection.execute(text(VERSION_TABLE_DDL.format(schema=quote_ident(schema))))
    connection.execute(
        text(f"INSERT INTO {quote_ident(schema)}.alembic_version VALUES (:v)"),  # noqa: S608 - quote_ident identifiers only; values are bound
        {"v": head},
    )


def install_core(connection: Connection, schema: str, migrations: Migrations) -> None:
    install_branch(connection, schema, TenantBase.metadata, migrations.head_of[CORE_BRANCH])
    for statement in append_only_ddl(schema):
        connection.execute(text(statement))


def install_app(
    connection: Connection, schema: str, manifest: AppManifest, migrations: Migrations
) -> bool:
    """Install an app's branch unless the schema already has it; True when installed."""
    if manifest.metadata is None:
        return False
    installed = connection.execute(
        text(f"SELECT version_num FROM {quote_ident(schema)}.alembic_version")  # noqa: S608 - quote_ident identifiers only; values are bound
    ).scalars()
    if any(migrations.branch_of.get(v) == manifest.name for v in installed):
        return False
    install_branch(connection, schema, manifest.metadata, migrations.head_of[manifest.name])
    return True
