"""`smartcity migrate` on a fleet that is already at head.

Provisions 500 tenants with the core and every installed app (set-up, in
batches of 25 per committed transaction; timed separately), then times
``smartcity.fleet.migrate_fleet(settings, registry)`` in process - the whole
call, platform upgrade check included - and the ``smartcity migrate`` command
end to end as a subprocess.

    .venv/bin/python bench/migrate_at_head.py [--tenants 500] [--batch 25] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from _common import (
    APPS,
    REDIS_URL,
    ROOT,
    Timer,
    bench_database,
    count_round_trips,
    create_bench_app,
    describe_counts,
    header,
    median,
    provision_batch,
    reuse_password_hash,
    state_of,
    verdict,
)
from smartcity.config import Settings
from smartcity.db import db
from smartcity.fleet import migrate_fleet, migrate_platform, tenant_versions
from smartcity.migrating import Migrations
from smartcity.state import PlatformState
from smartcity.tenancy.models import Tenant, TenantStatus
from sqlalchemy import select

GOAL_SECONDS = 10.0


def set_up(state: PlatformState, tenants: int, batch: int) -> None:
    apps = tuple(state.registry.names)
    slugs = [f"kab-{i:04d}" for i in range(tenants)]
    with Timer() as setup, reuse_password_hash():
        for start in range(0, tenants, batch):
            provision_batch(state, slugs[start : start + batch], apps)
            done = min(start + batch, tenants)
            if done % 100 == 0 or done == tenants:
                print(f"  provisioned {done}/{tenants} ({setup.elapsed:.0f} s)", flush=True)
    print(
        f"set-up (not part of the goal): {tenants} tenants with {', '.join(apps)} in "
        f"{setup.seconds:.1f} s ({setup.seconds / tenants * 1000:.0f} ms per tenant, "
        f"{batch} per transaction through provision_tenant; the first admins share one "
        "precomputed argon2 hash instead of hashing 500 times)"
    )


def breakdown(settings: Settings, state: PlatformState) -> None:
    """What migrate_fleet does when nothing is pending, piece by piece."""
    with Timer() as load:
        migrations = Migrations(settings, state.registry)
        _ = migrations.head_of, migrations.branch_of
    with Timer() as platform:
        migrate_platform(migrations)
    with Timer() as listing, db.platform_transaction() as session:
        slugs = list(
            session.scalars(
                select(Tenant.slug)
                .where(Tenant.status != TenantStatus.ARCHIVED)
                .order_by(Tenant.id)
            )
        )
    with Timer() as versions:
        found = tenant_versions(slugs)
    with Timer() as pending:
        behind = [slug for slug, v in found.items() if migrations.pending(v)]
    rows = [
        ("load the script directory (heads, branches)", load.seconds),
        ("platform upgrade check (alembic upgrade)", platform.seconds),
        (f"list the {len(slugs)} tenants", listing.seconds),
        ("read every tenant's versions (one UNION ALL)", versions.seconds),
        (f"compute pending branches ({len(behind)} behind)", pending.seconds),
    ]
    print("in-process breakdown of the same work (ms):")
    for label, seconds in rows:
        print(f"  {label:48} {seconds * 1000:8.1f}")


def run_cli(settings: Settings) -> tuple[float, str]:
    executable = Path(sys.executable).with_name("smartcity")
    env = {
        **os.environ,
        "DATABASE_URL": settings.DATABASE_URL,
        "SMARTCITY_APPS": ",".join(APPS),
        "SMARTCITY_SECRET_KEY": "x",
        "REDIS_URL": REDIS_URL,
    }
    with Timer() as t:
        done = subprocess.run(
            [str(executable), "migrate"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"smartcity migrate exited {done.returncode}:\n{done.stderr}")
    return t.seconds, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=500)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each arm")
    args = parser.parse_args()
    header(
        f"migrate at head: {args.tenants} tenants already at head",
        f"migrate_fleet and `smartcity migrate` < {GOAL_SECONDS:.0f} s",
    )
    with bench_database() as settings:
        app = create_bench_app(settings)
        state = state_of(app)
        set_up(state, args.tenants, args.batch)

        in_process: list[float] = []
        for run in range(args.runs):
            with Timer() as t, count_round_trips() as sent:
                report = migrate_fleet(settings, state.registry)
            if len(report.at_head) != args.tenants or not report.ok or report.migrated:
                raise RuntimeError(f"the fleet was not at head: {report}")
            in_process.append(t.seconds)
            print(
                f"migrate_fleet run {run + 1}: {t.seconds:.3f} s "
                f"({len(report.at_head)} at head, {len(report.migrated)} migrated); "
                f"statements sent: {sum(sent.values())} ({describe_counts(sent)})"
            )
        breakdown(settings, state)

        cli: list[float] = []
        for run in range(args.runs):
            seconds, output = run_cli(settings)
            cli.append(seconds)
            print(f"`smartcity migrate` run {run + 1}: {seconds:.3f} s  [{output}]")

        fleet_s, cli_s = median(in_process), median(cli)
        print()
        print(
            f"RESULT migrate_fleet (in process) median {fleet_s:.3f} s, "
            f"max {max(in_process):.3f} s; goal < {GOAL_SECONDS:.0f} s: "
            f"{verdict(max(in_process) < GOAL_SECONDS)}"
        )
        print(
            f"RESULT `smartcity migrate` (subprocess, end to end) median {cli_s:.3f} s, "
            f"max {max(cli):.3f} s; goal < {GOAL_SECONDS:.0f} s: "
            f"{verdict(max(cli) < GOAL_SECONDS)}"
        )


if __name__ == "__main__":
    main()
