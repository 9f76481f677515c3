"""Jobs of record: sent after commit and fairly, run exactly once, cancelled, expired,
scheduled; and, at the end of this module, run by a real Celery worker.

Every message of this module goes to a private Redis. The first tests run jobs
in this process with the worker's own code while nobody consumes that Redis, so
they can count the messages; the last ones start ``celery -A worker.celery_app
worker`` on it (see ``tests/workers.py``).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import threading
from datetime import date, timedelta

import openpyxl
import pytest
from celery.signals import before_task_publish
from smartcity.db import db
from smartcity.errors import InvalidInput
from smartcity.jobs import retention, schedule, service
from smartcity.jobs.broker import MONTHLY_TASK, RUN_TASK, broker, client_for, send_jobs
from smartcity.jobs.dispatch import limits_of
from smartcity.jobs.kinds import FileOutput, JobOutput
from smartcity.jobs.models import Job, JobStatus, StoredFile
from smartcity.jobs.runner import claim, finish, run_job
from smartcity.tenancy.cache import announce_change
from smartcity.tenancy.lifecycle import change_status, disable_app, get_tenant
from smartcity.tenantcore.models import Activity, AuditEntry
from smartcity.usage.activity import ledger
from sqlalchemy import func, select, update

from tests.conftest import bearer, tenant_token
from tests.support.web import csrf_token, sign_in
from tests.workers import (
    add_member,
    ask,
    broker_of,
    queue_length,
    redis_server,
    run_now,
    running_worker,
    wait_for_job,
    wait_until,
)
from worker.tasks import MissingTenantError

STAFF = "report:staff_by_unit_golongan"
SLOW = "report:uji_lambat"


@pytest.fixture(scope="module", autouse=True)
def private_broker(app):
    """This module's own Redis: its tests count the messages, its worker consumes them."""
    with redis_server() as server, broker_of(app, server.url):
        yield server


def tenant_of(state, slug):
    return state.cache.by_slug(slug)


def job_row(tenant_db, slug: str, job_id: int) -> Job:
    with tenant_db(slug) as session:
        job = session.get(Job, job_id)
        session.expunge(job)
        return job


def queued_messages(server, settings) -> list[tuple[str, list]]:
    """(tenant header, args) of each message waiting in the queue, oldest first."""
    raw = server.client().lrange(f"{settings.role_prefix}.default", 0, -1)
    messages = []
    for item in reversed(raw):
        message = json.loads(item)
        args = json.loads(base64.b64decode(message["body"]))[0]
        messages.append((message["headers"]["tenant"], args))
    return messages


# --------------------------------------------------------------------------- in process


def test_jobs_are_sent_after_commit_at_most_k_per_tenant(
    app, state, provision, tenant_db, private_broker
):
    settings = state.settings
    flooding, waiting = provision(), provision()
    allowance = settings.JOBS_PER_TENANT
    with app.app_context():
        with tenant_db(flooding) as session:
            ids = [
                service.submit(
                    session, STAFF, {"format": "csv"}, "t@x.id", tenant=tenant_of(state, flooding)
                ).id
                for _ in range(5)
            ]
            assert queue_length(private_broker, settings) == 0  # nothing before the commit
        assert queued_messages(private_broker, settings) == [
            (flooding, [job_id]) for job_id in ids[:allowance]
        ]
        with tenant_db(waiting) as session:
            single = service.submit(
                session, STAFF, {}, "t@x.id", tenant=tenant_of(state, waiting)
            ).id
        # The second tenant's job is sent at once, not behind the first one's other three.
        assert queued_messages(private_broker, settings)[-1] == (waiting, [single])

        def submit_then_fail() -> None:
            with tenant_db(waiting) as session:
                service.submit(session, STAFF, {}, "t@x.id", tenant=tenant_of(state, waiting))
                raise RuntimeError("the request failed after submitting")

        with pytest.raises(RuntimeError):
            submit_then_fail()
        assert queue_length(private_broker, settings) == allowance + 1  # a rollback sends nothing
        with tenant_db(waiting) as session:
            assert session.scalar(select(func.count()).select_from(Job)) == 1

        # A finished job makes room: its tenant's next job goes out.
        assert run_job(app, tenant_of(state, flooding), ids[0]) == "succeeded"
        assert queued_messages(private_broker, settings)[-1] == (flooding, [ids[allowance]])
    with tenant_db(flooding) as session:
        sent = session.scalars(select(Job.id).where(Job.published_at.is_not(None)))
        assert sorted(sent) == ids[1 : allowance + 1]  # the first one ran and was unstamped


