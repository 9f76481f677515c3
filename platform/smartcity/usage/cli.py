"""``smartcity usage``: roll the tenants' activity up into the adoption figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import click
from flask.cli import with_appcontext


@click.group("usage")
def usage_group() -> None:
    """Adoption figures (platform.tenant_usage_daily)."""


@usage_group.command("collect")
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day to collect, YYYY-MM-DD (default: yesterday, WIB).",
)
@click.option(
    "--days",
    type=click.IntRange(1, 400),
    default=1,
    show_default=True,
    help="Collect this many days, ending on --day (to back-fill).",
)
@with_appcontext
def collect_command(day: datetime | None, days: int) -> None:
    """Collect one day (or several) for every active tenant; safe to run again."""
    from smartcity.usage.collector import collect, yesterday

    last: date = day.date() if day else yesterday()
    failed = False
    for offset in range(days - 1, -1, -1):
        report = collect(last - timedelta(days=offset))
        click.echo(f"{report.day}: {report.tenants} tenants, {report.rows} rows")
        for slug, error in report.failed.items():
            failed = True
            click.echo(f"  {slug}: {error}", err=True)
    if failed:
        raise click.ClickException("some tenants were not collected")
