"""The set-up over JSON: offices, hours, shifts and duties listed, changed and removed by
whoever manages their unit; rule versions from draft to Perbup by BKPSDM; refusals
that name the field, and another unit's or regency's ids refused."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from smartcity.toolkit import set_member_units
from sqlalchemy import select

from tenants.ekinerja.models import Office, RuleSet, ScheduleRule, TppMonth
from tests.conftest import bearer, tenant_token
from tests.support.ekinerja_pages import build, user

API = "/t/{slug}/api/v1/ekinerja"
WHO = ("pegawai", "guru", "adminunit", "admindinkes", "bkpsdm", "viewer")


@pytest.fixture
def kab(provision: Any, tenant_db: Any, client: Any) -> tuple[str, dict[str, Any]]:
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        ids: dict[str, Any] = build(s)
        admin = user(s, "admindinkes@example.go.id", "ekinerja.unit_admin")
        set_member_units(s, admin.id, "ekinerja", [ids["dinkes"]], actor="test")
        office = Office(
            org_unit_id=ids["dinkes"], name="Dinkes", latitude=-6.9, longitude=107.6, radius_m=100
        )
        s.add(office)
        s.flush()
        ids["office"] = office.id
    ids["t"] = {w: bearer(tenant_token(client, slug, f"{w}@example.go.id")) for w in WHO}
    return slug, ids


def test_offices_are_listed_changed_and_removed_within_ones_units(client: Any, kab: Any) -> None:
    slug, ids = kab
    api, t = API.format(slug=slug), ids["t"]
    mine = client.get(f"{api}/offices", headers=t["admindinkes"]).get_json()["offices"]
    assert [o["id"] for o in mine] == [ids["office"]]
    assert client.get(f"{api}/offices", headers=t["adminunit"]).get_json()["offices"] == []
    body = {
        "org_unit_id": ids["dinkes"],
        "name": "Dinkes baru",
        "latitude": -6.91,
        "longitude": 107.61,
        "radius_m": 200,
        "polygon": [[-6.91, 107.61], [-6.91, 107.62], [-6.92, 107.62]],
    }
    url = f"{api}/offices/{ids['office']}"
    changed = client.put(url, json=body, headers=t["admindinkes"])
    assert changed.status_code == 200 and changed.get_json()["polygon"][2] == [-6.92, 107.62]
    assert client.put(url, json=body, headers=t["adminunit"]).status_code == 403
    moved = client.put(url, json=body | {"org_unit_id": ids["disdik"]}, headers=t["admindinkes"])
    assert moved.status_code == 403
    bad = client.put(url, json=body | {"polygon": [[1, 2], [3, 4]]}, headers=t["admindinkes"])
    assert bad.status_code == 422 and "polygon" in bad.get_json()["error"]["fields"]
    assert client.put(f"{api}/offices/999999", json=body, headers=t["bkpsdm"]).status_code == 404
    assert client.delete(url, headers=t["adminunit"]).status_code == 403
    assert client.delete(url, headers=t["pegawai"]).status_code == 403
    assert client.delete(url, headers=t["admindinkes"]).status_code == 200
    assert client.delete(url, headers=t["admindinkes"]).status_code == 404


def test_hours_shifts_and_duties_over_json(client: Any, kab: Any, tenant_db: Any) -> None:
    slug, ids = kab
    api, t = API.format(slug=slug), ids["t"]
    listed = client.get(f"{api}/hours", headers=t["admindinkes"]).get_json()["hours"]
    regency = next(h for h in listed if h["org_unit_id"] is None)
    assert (
        client.delete(f"{api}/hours/{regency['id']}", headers=t["admindinkes"]).status_code == 403
    )
    assert client.delete(f"{api}/hours/{regency['id']}", headers=t["bkpsdm"]).status_code == 409
    added = client.post(
        f"{api}/hours",
        json={
            "org_unit_id": ids["dinkes"],
            "name": "Jumat",
            "weekdays": [4],
            "start": "07:30",
            "end": "11:30",
        },
        headers=t["admindinkes"],
    ).get_json()
    assert client.delete(f"{api}/hours/{added['id']}", headers=t["adminunit"]).status_code == 403
    assert client.delete(f"{api}/hours/{added['id']}", headers=t["admindinkes"]).status_code == 200
    shift = client.put(
        f"{api}/shifts",
        json={"staff_id": ids["worker"], "day": "2026-11-20", "start": "21:00", "end": "07:00"},
        headers=t["admindinkes"],
    ).get_json()
    shifts = f"{api}/units/{ids['dinkes']}/shifts/2026/11"
    assert [s["id"] for s in client.get(shifts, headers=t["admindinkes"]).get_json()["shifts"]] == [
        shift["id"]
    ]
    assert client.get(shifts, headers=t["adminunit"]).status_code == 403
    assert (
        client.get(f"{api}/units/{ids['dinkes']}/shifts/2026/13", headers=t["bkpsdm"]).status_code
        == 422
    )
    assert client.get(f"{api}/units/999999/shifts/2026/11", headers=t["bkpsdm"]).status_code == 404
    assert client.delete(f"{api}/shifts/{shift['id']}", headers=t["adminunit"]).status_code == 403
    assert client.delete(f"{api}/shifts/{shift['id']}", headers=t["admindinkes"]).status_code == 200
    # Duties: the unit's own people read the active list; its admins every duty.
    duties = f"{api}/units/{ids['dinkes']}/duties"
    assert [d["id"] for d in client.get(duties, headers=t["pegawai"]).get_json()["duties"]] == [
        ids["duty"]
    ]
    assert client.get(duties, headers=t["guru"]).status_code == 403
    assert client.get(duties, headers=t["adminunit"]).status_code == 403
    update = {
        "name": "Laporan",
        "standard_minutes": 90,
        "output_unit": "laporan",
        "is_active": False,
    }
    url = f"{api}/duties/{ids['duty']}"
    assert client.put(url, json=update, headers=t["adminunit"]).status_code == 403
    assert (
        client.put(url, json=update | {"standard_minutes": 0}, headers=t["admindinkes"]).status_code
        == 422
    )
    assert client.put(url, json=update | {"x": 1}, headers=t["admindinkes"]).status_code == 422
    done = client.put(url, json=update, headers=t["admindinkes"])
    assert done.status_code == 200 and done.get_json()["is_active"] is False
    assert client.get(duties, headers=t["pegawai"]).get_json()["duties"] == []
    every = client.get(duties, headers=t["admindinkes"]).get_json()["duties"]
    assert [d["standard_minutes"] for d in every] == [90]


def test_a_rule_version_goes_from_draft_to_perbup_and_never_changes_after(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids = kab
    api, t = API.format(slug=slug), ids["t"]
    listed = client.get(f"{api}/rule-sets", headers=t["bkpsdm"]).get_json()
    assert listed["in_force_id"] == listed["rule_sets"][0]["id"]
    assert client.get(f"{api}/rule-sets", headers=t["admindinkes"]).status_code == 403
    draft = client.post(f"{api}/rule-sets/drafts", json={}, headers=t["bkpsdm"])
    assert draft.status_code == 201
    d = draft.get_json()
    assert d["status"] == "draft" and d["rules"]["absent_percent"] == "4"
    rules = d["rules"] | {"absent_percent": "3.5"}
    url = f"{api}/rule-sets/{d['id']}"
    gap = rules | {
        "late_bands": [
            {"from_minutes": 1, "to_minutes": 30, "percent": "0.5"},
            {"from_minutes": 40, "percent": "1"},
        ]
    }
    refused = client.put(
        url, json={"name": "R", "effective_from": "2027-01-01", "rules": gap}, headers=t["bkpsdm"]
    )
    assert refused.status_code == 422
    fields = refused.get_json()["error"]["fields"]
    assert fields["rules.late_bands.1"] == "this band must start at 31 minutes"
    for bad, key in (
        ({"absent_percent": "101"}, "rules.absent_percent"),
        ({"absent_percent": "²"}, "rules.absent_percent"),
        ({"excused_percent": {"holiday": "1"}}, "rules.excused_percent"),
        ({"base_by_class": {"99": "1"}}, "rules.base_by_class"),
        ({"minutes_target": 10**40}, "rules.minutes_target"),
        ({"nonsense": 1}, "rules.nonsense"),
    ):
        answer = client.put(
            url,
            json={"name": "R", "effective_from": "2027-01-01", "rules": rules | bad},
            headers=t["bkpsdm"],
        )
        assert answer.status_code == 422 and key in answer.get_json()["error"]["fields"], bad
    second = client.put(
        url, json={"name": "R", "effective_from": "2027-01-15", "rules": rules}, headers=t["bkpsdm"]
    )
    assert second.status_code == 422 and "effective_from" in second.get_json()["error"]["fields"]
    saved = client.put(
        url,
        json={"name": "Rancangan 2027", "effective_from": "2027-01-01", "rules": rules},
        headers=t["bkpsdm"],
    )
    assert saved.status_code == 200 and saved.get_json()["rules"]["absent_percent"] == "3.5"
    published = client.post(
        f"{url}/publish",
        json={"perbup": "Perbup Nomor 3 Tahun 2027", "effective_from": "2027-01-01"},
        headers=t["bkpsdm"],
    )
    assert published.status_code == 200
    assert published.get_json()["name"] == "Perbup Nomor 3 Tahun 2027"
    again = client.put(
        url, json={"name": "X", "effective_from": "2027-01-01", "rules": rules}, headers=t["bkpsdm"]
    )
    assert again.status_code == 409
    assert client.delete(url, headers=t["bkpsdm"]).status_code == 409
    assert (
        client.post(
            f"{url}/publish",
            json={"perbup": "X", "effective_from": "2027-02-01"},
            headers=t["bkpsdm"],
        ).status_code
        == 409
    )
    # A new version cannot take effect in a locked month (nor be entered as active there).
    with tenant_db(slug) as s:
        s.scalars(select(TppMonth)).one().locked_at = datetime(2026, 12, 6, tzinfo=ZoneInfo("UTC"))
        assert s.get(RuleSet, d["id"]).effective_from == date(2027, 1, 1)
    late = client.post(
        f"{api}/rule-sets",
        json={
            "name": "Perbup lama",
            "effective_from": "2026-11-01",
            "status": "active",
            "rules": {},
        },
        headers=t["bkpsdm"],
    )
    assert late.status_code == 409
    other = client.post(
        f"{api}/rule-sets/drafts", json={"from_id": d["id"]}, headers=t["bkpsdm"]
    ).get_json()
    assert other["rules"]["absent_percent"] == "3.5"
    locked = client.post(
        f"{api}/rule-sets/{other['id']}/publish",
        json={"perbup": "Perbup 9", "effective_from": "2026-11-01"},
        headers=t["bkpsdm"],
    )
    assert locked.status_code == 409 and "effective_from" in locked.get_json()["error"]["fields"]
    assert client.delete(f"{api}/rule-sets/{other['id']}", headers=t["bkpsdm"]).status_code == 200
    assert (
        client.post(
            f"{api}/rule-sets/drafts", json={"from_id": 999999}, headers=t["bkpsdm"]
        ).status_code
        == 404
    )
    with tenant_db(slug) as s:
        assert s.get(RuleSet, other["id"]) is None
        assert s.scalars(select(ScheduleRule)).first() is not None


def test_a_rule_version_refuses_numbers_it_would_have_guessed_at(client: Any, kab: Any) -> None:
    """Arabic-Indic digits were read as 12, a per-kind percentage of 0.00001 stored and
    applied beyond the 4 decimals a line shows, a base of Rp 1000,5 or 1e-400 kept: each
    is now refused beside its field, in both languages, and the draft stays as it was."""
    slug, ids = kab
    api, t = API.format(slug=slug), ids["t"]
    d = client.post(f"{api}/rule-sets/drafts", json={}, headers=t["bkpsdm"]).get_json()
    url = f"{api}/rule-sets/{d['id']}"
    for bad, key, words in (
        ({"performance_share": "\u0661\u0662"}, "rules.performance_share", "digit 0-9"),
        ({"sanction_percent": {"lhkpn": "\u0661\u0660"}}, "rules.sanction_percent.lhkpn", "0-9"),
        ({"base_by_class": {"4": "\u0664\u0660\u0660"}}, "rules.base_by_class.4", "0-9"),
        ({"excused_percent": {"sick": "0.00001"}}, "rules.excused_percent.sick", "digit"),
        ({"event_percent": {"senam": "1e-30"}}, "rules.event_percent.senam", "digit"),
        ({"base_by_class": {"4": "1000.5"}}, "rules.base_by_class.4", "rupiah utuh"),
        ({"base_by_class": {"4": "1e-400"}}, "rules.base_by_class.4", "rupiah utuh"),
    ):
        answer = client.put(
            url,
            json={"name": "R", "effective_from": "2027-01-01", "rules": d["rules"] | bad},
            headers={**t["bkpsdm"], "Accept-Language": "id"},
        )
        assert answer.status_code == 422, (bad, answer.get_json())
        error = answer.get_json()["error"]
        assert key in error["fields"], (bad, error["fields"])
        assert words in error["localized_fields"][key], (bad, error["localized_fields"])
    # Whole rupiah written with an exponent and percentages to 3 decimals are numbers.
    fine = d["rules"] | {
        "base_by_class": {"4": "2E+6"},
        "excused_percent": {"sick": "0.125", "annual": "1.500"},
    }
    saved = client.put(
        url, json={"name": "R", "effective_from": "2027-01-01", "rules": fine}, headers=t["bkpsdm"]
    )
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["rules"]["excused_percent"]["sick"] == "0.125"
    assert Decimal(saved.get_json()["rules"]["base_by_class"]["4"]) == 2_000_000


def test_office_hours_are_changed_in_place_over_json(client: Any, kab: Any, tenant_db: Any) -> None:
    slug, ids = kab
    api, t = API.format(slug=slug), ids["t"]
    listed = client.get(f"{api}/hours", headers=t["bkpsdm"]).get_json()["hours"]
    regency = next(h for h in listed if h["org_unit_id"] is None and h["valid_from"] is None)
    friday = {
        "org_unit_id": ids["dinkes"],
        "name": "Jumat",
        "weekdays": [4],
        "start": "07:30",
        "end": "11:30",
    }
    added = client.post(f"{api}/hours", json=friday, headers=t["admindinkes"]).get_json()
    url = f"{api}/hours/{added['id']}"
    changed = client.put(
        url, json=friday | {"start": "07:00", "weekdays": [4, 4, 3]}, headers=t["admindinkes"]
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["id"] == added["id"] and body["start"] == "07:00:00" and body["weekdays"] == [3, 4]
    with tenant_db(slug) as s:
        rule = s.get(ScheduleRule, added["id"])
        assert rule.start_time.hour == 7 and rule.start_time.minute == 0
    # Refusals name the field, in the asker's language; never a 500.
    for change, field in (
        ({"end": "06:00"}, "end"),
        ({"weekdays": [7]}, "weekdays"),
        ({"weekdays": []}, "weekdays"),
        ({"name": "  "}, "name"),
        ({"valid_from": "2027-03-09", "valid_to": "2027-02-08"}, "valid_to"),
        ({"start": "25:00"}, "start"),
        ({"start": "07.30"}, "start"),
        ({"org_unit_id": -1}, "org_unit_id"),
        ({"org_unit_id": "1; DROP TABLE x"}, "org_unit_id"),
        ({"name": "x" * 201}, "name"),
        ({"valid_from": "2027-02-30"}, "valid_from"),
        # a time with an offset beside one without could not be compared (it was a 500)
        ({"start": "08:00+07:00"}, "start"),
        ({"end": "17:00Z"}, "end"),
    ):
        bad = client.put(f"{url}?lang=id", json=friday | change, headers=t["admindinkes"])
        assert bad.status_code == 422, (change, bad.status_code)
        error = bad.get_json()["error"]
        assert any(field in key for key in error["fields"]), (change, error)
    offset = client.post(
        f"{api}/hours", json=friday | {"start": "08:00+07:00"}, headers=t["bkpsdm"]
    )
    assert offset.status_code == 422
    late = client.put(f"{url}?lang=id", json=friday | {"end": "06:00"}, headers=t["admindinkes"])
    assert late.get_json()["error"]["localized"] == "jam kerja tidak dapat diubah"
    assert client.put(url, json=[1, 2], headers=t["admindinkes"]).status_code == 422
    assert client.put(url, data="{", headers=t["admindinkes"]).status_code in (400, 415, 422)
    # Only whoever manages the unit, and into units they manage.
    assert client.put(url, json=friday, headers=t["adminunit"]).status_code == 403
    assert client.put(url, json=friday, headers=t["pegawai"]).status_code == 403
    assert client.put(url, json=friday, headers=t["viewer"]).status_code == 403
    moved = client.put(url, json=friday | {"org_unit_id": ids["disdik"]}, headers=t["admindinkes"])
    assert moved.status_code == 403
    to_regency = client.put(url, json=friday | {"org_unit_id": None}, headers=t["admindinkes"])
    assert to_regency.status_code == 403
    assert client.put(f"{api}/hours/999999", json=friday, headers=t["bkpsdm"]).status_code == 404
    assert client.put(f"{api}/hours/99999999999999999999", json=friday).status_code in (401, 404)
    # The regency's own hours: BKPSDM only, and its last undated rule stays undated.
    regency_body = {k: regency[k] for k in ("name", "weekdays", "start", "end")} | {
        "org_unit_id": None
    }
    rurl = f"{api}/hours/{regency['id']}"
    assert client.put(rurl, json=regency_body, headers=t["admindinkes"]).status_code == 403
    dated = client.put(rurl, json=regency_body | {"valid_from": "2027-02-08"}, headers=t["bkpsdm"])
    assert dated.status_code == 409
    given = client.put(
        rurl, json=regency_body | {"org_unit_id": ids["dinkes"]}, headers=t["bkpsdm"]
    )
    assert given.status_code == 409
    kept = client.put(rurl, json=regency_body | {"start": "07:15"}, headers=t["bkpsdm"])
    assert kept.status_code == 200 and kept.get_json()["start"] == "07:15:00"
    with tenant_db(slug) as s:
        assert s.get(ScheduleRule, regency["id"]).valid_from is None
