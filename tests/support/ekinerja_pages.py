"""A small e-Kinerja regency with a November of attendance, absences, logs and a TPP run,
for the page tests and the phone-size browser test."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from smartcity.auth.passwords import hash_password
from smartcity.tenantcore.models import OrgUnit, Staff, User
from smartcity.toolkit import set_member_units

from tenants.ekinerja import absences, attendance, runs, worklogs
from tenants.ekinerja.access import GRANTS, Actor, system_actor
from tenants.ekinerja.evidence import Evidence
from tenants.ekinerja.models import Account, Duty
from tests.conftest import PASSWORD

JAKARTA = ZoneInfo("Asia/Jakarta")
NOVEMBER = (2026, 11)
#: The worker's November: (day, check-in, check-out) in Jakarta time; 2 Nov is a Monday.
PUNCHES = (
    (2, time(7, 42), time(16, 5)),  # 12 minutes late
    (3, time(7, 20), time(15, 30)),  # left 30 minutes early
    (9, time(7, 25), None),  # no check-out
    (10, time(9, 15), time(16, 10)),  # 105 minutes late
)
#: Days off with an approved annual leave.
LEAVE = (date(2026, 11, 5), date(2026, 11, 6))


def person(session: Any, nip: str, name: str, unit: int, cls: int, **kw: Any) -> Staff:
    found = Staff(
        nip=nip,
        name=name,
        status="PNS",
        golongan="III/a",
        position="Kepala" if kw.get("echelon") else "Analis",
        position_class=cls,
        unit_id=unit,
        sex="1",
        birth_date=date(1986, 9, 26),
        **kw,
    )
    session.add(found)
    session.flush()
    return found


def user(session: Any, email: str, role: str, staff: Staff | None = None) -> User:
    made = User(
        email=email,
        name=email.split("@", maxsplit=1)[0].title(),
        password_hash=hash_password(PASSWORD),
        roles=["member", role],
    )
    session.add(made)
    session.flush()
    if staff is not None:
        session.add(Account(staff_id=staff.id, user_id=made.id))
    return made


def build(session: Any) -> dict[str, int]:
    """Two units; a worker in the first with a month to explain; a colleague in the second."""
    dinkes = OrgUnit(code="1.02.01", name="Dinas Kesehatan", kind="dinas")
    disdik = OrgUnit(code="1.01.01", name="Dinas Pendidikan", kind="dinas")
    session.add_all([dinkes, disdik])
    session.flush()
    head = person(session, "197001101992011001", "Kadis Sehat", dinkes.id, 14, echelon="II.a")
    worker = person(
        session, "198609262015051001", "Sari Pegawai", dinkes.id, 8, supervisor_id=head.id
    )
    teacher_head = person(
        session, "197501012000011001", "Kadis Didik", disdik.id, 14, echelon="II.a"
    )
    teacher = person(
        session, "198001012005011002", "Guru Budi", disdik.id, 8, supervisor_id=teacher_head.id
    )
    user(session, "kadis@example.go.id", "ekinerja.supervisor", head)
    user(session, "pegawai@example.go.id", "ekinerja.staff", worker)
    user(session, "kadisdik@example.go.id", "ekinerja.supervisor", teacher_head)
    user(session, "guru@example.go.id", "ekinerja.staff", teacher)
    admin = user(session, "adminunit@example.go.id", "ekinerja.unit_admin")
    set_member_units(session, admin.id, "ekinerja", [disdik.id], actor="test")
    user(session, "bkpsdm@example.go.id", "ekinerja.bkpsdm_admin")
    user(session, "viewer@example.go.id", "ekinerja.viewer")
    duty = Duty(
        org_unit_id=dinkes.id, name="Menyusun laporan", standard_minutes=60, output_unit="laporan"
    )
    session.add(duty)
    session.flush()
    year, month = NOVEMBER
    for day, check_in, check_out in PUNCHES:
        for kind, at in (("in", check_in), ("out", check_out)):
            if at is None:
                continue
            moment = datetime.combine(date(year, month, day), at, JAKARTA)
            attendance.record_punch(
                session,
                worker.id,
                attendance.PunchIn(kind=kind, idempotency_key=f"t-{day}-{kind}"),
                source="machine",
                now=moment,
            )
    me = Actor("pegawai", GRANTS["staff"], worker.id, frozenset())
    leave = absences.submit(
        session,
        me,
        kind="annual",
        start_day=LEAVE[0],
        end_day=LEAVE[1],
        reason="Keperluan keluarga",
        evidence=Evidence("surat.pdf", b"%PDF-1.4\n"),
        today=date(2026, 11, 3),
    )
    absences.decide(
        session, system_actor("test"), leave.id, approve=True, note="", today=date(2026, 11, 3)
    )
    log = worklogs.submit(
        session,
        me,
        day=date(2026, 11, 2),
        duty_id=duty.id,
        start=time(8, 0),
        end=time(12, 0),
        quantity=3,
        output="Laporan bulanan",
        evidence_url=None,
        today=date(2026, 11, 2),
    )
    worklogs.decide(
        session,
        Actor("kadis", GRANTS["supervisor"], head.id, frozenset()),
        [log.id],
        approve=True,
        note="",
        today=date(2026, 11, 30),
    )
    runs.compute_month(session, system_actor("test"), year, month, today=date(2026, 12, 1))
    return {
        "dinkes": dinkes.id,
        "disdik": disdik.id,
        "head": head.id,
        "worker": worker.id,
        "teacher": teacher.id,
        "duty": duty.id,
        "leave": leave.id,
    }


def queue_of_two(session: Any, ids: dict[str, int], day: date) -> int:
    """Two of the head's people with two logs each waiting on ``day``: the worker and a
    nurse whose name sorts first. Returns the nurse's id."""
    nurse = person(
        session, "199001012015012003", "Ani Perawat", ids["dinkes"], 7, supervisor_id=ids["head"]
    )
    for who, staff_id in (("pegawai", ids["worker"]), ("perawat", nurse.id)):
        actor = Actor(who, GRANTS["staff"], staff_id, frozenset())
        for start, end, quantity in ((time(8, 0), time(9, 0), 1), (time(9, 30), time(11, 30), 2)):
            worklogs.submit(
                session,
                actor,
                day=day,
                duty_id=ids["duty"],
                start=start,
                end=end,
                quantity=quantity,
                output="Laporan",
                evidence_url=None,
                today=day,
            )
    return nurse.id
