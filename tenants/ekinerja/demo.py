"""Demo data: offices with geofences, office hours, duty lists, November 2026's
attendance and work logs, a few absences, and November's TPP run.

The demo's "today" is 3 December 2026 (as in the other apps' demos): November is
complete and computed, its cutoff (the 5th) not yet passed; December's first days
(up to the day before the demo is seeded, see ``logged_until``) are logged and wait in
the supervisors' queues. Each person has a habit: most
arrive on time, some are often late, a few are late most days, and a few log
fewer minutes than the target, so the recap and the dashboard show green, amber
and red, and the statements have lines to explain.

Offices, hours, absences, their decisions and the TPP run go through the services;
the month's punches, day records and work logs (tens of thousands of rows) are
written in bulk, exactly as the services would have built them.

Idempotent: a regency that already has an office is left alone.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from psycopg import sql
from smartcity.toolkit import OrgUnit, Staff, User, set_member_units
from sqlalchemy import ARRAY, BigInteger, and_, any_, func, insert, select, type_coerce
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from . import absences, events, rulesets, runs, sanctions, setup, tpp, worklogs
from .access import APP, GRANTS, ROLE_NAMES, Actor, system_actor
from .attendance import OTHER_DEVICE, SHARED_DEVICE, zone
from .eventmodels import EventCheckIn
from .evidence import Evidence
from .models import (
    Absence,
    Account,
    AttendanceDay,
    Device,
    Duty,
    Office,
    Punch,
    TppStatement,
    WorkLog,
)
from .periods import month_end

YEAR, MONTH = 2026, 11
TODAY = date(2026, 12, 3)


def logged_until(today: date) -> date:
    """The last December day with punches and logs: the day before the demo is seeded,
    within 3 and 31 December. Seeded on the 7th, a demo logged only to the 3rd showed
    everyone absent without reason on the 4th."""
    return min(max(TODAY, today - timedelta(days=1)), date(2026, 12, 31))


#: Approximate centres of the demo regencies' seats (the geofences sit around them).
CENTRES = {
    "32.73": (-6.9147, 107.6098),
    "16.05": (-3.2700, 103.0600),
    "13.12": (0.3300, 99.8800),
    "13.05": (-0.5900, 100.2200),
    "35.19": (-7.5500, 111.6600),
    "35.18": (-7.6000, 111.9000),
    "35.21": (-7.4000, 111.4400),
    "33.18": (-6.7500, 111.0400),
    "19.03": (-3.0100, 106.4500),
    "17.09": (-3.6800, 102.4000),
    "76.05": (-3.5400, 118.9700),
    "74.11": (-3.9700, 121.6900),
}
DEFAULT_CENTRE = (-6.9175, 107.6191)
#: (name, standard minutes per unit of output, output unit)
DUTIES = (
    ("Menyusun laporan kegiatan", 60, "laporan"),
    ("Melayani konsultasi dan pengaduan masyarakat", 20, "layanan"),
    ("Mengikuti rapat koordinasi", 90, "rapat"),
    ("Menginput data ke aplikasi", 10, "entri"),
    ("Menyusun konsep surat dinas", 30, "surat"),
    ("Memverifikasi dokumen administrasi", 15, "dokumen"),
)
#: habit: (share of people, chance late, chance absent without reason, minutes logged a day)
HABITS = {
    "punctual": (0.65, 0.04, 0.003, (300, 420)),
    "sometimes_late": (0.22, 0.22, 0.01, (270, 400)),
    "often_late": (0.08, 0.5, 0.03, (240, 360)),
    "under_target": (0.05, 0.1, 0.02, (120, 240)),
}


def _habit(rng: random.Random) -> str:
    names = list(HABITS)
    return rng.choices(names, weights=[HABITS[n][0] for n in names])[0]


def _roots(session: Session) -> dict[int, int]:
    """Each unit's top-level unit (the OPD whose office its staff check in at)."""
    parents = dict(session.execute(select(OrgUnit.id, OrgUnit.parent_id)).all())
    roots = {}
    for unit_id in parents:
        current = unit_id
        while parents.get(current) is not None:
            current = parents[current]  # type: ignore[assignment]
        roots[unit_id] = current
    return roots


