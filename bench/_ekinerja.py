"""Set-up shared by the e-Kinerja benchmarks: a large regency's roster and day records, fast.

The set-up is not what is measured, so it writes rows in bulk (Core inserts)
instead of going through the services punch by punch. ``ekinerja_tpp.py`` builds
one month with it, ``ekinerja_dashboard.py`` six.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from smartcity.tenantcore.models import OrgUnit, Staff
from sqlalchemy import insert
from sqlalchemy.orm import Session

from tenants.ekinerja.models import Absence, AttendanceDay, Duty, WorkLog
from tenants.ekinerja.periods import month_end
from tenants.ekinerja.rules import PREDICATES
from tenants.ekinerja.tppmodels import Sanction, Skp, SkpSyncRun

EKINERJA = "tenants.ekinerja.manifest:manifest"
BATCH = 20_000


def nip(i: int) -> str:
    return (
        f"19{70 + i % 30:02d}{1 + i % 12:02d}{1 + i % 28:02d}2005{1 + i // 1000:02d}1{i % 1000:03d}"
    )


def workdays_of(year: int, month: int, before: date | None = None) -> list[date]:
    """Monday to Friday of the month (before ``before``, if given)."""
    first = date(year, month, 1)
    days = [
        first + timedelta(days=d)
        for d in range((month_end(year, month) - first).days + 1)
        if (first + timedelta(days=d)).weekday() < 5
    ]
    return [d for d in days if before is None or d < before]


def build_regency(
    session: Session,
    staff: int,
    units: int,
    months: Sequence[tuple[int, int]],
    *,
    before: date | None = None,
) -> tuple[int, list[int], list[int]]:
    """A regency of ``staff`` active people in ``units`` units with the day records of
    ``months`` (working days before ``before``) with realistic lateness and early
    leaving, about 2 % of days absent and 3 % without a check-out; an approved
    absence (two days) for every 40th person, a sanction running from the first
    month for six months for every 50th (every other one an LHKPN), five approved
    work logs per person and an SKP predicate per person, in the first month.
    Returns the number of day records, the unit ids and the staff ids."""
    rng = random.Random(2026)
    tz = ZoneInfo("Asia/Jakarta")
    year = months[0][0]
    unit_ids = [
        session.scalar(
            insert(OrgUnit)
            .values(
                code=f"9.{n // 100:02d}.{n % 100:02d}", name=f"Dinas Bench {n + 1}", kind="dinas"
            )
            .returning(OrgUnit.id)
        )
        for n in range(units)
    ]
    staff_rows = [
        {
            "nip": nip(i),
            "name": f"Pegawai {i + 1}",
            "status": "PNS",
            "golongan": "III/a",
            "position": "Analis",
            "position_class": 5 + i % 8,
            "unit_id": unit_ids[i % units],
            "sex": "1",
            "birth_date": date(1980, 1, 1),
        }
        for i in range(staff)
    ]
    staff_ids = list(session.scalars(insert(Staff).returning(Staff.id), staff_rows))
    duties = {
        unit: session.scalar(
            insert(Duty)
            .values(
                org_unit_id=unit,
                name="Menyusun laporan",
                standard_minutes=60,
                output_unit="laporan",
            )
            .returning(Duty.id)
        )
        for unit in unit_ids
    }
    workdays = [d for y, m in months for d in workdays_of(y, m, before)]
    first_month = workdays_of(*months[0])
    days: list[dict[str, Any]] = []
    count = 0
    for sid in staff_ids:
        for day in workdays:
            roll = rng.random()
            if roll < 0.02:
                continue  # absent
            late = 0 if roll < 0.70 else rng.choice((5, 20, 45, 75, 120))
            check_in = datetime.combine(day, time(7, 30), tz) + timedelta(
                minutes=late - rng.randint(0, 25) * (late == 0)
            )
            out = (
                None
                if roll > 0.97
                else datetime.combine(day, time(16, 0), tz)
                + timedelta(
                    minutes=rng.choice((-40, 0, 5, 30, 60))
                    if rng.random() < 0.2
                    else rng.randint(0, 40)
                )
            )
            days.append(
                {"staff_id": sid, "day": day, "check_in": check_in, "check_out": out, "pending": 0}
            )
            if len(days) >= BATCH:
                session.execute(insert(AttendanceDay), days)
                count += len(days)
                days = []
    if days:
        session.execute(insert(AttendanceDay), days)
        count += len(days)
    session.execute(
        insert(Absence),
        [
            {
                "staff_id": sid,
                "kind": "sick",
                "start_day": first_month[3],
                "end_day": first_month[4],
                "reason": "Sakit",
                "status": "approved",
            }
            for sid in staff_ids[::40]
        ],
    )
    session.execute(
        insert(Sanction),
        [
            {
                "staff_id": sid,
                "org_unit_id": staff_rows[i * 50]["unit_id"],
                "kind": "lhkpn" if i % 2 else "pemotongan_tunjangan",
                "decree_number": f"800/{i}/BKPSDM/{year}",
                "decree_date": first_month[0] - timedelta(days=20),
                "first_month": first_month[0].replace(day=1),
                "months": 6,
                "recorded_by": "bench",
            }
            for i, sid in enumerate(staff_ids[::50])
        ],
    )
    unit_of = {sid: staff_rows[i]["unit_id"] for i, sid in enumerate(staff_ids)}
    session.execute(
        insert(WorkLog),
        [
            {
                "staff_id": sid,
                "day": first_month[k],
                "duty_id": duties[unit_of[sid]],
                "start_time": time(8, 0),
                "end_time": time(15, 0),
                "quantity": 5,
                "minutes": rng.randint(600, 1400),
                "output": "Laporan",
                "status": "approved",
            }
            for sid in staff_ids
            for k in range(5)
        ],
    )
    run_id = session.scalar(
        insert(SkpSyncRun)
        .values(
            year=year,
            started_at=datetime.now(UTC),
            finished_at=datetime.now(UTC),
            status="ok",
            requested_by="bench",
            asked=staff,
            stored=staff,
            problems={},
        )
        .returning(SkpSyncRun.id)
    )
    session.execute(
        insert(Skp),
        [
            {
                "staff_id": sid,
                "year": year,
                "period_start": date(year, 1, 1),
                "period_end": date(year, 12, 31),
                "predicate": rng.choices(PREDICATES, weights=(10, 70, 12, 6, 2))[0],
                "run_id": run_id,
                "synced_at": datetime.now(UTC),
            }
            for sid in staff_ids
        ],
    )
    return count, unit_ids, staff_ids