def test_a_request_that_records_activity_sends_its_job_only_after_its_commit(
    client, provision, tenant_db
):
    """The request's activity is written in a savepoint just before the COMMIT; the
    savepoint's release must not send the job (the worker would not see the row yet)."""
    slug = provision()
    token = tenant_token(client, slug)  # no activity yet: the job request writes the first
    ledger.clear()
    visible_at_send: list[tuple[int, bool]] = []

    def check_visible(sender=None, body=None, headers=None, **_kwargs) -> None:
        if sender != RUN_TASK or (headers or {}).get("tenant") != slug:
            return
        job_id = body[0][0]
        with tenant_db(slug) as other_connection:
            visible_at_send.append((job_id, other_connection.get(Job, job_id) is not None))

    before_task_publish.connect(check_visible)
    try:
        job = ask(client, slug, token, STAFF, format="csv")
    finally:
        before_task_publish.disconnect(check_visible)
    assert visible_at_send == [(job["id"], True)]
    with tenant_db(slug) as session:  # the savepoint did write the activity
        assert session.scalar(select(func.count()).select_from(Activity)) == 1


def test_registry_changes_are_announced_in_process_only_after_the_outer_commit(app, provision):
    slug = provision()
    heard: list[str] = []
    db.on_registry_change.append(heard.append)
    try:
        with db.platform_transaction() as session:
            announce_change(session, slug)
            with session.begin_nested():  # a savepoint released before the commit
                session.execute(select(1))
            assert heard == []
        assert heard == [slug]

        def announce_then_fail() -> None:
            with db.platform_transaction() as session:
                announce_change(session, slug)
                with session.begin_nested():
                    session.execute(select(1))
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            announce_then_fail()
        assert heard == [slug]
    finally:
        db.on_registry_change.remove(heard.append)


def test_a_run_that_lost_its_lease_cannot_write_a_second_result(app, state, provision, tenant_db):
    slug = provision()
    tenant = tenant_of(state, slug)
    with app.app_context(), tenant_db(slug) as session:
        job_id = service.submit(session, STAFF, {}, "t@x.id", tenant=tenant).id
    limits = limits_of(app)
    first = claim(tenant, job_id, limits)
    assert first is not None and first.attempts == 1
    assert claim(tenant, job_id, limits) is None  # a duplicate message finds it taken
    with tenant_db(slug) as session:  # the first worker stalls past its lease
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(lease_until=func.now() - timedelta(seconds=1))
        )
    second = claim(tenant, job_id, limits)
    assert second is not None and second.attempts == 2

    output = JobOutput(FileOutput("hasil.csv", "text/csv", b"a,b\r\n"))
    assert not finish(
        tenant, job_id, first.token, JobStatus.SUCCEEDED, requested_by="t", output=output
    )
    assert finish(
        tenant, job_id, second.token, JobStatus.SUCCEEDED, requested_by="t", output=output
    )
    assert not finish(tenant, job_id, second.token, JobStatus.FAILED, requested_by="t", error="x")
    with tenant_db(slug) as session:
        assert session.scalar(select(func.count()).select_from(StoredFile)) == 1
        job = session.get(Job, job_id)
        assert (job.status, job.attempts, job.progress) == ("succeeded", 2, 100)
    with app.app_context():
        assert run_job(app, tenant, job_id) == "skipped"  # a late message changes nothing


