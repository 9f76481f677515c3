"""Shifts as a puskesmas or a fire brigade works them, on the real database, in a
regency of central Indonesia (WITA): a night shift's check-in and check-out make one
day record, whichever way the punches and the roster arrive."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from smartcity.tenantcore.models import AuditEntry
from smartcity.tenantcore.settings import update_settings
from sqlalchemy import func, select

from tenants.ekinerja import attendance, machine, runs, tpp
from tenants.ekinerja.access import system_actor
from tenants.ekinerja.machine import Line, record_lines
from tenants.ekinerja.models import AttendanceDay, Punch, ShiftAssignment
from tenants.ekinerja.rules import TppRules
from tests.support.audit_words import audit_page, humanised_on
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


def test_a_fire_brigades_24_hour_shift_is_one_day(client, kab, tenant_db):
    """08.00 to 08.00 the next morning: the day on duty of a Damkar crew."""
    saved = put_shift(client, kab, D, "08:00", "08:00")
    assert saved.status_code == 200, saved.get_json()
    with tenant_db(kab.slug) as s:
        attendance.record_punch(
            s, kab.ids["worker"], phone("in", "a"), source="mobile", now=at(D, 7, 55)
        )
    with tenant_db(kab.slug) as s:
        attendance.record_punch(
            s, kab.ids["worker"], phone("out", "b"), source="mobile", now=at(NEXT, 7, 30)
        )
    duty = fact(tenant_db, kab, D)
    assert duty.expected.end == at(NEXT, 8, 0)
    assert cut(duty) == {("early", 30)}


def test_a_night_then_a_day_shift_but_never_two_at_once(client, kab, tenant_db):
    assert put_shift(client, kab, D, "21:00", "07:00").status_code == 200
    clash = put_shift(client, kab, NEXT, "06:00", "14:00")
    assert clash.status_code == 409
    error = clash.get_json()["error"]
    assert error["fields"] == {"start": "overlaps"}
    assert "21.00-07.00" in error["message"] and "bertumpang tindih" in error["localized"]
    # The day before, too: 24 hours from 22.00 on the 9th run into the 10th's night.
    assert put_shift(client, kab, D - timedelta(days=1), "20:00", "22:00").status_code == 200
    assert put_shift(client, kab, D - timedelta(days=1), "22:00", "22:00").status_code == 409
    # Straight from the night into the day shift: the check-out at 07.05 ends the night,
    # the check-in at 06.58 starts the day.
    assert put_shift(client, kab, NEXT, "07:00", "14:00").status_code == 200
    with tenant_db(kab.slug) as s:
        for kind, key, when in (
            ("in", "a", at(D, 20, 55)),
            ("in", "b", at(NEXT, 6, 58)),
            ("out", "c", at(NEXT, 7, 5)),
            ("out", "d", at(NEXT, 14, 2)),
        ):
            attendance.record_punch(
                s, kab.ids["worker"], phone(kind, key), source="mobile", now=when
            )
    assert cut(fact(tenant_db, kab, D)) == set()
    assert cut(fact(tenant_db, kab, NEXT)) == set()


def test_shift_days_the_calendar_holds(client, kab, tenant_db):
    """A leap day's night ends on 1 March; a year the calendar cannot hold is refused
    (422), not a server error."""
    leap = date(2028, 2, 29)
    assert put_shift(client, kab, leap, "21:00", "07:00").status_code == 200
    with tenant_db(kab.slug) as s:
        hours = runs.ExpectedHours(s, leap, leap, [kab.ids["worker"]])
        assert hours(kab.ids["worker"], kab.ids["dinkes"], leap).end == at(date(2028, 3, 1), 7, 0)
    for day in ("9999-12-31", "0001-01-01", "1999-12-31"):
        refused = put_shift(client, kab, day, "21:00", "07:00")
        assert refused.status_code == 422, (day, refused.get_json())
        assert refused.get_json()["error"]["fields"] == {"day": "a year from 2000 to 2100"}
    with tenant_db(kab.slug) as s:
        assert s.scalar(select(func.count()).select_from(ShiftAssignment)) == 1


def test_a_machine_without_state_keys_reads_a_night_shift_by_the_roster(client, kab, tenant_db):
    """The puskesmas' machine writes 255 for every punch: its 20.55 is the night's
    check-in and 07.05 the next morning its check-out (not the other way round by the
    time of day), while a day worker's punches keep the noon rule."""
    assert put_shift(client, kab, D, "21:00", "07:00").status_code == 200
    content = (
        f"101\t{D} 20:55:00\t1\t255\t0\n"
        f"101\t{NEXT} 07:05:00\t1\t255\t0\n"
        f"102\t{D} 07:25:00\t1\t255\t0\n"
        f"102\t{D} 16:05:00\t1\t255\t0\n"
    ).encode()
    lines = [ln for ln in machine.read("attlog.dat", content) if isinstance(ln, Line)]
    who = {"101": kab.ids["worker"], "102": kab.ids["head"]}
    with tenant_db(kab.slug) as s:
        assert record_lines(s, [(ln, who[ln.user_id]) for ln in lines], now=at(NEXT, 9, 0)) == 4
        kinds = dict(
            s.execute(select(Punch.at, Punch.kind).where(Punch.staff_id == who["101"])).all()
        )
        assert kinds == {at(D, 20, 55): "in", at(NEXT, 7, 5): "out"}
    assert cut(fact(tenant_db, kab, D)) == set()
    head = fact(tenant_db, kab, D, who="head")
    assert head.check_in == at(D, 7, 25) and head.check_out == at(D, 16, 5)
    # Applied again (the same file, or the next week's overlapping it): nothing new.
    with tenant_db(kab.slug) as s:
        assert record_lines(s, [(ln, who[ln.user_id]) for ln in lines], now=at(NEXT, 9, 0)) == 0


