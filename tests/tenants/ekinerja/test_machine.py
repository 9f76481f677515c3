"""Fingerprint machine files, on the real database: the ZKTeco attendance log and the
CSV/XLSX exports, each checked (a report of every problem, nothing recorded), then
applied once as punches of source ``machine`` in the one-record-per-day model; and
what a careless or hostile upload holds (another regency's ids, lines of another
unit, malformed lines, a file too big, a file big enough for a job)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from smartcity.toolkit import tenant_settings
from sqlalchemy import func, select

from tenants.ekinerja.machine import MAX_BYTES
from tenants.ekinerja.models import AttendanceDay, MachineId, MachineImport, Punch
from tests.support.ekinerja import make_regency
from tests.support.web import csrf_token
from tests.workers import run_now


@pytest.fixture
def kab(provision, tenant_db, client):
    regency = make_regency(provision, tenant_db, client)
    for who, value in (("worker", "101"), ("head", "102"), ("other", "201")):
        response = client.put(
            f"{regency.api}/machine-ids",
            json={"staff_id": regency.ids[who], "machine_user_id": value},
            headers=regency.tokens["bkpsdm"],
        )
        assert response.status_code == 200, response.get_json()
    return regency


def _local_tz(tenant_db, slug) -> ZoneInfo:
    with tenant_db(slug) as s:
        return ZoneInfo(tenant_settings(s).timezone)


def _day(tenant_db, slug) -> date:
    """Two days ago in the regency: always in a month still open."""
    return datetime.now(_local_tz(tenant_db, slug)).date() - timedelta(days=2)


def attlog(*rows: tuple[str, str, str]) -> bytes:
    """Lines as the machine writes them: padded id, time, verify, state, work code."""
    return "".join(f"{uid:>9}\t{when}\t1\t{state}\t0\t0\r\n" for uid, when, state in rows).encode()


def upload(client, kab, content: bytes, name="1_attlog.dat", who="bkpsdm"):
    return client.post(
        f"{kab.api}/machine-files",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        headers=kab.tokens[who],
    )


def punches(tenant_db, slug) -> int:
    with tenant_db(slug) as s:
        return s.scalar(select(func.count()).select_from(Punch))


def test_attlog_is_reported_then_applied_once(client, kab, tenant_db):
    d = _day(tenant_db, kab.slug)
    old = d - timedelta(days=70)  # a closed month
    future = d + timedelta(days=5)
    content = (
        attlog(
            ("101", f"{d} 07:45:12", "0"),
            ("101", f"{d} 12:01:00", "2"),  # break-out
            ("101", f"{d} 16:10:40", "1"),
            ("101", f"{d} 16:10:55", "1"),  # the same minute again: a repeat
            ("102", f"{d} 07:20:00", "255"),  # no state key: morning is a check-in
            ("102", f"{d} 15:59:00", "255"),
            ("7777", f"{d} 07:30:00", "0"),  # nobody has this id
            ("101", f"{old} 07:30:00", "0"),
            ("101", f"{future} 07:30:00", "0"),
        )
        + b"garbage line\r\n101\t2026-13-45 99:99:99\t1\t0\r\n101\t"
        + f"{d} 08:00:00\t1\t9\r\n".encode()
    )
    response = upload(client, kab, content)
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["status"] == "ready"
    counts = report["counts"]
    assert counts["lines"] == 12
    assert counts["usable"] == 5 and counts["new"] == 5 and counts["already"] == 0
    assert counts["people"] == 2
    assert counts["problems"] == {
        "unparseable": 3,
        "unknown_id": 1,
        "not_your_unit": 0,
        "inactive": 0,
        "duplicate": 1,
        "outside_window": 2,
    }
    kinds = {(p["line"], p["kind"]) for p in report["problems"]}
    assert (4, "duplicate") in kinds and (7, "unknown_id") in kinds and (10, "unparseable") in kinds
    assert punches(tenant_db, kab.slug) == 0  # the report records nothing

    applied = client.post(
        f"{kab.api}/machine-files/{report['id']}/apply", headers=kab.tokens["bkpsdm"]
    )
    assert applied.status_code == 200, applied.get_json()
    assert applied.get_json()["status"] == "applied"
    assert applied.get_json()["counts"]["new"] == 5
    tz = _local_tz(tenant_db, kab.slug)
    with tenant_db(kab.slug) as s:
        sources = set(s.scalars(select(Punch.source)))
        day = s.scalar(
            select(AttendanceDay).where(
                AttendanceDay.staff_id == kab.ids["worker"], AttendanceDay.day == d
            )
        )
        head = s.scalar(
            select(AttendanceDay).where(
                AttendanceDay.staff_id == kab.ids["head"], AttendanceDay.day == d
            )
        )
        assert sources == {"machine"}
        assert day.check_in.astimezone(tz).strftime("%H:%M") == "07:45"
        assert day.check_out.astimezone(tz).strftime("%H:%M") == "16:10"
        assert head.check_in.astimezone(tz).strftime("%H:%M") == "07:20"
        assert head.check_out.astimezone(tz).strftime("%H:%M") == "15:59"
    before = punches(tenant_db, kab.slug)

    again = client.post(
        f"{kab.api}/machine-files/{report['id']}/apply", headers=kab.tokens["bkpsdm"]
    )
    assert again.status_code == 409
    # The same file uploaded again: everything is recorded already, nothing new.
    second = upload(client, kab, content).get_json()
    assert second["counts"]["already"] == 5 and second["counts"]["new"] == 0
    applied = client.post(
        f"{kab.api}/machine-files/{second['id']}/apply", headers=kab.tokens["bkpsdm"]
    )
    assert applied.status_code == 200
    assert applied.get_json()["counts"]["new"] == 0
    assert punches(tenant_db, kab.slug) == before


def test_the_csv_and_xlsx_exports(client, kab, tenant_db):
    d = _day(tenant_db, kab.slug)
    csv = (
        "No.,AC-No.,Name,Date/Time,Status\r\n"
        f"1,101,Pegawai,{d:%d/%m/%Y} 07:31,C/In\r\n"
        f"2,101,Pegawai,{d:%d/%m/%Y} 16:02,C/Out\r\n"
        f"3,101,Pegawai,{d:%d/%m/%Y} 25:02,C/Out\r\n"
    ).encode()
    report = upload(client, kab, csv, "export.csv").get_json()
    assert report["counts"]["usable"] == 2
    assert report["counts"]["problems"]["unparseable"] == 1
    assert report["problems"][0]["line"] == 4  # as the spreadsheet numbers it

    book = Workbook()
    sheet = book.active
    sheet.append(["No.", "ID", "Name", "Date", "Time", "Status"])
    sheet.append([1, 102, "Kadis", d, "07:05", "Check In"])
    sheet.append([2, 102, "Kadis", d, "16:30", "Check Out"])
    sheet.append([3, 102, "Kadis", date(2020, 1, 1), "xx", "Check Out"])
    data = io.BytesIO()
    book.save(data)
    report = upload(client, kab, data.getvalue(), "export.xlsx").get_json()
    assert report["counts"]["usable"] == 2 and report["counts"]["problems_total"] == 1
    applied = client.post(
        f"{kab.api}/machine-files/{report['id']}/apply", headers=kab.tokens["bkpsdm"]
    )
    assert applied.status_code == 200
    tz = _local_tz(tenant_db, kab.slug)
    with tenant_db(kab.slug) as s:
        day = s.scalar(
            select(AttendanceDay).where(
                AttendanceDay.staff_id == kab.ids["head"], AttendanceDay.day == d
            )
        )
        assert day.check_in.astimezone(tz).strftime("%H:%M") == "07:05"


def test_another_regencys_ids_and_another_units_lines(client, kab, tenant_db):
    d = _day(tenant_db, kab.slug)
    # Another regency's machine: ids nobody here is enrolled under. Nothing to apply.
    foreign = attlog(*((str(5000 + n), f"{d} 07:{n:02d}:00", "0") for n in range(40)))
    report = upload(client, kab, foreign).get_json()
    assert report["status"] == "rejected"
    assert report["counts"]["problems"]["unknown_id"] == 40
    response = client.post(
        f"{kab.api}/machine-files/{report['id']}/apply", headers=kab.tokens["bkpsdm"]
    )
    assert response.status_code == 409
    # The health unit's admin: the teacher's line (another unit) is a problem, not a punch.
    mixed = attlog(("101", f"{d} 07:40:00", "0"), ("201", f"{d} 07:41:00", "0"))
    report = upload(client, kab, mixed, who="admin-dinkes").get_json()
    assert report["counts"]["usable"] == 1
    assert report["counts"]["problems"]["not_your_unit"] == 1
    applied = client.post(
        f"{kab.api}/machine-files/{report['id']}/apply", headers=kab.tokens["admin-dinkes"]
    )
    assert applied.status_code == 200
    with tenant_db(kab.slug) as s:
        assert s.scalar(select(func.count()).where(Punch.staff_id == kab.ids["other"])) == 0
    # A plain staff member may not upload at all.
    assert upload(client, kab, mixed, who="pegawai").status_code == 403


def test_malformed_and_oversized_files_are_refused_cleanly(client, kab):
    for content, name in (
        (b"\x00\x01\x02PK garbage" * 50, "attlog.dat"),
        (b"a,b,c\r\n1,2,3\r\n", "export.csv"),
        (b"PK\x03\x04 not really a zip", "export.xlsx"),
        (b"", "attlog.dat"),
    ):
        response = upload(client, kab, content, name)
        assert response.status_code == 422, (name, response.get_json())
    huge = upload(client, kab, b"1\t2026-01-01 07:00:00\t1\t0\n" * (MAX_BYTES // 25 + 10))
    assert huge.status_code == 413
    missing = client.post(f"{kab.api}/machine-files", headers=kab.tokens["bkpsdm"])
    assert missing.status_code == 422


def test_a_big_file_is_checked_by_a_job(app, state, settings, client, kab, tenant_db):  # noqa: PLR0917
    d = _day(tenant_db, kab.slug)
    rows = [("101", f"{d} 07:50:00", "0"), ("101", f"{d} 16:20:00", "1")]
    filler = (settings.UPLOAD_JOB_BYTES // 30) + 100
    rows += [(str(90000 + n % 500), f"{d} 07:{n % 60:02d}:00", "0") for n in range(filler)]
    content = attlog(*rows)
    assert len(content) > settings.UPLOAD_JOB_BYTES
    response = upload(client, kab, content)
    assert response.status_code == 202, response.get_json()
    queued = response.get_json()
    assert queued["status"] == "checking" and queued["job_id"]
    assert run_now(app, state, kab.slug, queued["job_id"]) == "succeeded"
    report = client.get(
        f"{kab.api}/machine-files/{queued['id']}", headers=kab.tokens["bkpsdm"]
    ).get_json()
    assert report["status"] == "ready"
    assert report["counts"]["usable"] == 2
    assert report["counts"]["problems"]["unknown_id"] == filler
    assert len(report["problems"]) == 1000  # the first thousand are listed
    applied = client.post(
        f"{kab.api}/machine-files/{queued['id']}/apply", headers=kab.tokens["bkpsdm"]
    )
    assert applied.status_code == 200 and applied.get_json()["counts"]["new"] == 2


def test_machine_ids_are_set_one_by_one_or_imported(client, kab, tenant_db):
    api, admin = kab.api, kab.tokens["admin-dinkes"]
    taken = client.put(
        f"{api}/machine-ids",
        json={"staff_id": kab.ids["head"], "machine_user_id": "101"},
        headers=admin,
    )
    assert taken.status_code == 409
    other_unit = client.put(
        f"{api}/machine-ids",
        json={"staff_id": kab.ids["other"], "machine_user_id": "555"},
        headers=admin,
    )
    assert other_unit.status_code == 403
    bad = client.put(
        f"{api}/machine-ids",
        json={"staff_id": kab.ids["worker"], "machine_user_id": "1 OR 1=1"},
        headers=admin,
    )
    assert bad.status_code == 422
    listed = client.get(f"{api}/machine-ids", headers=admin).get_json()["machine_ids"]
    assert {r["name"] for r in listed} == {"Kadis", "Pegawai"}  # only the admin's unit

    # Import: swapping the two ids is one file; a bad row refuses the whole file.
    swap = "nip,id_mesin\n198609262015051001,102\n197001101992011001,0101\n"
    response = client.post(
        f"{api}/machine-ids/import",
        data={"file": (io.BytesIO(swap.encode()), "ids.csv")},
        content_type="multipart/form-data",
        headers=admin,
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["rows"] == 2
    hostile = "nip,id_mesin\n198609262015051001,300\n198001012005011002,301\n999,302\n"
    response = client.post(
        f"{api}/machine-ids/import",
        data={"file": (io.BytesIO(hostile.encode()), "ids.csv")},
        content_type="multipart/form-data",
        headers=admin,
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"row 3", "row 4"}
    with tenant_db(kab.slug) as s:
        ids = dict(s.execute(select(MachineId.staff_id, MachineId.machine_user_id)).all())
    assert ids[kab.ids["worker"]] == "102" and ids[kab.ids["head"]] == "101"
    assert ids[kab.ids["other"]] == "201"


def test_the_pages_check_then_apply_in_indonesian(client, kab, tenant_db, page_sign_in):
    d = _day(tenant_db, kab.slug)
    browser = page_sign_in(kab.slug, "bkpsdm@example.go.id")
    base = f"/t/{kab.slug}/ekinerja/machine"
    page = browser.get(base)
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    content = attlog(("101", f"{d} 07:45:00", "0"), ("4242", f"{d} 07:46:00", "0"))
    response = browser.post(
        base,
        data={"csrf_token": token, "file": (io.BytesIO(content), "attlog.dat")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    report_url = response.headers["Location"]
    report = browser.get(report_url, headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "tidak ada pegawai dengan id mesin ini" in report.lower()
    assert "4242" in report
    with tenant_db(kab.slug) as s:
        record = s.scalars(select(MachineImport)).one()
    response = browser.post(f"{base}/{record.id}/apply", data={"csrf_token": csrf_token(report)})
    assert response.status_code == 303
    assert punches(tenant_db, kab.slug) == 1
    staff_page = page_sign_in(kab.slug, "pegawai@example.go.id").get(base)
    assert staff_page.status_code == 403


def test_applied_punches_feed_the_day_even_with_a_clock_at_utc(client, kab, tenant_db):
    """The machine writes local wall-clock time: 07:45 on the machine is 07:45 in the
    regency, whatever the server's zone."""
    d = _day(tenant_db, kab.slug)
    report = upload(client, kab, attlog(("101", f"{d} 07:45:00", "0"))).get_json()
    client.post(f"{kab.api}/machine-files/{report['id']}/apply", headers=kab.tokens["bkpsdm"])
    tz = _local_tz(tenant_db, kab.slug)
    with tenant_db(kab.slug) as s:
        at = s.scalar(select(Punch.at))
    expected = datetime(d.year, d.month, d.day, 7, 45, tzinfo=tz)
    assert at.astimezone(UTC) == expected.astimezone(UTC)


def test_a_big_file_the_job_refuses_is_rejected_with_the_reason(  # noqa: PLR0917
    app, state, settings, client, kab, tenant_db
):
    content = b"Nama;Jabatan\r\n" + b"Pegawai;Analis\r\n" * (settings.UPLOAD_JOB_BYTES // 16 + 10)
    response = upload(client, kab, content, "rekap.csv")
    assert response.status_code == 202
    queued = response.get_json()
    assert run_now(app, state, kab.slug, queued["job_id"]) == "failed"
    report = client.get(
        f"{kab.api}/machine-files/{queued['id']}",
        headers={**kab.tokens["bkpsdm"], "Accept-Language": "id"},
    ).get_json()
    assert report["status"] == "rejected"
    assert report["refusal"].startswith("bukan ekspor mesin sidik jari")
    applied = client.post(
        f"{kab.api}/machine-files/{queued['id']}/apply", headers=kab.tokens["bkpsdm"]
    )
    assert applied.status_code == 409
    assert punches(tenant_db, kab.slug) == 0
