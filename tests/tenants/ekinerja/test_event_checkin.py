"""Checking in to an apel by phone: an event held at an office takes check-ins from
the people it covers, inside that office's geofence, around its start; the roll
shows who did and starts from it. What a hostile staff member would try is a
clear 4xx, never a 500 and never a check-in to an event that is not theirs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from smartcity.errors import Conflict
from smartcity.tenantcore.models import OrgUnit, Staff
from sqlalchemy import func, select

from tenants.ekinerja import attendance, eventcheckin, events
from tenants.ekinerja.access import system_actor
from tenants.ekinerja.attendance import zone
from tenants.ekinerja.eventmodels import Event, EventCheckIn
from tenants.ekinerja.models import Office
from tests.conftest import bearer, tenant_token
from tests.support.ekinerja_tpp import API, two_units, user
from tests.support.web import csrf_token

PAGES = "/t/{slug}/ekinerja"
#: The Bandung city hall, and a point 40 m and one 2 km from it.
HALL = (-6.9114, 107.6094)
INSIDE = {"latitude": HALL[0] + 0.0003, "longitude": HALL[1], "accuracy_m": 8}
FAR = {"latitude": HALL[0] + 0.018, "longitude": HALL[1], "accuracy_m": 8}
#: A fence of 150 m around the hall.
FENCE = {"latitude": HALL[0], "longitude": HALL[1], "radius_m": 150}


@pytest.fixture
def kab(provision: Any, tenant_db: Any, client: Any) -> dict[str, Any]:
    """Dinkes and Disdik, an office (the hall), and an apel of Dinkes held there now."""
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        ids = two_units(s)
        staff = {k: s.get(Staff, v) for k, v in ids.items() if k not in ("dinkes", "disdik")}
        user(s, "pegawai@example.go.id", "ekinerja.staff", staff["worker"])
        user(s, "guru@example.go.id", "ekinerja.staff", staff["guru"])
        user(s, "kadis@example.go.id", "ekinerja.staff", staff["head"])
        user(s, "opd@example.go.id", "ekinerja.unit_admin", staff["admin"], (ids["dinkes"],))
        user(s, "bkpsdm@example.go.id", "ekinerja.bkpsdm_admin")
        hall = Office(
            org_unit_id=ids["dinkes"],
            name="Balai Kota",
            latitude=HALL[0],
            longitude=HALL[1],
            radius_m=150,
        )
        s.add(hall)
        s.flush()
        ids["hall"] = hall.id
        now = datetime.now(zone(s))
    tokens = {
        who: bearer(tenant_token(client, slug, f"{who}@example.go.id"))
        for who in ("pegawai", "guru", "opd", "bkpsdm")
    }
    body = {
        "kind": "apel_pagi",
        "day": now.date().isoformat(),
        "starts_at": f"{now:%H:%M}",
        "org_unit_id": ids["dinkes"],
        "office_id": ids["hall"],
    }
    made = client.post(f"{API.format(slug=slug)}/events", json=body, headers=tokens["opd"])
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["office_id"] == ids["hall"]
    return {"slug": slug, "ids": ids, "t": tokens, "event": made.get_json(), "today": now.date()}


def _check_in(client: Any, kab: dict[str, Any], who: str, event_id: int, **body: Any) -> Any:
    """From the person's own phone unless ``body`` says otherwise."""
    url = f"{API.format(slug=kab['slug'])}/events/{event_id}/check-in"
    sent = {"device_id": f"hp-{who}", **(body or INSIDE)}
    return client.post(url, json=sent, headers=kab["t"][who])


