"""One phone punching for several people on a day ("titip absen": a colleague checks
in for someone who is not there): every one of those punches waits for its
supervisor, whoever punched first, and the supervisor sees who shared the phone.

Also what a request that loses a race for those people's rows gets: a 503 to retry,
with nothing written."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
from smartcity.bootstrap import libpq_url
from smartcity.tenancy.names import schema_name
from smartcity.tenantcore.models import Staff
from sqlalchemy import select, text

from tenants.ekinerja import attendance
from tenants.ekinerja import settings as ekn_settings
from tenants.ekinerja.models import Account, Office, Punch
from tests.conftest import bearer, tenant_token
from tests.support.ekinerja_pages import build

API = "/t/{slug}/api/v1/ekinerja"
DINKES = (-6.9175, 107.6191)
DISDIK = (-6.9180, 107.6200)  # next door: both offices' fences hold it


@pytest.fixture
def kab(provision, tenant_db, client):
    """``build``'s two units, each with an office, and a token for each person."""
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        build(s)
        people = {p.name: p for p in s.scalars(select(Staff))}
        for name, where in (("Kadis Sehat", DINKES), ("Kadis Didik", DISDIK)):
            s.add(
                Office(
                    org_unit_id=people[name].unit_id,
                    name=f"Kantor {name}",
                    latitude=where[0],
                    longitude=where[1],
                    radius_m=300,
                )
            )
        ids = {name: p.id for name, p in people.items()}
        # Each account tied to one phone is another check (test_phone_tie.py): here
        # people borrow phones on purpose.
        ekn_settings.update(s, {"device_binding": "off"}, actor="test")
    tokens = {
        who: bearer(tenant_token(client, slug, f"{who}@example.go.id"))
        for who in ("kadis", "pegawai", "kadisdik", "guru", "bkpsdm")
    }
    return slug, ids, tokens


def _punch(key, phone, kind="in", where=DINKES):
    return {
        "kind": kind,
        "idempotency_key": key,
        "latitude": where[0],
        "longitude": where[1],
        "accuracy_m": 8,
        "device_id": phone,
    }


def _punches_of(tenant_db, slug, staff_id):
    """The person's punches by phone (``build`` gave Sari a November of machine punches)."""
    with tenant_db(slug) as s:
        return [
            (p.idempotency_key, p.review, list(p.flags))
            for p in s.scalars(
                select(Punch)
                .where(Punch.staff_id == staff_id, Punch.source != "machine")
                .order_by(Punch.id)
            )
        ]


def _day_of(tenant_db, slug, staff_id):
    with tenant_db(slug) as s:
        days = attendance.days_of(s, staff_id, date(2000, 1, 1), date(2100, 1, 1))
        return (days[-1].check_in is not None, days[-1].pending) if days else None


def test_one_phone_punching_for_two_people_flags_both_whatever_the_order(
    client, kab, tenant_db, page_sign_in
):
    slug, ids, t = kab
    url = API.format(slug=slug) + "/punches"
    guru, sari, kadis = ids["Guru Budi"], ids["Sari Pegawai"], ids["Kadis Sehat"]
    # Guru checks in from the phone first: nothing odd yet, it counts at once.
    first = client.post(url, json=_punch("g-in", "hp-x", where=DISDIK), headers=t["guru"])
    assert first.status_code == 201 and first.get_json()["review"] == "accepted"
    assert _day_of(tenant_db, slug, guru) == (True, 0)
    # Sari's check-in from the same phone is flagged, and so is Guru's, which no longer counts.
    second = client.post(url, json=_punch("s-in", "hp-x"), headers=t["pegawai"])
    assert second.status_code == 201, second.get_json()
    assert second.get_json()["flags"] == ["shared_device"]
    assert second.get_json()["review"] == "pending"
    assert _punches_of(tenant_db, slug, guru) == [("g-in", "pending", ["shared_device"])]
    assert _day_of(tenant_db, slug, guru) == (False, 1)
    assert _day_of(tenant_db, slug, sari) == (False, 1)
    # A retry of Sari's check-in is the same punch; nothing is flagged twice.
    again = client.post(url, json=_punch("s-in", "hp-x"), headers=t["pegawai"])
    assert again.status_code == 200 and again.get_json()["id"] == second.get_json()["id"]
    assert _punches_of(tenant_db, slug, guru) == [("g-in", "pending", ["shared_device"])]

    # Each supervisor sees their own person's punch, what it means, and who else used the phone.
    for who, name, other in (
        ("kadis", "Sari Pegawai", "Guru Budi"),
        ("kadisdik", "Guru Budi", "Sari Pegawai"),
    ):
        page = page_sign_in(slug, f"{who}@example.go.id").get(f"/t/{slug}/ekinerja/queue")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "satu ponsel untuk beberapa orang" in html
        assert name in html and "Ponsel yang sama juga dipakai absen oleh:" in html
        assert f"{other} (Datang " in html
    # Guru's supervisor, having asked, accepts Guru's check-in: it counts again.
    review = client.post(
        API.format(slug=slug) + "/punches/review",
        json={"punch_ids": [first.get_json()["id"]], "accept": True},
        headers=t["kadisdik"],
    )
    assert review.status_code == 200, review.get_json()
    assert _day_of(tenant_db, slug, guru) == (True, 0)

    # A third person on the phone: flagged; the punches already flagged are left as decided.
    third = client.post(url, json=_punch("k-in", "hp-x"), headers=t["kadis"])
    assert third.get_json()["flags"] == ["shared_device"]
    assert _punches_of(tenant_db, slug, guru) == [("g-in", "accepted", ["shared_device"])]
    assert _punches_of(tenant_db, slug, sari) == [("s-in", "pending", ["shared_device"])]
    assert _punches_of(tenant_db, slug, kadis) == [("k-in", "pending", ["shared_device"])]
    # Sari on her own phone is Sari alone.
    own = client.post(url, json=_punch("s-out", "hp-sari", kind="out"), headers=t["pegawai"])
    assert own.get_json()["flags"] == [] and own.get_json()["review"] == "accepted"


