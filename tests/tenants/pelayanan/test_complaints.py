"""Public services: complaints from intake to closing, deadlines, privacy and hostile users."""

from __future__ import annotations

import io
import secrets
from datetime import timedelta

import pytest
from PIL import Image
from smartcity.tenantcore import calendar as core_calendar
from smartcity.toolkit import Forbidden, InvalidInput, NotFound
from sqlalchemy import select

from tenants.pelayanan import codes, complaints, config, standards
from tenants.pelayanan.access import GRANTS, Actor
from tenants.pelayanan.models import Attachment, Complaint, Dispatch, Event
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.pelayanan_support import REGENCY, jpeg_with_gps, make_regency, submission

COORDINATOR = Actor("koordinator@pati.go.id", GRANTS["coordinator"], None)


@pytest.fixture
def regency(provision, tenant_db, state):
    return make_regency(provision, tenant_db, state, PASSWORD)


def opd(unit: int, role: str = "opd_liaison") -> Actor:
    return Actor(f"{role}@{unit}", GRANTS[role], frozenset({unit}))


# --------------------------------------------------------------------------- codes


def test_tracking_codes_are_long_random_and_only_their_hash_is_kept(regency, tenant_db):
    seen = {codes.new_code() for _ in range(200)}
    assert len(seen) == 200
    assert all(codes.normalize(c) and len(codes.normalize(c) or "") == 16 for c in seen)
    assert len(codes.ALPHABET) ** codes.LENGTH >= 2**80
    assert codes.normalize("short") is None and codes.code_hash("<script>") is None
    with tenant_db(regency.slug) as session:
        complaint, code = complaints.submit(
            session, submission(), [], regency_code=REGENCY, channel="web"
        )
        assert (
            complaint.tracking_hash != code and code.replace("-", "") not in complaint.tracking_hash
        )
        # Read back however a person types it.
        assert complaints.by_code(session, code.lower().replace("-", " ")) is complaint
        assert complaints.by_code(session, codes.new_code()) is None


# --------------------------------------------------------------------------- deadlines


def test_verification_deadline_counts_the_regencys_working_days(regency, tenant_db):
    with tenant_db(regency.slug) as session:
        today = complaints.now(session).date()
        cal = complaints.calendar(session, today)
        first = cal.add_working_days(today, 1)
        core_calendar.add_local_holiday(session, day=first, name="Hari Jadi Kabupaten", actor="t")
    with tenant_db(regency.slug) as session:
        complaint, _ = complaints.submit(
            session, submission(), [], regency_code=REGENCY, channel="web"
        )
        cal = complaints.calendar(session, today)
        assert first in cal.holidays
        assert complaint.verify_due == cal.add_working_days(today, 3)
        # The holiday pushed the deadline past where a plain weekday count ends.
        weekdays_only = core_calendar.WorkingCalendar(cal.work_days, frozenset())
        assert complaint.verify_due > weekdays_only.add_working_days(today, 3)
        config.update(session, {"verify_days": 5}, actor="t")
        later, _ = complaints.submit(session, submission(), [], regency_code=REGENCY, channel="web")
        assert later.verify_due == cal.add_working_days(today, 5)


def test_settings_refuse_nonsense(regency, tenant_db):
    with tenant_db(regency.slug) as session:
        for bad in (
            {"verify_days": 0},
            {"respond_days": "5"},
            {"nope": 1},
            {"close_after_days": True},
        ):
            with pytest.raises(InvalidInput):
                config.update(session, bad, actor="t")
        assert config.rules(session) == config.ComplaintRules()


def test_escalation_before_a_deadline_happens_once_and_auto_close_leaves_no_rating(
    regency, tenant_db
):
    with tenant_db(regency.slug) as session:
        waiting, _ = complaints.submit(
            session, submission(), [], regency_code=REGENCY, channel="web"
        )
        far, _ = complaints.submit(session, submission(), [], regency_code=REGENCY, channel="web")
        far.verify_due = complaints.now(session).date() + timedelta(days=60)
        dispatched, _ = complaints.submit(
            session, submission(), [], regency_code=REGENCY, channel="web"
        )
        (row,) = complaints.dispatch(session, COORDINATOR, dispatched, [regency.dinkes], "cek")
        today = complaints.now(session).date()
        waiting.verify_due = today
        row.due = today
        assert complaints.escalate_due(session) == 2
        assert complaints.escalate_due(session) == 0
        assert waiting.escalated_at is not None and far.escalated_at is None
        assert row.escalated_at is not None
        # The reply window passed without an answer from the citizen.
        complaints.respond(session, opd(regency.dinkes), row, "Sudah ditambal", final=True)
        assert dispatched.status == "followed_up" and dispatched.close_due > today
        assert complaints.close_expired(session) == 0
        dispatched.close_due = today - timedelta(days=1)
        assert complaints.close_expired(session) == 1
        assert dispatched.status == "closed" and dispatched.rating is None


