"""e-Kinerja demo data: offices, a month of attendance and logs, absences, a TPP run."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from smartcity.auth.passwords import hash_password
from smartcity.demo_data import seed_regency
from smartcity.tenantcore.models import Staff, User
from sqlalchemy import func, select

from tenants.ekinerja import attendance, discipline, rulesets, runs, whatif
from tenants.ekinerja.access import ROLE_NAMES, system_actor
from tenants.ekinerja.demo import MONTH, TODAY, YEAR, logged_until, seed
from tenants.ekinerja.eventmodels import Event, EventAbsence, EventCheckIn
from tenants.ekinerja.models import Absence, Account, AttendanceDay, Office, TppLine, WorkLog
from tests.conftest import PASSWORD


def test_a_demo_regency_gets_a_month_of_attendance_and_a_computed_tpp(
    provision: Any, tenant_db: Any
) -> None:
    slug = provision(apps=("ekinerja",), region_code="17.09")
    with tenant_db(slug) as session:
        seed_regency(session, "17.09", slug)
        for key, role in ROLE_NAMES.items():
            session.add(
                User(
                    email=f"{key}@{slug}.go.id",
                    name=key,
                    password_hash=hash_password(PASSWORD),
                    roles=["member", role],
                )
            )
    with tenant_db(slug) as session:
        made = seed(session, "17.09")
        assert made["offices"] >= 10 and made["punches"] > 1000
        assert made["TPP statements"] > 100 and made["absences"] == 12
        assert made["sanctions"] == 2
        # Five Monday apel and the Heroes' Day ceremony, each with its roll.
        assert made["assemblies and ceremonies"] == 6
        assert seed(session, "17.09") == {}  # idempotent
    with tenant_db(slug) as session:
        assert session.scalar(select(func.count()).select_from(Office)) == made["offices"]
        # The demo staff user is a staff member whose November has explained cuts.
        staff_user = session.scalar(select(User).where(User.email == f"staff@{slug}.go.id"))
        account = session.scalar(select(Account).where(Account.user_id == staff_user.id))
        assert account is not None
        found = runs.statement_of(session, account.staff_id, YEAR, MONTH)
        assert found is not None
        _run, statement, lines, _rules = found
        # ...sometimes late, and the leave the demo gave them excuses two days.
        late = [ln for ln in lines if ln.component == "late"]
        assert late and all(ln.day and ln.record.startswith("attendance_day:") for ln in late)
        assert statement.net < statement.base
        # Lateness is realistic: some late lines across the regency, most days on time.
        components = dict(
            session.execute(
                select(TppLine.component, func.count()).group_by(TppLine.component)
            ).all()
        )
        assert components.get("late", 0) > 0 and components.get("absent", 0) > 0
        # Two decrees: the supervisor's LHKPN and a moderate sanction, each a line.
        assert components.get("lhkpn") == 1 and components.get("sanction") == 1
        # Some missed an apel or the ceremony: a few lines, not most of the regency.
        marks = session.scalar(select(func.count()).select_from(EventAbsence))
        assert 0 < components.get("event", 0) <= marks < made["TPP statements"] * 6 // 4
        # The ceremony was held at an office: who came checked in, who missed it did not.
        checked = set(session.scalars(select(EventCheckIn.staff_id)))
        missed = set(
            session.scalars(
                select(EventAbsence.staff_id)
                .join(Event, Event.id == EventAbsence.event_id)
                .where(Event.office_id.is_not(None))
            )
        )
        assert len(checked) > made["TPP statements"] // 2 and not checked & missed
        # One titip absen on the last day: two of the supervisor's people on one phone,
        # both waiting in the supervisor's queue, each naming the other.
        supervisor = session.scalar(
            select(Account.staff_id)
            .join(User, User.id == Account.user_id)
            .where(User.email == f"supervisor@{slug}.go.id")
        )
        shared = [
            punch
            for punch, _person in attendance.pending_punches(session, supervisor)
            if attendance.SHARED_DEVICE in punch.flags
        ]
        assert len(shared) == 2 and {p.day for p in shared} == {TODAY}
        assert len({p.device_id for p in shared}) == 1
        companions = attendance.phone_companions(session, shared)
        first, second = shared
        name = {p.id: session.get(Staff, p.staff_id).name for p in shared}
        # Each names the other once, with every punch the other made from the phone.
        assert [c.name for c in companions[first.id]] == [name[second.id]]
        assert [c.name for c in companions[second.id]] == [name[first.id]]
        assert ("in", second.at) in companions[first.id][0].punches
        # December is logged up to the day before the seeding, so the days between the
        # demo's "today" and the real one do not show everyone absent without reason.
        until = logged_until(datetime.now(attendance.zone(session)).date())
        worked = {
            f.day
            for f in runs.facts_for_month(session, 2026, 12, until, [supervisor])[supervisor]
            if f.expected is not None
        }
        present = session.scalars(
            select(AttendanceDay.day)
            .where(AttendanceDay.day >= date(2026, 12, 1), AttendanceDay.check_in.is_not(None))
            .group_by(AttendanceDay.day)
            .having(func.count() > made["TPP statements"] // 2)
        )
        assert worked and worked == set(present)
        # A draft Perbup doubling the lateness cuts: the what-if shows November costing less.
        (draft,) = [v for v in rulesets.versions(session) if v.status == "draft"]
        impact = whatif.run(session, system_actor("test"), draft.id, YEAR, MONTH, today=TODAY)
        assert impact.current.people == made["TPP statements"]
        assert impact.draft.deduction > impact.current.deduction and impact.difference < 0
        rates = discipline.unit_rates(session, YEAR, MONTH, TODAY)
        overall = discipline.regency_rate(rates)
        assert overall is not None and 3 < overall < 30
        assert {r.band for r in rates} & {"amber", "red"}
        statuses = dict(
            session.execute(select(WorkLog.status, func.count()).group_by(WorkLog.status)).all()
        )
        assert statuses["approved"] > statuses["submitted"] > 0
        absences = dict(
            session.execute(select(Absence.status, func.count()).group_by(Absence.status)).all()
        )
        assert absences == {"approved": 9, "rejected": 1, "submitted": 2}


def test_the_demo_logs_december_up_to_the_day_before_it_is_seeded() -> None:
    assert logged_until(date(2026, 12, 1)) == TODAY  # never before the demo's "today"
    assert logged_until(date(2026, 12, 7)) == date(2026, 12, 6)
    assert logged_until(date(2027, 3, 1)) == date(2026, 12, 31)  # December at the most
