"""One account, one phone ("satu akun satu perangkat"): the first phone a person
punches from is tied to their account; a punch from another phone waits for the
supervisor (or is refused, as the regency chooses) until an admin of their unit
releases the tie."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from smartcity.tenantcore.models import AuditEntry, Staff
from smartcity.toolkit import Conflict, Forbidden, set_member_units
from sqlalchemy import func, select

from tenants.ekinerja import attendance
from tenants.ekinerja.access import GRANTS, Actor, system_actor
from tenants.ekinerja.models import Device, Office, Punch
from tests.conftest import bearer, tenant_token
from tests.support.ekinerja_pages import build, person, user
from tests.support.web import csrf_token

API = "/t/{slug}/api/v1/ekinerja"
DINKES = (-6.9175, 107.6191)


@pytest.fixture
def kab(provision, tenant_db, client):
    """``build``'s regency with an office for the Dinas Kesehatan, and tokens."""
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        build(s)
        people = {p.name: p for p in s.scalars(select(Staff))}
        s.add(
            Office(
                org_unit_id=people["Sari Pegawai"].unit_id,
                name="Kantor Dinkes",
                latitude=DINKES[0],
                longitude=DINKES[1],
                radius_m=300,
            )
        )
        ids = {name: p.id for name, p in people.items()}
    tokens = {
        who: bearer(tenant_token(client, slug, f"{who}@example.go.id"))
        for who in ("kadis", "pegawai", "guru", "adminunit", "bkpsdm")
    }
    return slug, ids, tokens


def _punch(key, phone, kind="in"):
    body = {"kind": kind, "idempotency_key": key, "latitude": DINKES[0], "longitude": DINKES[1]}
    return body if phone is None else {**body, "device_id": phone}


def _phone_punches(tenant_db, slug, staff_id):
    with tenant_db(slug) as s:
        return s.scalar(
            select(func.count())
            .select_from(Punch)
            .where(Punch.staff_id == staff_id, Punch.source == "mobile")
        )


def test_the_first_phone_ties_the_account_and_another_waits_for_the_supervisor(
    client, kab, tenant_db
):
    slug, ids, t = kab
    api = API.format(slug=slug)
    sari = ids["Sari Pegawai"]
    assert client.get(api + "/phone", headers=t["pegawai"]).get_json()["device_id"] is None
    first = client.post(api + "/punches", json=_punch("a", "hp-sari"), headers=t["pegawai"])
    assert first.status_code == 201 and first.get_json()["flags"] == []
    assert client.get(api + "/phone", headers=t["pegawai"]).get_json()["device_id"] == "hp-sari"
    # Another phone: taken, but waits for the supervisor; so does a punch with no phone id.
    other = client.post(api + "/punches", json=_punch("b", "hp-baru", "out"), headers=t["pegawai"])
    assert other.get_json()["flags"] == ["other_device"]
    assert other.get_json()["review"] == "pending"
    blind = client.post(api + "/punches", json=_punch("c", None, "out"), headers=t["pegawai"])
    assert blind.get_json()["flags"] == ["no_device_id"]
    again = client.post(api + "/punches", json=_punch("b", "hp-baru", "out"), headers=t["pegawai"])
    assert again.status_code == 200 and again.get_json()["id"] == other.get_json()["id"]

    # Only an admin of Sari's unit (or the regency's) may release the tie.
    release = api + f"/people/{sari}/phone/release"
    for who in ("adminunit", "pegawai", "guru", "kadis"):  # another unit's admin, staff
        assert client.post(release, headers=t[who]).status_code == 403, who
    assert client.post(api + "/people/999999/phone/release", headers=t["bkpsdm"]).status_code == 404
    done = client.post(release, headers=t["bkpsdm"])
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["device_id"] == "hp-sari" and done.get_json()["released_at"]
    assert client.post(release, headers=t["bkpsdm"]).status_code == 409
    # The next phone punch ties the new phone; the old tie is kept, released.
    new = client.post(api + "/punches", json=_punch("d", "hp-baru"), headers=t["pegawai"])
    assert new.get_json()["flags"] == []
    with tenant_db(slug) as s:
        ties = s.execute(
            select(Device.device_id, Device.released_by)
            .where(Device.staff_id == sari)
            .order_by(Device.id)
        ).all()
        assert ties == [("hp-sari", "bkpsdm@example.go.id"), ("hp-baru", None)]
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "ekinerja.phone_release"))
        assert entry is not None and entry.before["device_id"] == "hp-sari"