FRIDAY = date(2026, 11, 13)
SATURDAY = FRIDAY + timedelta(days=1)  # a day off for the unit's office hours
WEB_ADDRESS = "10.20.3.4"


def night_punch(kab, tenant_db, source, kind, when):
    """A punch of the worker's by ``source``, as the phone, the office's web page or
    the fingerprint machine's file (with its in/out state) records it."""
    with tenant_db(kab.slug) as s:
        if source == "machine":
            state = "0" if kind == "in" else "1"
            content = f"101\t{when:%Y-%m-%d %H:%M}:00\t1\t{state}\t0\n".encode()
            (line,) = [ln for ln in machine.read("attlog.dat", content) if isinstance(ln, Line)]
            record_lines(s, [(line, kab.ids["worker"])], now=when + timedelta(hours=3))
        elif source == "web":
            attendance.record_punch(
                s,
                kab.ids["worker"],
                attendance.PunchIn(kind, f"web-{kind}"),
                source="web",
                now=when,
                remote_addr=WEB_ADDRESS,
            )
        else:
            attendance.record_punch(
                s, kab.ids["worker"], phone(kind, f"hp-{kind}"), source="mobile", now=when
            )


@pytest.mark.parametrize("source", ["mobile", "web", "machine"])
def test_a_night_shifts_late_check_in_after_midnight_is_the_nights(client, kab, tenant_db, source):
    """Friday's night shift from 22.00; the nurse checks in late at 00.20 on Saturday:
    Friday's shift is 140 minutes late (not missing its check-in), Saturday gets no
    stray check-in, and the TPP statement charges the lateness to Friday."""
    assert (
        client.patch(
            f"{kab.api}/settings",
            json={"settings": {"web_networks": ["10.20.0.0/16"]}},
            headers=kab.tokens["bkpsdm"],
        ).status_code
        == 200
    )
    assert put_shift(client, kab, FRIDAY, "22:00", "07:00").status_code == 200
    night_punch(kab, tenant_db, source, "in", at(SATURDAY, 0, 20))
    night_punch(kab, tenant_db, source, "out", at(SATURDAY, 7, 5))
    with tenant_db(kab.slug) as s:
        assert set(s.scalars(select(Punch.day))) == {FRIDAY}
        assert s.scalar(select(AttendanceDay).where(AttendanceDay.day == SATURDAY)) is None
    night = fact(tenant_db, kab, FRIDAY)
    assert night.check_in == at(SATURDAY, 0, 20)
    assert cut(night) == {("late", 140)}
    with tenant_db(kab.slug) as s:
        runs.compute_month(s, system_actor("tests"), 2026, 11, today=date(2026, 12, 10))
    got = client.get(
        f"{kab.api}/tpp/2026/11/staff/{kab.ids['worker']}", headers=kab.tokens["admin-dinkes"]
    )
    assert got.status_code == 200, got.get_json()
    lines = got.get_json()["lines"]
    (late,) = [ln for ln in lines if ln["day"] == str(FRIDAY)]
    assert (late["component"], late["minutes"]) == ("late", 140)
    assert not [ln for ln in lines if ln["day"] == str(SATURDAY)]


