"""Public services: the complaint form with a 200 KB photo, and the tracking page, under load.

Issue 14's benchmark. The real app under gunicorn (``--workers`` sync workers,
default 4) with the public-services app enabled for one regency, the public
rate limit raised for the bench (``SMARTCITY_PUBLIC_RATE_LIMIT``, default
"1000000 per minute": the bench measures the pages, not the limiter's refusals).

Phase 1, submissions: ``--clients`` concurrent citizens (default 8), each with
its own session, open the form once (CSRF token and the spam guard's signed
stamp; the guard wants at least 3 s between opening and sending, waited once
before the clock starts), then send complaints with a 200 KB JPEG attached as
fast as answers come back, ``--submissions`` in all (default 400). Each answer
must be a 201 with a tracking code. Prints submissions/s and the latency
median, p95, p99.

Phase 2, tracking: the same clients look up the codes from phase 1 on the
public tracking page (POST, the code in the body), ``--lookups`` in all
(default 3000); every answer must be a 200. Prints lookups/s and the latency
median, p95, p99.

Each phase also prints the CPU time it cost per request, read from /proc (user +
system, 10 ms ticks) before and after it: the gunicorn workers', the PostgreSQL
backends' of the bench database, and this process's (the clients). On a machine
shared with other work the rates swing with the load; the CPU per request does not
(much), so it is the figure to compare between changes.

Goal: >= 100 submissions/s and tracking p99 < 200 ms on this machine.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import requests
from _common import (
    ADMIN_URL,
    ROOT,
    bench_database,
    create_bench_app,
    header,
    median,
    percentile,
    provision_batch,
    state_of,
    verdict,
)
from PIL import Image
from smartcity.bootstrap import libpq_url

PELAYANAN = "tenants.pelayanan.manifest:manifest"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
STAMP = re.compile(r'name="form_ts" value="([^"]+)"')
CODE = re.compile(r'id="tracking-code">([^<]+)<')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def photo(target: int = 200 * 1024) -> bytes:
    """A JPEG of about ``target`` bytes (noise compresses badly, so size follows pixels)."""
    rng = random.Random(14)
    side = 256
    while True:
        image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
        if out.tell() >= target:
            return out.getvalue()
        side += 16


class Citizen:
    """One browser: a session with the form's CSRF token and spam-guard stamp."""

    def __init__(self, base: str, slug: str) -> None:
        self.base = f"{base}/t/{slug}/p/pelayanan"
        self.http = requests.Session()
        page = self.http.get(f"{self.base}/complaints/new", timeout=30).text
        self.token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
        self.stamp = STAMP.search(page).group(1)  # type: ignore[union-attr]

    def submit(self, image: bytes, number: int) -> tuple[int, float, str | None]:
        data = {
            "csrf_token": self.token,
            "form_ts": self.stamp,
            "website": "",
            "classification": "complaint",
            "category": "infrastructure",
            "title": f"Jalan berlubang nomor {number}",
            "body": "Lubang besar di jalan depan pasar sudah dua minggu, membahayakan pengendara.",
            "reporter_name": "Warga Bench",
        }
        started = time.perf_counter()
        answer = self.http.post(
            f"{self.base}/complaints",
            data=data,
            files={"attachments": ("jalan.jpg", image, "image/jpeg")},
            timeout=60,
        )
        took = time.perf_counter() - started
        found = CODE.search(answer.text)
        return answer.status_code, took, found.group(1).strip() if found else None

    def track(self, code: str) -> tuple[int, float]:
        started = time.perf_counter()
        answer = self.http.post(
            f"{self.base}/track", data={"csrf_token": self.token, "code": code}, timeout=60
        )
        return answer.status_code, time.perf_counter() - started


def run(clients: list[Citizen], total: int, work: object) -> tuple[float, list[object]]:
    """Share ``total`` calls of ``work(citizen, i)`` among the clients; wall time, results."""
    counter = iter(range(total))
    lock = threading.Lock()
    results: list[object] = []

    def loop(citizen: Citizen) -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            outcome = work(citizen, i)  # type: ignore[operator]
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, results


def serve(settings: Any, workers: int, limit: str) -> tuple[subprocess.Popen[bytes], str]:
    """The real app under gunicorn on a free port, once it answers its health check."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "SMARTCITY_SECRET_KEY": settings.SECRET_KEY,
        "SMARTCITY_APPS": ",".join(settings.APPS),
        "SMARTCITY_LOG_JSON": "false",
        "SMARTCITY_PUBLIC_RATE_LIMIT": limit,
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    command += ["--timeout", "60", "smartcity.wsgi:app"]
    server = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{base}/healthz", timeout=1)
            return server, base
        except requests.RequestException:
            if time.monotonic() > deadline:
                server.terminate()
                raise
            time.sleep(0.2)  # the server is starting: nothing to wait on but its port


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_of(pids: list[int]) -> dict[int, float]:
    """Each process's CPU seconds so far (user + system); processes gone or unreadable left out."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return found