def test_a_regency_that_refuses_other_phones(client, kab, tenant_db):
    slug, ids, t = kab
    api = API.format(slug=slug)
    sari = ids["Sari Pegawai"]
    settings = client.patch(
        api + "/settings", json={"settings": {"device_binding": "refuse"}}, headers=t["bkpsdm"]
    )
    assert settings.status_code == 200, settings.get_json()
    assert (
        client.post(api + "/punches", json=_punch("a", "hp-sari"), headers=t["pegawai"]).status_code
        == 201
    )
    refused = client.post(
        api + "/punches?lang=id", json=_punch("b", "hp-lain", "out"), headers=t["pegawai"]
    )
    assert refused.status_code == 403
    assert "terikat pada ponsel lain" in refused.get_json()["error"]["localized"]
    blind = client.post(api + "/punches", json=_punch("c", None, "out"), headers=t["pegawai"])
    assert blind.status_code == 422 and set(blind.get_json()["error"]["fields"]) == {"device_id"}
    # An offline batch: the other phone's item is refused, its own phone's is taken.
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    batch = client.post(
        api + "/punches/batch",
        json={
            "punches": [
                _punch("d", "hp-lain", "out") | {"device_time": hour_ago},
                _punch("e", "hp-sari", "out") | {"device_time": hour_ago},
            ]
        },
        headers=t["pegawai"],
    )
    assert [r["status"] for r in batch.get_json()["results"]] == [403, 201]
    assert _phone_punches(tenant_db, slug, sari) == 1  # online; the batch's is "offline"
    wrong = client.patch(
        api + "/settings", json={"settings": {"device_binding": "always"}}, headers=t["bkpsdm"]
    )
    assert wrong.status_code == 422 and "device_binding" in wrong.get_json()["error"]["fields"]
    client.patch(
        api + "/settings", json={"settings": {"device_binding": "off"}}, headers=t["bkpsdm"]
    )
    free = client.post(api + "/punches", json=_punch("f", "hp-lain", "out"), headers=t["pegawai"])
    assert free.status_code == 201 and free.get_json()["flags"] == []


def test_two_first_punches_from_two_phones_tie_one(kab, tenant_db):
    """Sari's first punch from phone A is not yet committed when one from phone B
    asks for her row lock: B waits for A, and is judged by the tie A made."""
    slug, ids, _t = kab
    sari = ids["Sari Pegawai"]
    found = {}

    def from_phone_b() -> None:
        with tenant_db(slug) as s:
            found["b"], _ = attendance.record_punch(
                s, sari, attendance.PunchIn("out", "b", *DINKES, 8, "hp-b"), source="mobile"
            )

    with tenant_db(slug) as s:
        first, _ = attendance.record_punch(
            s, sari, attendance.PunchIn("in", "a", *DINKES, 8, "hp-a"), source="mobile"
        )
        assert first.flags == []
        racer = threading.Thread(target=from_phone_b)
        racer.start()
        time.sleep(0.5)  # B reads the tie and waits for Sari's row
    racer.join(timeout=30)
    assert found["b"].flags == ["other_device"]
    with tenant_db(slug) as s:
        assert list(s.scalars(select(Device.device_id).where(Device.staff_id == sari))) == ["hp-a"]