def test_a_check_in_at_the_apel_shows_on_the_roll_and_starts_it(
    client: Any, kab: dict[str, Any], page_sign_in: Any, tenant_db: Any
) -> None:
    url, event, ids = API.format(slug=kab["slug"]), kab["event"], kab["ids"]
    mine = client.get(f"{url}/events/mine", headers=kab["t"]["pegawai"])
    assert mine.status_code == 200
    (listed,) = mine.get_json()["events"]
    assert listed["id"] == event["id"] and listed["checked_in_at"] is None
    place = listed["place"]
    assert (place["id"], place["name"], place["radius_m"]) == (ids["hall"], "Balai Kota", 150)
    assert (place["latitude"], place["longitude"]) == HALL
    assert listed["check_in_opens"] < listed["check_in_closes"]
    # The teacher of Disdik is not covered by Dinkes's apel: nothing to see or do.
    assert client.get(f"{url}/events/mine", headers=kab["t"]["guru"]).get_json()["events"] == []
    assert _check_in(client, kab, "guru", event["id"]).status_code == 404

    first = _check_in(client, kab, "pegawai", event["id"])
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["created"] is True and first.get_json()["flags"] == []
    # The phone asking again gets the first check-in back, not a second one.
    again = _check_in(client, kab, "pegawai", event["id"], **FAR)
    assert again.status_code == 200 and again.get_json()["at"] == first.get_json()["at"]
    (listed,) = client.get(f"{url}/events/mine", headers=kab["t"]["pegawai"]).get_json()["events"]
    assert listed["checked_in_at"] == first.get_json()["at"]

    roll = client.get(f"{url}/events/{event['id']}", headers=kab["t"]["opd"]).get_json()["roll"]
    by_id = {e["staff_id"]: e for e in roll}
    assert by_id[ids["worker"]]["checked_in_at"] == first.get_json()["at"]
    assert by_id[ids["head"]]["checked_in_at"] is None
    # Nobody is cut by a check-in or its absence: only the roll cuts.
    assert {e["status"] for e in roll} == {"present"}

    # While check-in is open, the roll page ticks nobody for not having checked in yet.
    admin = page_sign_in(kab["slug"], "opd@example.go.id")
    html = admin.get(f"{PAGES.format(slug=kab['slug'])}/events/{event['id']}").get_data(
        as_text=True
    )
    assert 'id="ekn-roll-suggested"' not in html and 'id="ekn-roll-checking-in"' in html
    assert f'id="r-{ids["head"]}" name="absent" value="{ids["head"]}">' in html
    assert "Presensi lewat ponsel dibuka sampai pukul" in html
    # Once it has closed, the page ticks whoever did not check in, and says so.
    with tenant_db(kab["slug"]) as s:
        start = datetime.now(zone(s)) - eventcheckin.CLOSES_AFTER - timedelta(minutes=5)
        moved = s.get(Event, event["id"])
        moved.day, moved.starts_at = start.date(), start.time().replace(second=0, microsecond=0)
    html = admin.get(f"{PAGES.format(slug=kab['slug'])}/events/{event['id']}").get_data(
        as_text=True
    )
    assert "Bertempat di Balai Kota" in html and 'id="ekn-roll-suggested"' in html
    assert f'id="r-{ids["worker"]}" name="absent" value="{ids["worker"]}">' in html
    assert f'id="r-{ids["head"]}" name="absent" value="{ids["head"]}" checked' in html
    assert "tidak presensi" in html and "presensi pukul" in html
    english = admin.get(f"{PAGES.format(slug=kab['slug'])}/events/{event['id']}?lang=en")
    assert "did not check in" in english.get_data(as_text=True)
    # Once the unit's roll is taken, the page shows the roll as taken, not the suggestion.
    taken = client.put(
        f"{url}/events/{event['id']}/roll", json={"absent": []}, headers=kab["t"]["opd"]
    )
    assert taken.status_code == 200
    html = admin.get(f"{PAGES.format(slug=kab['slug'])}/events/{event['id']}").get_data(
        as_text=True
    )
    assert 'id="ekn-roll-suggested"' not in html
    assert f'id="r-{ids["head"]}" name="absent" value="{ids["head"]}">' in html


