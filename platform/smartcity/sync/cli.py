"""``smartcity sync ...``: publish and push reference data, configure and run SIASN syncs.

Each command is a boundary: it opens its transactions and commits them. A push
to every tenant uses one transaction per tenant, so one broken tenant does not
hold back the others.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from smartcity.db import db
from smartcity.errors import Message, ServiceError
from smartcity.state import platform_state

CLI_ACTOR = "cli"


def _fail(exc: ServiceError) -> None:
    detail = "".join(f"\n  {k}: {v}" for k, v in exc.fields.items())
    raise click.ClickException(f"{exc.message}{detail}")


@click.group("sync")
def sync_group() -> None:
    """Reference data for every regency, and staff rosters from SIASN."""


@sync_group.command("publish-reference")
@click.option("--dataset", help="One dataset (default: every shipped dataset).")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CSV with the dataset's columns (e.g. day,name) instead of the shipped file.",
)
@with_appcontext
def publish_reference(dataset: str | None, path: Path | None) -> None:
    """Publish a new version where the content changed; tenants get it on the next push."""
    from smartcity.sync import reference

    if path is not None and dataset is None:
        raise click.UsageError("--file needs --dataset")
    registry = platform_state().registry
    try:
        with db.platform_transaction() as session:
            if path is not None:
                assert dataset is not None  # noqa: S101 - checked above
                lines = [
                    line
                    for line in path.read_text(encoding="utf-8-sig").splitlines()
                    if line.strip() and not line.startswith("#")
                ]
                rows = [dict(row) for row in csv.DictReader(lines)]
                results = [
                    reference.publish(session, dataset, rows, registry=registry, actor=CLI_ACTOR)
                ]
            else:
                results = reference.publish_shipped(
                    session, [dataset] if dataset else None, registry=registry, actor=CLI_ACTOR
                )
    except ServiceError as exc:
        _fail(exc)
    for item in results:
        row = item.dataset
        verb = "published" if item.created else "unchanged, still"
        click.echo(f"{row.name}: {verb} {row.version} ({len(row.data)} rows)")


def _describe(changes: dict[str, Any]) -> str:
    return ", ".join(f"{len(items)} {kind}" for kind, items in changes.items()) or "no row changed"


@sync_group.command("push")
@click.option("--tenant", "slug", help="One tenant (default: every active tenant).")
@with_appcontext
def push(slug: str | None) -> None:
    """Bring tenants to the latest reference data now (idempotent)."""
    from sqlalchemy import select

    from smartcity.sync import reference
    from smartcity.tenancy.models import Tenant, TenantStatus

    state = platform_state()
    if slug is None:
        with db.platform_transaction() as session:
            slugs = list(
                session.scalars(
                    select(Tenant.slug)
                    .where(Tenant.status == TenantStatus.ACTIVE)
                    .order_by(Tenant.slug)
                )
            )
    else:
        slugs = [slug]
    failed = 0
    for current in slugs:
        try:
            with db.platform_transaction() as session:
                result = reference.push_slug(
                    session,
                    current,
                    registry=state.registry,
                    role_prefix=state.settings.role_prefix,
                    actor=CLI_ACTOR,
                )
        except ServiceError as exc:
            if slug is not None:
                _fail(exc)
            click.echo(f"{current}: FAILED {exc.message}", err=True)
            failed += 1
            continue
        if not result.versions:
            click.echo(f"{current}: skipped (not active, or in maintenance)")
        elif not result.changed:
            click.echo(f"{current}: up to date")
        for name in result.upgraded.keys() | result.changes.keys():
            before, after = result.upgraded.get(name, (None, result.versions[name]))
            click.echo(
                f"{current}: {name} {before or '-'} -> {after} "
                f"({_describe(result.changes.get(name, {}))})"
            )
    if failed:
        raise click.ClickException(f"{failed} tenant(s) failed")


@sync_group.command("status")
@with_appcontext
def status() -> None:
    """The latest version of each dataset and the tenants still behind it."""
    from smartcity.sync import reference

    registry = platform_state().registry
    with db.platform_transaction() as session:
        latest = reference.latest_versions(session)
        behind = reference.tenants_behind(session, registry)
    for name in reference.all_datasets(registry):
        click.echo(f"{name}: {latest.get(name, 'never published')}")
    click.echo(f"tenants behind: {', '.join(behind) if behind else 'none'}")


def _tenant_session(slug: str) -> Any:
    from smartcity.errors import Conflict, NotFound

    info = platform_state().cache.by_slug(slug)
    if info is None:
        raise NotFound(Message("no tenant '%(slug)s'", slug=slug))
    if not info.is_active:
        raise Conflict(
            Message("tenant '%(slug)s' is %(status)s", slug=slug, status=info.status.value),
            {"slug": info.status.value},
        )
    return db.session(bind=info.bind)


@sync_group.command("siasn-config")
@click.argument("slug")
@click.option("--base-url", required=True, help="The regency's SIASN address (https://...).")
@click.option("--client-id", required=True)
@click.option(
    "--client-secret",
    envvar="SMARTCITY_SIASN_CLIENT_SECRET",
    help="Prompted for when not given; empty keeps the stored one.",
)
@click.option("--unit", "units", multiple=True, help="UNOR_ID=ORG_UNIT_CODE (repeat).")
@with_appcontext
def siasn_config(
    slug: str, base_url: str, client_id: str, client_secret: str | None, units: tuple[str, ...]
) -> None:
    """Set a regency's SIASN endpoint, credentials and unit map."""
    from smartcity.sync import siasn

    if client_secret is None:
        client_secret = click.prompt(
            "Client secret (empty keeps the stored one)",
            default="",
            hide_input=True,
            show_default=False,
        )
    unit_map = {}
    for item in units:
        unor, sep, code = item.partition("=")
        if not sep or not unor.strip() or not code.strip():
            raise click.BadParameter(
                f"{item!r}: expected UNOR_ID=ORG_UNIT_CODE", param_hint="--unit"
            )
        unit_map[unor.strip()] = code.strip()
    settings = platform_state().settings
    try:
        session = _tenant_session(slug)
        try:
            siasn.configure(
                session,
                base_url=base_url,
                client_id=client_id,
                client_secret=client_secret or None,
                unit_map=unit_map,
                actor=CLI_ACTOR,
                allow_http_loopback=settings.SIASN_ALLOW_HTTP_LOOPBACK,
            )
            session.commit()
        finally:
            session.close()
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"{slug}: SIASN settings saved ({len(unit_map)} unit(s) mapped)")


