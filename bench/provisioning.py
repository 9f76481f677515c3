"""Provisioning latency: regencies with the core and every installed app.

Each tenant is provisioned through ``provision_tenant`` inside its own
``db.platform_transaction()`` (one transaction, committed); the figure is the
wall time of the whole block, commit included. The steps of provisioning are
timed by wrapping ``provisioning.STEPS`` at run time (no app code changes).

    .venv/bin/python bench/provisioning.py [--tenants 30] [--profile N]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from _common import (
    ACTOR,
    Timer,
    bench_database,
    count_round_trips,
    create_bench_app,
    describe_counts,
    header,
    median,
    percentile,
    profile,
    state_of,
    tenant_request,
    verdict,
)
from smartcity.db import db
from smartcity.state import PlatformState
from smartcity.tenancy import provisioning

GOAL_P50_MS = 300.0


@contextmanager
def timed_steps() -> Iterator[dict[str, list[float]]]:
    """Time every step of provisioning (seconds per call), by step name."""
    times: dict[str, list[float]] = defaultdict(list)
    original = provisioning.STEPS

    def timed(step: provisioning.Step) -> provisioning.Step:
        def run(session: provisioning.Session, p: provisioning.Provisioning) -> None:
            start = time.perf_counter()
            try:
                step(session, p)
            finally:
                times[step.__name__].append(time.perf_counter() - start)

        return run

    provisioning.STEPS = tuple(timed(step) for step in original)
    try:
        yield times
    finally:
        provisioning.STEPS = original


def provision_one(state: PlatformState, slug: str, apps: tuple[str, ...]) -> tuple[float, float]:
    """Provision in one committed transaction; (total seconds, commit seconds)."""
    start = time.perf_counter()
    with db.platform_transaction() as session:
        provisioning.provision_tenant(
            session,
            tenant_request(slug, apps),
            registry=state.registry,
            migrations=state.migrations,
            role_prefix=state.settings.role_prefix,
            actor=ACTOR,
        )
        before_commit = time.perf_counter()
    end = time.perf_counter()
    return end - start, end - before_commit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=30)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="then provision N more tenants under cProfile and print where the time goes",
    )
    args = parser.parse_args()
    header(
        f"provisioning: {args.tenants} tenants, core + every installed app, "
        "one committed transaction each",
        f"p50 < {GOAL_P50_MS:.0f} ms",
    )
    with bench_database() as settings:
        with Timer() as startup:
            app = create_bench_app(settings)
        state = state_of(app)
        apps = tuple(state.registry.names)
        print(f"create_app + platform migration: {startup.seconds * 1000:.0f} ms")
        print(f"apps asked for each tenant: {', '.join(apps)}")

        totals: list[float] = []
        commits: list[float] = []
        with timed_steps() as steps, count_round_trips() as sent:
            for i in range(args.tenants):
                total, commit = provision_one(state, f"prov-{i:04d}", apps)
                totals.append(total)
                commits.append(commit)
            steps["(commit + close)"] = commits

        ms = [t * 1000 for t in totals]
        p50 = percentile(ms, 50)
        print()
        print(f"provision_tenant + commit, {len(ms)} tenants (ms):")
        print(
            f"  p50 {p50:.1f}   p90 {percentile(ms, 90):.1f}   max {max(ms):.1f}   "
            f"min {min(ms):.1f}   mean {sum(ms) / len(ms):.1f}   first (cold) {ms[0]:.1f}"
        )
        print(f"  p50 without the first (cold) tenant: {percentile(ms[1:] or ms, 50):.1f}")
        print("median time per step (ms):")
        for name, values in steps.items():
            print(f"  {name:24} {median(values) * 1000:8.1f}")
        print(
            f"statements sent per tenant: {sum(sent.values()) / len(ms):g} "
            f"({describe_counts(sent, len(ms))})"
        )

        if args.profile:
            print()
            print(f"cProfile of {args.profile} more provisions:")

            def more() -> None:
                for i in range(args.profile):
                    provision_one(state, f"prof-{i:04d}", apps)

            print(profile(more))

        print()
        met = verdict(p50 < GOAL_P50_MS)
        print(f"RESULT p50 {p50:.1f} ms; goal p50 < {GOAL_P50_MS:.0f} ms: {met}")


if __name__ == "__main__":
    main()
