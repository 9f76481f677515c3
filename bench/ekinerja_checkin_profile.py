"""One e-Kinerja check-in, taken apart: time in-process, round trips by kind, a profile.

The same set-up as ``ekinerja_checkin.py`` (regencies with one office and staff with
bearer tokens), then ``--punches`` check-ins through the real app in this process
(Flask's test client: the whole request path, token auth to commit, without HTTP
and gunicorn). Prints the mean and median time per check-in, what psycopg sent
per check-in by statement kind, and with ``--profile`` the top of a cProfile
sorted by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
import uuid

from _common import APPS, ROOT, bench_database, count_round_trips, create_bench_app, percentile
from ekinerja_checkin import EKINERJA, OFFICE, set_up

sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--regencies", type=int, default=2)
    parser.add_argument("--staff", type=int, default=5)
    parser.add_argument("--punches", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--show", action="store_true", help="print one check-in's SQL")
    args = parser.parse_args()
    with bench_database(APPS=(*APPS, EKINERJA), DB_POOL_SIZE=2) as settings:
        app = create_bench_app(settings)
        people = set_up(app, settings, args.regencies, args.staff)
        client = app.test_client()

        def one(i: int) -> int:
            slug, token = people[i % len(people)]
            response = client.post(
                f"/t/{slug}/api/v1/ekinerja/punches",
                data=json.dumps(
                    {
                        "kind": ("in", "out")[(i // len(people)) % 2],
                        "idempotency_key": uuid.uuid4().hex,
                        "latitude": OFFICE[0] + 0.0001,
                        "longitude": OFFICE[1] - 0.0001,
                        "accuracy_m": 12,
                        "device_id": "bench",
                    }
                ),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            if response.status_code not in (200, 201):
                raise SystemExit(f"check-in answered {response.status_code}: {response.data!r}")
            return response.status_code

        for i in range(len(people)):  # warm: imports, pools, caches
            one(i)
        times = []
        with count_round_trips() as sent:
            for i in range(args.punches):
                started = time.perf_counter()
                one(i)
                times.append(time.perf_counter() - started)
        mean = sum(times) / len(times) * 1000
        print(
            f"{args.punches} check-ins in-process: mean {mean:.1f} ms, "
            f"p50 {percentile(times, 50) * 1000:.1f} ms, p99 {percentile(times, 99) * 1000:.1f} ms"
        )
        total = sum(sent.values())
        print(f"round trips per check-in: {total / args.punches:g}")
        for label, n in sent.most_common():
            print(f"  {n / args.punches:5g}  {label}")
        if args.show:
            from sqlalchemy import event
            from sqlalchemy.engine import Engine

            def show(*args: object) -> None:
                statement = str(args[2])
                print("SQL:", " ".join(statement.split())[:300])

            event.listen(Engine, "before_cursor_execute", show)
            one(0)
            event.remove(Engine, "before_cursor_execute", show)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(args.punches):
                one(i)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
            print(out.getvalue())


if __name__ == "__main__":
    main()
