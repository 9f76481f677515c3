"""e-Kinerja over JSON on the real database: punches, absences, work logs, the TPP run,
and what a hostile user of one regency would try."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from smartcity.auth.passwords import hash_password
from smartcity.errors import Conflict
from smartcity.tenantcore.models import OrgUnit, Staff, User
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tenants.ekinerja import attendance, runs
from tenants.ekinerja.access import system_actor
from tenants.ekinerja.models import Account, Duty, Office, Punch
from tests.conftest import PASSWORD, bearer, tenant_token

API = "/t/{slug}/api/v1/ekinerja"
OFFICE = (-6.9175, 107.6191)
FAR = (-6.2088, 106.8456)  # Jakarta, ~120 km away


def _person(session, nip, name, unit, cls, *, supervisor=None, echelon=None):
    person = Staff(
        nip=nip,
        name=name,
        status="PNS",
        golongan="III/a",
        position="Analis" if echelon is None else "Kepala Dinas",
        position_class=cls,
        echelon=echelon,
        unit_id=unit,
        supervisor_id=supervisor,
        sex="1",
        birth_date=date(1986, 9, 26),
    )
    session.add(person)
    session.flush()
    return person


def _user(session, email, role, staff=None):
    user = User(email=email, name=email, password_hash=hash_password(PASSWORD), roles=[role])
    session.add(user)
    session.flush()
    if staff is not None:
        session.add(Account(staff_id=staff.id, user_id=user.id))
    return user


@pytest.fixture
def kab(provision, tenant_db, client):
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        dinkes = OrgUnit(code="1.02.01", name="Dinas Kesehatan", kind="dinas")
        disdik = OrgUnit(code="1.01.01", name="Dinas Pendidikan", kind="dinas")
        s.add_all([dinkes, disdik])
        s.flush()
        head = _person(s, "197001101992011001", "Kadis", dinkes.id, 14, echelon="II.a")
        worker = _person(s, "198609262015051001", "Pegawai", dinkes.id, 8, supervisor=head.id)
        other = _person(s, "198001012005011002", "Guru", disdik.id, 8)
        _user(s, "kadis@example.go.id", "ekinerja.supervisor", head)
        _user(s, "pegawai@example.go.id", "ekinerja.staff", worker)
        _user(s, "guru@example.go.id", "ekinerja.supervisor", other)
        _user(s, "bkpsdm@example.go.id", "ekinerja.bkpsdm_admin")
        s.add(
            Office(
                org_unit_id=dinkes.id,
                name="Kantor",
                latitude=OFFICE[0],
                longitude=OFFICE[1],
                radius_m=150,
            )
        )
        duty = Duty(
            org_unit_id=dinkes.id,
            name="Menyusun laporan",
            standard_minutes=60,
            output_unit="laporan",
        )
        s.add(duty)
        s.flush()
        ids = {
            "head": head.id,
            "worker": worker.id,
            "other": other.id,
            "duty": duty.id,
            "dinkes": dinkes.id,
        }
    tokens = {
        who: bearer(tenant_token(client, slug, f"{who}@example.go.id"))
        for who in ("kadis", "pegawai", "guru", "bkpsdm")
    }
    return slug, ids, tokens


def _punch(key, kind="in", where=OFFICE, **extra):
    return {
        "kind": kind,
        "idempotency_key": key,
        "latitude": where[0],
        "longitude": where[1],
        "accuracy_m": 12,
        "device_id": "hp-1",
        **extra,
    }


def test_a_retried_checkin_makes_one_punch_and_one_day_record(client, kab, tenant_db):
    slug, ids, t = kab  # noqa: RUF059 - one fixture shape for every test
    first = client.post(
        API.format(slug=slug) + "/punches", json=_punch("k-1"), headers=t["pegawai"]
    )
    assert first.status_code == 201, first.get_json()
    again = client.post(
        API.format(slug=slug) + "/punches", json=_punch("k-1"), headers=t["pegawai"]
    )
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["created"] is False
    with tenant_db(slug) as s:
        assert s.scalar(select(func.count()).select_from(Punch)) == 1
        punch = s.scalar(select(Punch))
        assert punch.review == "accepted" and punch.flags == []
        # The unique constraint itself refuses a second punch with the key.
        with s.begin_nested():
            s.add(
                Punch(
                    **{
                        c: getattr(punch, c)
                        for c in (
                            "staff_id",
                            "idempotency_key",
                            "kind",
                            "source",
                            "at",
                            "day",
                            "received_at",
                            "flags",
                            "review",
                        )
                    }
                )
            )
            with pytest.raises(IntegrityError):
                s.flush()
    today = datetime.now(UTC).astimezone().date()
    days = client.get(
        API.format(slug=slug) + f"/days/{punch.day.year}/{punch.day.month}", headers=t["pegawai"]
    ).get_json()["days"]
    assert len(days) == 1 and days[0]["check_in"] is not None and today.year == punch.day.year


def test_suspect_punches_wait_for_the_supervisor(client, kab, tenant_db):
    slug, ids, t = kab
    url = API.format(slug=slug)
    outside = client.post(
        url + "/punches", json=_punch("k-out", where=(-6.93, 107.62)), headers=t["pegawai"]
    ).get_json()
    assert "outside_geofence" in outside["flags"] and outside["review"] == "pending"
    mocked = client.post(
        url + "/punches",
        json=_punch("k-mock", kind="out", mock_location=True),
        headers=t["pegawai"],
    ).get_json()
    assert "mock_location" in mocked["flags"]
    jump = client.post(
        url + "/punches", json=_punch("k-jump", kind="out", where=FAR), headers=t["pegawai"]
    ).get_json()
    assert "impossible_jump" in jump["flags"]
    with tenant_db(slug) as s:
        day = attendance.days_of(s, ids["worker"], date(2000, 1, 1), date(2100, 1, 1))[0]
        assert day.check_in is None and day.pending == 3  # nothing suspect counts yet
    # Someone else's supervisor may not review them; a plain staff member may not at all.
    assert (
        client.post(
            url + "/punches/review",
            json={"punch_ids": [outside["id"]], "accept": True},
            headers=t["guru"],
        ).status_code
        == 403
    )
    assert (
        client.post(
            url + "/punches/review",
            json={"punch_ids": [outside["id"]], "accept": True},
            headers=t["pegawai"],
        ).status_code
        == 403
    )
    ok = client.post(
        url + "/punches/review",
        json={"punch_ids": [outside["id"]], "accept": True},
        headers=t["kadis"],
    )
    assert ok.status_code == 200, ok.get_json()
    with tenant_db(slug) as s:
        day = attendance.days_of(s, ids["worker"], date(2000, 1, 1), date(2100, 1, 1))[0]
        assert day.check_in is not None and day.pending == 2
    # The regency switches to refusing check-ins outside the fence.
    patched = client.patch(
        url + "/settings", json={"settings": {"geofence_policy": "refuse"}}, headers=t["bkpsdm"]
    )
    assert patched.status_code == 200, patched.get_json()
    refused = client.post(
        url + "/punches", json=_punch("k-out-2", where=(-6.93, 107.62)), headers=t["pegawai"]
    )
    assert refused.status_code == 422 and "geofence" in refused.get_json()["error"]["message"]
    bad = client.patch(
        url + "/settings", json={"settings": {"geofence_policy": "maybe"}}, headers=t["bkpsdm"]
    )
    assert bad.status_code == 422
    assert (
        client.patch(url + "/settings", json={"settings": {}}, headers=t["kadis"]).status_code
        == 403
    )


def test_offline_batches_within_the_window_and_retried_safely(client, kab, tenant_db):
    slug, ids, t = kab  # noqa: RUF059 - one fixture shape for every test
    url = API.format(slug=slug) + "/punches/batch"
    now = datetime.now(UTC)
    batch = {
        "punches": [
            _punch("off-1", device_time=(now - timedelta(hours=30)).isoformat()),
            _punch("off-2", kind="out", device_time=(now - timedelta(hours=22)).isoformat()),
            _punch("off-old", device_time=(now - timedelta(hours=100)).isoformat()),
            _punch("off-none"),
        ]
    }
    first = client.post(url, json=batch, headers=t["pegawai"])
    assert first.status_code == 200, first.get_json()
    assert [r["status"] for r in first.get_json()["results"]] == [201, 201, 422, 422]
    assert (
        first.get_json()["results"][0]["punch"]["review"] == "accepted"
    )  # offline alone is no suspicion
    again = client.post(url, json=batch, headers=t["pegawai"]).get_json()["results"]
    assert [r["status"] for r in again] == [200, 200, 422, 422]
    with tenant_db(slug) as s:
        assert s.scalar(select(func.count()).select_from(Punch)) == 2


def test_absence_approved_by_the_supervisor_only(client, kab):
    slug, ids, t = kab  # noqa: RUF059 - one fixture shape for every test
    url = API.format(slug=slug)
    start = datetime.now(UTC).date()
    body = {
        "kind": "sick",
        "start_day": start.isoformat(),
        "end_day": (start + timedelta(days=1)).isoformat(),
        "reason": "demam",
        "evidence_name": "surat.pdf",
        "evidence_base64": "JVBERi0xLjQK",
    }
    made = client.post(url + "/absences", json=body, headers=t["pegawai"])
    assert made.status_code == 201, made.get_json()
    absence = made.get_json()
    assert absence["has_evidence"] is True
    assert client.post(url + "/absences", json=body, headers=t["pegawai"]).status_code == 409
    bad = client.post(
        url + "/absences",
        json=body | {"kind": "holiday", "evidence_base64": "bm90IGEgcGRm"},
        headers=t["pegawai"],
    )
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"kind", "evidence"}
    decide = url + f"/absences/{absence['id']}/decision"
    assert client.post(decide, json={"approve": True}, headers=t["guru"]).status_code == 403
    assert client.post(decide, json={"approve": True}, headers=t["pegawai"]).status_code == 403
    assert (
        client.post(decide, json={"approve": False}, headers=t["kadis"]).status_code == 422
    )  # a refusal needs a note
    ok = client.post(decide, json={"approve": True}, headers=t["kadis"])
    assert ok.status_code == 200 and ok.get_json()["status"] == "approved"
    assert client.post(decide, json={"approve": True}, headers=t["kadis"]).status_code == 409


def test_work_logs_bulk_decisions_all_or_nothing(client, kab, tenant_db):
    slug, ids, t = kab
    url = API.format(slug=slug)
    today = datetime.now(UTC).date()
    log = {
        "day": today.isoformat(),
        "duty_id": ids["duty"],
        "start": "08:00",
        "end": "09:30",
        "quantity": 2,
        "output": "2 laporan",
    }
    made = [
        client.post(url + "/work-logs", json=log | times, headers=t["pegawai"]).get_json()
        for times in ({}, {"start": "09:30", "end": "11:00"})
    ]
    assert [m["minutes"] for m in made] == [90, 90]  # 2 x 60 standard minutes, capped by 90 spent
    assert (
        client.post(
            url + "/work-logs", json=log | {"end": "07:00"}, headers=t["pegawai"]
        ).status_code
        == 422
    )
    queue = client.get(url + "/work-logs/queue", headers=t["kadis"]).get_json()["work_logs"]
    assert {w["id"] for w in queue} == {m["id"] for m in made}
    both = {"log_ids": [m["id"] for m in made], "approve": True}
    assert (
        client.post(url + "/work-logs/decisions", json=both, headers=t["guru"]).status_code == 403
    )
    assert (
        client.post(
            url + "/work-logs/decisions", json={**both, "approve": False}, headers=t["kadis"]
        ).status_code
        == 422
    )
    done = client.post(url + "/work-logs/decisions", json=both, headers=t["kadis"])
    assert done.status_code == 200 and {w["status"] for w in done.get_json()["work_logs"]} == {
        "approved"
    }
    assert (
        client.post(url + "/work-logs/decisions", json=both, headers=t["kadis"]).status_code == 409
    )


def test_tpp_statement_traces_each_rupiah_and_a_locked_month_stays(client, kab, tenant_db):
    slug, ids, t = kab
    monday = date(2026, 3, 2)
    with tenant_db(slug) as s:
        tz = attendance.zone(s)
        late_in = datetime.combine(monday, time(8, 15), tz)  # 45 minutes late
        out = datetime.combine(monday, time(16, 5), tz)
        point = attendance.PunchIn("in", "m-in", OFFICE[0], OFFICE[1], 10, "hp", None)
        attendance.record_punch(s, ids["worker"], point, source="mobile", now=late_in)
        attendance.record_punch(
            s,
            ids["worker"],
            attendance.PunchIn("out", "m-out", OFFICE[0], OFFICE[1], 10, "hp", None),
            source="mobile",
            now=out,
        )
        runs.compute_month(s, system_actor("tests"), 2026, 3, today=date(2026, 4, 10))
        record_id = attendance.days_of(s, ids["worker"], monday, monday)[0].id
    url = API.format(slug=slug)
    got = client.get(url + "/tpp/2026/3", headers=t["pegawai"])
    assert got.status_code == 200, got.get_json()
    st = got.get_json()
    assert (
        sum(ln["amount"] for ln in st["lines"])
        == st["performance_deduction"] + st["discipline_deduction"]
    )
    assert st["net"] == st["base"] - st["performance_deduction"] - st["discipline_deduction"]
    (late,) = [ln for ln in st["lines"] if ln["day"] == "2026-03-02"]
    assert late["component"] == "late" and late["minutes"] == 45 and late["rule"] == "late_bands[1]"
    assert late["record"] == f"attendance_day:{record_id}"
    assert late["amount"] == st["discipline_part"] // 100  # 1 %
    # Every other working day without a record is an absence line, each naming its day.
    assert all(ln["day"] for ln in st["lines"] if ln["component"] == "absent")
    # Who may read whose statement.
    assert (
        client.get(url + f"/tpp/2026/3/staff/{ids['worker']}", headers=t["kadis"]).status_code
        == 200
    )
    assert (
        client.get(url + f"/tpp/2026/3/staff/{ids['worker']}", headers=t["guru"]).status_code == 403
    )
    assert (
        client.get(url + f"/tpp/2026/3/staff/{ids['head']}", headers=t["pegawai"]).status_code
        == 403
    )
    assert client.get(url + "/tpp/2026/13", headers=t["pegawai"]).status_code == 422
    # Lock: a recomputation is refused and the statement says so.
    assert client.post(url + "/tpp/2026/3/lock", headers=t["kadis"]).status_code == 403
    assert client.post(url + "/tpp/2026/3/lock", headers=t["bkpsdm"]).status_code == 200
    assert client.get(url + "/tpp/2026/3", headers=t["pegawai"]).get_json()["locked"] is True
    with tenant_db(slug) as s:
        actor = system_actor("tests")
        with pytest.raises(Conflict, match=r"^March 2026 is locked"):
            runs.compute_month(s, actor, 2026, 3, today=date(2026, 4, 10))


def test_a_month_is_named_in_the_readers_language(client, kab, tenant_db):
    """Maret 2026 to an Indonesian reader, March 2026 to an English one; never 03/2026."""
    slug, _ids, t = kab
    with tenant_db(slug) as s:
        runs.compute_month(s, system_actor("tests"), 2026, 3, today=date(2026, 4, 10))
    url = API.format(slug=slug)
    assert client.post(url + "/tpp/2026/3/lock", headers=t["bkpsdm"]).status_code == 200
    for lang, missing, uncomputed, locked in (
        (
            "id",
            "belum ada rincian TPP untuk Februari 2026",
            "Februari 2026 belum dihitung",
            "Maret 2026 sudah dikunci; TPP-nya tidak berubah lagi",
        ),
        (
            "en",
            "no TPP statement for February 2026 yet",
            "February 2026 has not been computed",
            "March 2026 is locked; its TPP no longer changes",
        ),
    ):
        got = client.get(url + f"/tpp/2026/2?lang={lang}", headers=t["pegawai"])
        assert got.status_code == 404
        error = got.get_json()["error"]
        assert error["localized"] == missing
        assert error["message"] == "no TPP statement for February 2026 yet"
        assert error["params"] == {"month": "2026-02"}
        got = client.post(url + f"/tpp/2026/2/lock?lang={lang}", headers=t["bkpsdm"])
        assert got.status_code == 404 and got.get_json()["error"]["localized"] == uncomputed
        got = client.post(url + f"/tpp/2026/3/lock?lang={lang}", headers=t["bkpsdm"])
        assert got.status_code == 409 and got.get_json()["error"]["localized"] == locked


def test_tokens_of_another_regency_and_accounts_without_staff(client, kab, provision):
    slug, ids, t = kab  # noqa: RUF059 - one fixture shape for every test
    other = provision(apps=("ekinerja",))
    assert client.get(API.format(slug=other) + "/absences", headers=t["pegawai"]).status_code == 401
    # The BKPSDM admin has no staff record: their own attendance is refused plainly.
    refused = client.post(API.format(slug=slug) + "/punches", json=_punch("x"), headers=t["bkpsdm"])
    assert refused.status_code == 403 and refused.get_json()["error"]["fields"] == {
        "account": "not linked"
    }
    # A malformed body is a 422, never a 500.
    assert (
        client.post(
            API.format(slug=slug) + "/punches",
            json={"kind": "in", "idempotency_key": "y", "latitude": 999},
            headers=t["pegawai"],
        ).status_code
        == 422
    )


def test_pages_in_indonesian_and_refusals_localized(client, kab, page_sign_in, tenant_db):
    slug, _ids, t = kab
    with tenant_db(slug) as s:
        runs.compute_month(s, system_actor("tests"), 2026, 3, today=date(2026, 4, 10))
    worker = page_sign_in(slug, "pegawai@example.go.id")
    page = worker.get(f"/t/{slug}/ekinerja/?year=2026&month=3")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Kehadiran saya" in html and "Tidak hadir tanpa keterangan" in html
    assert worker.get(f"/t/{slug}/ekinerja/queue").status_code == 403  # staff approve nothing
    head = page_sign_in(slug, "kadis@example.go.id")
    queue = head.get(f"/t/{slug}/ekinerja/queue")
    assert queue.status_code == 200 and "Menunggu keputusan saya" in queue.get_data(as_text=True)
    refused = client.post(
        API.format(slug=slug) + "/punches?lang=id",
        json=_punch("z", where=FAR),
        headers=t["bkpsdm"],
    )
    assert "belum terhubung" in refused.get_json()["error"]["localized"]


def test_setting_up_an_org_unit_that_does_not_exist_is_a_404(client, kab):
    """Found by the fuzz run: a regency-wide admin manages every unit, even a missing one,
    and the database refused the duty with a 500."""
    slug, _, t = kab
    api = API.format(slug=slug)
    duty = {"org_unit_id": 999_999, "name": "Rapat", "standard_minutes": 60, "output_unit": "x"}
    refused = client.post(f"{api}/duties", json=duty, headers=t["bkpsdm"])
    assert refused.status_code == 404
    assert refused.get_json()["error"]["fields"] == {"org_unit_id": "unknown"}


def test_the_day_record_kept_up_per_punch_equals_a_rebuild_from_all_punches(kab, tenant_db):
    """A check-in updates the day record in the statement that inserts it; in any order
    (late offline uploads, ties, flagged punches) it must match a rebuild from scratch."""
    slug, ids, _ = kab
    monday = date(2026, 3, 2)
    with tenant_db(slug) as s:
        tz = attendance.zone(s)

        def at(hour, minute):
            return datetime.combine(monday, time(hour, minute), tz)

        def mobile(key, kind, when, where=OFFICE):
            point = attendance.PunchIn(kind, key, where[0], where[1], 10, "hp", None)
            return attendance.record_punch(s, ids["worker"], point, source="mobile", now=when)

        def offline(key, kind, device, now):
            point = attendance.PunchIn(kind, key, OFFICE[0], OFFICE[1], 10, "hp", device)
            return attendance.record_punch(s, ids["worker"], point, source="offline", now=now)

        def kept():
            day = attendance.days_of(s, ids["worker"], monday, monday)[0]
            s.refresh(day)
            return (
                day.check_in,
                day.check_in_punch_id,
                day.check_out,
                day.check_out_punch_id,
                day.pending,
            )

        steps = [
            lambda: mobile("a", "out", at(16, 0)),
            lambda: offline("b", "in", at(7, 30), at(16, 10)),
            lambda: offline("c", "out", at(12, 0), at(16, 20)),
            lambda: mobile("d", "in", at(16, 30)),
            lambda: mobile("e", "in", at(16, 40), where=FAR),  # outside, impossible jump
            lambda: offline("f", "in", at(7, 30), at(16, 50)),  # ties with "b": "b" stays
            lambda: mobile("g", "out", at(17, 0)),
            lambda: offline("h", "out", at(17, 0), at(17, 5)),  # ties with "g": the later id
        ]
        punches = {}
        for key, step in zip("abcdefgh", steps, strict=True):
            punch, created = step()
            assert created
            punches[key] = punch
            incremental = kept()
            attendance.rebuild_day(s, ids["worker"], monday)
            assert kept() == incremental, key
        assert kept() == (
            at(7, 30),
            punches["b"].id,
            at(17, 0),
            punches["h"].id,
            2,
        )
        # "e" is far off, and "g" back at the office 20 minutes after it: both wait.
        assert [punches[k].review for k in "eg"] == ["pending", "pending"]
        # A retry changes nothing, the day record included.
        again, created = offline("c", "out", at(12, 0), at(17, 10))
        assert not created and again.id == punches["c"].id
        assert kept()[2:4] == (at(17, 0), punches["h"].id)