def workers(server: subprocess.Popen[bytes]) -> list[int]:
    try:
        text = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in text.split()]


def backends(settings: Any) -> list[int]:
    """The PostgreSQL server processes serving the bench database (when on this machine)."""
    name = settings.DATABASE_URL.rpartition("/")[2]
    with psycopg.connect(libpq_url(ADMIN_URL), autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))
        return [int(pid) for (pid,) in rows]


class CpuMeter:
    """CPU seconds spent by the app's workers, its database backends and this process."""

    def __init__(self, server: subprocess.Popen[bytes], settings: Any) -> None:
        self.server, self.settings = server, settings

    def snapshot(self) -> tuple[dict[int, float], dict[int, float], float]:
        return (
            cpu_of(workers(self.server)),
            cpu_of(backends(self.settings)),
            time.process_time(),
        )

    def since(self, before: tuple[dict[int, float], dict[int, float], float], n: int) -> str:
        app, db, client = self.snapshot()

        def spent(now: dict[int, float], then: dict[int, float]) -> float:
            return sum(cpu - then.get(pid, 0.0) for pid, cpu in now.items())

        parts = (
            ("app workers", spent(app, before[0])),
            ("PostgreSQL", spent(db, before[1])),
            ("clients", client - before[2]),
        )
        return "CPU per request: " + ", ".join(f"{k} {v / n * 1000:.1f} ms" for k, v in parts)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--submissions", type=int, default=400)
    parser.add_argument("--lookups", type=int, default=3000)
    args = parser.parse_args()
    header(
        "public complaint form (200 KB photo) and tracking page under concurrent load",
        ">= 100 submissions/s; tracking p99 < 200 ms",
    )
    image = photo()
    limit = os.environ.get("SMARTCITY_PUBLIC_RATE_LIMIT", "1000000 per minute")
    print("apps here: the public-services app only (pelayanan), not the test apps above")
    print(
        f"photo {len(image) / 1024:.0f} KB JPEG; {args.clients} clients; gunicorn "
        f"{args.workers} sync workers; public rate limit raised to '{limit}'"
    )
    with bench_database(APPS=(PELAYANAN,)) as settings:
        app = create_bench_app(settings)
        provision_batch(state_of(app), ["kab-lapor"], ("pelayanan",))
        server, base = serve(settings, args.workers, limit)
        try:
            citizens = [Citizen(base, "kab-lapor") for _ in range(args.clients)]
            time.sleep(3.2)  # the spam guard's minimum fill time, once, before the clock
            warm = [c.submit(image, -1) for c in citizens[:2]]
            assert all(status == 201 for status, _t, _c in warm), warm
            meter = CpuMeter(server, settings)
            before = meter.snapshot()
            wall, sent = run(citizens, args.submissions, lambda c, i: c.submit(image, i))
            statuses = [s for s, _t, _c in sent]  # type: ignore[misc]
            times = [t for _s, t, _c in sent]  # type: ignore[misc]
            codes = [c for _s, _t, c in sent if c]  # type: ignore[misc]
            bad = len([s for s in statuses if s != 201])
            rate = len(sent) / wall
            print(
                f"submissions: {len(sent)} in {wall:.1f} s = {rate:.1f}/s; "
                f"not 201: {bad}; latency median {ms(median(times))}, "
                f"p95 {ms(percentile(times, 95))}, p99 {ms(percentile(times, 99))}"
            )
            print("  " + meter.since(before, len(sent)))
            pick = random.Random(7)
            before = meter.snapshot()
            wall2, looked = run(citizens, args.lookups, lambda c, i: c.track(pick.choice(codes)))
            t_statuses = [s for s, _t in looked]  # type: ignore[misc]
            t_times = [t for _s, t in looked]  # type: ignore[misc]
            t_bad = len([s for s in t_statuses if s != 200])
            p99 = percentile(t_times, 99)
            print(
                f"tracking: {len(looked)} lookups in {wall2:.1f} s = {len(looked) / wall2:.1f}/s; "
                f"not 200: {t_bad}; latency median {ms(median(t_times))}, "
                f"p95 {ms(percentile(t_times, 95))}, p99 {ms(p99)}"
            )
            print("  " + meter.since(before, len(looked)))
        finally:
            server.terminate()
            server.wait(timeout=30)
    met = rate >= 100 and p99 < 0.2 and bad == 0 and t_bad == 0
    print(f"RESULT: {verdict(met)}")


if __name__ == "__main__":
    main()
