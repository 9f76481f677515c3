"""The morning peak of e-Kinerja: check-ins through the real API from many regencies at once.

The real app runs under gunicorn (``--workers``, sync); ``--regencies`` regencies with
e-Kinerja each get one office (a 150 m geofence) and ``--staff`` staff members, each
with a user, an account link and a bearer token (minted with the platform's own
``issue_token`` for the set-up; the API still verifies every one). Then ``--clients``
client threads, each on its own keep-alive connection, send ``POST
/t/<slug>/api/v1/ekinerja/punches`` (token auth, the person's row lock, the geofence,
the impossible-jump look-up, the insert and the day record) for ``--seconds``
seconds, round-robin over every regency and person, each with a fresh idempotency
key, a point inside the fence and in/out in turn. It prints the sustained rate
(2xx answers per second), p50/p90/p99 latency and any non-2xx.

In the same run, pgbench (from the PostgreSQL client package) measures the single-row
INSERT rate of the same PostgreSQL server: ``INSERT INTO bench_insert`` of a
timestamp and a random number, ``--clients`` connections, ``--pgbench-seconds``
seconds, in the bench's own throwaway database. That is the physical ceiling here.

Goals (issue 13): >= 500 check-ins/s, p99 < 150 ms, >= 0.25 of the pgbench rate.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

from _common import (
    APPS,
    ROOT,
    bench_database,
    create_bench_app,
    header,
    percentile,
    provision_batch,
    reuse_password_hash,
    state_of,
    verdict,
)

sys.path.insert(0, str(ROOT))
from smartcity.auth.passwords import hash_password
from smartcity.auth.principal import TenantPrincipal
from smartcity.auth.tokens import issue_token
from smartcity.jobs.dispatch import tenant_transaction
from smartcity.tenantcore.models import OrgUnit, Staff, User

from tenants.ekinerja.models import Account, Office

EKINERJA = "tenants.ekinerja.manifest:manifest"
OFFICE = (-6.9175, 107.6191)
GOAL_RATE, GOAL_P99_MS, GOAL_SHARE = 500.0, 150.0, 0.25


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def set_up(app, settings, regencies: int, staff: int) -> list[tuple[str, str]]:
    """Every (slug, token) a client may check in as."""
    state = state_of(app)
    slugs = [f"kab-ekn-{n:03d}" for n in range(regencies)]
    with reuse_password_hash():
        for start in range(0, len(slugs), 10):
            provision_batch(state, slugs[start : start + 10], ["ekinerja"])
    stored = hash_password("Rahasia-Bench-2026")
    people: list[tuple[str, str]] = []
    for slug in slugs:
        tenant = state.cache.by_slug(slug)
        with tenant_transaction(tenant) as session:
            unit = OrgUnit(code="1.02.01", name="Dinas Kesehatan", kind="dinas")
            session.add(unit)
            session.flush()
            session.add(
                Office(
                    org_unit_id=unit.id,
                    name="Kantor",
                    latitude=OFFICE[0],
                    longitude=OFFICE[1],
                    radius_m=150,
                )
            )
            users = []
            for n in range(staff):
                person = Staff(
                    nip=f"1986092620150510{n:02d}",
                    name=f"Pegawai {n}",
                    status="PNS",
                    golongan="III/a",
                    position="Analis",
                    position_class=8,
                    unit_id=unit.id,
                    sex="1",
                    birth_date=date(1986, 9, 26),
                )
                user = User(
                    email=f"pegawai{n}@example.go.id",
                    name=f"Pegawai {n}",
                    password_hash=stored,
                    roles=["ekinerja.staff"],
                )
                session.add_all([person, user])
                session.flush()
                session.add(Account(staff_id=person.id, user_id=user.id))
                users.append(user)
            session.flush()
            for user in users:
                identity = TenantPrincipal(user, tenant, frozenset()).get_id()
                people.append((slug, issue_token(settings.SECRET_KEY, identity)))
    return people


def client_loop(
    port: int,
    people: list[tuple[str, str]],
    *,
    offset: int,
    stride: int,
    stop_at: float,
    latencies: list[float],
    failures: dict[str, int],
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = offset
    kinds = ("in", "out")
    while time.monotonic() < stop_at:
        slug, token = people[i % len(people)]
        body = json.dumps(
            {
                "kind": kinds[(i // len(people)) % 2],
                "idempotency_key": uuid.uuid4().hex,
                "latitude": OFFICE[0] + 0.0001,
                "longitude": OFFICE[1] - 0.0001,
                "accuracy_m": 12,
                "device_id": "bench",
            }
        )
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        started = time.perf_counter()
        try:
            conn.request("POST", f"/t/{slug}/api/v1/ekinerja/punches", body, headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            status = type(exc).__name__  # type: ignore[assignment]
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        elapsed = time.perf_counter() - started
        if isinstance(status, int) and 200 <= status < 300:
            latencies.append(elapsed)
        else:
            failures[str(status)] = failures.get(str(status), 0) + 1
        i += stride
    conn.close()


def run_checkins(
    port: int, people: list[tuple[str, str]], clients: int, seconds: float
) -> tuple[list[float], dict[str, int], float]:
    latencies: list[float] = []
    failures: dict[str, int] = {}
    started = time.monotonic()
    stop_at = started + seconds
    threads = [
        threading.Thread(
            target=client_loop,
            args=(port, people),
            kwargs={
                "offset": n,
                "stride": clients,
                "stop_at": stop_at,
                "latencies": latencies,
                "failures": failures,
            },
        )
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures, time.monotonic() - started


def pgbench_rate(database_url: str, clients: int, seconds: int) -> tuple[float | None, str]:
    """Single-row INSERTs per second on the same server, or None and why not."""
    binary = shutil.which("pgbench")
    if binary is None:
        return None, "pgbench is not installed (it comes with the PostgreSQL client package)"
    url = re.sub(r"^postgresql\+psycopg://", "postgresql://", database_url)
    subprocess.run(
        [
            "psql",
            url,
            "-qc",
            "CREATE TABLE bench_insert (id bigserial PRIMARY KEY, "
            "at timestamptz NOT NULL, x double precision NOT NULL)",
        ],
        check=True,
        capture_output=True,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write("INSERT INTO bench_insert (at, x) VALUES (now(), random());\n")
    script = Path(handle.name)
    try:
        done = subprocess.run(
            [
                binary,
                "-n",
                "-f",
                str(script),
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(seconds),
                url,
            ],
            check=False,
            capture_output=True,
            text=True,
        )
    finally:
        script.unlink(missing_ok=True)
    found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", done.stdout)
    if found is None:
        return None, f"pgbench failed: {(done.stderr or done.stdout).strip()[-300:]}"
    return float(found.group(1)), f"pgbench -c {clients} -j 2 -T {seconds}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--regencies", type=int, default=50)
    parser.add_argument("--staff", type=int, default=10, help="staff per regency")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    args = parser.parse_args()
    header(
        "e-Kinerja check-ins through the real API, many regencies at once, and pgbench INSERTs",
        f">= {GOAL_RATE:.0f} check-ins/s, p99 < {GOAL_P99_MS:.0f} ms, "
        f">= {GOAL_SHARE} of pgbench's single-row INSERT rate",
    )
    print(
        f"apps: the test apps and e-Kinerja; "
        f"{args.regencies} regencies x {args.staff} staff, {args.clients} client threads, "
        f"gunicorn {args.workers} sync workers, {args.seconds:.0f} s of check-ins; "
        f"CPUs on this machine: {os.cpu_count()}"
    )
    with bench_database(APPS=(*APPS, EKINERJA), DB_POOL_SIZE=2) as settings:
        app = create_bench_app(settings)
        started = time.monotonic()
        people = set_up(app, settings, args.regencies, args.staff)
        print(f"set-up: {time.monotonic() - started:.1f} s, {len(people)} people with tokens")
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": settings.DATABASE_URL,
            "REDIS_URL": settings.REDIS_URL,
            "SMARTCITY_SECRET_KEY": settings.SECRET_KEY,
            "SMARTCITY_APPS": ",".join(settings.APPS),
            "SMARTCITY_LOG_JSON": "false",
            "SMARTCITY_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
        }
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--timeout",
                "60",
                "--log-level",
                "warning",
                "smartcity.wsgi:app",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    probe.request("GET", "/healthz")
                    probe.getresponse().read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)  # the server is starting: nothing to wait on but its port
            # Warm every worker (imports, pools, the tenant cache) before measuring.
            run_checkins(port, people, args.clients, 5)
            latencies, failures, elapsed = run_checkins(port, people, args.clients, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
        rate_db, how = pgbench_rate(settings.DATABASE_URL, args.clients, args.pgbench_seconds)
    rate = len(latencies) / elapsed
    p50, p90, p99 = (percentile(latencies, q) * 1000 for q in (50, 90, 99))
    print(
        f"check-ins: {len(latencies):,} in {elapsed:.1f} s = {rate:.0f}/s sustained; "
        f"p50 {p50:.0f} ms, p90 {p90:.0f} ms, p99 {p99:.0f} ms"
    )
    if failures:
        print(f"non-2xx answers: {failures}")
    if rate_db is None:
        print(f"pgbench: {how}")
        share = None
    else:
        share = rate / rate_db
        print(
            f"pgbench single-row INSERT: {rate_db:.0f}/s ({how}); check-ins are {share:.2f} of it"
        )
    met = rate >= GOAL_RATE and p99 < GOAL_P99_MS and share is not None and share >= GOAL_SHARE
    print(f"RESULT: {verdict(met)}")


if __name__ == "__main__":
    main()