def test_the_phone_on_the_attendance_pages(client, kab, page_sign_in):
    slug, ids, t = kab
    sari = ids["Sari Pegawai"]
    client.post(
        API.format(slug=slug) + "/punches", json=_punch("a", "hp-sari"), headers=t["pegawai"]
    )
    own = page_sign_in(slug, "pegawai@example.go.id").get(f"/t/{slug}/ekinerja/")
    html = own.get_data(as_text=True)
    assert "Akun ini terikat pada ponsel hp-sari sejak" in html
    assert "Ganti ponsel? Mintalah admin unit Anda melepaskan ponsel ini." in html
    assert "Lepaskan ponsel" not in html
    page = f"/t/{slug}/ekinerja/people/{sari}/attendance"
    release = f"/t/{slug}/ekinerja/people/{sari}/phone/release"
    # Another unit's admin may not release it, by the page either.
    stranger = page_sign_in(slug, "adminunit@example.go.id")
    token = csrf_token(stranger.get(f"/t/{slug}/ekinerja/queue").get_data(as_text=True))
    assert stranger.post(release, data={"csrf_token": token}).status_code == 403
    admin = page_sign_in(slug, "bkpsdm@example.go.id")
    html = admin.get(page).get_data(as_text=True)
    assert 'data-phone="hp-sari"' in html and "Lepaskan ponsel (ponsel baru atau hilang)" in html
    done = admin.post(release, data={"csrf_token": csrf_token(html)}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "Ponsel telah dilepas" in text
    assert 'data-phone=""' in text and "Belum ada ponsel yang terikat" in text


@pytest.mark.parametrize("phone", ["hp-baru", "hp-a"])
def test_a_punch_waiting_on_a_release_is_judged_after_it(kab, tenant_db, phone):
    """An admin releases Sari's phone while her punch waits for her row lock: the
    punch comes after the release, so it finds no tie and ties its own phone (the
    new one, or the old one again), unflagged. Judged by a read of the tie from
    before the release commits, the new phone was flagged 'other_device' (refused
    where the regency refuses) and nothing was tied."""
    slug, ids, _t = kab
    sari = ids["Sari Pegawai"]
    found = {}
    with tenant_db(slug) as s:
        first, _ = attendance.record_punch(
            s, sari, attendance.PunchIn("in", "a", *DINKES, 8, "hp-a"), source="mobile"
        )
        assert first.flags == []

    def punch() -> None:
        with tenant_db(slug) as s:
            found["punch"], _ = attendance.record_punch(
                s, sari, attendance.PunchIn("out", "b", *DINKES, 8, phone), source="mobile"
            )

    with tenant_db(slug) as s:
        attendance.release_phone(s, system_actor("bkpsdm@example.go.id"), sari)
        racer = threading.Thread(target=punch)
        racer.start()
        time.sleep(0.5)  # the punch waits for Sari's row, which the release holds
    racer.join(timeout=30)
    assert found["punch"].flags == []
    with tenant_db(slug) as s:
        current = attendance.tied_phone(s, sari)
        assert current is not None and current.device_id == phone


def test_nothing_to_release_is_said_once_in_the_readers_language(client, kab, page_sign_in):
    """A second release from the same page (a double click, two admins at once) is
    told there is nothing to release, in Indonesian, and only that: the field's
    plain 'no phone' used to follow it in English ("staff_id: no phone")."""
    slug, ids, t = kab
    sari = ids["Sari Pegawai"]
    client.post(
        API.format(slug=slug) + "/punches", json=_punch("a", "hp-sari"), headers=t["pegawai"]
    )
    admin = page_sign_in(slug, "bkpsdm@example.go.id")
    page = admin.get(f"/t/{slug}/ekinerja/people/{sari}/attendance").get_data(as_text=True)
    release = f"/t/{slug}/ekinerja/people/{sari}/phone/release"
    admin.post(release, data={"csrf_token": csrf_token(page)})
    again = admin.post(release, data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    text = again.get_data(as_text=True)
    assert again.status_code == 200
    assert "belum ada ponsel yang terikat pada akun ini" in text
    assert "no phone" not in text and "staff_id" not in text


def test_nobody_releases_their_own_phone(client, kab, tenant_db, page_sign_in):
    """An admin of a unit is also someone on its roster: releasing their own tie would
    undo the check on their own check-ins (as nobody decides their own absence or
    objection). Another admin of the unit, or BKPSDM, releases it; the admin's own
    page shows no release button."""
    slug, ids, t = kab
    api = API.format(slug=slug)
    with tenant_db(slug) as s:
        dinkes = s.get(Staff, ids["Sari Pegawai"]).unit_id
        staff = person(s, "199001012019011003", "Admin Sehat", dinkes, 8)
        made = user(s, "adminsehat@example.go.id", "ekinerja.unit_admin", staff)
        set_member_units(s, made.id, "ekinerja", [dinkes], actor="test")
        admin_id = staff.id
    token = bearer(tenant_token(client, slug, "adminsehat@example.go.id"))
    tied = client.post(api + "/punches", json=_punch("a", "hp-admin"), headers=token)
    assert tied.status_code == 201 and tied.get_json()["flags"] == []
    # The same admin may release a colleague's tie in the unit...
    client.post(api + "/punches", json=_punch("a", "hp-sari"), headers=t["pegawai"])
    sari = client.post(api + f"/people/{ids['Sari Pegawai']}/phone/release", headers=token)
    assert sari.status_code == 200, sari.get_json()
    # ...but not their own, by the API or the page.
    own = client.post(api + f"/people/{admin_id}/phone/release", headers=token)
    assert own.status_code == 403, own.get_json()
    pages = page_sign_in(slug, "adminsehat@example.go.id")
    html = pages.get(f"/t/{slug}/ekinerja/").get_data(as_text=True)
    assert "Lepaskan ponsel" not in html and "Mintalah admin unit Anda" in html
    release = f"/t/{slug}/ekinerja/people/{admin_id}/phone/release"
    assert pages.post(release, data={"csrf_token": csrf_token(html)}).status_code == 403
    with tenant_db(slug) as s:
        current = attendance.tied_phone(s, admin_id)
        assert current is not None and current.device_id == "hp-admin"
    assert (
        client.post(api + f"/people/{admin_id}/phone/release", headers=t["bkpsdm"]).status_code
        == 200
    )


def test_nobody_accepts_their_own_flagged_punch(kab, tenant_db):
    """A unit admin who is on their own unit's roster would otherwise accept their
    own punch from another phone, and the tie would guard nothing; another admin of
    the unit may."""
    slug, ids, _t = kab
    head = ids["Kadis Sehat"]
    with tenant_db(slug) as s:
        unit = s.get(Staff, head).unit_id
        tied, _ = attendance.record_punch(
            s, head, attendance.PunchIn("in", "a", *DINKES, 8, "hp-kadis"), source="mobile"
        )
        other, _ = attendance.record_punch(
            s, head, attendance.PunchIn("out", "b", *DINKES, 8, "hp-lain"), source="mobile"
        )
        assert tied.flags == [] and other.flags == ["other_device"]
    himself = Actor("kadis", GRANTS["unit_admin"], head, frozenset({unit}))
    colleague = Actor("admin", GRANTS["unit_admin"], None, frozenset({unit}))
    with tenant_db(slug) as s:
        with pytest.raises(Forbidden) as refused:
            attendance.review_punches(s, himself, [other.id], accept=True)
        assert refused.value.fields == {"punch_ids": str(other.id)}
    with tenant_db(slug) as s:
        assert s.get(Punch, other.id).review == "pending"
        done = attendance.review_punches(s, colleague, [other.id], accept=True)
        assert [p.review for p in done] == ["accepted"]


def test_a_supervisor_and_a_unit_admin_reviewing_at_once_decide_once(kab, tenant_db):
    """Both saw the punch pending; the admin's rejection waited for the supervisor's
    acceptance and must not overwrite it (nor be audited as a second decision)."""
    slug, ids, _t = kab
    sari = ids["Sari Pegawai"]
    with tenant_db(slug) as s:
        unit = s.get(Staff, sari).unit_id
        attendance.record_punch(
            s, sari, attendance.PunchIn("in", "a", *DINKES, 8, "hp-sari"), source="mobile"
        )
        other, _ = attendance.record_punch(
            s, sari, attendance.PunchIn("out", "b", *DINKES, 8, "hp-lain"), source="mobile"
        )
        assert other.review == "pending"
    head = Actor("kadis", GRANTS["supervisor"], ids["Kadis Sehat"], frozenset())
    found = {}

    def admin_rejects():
        admin = Actor("admin", GRANTS["unit_admin"], None, frozenset({unit}))
        with tenant_db(slug) as racing:
            try:
                attendance.review_punches(racing, admin, [other.id], accept=False)
            except Conflict as refused:
                found["refused"] = refused

    with tenant_db(slug) as s:
        attendance.review_punches(s, head, [other.id], accept=True)
        racer = threading.Thread(target=admin_rejects)
        racer.start()
        time.sleep(0.5)  # the admin's review waits for Sari's row
    racer.join(timeout=30)
    assert "refused" in found
    with tenant_db(slug) as s:
        assert s.get(Punch, other.id).review == "accepted"
        reviews = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "ekinerja.punch_review")
        )
        assert reviews == 1


