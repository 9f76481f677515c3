"""Faults: Redis stopped, a worker SIGKILLed mid-job. Nothing is lost, nothing runs twice.

Each test runs real processes against a private ``redis-server`` (so stopping it
leaves the shared Redis alone): a Celery worker, and Celery beat driving the
dispatcher every second, as in production but faster.
"""

from __future__ import annotations

import time

from smartcity.jobs.models import Job, StoredFile
from sqlalchemy import func, select

from tests.conftest import tenant_token
from tests.workers import (
    RedisServer,
    ask,
    broker_of,
    redis_server,
    start_beat,
    start_worker,
    wait_for_job,
    wait_until,
)

SLOW = "report:uji_lambat"
#: Beat dispatches every second; a message is presumed lost after 3 s.
FAST = {"SMARTCITY_JOB_DISPATCH_SECONDS": "1", "SMARTCITY_JOB_REPUBLISH_SECONDS": "3"}


def jobs_of(tenant_db, slug: str) -> list[Job]:
    with tenant_db(slug) as session:
        jobs = list(session.scalars(select(Job).order_by(Job.id)))
        session.expunge_all()
        return jobs


def file_count(tenant_db, slug: str) -> int:
    with tenant_db(slug) as session:
        return int(session.scalar(select(func.count()).select_from(StoredFile)))


def test_requests_succeed_while_redis_is_down_and_every_job_runs_once_after(
    app, client, provision, tenant_db, tmp_path
):
    settings = app.extensions["smartcity"].settings
    slug = provision(apps=("noticeboard",))
    token = tenant_token(client, slug)
    redis = RedisServer()
    redis.start()
    worker = beat = None
    try:
        with broker_of(app, redis.url):
            worker = start_worker(settings, redis.url, tmp_path, **FAST)
            beat = start_beat(settings, redis.url, tmp_path, **FAST)
            early = [ask(client, slug, token, SLOW, steps=1, step_ms=50)["id"] for _ in range(2)]
            slow = ask(client, slug, token, SLOW, steps=20, step_ms=150)["id"]
            wait_until(
                lambda: jobs_of(tenant_db, slug)[-1].status == "running", what="the slow job"
            )

            redis.stop()  # no persistence: whatever was queued in Redis is gone
            started = time.monotonic()
            during = []
            for _ in range(5):
                response = client.post(
                    f"/t/{slug}/api/v1/jobs",
                    json={"kind": SLOW, "params": {"steps": 1, "step_ms": 50}},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert response.status_code == 201
                during.append(response.get_json()["id"])
            assert time.monotonic() - started < 10  # a dead Redis does not stall requests
            waiting = {j.id: j for j in jobs_of(tenant_db, slug)}
            assert all(waiting[i].status == "queued" for i in during)
            assert all(waiting[i].published_at is None for i in during)  # to be sent later

            redis.start()  # same port, empty
            for job_id in [*early, slow, *during]:
                assert (
                    wait_for_job(client, slug, token, job_id, timeout=90)["status"] == "succeeded"
                )
    finally:
        for process in (beat, worker):
            if process is not None:
                process.stop()
        redis.stop()

    jobs = jobs_of(tenant_db, slug)
    assert len(jobs) == 8
    assert [j.attempts for j in jobs] == [1] * 8  # none ran twice
    assert len({j.result_file_id for j in jobs}) == 8
    assert file_count(tenant_db, slug) == 8  # one result each


def test_a_job_whose_worker_is_killed_completes_once_after_a_new_worker_starts(
    app, client, provision, tenant_db, tmp_path
):
    settings = app.extensions["smartcity"].settings
    slug = provision(apps=("noticeboard",))
    token = tenant_token(client, slug)
    env = {**FAST, "SMARTCITY_JOB_LEASE_SECONDS": "2"}
    with redis_server() as redis, broker_of(app, redis.url):
        beat = start_beat(settings, redis.url, tmp_path, **env)
        first = start_worker(settings, redis.url, tmp_path, **env)
        second = None
        try:
            job_id = ask(client, slug, token, SLOW, steps=20, step_ms=200)["id"]
            wait_until(lambda: jobs_of(tenant_db, slug)[0].progress >= 10, what="the job under way")
            first.kill()  # SIGKILL: no clean shutdown, the message is never acknowledged
            stalled = jobs_of(tenant_db, slug)[0]
            assert (stalled.status, stalled.attempts) == ("running", 1)
            assert stalled.progress < 100

            second = start_worker(settings, redis.url, tmp_path, **env)
            done = wait_for_job(client, slug, token, job_id, timeout=90)
        finally:
            for process in (second, first, beat):
                if process is not None:
                    process.stop()
    assert (done["status"], done["attempts"], done["progress"]) == ("succeeded", 2, 100)
    assert file_count(tenant_db, slug) == 1
    assert f"job {job_id} of {slug} (report:uji_lambat): attempt 2" in second.output()