def test_only_the_same_day_and_only_phones_count(kab, tenant_db):
    """Yesterday's punch from the phone, a punch the supervisor rejected, and a
    fingerprint machine or web page (shared by design) flag nobody."""
    slug, ids, _t = kab
    guru, sari = ids["Guru Budi"], ids["Sari Pegawai"]
    now = datetime.now(UTC)

    def phone(key, where=DINKES):
        return attendance.PunchIn("in", key, where[0], where[1], 8, "hp-y")

    with tenant_db(slug) as s:
        attendance.record_punch(
            s, guru, phone("g-yesterday", DISDIK), source="mobile", now=now - timedelta(days=1)
        )
        today, _ = attendance.record_punch(s, sari, phone("s-today"), source="mobile", now=now)
        assert today.flags == []
        machine = attendance.PunchIn("out", "m-1", device_id="mesin-1")
        for who in (guru, sari):
            made, _ = attendance.record_punch(
                s, who, machine, source="machine", now=now + timedelta(hours=8)
            )
            assert made.flags == [] and made.review == "accepted"
    with tenant_db(slug) as s:
        s.execute(
            Punch.__table__.update()
            .where(Punch.idempotency_key == "s-today")
            .values(review="rejected")
        )
    with tenant_db(slug) as s:
        later, _ = attendance.record_punch(
            s, guru, phone("g-today", DISDIK), source="mobile", now=now + timedelta(minutes=5)
        )
        assert later.flags == []


def test_a_regency_that_shares_phones_by_arrangement_switches_the_flag_off(client, kab):
    slug, _ids, t = kab
    api = API.format(slug=slug)
    wrong = client.patch(
        api + "/settings", json={"settings": {"flag_shared_device": "maybe"}}, headers=t["bkpsdm"]
    )
    assert wrong.status_code == 422 and "flag_shared_device" in wrong.get_json()["error"]["fields"]
    assert (
        client.patch(
            api + "/settings", json={"settings": {"flag_shared_device": False}}, headers=t["kadis"]
        ).status_code
        == 403
    )
    off = client.patch(
        api + "/settings", json={"settings": {"flag_shared_device": False}}, headers=t["bkpsdm"]
    )
    assert off.status_code == 200, off.get_json()
    for who, key, where in (("guru", "g", DISDIK), ("pegawai", "s", DINKES)):
        made = client.post(api + "/punches", json=_punch(key, "hp-z", where=where), headers=t[who])
        assert made.status_code == 201 and made.get_json()["flags"] == []


def test_a_check_in_that_deadlocks_is_a_503_to_retry_and_writes_nothing(
    client, kab, tenant_db, settings
):
    """Sari's check-in from Guru's phone must lock Guru's row; another transaction
    holds it and waits for Sari's. PostgreSQL breaks the deadlock by failing one of
    them: the check-in is answered 503 with Retry-After, in the reader's language, and
    nothing of it is written; sent again, it goes through."""
    slug, ids, t = kab
    url = API.format(slug=slug) + "/punches"
    guru, sari = ids["Guru Budi"], ids["Sari Pegawai"]
    assert (
        client.post(url, json=_punch("g-in", "hp-x", where=DISDIK), headers=t["guru"]).status_code
        == 201
    )
    staff = f'"{schema_name(slug)}".staff'
    with psycopg.connect(libpq_url(settings.DATABASE_URL)) as other:
        other.execute(f"SELECT id FROM {staff} WHERE id = %s FOR UPDATE", (guru,))

        def then_want_sari() -> None:
            time.sleep(0.4)  # the check-in holds Sari's row and waits for Guru's by now
            other.execute(f"SELECT id FROM {staff} WHERE id = %s FOR UPDATE", (sari,))

        waiter = threading.Thread(target=then_want_sari)
        waiter.start()
        lost = client.post(url + "?lang=id", json=_punch("s-in", "hp-x"), headers=t["pegawai"])
        waiter.join(timeout=30)
        other.rollback()
    assert lost.status_code == 503, lost.get_json()
    assert lost.headers["Retry-After"] == "1"
    error = lost.get_json()["error"]
    assert error["code"] == "busy" and "tidak ada yang tersimpan" in error["localized"]
    assert _punches_of(tenant_db, slug, sari) == []
    assert _punches_of(tenant_db, slug, guru) == [("g-in", "accepted", [])]
    retried = client.post(url, json=_punch("s-in", "hp-x"), headers=t["pegawai"])
    assert retried.status_code == 201 and retried.get_json()["flags"] == ["shared_device"]
    assert _punches_of(tenant_db, slug, guru) == [("g-in", "pending", ["shared_device"])]