def test_escalations_reach_the_opd_head_of_that_opd_only(regency, tenant_db, client):
    with tenant_db(regency.slug) as session:
        complaint, _ = complaints.submit(
            session, submission(), [], regency_code=REGENCY, channel="web"
        )
        (row,) = complaints.dispatch(session, COORDINATOR, complaint, [regency.dinkes], None)
        row.due = complaints.now(session).date()
        complaints.escalate_due(session)
    api = f"/t/{regency.slug}/api/v1/pelayanan/escalations"
    head = client.get(api, headers=bearer(tenant_token(client, regency.slug, "kadis@dinkes.go.id")))
    assert [e["complaint_id"] for e in head.get_json()["escalations"]] == [complaint.id]
    coordinator = bearer(tenant_token(client, regency.slug, "koordinator@pati.go.id"))
    assert len(client.get(api, headers=coordinator).get_json()["escalations"]) == 1
    liaison = bearer(tenant_token(client, regency.slug, "liaison@disdik.go.id"))
    assert client.get(api, headers=liaison).status_code == 403


# --------------------------------------------------------------------------- the workflow


def test_dispatch_to_two_opds_each_with_its_own_status_then_the_citizen_rates(regency, tenant_db):
    with tenant_db(regency.slug) as session:
        complaint, _code = complaints.submit(
            session, submission(), [], regency_code=REGENCY, channel="web"
        )
        with pytest.raises(Forbidden):
            complaints.decide(session, opd(regency.dinkes), complaint, "verify", None)
        with pytest.raises(InvalidInput):
            complaints.decide(session, COORDINATOR, complaint, "hold", "  ")  # a reason is needed
        complaints.decide(session, COORDINATOR, complaint, "verify", None)
        rows = complaints.dispatch(
            session, COORDINATOR, complaint, [regency.dinkes, regency.disdik], "Mohon tindak lanjut"
        )
        assert {r.status for r in rows} == {"dispatched"} and complaint.status == "dispatched"
        first, second = sorted(rows, key=lambda r: r.org_unit_id == regency.disdik)
        complaints.respond(session, opd(regency.dinkes), first, "Tim sudah meninjau", final=False)
        assert complaints.colour(complaint.status, rows) == "yellow"
        complaints.respond(session, opd(regency.dinkes), first, "Sudah diperbaiki", final=True)
        assert complaint.status == "dispatched"  # Disdik has not answered yet
        with pytest.raises(Forbidden):
            complaints.respond(session, opd(regency.dinkes), second, "bukan kami", final=True)
        complaints.respond(
            session, opd(regency.disdik), second, "Sekolah sudah diberi tahu", final=True
        )
        assert complaint.status == "followed_up"
        with pytest.raises(InvalidInput):
            complaints.rate(session, complaint, 9, None)
        complaints.rate(session, complaint, 4, "Terima kasih")
        assert (complaint.status, complaint.rating) == ("closed", 4)


def test_a_citizen_reply_sends_the_answer_back_to_the_coordinator(regency, tenant_db):
    with tenant_db(regency.slug) as session:
        complaint, _ = complaints.submit(
            session, submission(), [], regency_code=REGENCY, channel="web"
        )
        (row,) = complaints.dispatch(session, COORDINATOR, complaint, [regency.dinkes], None)
        complaints.respond(session, opd(regency.dinkes), row, "Sudah", final=True)
        complaints.reply(session, complaint, "Belum diperbaiki, lubangnya masih ada")
        assert complaint.status == "verified" and complaint.close_due is None
        again = complaints.dispatch(session, COORDINATOR, complaint, [regency.dinkes], "Cek lagi")
        assert again[0].id == row.id and row.status == "dispatched" and row.response is None


