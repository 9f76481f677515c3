"""The ``smartcity`` command: run, tenants, apps, operators, migrate, demo, worker."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from smartcity.config import Settings
from smartcity.db import db
from smartcity.errors import ServiceError
from smartcity.logconfig import configure_logging
from smartcity.state import platform_state
from smartcity.sync.cli import sync_group
from smartcity.usage.cli import usage_group

CLI_ACTOR = "cli"


def _create_app() -> Flask:
    from smartcity.app import create_app

    settings = Settings.from_env()
    configure_logging(settings.LOG_LEVEL, as_json=False)
    return create_app(settings)


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Bandung's smart-city platform for regencies."""


def _fail(exc: ServiceError) -> None:
    detail = "".join(f"\n  {k}: {v}" for k, v in exc.fields.items())
    raise click.ClickException(f"{exc.message}{detail}")


@main.command("config", with_appcontext=False)
def config_command() -> None:
    """List every setting: its environment variable, default and meaning."""
    for env, description, default in Settings.describe():
        click.echo(f"{env}\n    {description} (default: {default!r})")


# -- database ----------------------------------------------------------------------


@main.group("db")
def db_group() -> None:
    """Database set-up."""


@db_group.command("bootstrap", with_appcontext=False)
def db_bootstrap() -> None:
    """Create the app's login role and the platform schema (needs an admin DATABASE_URL)."""
    from smartcity.bootstrap import bootstrap_database

    settings = Settings.from_env()
    bootstrap_database(settings)
    click.echo(f"database {settings.database_name}: role {settings.app_role} ready")


@main.command("migrate")
@click.option("--canary", help="Slug of the tenant migrated first, alone.")
@click.option("--parallel", type=click.IntRange(1, 64), help="Tenants migrated at once.")
@with_appcontext
def migrate(canary: str | None, parallel: int | None) -> None:
    """Upgrade the platform schema, then every tenant that is behind."""
    from smartcity.fleet import migrate_fleet

    state = platform_state()
    report = migrate_fleet(state.settings, state.registry, canary=canary, parallelism=parallel)
    click.echo(
        f"platform at head; tenants: {len(report.at_head)} already at head, "
        f"{len(report.migrated)} migrated, {len(report.failed)} failed, "
        f"{len(report.not_attempted)} not attempted"
    )
    for slug, error in report.failed.items():
        click.echo(f"  FAILED {slug} (now in maintenance): {error}", err=True)
    if not report.ok:
        sys.exit(1)


# -- tenants -----------------------------------------------------------------------


@main.group("tenants")
def tenants_group() -> None:
    """Provision and manage regencies."""


@tenants_group.command("list")
@with_appcontext
def tenants_list() -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from smartcity.tenancy.models import Tenant

    with db.platform_transaction() as session:
        for t in session.scalars(
            select(Tenant).options(selectinload(Tenant.apps)).order_by(Tenant.slug)
        ):
            apps = ",".join(sorted(a.app for a in t.apps if a.enabled)) or "-"
            flag = " maintenance" if t.maintenance else ""
            click.echo(f"{t.slug:24} {t.region_code:6} {t.status.value:9}{flag} {t.name} [{apps}]")


@tenants_group.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--region", "region_code", required=True, help="Kode wilayah, e.g. 33.18")
@click.option("--app", "apps", multiple=True, help="An app to enable (repeat).")
@click.option("--admin-email", required=True)
@click.option("--admin-name", default="Administrator")
@click.option(
    "--admin-password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="SMARTCITY_ADMIN_PASSWORD",
)
@click.option(
    "--reprovision",
    is_flag=True,
    help="The region's regency was archived: provision a new one (recorded in the audit).",
)
@click.option("--standard-units", is_flag=True, help="Start with the standard list of org units.")
@with_appcontext
def tenants_create(**kw: Any) -> None:
    """Provision a regency in one transaction."""
    from smartcity.tenancy.provisioning import TenantRequest, provision_tenant

    state = platform_state()
    request = TenantRequest(**{**kw, "apps": tuple(kw["apps"])})
    try:
        with db.platform_transaction() as session:
            tenant = provision_tenant(
                session,
                request,
                registry=state.registry,
                migrations=state.migrations,
                role_prefix=state.settings.role_prefix,
                actor=CLI_ACTOR,
            )
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"tenant {tenant.slug} provisioned")


def _tenant_action(
    slug: str, action: str, reason: str | None = None, contact: str | None = None
) -> None:
    from smartcity.tenancy import lifecycle

    try:
        with db.platform_transaction() as session:
            tenant = lifecycle.get_tenant(session, slug, for_update=True)
            lifecycle.change_status(
                session, tenant, action, actor=CLI_ACTOR, reason=reason, contact=contact
            )
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"tenant {slug}: {action} done")


