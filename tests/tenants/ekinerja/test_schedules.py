"""Schedules in the day evaluation, on the real database: a health centre's night shift
(on a Sunday, its check-out the next morning) and Ramadan hours as the regency's dated
rule (Monday to Thursday, and Friday's own), as the monthly TPP run reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from smartcity.tenantcore.models import OrgUnit
from smartcity.toolkit import tenant_settings
from sqlalchemy import select

from tenants.ekinerja import runs, schedule, tpp
from tenants.ekinerja.machine import Line, record_lines
from tenants.ekinerja.models import ScheduleRule
from tenants.ekinerja.rules import TppRules
from tests.support.ekinerja import make_regency

SUNDAY = date(2026, 3, 8)
MONDAY = date(2026, 3, 9)
FRIDAY = date(2026, 3, 13)
AFTER = date(2026, 3, 30)  # a Monday after Ramadan 1447 H and its leave days


def wall(day: date, hour: int, minute: int) -> datetime:
    """A machine's wall-clock time (it knows no zone)."""
    return datetime.combine(day, time(hour, minute))


@pytest.fixture
def kab(provision, tenant_db, client):
    regency = make_regency(provision, tenant_db, client)
    admin = regency.tokens["bkpsdm"]
    hours = [
        ("Ramadan 1447 H", [0, 1, 2, 3], "08:00", "15:00"),
        ("Ramadan 1447 H, Jumat", [4], "08:00", "15:30"),
    ]
    regency.ids["ramadan"] = []
    for name, weekdays, start, end in hours:
        response = client.post(
            f"{regency.api}/hours",
            json={
                "name": name,
                "weekdays": weekdays,
                "start": start,
                "end": end,
                "valid_from": "2026-02-18",
                "valid_to": "2026-03-19",
            },
            headers=admin,
        )
        assert response.status_code == 201, response.get_json()
        regency.ids["ramadan"].append(response.get_json()["id"])
    shift = client.put(
        f"{regency.api}/shifts",
        json={
            "staff_id": regency.ids["worker"],
            "day": str(SUNDAY),
            "start": "21:00",
            "end": "07:00",
        },
        headers=admin,
    )
    assert shift.status_code == 200, shift.get_json()
    # A unit admin may not set hours for the whole regency (Ramadan is BKPSDM's).
    refused = client.post(
        f"{regency.api}/hours",
        json={"name": "x", "weekdays": [0], "start": "08:00", "end": "12:00"},
        headers=regency.tokens["admin-dinkes"],
    )
    assert refused.status_code == 403
    return regency


def test_shift_and_ramadan_hours_drive_the_day_evaluation(kab, tenant_db):
    with tenant_db(kab.slug) as s:
        tz = ZoneInfo(tenant_settings(s).timezone)
        worker = kab.ids["worker"]
        lines = [
            Line(1, "101", wall(date(2026, 3, 8), 20, 55), "in"),
            Line(2, "101", wall(date(2026, 3, 9), 7, 5), "out"),  # ends Sunday's night shift
            Line(3, "101", wall(date(2026, 3, 9), 8, 10), "in"),
            Line(4, "101", wall(date(2026, 3, 9), 15, 0), "out"),
            Line(5, "101", wall(date(2026, 3, 30), 8, 10), "in"),
            Line(6, "101", wall(date(2026, 3, 30), 16, 0), "out"),
        ]
        assert record_lines(s, [(line, worker) for line in lines], now=datetime.now(UTC)) == 6
        default_rule = s.scalar(
            select(ScheduleRule.id).where(
                ScheduleRule.org_unit_id.is_(None), ScheduleRule.valid_from.is_(None)
            )
        )
        facts = {
            f.day: f for f in runs.facts_for_month(s, 2026, 3, date(2026, 3, 31), [worker])[worker]
        }
    night = facts[SUNDAY]
    assert night.expected is not None and night.expected.source == "shift"
    assert night.check_out is not None
    assert night.check_out.astimezone(tz).replace(tzinfo=None) == wall(date(2026, 3, 9), 7, 5)

    monday = facts[MONDAY]
    assert monday.expected.source == f"rule:{kab.ids['ramadan'][0]}"
    assert monday.expected.start.time() == time(8) and monday.expected.end.time() == time(15)
    friday = facts[FRIDAY]
    assert friday.expected.source == f"rule:{kab.ids['ramadan'][1]}"
    assert friday.expected.end.time() == time(15, 30)
    after = facts[AFTER]
    assert after.expected.source == f"rule:{default_rule}"
    assert after.expected.start.time() == time(7, 30)
    # Saturday without a shift is a day off; the other Sunday too.
    assert facts[date(2026, 3, 14)].expected is None
    assert facts[date(2026, 3, 15)].expected is None

    rules = TppRules()
    base = Decimal(1_000_000)
    late = [ln for ln in tpp.day_lines(monday, rules, base) if ln.component == "late"]
    assert [ln.minutes for ln in late] == [10]  # against Ramadan's 08:00, not 07:30
    late_after = [ln for ln in tpp.day_lines(after, rules, base) if ln.component == "late"]
    assert [ln.minutes for ln in late_after] == [40]
    # The night shift was worked in full: no line at all for Sunday.
    assert tpp.day_lines(night, rules, base) == []