def test_a_check_in_away_from_the_place_or_the_hour_is_refused(
    client: Any, kab: dict[str, Any], tenant_db: Any
) -> None:
    url, event, ids = API.format(slug=kab["slug"]), kab["event"], kab["ids"]
    far = _check_in(client, kab, "pegawai", event["id"], **FAR)
    assert far.status_code == 422
    error = far.get_json()["error"]
    assert "latitude" in error["fields"] and "Balai Kota" in error["message"]
    # A mock location inside the fence is taken, flagged for whoever calls the roll.
    mocked = _check_in(client, kab, "pegawai", event["id"], **INSIDE, mock_location=True)
    assert mocked.status_code == 201 and mocked.get_json()["flags"] == ["mock_location"]
    roll = client.get(f"{url}/events/{event['id']}", headers=kab["t"]["opd"]).get_json()["roll"]
    flagged = {e["staff_id"]: e["check_in_flags"] for e in roll}
    assert flagged[ids["worker"]] == ["mock_location"]
    with tenant_db(kab["slug"]) as s:
        start = datetime.combine(kab["today"], time(7, 30), zone(s))
        apel = events.schedule(
            s,
            system_actor("tests"),
            kind="upacara",
            day=kab["today"],
            starts_at="07:30",
            org_unit_id=None,
            office_id=ids["hall"],
            today=kab["today"],
        )
        for moment, words in (
            (start - timedelta(minutes=31), "opens at 07.00"),
            (start + timedelta(minutes=31), "closed at 08.00"),
        ):
            with pytest.raises(Conflict) as refused:
                eventcheckin.check_in(
                    s,
                    ids["guru"],
                    apel.id,
                    eventcheckin.CheckInAt(*HALL),
                    now=moment.astimezone(UTC),
                )
            assert words in refused.value.message
        phone = eventcheckin.CheckInAt(*HALL, device_id="hp-guru")
        made, created = eventcheckin.check_in(
            s, ids["guru"], apel.id, phone, now=start.astimezone(UTC)
        )
        assert created and made.flags == []
        s.rollback()


def test_what_a_hostile_staff_member_tries_is_a_clear_4xx(
    client: Any, kab: dict[str, Any], tenant_db: Any
) -> None:
    url, event = API.format(slug=kab["slug"]), kab["event"]
    # An event without a place takes no check-in; a cancelled one neither.
    plain = client.post(
        f"{url}/events",
        json={"kind": "senam", "day": kab["today"].isoformat(), "starts_at": "08:00"},
        headers=kab["t"]["bkpsdm"],
    ).get_json()
    assert _check_in(client, kab, "pegawai", plain["id"]).status_code == 409
    cancelled = client.post(
        f"{url}/events/{event['id']}/cancellation",
        json={"reason": "hujan"},
        headers=kab["t"]["opd"],
    )
    assert cancelled.status_code == 200
    assert _check_in(client, kab, "pegawai", event["id"]).status_code == 409
    for bad_id in ("0", "99999999999999999999", "-1", "x"):
        got = client.post(
            f"{url}/events/{bad_id}/check-in", json=INSIDE, headers=kab["t"]["pegawai"]
        )
        assert got.status_code == 404, (bad_id, got.status_code)
    for body in (
        {},
        {"latitude": 91, "longitude": 0},
        {"latitude": "x", "longitude": 0},
        {**INSIDE, "at": "2026-01-01T07:00:00Z"},
        {**INSIDE, "device_id": "x" * 500},
        [1, 2],
    ):
        got = client.post(
            f"{url}/events/{plain['id']}/check-in", json=body, headers=kab["t"]["pegawai"]
        )
        assert got.status_code == 422, (body, got.status_code)
    # An account linked to no staff member has no events of its own.
    assert client.get(f"{url}/events/mine", headers=kab["t"]["bkpsdm"]).status_code == 403
    assert _check_in(client, kab, "bkpsdm", plain["id"]).status_code == 403
    for day in ("2026-13-01", "0001-01-01", "9999-12-31", "1999-12-31"):
        bad_day = client.get(f"{url}/events/mine?day={day}", headers=kab["t"]["pegawai"])
        assert bad_day.status_code == 422, (day, bad_day.status_code)
        assert "day" in bad_day.get_json()["error"]["fields"]
    # Scheduling at an office that does not exist names the field.
    nowhere = client.post(
        f"{url}/events",
        json={
            "kind": "sidak",
            "day": kab["today"].isoformat(),
            "starts_at": "09:00",
            "office_id": 987654,
        },
        headers=kab["t"]["bkpsdm"],
    )
    assert nowhere.status_code == 422 and "office_id" in nowhere.get_json()["error"]["fields"]
    with tenant_db(kab["slug"]) as s:
        assert s.scalar(select(func.count()).select_from(EventCheckIn)) == 0


