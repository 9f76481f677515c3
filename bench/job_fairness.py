"""Job fairness: one tenant's flood of 1,000 jobs must not hold up another tenant's one.

Tenant A queues 1,000 jobs; tenant B asks for one job at a time. The figure is
B's wait, from the moment its job is queued (``created_at``) to the moment a
worker starts it (``started_at``), measured first with nothing else queued and
then during A's flood, in one run against one real worker
(``celery -A worker.celery_app worker --pool prefork -c 4``). Every job is the
test app's report ``uji_lambat`` with one step of ``--job-ms`` milliseconds, a
short report.

Why it holds: the jobs table is the queue, and each tenant has at most
``JOBS_PER_TENANT`` (2) messages in flight; A's other 998 jobs wait in A's
table, so B's message finds at most two of A's ahead of it and a free worker
process. For reference the script then measures B's wait behind A's jobs sent
all at once, as a plain "send on submit" design would (``--reference-jobs``).

    .venv/bin/python bench/job_fairness.py [--flood 1000] [--samples 15] [--job-ms 100]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    APPS,
    ROOT,
    bench_database,
    create_bench_app,
    header,
    median,
    percentile,
    provision_batch,
    reuse_password_hash,
    state_of,
    verdict,
)
from flask import Flask
from smartcity.config import Settings
from smartcity.db import db
from smartcity.jobs import service
from smartcity.jobs.broker import broker, send_jobs
from smartcity.jobs.models import Job, JobStatus
from smartcity.tenancy.cache import TenantInfo
from sqlalchemy import func, select, update

GOAL_RATIO = 2.0
KIND = "report:uji_lambat"
CONCURRENCY = 4


def start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTCITY_")}
    env.update(
        DATABASE_URL=settings.DATABASE_URL,
        REDIS_URL=settings.REDIS_URL,
        SMARTCITY_SECRET_KEY=settings.SECRET_KEY,
        SMARTCITY_APPS=",".join(APPS),
        SMARTCITY_LOG_JSON="false",
        SMARTCITY_JOBS_PER_TENANT=str(settings.JOBS_PER_TENANT),
        PYTHONPATH=str(ROOT),
    )
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "worker.celery_app",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(CONCURRENCY),
            "--queues",
            f"{settings.role_prefix}.default",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"the worker did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    return proc


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def submit(app: Flask, tenant: TenantInfo, count: int, job_ms: int) -> list[int]:
    """Queue ``count`` jobs in one transaction (sent after its commit, within the allowance)."""
    with app.app_context():
        session = db.session(bind=tenant.bind)
        try:
            ids = [
                service.submit(
                    session,
                    KIND,
                    {"steps": 1, "step_ms": job_ms, "format": "csv"},
                    "bench",
                    tenant=tenant,
                ).id
                for _ in range(count)
            ]
            session.commit()
        finally:
            session.close()
    return ids


def job(tenant: TenantInfo, job_id: int) -> Job | None:
    with db.session(bind=tenant.bind) as session:
        return session.get(Job, job_id)


def wait_of(app: Flask, tenant: TenantInfo, job_ms: int) -> float:
    """Queue one job and return how long it waited for a worker (seconds)."""
    (job_id,) = submit(app, tenant, 1, job_ms)
    deadline = time.monotonic() + 300
    while True:
        row = job(tenant, job_id)
        if row is not None and row.started_at is not None:
            return (row.started_at - row.created_at).total_seconds()
        if time.monotonic() > deadline:
            sys.exit(f"job {job_id} of {tenant.slug} never started")
        time.sleep(0.01)


def count(tenant: TenantInfo, status: JobStatus) -> int:
    with db.session(bind=tenant.bind) as session:
        return int(
            session.scalar(select(func.count()).select_from(Job).where(Job.status == status)) or 0
        )


def cancel_queued(tenant: TenantInfo) -> int:
    with db.session(bind=tenant.bind) as session:
        result = session.execute(
            update(Job)
            .where(Job.status == JobStatus.QUEUED)
            .values(status=JobStatus.CANCELLED, cancel_requested=True, finished_at=func.now())
            .returning(Job.id)
        )
        cancelled = len(result.all())
        session.commit()
    return cancelled


def wait_idle(tenant: TenantInfo) -> None:
    while count(tenant, JobStatus.RUNNING):
        time.sleep(0.05)


def describe(label: str, waits: list[float]) -> str:
    ms = [w * 1000 for w in waits]
    return (
        f"{label}: median {median(ms):.1f} ms, p90 {percentile(ms, 90):.1f} ms, "
        f"max {max(ms):.1f} ms, min {min(ms):.1f} ms ({len(ms)} jobs)"
    )


def warm_up(app: Flask, tenants: list[TenantInfo], job_ms: int) -> None:
    """Every pool process opens its connections on its first job: not measured."""
    for tenant in tenants:
        submit(app, tenant, 2, job_ms)
    for tenant in tenants:
        while count(tenant, JobStatus.SUCCEEDED) < 2:
            time.sleep(0.05)


def measure(
    app: Flask, a: TenantInfo, b: TenantInfo, args: argparse.Namespace
) -> tuple[list[float], list[float], list[float]]:
    """B's waits: alone (before and after), during A's flood, and behind A's jobs sent
    all at once."""
    alone = [wait_of(app, b, args.job_ms) for _ in range(args.samples)]

    flood_started = time.monotonic()
    submit(app, a, args.flood, args.job_ms)
    print(f"A queued {args.flood} jobs in {time.monotonic() - flood_started:.1f} s")
    time.sleep(1.0)
    done_before = count(a, JobStatus.SUCCEEDED)
    flooded = [wait_of(app, b, args.job_ms) for _ in range(args.samples)]
    done_after = count(a, JobStatus.SUCCEEDED)
    print(
        f"during B's samples A finished {done_after - done_before} jobs ({done_after} in all) "
        f"and still had {count(a, JobStatus.QUEUED)} queued: the flood was on"
    )
    cancel_queued(a)
    wait_idle(a)
    # Alone again, so a change in the machine's load during the run weighs on both sides.
    alone += [wait_of(app, b, args.job_ms) for _ in range(args.samples)]

    reference: list[float] = []
    if args.reference_jobs:
        ids = submit(app, a, args.reference_jobs, args.job_ms)
        with db.session(bind=a.bind) as session:  # a plain "send on submit"
            session.execute(update(Job).where(Job.id.in_(ids)).values(published_at=func.now()))
            session.commit()
        send_jobs(broker(app), a.slug, ids)
        time.sleep(0.5)
        reference = [wait_of(app, b, args.job_ms)]
        cancel_queued(a)
    return alone, flooded, reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--flood", type=int, default=1000, help="jobs tenant A queues")
    parser.add_argument("--samples", type=int, default=15, help="B's jobs per measurement")
    parser.add_argument("--job-ms", type=int, default=100, help="duration of one job")
    parser.add_argument(
        "--reference-jobs",
        type=int,
        default=200,
        help="A's jobs sent all at once for the reference figure (0 skips it)",
    )
    args = parser.parse_args()
    header(
        "Job fairness: tenant B's wait (queued -> started) with and without A's flood",
        f"B's median wait during A's flood of {args.flood} jobs < {GOAL_RATIO}x without it",
    )
    slugs = ["flood-a", "single-b", "warm-c", "warm-d"]
    with bench_database() as settings, tempfile.TemporaryDirectory() as tmp:
        app = create_bench_app(settings)
        state = state_of(app)
        with reuse_password_hash():
            provision_batch(state, slugs, ["noticeboard"])
        a, b, *warm = (state.cache.by_slug(slug) for slug in slugs)
        assert a is not None
        assert b is not None
        print(
            f"worker: prefork, {CONCURRENCY} processes; "
            f"JOBS_PER_TENANT={settings.JOBS_PER_TENANT}; each job {args.job_ms} ms"
        )
        worker = start_worker(settings, Path(tmp) / "worker.log")
        try:
            warm_up(app, [t for t in (*warm, b) if t is not None], args.job_ms)
            alone, flooded, reference = measure(app, a, b, args)
        finally:
            stop_worker(worker)

    print(describe("B alone        ", alone))
    print(describe("B during flood ", flooded))
    ratio = median(flooded) / median(alone)
    print(f"ratio (median during flood / median alone): {ratio:.2f}x")
    if reference:
        print(
            f"reference: B waited {reference[0]:.2f} s behind {args.reference_jobs} of A's jobs "
            "sent all at once (no per-tenant allowance)"
        )
    print(f"RESULT: {ratio:.2f}x (goal < {GOAL_RATIO}x) {verdict(ratio < GOAL_RATIO)}")


if __name__ == "__main__":
    main()