def test_an_offline_punch_is_judged_by_the_tie_of_its_own_moment(kab, tenant_db):
    """A phone's queue uploaded after its tie was released (the person got a new
    phone) was made while that phone was the account's: it is taken, and does not tie
    the account back; a punch the new phone made while the old was tied is flagged."""
    slug, ids, _t = kab
    sari = ids["Sari Pegawai"]
    now = datetime.now(UTC)
    start = now - timedelta(hours=3)

    def punch(key, phone, made, source="offline"):
        return attendance.record_punch(
            s,
            sari,
            attendance.PunchIn("in", key, *DINKES, 8, phone, device_time=made),
            source=source,
            now=start if source == "mobile" else now,
        )[0]

    with tenant_db(slug) as s:
        assert punch("a", "hp-lama", start, source="mobile").flags == []
    with tenant_db(slug) as s:
        attendance.release_phone(s, system_actor("bkpsdm"), sari)
    with tenant_db(slug) as s:
        queued = punch("b", "hp-lama", start + timedelta(hours=1))
        assert queued.flags == ["offline"] and queued.review == "accepted"
        assert attendance.tied_phone(s, sari) is None  # not tied back to the old phone
    with tenant_db(slug) as s:
        online = attendance.record_punch(
            s, sari, attendance.PunchIn("out", "c", *DINKES, 8, "hp-baru"), source="mobile"
        )[0]
        assert online.flags == [] and attendance.tied_phone(s, sari).device_id == "hp-baru"
        assert punch("d", "hp-lama", start + timedelta(hours=2)).flags == ["offline"]
        early = punch("e", "hp-baru", start + timedelta(minutes=90))
        assert early.flags == ["offline", "other_device"]


