"""Objections to a TPP statement: the person objects, their unit's admin decides, the
statement is recalculated; and what a hostile user of the regency would try."""

from __future__ import annotations

import threading
from datetime import date, datetime, time
from typing import Any

import pytest
from smartcity.tenantcore.models import AuditEntry
from smartcity.toolkit import Conflict
from sqlalchemy import select

from tenants.ekinerja import attendance, objections, runs
from tenants.ekinerja.access import SELF, Actor, system_actor
from tenants.ekinerja.models import Absence, Office, Punch
from tenants.ekinerja.tppmodels import Objection
from tests.conftest import bearer, tenant_token
from tests.support.ekinerja_tpp import API, b64, two_units, user
from tests.support.images import png
from tests.support.web import csrf_token

OFFICE = (-6.9175, 107.6191)
MONDAY = date(2026, 3, 2)
TUESDAY = date(2026, 3, 3)
PNG = png(8, 8)


def _setup(provision: Any, tenant_db: Any, client: Any) -> tuple[str, dict[str, int], dict]:
    from smartcity.tenantcore.models import Staff

    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        ids = two_units(s)
        staff = {k: s.get(Staff, v) for k, v in ids.items() if k not in ("dinkes", "disdik")}
        user(s, "pegawai@example.go.id", "ekinerja.staff", staff["worker"])
        user(s, "guru@example.go.id", "ekinerja.staff", staff["guru"])
        user(s, "kadis@example.go.id", "ekinerja.supervisor", staff["head"])
        user(s, "opd@example.go.id", "ekinerja.unit_admin", staff["admin"], (ids["dinkes"],))
        user(s, "admdik@example.go.id", "ekinerja.unit_admin", staff["guru_head"], (ids["disdik"],))
        user(s, "bkpsdm@example.go.id", "ekinerja.bkpsdm_admin")
        s.add(
            Office(
                org_unit_id=ids["dinkes"],
                name="Kantor",
                latitude=OFFICE[0],
                longitude=OFFICE[1],
                radius_m=150,
            )
        )
        s.flush()
        tz = attendance.zone(s)
        for key, kind, at in (
            ("in-1", "in", datetime.combine(MONDAY, time(8, 15), tz)),  # 45 minutes late
            ("out-1", "out", datetime.combine(MONDAY, time(16, 5), tz)),
        ):
            attendance.record_punch(
                s,
                ids["worker"],
                attendance.PunchIn(kind, key, OFFICE[0], OFFICE[1], 10, "hp", None),
                source="mobile",
                now=at,
            )
        runs.compute_month(s, system_actor("tests"), 2026, 3, today=date(2026, 4, 10))
    tokens = {
        who: bearer(tenant_token(client, slug, f"{who}@example.go.id"))
        for who in ("pegawai", "guru", "kadis", "opd", "admdik", "bkpsdm")
    }
    return slug, ids, tokens


@pytest.fixture
def kab(provision: Any, tenant_db: Any, client: Any) -> tuple[str, dict[str, int], dict]:
    return _setup(provision, tenant_db, client)


def _statement(client: Any, slug: str, token: Any) -> dict[str, Any]:
    got = client.get(API.format(slug=slug) + "/tpp/2026/3", headers=token)
    assert got.status_code == 200, got.get_json()
    return got.get_json()  # type: ignore[no-any-return]


def _line(st: dict[str, Any], day: date, component: str) -> dict[str, Any]:
    (found,) = [
        ln for ln in st["lines"] if ln["day"] == day.isoformat() and ln["component"] == component
    ]
    return found


