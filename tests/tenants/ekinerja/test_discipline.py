"""The discipline dashboard's figures, counted in PostgreSQL, against the day facts.

``discipline.unit_rates_by_month`` counts in one statement what the dashboard used to
compute in Python from ``runs.facts_for_month`` (the run's own facts) and ``tally``.
Here both are computed over a realistic regency (unit hours inherited from a parent,
a dated regency rule, a holiday, shifts on a weekend and overnight, approved absences
overlapping a month's end and each other, a rejected one, records with only a
check-out or no punch at all, check-ins exactly on time and a second late, an
inactive person, records on days off and after today) and must agree exactly: each
unit's people, days present, late and absent, its rate and band, the regency's rate
per month and the order of the table. Then the facts change after the fact (a late
punch, a correction, an absence approved) and the figures follow at once.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from smartcity.tenantcore.models import Holiday, OrgUnit, Staff
from sqlalchemy import delete, select, update

from tenants.ekinerja import discipline, runs
from tenants.ekinerja.models import Absence, AttendanceDay, ScheduleRule, ShiftAssignment
from tenants.ekinerja.periods import month_end

JAKARTA = ZoneInfo("Asia/Jakarta")
TODAY = date(2026, 12, 10)
MONTHS = discipline.months_back(2026, 12, 6)


def reference(session, year, month, today):
    """The dashboard's figures as they were computed before: from the day facts."""
    facts = runs.facts_for_month(session, year, month, min(month_end(year, month), today))
    unit_of = dict(session.execute(select(Staff.id, Staff.unit_id)).all())
    totals = defaultdict(lambda: [0, 0, 0, 0])
    for staff_id, person_facts in facts.items():
        t = discipline.tally([discipline._row(f, today, (), 0) for f in person_facts])
        entry = totals[unit_of[staff_id]]
        entry[0] += 1
        entry[1] += t.present_days
        entry[2] += t.late_days
        entry[3] += t.absent_days
    return {unit: tuple(v) for unit, v in totals.items()}


def figures(rates):
    return {r.unit.id: (r.people, r.present_days, r.late_days, r.absent_days) for r in rates}


def assert_same(session, today=TODAY):
    months = [*MONTHS, (2027, 1)]  # and a month not begun: people, no days
    by_month = discipline.unit_rates_by_month(session, months, today)
    for year, month in months:
        rates = by_month[(year, month)]
        expected = reference(session, year, month, today)
        assert figures(rates) == expected, (year, month)
        assert figures(discipline.unit_rates(session, year, month, today)) == expected
        # The order of the table: worst rate first, then by code.
        keys = [(-(r.rate if r.rate is not None else -1), r.unit.code) for r in rates]
        assert keys == sorted(keys)
    return by_month


