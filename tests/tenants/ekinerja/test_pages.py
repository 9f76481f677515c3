"""e-Kinerja's pages as people use them, and what a signed-in attacker tries."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from tenants.ekinerja.models import Absence, WorkLog
from tenants.ekinerja.worklogs import QUEUE_LIMIT
from tests.support.ekinerja_pages import build, queue_of_two
from tests.support.web import csrf_token, sign_in

BASE = "/t/{slug}/ekinerja"
NOV = "year=2026&month=11"


@pytest.fixture
def kab(provision, tenant_db):
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as session:
        ids = build(session)
    return slug, ids


@pytest.fixture
def as_user(app):
    def signed(slug, who):
        client = app.test_client()
        assert sign_in(client, slug, f"{who}@example.go.id").status_code in (302, 303)
        return client

    return signed


def _post(client, page, url, data, **kw):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, **kw)


def _today():
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


def test_my_attendance_shows_each_days_hours_lateness_and_excuse(kab, as_user):
    slug, _ids = kab
    me = as_user(slug, "pegawai")
    page = me.get(f"{BASE.format(slug=slug)}/?{NOV}").get_data(as_text=True)
    day = re.search(r'data-day="2026-11-02" data-state="present">(.*?)</tr>', page, re.S)
    assert day and "07.42" in day.group(1) and "+12" in day.group(1) and "07.30" in day.group(1)
    early = re.search(r'data-day="2026-11-03" data-state="present">(.*?)</tr>', page, re.S)
    assert early and "\u221230" in early.group(1)
    assert 'data-day="2026-11-04" data-state="absent"' in page
    assert 'data-day="2026-11-05" data-state="excused"' in page and "Cuti tahunan" in page
    assert 'data-day="2026-11-07" data-state="off"' in page  # a Saturday
    assert "Sen 2 Nov" in page  # Indonesian dates


def test_my_tpp_names_the_day_the_record_and_the_rule_version_of_every_cut(kab, as_user):
    slug, _ids = kab
    me = as_user(slug, "pegawai")
    page = me.get(f"{BASE.format(slug=slug)}/tpp?{NOV}").get_data(as_text=True)
    lines = re.findall(
        r'<li class="list-group-item[^"]*" data-component="(\w+)">(.*?)</li>', page, re.S
    )
    components = [c for c, _body in lines]
    assert {"late", "early", "missing_out", "absent", "performance"} <= set(components)
    late = next(body for c, body in lines if c == "late" and "12" in body)
    assert "Senin, 2 November 2026" in late
    assert "catatan kehadiran #" in late
    assert "Aturan bawaan (belum diverifikasi)" in late and "late_bands[0]" in late
    assert re.search("\u2212Rp \\d{1,3}(\\.\\d{3})*", late)
    assert "TPP diterima" in page
    # The same statement in English, dates the English way.
    english = me.get(f"{BASE.format(slug=slug)}/tpp?{NOV}&lang=en").get_data(as_text=True)
    assert "Late arrival" in english and "Monday, 2 November 2026" in english
    assert "attendance record #" in english and "Rp " in english


def test_my_tpp_opens_on_the_last_statement_and_leads_to_its_objection_form(kab, as_user):
    slug, _ids = kab
    base = BASE.format(slug=slug)
    me = as_user(slug, "pegawai")
    # TPP is computed after a month ends: the page opens on November's statement, not on
    # an empty month.
    page = me.get(f"{base}/tpp").get_data(as_text=True)
    assert "November 2026" in page and 'data-component="late"' in page
    link = re.search(r'href="([^"]+)" id="ekn-object">Tidak setuju dengan potongan', page)
    assert link and "year=2026" in link.group(1) and "month=11" in link.group(1)
    form = me.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert 'name="line_id"' in form and "Terlambat masuk" in form
    # The objections page opened from the menu is on that month too.
    assert 'name="line_id"' in me.get(f"{base}/objections").get_data(as_text=True)
    # A month without a statement says so and points at the latest one.
    empty = me.get(f"{base}/tpp?year=2026&month=10").get_data(as_text=True)
    assert "Belum ada rincian TPP untuk bulan ini." in empty and 'id="ekn-object"' not in empty
    latest = re.search(r'href="([^"]+)" id="ekn-latest">Rincian terakhir: November 2026', empty)
    assert latest and "month=11" in latest.group(1)
    # Someone with no statement at all is told so, with nowhere else to go.
    nobody = as_user(slug, "viewer").get(f"{base}/tpp").get_data(as_text=True)
    assert 'id="ekn-latest"' not in nobody and 'id="ekn-object"' not in nobody


def test_another_persons_pages_are_refused_to_anyone_not_over_them(kab, as_user):
    slug, ids = kab
    base = BASE.format(slug=slug)
    worker = ids["worker"]
    me = as_user(slug, "pegawai")
    assert me.get(f"{base}/people/{ids['teacher']}/attendance").status_code == 403
    assert me.get(f"{base}/people/{ids['teacher']}/tpp").status_code == 403
    assert me.get(f"{base}/recap?unit={ids['disdik']}").status_code == 403
    assert me.get(f"{base}/dashboard").status_code == 403
    # Months the calendar cannot hold are a clear 422, never a 500.
    for query in ("year=9999&month=12", "year=2026&month=13", "year=x"):
        assert me.get(f"{base}/?{query}").status_code == 422
        assert me.get(f"{base}/tpp?{query}").status_code == 422
    # A supervisor of another unit, and that unit's admin, cannot read the worker.
    for who in ("kadisdik", "adminunit"):
        other = as_user(slug, who)
        assert other.get(f"{base}/people/{worker}/attendance?{NOV}").status_code == 403
        assert other.get(f"{base}/people/{worker}/tpp?{NOV}").status_code == 403
        assert other.get(f"{base}/absences/{ids['leave']}/evidence").status_code == 404
        assert other.get(f"{base}/recap?unit={ids['dinkes']}").status_code == 403
        assert other.get(f"{base}/people/999999999/tpp").status_code == 404
    # The admin of the other unit reads their own unit, the guru's teacher included.
    admin = as_user(slug, "adminunit")
    assert admin.get(f"{base}/people/{ids['teacher']}/attendance").status_code == 200
    assert admin.get(f"{base}/recap?unit={ids['disdik']}").status_code == 200
    # The worker's own supervisor, BKPSDM and a viewer may read.
    for who in ("kadis", "bkpsdm", "viewer"):
        reader = as_user(slug, who)
        page = reader.get(f"{base}/people/{worker}/tpp?{NOV}")
        assert page.status_code == 200 and 'data-component="late"' in page.get_data(as_text=True)
        assert reader.get(f"{base}/absences/{ids['leave']}/evidence").status_code == 200


def test_an_absence_file_nobody_may_see_is_answered_as_one_that_does_not_exist(
    kab, as_user, tenant_db
):
    """Trying ids tells an outsider nothing: someone else's absence file, an absence
    without a file and an id that names none are the same 404. A viewer, who reads
    every person regency-wide, reads both kinds of evidence file."""
    slug, ids = kab
    base = BASE.format(slug=slug)
    leave = f"{base}/absences/{ids['leave']}/evidence"
    with tenant_db(slug) as session:
        bare = Absence(
            staff_id=ids["teacher"],
            kind="sick",
            start_day=_today(),
            end_day=_today(),
            reason="Demam",
            status="submitted",
        )
        session.add(bare)
        session.flush()
        bare_id = bare.id
        log_id = session.scalar(select(WorkLog.id).where(WorkLog.staff_id == ids["worker"]))
        session.get(WorkLog, log_id).evidence = b"%PDF-1.4\nlaporan"
        session.get(WorkLog, log_id).evidence_type = "application/pdf"
        session.get(WorkLog, log_id).evidence_name = "laporan.pdf"
    for who in ("guru", "kadisdik", "adminunit"):
        other = as_user(slug, who)
        answers = [
            other.get(url)
            for url in (
                leave,
                f"{base}/absences/999999999/evidence",
                f"{base}/absences/{bare_id}/evidence",
            )
        ]
        assert [a.status_code for a in answers] == [404, 404, 404], who
        assert b"surat.pdf" not in answers[0].data
    viewer = as_user(slug, "viewer")
    got = viewer.get(leave)
    assert got.status_code == 200 and got.data == b"%PDF-1.4\n"
    log_file = viewer.get(f"{base}/worklogs/{log_id}/evidence")
    assert log_file.status_code == 200 and log_file.data == b"%PDF-1.4\nlaporan"


def test_an_absence_with_evidence_is_approved_or_returned_only_by_its_supervisor(
    kab, as_user, tenant_db
):
    slug, _ids = kab
    base = BASE.format(slug=slug)
    day = _today()
    me = as_user(slug, "pegawai")
    sent = _post(
        me,
        f"{base}/absences",
        f"{base}/absences",
        {
            "kind": "travel",
            "start_day": day.isoformat(),
            "end_day": day.isoformat(),
            "reason": "Rapat di provinsi",
            "evidence": (io.BytesIO(b"%PDF-1.4\nsurat tugas"), "surat-tugas.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    with tenant_db(slug) as session:
        absence = session.scalar(select(Absence).where(Absence.kind == "travel"))
        assert absence.status == "submitted" and absence.evidence_type == "application/pdf"
        absence_id = absence.id
    # A file that is not a PDF or an image is refused with a message, nothing stored.
    bad = _post(
        me,
        f"{base}/absences",
        f"{base}/absences",
        {
            "kind": "sick",
            "start_day": day.isoformat(),
            "end_day": "not a day",
            "reason": "x",
        },
    )
    assert bad.status_code == 303
    assert "YYYY-MM-DD" in me.get(f"{base}/absences").get_data(as_text=True)
    # Another unit's supervisor sees nothing to decide, and is refused if they try.
    stranger = as_user(slug, "kadisdik")
    assert f'data-absence="{absence_id}"' not in stranger.get(f"{base}/absences/decide").get_data(
        as_text=True
    )
    _post(
        stranger,
        f"{base}/absences/decide",
        f"{base}/absences/{absence_id}/decision",
        {"action": "approve"},
    )
    # The supervisor must give a note to return it, then approves.
    boss = as_user(slug, "kadis")
    queue = boss.get(f"{base}/absences/decide").get_data(as_text=True)
    assert f'data-absence="{absence_id}"' in queue and "surat-tugas.pdf" in queue
    _post(
        boss,
        f"{base}/absences/decide",
        f"{base}/absences/{absence_id}/decision",
        {"action": "return"},
    )
    with tenant_db(slug) as session:
        assert session.get(Absence, absence_id).status == "submitted"
    _post(
        boss,
        f"{base}/absences/decide",
        f"{base}/absences/{absence_id}/decision",
        {"action": "approve"},
    )
    with tenant_db(slug) as session:
        found = session.get(Absence, absence_id)
        assert found.status == "approved" and found.decided_by


def test_work_logs_go_through_the_supervisors_queue_in_bulk(kab, as_user, tenant_db):
    slug, ids = kab
    base = BASE.format(slug=slug)
    day = _today()
    me = as_user(slug, "pegawai")
    page = me.get(f"{base}/worklogs").get_data(as_text=True)
    assert "Menyusun laporan" in page and 'id="ekn-cutoff"' in page
    for start, end in (("08:00", "10:00"), ("10:00", "11:00")):
        sent = _post(
            me,
            f"{base}/worklogs",
            f"{base}/worklogs",
            {
                "day": day.isoformat(),
                "duty_id": str(ids["duty"]),
                "start": start,
                "end": end,
                "quantity": "2",
                "output": "Laporan",
            },
        )
        assert sent.status_code == 303
    # Someone else's duty list is not the worker's: refused, nothing stored.
    _post(
        me,
        f"{base}/worklogs",
        f"{base}/worklogs",
        {
            "day": day.isoformat(),
            "duty_id": "999999",
            "start": "08:00",
            "end": "09:00",
            "quantity": "1",
            "output": "x",
        },
    )
    with tenant_db(slug) as session:
        mine = session.scalars(select(WorkLog).where(WorkLog.day == day)).all()
        assert [w.minutes for w in mine] == [120, 60]
        log_ids = [str(w.id) for w in mine]
    boss = as_user(slug, "kadis")
    queue = boss.get(f"{base}/queue").get_data(as_text=True)
    assert all(f'data-log="{i}"' in queue for i in log_ids) and 'id="ekn-cutoffs"' in queue
    # Another supervisor cannot approve them by posting their ids.
    stranger = as_user(slug, "kadisdik")
    _post(stranger, f"{base}/queue", f"{base}/queue", {"log_id": log_ids, "action": "approve"})
    # Returning needs a note; then one is returned and the other approved.
    _post(boss, f"{base}/queue", f"{base}/queue", {"log_id": log_ids[:1], "action": "return"})
    with tenant_db(slug) as session:
        assert {w.status for w in session.scalars(select(WorkLog).where(WorkLog.day == day))} == {
            "submitted"
        }
    _post(
        boss,
        f"{base}/queue",
        f"{base}/queue",
        {"log_id": log_ids[:1], "action": "return", "note": "Lampirkan laporannya"},
    )
    _post(boss, f"{base}/queue", f"{base}/queue", {"log_id": log_ids[1:], "action": "approve"})
    with tenant_db(slug) as session:
        statuses = {
            w.id: w.status for w in session.scalars(select(WorkLog).where(WorkLog.day == day))
        }
        assert sorted(statuses.values()) == ["approved", "returned"]


def test_the_queue_shows_each_persons_logs_together(kab, as_user, tenant_db):
    slug, ids = kab
    base = BASE.format(slug=slug)
    with tenant_db(slug) as session:
        nurse = queue_of_two(session, ids, _today())
    page = as_user(slug, "kadis").get(f"{base}/queue").get_data(as_text=True)
    assert "Laporan kerja harian: <strong>4</strong>" in page
    sections = re.findall(r'<section class="mb-3" data-person="(\d+)">(.*?)</section>', page, re.S)
    # By name: Ani before Sari, each with their two logs, their minutes and their own box.
    assert [int(pid) for pid, _body in sections] == [nurse, ids["worker"]]
    for pid, body in sections:
        assert body.count("data-log=") == 2 and body.count(f'data-ekn-group="{pid}"') == 2
        assert "2 laporan · 180 menit" in body and f'data-ekn-ticks="{pid}"' in body
    # The tick-all boxes wait for the script; without it every log keeps its own box.
    assert page.count("data-ekn-tick hidden") == 3 and 'id="ekn-queue-more"' not in page


def test_a_queue_longer_than_the_page_says_the_oldest_are_shown(kab, as_user, tenant_db):
    slug, ids = kab
    day = _today()
    rows = [
        {
            "staff_id": ids["worker"],
            "day": day - timedelta(days=n // 10),
            "duty_id": ids["duty"],
            "start_time": time(8, 0),
            "end_time": time(9, 0),
            "quantity": 1,
            "minutes": 60,
            "output": f"Laporan {n}",
            "status": "submitted",
        }
        for n in range(QUEUE_LIMIT + 1)
    ]
    with tenant_db(slug) as session:
        session.execute(insert(WorkLog), rows)
    page = as_user(slug, "kadis").get(f"{BASE.format(slug=slug)}/queue").get_data(as_text=True)
    assert page.count("data-log=") == QUEUE_LIMIT
    assert 'id="ekn-queue-more"' in page and "Yang ditampilkan 500 laporan kerja tertua" in page


def test_a_refused_absence_or_work_log_says_each_field_in_indonesian(kab, as_user):
    slug, _ids = kab
    base = BASE.format(slug=slug)
    me = as_user(slug, "pegawai")
    day = _today().isoformat()
    absence = {"kind": "holiday", "start_day": day, "end_day": "2020-01-01", "reason": ""}
    page = _post(
        me, f"{base}/absences", f"{base}/absences", absence, follow_redirects=True
    ).get_data(as_text=True)
    assert "pada atau setelah hari mulai" in page and "1 sampai 2.000 karakter" in page
    assert "on or after" not in page
    log = {"day": day, "duty_id": "999999", "start": "09:00", "end": "08:00", "quantity": "0"}
    page = _post(
        me, f"{base}/worklogs", f"{base}/worklogs", {**log, "output": ""}, follow_redirects=True
    ).get_data(as_text=True)
    assert "tugas dari daftar tugas unit Anda" in page and "bilangan bulat dari 1 sampai" in page
    assert "a duty of your unit" not in page and "characters" not in page


def test_the_unit_recap_and_the_regency_dashboard(kab, as_user):
    slug, ids = kab
    base = BASE.format(slug=slug)
    boss = as_user(slug, "kadis")
    team = boss.get(f"{base}/recap?{NOV}").get_data(as_text=True)
    row = re.search(rf'data-staff="{ids["worker"]}" data-band="(\w+)">(.*?)</tr>', team, re.S)
    assert row and row.group(1) == "red"  # absent most of the month
    cells = re.findall(r'<td class="text-end[^"]*">(.*?)</td>', row.group(2), re.S)
    assert [c.strip() for c in cells[:2]] == ["4", "2"]  # 4 days present, 2 late
    assert "Rp " in cells[3]
    bkpsdm = as_user(slug, "bkpsdm")
    dash = bkpsdm.get(f"{base}/dashboard?{NOV}")
    assert dash.status_code == 200
    text = dash.get_data(as_text=True)
    chart = json.loads(re.search(r'id="ekn-chart-data">(.*?)</script>', text, re.S).group(1))
    assert chart["labels"] == ["Dinas Kesehatan"] and chart["values"] == [50.0]
    assert chart["bands"] == ["red"] and chart["trend"][-1] == 50.0
    assert as_user(slug, "viewer").get(f"{base}/dashboard").status_code == 200
    assert as_user(slug, "adminunit").get(f"{base}/dashboard").status_code == 403
