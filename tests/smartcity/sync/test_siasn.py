"""Staff roster sync from a SIASN-shaped endpoint, against a fake server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request

import pytest
from smartcity.cli import main
from smartcity.errors import InvalidInput
from smartcity.sync import siasn
from smartcity.sync.models import StaffSyncRun
from smartcity.tenantcore import orgunits
from smartcity.tenantcore.models import AuditEntry, OrgUnit, Staff
from sqlalchemy import select

from tests.fakes.siasn import CLIENT_ID, CLIENT_SECRET, FakeSiasn, record
from worker.sync import STAFF_SYNC, register_sync
from worker.tasks import MissingTenantError, SmartCityCelery, TenantTask

UNIT_MAP = {"unor-umum": "4.01.01", "unor-setda": "4.01", "unor-dinkes": "4.02"}
BUDI = "198609262015051001"
SARI = "199203152019032005"
RINA = "199001012019212002"  # PPPK: 21 in the month slot
AGUS = "197812312005011003"
DEWI = "198505052010122004"


def roster() -> list[dict]:
    return [
        record(
            BUDI,
            "Budi Santoso",
            golongan="IV/a",
            jabatan="Kepala Bagian Umum",
            eselon="III.b",
            gelarDepan="Drs.",
            gelarBelakang="M.Si.",
        ),
        record(SARI, "Sari Dewi", golongan="III/a"),
        record(RINA, "Rina", status="PPPK", golongan="IX", jabatan="Pranata Komputer"),
        # unor not mapped, its induk is: the person lands in the Sekretariat Daerah
        record(AGUS, "Agus", golongan="III/d", unor="unor-protokol", induk="unor-setda"),
        record(
            DEWI,
            "Dewi",
            golongan="III/c",
            unor="unor-dinkes",
            induk="unor-dinkes",
            eselon="Non Eselon",
        ),
    ]


@pytest.fixture
def fake():
    with FakeSiasn(records=roster(), page_size=2) as server:
        yield server


@pytest.fixture
def regency(provision, tenant_db, fake):
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
        orgunits.create_unit(
            session,
            code="4.02",
            name="Dinas Kesehatan",
            kind="dinas",
            regency_code="33.18",
            actor="t",
        )
        siasn.configure(
            session,
            base_url=fake.base_url,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            unit_map=UNIT_MAP,
            actor="t",
            allow_http_loopback=True,
        )
    return slug


def sync(tenant_db, slug: str, timeout: float = 5.0) -> StaffSyncRun:
    with tenant_db(slug) as session:
        return siasn.run_sync(session, actor="tests", timeout=timeout, allow_http_loopback=True)


def staff_by_nip(tenant_db, slug: str) -> dict[str, dict]:
    with tenant_db(slug) as session:
        codes = dict(session.execute(select(OrgUnit.id, OrgUnit.code)).all())
        return {
            s.nip: {
                "name": s.name,
                "status": s.status,
                "golongan": s.golongan,
                "position": s.position,
                "position_class": s.position_class,
                "echelon": s.echelon,
                "unit": codes[s.unit_id],
                "sex": s.sex,
                "birth_date": s.birth_date.isoformat(),
                "is_active": s.is_active,
                "updated_at": s.updated_at,
            }
            for s in session.scalars(select(Staff))
        }


def test_the_fake_requires_a_token(fake):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{fake.base_url}/apisiasn/1.0/pns/list?page=1", timeout=5)  # noqa: S310
    assert caught.value.code == 401


def test_a_sync_follows_every_page_and_maps_units(regency, tenant_db, fake):
    run = sync(tenant_db, regency)
    assert run.report["status"] == "ok"
    assert (run.created, run.updated, run.rejected) == (5, 0, 0)
    assert fake.pages_served == [1, 2, 3]  # 5 records, 2 a page
    assert fake.token_requests == 1 and fake.unauthorized == 0
    staff = staff_by_nip(tenant_db, regency)
    assert staff[BUDI]["name"] == "Drs. Budi Santoso, M.Si."
    assert staff[BUDI]["unit"] == "4.01.01" and staff[BUDI]["echelon"] == "III.b"
    assert (staff[BUDI]["sex"], staff[BUDI]["birth_date"]) == ("L", "1986-09-26")
    assert staff[AGUS]["unit"] == "4.01"  # via unorIndukId
    assert staff[DEWI]["unit"] == "4.02" and staff[DEWI]["echelon"] is None
    assert staff[RINA]["status"] == "PPPK" and staff[RINA]["golongan"] == "IX"
    assert sorted(run.report["created"]) == sorted([BUDI, SARI, RINA, AGUS, DEWI])


def test_bad_records_are_rejected_with_reasons_and_the_rest_applied(regency, tenant_db, fake):
    fake.records = [
        record(BUDI, "Budi"),
        record("198602302015051001", "Tanggal Salah"),
        record(SARI, "Unor Asing", unor="unor-x", induk="unor-y"),
        record(AGUS, "Golongan Salah", golongan="V/z"),
        {**record(DEWI, "Dewi"), "jenisKelamin": "M"},
        record(BUDI, "Budi Lagi"),
        record(RINA, "Rina", status="PNS"),  # month 21 is for PPPK only
    ]
    run = sync(tenant_db, regency)
    assert (run.created, run.rejected) == (1, 6)
    reasons = {
        (r["nip"], field): msg
        for r in run.report["rejected"]
        for field, msg in r["problems"].items()
    }
    assert "not a real date" in reasons[("198602302015051001", "nipBaru")]
    assert "not in siasn_unit_map" in reasons[(SARI, "unorId")]
    assert "golongan" in reasons[(AGUS, "golRuangAkhir")]
    assert "disagrees with the NIP" in reasons[(DEWI, "jenisKelamin")]
    assert reasons[(BUDI, "nipBaru")] == "listed twice by SIASN"
    assert "only allowed for PPPK" in reasons[(RINA, "nipBaru")]
    assert set(staff_by_nip(tenant_db, regency)) == {BUDI}
    # a rejected person is not reported as missing from SIASN
    assert run.report["missing_from_siasn"] == []


def test_a_second_sync_changes_nothing(regency, tenant_db):
    first = sync(tenant_db, regency)
    before = staff_by_nip(tenant_db, regency)
    second = sync(tenant_db, regency)
    assert first.created == 5
    assert (second.created, second.updated, second.rejected) == (0, 0, 0)
    assert second.report["updated"] == [] and second.report["created"] == []
    assert staff_by_nip(tenant_db, regency) == before  # updated_at included


def test_changes_are_reported_field_by_field_and_local_data_kept(regency, tenant_db, fake):
    sync(tenant_db, regency)
    with tenant_db(regency) as session:
        budi = session.scalar(select(Staff).where(Staff.nip == BUDI))
        budi.position_class = 12  # kelas jabatan is the regency's, not SIASN's
    records = {r["nipBaru"]: r for r in roster()}
    records[SARI].update(golRuangAkhir="III/b", unorId="unor-dinkes", unorIndukId="unor-dinkes")
    records[AGUS].update(kedudukanPnsNama="Pensiun")
    del records[DEWI]
    fake.records = [*records.values(), record("199507172020122001", "Baru", golongan="III/a")]
    run = sync(tenant_db, regency)
    assert (run.created, run.updated, run.rejected) == (1, 2, 0)
    updated = {u["nip"]: u for u in run.report["updated"]}
    assert updated[SARI]["before"] == {"golongan": "III/a", "unit": "4.01.01"}
    assert updated[SARI]["after"] == {"golongan": "III/b", "unit": "4.02"}
    assert updated[AGUS] == {
        "nip": AGUS,
        "before": {"is_active": True},
        "after": {"is_active": False},
    }
    assert run.report["missing_from_siasn"] == [DEWI]  # listed, not switched off
    staff = staff_by_nip(tenant_db, regency)
    assert staff[BUDI]["position_class"] == 12
    assert staff[DEWI]["is_active"] is True and staff[AGUS]["is_active"] is False


def test_wrong_credentials_record_a_clear_failed_run(regency, tenant_db, fake):
    with tenant_db(regency) as session:
        siasn.configure(
            session,
            base_url=fake.base_url,
            client_id=CLIENT_ID,
            client_secret="salah",
            unit_map=UNIT_MAP,
            actor="t",
            allow_http_loopback=True,
        )
    run = sync(tenant_db, regency)
    assert run.report["status"] == "failed"
    assert "refused the client credentials (HTTP 401)" in run.report["error"]
    assert (run.created, run.updated) == (0, 0) and run.finished_at is not None
    assert fake.pages_served == []
    assert staff_by_nip(tenant_db, regency) == {}
    with tenant_db(regency) as session:
        entry = session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "staff.sync")
            .order_by(AuditEntry.id.desc())
        )
        assert entry.after["status"] == "failed"


def test_a_timeout_is_a_failed_run_not_a_hang(regency, tenant_db, fake):
    fake.delay = 2.0
    started = time.monotonic()
    run = sync(tenant_db, regency, timeout=0.3)
    assert time.monotonic() - started < 1.5
    assert run.report["status"] == "failed"
    assert "did not answer the token request within 0.3 s" in run.report["error"]


def test_the_secret_is_never_logged_audited_or_reported(regency, tenant_db, fake, caplog):
    caplog.set_level(logging.DEBUG)
    sync(tenant_db, regency)
    fake.client_secret = "changed-on-the-bkn-side"
    sync(tenant_db, regency)
    with tenant_db(regency) as session:
        audit = [(e.before, e.after) for e in session.scalars(select(AuditEntry))]
        reports = [r.report for r in session.scalars(select(StaffSyncRun))]
    assert CLIENT_SECRET not in caplog.text
    assert CLIENT_SECRET not in json.dumps(audit, default=str)
    assert CLIENT_SECRET not in json.dumps(reports, default=str)
    assert repr(siasn.SiasnConfig("https://x", "id", CLIENT_SECRET)).count(CLIENT_SECRET) == 0


def test_only_https_or_an_explicitly_allowed_loopback(regency, tenant_db, fake):
    with tenant_db(regency) as session:
        for url, allow in (
            ("http://siasn.bkn.example", True),
            (fake.base_url, False),
            ("https://user:pw@siasn.bkn.example", False),
            ("ftp://siasn.bkn.example", False),
        ):
            with pytest.raises(InvalidInput) as caught:
                siasn.configure(
                    session,
                    base_url=url,
                    client_id="x",
                    client_secret="y",
                    unit_map={},
                    actor="t",
                    allow_http_loopback=allow,
                )
            assert "siasn_base_url" in caught.value.fields
        with pytest.raises(InvalidInput) as caught:
            siasn.configure(
                session,
                base_url="https://siasn.bkn.example",
                client_id="x",
                client_secret=None,
                unit_map={"u": "9.99"},
                actor="t",
            )
        assert "9.99" in caught.value.fields["siasn_unit_map"]
    # stored as http://127.0.0.1 but the deployment does not allow it: refused at sync time
    with tenant_db(regency) as session:
        run = siasn.run_sync(session, actor="t", timeout=5, allow_http_loopback=False)
    assert run.report["status"] == "failed" and "https://" in run.report["error"]
    assert fake.token_requests == 0


@pytest.fixture
def celery(app, state, monkeypatch):
    monkeypatch.setattr(state, "settings", state.settings.replace(SIASN_ALLOW_HTTP_LOOPBACK=True))
    celery = SmartCityCelery("tests", task_cls=TenantTask)
    celery.flask_app = app
    register_sync(celery)
    return celery


def test_the_celery_task_takes_the_tenant_from_the_header(celery, regency, tenant_db, provision):
    task = celery.tasks[STAFF_SYNC]
    result = task.apply(headers={"tenant": regency})
    assert result.get()["created"] == 5
    assert len(staff_by_nip(tenant_db, regency)) == 5
    with pytest.raises(MissingTenantError):
        task.apply().get()
    # a tenant without SIASN settings is skipped, and nothing is recorded
    other = provision()
    assert task.apply(headers={"tenant": other}).get() is None
    with tenant_db(other) as session:
        assert session.scalars(select(StaffSyncRun)).all() == []
    assert {"sync.staff.nightly", "sync.reference.daily", "sync.reference.catch_up"} <= set(
        celery.conf.beat_schedule
    )


def test_the_cli_syncs_and_configures(app, celery, regency, tenant_db, fake):
    runner = app.test_cli_runner()
    configured = runner.invoke(
        main,
        [
            "sync",
            "siasn-config",
            regency,
            "--base-url",
            fake.base_url,
            "--client-id",
            CLIENT_ID,
            "--unit",
            "unor-umum=4.01.01",
            "--unit",
            "unor-setda=4.01",
            "--unit",
            "unor-dinkes=4.02",
        ],
        input="\n",  # keep the stored secret
    )
    assert configured.exit_code == 0, configured.output
    assert CLIENT_SECRET not in configured.output
    done = runner.invoke(main, ["sync", "staff", regency])
    assert done.exit_code == 0, done.output
    assert "5 created, 0 updated, 0 rejected" in done.output
    fake.client_secret = "rotated"
    failed = runner.invoke(main, ["sync", "staff", regency])
    assert failed.exit_code == 1 and "refused the client credentials" in failed.output
    missing = runner.invoke(main, ["sync", "staff", "tidak-ada"])
    assert missing.exit_code != 0 and "no tenant" in missing.output