def test_units_without_hours_of_their_own_share_their_nearest_ruled_ancestors(provision, tenant_db):
    """The dashboard works a unit's hours out once per chain of units that have hours:
    the same answer, day by day, as resolving each unit's whole chain."""
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        dinas = OrgUnit(code="1.02.01", name="Dinas Kesehatan", kind="dinas")
        s.add(dinas)
        s.flush()
        pkm = OrgUnit(code="1.02.01.1", name="Puskesmas", kind="upt", parent_id=dinas.id)
        bidang = OrgUnit(code="1.02.01.2", name="Bidang P2P", kind="bidang", parent_id=dinas.id)
        s.add_all([pkm, bidang])
        s.flush()
        ward = OrgUnit(code="1.02.01.1.1", name="Rawat Inap", kind="seksi", parent_id=pkm.id)
        s.add(ward)
        s.add_all(
            [
                ScheduleRule(
                    org_unit_id=pkm.id,
                    name="Puskesmas",
                    weekdays=[0, 1, 2, 3, 4, 5],
                    start_time=time(7, 0),
                    end_time=time(14, 0),
                ),
                ScheduleRule(
                    org_unit_id=dinas.id,
                    name="Ramadan Dinkes",
                    weekdays=[0, 1, 2, 3, 4],
                    start_time=time(8, 0),
                    end_time=time(15, 0),
                    valid_from=date(2026, 3, 1),
                    valid_to=date(2026, 3, 19),
                ),
            ]
        )
        s.flush()
        units = [dinas.id, pkm.id, bidang.id, ward.id]
        first, last = date(2026, 3, 1), date(2026, 3, 31)
        hours = runs.ExpectedHours(s, first, last)
        tz = hours.tz
        seen = set()
        for unit in units:
            for offset in range((last - first).days + 1):
                day = date.fromordinal(first.toordinal() + offset)
                whole = schedule.expected_hours(
                    day, unit_chain=hours.chain(unit), rules=hours.rules, calendar=hours.calendar
                )
                got = hours.of_unit(unit, day)
                if whole is None:
                    assert got is None, (unit, day)
                    continue
                assert got is not None, (unit, day)
                assert (got.start, got.end, got.source) == (
                    whole.start.replace(tzinfo=tz),
                    whole.end.replace(tzinfo=tz),
                    whole.source,
                ), (unit, day)
                seen.add((unit, got.start.time()))
        # The ward keeps the Puskesmas' Saturday hours; the bidang the Dinas' Ramadan hours.
        assert (ward.id, time(7, 0)) in seen and (bidang.id, time(8, 0)) in seen