def test_cancel_a_queued_job_at_once_and_a_running_one_at_its_next_step(
    app, client, state, provision, tenant_db
):
    slug = provision(apps=("noticeboard",))
    token = tenant_token(client, slug)
    queued = ask(client, slug, token, SLOW, steps=1, step_ms=0)
    cancel = f"/t/{slug}/api/v1/jobs/{queued['id']}/cancel"
    response = client.post(cancel, headers=bearer(token))
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert run_now(app, state, slug, queued["id"]) == "skipped"
    assert client.post(cancel, headers=bearer(token)).status_code == 409

    running = ask(client, slug, token, SLOW, steps=60, step_ms=100)
    outcome: list[str] = []
    worker = threading.Thread(
        target=lambda: outcome.append(run_now(app, state, slug, running["id"]))
    )
    worker.start()
    wait_until(lambda: job_row(tenant_db, slug, running["id"]).progress > 0, what="progress")
    response = client.post(f"/t/{slug}/api/v1/jobs/{running['id']}/cancel", headers=bearer(token))
    assert response.get_json()["cancel_requested"] is True
    worker.join(timeout=20)
    assert outcome == ["cancelled"]
    job = job_row(tenant_db, slug, running["id"])
    assert job.status == "cancelled" and job.result_file_id is None and job.progress < 100


def test_a_failing_job_says_so_and_has_no_result(app, client, state, provision):
    slug = provision(apps=("noticeboard",))
    token = tenant_token(client, slug)
    job = ask(client, slug, token, SLOW, steps=1, step_ms=0, fail=True)
    assert run_now(app, state, slug, job["id"]) == "failed"
    seen = client.get(f"/t/{slug}/api/v1/jobs/{job['id']}", headers=bearer(token)).get_json()
    assert seen["status"] == "failed" and "RuntimeError" in seen["error"]
    result = client.get(f"/t/{slug}/api/v1/jobs/{job['id']}/result", headers=bearer(token))
    assert result.status_code == 409


def test_results_expire_by_the_tenant_setting(app, client, state, provision, tenant_db):
    slug = provision()
    token = tenant_token(client, slug)
    with tenant_db(slug) as session:
        with pytest.raises(InvalidInput) as refused:
            retention.update_job_preferences(session, actor="t", result_days=0)
        assert refused.value.fields == {"result_days": "between 1 and 365 days"}
        retention.update_job_preferences(session, actor="t", result_days=3)
    old, recent = (ask(client, slug, token, STAFF, format="csv") for _ in range(2))
    for job in (old, recent):
        run_now(app, state, slug, job["id"])
    with tenant_db(slug) as session:
        session.execute(
            update(Job)
            .where(Job.id == old["id"])
            .values(finished_at=func.now() - timedelta(days=4), expires_at=None)
        )
        assert retention.expire_results(session) == 1
    with tenant_db(slug) as session:
        assert session.scalar(select(func.count()).select_from(StoredFile)) == 1
        assert session.get(Job, old["id"]).status == "expired"
        assert session.get(Job, recent["id"]).status == "succeeded"
    gone = client.get(f"/t/{slug}/api/v1/jobs/{old['id']}/result", headers=bearer(token))
    assert gone.status_code == 410
    kept = client.get(f"/t/{slug}/api/v1/jobs/{recent['id']}/result", headers=bearer(token))
    assert kept.status_code == 200


def test_monthly_reports_are_queued_once_on_the_chosen_day(app, state, provision, tenant_db):
    slug = provision()
    tenant = tenant_of(state, slug)
    with tenant_db(slug) as session:
        retention.update_job_preferences(session, actor="t", monthly_report_day=15)
    with app.app_context():
        with tenant_db(slug) as session:
            assert schedule.queue_monthly_reports(session, tenant, date(2026, 11, 14)) == []
            jobs = schedule.queue_monthly_reports(session, tenant, date(2026, 11, 15))
            assert [j.kind for j in jobs] == [STAFF, "report:audit_log"]
            assert jobs[1].params["start"] == "2026-10-01" and jobs[1].params["end"] == "2026-10-31"
        with tenant_db(slug) as session:  # beat again the same month, or a day later
            assert schedule.queue_monthly_reports(session, tenant, date(2026, 11, 15)) == []
            assert schedule.queue_monthly_reports(session, tenant, date(2026, 11, 28)) == []
        with tenant_db(slug) as session:  # a missed day is caught up next month
            assert len(schedule.queue_monthly_reports(session, tenant, date(2026, 12, 20))) == 2
    with tenant_db(slug) as session:
        requesters = session.scalars(select(Job.requested_by).order_by(Job.id))
        assert list(requesters) == ["jadwal-bulanan:2026-11"] * 2 + ["jadwal-bulanan:2026-12"] * 2


