"""The ``smartcity`` command: run, tenants, apps, operators, migrate, demo, worker."""

from __future__ import annotations

import os
import sys
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from smartcity.config import Settings
from smartcity.db import db
from smartcity.errors import ServiceError
from smartcity.logconfig import configure_logging
from smartcity.state import platform_state

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


def _tenant_action(slug: str, action: str) -> None:
    from smartcity.tenancy import lifecycle

    try:
        with db.platform_transaction() as session:
            tenant = lifecycle.get_tenant(session, slug, for_update=True)
            lifecycle.change_status(session, tenant, action, actor=CLI_ACTOR)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"tenant {slug}: {action} done")


for _action in ("suspend", "resume", "archive"):

    def _make(action: str) -> None:
        @tenants_group.command(action, help=f"{action.capitalize()} a tenant.")
        @click.argument("slug")
        @with_appcontext
        def command(slug: str) -> None:
            _tenant_action(slug, action)

    _make(_action)


@tenants_group.command("enable-app")
@click.argument("slug")
@click.argument("app")
@with_appcontext
def tenants_enable_app(slug: str, app: str) -> None:
    from smartcity.tenancy import lifecycle

    state = platform_state()
    try:
        with db.platform_transaction() as session:
            tenant = lifecycle.get_tenant(session, slug, for_update=True)
            lifecycle.enable_app(
                session,
                tenant,
                app,
                registry=state.registry,
                migrations=state.migrations,
                role_prefix=state.settings.role_prefix,
                actor=CLI_ACTOR,
            )
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"tenant {slug}: {app} enabled")


@tenants_group.command("disable-app")
@click.argument("slug")
@click.argument("app")
@with_appcontext
def tenants_disable_app(slug: str, app: str) -> None:
    from smartcity.tenancy import lifecycle

    state = platform_state()
    try:
        with db.platform_transaction() as session:
            tenant = lifecycle.get_tenant(session, slug, for_update=True)
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
    click.echo(f"tenant {slug}: {app} disabled (data kept)")


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

    seed_demo(platform_state(), credentials_file, click.echo)


@main.command("worker", context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(celery_args: tuple[str, ...]) -> None:
    """Start a Celery worker (extra arguments go to celery)."""
    # Replaces this process with the worker on purpose; celery is on the venv's PATH.
    command = ["celery", "-A", "worker.celery_app", "worker", *celery_args]
    os.execvp(command[0], command)  # noqa: S606