@tenants_group.command("suspend")
@click.argument("slug")
@click.option("--reason", required=True, help="Why; the regency's users are shown it.")
@click.option("--contact", help="Whom its users should contact (e-mail or telephone).")
@with_appcontext
def tenants_suspend(slug: str, reason: str, contact: str | None) -> None:
    """Suspend a tenant: its users see the reason and whom to contact instead of their pages."""
    _tenant_action(slug, "suspend", reason, contact)


@tenants_group.command("resume")
@click.argument("slug")
@with_appcontext
def tenants_resume(slug: str) -> None:
    """Resume a suspended tenant."""
    _tenant_action(slug, "resume")


@tenants_group.command("move")
@click.argument("slug")
@click.argument("node")
@with_appcontext
def tenants_move(slug: str, node: str) -> None:
    """Move a regency to another Citus worker (host:port) while it stays in use.

    Reads and writes go on during the copy and wait only for the switch-over at
    the end. Runs on DATABASE_URL (an admin URL), as `db bootstrap` does.
    """
    from smartcity import citus
    from smartcity.bootstrap import libpq_url
    from smartcity.tenancy import lifecycle
    from smartcity.tenancy.names import schema_name

    settings = platform_state().settings
    try:
        with db.platform_transaction() as session:
            lifecycle.get_tenant(session, slug)
        target = citus.Node.parse(node)
        source = citus.move_schema(libpq_url(settings.DATABASE_URL), schema_name(slug), target)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"tenant {slug}: on {target}" + ("" if source == target else f" (was {source})"))


@tenants_group.command("archive")
@click.argument("slug")
@click.option("--out", type=click.Path(path_type=Path), help="Archive file or folder.")
@with_appcontext
def tenants_archive(slug: str, out: Path | None) -> None:
    """Export a tenant, then archive it (hidden; its schema is purged after the retention)."""
    from smartcity.offboarding import export
    from smartcity.tenancy import lifecycle

    state = platform_state()
    try:
        with db.platform_transaction() as session:
            tenant = lifecycle.get_tenant(session, slug, for_update=True)
            result = export.archive_tenant(
                session,
                tenant,
                registry=state.registry,
                migrations=state.migrations,
                role_prefix=state.settings.role_prefix,
                export_dir=state.settings.EXPORT_DIR,
                actor=CLI_ACTOR,
                out=out,
            )
    except ServiceError as exc:
        _fail(exc)
    _echo_export(result)
    click.echo(
        f"tenant {slug}: archive done; purge drops it after "
        f"{state.settings.ARCHIVE_RETENTION_DAYS} days"
    )


@tenants_group.command("export")
@click.argument("slug")
@click.option("--out", type=click.Path(path_type=Path), help="Archive file or folder.")
@with_appcontext
def tenants_export(slug: str, out: Path | None) -> None:
    """Write a tenant's schema and platform rows to one archive (default in EXPORT_DIR)."""
    from smartcity.offboarding import export
    from smartcity.tenancy import lifecycle

    state = platform_state()
    try:
        with db.platform_transaction() as session:
            tenant = lifecycle.get_tenant(session, slug)
            result = export.export_tenant(
                session,
                tenant,
                registry=state.registry,
                migrations=state.migrations,
                role_prefix=state.settings.role_prefix,
                export_dir=state.settings.EXPORT_DIR,
                actor=CLI_ACTOR,
                out=out,
            )
    except ServiceError as exc:
        _fail(exc)
    _echo_export(result)


def _echo_export(result: Any) -> None:
    record = result.record
    rows = sum(t["rows"] for t in record.tables.values())
    click.echo(f"exported {record.slug}: {record.path}")
    click.echo(f"  {len(record.tables)} tables, {rows} rows, {record.size} bytes")
    click.echo(f"  sha256 {record.sha256}")
    if result.undeclared_tables:
        click.echo(
            "  warning: tables no installed app declares (kept, but `import` will refuse"
            f" them): {', '.join(result.undeclared_tables)}",
            err=True,
        )


@tenants_group.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", required=True, help="Slug of the new tenant.")
@click.option("--name", help="Name of the new tenant (default: the exported one's).")
@with_appcontext
def tenants_import(archive: Path, slug: str, name: str | None) -> None:
    """Restore an export as a new tenant, in one transaction."""
    from smartcity.offboarding import restore

    state = platform_state()
    try:
        checked = restore.check_archive(
            archive,
            registry=state.registry,
            migrations=state.migrations,
            max_bytes=state.settings.IMPORT_MAX_BYTES,
        )
        with db.platform_transaction() as session:
            restore.restore_tenant(
                session,
                checked,
                slug=slug,
                name=name,
                registry=state.registry,
                migrations=state.migrations,
                role_prefix=state.settings.role_prefix,
                actor=CLI_ACTOR,
            )
    except ServiceError as exc:
        _fail(exc)
    rows = sum(t.rows for t in checked.tables)
    click.echo(
        f"tenant {slug} restored from {checked.manifest.slug}'s export: "
        f"{len(checked.tables)} tables, {rows} rows, checksums identical"
    )


