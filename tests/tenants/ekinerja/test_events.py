"""Assemblies and ceremonies: a unit admin schedules an apel and takes its roll, each
absence becomes a line of the month's statement naming the roll mark; who may call
whom, excused people, cancelled events, closed months, both languages on the pages,
and what a hostile user of the regency would try (4xx, never a 500)."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from smartcity.db import db, tenant_bind
from smartcity.errors import Conflict
from smartcity.tenancy.names import role_name, schema_name
from smartcity.tenantcore.models import AuditEntry, OrgUnit, Staff
from sqlalchemy import func, inspect, select, text

from tenants.ekinerja import events, runs
from tenants.ekinerja.access import system_actor
from tenants.ekinerja.attendance import zone
from tenants.ekinerja.eventmodels import Event, EventAbsence
from tenants.ekinerja.models import Absence, AttendanceDay, TppMonth
from tests.conftest import bearer, tenant_token
from tests.support.ekinerja_tpp import API, person, two_units, user
from tests.support.web import csrf_token

PAGES = "/t/{slug}/ekinerja"
#: The class 8 worker's discipline part (40 % of 3,500,000) and 4 % of it.
APEL_CUT = 1_400_000 * 4 // 100


def _setup(provision: Any, tenant_db: Any, client: Any) -> tuple[str, dict[str, int], dict, date]:
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        ids = two_units(s)
        staff = {k: s.get(Staff, v) for k, v in ids.items() if k not in ("dinkes", "disdik")}
        user(s, "pegawai@example.go.id", "ekinerja.staff", staff["worker"])
        user(s, "opd@example.go.id", "ekinerja.unit_admin", staff["admin"], (ids["dinkes"],))
        user(s, "admdik@example.go.id", "ekinerja.unit_admin", staff["guru_head"], (ids["disdik"],))
        user(s, "bkpsdm@example.go.id", "ekinerja.bkpsdm_admin")
        user(s, "inspektorat@example.go.id", "ekinerja.viewer")
        tz = zone(s)
        today = datetime.now(tz).date()
        # The worker came on time today (else the day is cut as absent, and its
        # events with it)...
        s.add(
            AttendanceDay(
                staff_id=ids["worker"],
                day=today,
                check_in=datetime.combine(today, time(7, 0), tz),
                check_out=datetime.combine(today, time(17, 0), tz),
            )
        )
        # ...and this month is computed already: a roll call recomputes the people it changes.
        runs.compute_month(s, system_actor("tests"), today.year, today.month, today=today)
    tokens = {
        who: bearer(tenant_token(client, slug, f"{who}@example.go.id"))
        for who in ("pegawai", "opd", "admdik", "bkpsdm", "inspektorat")
    }
    return slug, ids, tokens, today


@pytest.fixture
def kab(provision: Any, tenant_db: Any, client: Any) -> tuple[str, dict[str, int], dict, date]:
    return _setup(provision, tenant_db, client)


def _event(client: Any, slug: str, token: Any, **kw: Any) -> Any:
    body = {"kind": "apel_pagi", "starts_at": "07:30", **kw}
    return client.post(f"{API.format(slug=slug)}/events", json=body, headers=token)


def _event_lines(client: Any, slug: str, token: Any, day: date) -> list[dict[str, Any]]:
    got = client.get(f"{API.format(slug=slug)}/tpp/{day.year}/{day.month}", headers=token)
    assert got.status_code == 200, got.get_json()
    return [ln for ln in got.get_json()["lines"] if ln["component"] == "event"]


def test_a_roll_call_cuts_the_absent_with_a_line_naming_the_mark(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids, t, today = kab
    url = API.format(slug=slug)
    made = _event(
        client, slug, t["opd"], day=today.isoformat(), title="Apel Senin", org_unit_id=ids["dinkes"]
    )
    assert made.status_code == 201, made.get_json()
    event = made.get_json()
    assert event["absent_count"] == 0 and event["roll_taken_at"] is None
    detail = client.get(f"{url}/events/{event['id']}", headers=t["opd"]).get_json()
    assert {e["name"] for e in detail["roll"]} == {"dr. Kadis", "Budi Pegawai", "Admin Dinkes"}
    assert {e["status"] for e in detail["roll"]} == {"present"}
    assert _event_lines(client, slug, t["pegawai"], today) == []

    called = client.put(
        f"{url}/events/{event['id']}/roll", json={"absent": [ids["worker"]]}, headers=t["opd"]
    )
    assert called.status_code == 200, called.get_json()
    assert called.get_json()["absent_count"] == 1
    assert {e["staff_id"]: e["status"] for e in called.get_json()["roll"]}[ids["worker"]] == (
        "absent"
    )
    (line,) = _event_lines(client, slug, t["pegawai"], today)
    with tenant_db(slug) as s:
        mark = s.scalars(select(EventAbsence)).one()
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "ekinerja.event_roll"))
        assert audit is not None and str(audit.entity_id) == str(event["id"])
    assert line["record"] == f"event_absence:{mark.id}"
    assert line["rule"] == "event_percent.apel_pagi" and line["day"] == today.isoformat()
    assert line["amount"] == APEL_CUT

    # Taking the roll again replaces it: present after all, the line goes.
    again = client.put(f"{url}/events/{event['id']}/roll", json={"absent": []}, headers=t["opd"])
    assert again.status_code == 200 and again.get_json()["absent_count"] == 0
    assert _event_lines(client, slug, t["pegawai"], today) == []


def test_who_schedules_and_calls_whom(
    client: Any, kab: Any, provision: Any, tenant_db: Any
) -> None:
    slug, ids, t, today = kab
    url = API.format(slug=slug)
    day = today.isoformat()
    # Only BKPSDM for the whole regency; a unit admin only for their own unit.
    assert _event(client, slug, t["opd"], day=day).status_code == 403
    assert _event(client, slug, t["opd"], day=day, org_unit_id=ids["disdik"]).status_code == 403
    assert _event(client, slug, t["opd"], day=day, org_unit_id=987654).status_code == 404
    for who in ("pegawai", "inspektorat"):
        assert _event(client, slug, t[who], day=day).status_code == 403, who
    wide = _event(client, slug, t["bkpsdm"], kind="upacara", day=day).get_json()
    # A regency-wide event: each unit admin calls their own unit's people.
    roll = client.get(f"{url}/events/{wide['id']}", headers=t["admdik"]).get_json()["roll"]
    assert {e["name"] for e in roll} == {"Kadis Disdik", "Guru"}
    assert (
        client.put(
            f"{url}/events/{wide['id']}/roll", json={"absent": [ids["worker"]]}, headers=t["admdik"]
        ).status_code
        == 422
    )
    opd = client.put(
        f"{url}/events/{wide['id']}/roll", json={"absent": [ids["worker"]]}, headers=t["opd"]
    )
    assert opd.status_code == 200
    # Disdik's roll (nobody absent) leaves Dinkes's mark alone.
    dik = client.put(f"{url}/events/{wide['id']}/roll", json={"absent": []}, headers=t["admdik"])
    assert dik.status_code == 200
    bkpsdm_view = client.get(f"{url}/events/{wide['id']}", headers=t["bkpsdm"]).get_json()
    assert bkpsdm_view["absent_count"] == 1 and len(bkpsdm_view["roll"]) == 5
    # A viewer reads, calls nobody; a staff member reads nothing.
    seen = client.get(f"{url}/events/{wide['id']}", headers=t["inspektorat"])
    assert seen.status_code == 200 and seen.get_json()["roll"] == []
    assert (
        client.put(
            f"{url}/events/{wide['id']}/roll", json={"absent": []}, headers=t["inspektorat"]
        ).status_code
        == 403
    )
    assert client.get(f"{url}/events", headers=t["pegawai"]).status_code == 403
    # A unit's event is unknown to another unit's admin.
    dinkes = _event(client, slug, t["opd"], day=day, org_unit_id=ids["dinkes"]).get_json()
    assert client.get(f"{url}/events/{dinkes['id']}", headers=t["admdik"]).status_code == 404
    listed = client.get(f"{url}/events?month={today:%Y-%m}", headers=t["admdik"]).get_json()
    assert [e["id"] for e in listed["events"]] == [wide["id"]]
    everything = client.get(f"{url}/events", headers=t["inspektorat"]).get_json()["events"]
    assert sorted(e["id"] for e in everything) == sorted([wide["id"], dinkes["id"]])
    # Another regency's admin is a stranger here, and their regency has no such event.
    other = provision(apps=("ekinerja",))
    with tenant_db(other) as s2:
        user(s2, "bkpsdm@example.go.id", "ekinerja.bkpsdm_admin")
    theirs = bearer(tenant_token(client, other, "bkpsdm@example.go.id"))
    assert client.get(f"{url}/events/{wide['id']}", headers=theirs).status_code in (401, 403)
    assert (
        client.get(f"{API.format(slug=other)}/events/{wide['id']}", headers=theirs).status_code
        == 404
    )


def test_a_unit_admin_calls_and_counts_only_the_people_of_their_own_units(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids, t, today = kab
    url = API.format(slug=slug)
    with tenant_db(slug) as s:
        # A health centre under Dinkes, with its own admin: Dinkes's admin does not manage it.
        pusk = OrgUnit(
            code="1.02.01.01", name="Puskesmas Kota", kind="uptd", parent_id=ids["dinkes"]
        )
        s.add(pusk)
        s.flush()
        nurse = person(s, "199001012015011001", "Perawat", pusk.id, 7)
        user(s, "pusk@example.go.id", "ekinerja.unit_admin", nurse, (pusk.id,))
        user(s, "tanpaunit@example.go.id", "ekinerja.unit_admin")
        nurse_id = nurse.id
    t["pusk"] = bearer(tenant_token(client, slug, "pusk@example.go.id"))
    t["nounit"] = bearer(tenant_token(client, slug, "tanpaunit@example.go.id"))
    dinkes = _event(
        client, slug, t["opd"], day=today.isoformat(), org_unit_id=ids["dinkes"]
    ).get_json()
    roll = f"{url}/events/{dinkes['id']}/roll"
    # Dinkes's admin neither reads nor marks the health centre's nurse...
    seen = client.get(f"{url}/events/{dinkes['id']}", headers=t["opd"]).get_json()["roll"]
    assert "Perawat" not in {e["name"] for e in seen}
    refused = client.put(roll, json={"absent": [nurse_id]}, headers=t["opd"])
    assert refused.status_code == 422 and "absent" in refused.get_json()["error"]["fields"]
    # ...the health centre's admin does (the event covers their unit), and cancels nothing.
    theirs = client.get(f"{url}/events/{dinkes['id']}", headers=t["pusk"])
    assert theirs.status_code == 200
    assert [e["name"] for e in theirs.get_json()["roll"]] == ["Perawat"]
    listed = client.get(f"{url}/events", headers=t["pusk"]).get_json()["events"]
    assert [e["id"] for e in listed] == [dinkes["id"]]
    marked = client.put(roll, json={"absent": [nurse_id]}, headers=t["pusk"])
    assert marked.status_code == 200 and marked.get_json()["absent_count"] == 1
    cancel = f"{url}/events/{dinkes['id']}/cancellation"
    assert client.post(cancel, json={"reason": "x"}, headers=t["pusk"]).status_code == 403
    # Dinkes's roll keeps the nurse's mark, and its count is of Dinkes's people.
    opd = client.put(roll, json={"absent": [ids["worker"]]}, headers=t["opd"])
    assert opd.status_code == 200 and opd.get_json()["absent_count"] == 1
    with tenant_db(slug) as s:
        assert set(s.scalars(select(EventAbsence.staff_id))) == {nurse_id, ids["worker"]}
    assert (
        client.get(f"{url}/events/{dinkes['id']}", headers=t["bkpsdm"]).get_json()["absent_count"]
        == 2
    )
    # A regency-wide event: another unit's admin counts none of Dinkes's absent.
    wide = _event(client, slug, t["bkpsdm"], kind="upacara", day=today.isoformat()).get_json()
    client.put(
        f"{url}/events/{wide['id']}/roll", json={"absent": [ids["worker"]]}, headers=t["opd"]
    )
    dik = client.get(f"{url}/events/{wide['id']}", headers=t["admdik"]).get_json()
    assert dik["absent_count"] == 0 and {e["status"] for e in dik["roll"]} == {"present"}
    month = client.get(f"{url}/events", headers=t["admdik"]).get_json()["events"]
    assert [e["absent_count"] for e in month] == [0]
    # A unit admin without units reads the regency-wide event and calls nobody.
    bare = client.get(f"{url}/events/{wide['id']}", headers=t["nounit"])
    assert bare.status_code == 200 and bare.get_json()["roll"] == []
    assert bare.get_json()["absent_count"] == 0


def test_nobody_is_called_twice_for_the_same_ceremony_of_a_day(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids, t, today = kab
    url = API.format(slug=slug)
    day = today.isoformat()
    wide = _event(client, slug, t["bkpsdm"], kind="upacara", day=day).get_json()
    # Dinkes's own flag ceremony that morning would call (and cut) its people twice.
    again = _event(client, slug, t["opd"], kind="upacara", day=day, org_unit_id=ids["dinkes"])
    assert again.status_code == 409, again.get_json()
    assert again.get_json()["error"]["fields"] == {"kind": "already recorded"}
    # Another kind is another event; and a unit's apel keeps the regency's away.
    apel = _event(client, slug, t["opd"], day=day, org_unit_id=ids["dinkes"])
    assert apel.status_code == 201
    assert _event(client, slug, t["bkpsdm"], day=day).status_code == 409
    put = client.put(
        f"{url}/events/{wide['id']}/roll", json={"absent": [ids["worker"]]}, headers=t["opd"]
    )
    assert put.status_code == 200
    assert len(_event_lines(client, slug, t["pegawai"], today)) == 1
    # Once the regency's is cancelled, Dinkes holds its own.
    cancel = f"{url}/events/{wide['id']}/cancellation"
    assert client.post(cancel, json={"reason": "Hujan"}, headers=t["bkpsdm"]).status_code == 200
    own = _event(client, slug, t["opd"], kind="upacara", day=day, org_unit_id=ids["dinkes"])
    assert own.status_code == 201


def test_excused_cancelled_future_and_closed_are_refused(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids, t, today = kab
    url = API.format(slug=slug)
    event = _event(
        client, slug, t["opd"], day=today.isoformat(), org_unit_id=ids["dinkes"]
    ).get_json()
    roll = f"{url}/events/{event['id']}/roll"
    with tenant_db(slug) as s:
        s.add(
            Absence(
                staff_id=ids["head"],
                kind="travel",
                start_day=today,
                end_day=today,
                reason="Dinas luar",
                status="approved",
            )
        )
    entries = client.get(f"{url}/events/{event['id']}", headers=t["opd"]).get_json()["roll"]
    assert {e["staff_id"]: e["status"] for e in entries}[ids["head"]] == "excused"
    excused = client.put(roll, json={"absent": [ids["head"]]}, headers=t["opd"])
    assert excused.status_code == 422 and "absent" in excused.get_json()["error"]["fields"]
    # Tomorrow's apel: scheduled now, its roll on the day.
    later = _event(
        client,
        slug,
        t["opd"],
        kind="apel_sore",
        day=(today + timedelta(days=1)).isoformat(),
        org_unit_id=ids["dinkes"],
    ).get_json()
    assert (
        client.put(
            f"{url}/events/{later['id']}/roll", json={"absent": []}, headers=t["opd"]
        ).status_code
        == 409
    )
    # The same event twice is refused.
    twice = _event(client, slug, t["opd"], day=today.isoformat(), org_unit_id=ids["dinkes"])
    assert twice.status_code == 409
    # Cancelled: its roll cuts nobody, and no roll is taken any more.
    assert client.put(roll, json={"absent": [ids["worker"]]}, headers=t["opd"]).status_code == 200
    assert len(_event_lines(client, slug, t["pegawai"], today)) == 1
    cancel = f"{url}/events/{event['id']}/cancellation"
    assert client.post(cancel, json={"reason": "  "}, headers=t["opd"]).status_code == 422
    assert client.post(cancel, json={"reason": "x"}, headers=t["admdik"]).status_code == 404
    done = client.post(cancel, json={"reason": "Hujan deras"}, headers=t["opd"])
    assert done.status_code == 200 and done.get_json()["cancelled"] is True
    assert _event_lines(client, slug, t["pegawai"], today) == []
    assert client.post(cancel, json={"reason": "lagi"}, headers=t["opd"]).status_code == 409
    assert client.put(roll, json={"absent": []}, headers=t["opd"]).status_code == 409
    # A month locked for payment: nothing of it changes any more.
    with tenant_db(slug) as s:
        run = s.scalars(select(TppMonth)).one()
        run.locked_at = datetime.now(UTC)
    locked = _event(
        client, slug, t["opd"], kind="senam", day=today.isoformat(), org_unit_id=ids["dinkes"]
    )
    assert locked.status_code == 409


def test_a_month_locked_while_the_roll_is_written_refuses_the_roll_whole(
    client: Any, kab: Any, tenant_db: Any, monkeypatch: Any
) -> None:
    slug, ids, t, today = kab
    event = _event(
        client, slug, t["opd"], day=today.isoformat(), org_unit_id=ids["dinkes"]
    ).get_json()
    # BKPSDM's lock commits after the roll found the month open, before its marks are in.
    monkeypatch.setattr(events, "require_open", lambda *_args: None)
    with tenant_db(slug) as s:
        s.scalars(select(TppMonth)).one().locked_at = datetime.now(UTC)
    with pytest.raises(Conflict), tenant_db(slug) as s:
        events.take_roll(s, system_actor("tests"), event["id"], absent=[ids["worker"]], today=today)
    with tenant_db(slug) as s:
        assert s.scalar(select(func.count()).select_from(EventAbsence)) == 0
        assert s.get(Event, event["id"]).roll_taken_at is None


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "apel_malam"},
        {"kind": ""},
        {"day": "2026-02-30"},
        {"day": "besok"},
        {"day": "2026-W50-1"},
        {"day": "\uff12\uff10\uff12\uff16-\uff11\uff12-\uff10\uff17"},  # full-width digits
        {"day": "2999-01-01"},
        {"day": "1999-12-31"},
        {"starts_at": "25:00"},
        {"starts_at": "7.30"},
        {"starts_at": "07:30+07:00"},
        {"title": "x" * 201},
        {"org_unit_id": -1},
        {"org_unit_id": 2**63},
        {"org_unit_id": "dinkes"},
        {"extra": 1},
    ],
)
def test_a_hostile_event_is_a_clear_4xx(
    client: Any, kab: Any, tenant_db: Any, bad: dict[str, Any]
) -> None:
    slug, _ids, t, today = kab
    body = {"kind": "apel_pagi", "day": today.isoformat(), "starts_at": "07:30", **bad}
    answer = client.post(f"{API.format(slug=slug)}/events", json=body, headers=t["bkpsdm"])
    assert answer.status_code == 422, (bad, answer.status_code, answer.get_json())
    with tenant_db(slug) as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0


@pytest.mark.parametrize(
    "absent", [[-1], [2**63], ["budi"], [None], [1.5], "semua", [10**30], list(range(1, 20_002))]
)
def test_a_hostile_roll_is_a_clear_4xx(client: Any, kab: Any, tenant_db: Any, absent: Any) -> None:
    slug, _ids, t, today = kab
    url = API.format(slug=slug)
    event = _event(client, slug, t["bkpsdm"], day=today.isoformat()).get_json()
    answer = client.put(
        f"{url}/events/{event['id']}/roll", json={"absent": absent}, headers=t["bkpsdm"]
    )
    assert answer.status_code == 422, (answer.status_code, answer.get_json())
    for bad_id in ("0", "99999999999999999999", "-3"):
        assert client.get(f"{url}/events/{bad_id}", headers=t["bkpsdm"]).status_code == 404
    with tenant_db(slug) as s:
        assert s.scalar(select(func.count()).select_from(EventAbsence)) == 0


def _post(client: Any, page: str, url: str, data: dict[str, Any]) -> Any:
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _error(html: str, key: str) -> str:
    found = re.search(rf'data-error="{re.escape(key)}">([^<]*)<', html)
    return found.group(1) if found else ""


def test_the_pages_schedule_and_call_in_both_languages(
    kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    slug, ids, _t, today = kab
    base = PAGES.format(slug=slug)
    admin = page_sign_in(slug, "opd@example.go.id")
    page = admin.get(f"{base}/events")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Apel dan upacara" in html and 'id="ekn-event-form"' in html
    assert "seluruh kabupaten" not in html  # a unit admin schedules for their unit only
    form = {
        "kind": "apel_pagi",
        "day": today.isoformat(),
        "starts_at": "07:30",
        "title": "Apel Senin",
        "org_unit_id": str(ids["dinkes"]),
    }
    made = _post(admin, f"{base}/events", f"{base}/events", form)
    assert made.status_code == 303, made.get_data(as_text=True)[:2000]
    event_url = made.location
    html = admin.get(event_url).get_data(as_text=True)
    assert "Apel pagi" in html and "Apel Senin" in html and "07.30" in html
    assert 'id="ekn-roll-form"' in html and "Budi Pegawai" in html
    saved = _post(admin, event_url, f"{event_url}/roll", {"absent": str(ids["worker"])})
    assert saved.status_code == 303
    html = admin.get(event_url).get_data(as_text=True)
    assert f'id="r-{ids["worker"]}" name="absent" value="{ids["worker"]}" checked' in html
    english = admin.get(f"{event_url}?lang=en").get_data(as_text=True)
    assert "Morning assembly (apel pagi)" in english and "Tick whoever was absent" in english
    listed = admin.get(f"{base}/events?lang=id").get_data(as_text=True)
    assert "1 tidak hadir" in listed
    # Someone from another unit, or not a number, is a 422 naming the roll, never a 500.
    stranger = _post(admin, event_url, f"{event_url}/roll", {"absent": str(ids["guru"])})
    assert stranger.status_code == 422 and _error(stranger.get_data(as_text=True), "absent")
    garbage = _post(admin, event_url, f"{event_url}/roll", {"absent": "¹²"})
    assert garbage.status_code == 422
    bad = _post(admin, f"{base}/events", f"{base}/events", form | {"starts_at": "jam 7"})
    assert bad.status_code == 422 and _error(bad.get_data(as_text=True), "starts_at")
    unit = _post(admin, f"{base}/events", f"{base}/events", form | {"org_unit_id": "x1"})
    assert unit.status_code == 422 and _error(unit.get_data(as_text=True), "org_unit_id")
    # The person's statement names the mark in their language.
    me = page_sign_in(slug, "pegawai@example.go.id")
    days = me.get(f"{base}/?year={today.year}&month={today.month}").get_data(as_text=True)
    assert 'data-missed="apel_pagi"' in days and "Tidak ikut: Apel pagi" in days
    tpp = me.get(f"{base}/tpp?year={today.year}&month={today.month}").get_data(as_text=True)
    assert 'data-component="event"' in tpp and "Tidak mengikuti apel atau upacara" in tpp
    with tenant_db(slug) as s:
        mark = s.scalars(select(EventAbsence)).one()
    assert f"tanda presensi apel #{mark.id}" in tpp
    # Cancelling asks to be confirmed.
    cancel = f"{event_url}/cancellation"
    unconfirmed = _post(admin, event_url, cancel, {"reason": "hujan"})
    assert unconfirmed.status_code == 422 and _error(unconfirmed.get_data(as_text=True), "confirm")
    done = _post(admin, event_url, cancel, {"reason": "hujan", "confirm": "yes"})
    assert done.status_code == 303
    assert "Dibatalkan oleh" in admin.get(event_url).get_data(as_text=True)
    # A staff member has no such page.
    assert me.get(f"{base}/events").status_code == 403


def test_a_refusal_on_the_pages_says_every_word_in_indonesian(
    kab: Any, page_sign_in: Any, client: Any
) -> None:
    slug, ids, t, today = kab
    base = PAGES.format(slug=slug)
    admin = page_sign_in(slug, "opd@example.go.id")
    # A day of a month long closed: the day's field says so in the page's language.
    form = {
        "kind": "apel_pagi",
        "day": (today.replace(day=1) - timedelta(days=40)).isoformat(),
        "starts_at": "07:30",
        "org_unit_id": str(ids["dinkes"]),
    }
    closed = _post(admin, f"{base}/events", f"{base}/events", form)
    assert closed.status_code == 409
    assert _error(closed.get_data(as_text=True), "day") == "bulan sudah ditutup"
    # Tomorrow's apel has no roll yet: nothing in English beside the refusal.
    later = _event(
        client,
        slug,
        t["opd"],
        day=(today + timedelta(days=1)).isoformat(),
        org_unit_id=ids["dinkes"],
    ).get_json()
    event_url = f"{base}/events/{later['id']}"
    early = _post(admin, event_url, f"{event_url}/roll", {"absent": str(ids["worker"])})
    assert early.status_code == 409
    html = early.get_data(as_text=True)
    assert "belum waktunya" in html and "not yet" not in html


def test_the_rule_version_form_edits_the_event_table(
    kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    slug, _ids, _t, _today = kab
    base = PAGES.format(slug=slug)
    bkpsdm = page_sign_in(slug, "bkpsdm@example.go.id")
    draft_url = _post(bkpsdm, f"{base}/rules", f"{base}/rules/drafts", {}).location
    page = bkpsdm.get(draft_url).get_data(as_text=True)
    assert 'name="event_percent.apel_pagi"' in page and 'value="4"' in page
    assert "Upacara bendera" in page


def test_the_events_migration_goes_down_and_up(provision: Any, tenant_db: Any, state: Any) -> None:
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        two_units(s)
    schema, role = schema_name(slug), role_name(state.settings.role_prefix, slug)
    with tenant_bind(db.engine, schema, role).connect() as conn:
        state.migrations.downgrade_tenant(conn, schema, "ekinerja", "ekn0005_eknsanctions")
        conn.commit()
        conn.execute(text(f'SET search_path TO "{schema}"'))
        tables = set(inspect(conn).get_table_names())
        assert not tables & {"ekn_events", "ekn_event_absences"}
        state.migrations.upgrade_tenant(conn, schema, ["ekinerja"])
        conn.commit()
    with tenant_db(slug) as s:
        today = datetime.now(zone(s)).date()
        event = events.schedule(
            s,
            system_actor("tests"),
            kind="upacara",
            day=today,
            starts_at="07:30",
            org_unit_id=None,
            today=today,
        )
        assert event.id and s.scalar(select(func.count()).select_from(Event)) == 1


def test_an_objection_to_a_roll_mark_removes_it_when_accepted(
    client: Any, kab: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    slug, ids, t, today = kab
    url = API.format(slug=slug)
    for who, unit, member in (("opd", "dinkes", "worker"), ("admdik", "disdik", "guru")):
        event = _event(
            client, slug, t[who], day=today.isoformat(), org_unit_id=ids[unit]
        ).get_json()
        marked = client.put(
            f"{url}/events/{event['id']}/roll", json={"absent": [ids[member]]}, headers=t[who]
        )
        assert marked.status_code == 200
    (line,) = _event_lines(client, slug, t["pegawai"], today)
    sent = client.post(
        f"{url}/tpp/{today.year}/{today.month}/objections",
        json={"line_id": line["id"], "reason": "Saya ikut apel, berdiri di barisan belakang"},
        headers=t["pegawai"],
    )
    assert sent.status_code == 201, sent.get_json()
    objection = sent.get_json()
    with tenant_db(slug) as s:
        marks = {m.staff_id: m.id for m in s.scalars(select(EventAbsence))}
    decision = f"{url}/objections/{objection['id']}/decision"
    # Another person's mark, or no mark at all, is not a correction of this objection.
    for bad in (marks[ids["guru"]], 0, -1, "x", 2**63):
        refused = client.post(
            decision,
            json={"accept": True, "correction": {"kind": "present", "event_absence_id": bad}},
            headers=t["opd"],
        )
        assert refused.status_code == 422, (bad, refused.get_json())
    # The unit admin sees the choice on the queue page, with the mark behind the line.
    queue = page_sign_in(slug, "opd@example.go.id").get(
        f"{PAGES.format(slug=slug)}/objections/queue"
    )
    html = queue.get_data(as_text=True)
    assert 'value="present"' in html and f'value="{marks[ids["worker"]]}"' in html
    done = client.post(
        decision,
        json={
            "accept": True,
            "note": "Terlihat di foto apel",
            "correction": {"kind": "present", "event_absence_id": marks[ids["worker"]]},
        },
        headers=t["opd"],
    )
    assert done.status_code == 200, done.get_json()
    decided = done.get_json()
    assert decided["correction"]["kind"] == "present"
    assert decided["after"]["net"] - decided["before"]["net"] == APEL_CUT
    assert _event_lines(client, slug, t["pegawai"], today) == []
    with tenant_db(slug) as s:
        assert {m.staff_id for m in s.scalars(select(EventAbsence))} == {ids["guru"]}


def test_two_admins_scheduling_the_same_apel_at_once_make_one(kab: Any, tenant_db: Any) -> None:
    slug, _ids, _t, today = kab
    outcome: list[str] = []

    def schedule(session: Any, who: str) -> None:
        events.schedule(
            session,
            system_actor(who),
            kind="apel_sore",
            day=today,
            starts_at="16:00",
            org_unit_id=None,
            today=today,
        )

    def second() -> None:
        try:
            with tenant_db(slug) as s2:
                schedule(s2, "second")
            outcome.append("made")
        except Conflict:
            outcome.append("refused")

    with tenant_db(slug) as first:
        schedule(first, "first")
        late = threading.Thread(target=second)
        late.start()
        late.join(timeout=1.5)
        assert late.is_alive()  # it waits for the first to commit...
    late.join(timeout=30)
    assert outcome == ["refused"]  # ...then sees its event
    with tenant_db(slug) as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 1


def test_bkpsdm_sees_which_units_have_taken_the_roll_of_a_regency_wide_event(
    client: Any, kab: Any, page_sign_in: Any
) -> None:
    slug, ids, t, today = kab
    url = API.format(slug=slug)
    wide = _event(client, slug, t["bkpsdm"], kind="upacara", day=today.isoformat()).get_json()
    detail = f"{url}/events/{wide['id']}"

    def units(who: str) -> dict[int, tuple[int, int, str | None]]:
        got = client.get(detail, headers=t[who]).get_json()
        return {u["org_unit_id"]: (u["people"], u["absent"], u["taken_by"]) for u in got["units"]}

    assert units("bkpsdm") == {ids["dinkes"]: (3, 0, None), ids["disdik"]: (2, 0, None)}
    called = client.put(f"{detail}/roll", json={"absent": [ids["worker"]]}, headers=t["opd"])
    assert called.status_code == 200
    assert units("bkpsdm") == {
        ids["dinkes"]: (3, 1, "opd@example.go.id"),
        ids["disdik"]: (2, 0, None),
    }
    assert units("inspektorat") == units("bkpsdm")
    # A unit admin sees their own units only.
    assert units("admdik") == {ids["disdik"]: (2, 0, None)}

    # The month's list says how far the roll has got, for the units each reader sees.
    def progress(who: str) -> tuple[int, int, int]:
        (row,) = client.get(f"{url}/events", headers=t[who]).get_json()["events"]
        return row["units_taken"], row["units_total"], row["absent_count"]

    assert progress("bkpsdm") == (1, 2, 1)
    assert progress("opd") == (1, 1, 1)
    assert progress("admdik") == (0, 1, 0)
    listed = page_sign_in(slug, "bkpsdm@example.go.id").get(f"{PAGES.format(slug=slug)}/events")
    assert "1 dari 2 unit sudah presensi" in listed.get_data(as_text=True)
    # The page shows Disdik's roll still to be taken, Dinkes's taken, the Indonesian way.
    html = (
        page_sign_in(slug, "bkpsdm@example.go.id")
        .get(f"{PAGES.format(slug=slug)}/events/{wide['id']}")
        .get_data(as_text=True)
    )
    assert f'data-unit="{ids["disdik"]}" data-taken="no"' in html and "belum diambil" in html
    assert f'data-unit="{ids["dinkes"]}" data-taken="yes"' in html
    assert "diambil oleh opd@example.go.id" in html


def test_a_mark_stays_on_the_roll_it_was_made_in_when_its_person_moves(
    client: Any, kab: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    slug, ids, t, today = kab
    url = API.format(slug=slug)
    dinkes = _event(
        client, slug, t["opd"], day=today.isoformat(), org_unit_id=ids["dinkes"]
    ).get_json()
    detail, roll = f"{url}/events/{dinkes['id']}", f"{url}/events/{dinkes['id']}/roll"
    assert client.put(roll, json={"absent": [ids["worker"]]}, headers=t["opd"]).status_code == 200
    # The worker moves to Disdik, and the Dinkes event does not cover Disdik.
    with tenant_db(slug) as s:
        s.get(Staff, ids["worker"]).unit_id = ids["disdik"]

    def on_roll(who: str) -> dict[int, tuple[str, int, bool]]:
        got = client.get(detail, headers=t[who]).get_json()
        return {e["staff_id"]: (e["status"], e["org_unit_id"], e["moved"]) for e in got["roll"]}

    # Dinkes's admin still sees the mark they made, where they made it, and counts it.
    assert on_roll("opd")[ids["worker"]] == ("absent", ids["dinkes"], True)
    assert client.get(detail, headers=t["opd"]).get_json()["absent_count"] == 1
    units = client.get(detail, headers=t["bkpsdm"]).get_json()["units"]
    assert {u["org_unit_id"]: u["absent"] for u in units} == {ids["dinkes"]: 1}
    # Disdik's admin, the worker's admin now, does not see a Dinkes event.
    assert client.get(detail, headers=t["admdik"]).status_code == 404
    # The page says where the person has gone, in Indonesian.
    html = page_sign_in(slug, "opd@example.go.id").get(
        f"{PAGES.format(slug=slug)}/events/{dinkes['id']}"
    )
    assert "sejak itu pindah ke Dinas Pendidikan" in html.get_data(as_text=True)
    english = page_sign_in(slug, "opd@example.go.id").get(
        f"{PAGES.format(slug=slug)}/events/{dinkes['id']}?lang=en"
    )
    assert "moved to Dinas Pendidikan since" in english.get_data(as_text=True)
    assert len(_event_lines(client, slug, t["pegawai"], today)) == 1
    # Keeping the mark keeps it; leaving the person out clears it and their cut.
    kept = client.put(roll, json={"absent": [ids["worker"]]}, headers=t["opd"])
    assert kept.status_code == 200 and kept.get_json()["absent_count"] == 1
    cleared = client.put(roll, json={"absent": []}, headers=t["opd"])
    assert cleared.status_code == 200 and cleared.get_json()["absent_count"] == 0
    assert _event_lines(client, slug, t["pegawai"], today) == []
    # Once cleared, they are off Dinkes's roll: no new mark for someone gone.
    assert ids["worker"] not in on_roll("opd")
    again = client.put(roll, json={"absent": [ids["worker"]]}, headers=t["opd"])
    assert again.status_code == 422 and "absent" in again.get_json()["error"]["fields"]


def test_a_mark_of_someone_who_left_the_service_can_still_be_cleared(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids, t, today = kab
    url = API.format(slug=slug)
    wide = _event(client, slug, t["bkpsdm"], kind="upacara", day=today.isoformat()).get_json()
    roll = f"{url}/events/{wide['id']}/roll"
    assert client.put(roll, json={"absent": [ids["guru"]]}, headers=t["admdik"]).status_code == 200
    with tenant_db(slug) as s:
        s.get(Staff, ids["guru"]).is_active = False
    got = client.get(f"{url}/events/{wide['id']}", headers=t["admdik"]).get_json()
    entry = {e["staff_id"]: e for e in got["roll"]}[ids["guru"]]
    assert entry["status"] == "absent" and entry["moved"] is True
    assert client.put(roll, json={"absent": []}, headers=t["admdik"]).status_code == 200
    with tenant_db(slug) as s:
        assert s.scalar(select(func.count()).select_from(EventAbsence)) == 0


def test_marks_made_before_they_kept_their_unit_take_the_person_unit(
    provision: Any, tenant_db: Any, state: Any
) -> None:
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        ids = two_units(s)
        today = datetime.now(zone(s)).date()
        event = events.schedule(
            s,
            system_actor("tests"),
            kind="upacara",
            day=today,
            starts_at="07:30",
            org_unit_id=None,
            today=today,
        )
        event_id = event.id
    schema, role = schema_name(slug), role_name(state.settings.role_prefix, slug)
    with tenant_bind(db.engine, schema, role).connect() as conn:
        state.migrations.downgrade_tenant(conn, schema, "ekinerja", "ekn0006_eknevents")
        conn.commit()
        conn.execute(text(f'SET search_path TO "{schema}"'))
        conn.execute(
            text(
                "INSERT INTO ekn_event_absences (event_id, staff_id, recorded_by)"
                " VALUES (:e, :s, 'opd@example.go.id')"
            ),
            {"e": event_id, "s": ids["guru"]},
        )
        conn.commit()
        state.migrations.upgrade_tenant(conn, schema, ["ekinerja"])
        conn.commit()
    with tenant_db(slug) as s:
        mark = s.scalars(select(EventAbsence)).one()
        assert (mark.staff_id, mark.org_unit_id) == (ids["guru"], ids["disdik"])


def test_a_moved_person_marked_elsewhere_is_not_on_their_new_unit_roll(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids, t, today = kab
    url = API.format(slug=slug)
    wide = _event(client, slug, t["bkpsdm"], kind="upacara", day=today.isoformat()).get_json()
    detail, roll = f"{url}/events/{wide['id']}", f"{url}/events/{wide['id']}/roll"
    assert client.put(roll, json={"absent": [ids["worker"]]}, headers=t["opd"]).status_code == 200
    # The worker moves to Disdik, which the regency-wide ceremony covers too.
    with tenant_db(slug) as s:
        s.get(Staff, ids["worker"]).unit_id = ids["disdik"]

    def on_roll(who: str) -> set[int]:
        return {e["staff_id"] for e in client.get(detail, headers=t[who]).get_json()["roll"]}

    # The mark is Dinkes's: on Dinkes's roll only, not on Disdik's as well.
    assert ids["worker"] in on_roll("opd") and ids["worker"] not in on_roll("admdik")
    # Disdik's admin saving their roll does not clear Dinkes's mark, nor can they mark it.
    assert client.put(roll, json={"absent": []}, headers=t["admdik"]).status_code == 200
    assert client.get(detail, headers=t["opd"]).get_json()["absent_count"] == 1
    again = client.put(roll, json={"absent": [ids["worker"]]}, headers=t["admdik"])
    assert again.status_code == 422 and "absent" in again.get_json()["error"]["fields"]
    # Each unit counts the people on its roll: the worker in Dinkes, where the mark is.
    units = client.get(detail, headers=t["bkpsdm"]).get_json()["units"]
    assert {u["org_unit_id"]: (u["people"], u["absent"]) for u in units} == {
        ids["dinkes"]: (3, 1),
        ids["disdik"]: (2, 0),
    }
    with tenant_db(slug) as s:
        mark = s.scalars(select(EventAbsence)).one()
        assert (mark.staff_id, mark.org_unit_id) == (ids["worker"], ids["dinkes"])


def test_a_unit_whose_marked_people_all_moved_still_counts_in_the_list(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids, t, today = kab
    url = API.format(slug=slug)
    wide = _event(client, slug, t["bkpsdm"], kind="upacara", day=today.isoformat()).get_json()
    roll = f"{url}/events/{wide['id']}/roll"
    assert client.put(roll, json={"absent": [ids["guru"]]}, headers=t["admdik"]).status_code == 200
    # Everyone of Disdik moves to Dinkes: Disdik's roll is the teacher's mark alone.
    with tenant_db(slug) as s:
        for who in ("guru", "guru_head"):
            s.get(Staff, ids[who]).unit_id = ids["dinkes"]
    (row,) = client.get(f"{url}/events", headers=t["bkpsdm"]).get_json()["events"]
    units = client.get(f"{url}/events/{wide['id']}", headers=t["bkpsdm"]).get_json()["units"]
    assert {u["org_unit_id"]: (u["people"], u["absent"]) for u in units} == {
        ids["dinkes"]: (4, 0),
        ids["disdik"]: (1, 1),
    }
    assert (row["units_taken"], row["units_total"], row["absent_count"]) == (1, 2, 1)


def test_a_mark_excused_afterwards_is_not_counted_absent(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids, t, today = kab
    url = API.format(slug=slug)
    event = _event(
        client, slug, t["opd"], day=today.isoformat(), org_unit_id=ids["dinkes"]
    ).get_json()
    detail = f"{url}/events/{event['id']}"
    marked = client.put(f"{detail}/roll", json={"absent": [ids["head"]]}, headers=t["opd"])
    assert marked.status_code == 200 and marked.get_json()["absent_count"] == 1
    # The head's duty travel that day is approved after the roll: excused, not cut.
    with tenant_db(slug) as s:
        s.add(
            Absence(
                staff_id=ids["head"],
                kind="travel",
                start_day=today,
                end_day=today,
                reason="Dinas luar",
                status="approved",
            )
        )
    got = client.get(detail, headers=t["opd"]).get_json()
    assert {e["staff_id"]: e["status"] for e in got["roll"]}[ids["head"]] == "excused"
    # Every count agrees with the roll: nobody absent.
    assert got["absent_count"] == 0
    assert {u["org_unit_id"]: u["absent"] for u in got["units"]} == {ids["dinkes"]: 0}
    (row,) = client.get(f"{url}/events", headers=t["bkpsdm"]).get_json()["events"]
    assert row["absent_count"] == 0
