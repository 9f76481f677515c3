"""One public complaint (with its 200 KB photo) and one tracking look-up, taken apart.

A tool for ``pelayanan_public.py`` (no goal of its own). The same set-up (one
regency with the public-services app, the public rate limit raised), then
``--submissions`` complaints and ``--lookups`` tracking look-ups through the real
app in this process (Flask's test client: the whole request path, rate limiter,
CSRF, spam guard, multipart parsing, the photo, the insert and the commit,
without HTTP and gunicorn). The multipart body is encoded once, before the
clock, so the figures are the server's work only.

CPU time per request (``time.process_time``) is the figure to follow on a
shared machine: wall time also counts waiting for PostgreSQL and Redis and for
other processes' turns on the CPU. Prints CPU and wall time per request, what
psycopg sent and the Redis commands per request, and with ``--profile`` a
cProfile of the submissions (``--sort``, default cumulative; ``--lookups-profile``
profiles the look-ups instead).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from _common import (
    ROOT,
    bench_database,
    count_round_trips,
    create_bench_app,
    percentile,
    provision_batch,
    state_of,
)
from pelayanan_public import CODE, PELAYANAN, STAMP, TOKEN, photo
from smartcity.jobs.dispatch import tenant_transaction
from smartcity.tenantcore.settings import get_settings
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

sys.path.insert(0, str(ROOT))

SLUG = "kab-lapor"
BASE = f"/t/{SLUG}/p/pelayanan"


@contextmanager
def count_redis() -> Iterator[Counter[str]]:
    """Redis commands sent while the block runs, by command name (one round trip each)."""
    from redis.connection import AbstractConnection

    counts: Counter[str] = Counter()
    saved = AbstractConnection.send_command

    def send_command(self: Any, *args: Any, **kwargs: Any) -> Any:
        name = args[0] if args else "?"
        counts[name.decode() if isinstance(name, bytes) else str(name)] += 1
        return saved(self, *args, **kwargs)

    AbstractConnection.send_command = send_command  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        AbstractConnection.send_command = saved  # type: ignore[method-assign]


def measure(label: str, n: int, one: Callable[[int], object]) -> None:
    """Run ``one`` n times; print CPU and wall per call, SQL and Redis per call."""
    cpu: list[float] = []
    wall: list[float] = []
    with count_round_trips() as sql, count_redis() as redis:
        for i in range(n):
            c0, w0 = time.process_time(), time.perf_counter()
            one(i)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
    print(
        f"{label}: {n} in-process; CPU mean {sum(cpu) / n * 1000:.2f} ms "
        f"(p50 {percentile(cpu, 50) * 1000:.2f}); wall mean {sum(wall) / n * 1000:.2f} ms "
        f"(p50 {percentile(wall, 50) * 1000:.2f}, p99 {percentile(wall, 99) * 1000:.2f})"
    )
    print(f"  SQL round trips per request: {sum(sql.values()) / n:g}")
    for name, count in sql.most_common():
        print(f"    {count / n:5g}  {name}")
    print(f"  Redis commands per request: {sum(redis.values()) / n:g}")
    for name, count in redis.most_common():
        print(f"    {count / n:5g}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--profile", action="store_true", help="cProfile the submissions")
    parser.add_argument("--lookups-profile", action="store_true", help="cProfile the look-ups")
    parser.add_argument("--sort", default="cumulative", help="cProfile order (e.g. tottime)")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--dump", help="also write the profile's stats to this file (pstats)")
    parser.add_argument(
        "--logo-kb", type=int, default=0, help="give the regency a logo of this size first"
    )
    args = parser.parse_args()
    image = photo()
    with bench_database(APPS=(PELAYANAN,), PUBLIC_RATE_LIMIT="1000000 per minute") as settings:
        app = create_bench_app(settings)
        provision_batch(state_of(app), [SLUG], ("pelayanan",))
        if args.logo_kb:
            with tenant_transaction(state_of(app).cache.by_slug(SLUG)) as session:
                stored = get_settings(session)
                stored.logo, stored.logo_type = photo(args.logo_kb * 1024), "image/jpeg"
            print(f"the regency has a {args.logo_kb} KB logo")
        client = app.test_client()
        page = client.get(f"{BASE}/complaints/new").get_data(as_text=True)
        token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
        stamp = STAMP.search(page).group(1)  # type: ignore[union-attr]
        time.sleep(3.2)  # the spam guard's minimum fill time, once
        boundary, body = encode_multipart(
            {
                "csrf_token": token,
                "form_ts": stamp,
                "website": "",
                "classification": "complaint",
                "category": "infrastructure",
                "title": "Jalan berlubang di depan pasar",
                "body": "Lubang besar di jalan depan pasar sudah dua minggu, membahayakan.",
                "reporter_name": "Warga Bench",
                "attachments": FileStorage(
                    io.BytesIO(image), "jalan.jpg", content_type="image/jpeg"
                ),
            }
        )
        content_type = f"multipart/form-data; boundary={boundary}"
        if len(body) < len(image):
            raise SystemExit("the photo is not in the body")
        found: list[str] = []

        def submit(_i: int) -> None:
            answer = client.post(f"{BASE}/complaints", data=body, content_type=content_type)
            match = CODE.search(answer.get_data(as_text=True))
            if answer.status_code != 201 or match is None:
                raise SystemExit(f"submission answered {answer.status_code}")
            found.append(match.group(1).strip())

        def track(i: int) -> None:
            code = found[i % len(found)]
            answer = client.post(f"{BASE}/track", data={"csrf_token": token, "code": code})
            if answer.status_code != 200:
                raise SystemExit(f"tracking answered {answer.status_code}")

        for i in range(5):  # warm: imports, pools, template compilation
            submit(i)
            track(i)
        print(f"photo {len(image) / 1024:.0f} KB JPEG")
        measure("submissions", args.submissions, submit)
        measure("tracking look-ups", args.lookups, track)
        if args.profile:
            profile(lambda: [submit(i) for i in range(args.submissions)], args)
        if args.lookups_profile:
            profile(lambda: [track(i) for i in range(args.lookups)], args)


def profile(run: Callable[[], object], args: argparse.Namespace) -> None:
    # CPU time, not wall: the waits for PostgreSQL and Redis are not this process's work.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    run()
    profiler.disable()
    if args.dump:
        profiler.dump_stats(args.dump)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(re.sub(r"/work/[^ ]*?/(site-packages|platform|tenants)/", r"\1/", out.getvalue()))


if __name__ == "__main__":
    main()
