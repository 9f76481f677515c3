"""Big SP2D payment files are imported by a job of record on a real Celery worker
(issue 9, finding 2), as the roster's big files are checked (``test_upload_jobs``).

Above ``UPLOAD_JOB_BYTES`` the request only stores the file and answers at once;
the job reports progress and ends with the same outcome as the in-request path
(every payment, or nothing and every bad row); a file refused by a bound ends the
job with the refusal and writes nothing else.
"""

from __future__ import annotations

import html
import io
import re

import pytest
from smartcity.jobs.models import Job
from sqlalchemy import func, select

from tenants.ebudgeting.models import Payment, PaymentImport, PaymentUpload
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.ebudgeting_support import (
    PAPER_ACCOUNT,
    SUB_PLANNING,
    budget_through_dpa,
    make_opds,
    make_users,
    payments_csv,
)
from tests.support.web import csrf_token, sign_in
from tests.workers import broker_of, redis_server, running_worker, wait_until

TAPD = "tapd@example.go.id"
NOTE = "Belanja kertas HVS untuk penyusunan dokumen perencanaan, " + "x" * 40


@pytest.fixture(scope="module")
def worker(app, settings, tmp_path_factory):
    """A real worker on this module's own Redis."""
    with redis_server() as server, broker_of(app, server.url):
        log_dir = tmp_path_factory.mktemp("payment-upload-worker")
        with running_worker(settings, server.url, log_dir) as process:
            yield process


@pytest.fixture
def regency(provision, tenant_db, state):
    slug = provision(apps=("ebudgeting",))
    with tenant_db(slug) as session:
        opds = make_opds(session)
        make_users(session, state.registry, opds, PASSWORD)
        budget_through_dpa(session, opds)
    return slug


def big_file(settings, bad_row: int | None = None) -> bytes:
    """Rp 1 payments of the planning sub-activity's paper (Rp 660.000 in the DPA), just
    above the job threshold; ``bad_row`` (as the file numbers it) has no amount."""
    count = settings.UPLOAD_JOB_BYTES // 110 + 200
    rows = [
        f"{n}/SP2D/LS/2026,2026-03-10,1.02.01,{SUB_PLANNING},{PAPER_ACCOUNT},"
        f"{'abc' if n + 1 == bad_row else '1'},{NOTE}"
        for n in range(1, count + 1)
    ]
    content = payments_csv(rows)
    assert len(content) > settings.UPLOAD_JOB_BYTES
    return content


def signed_in(app, slug):
    client = app.test_client()
    assert sign_in(client, slug, TAPD, PASSWORD).status_code in (302, 303)
    return client


def upload(client, slug: str, content: bytes):
    base = f"/t/{slug}/ebudgeting/2026"
    token = csrf_token(client.get(f"{base}/realization").get_data(as_text=True))
    return client.post(
        f"{base}/payments/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), "sp2d.csv")},
        content_type="multipart/form-data",
    )


