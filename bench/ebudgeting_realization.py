"""Realization against the budget as XLSX over 50,000 DPA lines (goal: under 10 s).

Set-up (not timed): one regency with e-budgeting, 40 OPDs x 125 sub-activities x
10 lines on distinct accounts = 50,000 DPA lines, the RKA, APBD and DPA
snapshots taken through the service, and two SP2D payments per line (100,000
rows), written in bulk.

Timed: the report job's whole work, as the worker runs it (the job kind's
``run``: build the document from the database, render the XLSX), three times;
prints each run, the rows of the detail sheet and the file size.

    .venv/bin/python bench/ebudgeting_realization.py [--opds 40] [--subs 125] [--lines 10]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
from typing import Any

from _common import Timer, bench_database, create_bench_app, profile, state_of, verdict
from _ebudgeting import (
    BENCH_APPS,
    YEAR,
    bulk_budget,
    make_regency,
    tenant_session,
    to_dpa_with_payments,
)
from smartcity.jobs import catalog

GOAL_SECONDS = 10.0
SLUG = "bench-eb"


class Context:
    """What a running job sees (smartcity.jobs.kinds.JobContext), minus the job row."""

    def __init__(self, tenant: object, session: object) -> None:
        self.tenant = tenant
        self.job_id = 0  # no job row: the report runs as the system, for every OPD
        self.requested_by = "bench"
        self.session = session

    def progress(self, _percent: float) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opds", type=int, default=40)
    parser.add_argument("--subs", type=int, default=125)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile one more run")
    args = parser.parse_args()
    print("== e-budgeting: realization vs budget XLSX")
    print(f"goal: under {GOAL_SECONDS:.0f} s for {args.opds * args.subs * args.lines:,} DPA lines")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    with bench_database(APPS=BENCH_APPS) as settings:
        app = create_bench_app(settings)
        state = state_of(app)
        with app.app_context():
            with Timer() as setup:
                make_regency(state, SLUG)
                with tenant_session(state, SLUG) as session:
                    bulk_budget(
                        session,
                        opds=args.opds,
                        subs_per_opd=args.subs,
                        lines_per_sub=args.lines,
                        distinct_accounts=True,
                    )
                    payments = to_dpa_with_payments(session, 2)
                    session.commit()
            print(f"set-up: {setup.seconds:.1f} s ({payments:,} payments)")
            kinds = catalog.for_app(app)
            report = kinds.reports["ebudgeting_realization"]
            params = report.params.model_validate({"year": YEAR, "format": "xlsx"})
            tenant = state.cache.by_slug(SLUG)
            times = []
            kind = kinds.kinds.get(report.kind)
            assert kind is not None

            def run_report(_report: object, ctx: Context, params: object) -> Any:
                return kind.run(ctx, params)  # type: ignore[arg-type]

            for run in range(args.runs):
                with tenant_session(state, SLUG) as session, Timer() as t:
                    output = run_report(report, Context(tenant, session), params)
                    session.rollback()
                times.append(t.seconds)
                size = len(output.file.data) if output.file else 0
                print(
                    f"run {run + 1}: {t.seconds:.2f} s, {output.result['rows']:,} rows, "
                    f"{size / 1024 / 1024:.1f} MB"
                )
            if args.profile:
                with tenant_session(state, SLUG) as session:
                    print(profile(lambda: run_report(report, Context(tenant, session), params)))
            best, middle = min(times), statistics.median(times)
            print(
                f"RESULT median {middle:.2f} s (best {best:.2f} s), goal < {GOAL_SECONDS:.0f} s: "
                f"{verdict(middle < GOAL_SECONDS)}"
            )


if __name__ == "__main__":
    main()
