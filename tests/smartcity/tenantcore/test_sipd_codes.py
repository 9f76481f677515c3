"""SIPD's long code on org units: its shape, the SKPD / sub-unit rule, unique per regency."""

from __future__ import annotations

import pytest
from smartcity.errors import Conflict, InvalidInput, Message
from smartcity.tenantcore import orgunits, sipd_codes
from smartcity.tenantcore.models import AuditEntry, OrgUnit
from sqlalchemy import select

PATI = "33.18"
DINKES = "1.02.0.00.0.00.01.0000"


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("1.02", "like 1.02.0.00.0.00.01.0000"),
        ("1.02.0.00.0.00.01.00000", "like"),  # one digit too many
        ("1.02.0.00.0.00.01.000", "like"),
        (" 1.02.0.00.0.00.01.0000", "like"),  # parse takes the code as it is
        ("1.02.0.00.0.00.01.0000\n", "like"),
        ("1.0².0.00.0.00.01.0000", "like"),  # a superscript two is no digit here
        ("1.02.0.00.0.00.01.000\u0661", "like"),  # nor an Arabic-Indic one
        ("1.02.0.00.0.00.01.0000" + "0" * 10_000, "like"),
        ("1,02.0.00.0.00.01.0000", "like"),
        ("1.02.0.00.0.00.01 0000", "like"),
        ("0.00.0.00.0.00.01.0000", "the first urusan/bidang pair"),
        ("1.02.0.00.2.09.01.0000", "in order"),
        ("9.99.0.00.0.00.01.0000", "bidang 9.99 is not in the urusan list"),
        ("1.07.0.00.0.00.01.0000", "bidang 1.07"),  # bidang 07 is urusan 2's
        ("1.02.2.10.1.02.01.0000", "named once"),
        ("1.02.0.00.0.00.00.0000", "the unit number is 01 or more"),
    ],
)
def test_a_malformed_code_says_what_is_wrong(code, why):
    problem = sipd_codes.parse(code)
    assert isinstance(problem, Message) and why in problem


def test_a_code_taken_apart():
    code = sipd_codes.parse("2.16.2.20.2.21.01.0003")
    assert isinstance(code, sipd_codes.SipdCode)
    assert code.bidang == ("2.16", "2.20", "2.21")
    assert (code.unit_part, code.sub_unit, code.is_skpd) == ("2.16.2.20.2.21.01", "0003", False)
    assert sipd_codes.as_sub_unit("2.16.2.20.2.21.01.0003", "2.16.0.00.0.00.02") == (
        "2.16.0.00.0.00.02.0003"
    )
    # Every bidang of the eight urusan/unsur, numbered on across urusan 1-3.
    assert {"1.01", "1.06", "2.07", "2.24", "3.25", "3.32", "5.07", "7.01", "8.01"} <= (
        sipd_codes.BIDANG
    )
    assert not {"1.07", "2.06", "3.33", "4.03", "9.01"} & sipd_codes.BIDANG


def _opd(session, code="1.02", name="Dinas Kesehatan", sipd=None):
    return orgunits.create_unit(
        session,
        code=code,
        name=name,
        kind="dinas",
        sipd_code=sipd,
        regency_code=PATI,
        actor="admin",
    )


def _sub(session, parent, code, name, sipd=None, *, kind="uptd"):
    return orgunits.create_unit(
        session,
        code=code,
        name=name,
        kind=kind,
        parent_id=parent.id,
        sipd_code=sipd,
        regency_code=PATI,
        actor="admin",
    )


def _update(session, unit, sipd):
    return orgunits.update_unit(
        session,
        unit,
        name=unit.name,
        kind=unit.kind,
        region_code=unit.region_code,
        is_active=unit.is_active,
        sipd_code=sipd,
        regency_code=PATI,
        actor="admin",
    )


def test_an_opd_and_its_sub_units_carry_sipd_codes(provision, tenant_db):
    slug = provision(region_code=PATI)
    with tenant_db(slug) as session:
        dinkes = _opd(session, sipd=f"  {DINKES} ")  # spaces around are dropped
        assert dinkes.sipd_code == DINKES
        puskesmas = _sub(session, dinkes, "1.02.01", "UPTD Puskesmas Pati I", "")
        assert puskesmas.sipd_code is None  # empty: none yet
        _update(session, puskesmas, "1.02.0.00.0.00.01.0001")
        assert puskesmas.sipd_code == "1.02.0.00.0.00.01.0001"
        # A unit below a sub-unit is SIPD's sub-unit of the same OPD.
        ruang = _sub(session, puskesmas, "1.02.01.01", "Pustu", "1.02.0.00.0.00.01.0002")
        # Renaming keeps the code (leaving it out keeps it).
        orgunits.update_unit(
            session,
            puskesmas,
            name="UPTD Puskesmas Pati Satu",
            kind="uptd",
            region_code=None,
            is_active=True,
            regency_code=PATI,
            actor="admin",
        )
        assert puskesmas.sipd_code == "1.02.0.00.0.00.01.0001"
        logged = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_id == str(puskesmas.id), AuditEntry.action == "org_unit.update"
            )
        ).all()
        assert (logged[0].before["sipd_code"], logged[0].after["sipd_code"]) == (
            None,
            "1.02.0.00.0.00.01.0001",
        )
        assert ruang.sipd_code == "1.02.0.00.0.00.01.0002"


