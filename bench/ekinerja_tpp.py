"""e-Kinerja: the month's TPP for a regency of 5,000 staff (goal < 10 s).

Set-up (not timed): one regency with e-Kinerja, 50 units, 5,000 active staff
over position classes 5-12, March 2026's day records for every working day with
realistic lateness (most on time, some 1-30, 31-60, 61-90 and over 90 minutes
late, some leaving early, some missing a check-out, about 2 % of days absent),
an approved absence for every 40th person, a disciplinary sanction running in March
for every 50th (every 100th LHKPN), five approved work logs per person, and an SKP
predicate per person, written in bulk.

Timed: :func:`tenants.ekinerja.runs.compute_month` for March, the whole run as
the job does it (read the facts, compute 5,000 statements with every line,
replace the stored statements and lines, audit), committed; three runs, with
the performance part on approved minutes, then once on SKP predicates. The
what-if of a draft rule set over the month (two computations, nothing stored)
is timed too.

    .venv/bin/python bench/ekinerja_tpp.py [--staff 5000] [--units 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from _common import (
    APPS,
    Timer,
    bench_database,
    create_bench_app,
    profile,
    provision_batch,
    reuse_password_hash,
    state_of,
    verdict,
)
from _ebudgeting import tenant_session
from smartcity.tenantcore.models import OrgUnit, Staff
from sqlalchemy import func, insert, select

from tenants.ekinerja import runs, whatif
from tenants.ekinerja.access import system_actor
from tenants.ekinerja.models import (
    Absence,
    AttendanceDay,
    Duty,
    RuleSet,
    TppLine,
    TppMonth,
    WorkLog,
)
from tenants.ekinerja.rules import PREDICATES, TppRules
from tenants.ekinerja.tppmodels import Sanction, Skp, SkpSyncRun

BENCH_APPS = (*APPS, "tenants.ekinerja.manifest:manifest")
SLUG = "bench-ekinerja"
YEAR, MONTH = 2026, 3
GOAL = 10.0
TODAY = date(2026, 4, 10)


def nip(i: int) -> str:
    return (
        f"19{70 + i % 30:02d}{1 + i % 12:02d}{1 + i % 28:02d}2005{1 + i // 1000:02d}1{i % 1000:03d}"
    )


def build_regency(session, staff: int, units: int) -> int:  # type: ignore[no-untyped-def]
    rng = random.Random(2026)
    tz = ZoneInfo("Asia/Jakarta")
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
    first = date(YEAR, MONTH, 1)
    workdays = [
        first + timedelta(days=d) for d in range(31) if (first + timedelta(days=d)).weekday() < 5
    ]
    days = []
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
    for i in range(0, len(days), 20_000):
        session.execute(insert(AttendanceDay), days[i : i + 20_000])
    session.execute(
        insert(Absence),
        [
            {
                "staff_id": sid,
                "kind": "sick",
                "start_day": workdays[3],
                "end_day": workdays[4],
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
                "decree_number": f"800/{i}/BKPSDM/{YEAR}",
                "decree_date": date(YEAR, 1, 15),
                "first_month": date(YEAR, 2, 1),
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
                "day": workdays[k],
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
            year=YEAR,
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
                "year": YEAR,
                "period_start": date(YEAR, 1, 1),
                "period_end": date(YEAR, 12, 31),
                "predicate": rng.choices(PREDICATES, weights=(10, 70, 12, 6, 2))[0],
                "run_id": run_id,
                "synced_at": datetime.now(UTC),
            }
            for sid in staff_ids
        ],
    )
    return len(days)


def phases(state) -> None:  # type: ignore[no-untyped-def]
    """Where a run's time goes: the facts, the statements, storing them."""
    rules = TppRules()
    with tenant_session(state, SLUG) as session:
        with Timer() as t:
            people, _ = runs.compute_results(session, rules, YEAR, MONTH, TODAY, staff_ids=[])
        with Timer() as f:
            facts = runs.facts_for_month(session, YEAR, MONTH, TODAY)
        with Timer() as c:
            people, results = runs.compute_results(session, rules, YEAR, MONTH, TODAY)
        month = TppMonth(
            year=YEAR,
            month=MONTH,
            rule_set_id=session.scalar(select(RuleSet.id)),
            computed_at=datetime.now(UTC),
            as_of=TODAY,
        )
        session.add(month)
        session.flush()
        with Timer() as w:
            if os.environ.get("EKINERJA_PROFILE"):
                print(profile(lambda: runs.store_statements(session, month.id, people, results)))
            else:
                runs.store_statements(session, month.id, people, results)
        print(
            f"phases: warm-up {t.seconds:.2f} s, facts {f.seconds:.2f} s ({len(facts):,} people),"
            f" facts + statements {c.seconds:.2f} s, storing them {w.seconds:.2f} s"
        )
        session.rollback()


def timed_runs(state, actor, count: int) -> list[float]:  # type: ignore[no-untyped-def]
    """``count`` whole runs on approved minutes, then one on SKP predicates; their seconds."""
    times = []
    for n in range(count):
        with tenant_session(state, SLUG) as session, Timer() as t:
            runs.compute_month(session, actor, YEAR, MONTH, today=TODAY)
            session.commit()
        with tenant_session(state, SLUG) as session:
            lines = session.scalar(select(func.count()).select_from(TppLine))
        times.append(t.seconds)
        print(f"run {n + 1} (minutes): {t.seconds:.2f} s, {lines:,} statement lines")
    with tenant_session(state, SLUG) as session:
        rule_set = session.scalar(select(RuleSet))
        assert rule_set is not None
        rule_set.rules = TppRules(performance_basis="predicate").model_dump(mode="json")
        session.add(
            RuleSet(
                name="Rancangan",
                effective_from=date(2027, 1, 1),
                status="draft",
                rules=TppRules(absent_percent=Decimal(3)).model_dump(mode="json"),
                created_by="bench",
            )
        )
        session.commit()
    with tenant_session(state, SLUG) as session, Timer() as t:
        runs.compute_month(session, actor, YEAR, MONTH, today=TODAY)
        session.commit()
    print(f"run (predicate): {t.seconds:.2f} s")
    times.append(t.seconds)
    with tenant_session(state, SLUG) as session, Timer() as w:
        draft = session.scalar(select(RuleSet.id).where(RuleSet.status == "draft"))
        result = whatif.run(session, actor, draft or 0, YEAR, MONTH, today=TODAY)
        session.rollback()
    print(
        f"what-if (two computations, nothing stored): {w.seconds:.2f} s, "
        f"{len(result.units)} units, difference {result.difference:,} rupiah"
    )
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print("== e-Kinerja: the month's TPP for a regency")
    print(f"goal: TPP for {args.staff:,} staff for one month < {GOAL:.0f} s")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    with bench_database(APPS=BENCH_APPS) as settings:
        app = create_bench_app(settings)
        state = state_of(app)
        with app.app_context():
            with Timer() as setup:
                with reuse_password_hash():
                    provision_batch(state, [SLUG], ["ekinerja"])
                with tenant_session(state, SLUG) as session:
                    count = build_regency(session, args.staff, args.units)
                    session.commit()
            print(f"set-up: {setup.seconds:.1f} s ({count:,} day records)")
            phases(state)
            times = timed_runs(state, system_actor("bench"), args.runs)
            print(
                f"RESULT TPP for {args.staff:,} staff median {statistics.median(times):.2f} s "
                f"(max {max(times):.2f} s, goal < {GOAL:.0f} s): {verdict(max(times) < GOAL)}"
            )


if __name__ == "__main__":
    main()