# --------------------------------------------------------------------------- a real worker


@pytest.fixture(scope="module")
def worker(settings, private_broker, tmp_path_factory):
    with running_worker(settings, private_broker.url, tmp_path_factory.mktemp("worker")) as process:
        yield process


def test_a_report_runs_in_a_worker_and_downloads_only_where_it_should(worker, client, provision):
    slug, other = provision(), provision()
    admin = tenant_token(client, slug)
    member = add_member(client, slug, admin, "pegawai@example.go.id")
    mine = ask(client, slug, member, STAFF, format="csv")
    audits = [ask(client, slug, admin, "report:audit_log", format=f) for f in ("pdf", "xlsx")]
    for job in (mine, *audits):
        done = wait_for_job(client, slug, admin, job["id"])
        assert (done["status"], done["attempts"], done["progress"]) == ("succeeded", 1, 100)

    def fetch(job, token, tenant=slug):
        return client.get(f"/t/{tenant}/api/v1/jobs/{job['id']}/result", headers=bearer(token))

    table = list(csv.reader(io.StringIO(fetch(mine, member).data.decode("utf-8-sig"))))
    assert table[1][:2] == ["Kode", "Unit kerja"]
    assert fetch(audits[0], admin).data.startswith(b"%PDF")
    book = openpyxl.load_workbook(io.BytesIO(fetch(audits[1], admin).data))
    assert book.worksheets[0]["A1"].value == "Log Audit"
    assert fetch(audits[0], member).status_code == 404  # not theirs
    other_admin = tenant_token(client, other)
    assert fetch(mine, other_admin, other).status_code == 404
    assert (
        client.get(f"/t/{other}/api/v1/jobs/{mine['id']}", headers=bearer(other_admin)).status_code
        == 404
    )


def test_the_page_shows_live_progress_and_cancels_a_running_job(worker, app, provision):
    slug = provision(apps=("noticeboard",))
    browser = app.test_client()
    sign_in(browser, slug)
    token = csrf_token(browser.get(f"/t/{slug}/jobs/new").get_data(as_text=True))
    browser.post(
        f"/t/{slug}/jobs/new",
        data={
            "csrf_token": token,
            "report": "uji_lambat",
            "format": "csv",
            "steps": "40",
            "step_ms": "150",
        },
    )
    listing = browser.get(f"/t/{slug}/jobs").get_data(as_text=True)
    job_id = int(listing.split('data-job-id="', 1)[1].split('"', 1)[0])

    def state():
        return browser.get(f"/t/{slug}/jobs/progress?ids={job_id}").get_json()["jobs"][0]

    seen = wait_until(
        lambda: (s := state())["status"] == "running" and 0 < s["progress"] < 100 and s,
        what="a progress bar between 0 and 100",
    )
    assert seen["status_label"] == "Berjalan" and not seen["final"]
    cancelled = browser.post(f"/t/{slug}/jobs/{job_id}/cancel", data={"csrf_token": token})
    assert cancelled.status_code == 303
    final = wait_until(lambda: (s := state())["final"] and s, what="the job to stop")
    assert final["status"] == "cancelled" and final["download_url"] is None


def test_tenant_tasks_need_their_header_and_skip_suspended_tenants_and_disabled_apps(
    worker, private_broker, state, provision, tenant_db
):
    celery = client_for(state.settings.replace(REDIS_URL=private_broker.url))
    with pytest.raises(MissingTenantError):
        celery.send_task("noticeboard.tidy").get(timeout=30)

    def tidy_runs(slug: str) -> int:
        with tenant_db(slug) as session:
            return session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "noticeboard.tidy")
            )

    active, suspended, disabled = (provision(apps=("noticeboard",)) for _ in range(3))
    with db.platform_transaction() as session:
        change_status(
            session,
            get_tenant(session, suspended, for_update=True),
            "suspend",
            actor="t",
            reason="t",
        )
        disable_app(
            session,
            get_tenant(session, disabled, for_update=True),
            "noticeboard",
            registry=state.registry,
            role_prefix=state.settings.role_prefix,
            actor="t",
        )
    # No wait for the worker's cache to hear the NOTIFY: a task reads its tenant afresh.
    assert (
        celery.send_task("noticeboard.tidy", headers={"tenant": active}).get(timeout=30) == active
    )
    for slug in (suspended, disabled):
        assert (
            celery.send_task("noticeboard.tidy", headers={"tenant": slug}).get(timeout=30) is None
        )
    assert (tidy_runs(active), tidy_runs(suspended), tidy_runs(disabled)) == (1, 0, 0)
    log = worker.output()
    assert f"task noticeboard.tidy skipped: tenant {suspended} is not active" in log
    assert f"task noticeboard.tidy skipped: app noticeboard is disabled for {disabled}" in log


