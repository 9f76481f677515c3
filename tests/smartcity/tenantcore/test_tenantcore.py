"""Tenant core data: NIP rules, org units, staff, calendar, settings, audit log."""

from __future__ import annotations

from datetime import date

import pytest
from smartcity.errors import Conflict, InvalidInput
from smartcity.tenancy.names import schema_name
from smartcity.tenantcore import calendar, orgunits, settings, staff
from smartcity.tenantcore.models import AuditEntry, Staff
from smartcity.tenantcore.nip import InvalidNipError, parse_nip
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import ProgrammingError

VALID_NIP = "198609262015051001"


@pytest.mark.parametrize(
    ("nip", "status", "reason"),
    [
        ("19860926201505100", "PNS", "18 digits"),
        ("19860926201505100X", "PNS", "18 digits"),
        ("198602302015051001", "PNS", "not a real date"),
        ("198609262015131001", "PNS", "not a month"),
        ("198609262000051001", "PNS", "less than 18 years"),
        ("198609262015053001", "PNS", "sex digit"),
        ("198609262015051000", "PNS", "sequence"),
        ("198609262015211001", "PNS", "only allowed for PPPK"),
    ],
)
def test_nip_rules_explain_themselves(nip, status, reason):
    with pytest.raises(InvalidNipError, match=reason):
        parse_nip(nip, status)


def test_valid_nips():
    parsed = parse_nip(VALID_NIP, "PNS")
    assert parsed.birth_date == date(1986, 9, 26)
    assert (parsed.appointment_year, parsed.appointment_month, parsed.sex) == (2015, 5, "L")
    assert parse_nip("199001012019212002", "PPPK").sex == "P"


def _units(session, regency="33.18"):
    setda = orgunits.create_unit(
        session,
        code="4.01",
        name="Sekretariat Daerah",
        kind="sekretariat_daerah",
        regency_code=regency,
        actor="t",
    )
    bagian = orgunits.create_unit(
        session,
        code="4.01.01",
        name="Bagian Umum",
        kind="bagian",
        parent_id=setda.id,
        regency_code=regency,
        actor="t",
    )
    return setda, bagian


def test_org_unit_codes_nest_and_kecamatan_carry_their_region(provision, tenant_db):
    slug = provision()
    with tenant_db(slug) as session:
        setda, bagian = _units(session)
        with pytest.raises(InvalidInput) as caught:
            orgunits.create_unit(
                session,
                code="5.01.01",
                name="Salah",
                kind="bagian",
                parent_id=setda.id,
                regency_code="33.18",
                actor="t",
            )
        assert "must start with its parent's code 4.01." in caught.value.fields["code"]
        with pytest.raises(Conflict):
            orgunits.create_unit(
                session, code="4.01", name="Dup", kind="dinas", regency_code="33.18", actor="t"
            )
        with pytest.raises(InvalidInput) as caught:
            orgunits.create_unit(
                session,
                code="7.01",
                name="Kecamatan Pati",
                kind="kecamatan",
                region_code="35.19.01",
                regency_code="33.18",
                actor="t",
            )
        assert "region_code" in caught.value.fields
        kec = orgunits.create_unit(
            session,
            code="7.01",
            name="Kecamatan Pati",
            kind="kecamatan",
            region_code="33.18.01",
            regency_code="33.18",
            actor="t",
        )
        tree = orgunits.unit_tree(session)
        assert [(d, u.code) for d, u in tree] == [(0, "4.01"), (1, "4.01.01"), (0, "7.01")]
        assert kec.region_code == "33.18.01"
        assert bagian.parent_id == setda.id


def test_staff_rules_and_supervision(provision, tenant_db):
    slug = provision()
    with tenant_db(slug) as session:
        _, bagian = _units(session)
        head = staff.create_staff(
            session,
            actor="t",
            nip=VALID_NIP,
            name="Budi",
            status="PNS",
            golongan="IV/a",
            position="Kepala Bagian",
            position_class=12,
            echelon="III.b",
            unit_id=bagian.id,
        )
        assert head.sex == "L" and head.birth_date == date(1986, 9, 26)
        clerk = staff.create_staff(
            session,
            actor="t",
            nip="199203152019032005",
            name="Sari",
            status="pns",
            golongan="III/a",
            position="Analis",
            position_class=8,
            unit_id=bagian.id,
            supervisor_id=head.id,
        )
        assert clerk.status == "PNS" and clerk.sex == "P"
        with pytest.raises(InvalidInput) as caught:
            staff.update_staff(session, head, actor="t", supervisor_id=clerk.id)
        assert caught.value.fields == {"supervisor_id": "would make a supervision cycle"}
        with pytest.raises(InvalidInput) as caught:
            staff.create_staff(
                session,
                actor="t",
                nip="199203152019032006",
                name="X",
                status="PNS",
                golongan="V/a",
                position="Y",
                position_class=3,
                echelon="VI",
                unit_id=bagian.id,
            )
        assert set(caught.value.fields) == {"golongan", "position_class", "echelon"}
        with pytest.raises(Conflict):
            staff.create_staff(
                session,
                actor="t",
                nip=VALID_NIP,
                name="Dup",
                status="PNS",
                golongan="IV/a",
                position="Y",
                unit_id=bagian.id,
            )
        pppk = staff.create_staff(
            session,
            actor="t",
            nip="199001012019212002",
            name="Rina",
            status="PPPK",
            golongan="IX",
            position="Guru",
            unit_id=bagian.id,
        )
        assert pppk.golongan == "IX"
        with pytest.raises(Conflict, match="active staff"):
            orgunits.update_unit(
                session,
                bagian,
                name=bagian.name,
                kind="bagian",
                region_code=None,
                is_active=False,
                regency_code="33.18",
                actor="t",
            )