def test_bad_intake_is_refused_whole(regency, tenant_db):
    with tenant_db(regency.slug) as session:
        for bad in (
            submission(classification="gossip"),
            submission(category="x"),
            submission(title="ab"),
            submission(body="pendek"),
            submission(kecamatan_code="35.19.01"),  # another regency's kecamatan
            submission(reporter_name=""),
            submission(share_location=True, latitude=91, longitude=0),
        ):
            with pytest.raises(InvalidInput):
                complaints.submit(session, bad, [], regency_code=REGENCY, channel="web")
        assert session.scalar(select(Complaint.id)) is None


# --------------------------------------------------------------------------- attachments


def _submit_with(session, files, **changes):
    return complaints.submit(
        session, submission(**changes), files, regency_code=REGENCY, channel="web"
    )[0]


@pytest.mark.parametrize(
    "payload",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"<!DOCTYPE html><html><script>fetch('/')</script></html>",
        b"GIF89a" + b"\x00" * 40,
        b"%PDF-1.7\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF",
        b"%PDF-1.4\nno end marker",
    ],
    ids=["svg", "html", "gif", "pdf-script", "pdf-truncated"],
)
def test_files_disguised_as_images_or_active_pdfs_are_refused(regency, tenant_db, payload):
    with tenant_db(regency.slug) as session:
        with pytest.raises(InvalidInput):
            _submit_with(session, [(payload, "foto.jpg")])
        assert session.scalar(select(Attachment.id)) is None


def test_images_lose_their_metadata_and_keep_the_position_only_when_shared(regency, tenant_db):
    photo = jpeg_with_gps()
    with Image.open(io.BytesIO(photo)) as original:
        assert original.getexif().get_ifd(0x8825)  # the phone put GPS tags in
    with tenant_db(regency.slug) as session:
        private = _submit_with(session, [(photo, "../../etc/foto lubang.JPG")])
        shared = _submit_with(session, [(photo, "foto.jpg")], share_location=True)
        for complaint in (private, shared):
            stored = session.scalar(
                select(Attachment).where(Attachment.complaint_id == complaint.id)
            )
            assert stored.content_type == "image/jpeg" and stored.filename.endswith(".jpg")
            assert "/" not in stored.filename
            with Image.open(io.BytesIO(stored.content)) as kept:
                assert not kept.getexif() and "exif" not in kept.info
            # Not even a trace in the bytes kept: no EXIF block, no camera, no GPS tags.
            assert b"Exif" not in stored.content and b"Kamera Warga" not in stored.content
        assert private.latitude is None and private.longitude is None
        assert shared.latitude is not None and float(shared.latitude) == pytest.approx(-6.75)
        assert float(shared.longitude) == pytest.approx(111.033333, abs=1e-5)


def test_attachment_count_and_size_are_capped(regency, tenant_db):
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    with tenant_db(regency.slug) as session:
        config.update(session, {"max_attachment_kb": 50, "max_attachments": 1}, actor="t")
        with pytest.raises(InvalidInput):
            _submit_with(session, [(png.getvalue(), "a.png")] * 2)
        with pytest.raises(InvalidInput):
            _submit_with(session, [(b"%PDF-1.4\n" + b"0" * 60_000 + b"\n%%EOF", "big.pdf")])
        ok = _submit_with(session, [(png.getvalue(), "a.png")])
        assert (
            session.scalar(select(Attachment.content_type).where(Attachment.complaint_id == ok.id))
            == "image/png"
        )


# --------------------------------------------------------------------------- privacy


def test_anonymous_reporters_are_not_kept_and_confidential_ones_hidden_from_opds(
    regency, tenant_db, client, page_sign_in
):
    with tenant_db(regency.slug) as session:
        anonymous = _submit_with(session, [], anonymous=True)
        confidential = _submit_with(session, [], confidential=True)
        plain = _submit_with(session, [])
        for c in (anonymous, confidential, plain):
            complaints.dispatch(session, COORDINATOR, c, [regency.dinkes], None)
        assert anonymous.reporter_name is None and anonymous.reporter_contact is None
        ids = anonymous.id, confidential.id, plain.id
    liaison = bearer(tenant_token(client, regency.slug, "liaison@dinkes.go.id"))
    coordinator = bearer(tenant_token(client, regency.slug, "koordinator@pati.go.id"))
    viewer = bearer(tenant_token(client, regency.slug, "viewer@pati.go.id"))
    base = f"/t/{regency.slug}/api/v1/pelayanan/complaints"

    def reporter(headers, complaint_id):
        body = client.get(f"{base}/{complaint_id}", headers=headers).get_json()
        return body["reporter_name"], body["reporter_contact"]

    assert reporter(liaison, ids[0]) == (None, None)
    assert reporter(liaison, ids[1]) == (None, None)
    assert reporter(liaison, ids[2]) == ("Siti Aminah", "0812-0000-1111")
    assert reporter(coordinator, ids[1]) == ("Siti Aminah", "0812-0000-1111")
    assert reporter(viewer, ids[2]) == (None, None)
    listed = client.get(base, headers=liaison).get_json()["complaints"]
    assert "Siti Aminah" not in str([c for c in listed if c["id"] != ids[2]])
    # The staff pages say the same.
    pages = page_sign_in(regency.slug, "liaison@dinkes.go.id")
    for complaint_id, shown in zip(ids, (False, False, True), strict=True):
        page = pages.get(f"/t/{regency.slug}/pelayanan/complaints/{complaint_id}")
        assert page.status_code == 200, page.get_data(as_text=True)[:2000]
        assert ("Siti Aminah" in page.get_data(as_text=True)) is shown