@pytest.fixture
def regency(provision, tenant_db):
    slug = provision(apps=("ekinerja",))
    rng = random.Random(13)  # noqa: S311 - a fixture's spread, not a secret
    with tenant_db(slug) as s:
        parent = OrgUnit(code="1.01", name="Sekretariat Daerah", kind="setda")
        s.add(parent)
        s.flush()
        child = OrgUnit(code="1.01.01", name="Bagian Umum", kind="bagian", parent_id=parent.id)
        health = OrgUnit(code="1.02.01", name="Dinas Kesehatan", kind="dinas")
        school = OrgUnit(code="1.03.01", name="Dinas Pendidikan", kind="dinas")
        empty = OrgUnit(code="1.04.01", name="Dinas Tanpa Pegawai Aktif", kind="dinas")
        s.add_all([child, health, school, empty])
        s.flush()
        # The secretariat (and so its bureau) from 07.00, 11.00 on Fridays; the health
        # office from 08.00 on weekdays, Saturdays too; a dated regency rule (a short
        # month of Ramadan-like hours) for everyone else; a local holiday.
        s.add_all(
            [
                ScheduleRule(
                    org_unit_id=parent.id,
                    name="Setda",
                    weekdays=[0, 1, 2, 3],
                    start_time=time(7, 0),
                    end_time=time(15, 30),
                ),
                ScheduleRule(
                    org_unit_id=parent.id,
                    name="Setda Jumat",
                    weekdays=[4],
                    start_time=time(7, 0),
                    end_time=time(11, 0),
                ),
                ScheduleRule(
                    org_unit_id=health.id,
                    name="Dinkes",
                    weekdays=[0, 1, 2, 3, 4, 5],
                    start_time=time(8, 0),
                    end_time=time(14, 0),
                ),
                ScheduleRule(
                    org_unit_id=None,
                    name="Jam khusus",
                    weekdays=[0, 1, 2, 3, 4],
                    start_time=time(8, 0),
                    end_time=time(14, 0),
                    valid_from=date(2026, 9, 14),
                    valid_to=date(2026, 10, 9),
                ),
                Holiday(day=date(2026, 10, 20), name="Hari Jadi Kabupaten", kind="local"),
            ]
        )
        units = [parent, child, health, school]
        people = []
        for i in range(40):
            people.append(
                Staff(
                    nip=f"19800101200501{1000 + i:04d}"[:18],
                    name=f"Pegawai {i}",
                    status="PNS",
                    golongan="III/a",
                    position="Analis",
                    position_class=8,
                    unit_id=units[i % 4].id,
                    sex="1",
                    birth_date=date(1980, 1, 1),
                    is_active=i != 7,  # one has left: not counted, whatever their records
                )
            )
        s.add(
            Staff(
                nip="198001012005019999",
                name="Pensiun",
                status="PNS",
                golongan="III/a",
                position="Analis",
                position_class=8,
                unit_id=empty.id,
                sex="1",
                birth_date=date(1980, 1, 1),
                is_active=False,
            )
        )
        s.add_all(people)
        s.flush()
        first = date(*MONTHS[0], 1)
        span = [first + timedelta(days=d) for d in range((date(2026, 12, 31) - first).days + 1)]
        records = []
        for n, p in enumerate(people):
            for day in span:
                roll = rng.random()
                if day.weekday() >= 5 and roll > 0.1:
                    continue  # now and then a punch on a day off
                if roll < 0.04:
                    continue  # absent
                if day > TODAY and roll > 0.3:
                    continue
                start = time(7, 30)
                local = datetime.combine(day, start, JAKARTA)
                late = rng.choice((0, 0, 0, 0, 1, 2, 12, 35, 61, 90, 150, -20, -60))
                check_in = local + timedelta(minutes=late * (n % 3 + 1) // 2)
                if roll < 0.06:  # exactly on the hour, and a second after it
                    check_in = datetime.combine(day, time(8, 0), JAKARTA) + timedelta(
                        seconds=rng.choice((0, 1))
                    )
                check_out = datetime.combine(day, time(16, 0), JAKARTA) + timedelta(
                    minutes=rng.randint(-90, 60)
                )
                if 0.06 <= roll < 0.08:
                    check_in = None  # only a check-out
                elif 0.08 <= roll < 0.10:
                    check_out = None
                elif 0.10 <= roll < 0.11:
                    check_in = check_out = None  # a record with only pending punches
                records.append(
                    AttendanceDay(
                        staff_id=p.id,
                        day=day,
                        check_in=check_in,
                        check_out=check_out,
                        pending=0 if check_in or check_out else 1,
                    )
                )
        s.add_all(records)
        # Shifts: a Saturday and a holiday worked, an overnight shift, a late start.
        for p in people[::9]:
            s.add_all(
                [
                    ShiftAssignment(
                        staff_id=p.id,
                        day=date(2026, 10, 17),
                        start_time=time(6, 0),
                        end_time=time(14, 0),
                    ),
                    ShiftAssignment(
                        staff_id=p.id,
                        day=date(2026, 10, 20),
                        start_time=time(7, 0),
                        end_time=time(15, 0),
                    ),
                    ShiftAssignment(
                        staff_id=p.id,
                        day=date(2026, 11, 11),
                        start_time=time(22, 0),
                        end_time=time(6, 0),
                    ),
                    ShiftAssignment(
                        staff_id=p.id,
                        day=date(2026, 12, 2),
                        start_time=time(13, 0),
                        end_time=time(21, 0),
                    ),
                ]
            )
        # Absences: over a month's end, two overlapping, one rejected, one waiting.
        for p, (start, end, status) in zip(
            people[1::6],
            [
                (date(2026, 9, 28), date(2026, 10, 6), "approved"),
                (date(2026, 11, 2), date(2026, 11, 6), "approved"),
                (date(2026, 11, 4), date(2026, 11, 13), "approved"),
                (date(2026, 12, 1), date(2026, 12, 4), "rejected"),
                (date(2026, 12, 7), date(2026, 12, 11), "submitted"),
                (date(2026, 7, 1), date(2026, 7, 31), "approved"),
            ],
            strict=False,
        ):
            s.add(
                Absence(
                    staff_id=p.id,
                    kind="annual_leave",
                    start_day=start,
                    end_day=end,
                    reason="Cuti",
                    status=status,
                )
            )
        s.add(
            Absence(
                staff_id=people[1].id,
                kind="sick",
                start_day=date(2026, 10, 5),
                end_day=date(2026, 10, 8),
                reason="Sakit",
                status="approved",
            )
        )
        s.flush()
        ids = {"people": [p.id for p in people], "health": health.id, "child": child.id}
    return slug, ids


def test_the_counted_figures_equal_the_day_facts(regency, tenant_db):
    slug, _ids = regency
    with tenant_db(slug) as s:
        by_month = assert_same(s)
        # The fixture is not trivial: every kind of day is there.
        december = figures(by_month[(2026, 12)])
        assert all(v[1] and v[2] and v[3] for v in list(december.values())[:4])
        bands = {r.band for m in MONTHS for r in by_month[m]}
        assert len(bands - {"none"}) >= 2, bands
        for month in MONTHS:
            assert discipline.regency_rate(by_month[month]) is not None
        # Another day: today earlier in the month, and the first of a month.
        assert_same(s, date(2026, 12, 1))
        assert_same(s, date(2026, 11, 17))


def test_the_figures_follow_late_changes_to_the_facts(regency, tenant_db):
    slug, ids = regency
    worker = ids["people"][2]
    with tenant_db(slug) as s:
        before = figures(discipline.unit_rates(s, 2026, 11, TODAY))
        # A correction (an objection upheld) moves a check-in; a late punch fills an
        # absent day; an absence is approved after the fact; a shift is added.
        record = s.scalar(
            select(AttendanceDay)
            .where(AttendanceDay.staff_id == worker, AttendanceDay.check_in.is_not(None))
            .where(AttendanceDay.day.between(date(2026, 11, 2), date(2026, 11, 30)))
            .order_by(AttendanceDay.day)
        )
        record.check_in = datetime.combine(record.day, time(9, 45), JAKARTA)
        s.execute(
            delete(AttendanceDay).where(
                AttendanceDay.staff_id == worker, AttendanceDay.day == date(2026, 11, 29)
            )
        )
        s.add(
            AttendanceDay(
                staff_id=worker,
                day=date(2026, 11, 29),  # a Sunday, with a shift added too
                check_in=datetime.combine(date(2026, 11, 29), time(6, 5), JAKARTA),
            )
        )
        s.add(
            ShiftAssignment(
                staff_id=worker,
                day=date(2026, 11, 29),
                start_time=time(6, 0),
                end_time=time(14, 0),
            )
        )
        s.execute(
            update(Absence)
            .where(Absence.status == "submitted")
            .values(status="approved", start_day=date(2026, 11, 23), end_day=date(2026, 11, 27))
        )
        s.flush()
        after = assert_same(s)[(2026, 11)]
        assert figures(after) != before
