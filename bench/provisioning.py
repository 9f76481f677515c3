"""Provisioning latency: the core alone, the core with the test apps, and the core with
e-Budgeting (its reference data included, as a real regency is provisioned).

Each tenant is provisioned through ``provision_tenant`` inside its own
``db.platform_transaction()`` (one transaction, committed); the figure is the
wall time of the whole block, commit included. The steps of provisioning are
timed by wrapping ``provisioning.STEPS`` at run time (no app code changes).

    .venv/bin/python bench/provisioning.py [--tenants 30] [--profile N]

The three series run one after the other in one run, on one database: each
figure is comparable with the others of the same run.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from _common import (
    ACTOR,
    APPS,
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

GOAL_P50_MS = 300.0  # the core and the test apps
GOAL_EBUDGETING_P50_MS = 500.0  # the core and e-Budgeting with its reference data
EBUDGETING = "tenants.ebudgeting.manifest:manifest"


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
        f"provisioning: {args.tenants} tenants per series (core only; core + the test apps; "
        "core + e-Budgeting), one committed transaction each",
        f"core + test apps p50 < {GOAL_P50_MS:.0f} ms; core + e-Budgeting p50 < "
        f"{GOAL_EBUDGETING_P50_MS:.0f} ms",
    )
    with bench_database(APPS=(*APPS, EBUDGETING)) as settings:
        with Timer() as startup:
            app = create_bench_app(settings)
        state = state_of(app)
        test_apps = tuple(n for n in state.registry.names if n != "ebudgeting")
        print(f"create_app + platform migration: {startup.seconds * 1000:.0f} ms")
        series = {
            "core only": (),
            f"core + {', '.join(test_apps)}": test_apps,
            "core + ebudgeting": ("ebudgeting",),
        }
        p50s: dict[str, float] = {}
        for label, apps in series.items():
            p50s[label] = run_series(state, label, apps, args.tenants)
        apps = test_apps
        if args.profile:
            print()
            print(f"cProfile of {args.profile} more provisions:")

            def more() -> None:
                for i in range(args.profile):
                    provision_one(state, f"prof-{i:04d}", apps)

            print(profile(more))

        print()
        core, with_tests, with_eb = p50s.values()
        met = verdict(with_tests < GOAL_P50_MS and with_eb < GOAL_EBUDGETING_P50_MS)
        print(
            f"RESULT p50: core only {core:.1f} ms; core + test apps {with_tests:.1f} ms "
            f"(goal < {GOAL_P50_MS:.0f}); core + e-Budgeting {with_eb:.1f} ms "
            f"(goal < {GOAL_EBUDGETING_P50_MS:.0f}): {met}"
        )


def run_series(state: PlatformState, label: str, apps: tuple[str, ...], count: int) -> float:
    """Provision ``count`` regencies with ``apps``; print the figures; return the p50 (ms)."""
    totals: list[float] = []
    commits: list[float] = []
    slug = label.rsplit(maxsplit=1)[-1].replace(",", "")[:6] or "core"
    with timed_steps() as steps, count_round_trips() as sent:
        for i in range(count):
            total, commit = provision_one(state, f"{slug}-{i:04d}", apps)
            totals.append(total)
            commits.append(commit)
        steps["(commit + close)"] = commits
    ms = [t * 1000 for t in totals]
    p50 = percentile(ms, 50)
    print()
    print(f"{label}: provision_tenant + commit, {len(ms)} tenants (ms):")
    print(
        f"  p50 {p50:.1f}   p90 {percentile(ms, 90):.1f}   max {max(ms):.1f}   "
        f"min {min(ms):.1f}   mean {sum(ms) / len(ms):.1f}   first (cold) {ms[0]:.1f}"
    )
    print("  median time per step (ms):")
    for name, values in steps.items():
        print(f"    {name:24} {median(values) * 1000:8.1f}")
    print(
        f"  statements sent per tenant: {sum(sent.values()) / len(ms):g} "
        f"({describe_counts(sent, len(ms))})"
    )
    return p50


if __name__ == "__main__":
    main()