def test_hours_changed_from_a_day_leave_the_days_before_as_they_were_worked(kab, tenant_db, client):
    """A new Perbup moves the regency's start from 07.30 to 08.00 from 1 April. March,
    recomputed after the change, is still cut against 07.30; April against 08.00. A later
    change "from" an earlier day overtakes the first; one without a day corrects the
    current reading only (a typo), never the days an earlier change kept."""
    admin = kab.tokens["bkpsdm"]
    worker = kab.ids["worker"]
    april = date(2026, 4, 6)  # a Monday
    with tenant_db(kab.slug) as s:
        lines = [
            Line(1, "101", wall(AFTER, 8, 10), "in"),
            Line(2, "101", wall(AFTER, 16, 0), "out"),
            Line(3, "101", wall(april, 8, 10), "in"),
            Line(4, "101", wall(april, 16, 0), "out"),
        ]
        assert record_lines(s, [(line, worker) for line in lines], now=datetime.now(UTC)) == 4
        rule = s.scalars(
            select(ScheduleRule).where(
                ScheduleRule.org_unit_id.is_(None), ScheduleRule.valid_from.is_(None)
            )
        ).one()
        body = {
            "org_unit_id": None,
            "name": rule.name,
            "weekdays": list(rule.weekdays),
            "start": "08:00",
            "end": "16:00",
        }
        url = f"{kab.api}/hours/{rule.id}"

    def starts() -> tuple[time, time]:
        with tenant_db(kab.slug) as s:
            march = runs.facts_for_month(s, 2026, 3, date(2026, 4, 30), [worker])[worker]
            april_facts = runs.facts_for_month(s, 2026, 4, date(2026, 4, 30), [worker])[worker]
        found = {f.day: f for f in [*march, *april_facts]}
        return found[AFTER].expected.start.time(), found[april].expected.start.time()

    assert starts() == (time(7, 30), time(7, 30))
    changed = client.put(url, json=body | {"effective_from": "2026-04-01"}, headers=admin)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["start"] == "08:00:00"
    assert changed.get_json()["earlier"] == [
        {"until": "2026-04-01", "weekdays": [0, 1, 2, 3, 4], "start": "07:30:00", "end": "16:00:00"}
    ]
    assert starts() == (time(7, 30), time(8, 0))
    with tenant_db(kab.slug) as s:
        monday = {f.day: f for f in runs.facts_for_month(s, 2026, 3, AFTER, [worker])[worker]}
    late = tpp.day_lines(monday[AFTER], TppRules(), Decimal(1_000_000))
    assert [ln.minutes for ln in late if ln.component == "late"] == [40]  # against 07.30
    # Moved earlier: from 25 March 08.15; the reading kept until 1 April is overtaken.
    sooner = client.put(
        url, json=body | {"start": "08:15", "effective_from": "2026-03-25"}, headers=admin
    )
    assert [e["until"] for e in sooner.get_json()["earlier"]] == ["2026-03-25"]
    assert starts() == (time(8, 15), time(8, 15))
    # A correction without a day: the current reading only; February (before Ramadan's
    # dated hours) keeps 07.30.
    fixed = client.put(url, json=body | {"start": "08:05"}, headers=admin)
    assert fixed.status_code == 200 and fixed.get_json()["earlier"][0]["start"] == "07:30:00"
    assert starts() == (time(8, 5), time(8, 5))
    with tenant_db(kab.slug) as s:
        february = runs.facts_for_month(s, 2026, 2, date(2026, 2, 28), [worker])[worker]
    early = {f.day: f for f in february}
    assert early[date(2026, 2, 2)].expected.start.time() == time(7, 30)
    # Days no calendar holds, or past the years the app keeps: 422, nothing changed.
    for bad in ("2026-02-30", "9999-01-01", "1 April 2026", "2026-4-1"):
        refused = client.put(url, json=body | {"effective_from": bad}, headers=admin)
        assert refused.status_code == 422, (bad, refused.get_json())
    assert starts() == (time(8, 5), time(8, 5))