def test_the_schedule_form_offers_the_places(kab: dict[str, Any], page_sign_in: Any) -> None:
    base = PAGES.format(slug=kab["slug"])
    admin = page_sign_in(kab["slug"], "bkpsdm@example.go.id")
    html = admin.get(f"{base}/events").get_data(as_text=True)
    assert f'<option value="{kab["ids"]["hall"]}">Balai Kota</option>' in html
    assert "tanpa presensi lewat ponsel" in html
    token = csrf_token(html)
    form = {
        "csrf_token": token,
        "kind": "senam",
        "day": kab["today"].isoformat(),
        "starts_at": "06:30",
    }
    for office, status in (("x1", 422), ("987654", 422), (str(kab["ids"]["hall"]), 303)):
        got = admin.post(f"{base}/events", data={**form, "office_id": office})
        assert got.status_code == status, (office, got.status_code)
        if status == 422:
            assert 'data-error="office_id">kantor tidak ditemukan<' in got.get_data(as_text=True)


def test_two_check_ins_at_once_make_one(kab: dict[str, Any], tenant_db: Any) -> None:
    ids, event_id = kab["ids"], kab["event"]["id"]
    outcome: list[bool] = []

    def second() -> None:
        with tenant_db(kab["slug"]) as s2:
            _made, created = eventcheckin.check_in(
                s2, ids["worker"], event_id, eventcheckin.CheckInAt(*HALL), now=datetime.now(UTC)
            )
            outcome.append(created)

    with tenant_db(kab["slug"]) as first:
        _made, created = eventcheckin.check_in(
            first, ids["worker"], event_id, eventcheckin.CheckInAt(*HALL), now=datetime.now(UTC)
        )
        assert created
        late = threading.Thread(target=second)
        late.start()
        late.join(timeout=1.5)
        assert late.is_alive()  # it waits on the first's row...
    late.join(timeout=30)
    assert outcome == [False]  # ...then returns it
    with tenant_db(kab["slug"]) as s:
        assert s.scalar(select(func.count()).select_from(EventCheckIn)) == 1


def test_an_office_an_event_is_held_at_is_not_removed(
    client: Any, kab: dict[str, Any], tenant_db: Any
) -> None:
    url, hall = API.format(slug=kab["slug"]), kab["ids"]["hall"]
    got = client.delete(f"{url}/offices/{hall}", headers=kab["t"]["bkpsdm"])
    assert got.status_code == 409, got.get_data(as_text=True)
    error = got.get_json()["error"]
    assert error["fields"] == {"office_id": "in use"}
    assert f"no. {kab['event']['id']}" in error["message"]
    assert "apel atau upacara diadakan di kantor ini" in error["localized"]
    with tenant_db(kab["slug"]) as s:
        assert s.get(Office, hall) is not None


