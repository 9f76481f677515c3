"""Shifts as a puskesmas or a fire brigade works them, on the real database, in a
regency of central Indonesia (WITA): a night shift's check-in and check-out make one
day record, whichever way the punches and the roster arrive."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from smartcity.tenantcore.settings import update_settings
from sqlalchemy import select

from tenants.ekinerja import attendance, runs, tpp
from tenants.ekinerja.models import AttendanceDay, Punch, ShiftAssignment
from tenants.ekinerja.rules import TppRules
from tests.support.ekinerja import OFFICE, make_regency

WITA = ZoneInfo("Asia/Makassar")
D = date(2026, 11, 10)  # a Tuesday
NEXT = D + timedelta(days=1)


@pytest.fixture
def kab(provision, tenant_db, client):
    regency = make_regency(provision, tenant_db, client)
    with tenant_db(regency.slug) as s:
        update_settings(s, actor="tests", timezone="Asia/Makassar")
    return regency


def put_shift(client, kab, day, start, end):
    return client.put(
        f"{kab.api}/shifts",
        json={"staff_id": kab.ids["worker"], "day": str(day), "start": start, "end": end},
        headers=kab.tokens["admin-dinkes"],
    )


def at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), WITA)


def phone(kind: str, key: str, when: datetime | None = None) -> attendance.PunchIn:
    return attendance.PunchIn(kind, key, OFFICE[0], OFFICE[1], 10, "hp-1", when)


def fact(tenant_db, kab, day, who="worker"):
    with tenant_db(kab.slug) as s:
        staff = kab.ids[who]
        facts = runs.facts_for_month(s, day.year, day.month, day, [staff])[staff]
        return {f.day: f for f in facts}[day]


def cut(f):
    return {(ln.component, ln.minutes) for ln in tpp.day_lines(f, TppRules(), Decimal(1_000_000))}


def test_a_night_shift_by_phone_is_one_day_measured_against_its_own_hours(client, kab, tenant_db):
    assert put_shift(client, kab, D, "21:00", "07:00").status_code == 200
    with tenant_db(kab.slug) as s:
        attendance.record_punch(
            s, kab.ids["worker"], phone("in", "a"), source="mobile", now=at(D, 21, 40)
        )
    with tenant_db(kab.slug) as s:
        attendance.record_punch(
            s, kab.ids["worker"], phone("out", "b"), source="mobile", now=at(NEXT, 6, 30)
        )
    assert cut(fact(tenant_db, kab, D)) == {("late", 40), ("early", 30)}
    with tenant_db(kab.slug) as s:  # no stray punch on the morning after
        assert s.scalar(select(AttendanceDay).where(AttendanceDay.day == NEXT)) is None


def test_an_offline_night_shift_uploaded_next_morning_is_on_time(client, kab, tenant_db):
    assert put_shift(client, kab, D, "21:00", "07:00").status_code == 200
    with tenant_db(kab.slug) as s:
        for kind, key, when in (("in", "a", at(D, 20, 55)), ("out", "b", at(NEXT, 7, 5))):
            attendance.record_punch(
                s,
                kab.ids["worker"],
                phone(kind, key, when),
                source="offline",
                now=at(NEXT, 9, 0),
            )
    assert cut(fact(tenant_db, kab, D)) == set()


def test_a_roster_entered_after_the_night_moves_its_check_out_to_the_night(client, kab, tenant_db):
    """The puskesmas enters the week's roster on Friday: the nights already worked
    are whole, not a missing check-out and a stray punch of the morning after."""
    with tenant_db(kab.slug) as s:
        attendance.record_punch(
            s, kab.ids["worker"], phone("in", "a"), source="mobile", now=at(D, 20, 55)
        )
    with tenant_db(kab.slug) as s:
        attendance.record_punch(
            s, kab.ids["worker"], phone("out", "b"), source="mobile", now=at(NEXT, 7, 5)
        )
    assert put_shift(client, kab, D, "21:00", "07:00").status_code == 200
    assert cut(fact(tenant_db, kab, D)) == set()
    with tenant_db(kab.slug) as s:
        after = s.scalar(select(AttendanceDay).where(AttendanceDay.day == NEXT))
        assert after is None or (after.check_in, after.check_out) == (None, None)
        shift_id = s.scalar(select(ShiftAssignment.id))
    # Removed again (entered for the wrong person): the check-out is the morning's again.
    removed = client.delete(f"{kab.api}/shifts/{shift_id}", headers=kab.tokens["admin-dinkes"])
    assert removed.status_code == 200
    with tenant_db(kab.slug) as s:
        out = s.scalar(select(Punch).where(Punch.kind == "out"))
        assert out.day == NEXT
        assert (
            s.scalar(select(AttendanceDay.check_out_punch_id).where(AttendanceDay.day == NEXT))
            == out.id
        )