def test_an_accepted_objection_corrects_the_punch_and_recalculates(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids, t = kab
    url = API.format(slug=slug)
    before = _statement(client, slug, t["pegawai"])
    late = _line(before, MONDAY, "late")
    sent = client.post(
        url + "/tpp/2026/3/objections",
        json={
            "line_id": late["id"],
            "reason": "Mesin sidik jari mati, saya hadir 07.25",
            "evidence_name": "surat.png",
            "evidence_base64": b64(PNG),
        },
        headers=t["pegawai"],
    )
    assert sent.status_code == 201, sent.get_json()
    objection = sent.get_json()
    assert objection["status"] == "submitted" and objection["has_evidence"] is True
    assert (
        objection["line"]["rule"] == "late_bands[1]"
        and objection["line"]["amount"] == late["amount"]
    )
    # The same line twice while the first awaits its decision: refused.
    again = client.post(
        url + "/tpp/2026/3/objections",
        json={"line_id": late["id"], "reason": "lagi"},
        headers=t["pegawai"],
    )
    assert again.status_code == 409
    # Only the admin of the person's unit sees and decides it.
    queue = client.get(url + "/objections/queue", headers=t["opd"]).get_json()
    assert [o["id"] for o in queue["objections"]] == [objection["id"]]
    assert client.get(url + "/objections/queue", headers=t["admdik"]).get_json() == {
        "objections": []
    }
    decision = f"{url}/objections/{objection['id']}/decision"
    accept = {
        "accept": True,
        "note": "Sesuai laporan kerusakan mesin",
        "correction": {"kind": "punch", "day": MONDAY.isoformat(), "check_in": "07:25"},
    }
    assert client.post(decision, json=accept, headers=t["admdik"]).status_code == 403
    assert client.post(decision, json=accept, headers=t["pegawai"]).status_code == 403
    assert client.post(decision, json=accept, headers=t["kadis"]).status_code == 403
    done = client.post(decision, json=accept, headers=t["opd"])
    assert done.status_code == 200, done.get_json()
    decided = done.get_json()
    assert decided["status"] == "accepted"
    assert decided["correction"]["kind"] == "punch" and decided["correction"]["check_in"] == "07:25"
    assert decided["after"]["net"] - decided["before"]["net"] == late["amount"]
    # The statement is recalculated: no late line that day, and more TPP.
    after = _statement(client, slug, t["pegawai"])
    assert not [ln for ln in after["lines"] if ln["day"] == MONDAY.isoformat()]
    assert after["net"] == before["net"] + late["amount"]
    # The person sees the decision; deciding twice is refused.
    mine = client.get(url + "/objections", headers=t["pegawai"]).get_json()["objections"]
    assert mine[0]["status"] == "accepted" and mine[0]["decision_note"].startswith("Sesuai")
    assert client.post(decision, json=accept, headers=t["opd"]).status_code == 409
    with tenant_db(slug) as s:
        actions = set(
            s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "objection")).all()
        )
        assert actions == {"ekinerja.objection", "ekinerja.objection_decision"}
        day = attendance.days_of(s, ids["worker"], MONDAY, MONDAY)[0]
        assert day.check_in.astimezone(attendance.zone(s)).time() == time(7, 25)