def test_working_days_skip_weekends_and_holidays(provision, tenant_db):
    slug = provision()
    with tenant_db(slug) as session:
        calendar.add_local_holiday(session, day=date(2026, 12, 23), name="Hari Jadi", actor="t")
        with pytest.raises(Conflict):
            calendar.add_local_holiday(session, day=date(2026, 12, 23), name="Dup", actor="t")
        cal = calendar.load_calendar(session, date(2026, 12, 1), date(2027, 1, 31))
    # Tue 22 Dec + 3 working days: (Wed 23 local holiday, Thu 24 cuti bersama, Fri 25
    # Christmas: both national, pushed at provisioning; weekend), Mon 28, Tue 29, Wed 30
    assert cal.add_working_days(date(2026, 12, 22), 3) == date(2026, 12, 30)
    assert cal.working_days_between(date(2026, 12, 22), date(2026, 12, 30)) == 3
    assert cal.add_working_days(date(2026, 12, 30), -3) == date(2026, 12, 22)
    six_day = calendar.WorkingCalendar(frozenset(range(6)), frozenset())
    assert six_day.add_working_days(date(2026, 12, 25), 1) == date(2026, 12, 26)


def test_settings_are_validated_and_audited(provision, tenant_db):
    slug = provision(region_code="76.05")  # Majene, Sulawesi Barat: WITA
    with tenant_db(slug) as session:
        assert settings.get_settings(session).timezone == "Asia/Makassar"
        with pytest.raises(InvalidInput) as caught:
            settings.update_settings(
                session,
                actor="t",
                primary_color="red",
                timezone="Europe/Paris",
                work_days=[],
                logo=b"<svg onload=alert(1)>",
            )
        assert set(caught.value.fields) == {"primary_color", "timezone", "work_days", "logo"}
        png = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
        updated = settings.update_settings(session, actor="t", primary_color="#AA0000", logo=png)
        assert (updated.primary_color, updated.logo_type) == ("#aa0000", "image/png")
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "settings.update")
        ).one()
        assert (
            entry.before["primary_color"] == "#0d6efd" and entry.after["primary_color"] == "#aa0000"
        )


def test_the_audit_log_is_append_only(provision, tenant_db):
    slug = provision()
    for statement in (
        update(AuditEntry).values(actor="x"),
        delete(AuditEntry),
        text(f"TRUNCATE {schema_name(slug)}.audit_log"),
    ):
        with pytest.raises(ProgrammingError, match="append-only"), tenant_db(slug) as session:
            session.execute(statement)
    with tenant_db(slug) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) >= 1


def test_another_tenant_sees_none_of_the_staff(provision, tenant_db):
    a, b = provision(), provision()
    with tenant_db(a) as session:
        _, bagian = _units(session)
        staff.create_staff(
            session,
            actor="t",
            nip=VALID_NIP,
            name="Budi",
            status="PNS",
            golongan="IV/a",
            position="Kepala",
            unit_id=bagian.id,
        )
    with tenant_db(b) as session:
        assert session.scalar(select(func.count()).select_from(Staff)) == 0


def test_dates_on_pages_use_the_regencys_time_zone(app, provision):
    import flask_babel
    from flask import g
    from smartcity.db import db

    slug = provision(region_code="76.05")  # Majene, Sulawesi Barat: WITA
    with app.test_request_context("/"):
        assert str(flask_babel.get_timezone()) == "Asia/Jakarta"  # the console: Bandung's WIB
    with app.test_request_context("/"):
        g.tenant = app.extensions["smartcity"].cache.by_slug(slug)
        g.db = db.session(bind=g.tenant.bind)
        try:
            assert str(flask_babel.get_timezone()) == "Asia/Makassar"
        finally:
            g.db.close()