# --------------------------------------------------------------------------- hostile OPDs


def test_an_opd_cannot_see_or_answer_another_opds_dispatch(regency, tenant_db, client):
    with tenant_db(regency.slug) as session:
        complaint, _ = complaints.submit(
            session, submission(), [], regency_code=REGENCY, channel="web"
        )
        (row,) = complaints.dispatch(session, COORDINATOR, complaint, [regency.dinkes], None)
        ids = complaint.id, row.id
        other = opd(regency.disdik)
        with pytest.raises(NotFound):
            complaints.get(session, other, complaint.id)
        with pytest.raises(NotFound):
            complaints.dispatch_for(session, other, row.id)
    disdik = bearer(tenant_token(client, regency.slug, "liaison@disdik.go.id"))
    dinkes = bearer(tenant_token(client, regency.slug, "liaison@dinkes.go.id"))
    base = f"/t/{regency.slug}/api/v1/pelayanan"
    assert client.get(f"{base}/complaints/{ids[0]}", headers=disdik).status_code == 404
    assert client.get(f"{base}/complaints", headers=disdik).get_json()["complaints"] == []
    answer = {"response": "bukan urusan kami", "final": True}
    assert (
        client.post(f"{base}/dispatches/{ids[1]}/respond", json=answer, headers=disdik).status_code
        == 404
    )
    # An OPD liaison cannot dispatch or decide either.
    assert (
        client.post(
            f"{base}/complaints/{ids[0]}/dispatch",
            json={"org_unit_ids": [regency.disdik]},
            headers=dinkes,
        ).status_code
        == 403
    )
    assert (
        client.post(f"{base}/dispatches/{ids[1]}/respond", json=answer, headers=dinkes).status_code
        == 200
    )
    with tenant_db(regency.slug) as session:
        assert session.get(Dispatch, ids[1]).status == "responded"
        actors = set(session.scalars(select(Event.actor).where(Event.complaint_id == ids[0])))
        assert "liaison@dinkes.go.id" in actors


def test_another_regencys_token_reaches_nothing(regency, provision, client):
    other = provision(apps=("pelayanan",))
    token = tenant_token(client, other)
    response = client.get(f"/t/{regency.slug}/api/v1/pelayanan/complaints", headers=bearer(token))
    assert response.status_code == 401


def test_dispatch_refuses_unknown_or_sub_units(regency, tenant_db):
    with tenant_db(regency.slug) as session:
        complaint, _ = complaints.submit(
            session, submission(), [], regency_code=REGENCY, channel="web"
        )
        for units in ([], [secrets.randbelow(10**9) + 10**6], [regency.dinkes, 10**12]):
            with pytest.raises(InvalidInput):
                complaints.dispatch(session, COORDINATOR, complaint, units, None)
        assert complaint.status == "new"


def test_a_complaint_may_name_a_published_service_only(regency, tenant_db):
    editor = Actor("editor@dinkes.go.id", GRANTS["standards_editor"], None)
    with tenant_db(regency.slug) as session:
        draft = standards.create(
            session,
            editor,
            org_unit_id=regency.dinkes,
            name="Belum Terbit",
            components={},
            promised_days=2,
        )
        for service_id in (draft.id, 987654321):
            with pytest.raises(InvalidInput) as refused:
                complaints.submit(
                    session,
                    submission(service_id=service_id),
                    [],
                    regency_code=REGENCY,
                    channel="web",
                )
            assert "service_id" in refused.value.fields
        assert session.scalar(select(Complaint.id)) is None