def test_a_unit_event_is_held_at_an_office_of_its_own_line(
    client: Any, kab: dict[str, Any], tenant_db: Any, page_sign_in: Any
) -> None:
    url, ids = API.format(slug=kab["slug"]), kab["ids"]
    with tenant_db(kab["slug"]) as s:
        pkm = OrgUnit(code="1.02.01.01", name="Puskesmas Kota", kind="upt", parent_id=ids["dinkes"])
        s.add(pkm)
        s.flush()
        offices = {
            "sekolah": Office(org_unit_id=ids["disdik"], name="SD Negeri 1", **FENCE),
            "pkm": Office(org_unit_id=pkm.id, name="Puskesmas Kota", **FENCE),
        }
        s.add_all(offices.values())
        s.flush()
        places = {k: o.id for k, o in offices.items()}
    body = {"day": kab["today"].isoformat(), "starts_at": "09:00"}

    def schedule(who: str, kind: str, office: str, **more: Any) -> Any:
        made = {**body, "kind": kind, "office_id": places[office], **more}
        return client.post(f"{url}/events", json=made, headers=kab["t"][who])

    # Dinkes's admin may not hold Dinkes's apel at a school of Disdik...
    refused = schedule("opd", "senam", "sekolah", org_unit_id=ids["dinkes"])
    assert refused.status_code == 422, refused.get_json()
    assert "kantor unit ini" in refused.get_json()["error"]["localized_fields"]["office_id"]
    # ...but at its health centre (a unit under it), and BKPSDM anywhere for the regency.
    assert schedule("opd", "senam", "pkm", org_unit_id=ids["dinkes"]).status_code == 201
    assert schedule("bkpsdm", "sidak", "sekolah").status_code == 201
    # The form offers a unit admin the offices of their line only.
    html = page_sign_in(kab["slug"], "opd@example.go.id").get(
        f"{PAGES.format(slug=kab['slug'])}/events"
    )
    page = html.get_data(as_text=True)
    assert ">Puskesmas Kota</option>" in page and ">Balai Kota</option>" in page
    assert "SD Negeri 1" not in page


def test_an_event_near_midnight_is_listed_on_the_day_its_check_in_is_open(
    kab: dict[str, Any], tenant_db: Any
) -> None:
    ids, today = kab["ids"], kab["today"]
    with tenant_db(kab["slug"]) as s:
        plan = (
            ("upacara", today + timedelta(days=1), "00:15"),  # opens at 23.45 today
            ("sidak", today - timedelta(days=1), "23:50"),  # closes at 00.20 today
            ("senam", today + timedelta(days=1), "07:00"),  # tomorrow's business
            ("apel_sore", today - timedelta(days=1), "16:00"),  # yesterday's, closed
        )
        made = {
            kind: events.schedule(
                s,
                system_actor("tests"),
                kind=kind,
                day=day,
                starts_at=at,
                org_unit_id=None,
                office_id=ids["hall"],
                today=today,
            ).id
            for kind, day, at in plan
        }
        listed = [e.id for e, _checked in eventcheckin.mine(s, ids["worker"], today)]
        # Yesterday's 23.50 sidak, today's apel (the fixture's), then tonight's ceremony.
        assert listed == [made["sidak"], kab["event"]["id"], made["upacara"]]
        # An event without a place takes no check-in: listed on its own day only.
        plain = events.schedule(
            s,
            system_actor("tests"),
            kind="apel_pagi",
            day=today + timedelta(days=1),
            starts_at="00:05",
            org_unit_id=None,
            today=today,
        )
        assert plain.id not in [e.id for e, _c in eventcheckin.mine(s, ids["worker"], today)]
        s.rollback()