def seed(session: Session, region_code: str) -> dict[str, int]:
    if session.scalar(select(Office.id).limit(1)) is not None:
        return {}
    rng = random.Random(f"ekinerja-{region_code}")  # noqa: S311 - demo content, not secrets
    admin = system_actor("demo")
    lat0, lon0 = CENTRES.get(region_code, DEFAULT_CENTRE)
    roots = _roots(session)
    offices: dict[int, Office] = {}
    for i, root in enumerate(sorted(set(roots.values()))):
        unit = session.get(OrgUnit, root)
        if unit is None:  # the ids came from the table a moment ago
            continue
        # OPD offices a few hundred metres apart around the regency's seat.
        offices[root] = setup.add_office(
            session,
            admin,
            org_unit_id=root,
            name=f"Kantor {unit.name}"[:200],
            latitude=round(lat0 + 0.004 * ((i % 7) - 3), 6),
            longitude=round(lon0 + 0.004 * ((i // 7) - 3), 6),
            radius_m=rng.choice((100, 120, 150)),
            polygon=None,
        )
    setup.add_schedule_rule(
        session,
        admin,
        org_unit_id=None,
        name="Jumat (jam kerja lebih panjang)",
        weekdays=[4],
        start=time(7, 30),
        end=time(16, 30),
        valid_from=None,
        valid_to=None,
    )
    # In id order: the habits, the demo users' places and every draw after them come
    # from one seeded generator, so the same regency gets the same month every time.
    people = list(
        session.scalars(select(Staff).where(Staff.is_active.is_(True)).order_by(Staff.id))
    )
    unit_ids = sorted({p.unit_id for p in people})
    duty_rows = [
        {"org_unit_id": u, "name": n, "standard_minutes": m, "output_unit": o, "is_active": True}
        for u in unit_ids
        for n, m, o in DUTIES
    ]
    session.execute(insert(Duty), duty_rows)
    duties: dict[int, list[Duty]] = defaultdict(list)
    for duty in session.scalars(select(Duty).order_by(Duty.id)):
        duties[duty.org_unit_id].append(duty)
    habits = {p.id: _habit(rng) for p in people}
    demo_people = _link_demo_users(session, people, habits)
    made_absences = _absences(session, rng, people, demo_people)
    session.flush()
    shown = demo_people.get("staff")
    counts = _month(
        session,
        rng,
        people,
        habits,
        offices,
        roots,
        duties,
        shown.id if shown else None,
        _sharers(people, demo_people),
    )
    made_sanctions = _sanctions(session, admin, people, habits, demo_people)
    made_events = _events(session, rng, admin, people, habits, place=next(iter(offices.values())))
    run = runs.compute_month(session, admin, YEAR, MONTH, today=TODAY)
    _draft_rules(session, admin)
    statements = session.scalar(
        select(func.count()).select_from(TppStatement).where(TppStatement.month_id == run.id)
    )
    return {
        "offices": len(offices),
        "duties": len(duty_rows),
        "punches": counts["punches"],
        "work logs": counts["logs"],
        "absences": made_absences,
        "sanctions": made_sanctions,
        "assemblies and ceremonies": made_events,
        "TPP statements": statements or 0,
    }


def _draft_rules(session: Session, admin: Actor) -> None:
    """A draft Perbup for next year that doubles the lateness cuts, so BKPSDM's what-if
    shows what it would have cost November before anyone signs it."""
    draft = rulesets.draft_from(session, admin, None, today=TODAY)
    rules = dict(draft.rules)
    rules["late_bands"] = [
        {**band, "percent": str(Decimal(band["percent"]) * 2)} for band in rules["late_bands"]
    ]
    rulesets.update_draft(
        session,
        admin,
        draft.id,
        name="Rancangan Perbup TPP 2027: potongan terlambat dua kali lipat",
        effective_from=draft.effective_from,
        rules=rules,
    )


def _sanctions(
    session: Session,
    admin: Actor,
    people: list[Staff],
    habits: dict[int, str],
    demo: dict[str, Staff],
) -> int:
    """Two decrees, so November's statements show sanction lines: the demo supervisor (a
    head of unit, who must file an LHKPN) has not filed it, and the first person who is
    often late got PP 94/2021's moderate sanction (the allowance cut 25 % for 6 months)
    from October."""
    made = 0
    head = demo.get("supervisor")
    if head is not None:
        sanctions.record(
            session,
            admin,
            staff_id=head.id,
            kind="lhkpn",
            decree_number="800/412/BKPSDM/2026",
            decree_date=date(2026, 10, 20),
            first_month="2026-11",
            months=1,
            note="LHKPN tahun 2025 belum disampaikan sampai batas waktu.",
            today=TODAY,
        )
        made += 1
    late = next((p for p in people if habits.get(p.id) == "often_late"), None)
    if late is not None:
        sanctions.record(
            session,
            admin,
            staff_id=late.id,
            kind="pemotongan_tunjangan",
            decree_number="800.1.6.4/27/BKPSDM/2026",
            decree_date=date(2026, 9, 25),
            first_month="2026-10",
            months=6,
            note="Hukuman disiplin sedang: terlambat masuk kerja berulang.",
            today=TODAY,
        )
        made += 1
    return made


#: habit -> the chance of missing an apel or a ceremony.
MISSES = {"punctual": 0.02, "sometimes_late": 0.08, "often_late": 0.25, "under_target": 0.1}


def _events(
    session: Session,
    rng: random.Random,
    admin: Actor,
    people: list[Staff],
    habits: dict[int, str],
    *,
    place: Office,
) -> int:
    """November's regency-wide apel on Mondays and the Heroes' Day ceremony, each with its
    roll taken: whoever is often late misses one now and then (those on approved leave
    are excused and not called absent). The ceremony is held at ``place``: everyone
    who came checked in by phone, a few minutes before it started."""
    mondays = [date(YEAR, MONTH, d) for d in range(1, 31) if date(YEAR, MONTH, d).weekday() == 0]
    plan = [("apel_pagi", day, time(7, 15), "") for day in mondays]
    plan.append(("upacara", date(YEAR, MONTH, 10), time(7, 30), "Upacara Hari Pahlawan"))
    ids = [p.id for p in people]
    tz = zone(session)
    for kind, day, at, title in sorted(plan, key=lambda row: row[1]):
        event = events.schedule(
            session,
            admin,
            kind=kind,
            day=day,
            starts_at=at,
            title=title,
            org_unit_id=None,
            office_id=place.id if kind == "upacara" else None,
            today=TODAY,
        )
        excused = events.excused_on(session, day, ids)
        absent = [
            p.id
            for p in people
            if p.id not in excused and rng.random() < MISSES.get(habits.get(p.id, ""), 0.02)
        ]
        if event.office_id is not None:
            start = datetime.combine(day, at, tz)
            session.add_all(
                EventCheckIn(
                    event_id=event.id,
                    staff_id=p.id,
                    at=start - timedelta(minutes=rng.randint(1, 25)),
                    latitude=place.latitude + rng.uniform(-0.0004, 0.0004),
                    longitude=place.longitude + rng.uniform(-0.0004, 0.0004),
                    accuracy_m=rng.choice((5.0, 8.0, 12.0, 20.0)),
                    device_id="demo",
                    flags=[],
                )
                for p in people
                if p.id not in excused and p.id not in absent
            )
        events.take_roll(session, admin, event.id, absent=absent, today=TODAY)
    return len(plan)


def _link_demo_users(
    session: Session, people: list[Staff], habits: dict[int, str]
) -> dict[str, Staff]:
    """The demo users with e-Kinerja roles become staff members: the staff user works in
    the biggest OPD and is sometimes late, reporting to the supervisor user."""
    by_role: dict[str, User] = {}
    for key, name in ROLE_NAMES.items():
        user = session.scalar(
            select(User).where(any_(User.roles) == name).order_by(User.id).limit(1)
        )
        if user is not None:
            by_role[key] = user
    if not people:
        return {}
    size: dict[int, int] = defaultdict(int)
    for p in people:
        size[p.unit_id] += 1
    heads = {p.unit_id: p for p in people if p.echelon is not None}
    unit = max((u for u in size if u in heads), key=lambda u: (size[u], -u), default=None)
    if unit is None:
        return {}
    team = [p for p in people if p.unit_id == unit and p.echelon is None]
    chosen: dict[str, Staff] = {"supervisor": heads[unit]}
    if team:
        chosen["staff"] = team[0]
        habits[team[0].id] = "sometimes_late"
    if len(team) > 1:
        chosen["unit_admin"] = team[1]
    others = [p for p in people if p.unit_id != unit and p.echelon is None]
    if others:
        chosen["bkpsdm_admin"] = others[0]
    for key, person in chosen.items():
        user = by_role.get(key)
        if user is None:
            continue
        session.add(Account(staff_id=person.id, user_id=user.id))
        if key == "unit_admin":
            set_member_units(session, user.id, APP, [unit], actor="demo")
    return chosen


def _absences(
    session: Session, rng: random.Random, people: list[Staff], demo: dict[str, Staff]
) -> int:
    """A few approved leaves and trips in November, one returned, two waiting in December."""
    decider = system_actor("demo")
    team = [p for p in people if p.echelon is None]
    picks = rng.sample(team, min(len(team), 12))
    if "staff" in demo:
        picks = [demo["staff"], *[p for p in picks if p.id != demo["staff"].id]][:12]
    plan = (
        ("annual", date(2026, 11, 9), date(2026, 11, 10), "Cuti tahunan: keperluan keluarga"),
        ("travel", date(2026, 11, 18), date(2026, 11, 20), "Perjalanan dinas ke provinsi"),
        ("sick", date(2026, 11, 24), date(2026, 11, 24), "Sakit, surat keterangan dokter"),
        ("field_duty", date(2026, 11, 12), date(2026, 11, 13), "Tugas lapangan pendataan"),
    )
    made = 0
    for i, person in enumerate(picks):
        actor = Actor(f"demo:{person.nip}", GRANTS["staff"], person.id, frozenset())
        kind, start, end, reason = plan[i % len(plan)]
        if i >= 10:  # two requests still waiting for December
            kind, start, end, reason = (
                "annual",
                date(2026, 12, 7 + i),
                date(2026, 12, 7 + i),
                "Cuti tahunan",
            )
        evidence = None if kind == "annual" else Evidence("surat.pdf", b"%PDF-1.4\n")
        absence = absences.submit(
            session,
            actor,
            kind=kind,
            start_day=start,
            end_day=end,
            reason=reason,
            evidence=evidence,
            today=TODAY,
        )
        made += 1
        if i >= 10:
            continue
        approve = i != 9
        absences.decide(
            session,
            decider,
            absence.id,
            approve=approve,
            note="" if approve else "Lampirkan surat tugas",
            today=TODAY,
        )
    return made


def _month(  # noqa: PLR0917 - one private step of seed()
    session: Session,
    rng: random.Random,
    people: list[Staff],
    habits: dict[int, str],
    offices: dict[int, Office],
    roots: dict[int, int],
    duties: dict[int, list[Duty]],
    shown: int | None = None,
    sharers: tuple[int, int] | None = None,
) -> dict[str, int]:
    """November and December's first days: punches, day records and work logs, in bulk.

    The demo's office hours are the regency's for everyone, so one person's day facts
    give every day's expected hours; each person's approved absences excuse theirs.
    ``shown`` (the demo staff user's person) is late at least once in November
    whatever the draws: their "my TPP" page is where the demo shows why a TPP is cut.
    """
    if not people:
        return {"punches": 0, "logs": 0}
    sample = people[0].id
    december = logged_until(datetime.now(zone(session)).date())
    days = [
        f
        for f in [
            *runs.facts_for_month(session, YEAR, MONTH, month_end(YEAR, MONTH), [sample])[sample],
            *runs.facts_for_month(session, 2026, 12, december, [sample])[sample],
        ]
        if f.expected is not None
    ]
    excused = {
        (a.staff_id, day)
        for a in session.scalars(select(Absence).where(Absence.status == "approved"))
        for day in absences.approved_days([a])
    }
    punches: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = []
    for person in people:
        habit = habits[person.id]
        _share, p_late, p_absent, (lo, hi) = HABITS[habit]
        office = offices[roots[person.unit_id]]
        unit_duties = duties[person.unit_id]
        own: list[tuple[tpp.DayFact, list[dict[str, Any]]]] = []
        for fact in days:
            if (person.id, fact.day) in excused or rng.random() < p_absent:
                continue
            rows = _day_punches(rng, person.id, fact, p_late, office)
            own.append((fact, rows))
            punches += rows
            logs += _day_logs(rng, person.id, fact.day, unit_duties, rng.randint(lo, hi))
        if person.id == shown:
            _late_once(own)
    if sharers is not None:
        _borrowed_phone(punches, sharers, TODAY)
    _copy(session, Punch, punches)
    _tie_phones(session, punches)
    _day_records(session)
    _copy(session, WorkLog, logs)
    return {"punches": len(punches), "logs": len(logs)}


def _late_once(days: list[tuple[tpp.DayFact, list[dict[str, Any]]]]) -> None:
    """Make the first November check-in 12 minutes late unless one already is."""

    def check_in(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
        return next((row for row in rows if row["kind"] == "in"), None)

    november = [(f, check_in(rows)) for f, rows in days if f.day.month == MONTH]
    if any(row and f.expected and row["at"] > f.expected.start for f, row in november):
        return
    for fact, row in november:
        if row is not None and fact.expected is not None:
            late = (fact.expected.start + timedelta(minutes=12)).astimezone(UTC)
            row.update(at=late, device_at=late, received_at=late)
            return


def _sharers(people: list[Staff], demo: dict[str, Staff]) -> tuple[int, int] | None:
    """Two of the demo supervisor's people (not the demo staff user, whose page tells
    another story) for :func:`_borrowed_phone`."""
    head, shown = demo.get("supervisor"), demo.get("staff")
    if head is None:
        return None
    team = [
        p.id
        for p in people
        if p.supervisor_id == head.id and p.echelon is None and (shown is None or p.id != shown.id)
    ]
    return (team[0], team[1]) if len(team) > 1 else None


def _borrowed_phone(rows: list[dict[str, Any]], sharers: tuple[int, int], day: date) -> None:
    """Titip absen once, on the demo's last day: the second sharer's check-in comes from
    the first's phone a minute after the first's own, so both wait in the supervisor's
    queue, flagged as the check-in would have flagged them."""
    check_ins = {
        row["staff_id"]: row
        for row in rows
        if row["staff_id"] in sharers and row["day"] == day and row["kind"] == "in"
    }
    if len(check_ins) < 2:
        return
    owner, borrower = check_ins[sharers[0]], check_ins[sharers[1]]
    at = owner["at"] + timedelta(seconds=50)
    borrower.update(
        at=at,
        device_at=at,
        received_at=at,
        device_id=owner["device_id"],
        latitude=owner["latitude"],
        longitude=owner["longitude"],
        office_id=owner["office_id"],
    )
    for row in (owner, borrower):
        row.update(flags=[*row["flags"], SHARED_DEVICE], review="pending")
    borrower["flags"].append(OTHER_DEVICE)  # not the phone the borrower's account is tied to


def _phone_of(staff_id: int) -> str:
    """The demo person's own phone id."""
    return f"demo-hp-{staff_id}"


def _tie_phones(session: Session, rows: list[dict[str, Any]]) -> None:
    """Each person's account tied to their own phone since their first punch from it,
    as that punch would have tied it."""
    first: dict[int, tuple[datetime, str]] = {}
    for row in rows:
        own = row["device_id"] == _phone_of(row["staff_id"])
        if own and (row["staff_id"] not in first or row["at"] < first[row["staff_id"]][0]):
            first[row["staff_id"]] = (row["at"], row["device_id"])
    if first:
        session.execute(
            insert(Device),
            [
                {"staff_id": staff_id, "device_id": phone, "bound_at": at}
                for staff_id, (at, phone) in sorted(first.items())
            ],
        )


def _copy(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` with COPY: a month of a regency is ~100,000 rows, which inserts
    would take minutes to write on a busy database and COPY takes seconds."""
    if not rows:
        return
    columns = list(rows[0])
    session.flush()
    connection = session.connection()
    # The regency's schema, as the session's own statements are translated to it.
    schema = (connection.get_execution_options().get("schema_translate_map") or {}).get(None)
    table = (
        sql.Identifier(schema, model.__table__.name)
        if schema
        else sql.Identifier(model.__table__.name)
    )
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        table, sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    raw = connection.connection.driver_connection
    if raw is None:  # a live transaction always has its driver connection
        raise RuntimeError("no database connection")
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _day_punches(
    rng: random.Random, staff_id: int, fact: tpp.DayFact, p_late: float, office: Office
) -> list[dict[str, Any]]:
    if fact.expected is None:
        return []
    start, end = fact.expected.start, fact.expected.end
    if rng.random() < p_late:
        late = rng.randint(1, 30) if rng.random() < 0.75 else rng.randint(31, 100)
        at_in = start + timedelta(minutes=late, seconds=rng.randint(0, 59))
    else:
        at_in = start - timedelta(minutes=rng.randint(2, 35), seconds=rng.randint(0, 59))
    out_roll = rng.random()
    at_out: datetime | None
    if out_roll < 0.02:
        at_out = None  # forgot to check out
    elif out_roll < 0.06:
        at_out = end - timedelta(minutes=rng.randint(5, 70))
    else:
        at_out = end + timedelta(minutes=rng.randint(0, 45), seconds=rng.randint(0, 59))
    flagged = rng.random() < 0.004
    rows = []
    for kind, at in (("in", at_in), ("out", at_out)):
        if at is None:
            continue
        outside = flagged and kind == "in"
        jitter = 0.02 if outside else 0.0004
        rows.append(
            {
                "staff_id": staff_id,
                "idempotency_key": f"demo-{fact.day.isoformat()}-{kind}",
                "kind": kind,
                "source": "mobile",
                "at": at.astimezone(UTC),
                "day": fact.day,
                "device_at": at.astimezone(UTC),
                "received_at": at.astimezone(UTC),
                "latitude": round(office.latitude + rng.uniform(-jitter, jitter), 6),
                "longitude": round(office.longitude + rng.uniform(-jitter, jitter), 6),
                "accuracy_m": float(rng.randint(6, 35)),
                "device_id": _phone_of(staff_id),
                "office_id": None if outside else office.id,
                "flags": ["outside_geofence"] if outside else [],
                "review": "pending" if outside else "accepted",
                "reviewed_by": None,
            }
        )
    return rows


def _day_records(session: Session) -> None:
    """One record per person per day, as ``attendance.rebuild_day`` builds it: the first
    accepted check-in, the last accepted check-out, the count waiting for review."""
    accepted_in = and_(Punch.kind == "in", Punch.review == "accepted")
    accepted_out = and_(Punch.kind == "out", Punch.review == "accepted")
    ids = ARRAY(BigInteger)
    first_in = type_coerce(
        func.array_agg(aggregate_order_by(Punch.id, Punch.at.asc(), Punch.id.asc())).filter(
            accepted_in
        ),
        ids,
    )[1]
    last_out = type_coerce(
        func.array_agg(aggregate_order_by(Punch.id, Punch.at.desc(), Punch.id.desc())).filter(
            accepted_out
        ),
        ids,
    )[1]
    rows = select(
        Punch.staff_id,
        Punch.day,
        func.min(Punch.at).filter(accepted_in),
        first_in,
        func.max(Punch.at).filter(accepted_out),
        last_out,
        func.count().filter(Punch.review == "pending"),
    ).group_by(Punch.staff_id, Punch.day)
    session.execute(
        insert(AttendanceDay).from_select(
            [
                "staff_id",
                "day",
                "check_in",
                "check_in_punch_id",
                "check_out",
                "check_out_punch_id",
                "pending",
            ],
            rows,
        )
    )


def _day_logs(
    rng: random.Random, staff_id: int, day: date, duties: list[Duty], budget: int
) -> list[dict[str, Any]]:
    """A day's activities from 08.00, standard minutes times output, up to ``budget``."""
    rows: list[dict[str, Any]] = []
    if not duties:
        return rows
    clock = 8 * 60
    december = day >= date(2026, 12, 1)
    while budget > 0 and clock < 16 * 60:
        duty = rng.choice(duties)
        quantity = max(1, min(budget // duty.standard_minutes, rng.randint(3, 24)))
        minutes = min(duty.standard_minutes * quantity, 16 * 60 - clock)
        start = time(clock // 60, clock % 60)
        clock += minutes
        end = time(clock // 60, clock % 60) if clock < 24 * 60 else time(23, 59)
        credited = worklogs.credited_minutes(duty.standard_minutes, quantity, start, end)
        returned = not december and rng.random() < 0.01
        rows.append(
            {
                "staff_id": staff_id,
                "day": day,
                "duty_id": duty.id,
                "start_time": start,
                "end_time": end,
                "quantity": quantity,
                "minutes": credited,
                "output": f"{quantity} {duty.output_unit} selesai",
                "evidence_url": None,
                "status": "submitted" if december else ("returned" if returned else "approved"),
                "note": "Lengkapi bukti dukung" if returned else None,
                "decided_by": None if december else "demo",
                "decided_at": None if december else datetime.combine(day, time(17, 0), UTC),
            }
        )
        budget -= credited
        clock += rng.choice((0, 10, 15))
    return rows