@sync_group.command("staff")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the run's whole report as JSON.")
@with_appcontext
def staff(slug: str, as_json: bool) -> None:
    """Sync one regency's staff from SIASN now and print what changed."""
    from smartcity.sync import siasn

    settings = platform_state().settings
    try:
        session = _tenant_session(slug)
        try:
            run = siasn.run_sync(
                session,
                actor=CLI_ACTOR,
                timeout=settings.SIASN_TIMEOUT_SECONDS,
                allow_http_loopback=settings.SIASN_ALLOW_HTTP_LOOPBACK,
            )
            session.commit()
        finally:
            session.close()
    except ServiceError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps({"run": run.id, **run.report}, indent=2, default=str))
    elif run.report.get("status") == "failed":
        click.echo(f"{slug}: sync {run.id} FAILED: {run.report.get('error')}", err=True)
    else:
        click.echo(
            f"{slug}: sync {run.id}: {run.created} created, {run.updated} updated, "
            f"{run.rejected} rejected"
        )
        for item in run.report.get("rejected", []):
            reasons = "; ".join(f"{k}: {v}" for k, v in item["problems"].items())
            click.echo(f"  rejected {item['nip'] or '(no NIP)'}: {reasons}")
    if run.report.get("status") == "failed":
        raise click.exceptions.Exit(1)