def test_one_phone_checking_in_two_people_flags_both(
    client: Any, kab: dict[str, Any], page_sign_in: Any
) -> None:
    url, event, ids = API.format(slug=kab["slug"]), kab["event"], kab["ids"]
    with_phone = {**INSIDE, "device_id": "hp-budi"}
    alone = _check_in(client, kab, "pegawai", event["id"], **with_phone)
    assert alone.status_code == 201 and alone.get_json()["flags"] == []
    # The head's check-in comes from the worker's phone: both are flagged.
    head = bearer(tenant_token(client, kab["slug"], "kadis@example.go.id"))
    second = client.post(f"{url}/events/{event['id']}/check-in", json=with_phone, headers=head)
    assert second.status_code == 201 and second.get_json()["flags"] == ["shared_device"]
    roll = client.get(f"{url}/events/{event['id']}", headers=kab["t"]["opd"]).get_json()["roll"]
    flags = {e["staff_id"]: e["check_in_flags"] for e in roll}
    assert flags[ids["worker"]] == ["shared_device"] and flags[ids["head"]] == ["shared_device"]
    # A retry from the same phone changes nothing; another phone is not flagged.
    assert _check_in(client, kab, "pegawai", event["id"], **with_phone).status_code == 200
    admin = client.post(
        f"{url}/events/{event['id']}/check-in",
        json={**INSIDE, "device_id": "hp-admin"},
        headers=kab["t"]["opd"],
    )
    assert admin.status_code == 201 and admin.get_json()["flags"] == []
    roll = client.get(f"{url}/events/{event['id']}", headers=kab["t"]["opd"]).get_json()["roll"]
    assert {e["staff_id"]: e["check_in_flags"] for e in roll}[ids["worker"]] == ["shared_device"]
    page = page_sign_in(kab["slug"], "opd@example.go.id").get(
        f"{PAGES.format(slug=kab['slug'])}/events/{event['id']}"
    )
    assert "satu ponsel untuk beberapa orang" in page.get_data(as_text=True)


def test_another_regency_neither_sees_nor_checks_in_to_the_event(
    client: Any, kab: dict[str, Any], provision: Any, tenant_db: Any
) -> None:
    """The event's id at another regency's address, and a token of that regency at this
    one: nothing crosses the wall."""
    other = provision(apps=("ekinerja",))
    with tenant_db(other) as s:
        ids = two_units(s)
        user(s, "pegawai@example.go.id", "ekinerja.staff", s.get(Staff, ids["worker"]))
    theirs = bearer(tenant_token(client, other, "pegawai@example.go.id"))
    event_id = kab["event"]["id"]
    # Their staff member, at their own address, does not find this regency's event...
    at_home = f"{API.format(slug=other)}/events/{event_id}/check-in"
    assert client.post(at_home, json=INSIDE, headers=theirs).status_code == 404
    assert client.get(f"{API.format(slug=other)}/events/mine", headers=theirs).get_json() == {
        "events": []
    }
    # ...and their token is not taken at this regency's address.
    here = f"{API.format(slug=kab['slug'])}/events/{event_id}/check-in"
    assert client.post(here, json=INSIDE, headers=theirs).status_code == 401
    assert (
        client.get(f"{API.format(slug=kab['slug'])}/events/mine", headers=theirs).status_code == 401
    )
    with tenant_db(kab["slug"]) as s:
        assert s.scalar(select(func.count()).select_from(EventCheckIn)) == 0


def test_the_phone_tied_to_the_account_judges_an_apel_check_in(
    client: Any, kab: dict[str, Any], tenant_db: Any
) -> None:
    """One colleague checking the whole row in from their phone is the apel's titip
    absen: a check-in from another phone than the account's is flagged (refused where
    the regency refuses), one without a phone id flagged; a check-in ties nothing."""
    url, event, ids = API.format(slug=kab["slug"]), kab["event"], kab["ids"]
    with tenant_db(kab["slug"]) as s:
        attendance.record_punch(
            s,
            ids["worker"],
            attendance.PunchIn("in", "k-1", *HALL, 8, "hp-pegawai"),
            source="mobile",
        )
    borrowed = _check_in(client, kab, "pegawai", event["id"], **INSIDE, device_id="hp-teman")
    assert borrowed.status_code == 201 and borrowed.get_json()["flags"] == ["other_device"]
    with tenant_db(kab["slug"]) as s:
        assert attendance.tied_phone(s, ids["worker"]).device_id == "hp-pegawai"
    blind = client.post(
        f"{url}/events/{event['id']}/check-in", json=INSIDE, headers=kab["t"]["opd"]
    )
    assert blind.status_code == 201 and blind.get_json()["flags"] == ["no_device_id"]
    with tenant_db(kab["slug"]) as s:
        assert attendance.tied_phone(s, ids["admin"]) is None  # judged, not tied