def test_a_later_punch_on_a_shared_phone_waits_for_nobody_it_does_not_change(
    client, kab, tenant_db, settings
):
    """Guru's and Sari's check-ins from one phone are both flagged already. Sari's
    check-out from it changes nothing of Guru's, so it must not wait for Guru's row:
    holding her own row while it waits for his is out of id order, and a review (or
    Guru's own punch) that holds his and wants hers deadlocks with it."""
    slug, ids, t = kab
    url = API.format(slug=slug) + "/punches"
    guru, sari = ids["Guru Budi"], ids["Sari Pegawai"]
    assert (
        client.post(url, json=_punch("g-in", "hp-x", where=DISDIK), headers=t["guru"]).status_code
        == 201
    )
    assert client.post(url, json=_punch("s-in", "hp-x"), headers=t["pegawai"]).status_code == 201
    assert _punches_of(tenant_db, slug, guru) == [("g-in", "pending", ["shared_device"])]
    staff = f'"{schema_name(slug)}".staff'
    with psycopg.connect(libpq_url(settings.DATABASE_URL)) as other:
        other.execute(f"SELECT id FROM {staff} WHERE id = %s FOR UPDATE", (guru,))

        def then_want_sari() -> None:
            time.sleep(0.4)  # a check-out that wanted Guru's row would be waiting by now
            other.execute(f"SELECT id FROM {staff} WHERE id = %s FOR UPDATE", (sari,))

        waiter = threading.Thread(target=then_want_sari)
        waiter.start()
        out = client.post(url, json=_punch("s-out", "hp-x", kind="out"), headers=t["pegawai"])
        waiter.join(timeout=30)
        other.rollback()
    assert out.status_code == 201, out.get_json()
    assert out.get_json()["flags"] == ["shared_device"]
    assert _punches_of(tenant_db, slug, guru) == [("g-in", "pending", ["shared_device"])]


def test_two_people_punching_from_one_phone_at_once_are_both_flagged(kab, tenant_db):
    """Sari's punch from the phone comes while Guru's from it is not yet committed (an
    offline batch of each, uploaded together): at READ COMMITTED neither look-back
    sees the other's punch, so one of them must wait for the other to finish."""
    slug, ids, _t = kab
    guru, sari = ids["Guru Budi"], ids["Sari Pegawai"]
    now = datetime.now(UTC)

    def phone(key, where):
        return attendance.PunchIn("in", key, where[0], where[1], 8, "hp-w")

    made: dict[str, attendance.PunchRecord] = {}

    def sari_punches() -> None:
        with tenant_db(slug) as second:
            made["sari"], _ = attendance.record_punch(
                second, sari, phone("s-in", DINKES), source="mobile", now=now
            )

    with tenant_db(slug) as first:
        attendance.record_punch(first, guru, phone("g-in", DISDIK), source="mobile", now=now)
        waiter = threading.Thread(target=sari_punches)
        waiter.start()
        waiter.join(timeout=1)  # Sari's punch waits for Guru's to be committed
    waiter.join(timeout=30)
    assert made["sari"].flags == ["shared_device"] and made["sari"].review == "pending"
    assert _punches_of(tenant_db, slug, guru) == [("g-in", "pending", ["shared_device"])]
    assert _day_of(tenant_db, slug, guru) == (False, 1)


def test_the_phone_turn_comes_with_the_persons_lock(kab, tenant_db):
    """The check-in's first statement takes the person's row and the phone's turn
    together (the morning peak pays no round trip for it); the punch then takes no
    second turn, and punches without a phone take none."""
    slug, ids, _t = kab
    advisory = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    )
    with tenant_db(slug) as s:
        user_id = s.scalar(select(Account.user_id).where(Account.staff_id == ids["Sari Pegawai"]))
        person = attendance.lock_own(s, user_id, phone="hp-q")
        assert person is not None and person.phone == "hp-q"
        assert s.scalar(advisory) == 1
        attendance.record_punch(
            s,
            person.staff_id,
            attendance.PunchIn("in", "q-1", *DINKES, 8, "hp-q"),
            source="mobile",
            person=person,
        )
        assert s.scalar(advisory) == 1
    with tenant_db(slug) as s:
        attendance.lock_staff(s, ids["Guru Budi"])
        attendance.record_punch(
            s, ids["Guru Budi"], attendance.PunchIn("out", "m-1"), source="machine"
        )
        assert s.scalar(advisory) == 0
