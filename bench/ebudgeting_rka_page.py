"""Server time of the RKA page of a sub-activity with 500 lines (goal: under 300 ms).

Set-up (not timed): one regency with e-budgeting, one OPD, one sub-activity
with 500 lines (bulk), a TAPD member signed in through the real login form.

Timed: ``GET /t/<slug>/ebudgeting/sub/<id>`` through the real app (WSGI call of
Flask's test client: routing, tenant resolution, session, the view's queries,
rendering 500 rows), 5 warm-up requests then 30 measured; prints median, p90,
max and the SQL statements per request.

    .venv/bin/python bench/ebudgeting_rka_page.py [--lines 500] [--requests 30]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics

from _common import (
    PASSWORD,
    Timer,
    bench_database,
    count_round_trips,
    create_bench_app,
    describe_counts,
    state_of,
    verdict,
)
from _ebudgeting import BENCH_APPS, TAPD_EMAIL, bulk_budget, make_regency, tenant_session

GOAL_MS = 300.0
SLUG = "bench-rka"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    print("== e-budgeting: RKA page of one sub-activity")
    print(f"goal: under {GOAL_MS:.0f} ms server time with {args.lines} lines")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    with bench_database(APPS=BENCH_APPS) as settings:
        app = create_bench_app(settings)
        state = state_of(app)
        with app.app_context():
            make_regency(state, SLUG)
            with tenant_session(state, SLUG) as session:
                # Lines on any account: the page groups them by account with subtotals.
                sub_id = bulk_budget(
                    session,
                    opds=1,
                    subs_per_opd=1,
                    lines_per_sub=args.lines,
                    distinct_accounts=False,
                )[0]
                session.commit()
        client = app.test_client()
        page = client.get(f"/t/{SLUG}/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token is not None
        signed = client.post(
            f"/t/{SLUG}/login",
            data={"csrf_token": token.group(1), "email": TAPD_EMAIL, "password": PASSWORD},
        )
        assert signed.status_code in (302, 303), signed.status_code
        url = f"/t/{SLUG}/ebudgeting/sub/{sub_id}"
        for _ in range(5):
            response = client.get(url)
            assert response.status_code == 200, response.status_code
        assert response.get_data(as_text=True).count('id="line-') == args.lines
        times = []
        for _ in range(args.requests):
            with Timer() as t:
                client.get(url)
            times.append(t.seconds * 1000)
        with count_round_trips() as counts:
            client.get(url)
        times.sort()
        p90 = times[int(len(times) * 0.9) - 1]
        middle = statistics.median(times)
        print(
            f"requests: {len(times)}; median {middle:.1f} ms, p90 {p90:.1f} ms, "
            f"max {times[-1]:.1f} ms, min {times[0]:.1f} ms"
        )
        print(f"SQL per request: {describe_counts(counts)}")
        print(
            f"RESULT median {middle:.1f} ms, goal < {GOAL_MS:.0f} ms: {verdict(middle < GOAL_MS)}"
        )


if __name__ == "__main__":
    main()