def test_a_blank_phone_id_is_no_phone_id(client, kab, tenant_db):
    """Spaces around a phone id are not part of it, and spaces alone are no id: they
    tie the account to nothing."""
    slug, ids, t = kab
    api = API.format(slug=slug)
    blank = client.post(api + "/punches", json=_punch("a", "   "), headers=t["pegawai"])
    assert blank.status_code == 201 and blank.get_json()["flags"] == ["no_device_id"]
    with tenant_db(slug) as s:
        assert attendance.tied_phone(s, ids["Sari Pegawai"]) is None
    tied = client.post(api + "/punches", json=_punch("b", " hp-sari "), headers=t["pegawai"])
    again = client.post(api + "/punches", json=_punch("c", "hp-sari", "out"), headers=t["pegawai"])
    assert tied.get_json()["flags"] == [] and again.get_json()["flags"] == []
    with tenant_db(slug) as s:
        assert attendance.tied_phone(s, ids["Sari Pegawai"]).device_id == "hp-sari"


def test_another_regencys_token_reaches_no_phone_here(client, kab, provision, tenant_db):
    """A BKPSDM admin of another regency, with a valid token there, neither reads nor
    releases a phone tie here; the tie stays."""
    slug, ids, t = kab
    sari = ids["Sari Pegawai"]
    client.post(
        API.format(slug=slug) + "/punches", json=_punch("a", "hp-sari"), headers=t["pegawai"]
    )
    other = provision(apps=("ekinerja",))
    with tenant_db(other) as s:
        user(s, "bkpsdm@example.go.id", "ekinerja.bkpsdm_admin")
    stranger = bearer(tenant_token(client, other, "bkpsdm@example.go.id"))
    api = API.format(slug=slug)
    assert client.post(api + f"/people/{sari}/phone/release", headers=stranger).status_code == 401
    assert client.get(api + "/phone", headers=stranger).status_code == 401
    with tenant_db(slug) as s:
        assert attendance.tied_phone(s, sari).device_id == "hp-sari"