def test_a_roster_entered_after_a_late_night_moves_its_check_in_to_the_night(
    client, kab, tenant_db
):
    """The punches came first (00.20 read as Saturday's check-in), the roster after:
    setting Friday's night moves both punches to Friday; a day worker's Saturday
    punches, with no shift around them, stay where they were."""
    night_punch(kab, tenant_db, "mobile", "in", at(SATURDAY, 0, 20))
    night_punch(kab, tenant_db, "mobile", "out", at(SATURDAY, 7, 5))
    with tenant_db(kab.slug) as s:
        assert set(s.scalars(select(Punch.day))) == {SATURDAY}
    assert put_shift(client, kab, FRIDAY, "22:00", "07:00").status_code == 200
    with tenant_db(kab.slug) as s:
        assert set(s.scalars(select(Punch.day))) == {FRIDAY}
        after = s.scalar(select(AttendanceDay).where(AttendanceDay.day == SATURDAY))
        assert after is None or (after.check_in, after.check_out) == (None, None)
    assert cut(fact(tenant_db, kab, FRIDAY)) == {("late", 140)}


def test_setting_changing_and_removing_a_shift_are_each_audited(
    client, kab, tenant_db, page_sign_in
):
    """A shift decides what lateness is measured against, so the log says who set
    which hours and what they were before, in Indonesian on the regency's log."""
    assert put_shift(client, kab, D, "22:00", "07:00").status_code == 200
    assert put_shift(client, kab, D, "22:00", "07:00").status_code == 200  # saved again
    assert put_shift(client, kab, D, "21:00", "07:00").status_code == 200
    with tenant_db(kab.slug) as s:
        shift_id = s.scalar(select(ShiftAssignment.id))
    removed = client.delete(f"{kab.api}/shifts/{shift_id}", headers=kab.tokens["admin-dinkes"])
    assert removed.status_code == 200
    with tenant_db(kab.slug) as s:
        entries = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.like("ekinerja.shift%"))
            .order_by(AuditEntry.id)
        ).all()
        assert [(e.action, e.actor, e.entity_id) for e in entries] == [
            (action, "admin-dinkes@example.go.id", str(kab.ids["worker"]))
            for action in ("ekinerja.shift", "ekinerja.shift_edit", "ekinerja.shift_remove")
        ]
        night = {"day": str(D), "start": "22:00", "end": "07:00"}
        earlier = {"day": str(D), "start": "21:00", "end": "07:00"}
        assert [(e.before, e.after) for e in entries] == [
            (None, night),
            (night, earlier),
            (earlier, None),
        ]
    page = audit_page(page_sign_in(kab.slug), kab.slug)
    assert "Jadwal sif ditetapkan" in page and "Jadwal sif diubah" in page
    assert humanised_on(page, "ekinerja.shift", "ekinerja.shift_edit") == []


