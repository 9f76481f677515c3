"""e-Kinerja: the regency's discipline dashboard for 5,000 staff (goal < 1 s).

Set-up (not timed): one regency with e-Kinerja, 50 units, 5,000 active staff and
the day records of the six months ending with this month (every working day
before today, ~650,000 records; ``_ekinerja.build_regency``, the same set-up as
``ekinerja_tpp.py``), a BKPSDM admin signed in through the real login form.

Timed, through the real app (the WSGI call of Flask's test client: routing, tenant
resolution, session, the view's queries, rendering): ``GET /t/<slug>/ekinerja/dashboard``
(this month's lateness rate per unit and the regency's over six months), then
``GET /t/<slug>/ekinerja/recap?unit=<id>`` (one unit's 100 people this month);
one warm-up then ``--requests`` each: median, max and the SQL sent per request.

    .venv/bin/python bench/ekinerja_dashboard.py [--staff 5000] [--units 50] [--requests 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
from datetime import datetime
from zoneinfo import ZoneInfo

from _common import (
    APPS,
    PASSWORD,
    Timer,
    bench_database,
    count_round_trips,
    create_bench_app,
    describe_counts,
    header,
    provision_batch,
    reuse_password_hash,
    state_of,
    verdict,
)
from _ebudgeting import tenant_session
from _ekinerja import EKINERJA, build_regency
from flask.testing import FlaskClient
from smartcity.auth.passwords import hash_password
from smartcity.tenantcore.models import User

from tenants.ekinerja.discipline import months_back

BENCH_APPS = (*APPS, EKINERJA)
SLUG = "bench-dashboard"
GOAL_S = 1.0
EMAIL = "bkpsdm@example.go.id"


def timed(client: FlaskClient, url: str, requests: int, marker: str) -> tuple[list[float], str]:
    """One warm-up, then ``requests`` timed GETs; their seconds and the SQL of one more."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert marker in response.get_data(as_text=True)
    times = []
    for _ in range(requests):
        with Timer() as t:
            client.get(url)
        times.append(t.seconds)
    with count_round_trips() as counts:
        client.get(url)
    return times, describe_counts(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--requests", type=int, default=5)
    args = parser.parse_args()
    header(
        "e-Kinerja: the discipline dashboard of a regency",
        f"the dashboard page < {GOAL_S:.0f} s for {args.staff:,} staff",
    )
    print("plus e-Kinerja (tenants.ekinerja.manifest:manifest)")
    # The page's month is this month in the regency's zone: the records end yesterday.
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    months = months_back(today.year, today.month, 6)
    with bench_database(APPS=BENCH_APPS) as settings:
        app = create_bench_app(settings)
        state = state_of(app)
        with app.app_context():
            with Timer() as setup:
                with reuse_password_hash():
                    provision_batch(state, [SLUG], ["ekinerja"])
                with tenant_session(state, SLUG) as session:
                    count, units, _staff = build_regency(
                        session, args.staff, args.units, months, before=today
                    )
                    session.add(
                        User(
                            email=EMAIL,
                            name="BKPSDM",
                            password_hash=hash_password(PASSWORD),
                            roles=["ekinerja.bkpsdm_admin"],
                        )
                    )
                    session.commit()
                    session.connection().exec_driver_sql("ANALYZE")
            print(
                f"set-up: {setup.seconds:.1f} s ({count:,} day records, "
                f"{months[0][1]:02d}/{months[0][0]} to {today:%d/%m/%Y})"
            )
        client = app.test_client()
        page = client.get(f"/t/{SLUG}/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token is not None
        signed = client.post(
            f"/t/{SLUG}/login",
            data={"csrf_token": token.group(1), "email": EMAIL, "password": PASSWORD},
        )
        assert signed.status_code in (302, 303), signed.status_code
        board, board_sql = timed(
            client, f"/t/{SLUG}/ekinerja/dashboard", args.requests, 'id="ekn-units"'
        )
        recap, recap_sql = timed(
            client, f"/t/{SLUG}/ekinerja/recap?unit={units[0]}", args.requests, "Pegawai 1<"
        )
        for name, times, sql in (("dashboard", board, board_sql), ("unit recap", recap, recap_sql)):
            print(
                f"{name}: median {statistics.median(times):.3f} s, max {max(times):.3f} s "
                f"({len(times)} requests); SQL per request: {sql}"
            )
        middle = statistics.median(board)
        print(
            f"RESULT dashboard for {args.staff:,} staff median {middle:.3f} s "
            f"(unit recap {statistics.median(recap):.3f} s), goal < {GOAL_S:.0f} s: "
            f"{verdict(middle < GOAL_S)}"
        )


if __name__ == "__main__":
    main()
