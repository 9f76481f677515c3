"""Daily work logs with their evidence file: sent with the log or added while it waits,
kept without the photo's EXIF, downloaded only by the person, their supervisor and the
admins of their unit; refused once the month is closed or locked; and what a hostile
user of one regency tries against another's logs and another unit's."""

from __future__ import annotations

import base64
import io
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from smartcity.tenantcore.models import Staff, User
from smartcity.toolkit import set_member_units
from sqlalchemy import func, select

from tenants.ekinerja import runs
from tenants.ekinerja.access import system_actor
from tenants.ekinerja.models import WorkLog
from tests.conftest import bearer, tenant_token
from tests.support.ekinerja_pages import build, user
from tests.support.images import MAKER, gif, jpeg_with_gps, png
from tests.support.web import csrf_token

API = "/t/{slug}/api/v1/ekinerja"
PAGES = "/t/{slug}/ekinerja"
PDF = b"%PDF-1.4\nsurat tugas\n%%EOF\n"
WHO = ("pegawai", "kadis", "guru", "kadisdik", "adminunit", "admindinkes", "bkpsdm", "viewer")


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _regency(provision: Any, tenant_db: Any, client: Any) -> tuple[str, dict[str, Any]]:
    """The pages' regency (worker and head in Dinkes, teacher and admin in Disdik) with
    an admin of Dinkes too; tokens of everyone."""
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        ids: dict[str, Any] = build(s)
        admin = user(s, "admindinkes@example.go.id", "ekinerja.unit_admin")
        set_member_units(s, admin.id, "ekinerja", [ids["dinkes"]], actor="test")
    ids["tokens"] = {who: bearer(tenant_token(client, slug, f"{who}@example.go.id")) for who in WHO}
    return slug, ids


@pytest.fixture
def kab(provision: Any, tenant_db: Any, client: Any) -> tuple[str, dict[str, Any]]:
    return _regency(provision, tenant_db, client)


def _log(client: Any, slug: str, ids: dict[str, Any], **extra: Any) -> Any:
    body = {
        "day": _today().isoformat(),
        "duty_id": ids["duty"],
        "start": "08:00",
        "end": "10:00",
        "quantity": 1,
        "output": "Laporan kunjungan lapangan",
        **extra,
    }
    return client.post(
        API.format(slug=slug) + "/work-logs", json=body, headers=ids["tokens"]["pegawai"]
    )


def _count(tenant_db: Any, slug: str) -> int:
    with tenant_db(slug) as s:
        return int(s.scalar(select(func.count()).select_from(WorkLog)))


def test_a_logs_photo_is_kept_without_its_gps_for_the_person_supervisor_and_unit_admins(
    client: Any, kab: Any, tenant_db: Any, provision: Any
) -> None:
    slug, ids = kab
    photo = jpeg_with_gps(1200, 900)
    sent = _log(client, slug, ids, evidence_name="IMG_2044.jpg", evidence_base64=_b64(photo))
    assert sent.status_code == 201, sent.get_json()
    log = sent.get_json()
    assert log["has_evidence"] is True and log["status"] == "submitted"
    with tenant_db(slug) as s:
        stored = s.get(WorkLog, log["id"])
        assert stored.evidence_type == "image/jpeg" and stored.evidence_name == "IMG_2044.jpg"
        assert MAKER.encode() not in stored.evidence
        assert not Image.open(io.BytesIO(stored.evidence)).getexif()
    url = API.format(slug=slug) + f"/work-logs/{log['id']}/evidence"
    t = ids["tokens"]
    for who in ("pegawai", "kadis", "admindinkes", "bkpsdm"):  # self, supervisor, unit admins
        got = client.get(url, headers=t[who])
        assert got.status_code == 200, who
        assert got.mimetype == "image/jpeg" and got.data.startswith(b"\xff\xd8\xff")
        assert got.headers["Content-Disposition"] == "attachment; filename=IMG_2044.jpg"
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.headers["Cache-Control"] == "private, no-store"
    # Another unit's staff, its head and its admin: no such file, as for an unknown id.
    for who in ("guru", "kadisdik", "adminunit"):
        assert client.get(url, headers=t[who]).status_code == 404, who
    # A viewer reads every person's records regency-wide, an absence's file included.
    assert client.get(url, headers=t["viewer"]).status_code == 200
    unknown = API.format(slug=slug) + "/work-logs/999999999/evidence"
    assert client.get(unknown, headers=t["pegawai"]).status_code == 404
    # The roster still names the head as supervisor, but without the supervisor role
    # they are staff like any other: no file.
    with tenant_db(slug) as s:
        head = s.scalar(select(User).where(User.email == "kadis@example.go.id"))
        head.roles = ["member", "ekinerja.staff"]
    assert client.get(url, headers=t["kadis"]).status_code == 404

    # Another regency: its own users find nothing under this id; this regency's token
    # is not a credential there.
    other_slug, other = _regency(provision, tenant_db, client)
    there = API.format(slug=other_slug) + f"/work-logs/{log['id']}/evidence"
    for who in ("pegawai", "kadis", "bkpsdm"):
        assert client.get(there, headers=other["tokens"][who]).status_code == 404, who
    assert client.get(there, headers=t["pegawai"]).status_code == 401
    assert client.get(there, headers=t["bkpsdm"]).status_code == 401