@pytest.mark.parametrize(
    ("handover", "cuts"),
    [
        # One punch at the handover: the end of the first duty and the start of the next.
        (["08:03"], (set(), {("late", 3)})),
        # Two: the first closes the first duty, the second opens the next.
        (["07:58", "08:04"], ({("early", 2)}, {("late", 4)})),
    ],
)
def test_back_to_back_24_hour_duties_on_a_machine_without_state_keys(
    client, kab, tenant_db, handover, cuts
):
    """A Damkar crew member on duty 08.00 to 08.00 two days running, on a machine that
    writes 255 for every punch: the punch at 08.00 is both the end of one duty and the
    start of the next, and neither duty is cut for a missing check-in or check-out."""
    third = NEXT + timedelta(days=1)
    first_day, second_day = cuts
    assert put_shift(client, kab, D, "08:00", "08:00").status_code == 200
    assert put_shift(client, kab, NEXT, "08:00", "08:00").status_code == 200
    clocks = [f"{D} 07:55", *(f"{NEXT} {clock}" for clock in handover), f"{third} 08:02"]
    content = "".join(f"101\t{clock}:00\t1\t255\t0\n" for clock in clocks).encode()
    lines = [(ln, kab.ids["worker"]) for ln in machine.read("attlog.dat", content)]
    with tenant_db(kab.slug) as s:
        assert record_lines(s, lines, now=at(third, 9, 0)) == len(clocks)
    assert cut(fact(tenant_db, kab, D)) == first_day
    assert cut(fact(tenant_db, kab, NEXT)) == second_day
    # Applied again (or a later file overlapping it): nothing new, nothing moves.
    with tenant_db(kab.slug) as s:
        assert record_lines(s, lines, now=at(third, 9, 0)) == 0
        assert s.scalar(select(func.count()).select_from(Punch)) == 4
    assert cut(fact(tenant_db, kab, NEXT)) == second_day


@pytest.mark.parametrize(("kind", "clock"), [("out", "07:05"), ("in", "00:20")])
def test_an_objection_corrects_a_night_shifts_morning_punch_on_the_morning(
    client, kab, tenant_db, kind, clock
):
    """Friday's night shift, one of its punches missed. The unit admin accepts the
    nurse's objection with the time she really punched: 07.05 (or 00.20) is Saturday
    morning's, not Friday's. Put on Friday, the check-out came before the check-in
    (refused as a typo) and the 00.20 check-in read as 22 hours early."""
    assert put_shift(client, kab, FRIDAY, "22:00", "07:00").status_code == 200
    other = "in" if kind == "out" else "out"
    night_punch(
        kab, tenant_db, "mobile", other, at(FRIDAY, 21, 55) if other == "in" else at(SATURDAY, 7, 5)
    )
    with tenant_db(kab.slug) as s:
        runs.compute_month(s, system_actor("tests"), 2026, 11, today=date(2026, 12, 1))
    api, tokens = kab.api, kab.tokens
    statement = client.get(f"{api}/tpp/2026/11", headers=tokens["pegawai"]).get_json()
    (missing,) = [ln for ln in statement["lines"] if ln["day"] == str(FRIDAY)]
    assert missing["component"] == f"missing_{kind}"
    objection = client.post(
        f"{api}/tpp/2026/11/objections",
        json={"line_id": missing["id"], "reason": "Ponsel mati, saya hadir"},
        headers=tokens["pegawai"],
    )
    assert objection.status_code == 201, objection.get_json()
    decision = client.post(
        f"{api}/objections/{objection.get_json()['id']}/decision",
        json={
            "accept": True,
            "note": "Sesuai laporan jaga",
            "correction": {"kind": "punch", "day": str(FRIDAY), f"check_{kind}": clock},
        },
        headers=tokens["admin-dinkes"],
    )
    assert decision.status_code == 200, decision.get_json()
    hour, minute = (int(part) for part in clock.split(":"))
    night = fact(tenant_db, kab, FRIDAY)
    assert getattr(night, f"check_{kind}") == at(SATURDAY, hour, minute)
    expected = {("late", 140)} if kind == "in" else set()
    assert cut(night) == expected
