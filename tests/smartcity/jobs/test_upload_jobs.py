"""Big uploads are checked by a job of record on a real Celery worker (issue 9, finding 2).

A roster file above ``UPLOAD_JOB_BYTES`` is stored unchecked and the request
answers at once; the job reports progress and ends with the same report and
preview as the in-request path; a file refused by a bound ends the job with the
refusal and writes nothing else; and one regency's queued checks do not hold up
another regency's.
"""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
from smartcity.jobs.models import Job
from smartcity.tenantcore import orgunits
from smartcity.tenantcore.models import RosterImport, Staff
from sqlalchemy import func, select

from tests.support.web import csrf_token, sign_in
from tests.workers import broker_of, redis_server, running_worker, wait_until

HEADER = "nip,nama,status,golongan,jabatan,kelas_jabatan,eselon,kode_unit,nip_atasan"


@pytest.fixture(scope="module")
def worker(app, settings, tmp_path_factory):
    """A real worker on this module's own Redis."""
    with redis_server() as server, broker_of(app, server.url):
        log_dir = tmp_path_factory.mktemp("upload-worker")
        with running_worker(settings, server.url, log_dir) as process:
            yield process


def roster_csv(rows: int, seed: int = 7) -> bytes:
    """``rows`` valid staff of unit 4.01.01, everyone reporting to the first (as the bench)."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    lines, taken, first = [HEADER], set(), ""
    while len(lines) <= rows:
        birth = date(rng.randint(1966, 1999), rng.randint(1, 12), rng.randint(1, 28))
        nip = f"{birth:%Y%m%d}{birth.year + 24}{rng.randint(1, 12):02d}1{rng.randint(1, 999):03d}"
        if nip in taken:
            continue
        taken.add(nip)
        supervisor, first = first, first or nip
        lines.append(f"{nip},Pegawai {len(lines)},PNS,III/a,Analis,8,,4.01.01,{supervisor}")
    return ("\n".join(lines) + "\n").encode()


def big_roster(settings, seed: int = 7) -> bytes:
    """A valid roster just above the job threshold (about 12,000 rows at 1 MB)."""
    rows = settings.UPLOAD_JOB_BYTES // 80 + 500
    content = roster_csv(rows, seed)
    assert len(content) > settings.UPLOAD_JOB_BYTES
    return content


@pytest.fixture
def regency(provision, tenant_db):
    def make() -> str:
        slug = provision()
        with tenant_db(slug) as session:
            setda = orgunits.create_unit(
                session,
                code="4.01",
                name="Sekretariat Daerah",
                kind="sekretariat_daerah",
                regency_code="33.18",
                actor="t",
            )
            orgunits.create_unit(
                session,
                code="4.01.01",
                name="Bagian Umum",
                kind="bagian",
                parent_id=setda.id,
                regency_code="33.18",
                actor="t",
            )
        return slug

    return make


def upload(browser, slug: str, content: bytes, filename: str = "roster.csv"):
    token = csrf_token(browser.get(f"/t/{slug}/admin/roster").get_data(as_text=True))
    return browser.post(
        f"/t/{slug}/admin/roster",
        data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def import_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def record_of(tenant_db, slug: str, record_id: int) -> tuple[str, dict, int]:
    with tenant_db(slug) as session:
        record = session.get(RosterImport, record_id)
        return record.status, dict(record.summary or {}), record.row_count


def job_of(tenant_db, slug: str, job_id: int) -> Job:
    with tenant_db(slug) as session:
        job = session.get(Job, job_id)
        session.expunge(job)
        return job


def signed_in(app, slug: str):
    browser = app.test_client()
    sign_in(browser, slug)
    return browser


def test_a_big_roster_is_checked_by_a_job_with_progress_then_previewed(
    worker, app, settings, regency, tenant_db
):
    slug = regency()
    browser = signed_in(app, slug)
    content = big_roster(settings)
    record_id = import_id(upload(browser, slug, content))
    # The request stored the file and queued its check: nothing was read in it.
    status, summary, rows = record_of(tenant_db, slug, record_id)
    assert (status, rows) == ("checking", 0)
    job_id = summary["job_id"]
    page = browser.get(f"/t/{slug}/admin/roster/{record_id}").get_data(as_text=True)
    assert 'data-roster-state="checking"' in page and f"ids={job_id}" in page

    def progress():
        state = browser.get(f"/t/{slug}/jobs/progress?ids={job_id}").get_json()["jobs"][0]
        return state["status"] == "running" and 0 < state["progress"] < 100 and state

    wait_until(progress, timeout=60, interval=0.05, what="the check to report progress")
    wait_until(lambda: record_of(tenant_db, slug, record_id)[0] != "checking", timeout=120)
    status, summary, rows = record_of(tenant_db, slug, record_id)
    job = job_of(tenant_db, slug, job_id)
    assert (job.status, job.progress, job.attempts) == ("succeeded", 100, 1)
    assert (status, rows) == ("ready", content.count(b"\n") - 1)
    assert summary["preview"]["counts"]["created"] == rows
    page = browser.get(f"/t/{slug}/admin/roster/{record_id}").get_data(as_text=True)
    assert 'data-roster-state="ready"' in page and 'data-plan="created"' in page
    with tenant_db(slug) as session:
        assert session.scalar(select(func.count()).select_from(Staff)) == 0  # checked only


def test_a_hostile_big_file_ends_the_job_with_the_refusal_and_writes_nothing(
    worker, app, settings, regency, tenant_db
):
    slug = regency()
    browser = signed_in(app, slug)
    # A million empty rows: small enough to store, far past the roster's 100,000 rows.
    content = (HEADER + "\n").encode() + b"\n" * (settings.UPLOAD_JOB_BYTES + 10)
    record_id = import_id(upload(browser, slug, content))
    job_id = record_of(tenant_db, slug, record_id)[1]["job_id"]
    wait_until(lambda: record_of(tenant_db, slug, record_id)[0] != "checking", timeout=120)
    job = job_of(tenant_db, slug, job_id)
    assert job.status == "failed"
    assert job.error == "the file has more than 100000 rows below the header (empty rows count too)"
    status, _summary, rows = record_of(tenant_db, slug, record_id)
    assert (status, rows) == ("rejected", 0)
    response = browser.get(f"/t/{slug}/admin/roster/{record_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "data-refusal" in page and "100.000" in page  # Indonesian digit grouping
    assert 'action="/t/' + slug + f'/admin/roster/{record_id}/apply"' not in page
    applied = browser.post(
        f"/t/{slug}/admin/roster/{record_id}/apply", data={"csrf_token": csrf_token(page)}
    )
    assert applied.status_code == 409
    with tenant_db(slug) as session:
        assert session.scalar(select(func.count()).select_from(Staff)) == 0