def upload_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    found = re.search(r"/payments/uploads/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def state_of(tenant_db, slug: str, record_id: int) -> tuple[str, int | None, int | None, int]:
    with tenant_db(slug) as session:
        record = session.get(PaymentUpload, record_id)
        paid = session.scalar(select(func.count()).select_from(Payment))
        return record.status, record.job_id, record.import_id, paid


def job_of(tenant_db, slug: str, job_id: int) -> Job:
    with tenant_db(slug) as session:
        job = session.get(Job, job_id)
        session.expunge(job)
        return job


def page_of(client, slug: str, record_id: int) -> str:
    response = client.get(f"/t/{slug}/ebudgeting/2026/payments/uploads/{record_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_big_payment_file_is_imported_by_a_job_with_progress(
    worker, app, settings, regency, tenant_db
):
    client = signed_in(app, regency)
    content = big_file(settings)
    record_id = upload_id(upload(client, regency, content))
    # The request stored the file and queued its import: nothing was read in it.
    status, job_id, _batch, paid = state_of(tenant_db, regency, record_id)
    assert (status, paid) == ("checking", 0)
    page = page_of(client, regency, record_id)
    assert 'data-payment-upload="checking"' in page and f"ids={job_id}" in page

    def progress():
        state = client.get(f"/t/{regency}/jobs/progress?ids={job_id}").get_json()["jobs"][0]
        return state["status"] == "running" and 0 < state["progress"] < 100 and state

    wait_until(progress, timeout=60, interval=0.05, what="the import to report progress")
    wait_until(lambda: state_of(tenant_db, regency, record_id)[0] != "checking", timeout=120)
    status, _job_id, batch_id, paid = state_of(tenant_db, regency, record_id)
    job = job_of(tenant_db, regency, job_id)
    assert (job.status, job.progress, job.attempts) == ("succeeded", 100, 1)
    rows = content.count(b"\n") - 1
    assert (status, paid) == ("imported", rows)
    with tenant_db(regency) as session:
        batch = session.get(PaymentImport, batch_id)
        assert (batch.row_count, batch.imported_by) == (rows, TAPD)
    page = page_of(client, regency, record_id)
    assert 'data-payment-upload="imported"' in page


def test_a_big_file_with_a_bad_row_imports_nothing_and_lists_it(
    worker, app, settings, regency, tenant_db
):
    client = signed_in(app, regency)
    record_id = upload_id(upload(client, regency, big_file(settings, bad_row=5000)))
    wait_until(lambda: state_of(tenant_db, regency, record_id)[0] != "checking", timeout=120)
    status, job_id, batch_id, paid = state_of(tenant_db, regency, record_id)
    assert (status, batch_id, paid) == ("rejected", None, 0)
    assert job_of(tenant_db, regency, job_id).status == "succeeded"
    with tenant_db(regency) as session:
        assert session.scalar(select(func.count()).select_from(PaymentImport)) == 0
    page = html.unescape(
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page_of(client, regency, record_id)))
    )
    # The same report as a small file's, in the reader's language (Indonesian by default).
    assert (
        "berkas pembayaran sp2d.csv ditolak: 1 masalah, tidak ada yang diimpor; pertama, "
        "baris 5000 nilai: 'abc' bukan nilai uang"
    ) in page
    assert "5000 nilai 'abc' bukan nilai uang" in page


def test_a_hostile_big_payment_file_ends_the_job_with_the_refusal(
    worker, app, settings, regency, tenant_db
):
    client = signed_in(app, regency)
    # A million empty rows: small enough to store, far past the 20,000 rows of a file.
    content = payments_csv([]) + b"\n" * (settings.UPLOAD_JOB_BYTES + 10)
    record_id = upload_id(upload(client, regency, content))
    wait_until(lambda: state_of(tenant_db, regency, record_id)[0] != "checking", timeout=120)
    status, job_id, batch_id, paid = state_of(tenant_db, regency, record_id)
    assert (status, batch_id, paid) == ("refused", None, 0)
    job = job_of(tenant_db, regency, job_id)
    assert job.status == "failed"
    assert job.error == "the file has more than 20000 rows below the header (empty rows count too)"
    page = page_of(client, regency, record_id)
    assert "data-refusal" in page and "20.000" in page  # Indonesian digit grouping


def test_a_big_payment_file_through_the_api_answers_202_and_is_followed(
    worker, app, settings, regency, tenant_db
):
    client = app.test_client()
    headers = bearer(tenant_token(client, regency, TAPD))
    base = f"/t/{regency}/api/v1/ebudgeting/years/2026/payments"
    response = client.post(
        f"{base}/import",
        data={"file": (io.BytesIO(big_file(settings)), "sp2d.csv")},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert response.status_code == 202, response.get_data(as_text=True)[:500]
    record_id = response.get_json()["upload_id"]
    assert response.get_json()["status"] == "checking"

    def finished():
        body = client.get(f"{base}/uploads/{record_id}", headers=headers).get_json()
        return body["status"] != "checking" and body

    body = wait_until(finished, timeout=120, what="the import to finish")
    assert body["status"] == "imported" and body["import_id"] is not None