def test_an_excused_day_and_a_rejection_with_its_note(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids, t = kab
    url = API.format(slug=slug)
    before = _statement(client, slug, t["pegawai"])
    absent = _line(before, TUESDAY, "absent")
    first = client.post(
        url + "/tpp/2026/3/objections",
        json={"line_id": absent["id"], "reason": "Sakit, surat dokter terlampir"},
        headers=t["pegawai"],
    ).get_json()
    whole = client.post(
        url + "/tpp/2026/3/objections",
        json={"reason": "Potongan kinerja terlalu besar"},
        headers=t["pegawai"],
    ).get_json()
    assert whole["line"] is None
    excuse = {
        "accept": True,
        "correction": {
            "kind": "excuse",
            "absence_kind": "sick",
            "start_day": TUESDAY.isoformat(),
            "end_day": TUESDAY.isoformat(),
        },
    }
    # A correction outside the objection's month is refused whole.
    outside = {"accept": True, "correction": {**excuse["correction"], "end_day": "2026-04-01"}}
    refused = client.post(
        f"{url}/objections/{first['id']}/decision", json=outside, headers=t["bkpsdm"]
    )
    assert refused.status_code == 422
    ok = client.post(f"{url}/objections/{first['id']}/decision", json=excuse, headers=t["bkpsdm"])
    assert ok.status_code == 200, ok.get_json()
    after = _statement(client, slug, t["pegawai"])
    assert not [ln for ln in after["lines"] if ln["day"] == TUESDAY.isoformat()]
    assert after["net"] == before["net"] + absent["amount"]
    with tenant_db(slug) as s:
        absence = s.scalar(select(Absence).where(Absence.staff_id == ids["worker"]))
        assert absence.status == "approved" and absence.kind == "sick"
    # A rejection needs its note; the person reads it.
    reject = f"{url}/objections/{whole['id']}/decision"
    assert client.post(reject, json={"accept": False}, headers=t["opd"]).status_code == 422
    no = client.post(
        reject, json={"accept": False, "note": "Menit kerja belum disetujui"}, headers=t["opd"]
    )
    assert no.status_code == 200 and no.get_json()["status"] == "rejected"
    assert no.get_json()["after"] is None
    assert _statement(client, slug, t["pegawai"])["net"] == after["net"]


def test_an_excuse_over_days_another_request_holds_is_refused_whole(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    """The person also asked for sick leave on Tuesday and it still waits: excusing the
    day through the objection would make a second absence over it (annual leave would
    count twice). The admin decides that request instead; nothing is written here."""
    slug, ids, t = kab
    url = API.format(slug=slug)
    absent = _line(_statement(client, slug, t["pegawai"]), TUESDAY, "absent")
    objection = client.post(
        url + "/tpp/2026/3/objections",
        json={"line_id": absent["id"], "reason": "Sakit, sudah mengajukan cuti"},
        headers=t["pegawai"],
    ).get_json()
    with tenant_db(slug) as s:
        waiting = Absence(
            staff_id=ids["worker"],
            kind="sick",
            start_day=TUESDAY,
            end_day=TUESDAY,
            reason="Demam",
            status="submitted",
        )
        s.add(waiting)
        s.flush()
        waiting_id = waiting.id
    excuse = {
        "accept": True,
        "correction": {
            "kind": "excuse",
            "absence_kind": "annual",
            "start_day": TUESDAY.isoformat(),
            "end_day": TUESDAY.isoformat(),
        },
    }
    refused = client.post(
        f"{url}/objections/{objection['id']}/decision", json=excuse, headers=t["opd"]
    )
    assert refused.status_code == 409, refused.get_json()
    error = refused.get_json()["error"]
    overlap = f"hari-hari ini bertumpang tindih dengan ketidakhadiran {waiting_id}"
    assert error["localized"] == overlap
    assert "correction.start_day" in error["fields"]
    with tenant_db(slug) as s:
        assert s.get(Objection, objection["id"]).status == "submitted"
        held = s.scalars(select(Absence.id).where(Absence.staff_id == ids["worker"])).all()
        assert held == [waiting_id]


def test_what_an_attacker_in_the_regency_tries(client: Any, kab: Any, tenant_db: Any) -> None:
    slug, ids, t = kab
    url = API.format(slug=slug)
    worker_line = _statement(client, slug, t["pegawai"])["lines"][0]
    # Objecting to someone else's line: as unknown as a line that does not exist.
    stolen = client.post(
        url + "/tpp/2026/3/objections",
        json={"line_id": worker_line["id"], "reason": "bukan punya saya"},
        headers=t["guru"],
    )
    assert stolen.status_code == 404
    # Naming another person in the body is refused, not ignored.
    named = client.post(
        url + "/tpp/2026/3/objections",
        json={"reason": "x", "staff_id": ids["worker"]},
        headers=t["guru"],
    )
    assert named.status_code == 422
    # A unit admin deciding their own objection.
    own = client.post(
        url + "/tpp/2026/3/objections", json={"reason": "punya saya"}, headers=t["opd"]
    ).get_json()
    refused = client.post(
        f"{url}/objections/{own['id']}/decision",
        json={"accept": True},
        headers=t["opd"],
    )
    assert refused.status_code == 403
    assert refused.get_json()["error"]["fields"] == {"objection_id": "your own"}
    # A month not computed, and a malformed evidence file.
    assert (
        client.post(
            url + "/tpp/2026/2/objections", json={"reason": "x"}, headers=t["guru"]
        ).status_code
        == 404
    )
    bad = client.post(
        url + "/tpp/2026/3/objections",
        json={"reason": "x", "evidence_base64": b64(b"MZ not a document")},
        headers=t["guru"],
    )
    assert bad.status_code == 422
    # Objecting to (or deciding on) a locked month.
    pending = client.post(
        url + "/tpp/2026/3/objections", json={"reason": "lihat lagi"}, headers=t["pegawai"]
    ).get_json()
    assert client.post(url + "/tpp/2026/3/lock", headers=t["bkpsdm"]).status_code == 200
    locked = client.post(
        url + "/tpp/2026/3/objections", json={"reason": "terlambat"}, headers=t["guru"]
    )
    assert locked.status_code == 409 and locked.get_json()["error"]["fields"] == {"month": "locked"}
    late = client.post(
        f"{url}/objections/{pending['id']}/decision",
        json={"accept": False, "note": "x"},
        headers=t["opd"],
    )
    assert late.status_code == 409


def test_the_pages_to_object_and_to_decide(
    client: Any, kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    slug, _ids, t = kab
    worker = page_sign_in(slug, "pegawai@example.go.id")
    page = worker.get(f"/t/{slug}/ekinerja/objections?year=2026&month=3")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Keberatan TPP saya" in html and "Terlambat masuk" in html
    assert worker.get(f"/t/{slug}/ekinerja/objections/queue").status_code == 403
    assert worker.get(f"/t/{slug}/ekinerja/what-if").status_code == 403
    sent = client.post(
        API.format(slug=slug) + "/tpp/2026/3/objections",
        json={"reason": "Mohon ditinjau", "evidence_base64": b64(PNG), "evidence_name": "a.png"},
        headers=t["pegawai"],
    ).get_json()
    admin = page_sign_in(slug, "opd@example.go.id")
    queue = admin.get(f"/t/{slug}/ekinerja/objections/queue")
    assert queue.status_code == 200 and "Mohon ditinjau" in queue.get_data(as_text=True)
    # The month in words, the absence kinds by their names: not "03/2026" nor "field_duty".
    queue_html = queue.get_data(as_text=True)
    assert "Maret 2026" in queue_html and "03/2026" not in queue_html
    assert '<option value="field_duty">Tugas lapangan</option>' in queue_html
    assert "<option>field_duty</option>" not in queue_html
    mine = worker.get(f"/t/{slug}/ekinerja/objections?year=2026&month=3")
    mine_html = mine.get_data(as_text=True)
    assert "Maret 2026" in mine_html and "03/2026" not in mine_html
    # The evidence file: to the person and their unit's admin, to nobody else.
    path = f"/t/{slug}/ekinerja/objections/{sent['id']}/evidence"
    got = admin.get(path)
    # Kept as a PNG written again (without any metadata the file came with).
    assert got.status_code == 200 and got.mimetype == "image/png"
    assert got.data.startswith(b"\x89PNG")
    assert got.headers["Content-Disposition"] == "attachment; filename=a.png"
    assert worker.get(path).status_code == 200
    assert page_sign_in(slug, "guru@example.go.id").get(path).status_code == 404
    assert page_sign_in(slug, "admdik@example.go.id").get(path).status_code == 404


def test_a_corrected_check_out_before_the_check_in_is_refused_and_nothing_changes(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    """An admin's typo (17:00 in, 07:00 out) once turned an accepted objection into a
    bigger cut; a time with seconds or an offset was read silently."""
    slug, ids, t = kab
    url = API.format(slug=slug)
    before = _statement(client, slug, t["pegawai"])
    late = _line(before, MONDAY, "late")
    sent = client.post(
        url + "/tpp/2026/3/objections",
        json={"line_id": late["id"], "reason": "Saya hadir 07.25"},
        headers=t["pegawai"],
    ).get_json()
    decision = f"{url}/objections/{sent['id']}/decision"
    monday = MONDAY.isoformat()
    for fix, field in (
        ({"check_in": "17:00", "check_out": "07:00"}, "correction.check_out"),
        # Only the check-in, after the day's own check-out (16:05).
        ({"check_in": "17:00"}, "correction.check_out"),
        ({"check_in": "07:25+09:00"}, "correction"),
        ({"check_in": "0725"}, "correction"),
        ({"check_in": "07:25:30"}, "correction"),
        ({"check_in": 725}, "correction"),
    ):
        refused = client.post(
            decision,
            json={"accept": True, "correction": {"kind": "punch", "day": monday, **fix}},
            headers={**t["opd"], "Accept-Language": "id"},
        )
        assert refused.status_code == 422, (fix, refused.get_json())
        assert field in refused.get_json()["error"]["fields"], fix
    assert refused.get_json()["error"]["localized"] == "koreksi tidak sah"
    # Nothing half-written: the objection waits, the day and the statement are as they were.
    assert _statement(client, slug, t["pegawai"])["net"] == before["net"]
    with tenant_db(slug) as s:
        assert s.get(Objection, sent["id"]).status == "submitted"
        day = attendance.days_of(s, ids["worker"], MONDAY, MONDAY)[0]
        assert day.check_in.astimezone(attendance.zone(s)).time() == time(8, 15)
        assert not s.scalars(select(Punch).where(Punch.source == "correction")).all()
    done = client.post(
        decision,
        json={"accept": True, "correction": {"kind": "punch", "day": monday, "check_in": "07:25"}},
        headers=t["opd"],
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["after"]["net"] == before["net"] + late["amount"]


def test_a_refusal_says_what_is_wrong_in_indonesian_on_the_api_and_the_pages(
    client: Any, kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    """The fields of a refused objection or decision were English only ("within the
    month", "1 to 2000 characters"), and the pages flashed "the correction is not
    valid" without saying why; a tampered line id became an objection to everything."""
    slug, _ids, t = kab
    url = API.format(slug=slug)
    indonesian = {**t["pegawai"], "Accept-Language": "id"}
    empty = client.post(url + "/tpp/2026/3/objections", json={"reason": " "}, headers=indonesian)
    assert empty.status_code == 422
    assert empty.get_json()["error"]["localized_fields"] == {"reason": "1 sampai 2.000 karakter"}
    sent = client.post(
        url + "/tpp/2026/3/objections", json={"reason": "Mohon ditinjau"}, headers=t["pegawai"]
    ).get_json()
    again = client.post(url + "/tpp/2026/3/objections", json={"reason": "lagi"}, headers=indonesian)
    assert again.status_code == 409
    assert again.get_json()["error"]["localized_fields"] == {"objection": "menunggu keputusan"}
    decision = f"{url}/objections/{sent['id']}/decision"
    for correction, field, words in (
        (
            {"kind": "excuse", "absence_kind": "sick", "start_day": "2026-04-01"},
            "correction.day",
            "di dalam bulan itu",
        ),
        ({"kind": "punch", "day": "2026-03-02"}, "correction.check_in", "jam masuk, jam pulang"),
        ({"kind": "punch", "day": "kemarin"}, "correction", "tanggal TTTT-BB-HH"),
        ({"kind": "hapus"}, "correction.kind", "izin, koreksi presensi, atau hadir"),
    ):
        refused = client.post(
            decision,
            json={"accept": True, "correction": correction},
            headers={**t["opd"], "Accept-Language": "id"},
        )
        assert refused.status_code == 422, correction
        assert words in refused.get_json()["error"]["localized_fields"][field], correction
    own = client.post(url + "/tpp/2026/3/objections", json={"reason": "x"}, headers=t["opd"])
    mine = client.post(
        f"{url}/objections/{own.get_json()['id']}/decision",
        json={"accept": False, "note": "tidak"},
        headers={**t["opd"], "Accept-Language": "id"},
    )
    assert mine.status_code == 403
    assert mine.get_json()["error"]["localized_fields"] == {"objection_id": "milik Anda sendiri"}
    # The page tells the admin why, beside the refusal.
    admin = page_sign_in(slug, "opd@example.go.id")
    queue = admin.get(f"/t/{slug}/ekinerja/objections/queue").get_data(as_text=True)
    token = csrf_token(queue)
    swapped = admin.post(
        f"/t/{slug}/ekinerja/objections/{sent['id']}/decision",
        data={
            "csrf_token": token,
            "action": "accept",
            "correction": "punch",
            "day": "2026-03-02",
            "check_in": "17:00",
            "check_out": "07:00",
        },
        follow_redirects=True,
    )
    html = swapped.get_data(as_text=True)
    assert "koreksi tidak sah; sesudah jam masuk" in html
    # A line id in other digits, or text, is no line of the statement, not all of it.
    worker = page_sign_in(slug, "pegawai@example.go.id")
    form = worker.get(f"/t/{slug}/ekinerja/objections?year=2026&month=3").get_data(as_text=True)
    for tampered in ("\u0661\u0662", "semua"):
        answer = worker.post(
            f"/t/{slug}/ekinerja/objections?year=2026&month=3",
            data={"csrf_token": csrf_token(form), "line_id": tampered, "reason": "Mohon"},
            follow_redirects=True,
        )
        assert "tidak ada baris 0 pada rincian TPP Anda" in answer.get_data(as_text=True)
    with tenant_db(slug) as s:
        assert len(s.scalars(select(Objection)).all()) == 2


def test_the_same_objection_sent_twice_at_once_is_stored_once(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    """A double tap on a phone: both requests passed the "already objected" check before
    either was committed, and the admin got the same objection twice to decide."""
    slug, ids, _t = kab
    person = Actor("pegawai@example.go.id", frozenset({SELF}), ids["worker"], None)
    second: list[object] = []

    def send_again() -> None:
        with tenant_db(slug) as other:
            try:
                objections.submit(other, person, year=2026, month=3, line_id=None, reason="dua")
            except Conflict as refused:
                second.append(refused.fields)
            else:
                second.append("stored")

    with tenant_db(slug) as first:
        objections.submit(first, person, year=2026, month=3, line_id=None, reason="satu")
        racer = threading.Thread(target=send_again)
        racer.start()
        racer.join(timeout=1)
        assert racer.is_alive()  # it waits for the first to be committed
    racer.join(timeout=10)
    assert second == [{"objection": "awaiting its decision"}]
    with tenant_db(slug) as s:
        assert [o.reason for o in s.scalars(select(Objection))] == ["satu"]


def test_a_punch_correction_waits_for_a_check_in_of_the_same_person_and_keeps_it(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    """Accepting a corrected check-in rebuilt the day from the punches it read without
    the person's lock: a check-out being recorded meanwhile was committed under it and
    then overwritten, so the day lost a check-out its punches still had."""
    slug, ids, t = kab
    url = API.format(slug=slug)
    late = _line(_statement(client, slug, t["pegawai"]), MONDAY, "late")
    sent = client.post(
        url + "/tpp/2026/3/objections",
        json={"line_id": late["id"], "reason": "Saya hadir 07.25"},
        headers=t["pegawai"],
    ).get_json()
    decided: list[str] = []

    def decide() -> None:
        with tenant_db(slug) as other:
            done = objections.decide(
                other,
                system_actor("tests"),
                sent["id"],
                accept=True,
                note="mesin rusak",
                correction={"kind": "punch", "day": MONDAY.isoformat(), "check_in": "07:25"},
            )
            decided.append(done.status)

    with tenant_db(slug) as checking_out:
        tz = attendance.zone(checking_out)
        attendance.record_punch(
            checking_out,
            ids["worker"],
            attendance.PunchIn("out", "out-late", OFFICE[0], OFFICE[1], 10, "hp", None),
            source="mobile",
            now=datetime.combine(MONDAY, time(17, 30), tz),
        )
        racer = threading.Thread(target=decide)
        racer.start()
        racer.join(timeout=1)
        assert racer.is_alive()  # the decision waits for the check-out to be committed
    racer.join(timeout=10)
    assert decided == ["accepted"]
    with tenant_db(slug) as s:
        day = attendance.days_of(s, ids["worker"], MONDAY, MONDAY)[0]
        local = attendance.zone(s)
        assert day.check_in.astimezone(local).time() == time(7, 25)
        assert day.check_out.astimezone(local).time() == time(17, 30)


def _recompute(tenant_db: Any, slug: str) -> None:
    with tenant_db(slug) as s:
        runs.compute_month(s, system_actor("tests"), 2026, 3, today=date(2026, 4, 10))


def test_a_statement_recalculated_while_the_form_was_open_says_so(
    client: Any, kab: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    """The month was recalculated while the person filled in the form: their line was
    replaced by a new one and they were told it was not on their statement (404), as if
    they had tampered with it."""
    slug, _ids, t = kab
    url = API.format(slug=slug) + "/tpp/2026/3/objections"
    opened = _statement(client, slug, t["pegawai"])
    late = _line(opened, MONDAY, "late")
    theirs = _statement(client, slug, t["guru"])["lines"][0]
    worker = page_sign_in(slug, "pegawai@example.go.id")
    form = worker.get(f"/t/{slug}/ekinerja/objections?year=2026&month=3").get_data(as_text=True)
    assert f'name="statement_id" value="{opened["statement_id"]}"' in form
    _recompute(tenant_db, slug)
    for language, words in (
        ("id", "rincian TPP Anda dihitung ulang setelah Anda membukanya"),
        ("en", "your statement was recalculated after you opened it"),
    ):
        stale = client.post(
            url,
            json={"line_id": late["id"], "statement_id": opened["statement_id"], "reason": "x"},
            headers={**t["pegawai"], "Accept-Language": language},
        )
        assert stale.status_code == 409, stale.get_json()
        assert words in stale.get_json()["error"]["localized"]
    assert stale.get_json()["error"]["fields"] == {
        "statement_id": "recalculated since you opened it"
    }
    answer = worker.post(
        f"/t/{slug}/ekinerja/objections?year=2026&month=3",
        data={
            "csrf_token": csrf_token(form),
            "statement_id": str(opened["statement_id"]),
            "line_id": str(late["id"]),
            "reason": "Mohon",
        },
        follow_redirects=True,
    )
    assert "dihitung ulang setelah Anda membukanya" in answer.get_data(as_text=True)
    # Someone else's line on the statement as it is now: as unknown as before.
    now = _statement(client, slug, t["pegawai"])
    assert now["statement_id"] != opened["statement_id"]
    stolen = client.post(
        url,
        json={"line_id": theirs["id"], "statement_id": now["statement_id"], "reason": "x"},
        headers=t["pegawai"],
    )
    assert stolen.status_code == 404 and stolen.get_json()["error"]["fields"] == {
        "line_id": "unknown"
    }
    # Reloaded, the same cut is objected to on its new line.
    again = client.post(
        url,
        json={
            "line_id": _line(now, MONDAY, "late")["id"],
            "statement_id": now["statement_id"],
            "reason": "Saya hadir 07.25",
        },
        headers=t["pegawai"],
    )
    assert again.status_code == 201, again.get_json()
    with tenant_db(slug) as s:
        assert [o.reason for o in s.scalars(select(Objection))] == ["Saya hadir 07.25"]


def test_a_decided_objection_is_final_until_the_statement_is_recalculated(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    """A person whose objection was rejected sent it again, and again: each one another
    item in the admin's queue about the same figures."""
    slug, _ids, t = kab
    url = API.format(slug=slug)
    before = _statement(client, slug, t["pegawai"])
    late, absent = _line(before, MONDAY, "late"), _line(before, TUESDAY, "absent")

    def object_to(line_id: int | None, **headers: str) -> Any:
        body = {"line_id": line_id, "reason": "Mohon ditinjau"}
        return client.post(
            url + "/tpp/2026/3/objections", json=body, headers={**t["pegawai"], **headers}
        )

    for line_id in (late["id"], None):
        sent = object_to(line_id)
        assert sent.status_code == 201, sent.get_json()
        rejected = client.post(
            f"{url}/objections/{sent.get_json()['id']}/decision",
            json={"accept": False, "note": "Tidak ada bukti"},
            headers=t["opd"],
        )
        assert rejected.status_code == 200
        again = object_to(line_id, **{"Accept-Language": "id"})
        assert again.status_code == 409, again.get_json()
        error = again.get_json()["error"]
        assert error["fields"] == {"objection": "already decided"}
        assert error["localized_fields"] == {"objection": "sudah diputuskan"}
        assert "dihitung ulang" in error["localized"]
    # Another line of the same statement is still open to an objection.
    assert object_to(absent["id"]).status_code == 201
    # Recalculated: new figures, new lines, and the rejected line may be objected to again.
    _recompute(tenant_db, slug)
    now = _statement(client, slug, t["pegawai"])
    assert object_to(_line(now, MONDAY, "late")["id"]).status_code == 201
    assert object_to(None).status_code == 201
    with tenant_db(slug) as s:
        assert len(s.scalars(select(Objection)).all()) == 5