@tenants_group.command("purge")
@click.argument("slugs", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Say what would be dropped; drop nothing.")
@with_appcontext
def tenants_purge(slugs: tuple[str, ...], dry_run: bool) -> None:
    """Drop archived tenants past ARCHIVE_RETENTION_DAYS that have a verified export."""
    from smartcity.offboarding import purge

    state = platform_state()
    days = state.settings.ARCHIVE_RETENTION_DAYS
    with db.platform_transaction() as session:
        decisions = purge.plan(session, retention_days=days, slugs=list(slugs))
    refused = 0
    for planned in decisions:
        decision = planned
        if planned.allowed and not dry_run:
            with db.platform_transaction() as session:
                decision = purge.purge_tenant(
                    session,
                    planned.slug,
                    retention_days=days,
                    role_prefix=state.settings.role_prefix,
                    actor=CLI_ACTOR,
                )
        if not decision.allowed:
            refused += 1
            click.echo(f"{decision.slug}: refused: {'; '.join(decision.reasons)}")
        else:
            assert decision.export is not None  # noqa: S101 - allowed implies an export
            verb = "would purge" if dry_run else "purged"
            click.echo(f"{decision.slug}: {verb} (export {decision.export.path})")
    if not decisions:
        click.echo("no archived tenant to purge")
    if slugs and refused:
        sys.exit(1)


def _app_switch(slug: str, app: str, *, enable: bool) -> None:
    from smartcity.tenancy import lifecycle

    state = platform_state()
    try:
        with db.platform_transaction() as session:
            tenant = lifecycle.get_tenant(session, slug, for_update=True)
            if enable:
                lifecycle.enable_app(
                    session,
                    tenant,
                    app,
                    registry=state.registry,
                    migrations=state.migrations,
                    role_prefix=state.settings.role_prefix,
                    actor=CLI_ACTOR,
                )
            else:
                lifecycle.disable_app(
                    session,
                    tenant,
                    app,
                    registry=state.registry,
                    role_prefix=state.settings.role_prefix,
                    actor=CLI_ACTOR,
                )
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"tenant {slug}: {app} {'enabled' if enable else 'disabled (data kept)'}")


@tenants_group.command("enable-app")
@click.argument("slug")
@click.argument("app")
@with_appcontext
def tenants_enable_app(slug: str, app: str) -> None:
    """Enable an app (installs its tables if missing)."""
    _app_switch(slug, app, enable=True)


@tenants_group.command("disable-app")
@click.argument("slug")
@click.argument("app")
@with_appcontext
def tenants_disable_app(slug: str, app: str) -> None:
    """Disable an app; its data stays."""
    _app_switch(slug, app, enable=False)


# -- apps, operators, demo, worker ---------------------------------------------------------


@main.group("apps")
def apps_group() -> None:
    """The catalogue of granted apps."""


@apps_group.command("list")
@with_appcontext
def apps_list() -> None:
    for manifest in platform_state().registry:
        requires = f" (requires {', '.join(manifest.requires)})" if manifest.requires else ""
        click.echo(f"{manifest.name:16} {manifest.version:8} {manifest.title}{requires}")


@main.group("operators")
def operators_group() -> None:
    """Bandung's platform operators."""


@operators_group.command("create")
@click.option("--email", required=True)
@click.option("--name", default="Operator")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="SMARTCITY_NEW_OPERATOR_PASSWORD",
)
@with_appcontext
def operators_create(email: str, name: str, password: str) -> None:
    from smartcity.operators import upsert_operator

    try:
        with db.platform_transaction() as session:
            _, created = upsert_operator(
                session, email=email, name=name, password=password, actor=CLI_ACTOR
            )
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"operator {email} {'created' if created else 'updated'}")


@main.command("demo")
@click.option(
    "--credentials-file",
    default="var/demo-credentials.json",
    show_default=True,
    help="Where generated demo passwords are kept between runs.",
)
@with_appcontext
def demo(credentials_file: str) -> None:
    """Seed the demo regencies of the 2018 signing (idempotent) and print credentials."""
    from smartcity.demo import seed_demo

    try:
        seed_demo(platform_state(), credentials_file, click.echo)
    except ServiceError as exc:
        # e.g. roles left by an earlier database of the same name (roles are cluster-wide)
        _fail(exc)


@main.command("worker", context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(celery_args: tuple[str, ...]) -> None:
    """Start a Celery worker (extra arguments go to celery)."""
    # Replaces this process with the worker on purpose; celery is on the venv's PATH.
    command = ["celery", "-A", "worker.celery_app", "worker", *celery_args]
    os.execvp(command[0], command)  # noqa: S606


main.add_command(sync_group)
main.add_command(usage_group)
