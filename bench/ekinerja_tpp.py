"""e-Kinerja: the month's TPP for a regency of 5,000 staff (goal < 10 s).

Set-up (not timed): one regency with e-Kinerja, 50 units, 5,000 active staff
over position classes 5-12, March 2026's day records for every working day with
realistic lateness (most on time, some 1-30, 31-60, 61-90 and over 90 minutes
late, some leaving early, some missing a check-out, about 2 % of days absent),
an approved absence for every 40th person, five approved work logs per person,
and an SKP predicate per person, written in bulk.

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
import statistics
from datetime import UTC, date, datetime
from decimal import Decimal

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
from _ekinerja import EKINERJA, build_regency
from sqlalchemy import func, select

from tenants.ekinerja import runs, whatif
from tenants.ekinerja.access import system_actor
from tenants.ekinerja.models import RuleSet, TppLine, TppMonth
from tenants.ekinerja.rules import TppRules

BENCH_APPS = (*APPS, EKINERJA)
SLUG = "bench-ekinerja"
YEAR, MONTH = 2026, 3
GOAL = 10.0
TODAY = date(2026, 4, 10)


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
            cut = session.scalar(
                select(func.count())
                .select_from(TppLine)
                .where(TppLine.component.in_(("sanction", "lhkpn", "tptgr", "cap_sanction")))
            )
        times.append(t.seconds)
        print(
            f"run {n + 1} (minutes): {t.seconds:.2f} s, {lines:,} statement lines"
            f" ({cut:,} of sanctions)"
        )
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
                    count, _units, _staff = build_regency(
                        session, args.staff, args.units, [(YEAR, MONTH)]
                    )
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