def test_beat_entries_fan_out_to_active_tenants_with_the_app_spread_by_jitter(
    worker, private_broker, state, provision, tenant_db
):
    reached = [provision(apps=("noticeboard",)) for _ in range(4)]
    suspended, without = provision(apps=("noticeboard",)), provision()
    with db.platform_transaction() as session:
        change_status(
            session,
            get_tenant(session, suspended, for_update=True),
            "suspend",
            actor="t",
            reason="t",
        )
    celery = client_for(state.settings.replace(REDIS_URL=private_broker.url))
    sent = celery.send_task(
        "smartcity.fanout", args=("noticeboard.tidy", "noticeboard"), kwargs={"jitter": 3.0}
    ).get(timeout=30)
    # Chosen when sending: every active regency with the app, once; none other.
    assert set(reached) <= set(sent) and len(sent) == len(set(sent))
    assert suspended not in sent and without not in sent

    def tidied(slug: str) -> list:
        with tenant_db(slug) as session:
            return list(
                session.scalars(
                    select(AuditEntry.at).where(AuditEntry.action == "noticeboard.tidy")
                )
            )

    times = wait_until(
        lambda: all(tidied(s) for s in reached) and [tidied(s)[0] for s in reached],
        what="the fan-out to reach every tenant",
    )
    assert tidied(suspended) == [] and tidied(without) == []
    assert all(len(tidied(s)) == 1 for s in reached)
    assert (max(times) - min(times)).total_seconds() > 0.05  # not all at the same moment


def test_the_daily_monthly_report_task_queues_once_and_the_worker_builds_them(
    worker, private_broker, state, client, provision
):
    slug = provision()  # monthly_report_day defaults to the 1st: today is past it
    celery = client_for(state.settings.replace(REDIS_URL=private_broker.url))
    queued = celery.send_task(MONTHLY_TASK, headers={"tenant": slug}).get(timeout=30)
    assert len(queued) == 2
    assert celery.send_task(MONTHLY_TASK, headers={"tenant": slug}).get(timeout=30) == []
    token = tenant_token(client, slug)
    for job_id in queued:
        done = wait_for_job(client, slug, token, job_id)
        assert done["status"] == "succeeded" and done["requested_by"].startswith("jadwal-bulanan:")


def test_a_worker_that_finds_its_job_not_yet_committed_tries_again_shortly(
    worker, app, client, provision, tenant_db
):
    """A message that overtakes its job's COMMIT is retried, not dropped until the
    dispatcher's re-send (JOB_REPUBLISH_SECONDS, 5 minutes by default)."""
    worker.wait_for_output("smartcity.jobs.dispatch[")  # its start-up dispatch is done
    slug = provision()
    with app.app_context(), tenant_db(slug) as session:
        job = Job(
            kind=STAFF,
            params={"format": "csv"},
            status=JobStatus.QUEUED,
            progress=0,
            attempts=0,
            cancel_requested=False,
            requested_by="t@x.id",
            published_at=func.now(),
        )
        session.add(job)
        session.flush()
        assert send_jobs(broker(app), slug, [job.id]) == []  # sent before the COMMIT
        wait_until(
            lambda: f"job {job.id} of {slug}: " in worker.output(),
            what="the worker to look for the job",
        )
    done = wait_for_job(client, slug, tenant_token(client, slug), job.id, timeout=30)
    assert (done["status"], done["attempts"]) == ("succeeded", 1)