@pytest.mark.parametrize(
    ("sipd", "why"),
    [
        ("1.02.0.00.0.00.01.0001", "an OPD's code ends in .0000"),
        ("1.02.0.00.0.00.01.²000", "like"),
        ("1.02. 0.00.0.00.01.0000", "like"),
        ("x" * 61, "like"),
    ],
)
def test_an_opd_is_refused_a_code_that_is_not_an_skpds(provision, tenant_db, sipd, why):
    slug = provision(region_code=PATI)
    with tenant_db(slug) as session, pytest.raises(InvalidInput) as caught:
        _opd(session, sipd=sipd)
    assert why in caught.value.fields["sipd_code"]


def test_a_sub_unit_shares_its_opds_unit_part(provision, tenant_db):
    slug = provision(region_code=PATI)
    with tenant_db(slug) as session:
        dinkes = _opd(session)
        # Its OPD has no code yet: SIPD knows no sub-unit without its SKPD.
        with pytest.raises(InvalidInput) as caught:
            _sub(session, dinkes, "1.02.01", "UPTD", "1.02.0.00.0.00.01.0001")
        assert "its parent unit has no SIPD code yet" in caught.value.fields["sipd_code"]
        _update(session, dinkes, DINKES)
        for sipd, why in (
            ("1.02.0.00.0.00.02.0001", "starts with its OPD's 1.02.0.00.0.00.01."),
            ("1.03.0.00.0.00.01.0001", "starts with its OPD's 1.02.0.00.0.00.01."),
            ("1.02.0.00.0.00.01.0000", "0000 is the OPD itself"),
        ):
            with pytest.raises(InvalidInput) as caught:
                _sub(session, dinkes, "1.02.01", "UPTD", sipd)
            assert why in caught.value.fields["sipd_code"], sipd
        assert session.scalar(select(OrgUnit).where(OrgUnit.code == "1.02.01")) is None


def test_a_code_is_unique_in_the_regency_but_not_across_regencies(provision, tenant_db):
    pati, other = provision(region_code=PATI), provision()
    with tenant_db(pati) as session:
        dinkes = _opd(session, sipd=DINKES)
        _sub(session, dinkes, "1.02.01", "UPTD Puskesmas I", "1.02.0.00.0.00.01.0001")
        with pytest.raises(Conflict) as caught:
            _opd(session, code="1.03", name="Dinas Lain", sipd=DINKES)
        assert caught.value.fields["sipd_code"] == "already used"
        assert "already that of Dinas Kesehatan (1.02)" in str(caught.value)
        with pytest.raises(Conflict):
            _sub(session, dinkes, "1.02.02", "UPTD Puskesmas II", "1.02.0.00.0.00.01.0001")
        # Saving a unit with its own code is no clash.
        assert _update(session, dinkes, DINKES).sipd_code == DINKES
    with tenant_db(other) as session:  # another regency numbers its own OPD
        assert (
            orgunits.create_unit(
                session,
                code="1.02",
                name="Dinas Kesehatan",
                kind="dinas",
                sipd_code=DINKES,
                regency_code=PATI,
                actor="admin",
            ).sipd_code
            == DINKES
        )


def test_sub_units_follow_their_opds_new_unit_part(provision, tenant_db):
    slug = provision(region_code=PATI)
    with tenant_db(slug) as session:
        dinkes = _opd(session, sipd=DINKES)
        first = _sub(session, dinkes, "1.02.01", "UPTD I", "1.02.0.00.0.00.01.0001")
        second = _sub(session, dinkes, "1.02.02", "UPTD II", "1.02.0.00.0.00.01.0002")
        plain = _sub(session, dinkes, "1.02.03", "Bidang P2P", kind="bidang")
        # The OPD cannot drop its code under its sub-units.
        with pytest.raises(Conflict) as caught:
            _update(session, dinkes, None)
        assert caught.value.fields["sipd_code"] == "its sub-units have codes"
        assert "1.02.0.00.0.00.01.0001, 1.02.0.00.0.00.01.0002" in str(caught.value)
        # It serves a second bidang now: its sub-units follow, keeping their numbers.
        _update(session, dinkes, "1.02.2.14.0.00.01.0000")
        assert (first.sipd_code, second.sipd_code, plain.sipd_code) == (
            "1.02.2.14.0.00.01.0001",
            "1.02.2.14.0.00.01.0002",
            None,
        )
        moved = session.scalar(
            select(AuditEntry)
            .where(AuditEntry.entity_id == str(first.id), AuditEntry.action == "org_unit.update")
            .order_by(AuditEntry.id.desc())
        )
        assert (moved.before["sipd_code"], moved.after["sipd_code"]) == (
            "1.02.0.00.0.00.01.0001",
            "1.02.2.14.0.00.01.0001",
        )
        # A sub-unit may drop its own code; then the OPD may too.
        _update(session, first, None)
        _update(session, second, "")
        assert _update(session, dinkes, None).sipd_code is None


def test_a_code_from_before_these_rules_does_not_block_a_rename(provision, tenant_db):
    """e-Budgeting let an OPD end in 0001; the unit keeps it until someone changes it."""
    slug = provision(region_code=PATI)
    with tenant_db(slug) as session:
        dinkes = _opd(session)
        dinkes.sipd_code = "1.02.0.00.0.00.01.0001"
        session.flush()
        renamed = orgunits.update_unit(
            session,
            dinkes,
            name="Dinas Kesehatan Daerah",
            kind="dinas",
            region_code=None,
            is_active=True,
            regency_code=PATI,
            actor="admin",
        )
        assert renamed.sipd_code == "1.02.0.00.0.00.01.0001"
        with pytest.raises(InvalidInput):
            _update(session, dinkes, "1.02.0.00.0.00.01.0002")
