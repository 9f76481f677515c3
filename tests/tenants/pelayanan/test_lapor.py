"""SP4N-LAPOR!: settings, the export and the two-way sync, against a fake LAPOR on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import json
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from smartcity.tenantcore.models import AuditEntry
from smartcity.toolkit import InvalidInput
from sqlalchemy import select

from tenants.pelayanan import complaints, lapor
from tenants.pelayanan.access import GRANTS, Actor
from tenants.pelayanan.models import Event, LaporLink, SyncRun
from tests.conftest import PASSWORD
from tests.fakes.lapor import TOKEN, FakeLapor
from tests.pelayanan_support import REGENCY, make_regency, submission
from tests.support.web import csrf_token, sign_in
from worker.tasks import SmartCityCelery, TenantTask

COORDINATOR = Actor("koordinator@pati.go.id", GRANTS["coordinator"], None)


@pytest.fixture
def regency(provision, tenant_db, state):
    return make_regency(provision, tenant_db, state, PASSWORD)


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setenv(lapor.ALLOW_LOOPBACK_ENV, "1")
    with FakeLapor() as server:
        yield server


def _three(session):
    """A named reporter, an anonymous one and a confidential one."""
    named, _ = complaints.submit(session, submission(), [], regency_code=REGENCY, channel="web")
    anonymous, _ = complaints.submit(
        session,
        submission(
            anonymous=True,
            reporter_name=None,
            title="Pungutan liar di kantor kelurahan",
            body="Petugas meminta uang Rp50.000 untuk surat pengantar yang seharusnya gratis.",
            classification="whistleblowing",
            category="population",
        ),
        [],
        regency_code=REGENCY,
        channel="web",
    )
    confidential, _ = complaints.submit(
        session,
        submission(
            confidential=True,
            reporter_name="Dewi Lestari",
            title="Puskesmas tutup sebelum jam layanan",
            body="Puskesmas Pati II sudah tutup jam 11 siang padahal jadwal sampai jam 14.",
            category="health",
        ),
        [],
        regency_code=REGENCY,
        channel="web",
    )
    return named, anonymous, confidential


def _enable(session, fake):
    lapor.update_settings(
        session, enabled=True, base_url=fake.base_url + "/", token=TOKEN, actor="t"
    )


def test_settings_need_an_https_address_and_a_token_that_is_never_shown_back(
    app, regency, tenant_db, monkeypatch
):
    monkeypatch.delenv(lapor.ALLOW_LOOPBACK_ENV, raising=False)
    with tenant_db(regency.slug) as session:
        for bad in (
            {"enabled": True, "base_url": "", "token": TOKEN},
            {"enabled": True, "base_url": "https://lapor.example", "token": ""},
            {"enabled": True, "base_url": "http://lapor.example", "token": TOKEN},
            {"enabled": True, "base_url": "http://127.0.0.1:9", "token": TOKEN},
            {"enabled": True, "base_url": "ftp://lapor.example", "token": TOKEN},
            {"enabled": False, "base_url": "https://u:p@lapor.example", "token": ""},
        ):
            with pytest.raises(InvalidInput):
                lapor.update_settings(session, actor="t", **bad)
        saved = lapor.update_settings(
            session, enabled=True, base_url="https://lapor.example/api/", token=TOKEN, actor="t"
        )
        assert saved == lapor.LaporSettings(True, "https://lapor.example/api", True)
        # An empty token keeps the stored one.
        lapor.update_settings(
            session, enabled=True, base_url="https://lapor.example/api", token="", actor="t"
        )
        assert lapor.settings(session).token_set
        audits = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "pelayanan.lapor.settings")
        ).all()
        assert len(audits) == 2 and all(TOKEN not in json.dumps(a.after) for a in audits)
    client = app.test_client()
    sign_in(client, regency.slug, "koordinator@pati.go.id")
    page = client.get(f"/t/{regency.slug}/pelayanan/settings?lang=en").get_data(as_text=True)
    assert "https://lapor.example/api" in page and TOKEN not in page
    assert "A token is stored" in page
    # The page shows why a form is refused, under the field, and keeps the stored values.
    refused = client.post(
        f"/t/{regency.slug}/pelayanan/settings/lapor",
        data={
            "csrf_token": csrf_token(page),
            "enabled": "1",
            "base_url": "http://lapor.example",
        },
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "An https:// address" in html and TOKEN not in html
    with tenant_db(regency.slug) as session:
        assert lapor.settings(session).base_url == "https://lapor.example/api"


def test_a_sync_pushes_new_and_changed_complaints_once_and_hides_protected_reporters(
    regency, tenant_db, fake
):
    with tenant_db(regency.slug) as session:
        named, anonymous, confidential = _three(session)
        _enable(session, fake)
        run = lapor.run_sync(session, region_code=REGENCY, actor="t")
        assert run is not None and (run.status, run.pushed, run.failed) == ("ok", 3, 0)
        ids = {c.id: c for c in (named, anonymous, confidential)}
    sent = {r["tracking_id"]: r for r in fake.records.values()}
    code = REGENCY.replace(".", "")
    assert sent[f"PL-{code}-{named.id}"]["reporter"] == "Siti Aminah"
    assert sent[f"PL-{code}-{anonymous.id}"]["reporter"] is None
    assert sent[f"PL-{code}-{confidential.id}"]["reporter"] is None
    assert "Dewi" not in json.dumps(fake.records)
    assert sent[f"PL-{code}-{anonymous.id}"]["classification"] == "whistleblowing"
    assert sent[f"PL-{code}-{named.id}"]["status"] == "belum_terverifikasi"
    assert sent[f"PL-{code}-{named.id}"]["location"]["kelurahan"] == "Pati Kidul"
    # Nothing changed: a second run sends nothing.
    writes = len(fake.writes())
    with tenant_db(regency.slug) as session:
        again = lapor.run_sync(session, region_code=REGENCY, actor="t")
        assert again is not None and (again.status, again.pushed) == ("ok", 0)
    assert len(fake.writes()) == writes
    # The coordinator dispatches one: only that one is sent again, as an update.
    with tenant_db(regency.slug) as session:
        complaints.dispatch(
            session, COORDINATOR, session.get_one(type(named), named.id), [regency.dinkes], "cek"
        )
        third = lapor.run_sync(session, region_code=REGENCY, actor="t")
        assert third is not None and third.pushed == 1
    assert fake.writes()[-1][0] == "PUT"
    record = sent_record = fake.records[fake.ids[f"PL-{code}-{named.id}"]]
    assert sent_record["status"] == "didisposisikan"
    assert record["dispatch_units"][0]["unit"] == "Dinas Kesehatan"
    assert len(ids) == 3


def test_status_changes_at_lapor_reach_the_staff_history_once(regency, tenant_db, fake):
    with tenant_db(regency.slug) as session:
        named, _anonymous, _confidential = _three(session)
        _enable(session, fake)
        lapor.run_sync(session, region_code=REGENCY, actor="t")
        link = session.get_one(LaporLink, named.id)
        fake.updates = [
            {
                "id": link.lapor_id,
                "status": "diteruskan_kementerian",
                "updated_at": "2026-12-05T10:00:00+07:00",
            },
            {"id": "LAPOR-999999", "status": "selesai", "updated_at": "2026-12-05T10:00:00+07:00"},
        ]
        run = lapor.run_sync(session, region_code=REGENCY, actor="t")
        assert run is not None and run.pulled == 1
        assert session.get_one(LaporLink, named.id).remote_status == "diteruskan_kementerian"
        events = session.scalars(
            select(Event).where(Event.complaint_id == named.id, Event.action == "lapor_status")
        ).all()
        assert [(e.note, e.public) for e in events] == [("diteruskan_kementerian", False)]
        # The same update served again changes nothing.
        assert lapor.run_sync(session, region_code=REGENCY, actor="t").pulled == 0  # type: ignore[union-attr]
    since = [path for method, path in fake.requests if method == "GET"]
    assert "since=" not in since[0] and "since=" in since[-1]


def test_failures_are_recorded_retried_and_a_refused_record_waits_for_the_next_run(
    app, regency, tenant_db, fake
):
    with tenant_db(regency.slug) as session:
        named, anonymous, _confidential = _three(session)
        _enable(session, fake)
        code = REGENCY.replace(".", "")
        fake.refuse = {f"PL-{code}-{anonymous.id}"}
        # Two 503s: the first request is tried again and gets through.
        fake.fail_next = 2
        run = lapor.run_sync(session, region_code=REGENCY, actor="t")
        assert run is not None and (run.status, run.pushed, run.failed) == ("partial", 2, 1)
        # The English sentence for logs, and the msgid and values the page translates.
        assert run.errors == [
            {
                "complaint_id": anonymous.id,
                "error": "LAPOR refused the record (HTTP 422)",
                "msgid": "LAPOR refused the record (HTTP %(status)s)",
                "params": {"status": 422},
            }
        ]
        fake.refuse = set()
        retry = lapor.run_sync(session, region_code=REGENCY, actor="t")
        assert retry is not None and (retry.status, retry.pushed) == ("ok", 1)
        # LAPOR down for good: the run says so and nothing is marked as sent.
        complaints.dispatch(session, COORDINATOR, named, [regency.dinkes], None)
        fake.fail_next = 100
        down = lapor.run_sync(session, region_code=REGENCY, actor="t", timeout=2)
        assert down is not None and down.status == "failed" and down.pushed == 0
        assert "503" in down.errors[0]["error"] and "3 tries" in down.errors[0]["error"]
        fake.fail_next = 0
        back = lapor.run_sync(session, region_code=REGENCY, actor="t")
        assert back is not None and back.pushed == 1
        # A wrong token stops the run at once.
        lapor.update_settings(
            session, enabled=True, base_url=fake.base_url, token="salah", actor="t"
        )
        refused = lapor.run_sync(session, region_code=REGENCY, actor="t")
        assert refused is not None and refused.status == "failed"
        assert "token" in refused.errors[0]["error"] and "salah" not in json.dumps(refused.errors)
        started = refused.started_at.astimezone(ZoneInfo("Asia/Jakarta"))
        # A run recorded before errors kept their msgid: its English reads back in words.
        session.add(
            SyncRun(
                started_at=refused.started_at,
                finished_at=refused.started_at,
                status="failed",
                errors=[
                    {"error": "LAPOR cannot be reached: [Errno 111] Refused (after 3 tries)"},
                    {"complaint_id": anonymous.id, "error": "LAPOR answered without an id"},
                    {"error": "Something nobody wrote a message for"},
                ],
                actor="t",
            )
        )
    # The runs page says how each ended in words and when in the regency's time.
    client = app.test_client()
    sign_in(client, regency.slug, "koordinator@pati.go.id")
    page = client.get(f"/t/{regency.slug}/pelayanan/lapor").get_data(as_text=True)
    assert "<td>sebagian gagal</td>" in page and "<td>selesai</td>" in page
    assert "<td>gagal</td>" in page
    assert "<td>partial</td>" not in page and "<td>ok</td>" not in page
    assert f"{started:%H.%M}" in page
    assert '<nav aria-label="Jejak navigasi">' in page and 'aria-label="breadcrumb"' not in page
    # Why a run failed, in the reader's language: never LAPOR's English sentence.
    assert f"#{anonymous.id}: LAPOR menolak data pengaduan ini (HTTP 422)" in page
    assert "LAPOR menjawab HTTP 503 (setelah 3 kali percobaan)" in page
    assert "LAPOR menolak token (HTTP 401)" in page
    assert "LAPOR tidak dapat dihubungi (setelah 3 kali percobaan)" in page
    assert f"#{anonymous.id}: jawaban LAPOR tidak memuat id" in page
    assert "Something nobody wrote a message for" in page  # unknown: shown as stored
    for english in ("refused the", "LAPOR answered", "cannot be reached", "Errno", "tries"):
        assert english not in page, english
    english_page = client.get(f"/t/{regency.slug}/pelayanan/lapor?lang=en").get_data(as_text=True)
    assert "LAPOR refused the token (HTTP 401)" in english_page
    assert "LAPOR could not be reached (after 3 tries)" in english_page


def test_the_celery_task_syncs_the_regency_in_its_header_and_skips_one_with_it_off(
    app, regency, tenant_db, fake, provision
):
    with tenant_db(regency.slug) as session:
        _three(session)
        _enable(session, fake)
    celery = SmartCityCelery("tests", task_cls=TenantTask)
    celery.flask_app = app
    import tenants.pelayanan.periodic  # noqa: F401 - declares the task on every Celery app

    task = celery.tasks["pelayanan.lapor_sync"]
    result = task.apply(headers={"tenant": regency.slug}).get()
    assert result["status"] == "ok" and result["pushed"] == 3
    assert task.apply(headers={"tenant": regency.slug}).get()["pushed"] == 0
    with tenant_db(regency.slug) as session:
        runs = session.scalars(select(SyncRun).order_by(SyncRun.id)).all()
        assert [r.actor for r in runs] == ["system", "system"]
    other = provision(apps=("pelayanan",))
    assert task.apply(headers={"tenant": other}).get() is None
    with tenant_db(other) as session:
        assert session.scalars(select(SyncRun)).all() == []


def test_the_export_gives_lapor_records_as_csv_xlsx_and_json_without_protected_reporters(
    app, regency, tenant_db
):
    with tenant_db(regency.slug) as session:
        named, anonymous, confidential = _three(session)
        complaints.submit(
            session,
            submission(title='=HYPERLINK("http://x")', body="=1+2 " * 10),
            [],
            regency_code=REGENCY,
            channel="web",
        )
    client = app.test_client()
    sign_in(client, regency.slug, "koordinator@pati.go.id")
    base = f"/t/{regency.slug}/pelayanan/lapor/export"
    as_csv = client.get(f"{base}/csv")
    assert as_csv.status_code == 200 and "attachment" in as_csv.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data().decode("utf-8-sig"))))
    assert len(rows) == 4 and set(rows[0]) == set(lapor.COLUMNS)
    reporters = {r["tracking_id"].rsplit("-", 1)[1]: r["reporter"] for r in rows}
    assert reporters[str(named.id)] == "Siti Aminah"
    assert reporters[str(anonymous.id)] == reporters[str(confidential.id)] == ""
    assert all(not r["title"].startswith("=") for r in rows)
    book = load_workbook(io.BytesIO(client.get(f"{base}/xlsx").get_data()))
    sheet = book["LAPOR"]
    assert [c.value for c in sheet[1]] == list(lapor.COLUMNS) and sheet.max_row == 5
    assert "Dewi" not in json.dumps([[c.value for c in row] for row in sheet.iter_rows()])
    as_json = client.get(f"{base}/json").get_json()
    assert len(as_json["complaints"]) == 4
    assert "Dewi" not in json.dumps(as_json)
    assert client.get(f"{base}/json?from=2000-01-01&to=2000-02-01").get_json() == {"complaints": []}
    assert client.get(f"{base}/json?from=kemarin").status_code == 422
    assert client.get(f"{base}/pdf").status_code == 404
    # An OPD liaison does not export the regency's complaints.
    liaison = app.test_client()
    sign_in(liaison, regency.slug, "liaison@dinkes.go.id")
    assert liaison.get(f"{base}/csv").status_code == 403