def test_the_pages_link_the_file_to_whoever_may_see_it(
    client: Any, kab: Any, page_sign_in: Any
) -> None:
    slug, ids = kab
    log = _log(client, slug, ids, evidence_name="surat.pdf", evidence_base64=_b64(PDF)).get_json()
    link = PAGES.format(slug=slug) + f"/worklogs/{log['id']}/evidence"
    mine = page_sign_in(slug, "pegawai@example.go.id")
    page = mine.get(PAGES.format(slug=slug) + "/worklogs").get_data(as_text=True)
    assert link in page and "Berkas bukti" in page
    queue = page_sign_in(slug, "kadis@example.go.id")
    assert link in queue.get(PAGES.format(slug=slug) + "/queue").get_data(as_text=True)
    for who in ("pegawai", "kadis", "admindinkes", "bkpsdm"):
        got = page_sign_in(slug, f"{who}@example.go.id").get(link)
        assert got.status_code == 200 and got.data == PDF, who
    for who in ("guru", "adminunit"):
        assert page_sign_in(slug, f"{who}@example.go.id").get(link).status_code == 404, who
    assert page_sign_in(slug, "viewer@example.go.id").get(link).status_code == 200


def test_a_file_is_sent_with_the_form_or_added_later_while_the_log_waits(
    client: Any, kab: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    slug, ids = kab
    base = PAGES.format(slug=slug)
    me = page_sign_in(slug, "pegawai@example.go.id")
    token = csrf_token(me.get(base + "/worklogs").get_data(as_text=True))
    form = {
        "csrf_token": token,
        "duty_id": str(ids["duty"]),
        "day": _today().isoformat(),
        "start": "13:00",
        "end": "14:30",
        "quantity": "1",
        "output": "Rapat koordinasi",
        "evidence": (io.BytesIO(jpeg_with_gps()), "rapat.jpg"),
    }
    sent = me.post(base + "/worklogs", data=form, content_type="multipart/form-data")
    assert sent.status_code == 303
    with tenant_db(slug) as s:
        log = s.scalars(select(WorkLog).where(WorkLog.output == "Rapat koordinasi")).one()
        assert log.evidence_type == "image/jpeg" and MAKER.encode() not in log.evidence
        log_id = log.id
    # Replaced while it waits (the page's small form, then the API).
    page = me.get(base + "/worklogs").get_data(as_text=True)
    assert f"/worklogs/{log_id}/evidence" in page
    attach = me.post(
        f"{base}/worklogs/{log_id}/evidence",
        data={"csrf_token": csrf_token(page), "evidence": (io.BytesIO(PDF), "notulen.pdf")},
        content_type="multipart/form-data",
    )
    assert attach.status_code == 303
    with tenant_db(slug) as s:
        assert s.get(WorkLog, log_id).evidence_name == "notulen.pdf"
    url = API.format(slug=slug) + f"/work-logs/{log_id}/evidence"
    t = ids["tokens"]
    put = client.put(
        url,
        json={"evidence_name": "foto.png", "evidence_base64": _b64(png(40, 30))},
        headers=t["pegawai"],
    )
    assert put.status_code == 200 and put.get_json()["has_evidence"] is True
    assert client.get(url, headers=t["kadis"]).mimetype == "image/png"
    # Nobody adds a file to another person's log: it is as unknown as a missing one.
    for who in ("kadis", "guru", "bkpsdm"):
        body = {"evidence_base64": _b64(PDF)}
        assert client.put(url, json=body, headers=t[who]).status_code in (403, 404), who
    with tenant_db(slug) as s:
        assert s.get(WorkLog, log_id).evidence_type == "image/png"
    # Once decided, the log's file stays as it was.
    decided = client.post(
        API.format(slug=slug) + "/work-logs/decisions",
        json={"log_ids": [log_id], "approve": True},
        headers=t["kadis"],
    )
    assert decided.status_code == 200, decided.get_json()
    again = client.put(url, json={"evidence_base64": _b64(PDF)}, headers=t["pegawai"])
    assert again.status_code == 409


def test_a_closed_or_locked_month_refuses_a_new_file(
    client: Any, kab: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    slug, ids = kab
    t = ids["tokens"]
    # Two months back: past its cutoff.
    old_day = (_today().replace(day=1) - timedelta(days=40)).replace(day=3)
    with tenant_db(slug) as s:
        old = WorkLog(
            staff_id=ids["worker"],
            day=old_day,
            duty_id=ids["duty"],
            start_time=time(8),
            end_time=time(9),
            quantity=1,
            minutes=60,
            output="Lama",
            status="submitted",
        )
        s.add(old)
        s.flush()
        old_id = old.id
    url = API.format(slug=slug) + f"/work-logs/{old_id}/evidence"
    refused = client.put(url, json={"evidence_base64": _b64(PDF)}, headers=t["pegawai"])
    assert refused.status_code == 409 and refused.get_json()["error"]["fields"] == {
        "day": "month closed"
    }
    # This month, once BKPSDM locks it for payment.
    waiting = _log(client, slug, ids).get_json()
    today = _today()
    api = API.format(slug=slug)
    with tenant_db(slug) as s:
        runs.compute_month(s, system_actor("test"), today.year, today.month, today=today)
    locked = client.post(f"{api}/tpp/{today.year}/{today.month}/lock", headers=t["bkpsdm"])
    assert locked.status_code == 200, locked.get_json()
    late = client.put(
        f"{api}/work-logs/{waiting['id']}/evidence",
        json={"evidence_base64": _b64(PDF)},
        headers=t["pegawai"],
    )
    assert late.status_code == 409
    assert _log(client, slug, ids, evidence_base64=_b64(PDF)).status_code == 409
    me = page_sign_in(slug, "pegawai@example.go.id")
    page = me.get(PAGES.format(slug=slug) + "/worklogs").get_data(as_text=True)
    assert f'/worklogs/{waiting["id"]}/evidence"' not in page  # no form to add a file
    with tenant_db(slug) as s:
        assert s.get(WorkLog, waiting["id"]).evidence_type is None


def test_hostile_files_are_refused_and_nothing_is_recorded(
    client: Any, kab: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    slug, ids = kab
    before = _count(tenant_db, slug)
    cases = [
        _b64(gif()),
        _b64(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
        _b64(b"\xff\xd8\xff" + b"<?php echo 1; ?>" * 10),
        _b64(png(6000, 6000)),
        _b64(b"<html><script>alert(1)</script></html>"),
        _b64(b"%PDF-" + b"0" * (2 * 1024 * 1024)),
        "not base64 at all!!",
        "x" * (12 * 1024 * 1024),  # over the body's limit for the field
    ]
    for n, data in enumerate(cases):
        response = _log(client, slug, ids, evidence_name="bukti.pdf", evidence_base64=data)
        assert response.status_code == 422, (n, response.status_code)
        assert response.get_json()["error"]["code"] == "invalid", n
    assert _count(tenant_db, slug) == before
    # A name that would break the download's header is cleaned before it is kept.
    ok = _log(
        client, slug, ids, evidence_name="..\\..\\surat\r\nX-Evil: 1.pdf", evidence_base64=_b64(PDF)
    )
    assert ok.status_code == 201
    got = client.get(
        API.format(slug=slug) + f"/work-logs/{ok.get_json()['id']}/evidence",
        headers=ids["tokens"]["pegawai"],
    )
    assert got.status_code == 200 and "\n" not in got.headers["Content-Disposition"]
    # A PDF named to run as a script on the supervisor's computer downloads as a PDF.
    hta = _log(
        client,
        slug,
        ids,
        start="10:00",
        end="11:00",
        evidence_name="surat.hta",
        evidence_base64=_b64(PDF + b"<script>alert(1)</script>"),
    )
    assert hta.status_code == 201, hta.get_json()
    got = client.get(
        API.format(slug=slug) + f"/work-logs/{hta.get_json()['id']}/evidence",
        headers=ids["tokens"]["kadis"],
    )
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    assert got.headers["Content-Disposition"] == "attachment; filename=surat.hta.pdf"
    # The page says why and keeps nothing.
    me = page_sign_in(slug, "pegawai@example.go.id")
    base = PAGES.format(slug=slug)
    sent = me.post(
        base + "/worklogs",
        data={
            "csrf_token": csrf_token(me.get(base + "/worklogs").get_data(as_text=True)),
            "duty_id": str(ids["duty"]),
            "day": _today().isoformat(),
            "start": "08:00",
            "end": "09:00",
            "quantity": "1",
            "output": "Berkas palsu",
            "evidence": (io.BytesIO(gif()), "bukti.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert sent.status_code == 200
    assert "berkas PDF, PNG atau JPEG" in sent.get_data(as_text=True)
    assert _count(tenant_db, slug) == before + 2


def test_the_same_hours_are_logged_once_and_a_day_holds_no_more_than_its_hours(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    """Ten logs of 08.00-16.00 on one day would credit 80 hours; the second is refused."""
    slug, ids = kab
    before = _count(tenant_db, slug)
    first = _log(client, slug, ids, start="08:00", end="16:00", quantity=10)
    assert first.status_code == 201 and first.get_json()["minutes"] == 480
    for start, end in (
        ("08:00", "16:00"),
        ("15:59", "17:00"),
        ("07:00", "08:01"),
        ("09:00", "10:00"),
    ):
        again = _log(client, slug, ids, start=start, end=end, quantity=10)
        assert again.status_code == 409, (start, end, again.get_json())
        error = again.get_json()["error"]
        assert error["localized"] == (
            f"waktu ini bertumpang tindih dengan catatan kerja {first.get_json()['id']} "
            "(08.00-16.00)"
        )
    assert _count(tenant_db, slug) == before + 1
    # Right before and right after are other hours.
    assert _log(client, slug, ids, start="07:00", end="08:00").status_code == 201
    assert _log(client, slug, ids, start="16:00", end="17:30").status_code == 201
    # A returned log's hours are free again for the log that replaces it.
    returned = client.post(
        API.format(slug=slug) + "/work-logs/decisions",
        json={"log_ids": [first.get_json()["id"]], "approve": False, "note": "Rinci per kegiatan"},
        headers=ids["tokens"]["kadis"],
    )
    assert returned.status_code == 200, returned.get_json()
    assert _log(client, slug, ids, start="08:00", end="12:00", quantity=4).status_code == 201


def test_nobody_approves_their_own_log_even_as_their_own_supervisor(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    """The roster refuses someone supervising themselves; a row that says so anyway
    (a sync's slip) still gives no one their own logs to approve."""
    slug, ids = kab
    head = ids["tokens"]["kadis"]
    with tenant_db(slug) as s:
        s.execute(
            Staff.__table__.update()
            .where(Staff.id == ids["head"])
            .values(supervisor_id=ids["head"])
        )
    own = client.post(
        API.format(slug=slug) + "/work-logs",
        json={
            "day": _today().isoformat(),
            "duty_id": ids["duty"],
            "start": "08:00",
            "end": "09:00",
            "quantity": 1,
            "output": "Rapat pimpinan",
        },
        headers=head,
    ).get_json()
    theirs = _log(client, slug, ids).get_json()
    mixed = client.post(
        API.format(slug=slug) + "/work-logs/decisions",
        json={"log_ids": [theirs["id"], own["id"]], "approve": True},
        headers=head,
    )
    assert mixed.status_code == 403, mixed.get_json()
    with tenant_db(slug) as s:
        assert {s.get(WorkLog, i).status for i in (own["id"], theirs["id"])} == {"submitted"}


def test_a_return_note_past_the_limit_is_refused_not_cut(
    client: Any, kab: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    slug, ids = kab
    log = _log(client, slug, ids).get_json()
    head = page_sign_in(slug, "kadis@example.go.id")
    queue = PAGES.format(slug=slug) + "/queue"
    sent = head.post(
        queue,
        data={
            "csrf_token": csrf_token(head.get(queue).get_data(as_text=True)),
            "log_id": [str(log["id"])],
            "action": "return",
            "note": "x" * 2001,
        },
        follow_redirects=True,
    )
    assert "catatan paling banyak 2.000 karakter" in sent.get_data(as_text=True)
    with tenant_db(slug) as s:
        assert s.get(WorkLog, log["id"]).status == "submitted"
    # An id that is not one (Arabic-Indic digits, a word) refuses the lot, not just itself.
    for bad in ("\u0661\u0662", "abc"):
        mixed = head.post(
            queue,
            data={
                "csrf_token": csrf_token(head.get(queue).get_data(as_text=True)),
                "log_id": [str(log["id"]), bad],
                "action": "approve",
            },
            follow_redirects=True,
        )
        assert mixed.status_code == 200
        with tenant_db(slug) as s:
            assert s.get(WorkLog, log["id"]).status == "submitted", bad


@pytest.mark.parametrize(
    "typed",
    ["0001-01-01", "2026-W49-1", "20261201", "\u0662\u0660\u0662\u0666-\u0661\u0662-\u0660\u0661"],
)
def test_a_typed_day_no_calendar_holds_is_refused_on_the_page_that_asked(
    kab: Any, tenant_db: Any, page_sign_in: Any, typed: str
) -> None:
    """The work log page redirected to ``?year=1``, an error page instead of its form."""
    slug, _ids = kab
    before = _count(tenant_db, slug)
    me = page_sign_in(slug, "pegawai@example.go.id")
    base = PAGES.format(slug=slug)
    for page, form in (
        ("/worklogs", {"duty_id": "1", "day": typed, "start": "08:00", "end": "09:00"}),
        ("/absences", {"kind": "sick", "start_day": typed, "end_day": typed, "reason": "Demam"}),
    ):
        token = csrf_token(me.get(base + page).get_data(as_text=True))
        sent = me.post(
            base + page,
            data={"csrf_token": token, "quantity": "1", "output": "x", **form},
            follow_redirects=True,
        )
        assert sent.status_code == 200, (page, typed)
        assert "YYYY-MM-DD" in sent.get_data(as_text=True), (page, typed)
    assert _count(tenant_db, slug) == before


def test_the_logs_of_a_head_with_no_supervisor_wait_in_their_unit_admins_queue(
    client: Any, kab: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    """The head of Dinkes has no supervisor on the roster: Dinkes's admin decides their
    logs (and only theirs: the worker's stay with the head); another unit's admin does
    not, and the head, made an admin of their own unit, still not their own."""
    slug, ids = kab
    api, t = API.format(slug=slug), ids["tokens"]
    with tenant_db(slug) as s:
        assert s.get(Staff, ids["head"]).supervisor_id is None
    body = {
        "day": _today().isoformat(),
        "duty_id": ids["duty"],
        "start": "13:00",
        "end": "14:00",
        "quantity": 1,
        "output": "Rapat pimpinan",
    }
    heads = client.post(f"{api}/work-logs", json=body, headers=t["kadis"]).get_json()
    workers = _log(client, slug, ids).get_json()
    page = PAGES.format(slug=slug) + "/queue"

    def queued(who: str) -> set[int]:
        answer = client.get(f"{api}/work-logs/queue", headers=t[who])
        assert answer.status_code == 200, (who, answer.get_json())
        shown = page_sign_in(slug, f"{who}@example.go.id").get(page).get_data(as_text=True)
        ids_api = {w["id"] for w in answer.get_json()["work_logs"]}
        assert ids_api == {i for i in (heads["id"], workers["id"]) if f'data-log="{i}"' in shown}
        return ids_api

    assert queued("admindinkes") == {heads["id"]}
    assert queued("kadis") == {workers["id"]}
    assert queued("adminunit") == set()

    def decide(who: str, log_id: int) -> int:
        return int(
            client.post(
                f"{api}/work-logs/decisions",
                json={"log_ids": [log_id], "approve": True},
                headers=t[who],
            ).status_code
        )

    assert decide("adminunit", heads["id"]) == 403
    assert decide("admindinkes", workers["id"]) == 403  # the worker has a supervisor
    # The head as an admin of their own unit: their own log is not theirs to decide.
    with tenant_db(slug) as s:
        head_user = s.scalar(select(User).where(User.email == "kadis@example.go.id"))
        head_user.roles = ["member", "ekinerja.unit_admin"]
        set_member_units(s, head_user.id, "ekinerja", [ids["dinkes"]], actor="test")
    assert queued("kadis") == {workers["id"]}
    assert decide("kadis", heads["id"]) == 403
    assert decide("admindinkes", heads["id"]) == 200
    with tenant_db(slug) as s:
        decided = s.get(WorkLog, heads["id"])
        assert decided.status == "approved" and decided.decided_by == "admindinkes@example.go.id"
        assert s.get(WorkLog, workers["id"]).status == "submitted"


def test_when_the_supervisor_has_left_the_unit_admin_decides_the_logs(
    client: Any, kab: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    """The roster still names the head who has left (``is_active`` false) as the worker's
    supervisor: the worker's logs go to Dinkes's admin instead of waiting in nobody's
    queue, and the head who left no longer decides them."""
    slug, ids = kab
    api, t = API.format(slug=slug), ids["tokens"]
    log = _log(client, slug, ids).get_json()
    with tenant_db(slug) as s:
        s.get(Staff, ids["head"]).is_active = False
    answer = client.get(f"{api}/work-logs/queue", headers=t["admindinkes"])
    assert [w["id"] for w in answer.get_json()["work_logs"]] == [log["id"]]
    page = page_sign_in(slug, "admindinkes@example.go.id").get(PAGES.format(slug=slug) + "/queue")
    assert f'data-log="{log["id"]}"' in page.get_data(as_text=True)
    assert client.get(f"{api}/work-logs/queue", headers=t["kadis"]).get_json()["work_logs"] == []
    decision = {"log_ids": [log["id"]], "approve": True}
    refused = client.post(f"{api}/work-logs/decisions", json=decision, headers=t["kadis"])
    assert refused.status_code == 403
    done = client.post(f"{api}/work-logs/decisions", json=decision, headers=t["admindinkes"])
    assert done.status_code == 200, done.get_json()
    with tenant_db(slug) as s:
        assert s.get(WorkLog, log["id"]).decided_by == "admindinkes@example.go.id"
