"""One e-Kinerja check-in, taken apart: time in-process, round trips by kind, a profile.

The same set-up as ``ekinerja_checkin.py`` (regencies with one office and staff with
bearer tokens), then ``--punches`` check-ins through the real app in this process
(the WSGI app called with the environ a server builds, or with ``--client test``
Flask's test client: the whole request path, token auth to commit, without HTTP
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
import re
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from _common import APPS, ROOT, bench_database, count_round_trips, create_bench_app, percentile
from ekinerja_checkin import EKINERJA, OFFICE, set_up

sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--regencies", type=int, default=2)
    parser.add_argument("--staff", type=int, default=5)
    parser.add_argument("--punches", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--timing", action="store_true", help="time per statement")
    parser.add_argument("--sort", default="cumulative", help="cProfile order (e.g. tottime)")
    parser.add_argument("--rows", type=int, default=45, help="profile lines printed")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="profile this process's CPU time (time.process_time), not the wall clock",
    )
    parser.add_argument("--show", action="store_true", help="print one check-in's SQL")
    parser.add_argument("--dump", metavar="FILE", help="also write the profile for pstats")
    parser.add_argument(
        "--client",
        choices=("wsgi", "test"),
        default="wsgi",
        help="call the WSGI app as a server would (default), or through Flask's test client",
    )
    args = parser.parse_args()
    with bench_database(APPS=(*APPS, EKINERJA), DB_POOL_SIZE=2) as settings:
        app = create_bench_app(settings)
        people = set_up(app, settings, args.regencies, args.staff)
        use_wsgi = args.client == "wsgi"
        client = app.test_client()

        def one(i: int) -> int:
            slug, token = people[i % len(people)]
            body = json.dumps(
                {
                    "kind": ("in", "out")[(i // len(people)) % 2],
                    "idempotency_key": uuid.uuid4().hex,
                    "latitude": OFFICE[0] + 0.0001,
                    "longitude": OFFICE[1] - 0.0001,
                    "accuracy_m": 12,
                    "device_id": f"hp-{i % len(people)}",  # each their own phone
                }
            ).encode()
            path = f"/t/{slug}/api/v1/ekinerja/punches"
            if use_wsgi:
                status = call_wsgi(app, path, body, token)
            else:
                response = client.post(
                    path,
                    data=body,
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                )
                status = response.status_code
            if status not in (200, 201):
                raise SystemExit(f"check-in answered {status}")
            return status

        for i in range(len(people)):  # warm: imports, pools, caches
            one(i)
        times = []
        cpu_started = time.process_time()
        with count_round_trips() as sent:
            for i in range(args.punches):
                started = time.perf_counter()
                one(i)
                times.append(time.perf_counter() - started)
        cpu = (time.process_time() - cpu_started) / args.punches * 1e6
        mean = sum(times) / len(times) * 1000
        p50, p99 = percentile(times, 50) * 1000, percentile(times, 99) * 1000
        print(
            f"{args.punches} check-ins in-process: mean {mean:.1f} ms, p50 {p50:.1f} ms, "
            f"p99 {p99:.1f} ms; this process's CPU {cpu:.0f} us per check-in ("
            + ("the test client's included; " if not use_wsgi else "")
            + "the rest is PostgreSQL and waiting)"
        )
        total = sum(sent.values())
        print(f"round trips per check-in: {total / args.punches:g}")
        for label, n in sent.most_common():
            print(f"  {n / args.punches:5g}  {label}")
        if args.show:
            show_statements(lambda: one(0))
        if args.timing:
            time_statements(lambda: [one(i) for i in range(args.punches)], args.punches)
        if args.profile:
            punches = range(args.punches)
            profile(
                lambda: [one(i) for i in punches],
                args.sort,
                cpu=args.cpu,
                rows=args.rows,
                dump=args.dump,
            )


@contextmanager
def each_statement(before: Callable[[str], None], after: Callable[[str], None]) -> Iterator[None]:
    """Call ``before`` and ``after`` around every statement psycopg's cursors send
    (SQLAlchemy's and the PlainStatements', which SQLAlchemy's events do not see)."""
    original = psycopg.Cursor.execute

    def execute(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        text = query if isinstance(query, str) else str(query)
        before(text)
        try:
            return original(self, query, *args, **kwargs)
        finally:
            after(text)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign]
    try:
        yield
    finally:
        psycopg.Cursor.execute = original  # type: ignore[method-assign]


def call_wsgi(app: Any, path: str, body: bytes, token: str) -> int:
    """One POST straight into the WSGI app, with the environ a server builds: the
    figures are then the app's own, without the test client's request building."""
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "localhost",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status: list[str] = []

    def start_response(line: str, _headers: object, _exc: object = None) -> None:
        status.append(line)

    answer = app(environ, start_response)
    try:
        for _chunk in answer:
            pass
    finally:
        close = getattr(answer, "close", None)
        if close is not None:
            close()
    return int(status[0].split(" ", 1)[0])


def show_statements(run: Callable[[], object]) -> None:
    """Print each statement ``run`` sends."""

    def show(sql: str) -> None:
        print("SQL:", " ".join(sql.split())[:300])

    with each_statement(show, lambda _sql: None):
        run()


def time_statements(run: Callable[[], object], per: int) -> None:
    """Time in the driver per statement kind (its first words), per check-in."""
    spent: dict[str, float] = defaultdict(float)
    began: list[float] = []

    def after(sql: str) -> None:
        # Without the schema names, so one kind of statement adds up over the regencies.
        words = re.sub(r"\bt_[a-z0-9_]+\.", "", sql).split()
        spent[" ".join(words[:4])[:90]] += time.perf_counter() - began.pop()

    with each_statement(lambda _sql: began.append(time.perf_counter()), after):
        run()
    print("time in the driver per check-in, by statement:")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds / per * 1000:6.2f} ms  {label}")


def profile(
    run: Callable[[], object], sort: str, *, cpu: bool, rows: int, dump: str | None = None
) -> None:
    """A cProfile of ``run``; on the wall clock the waits for PostgreSQL dominate
    (psycopg's ``wait``), with ``cpu`` only what this process computes."""
    profiler = cProfile.Profile(time.process_time) if cpu else cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    if dump:
        profiler.dump_stats(dump)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(rows)
    print(out.getvalue())


if __name__ == "__main__":
    main()
