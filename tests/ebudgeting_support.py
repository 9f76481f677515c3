"""Shared set-up for the e-budgeting tests: a regency's OPDs, actors and a year."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from smartcity.tenantcore import orgunits
from sqlalchemy import select

from tenants.ebudgeting import ceilings, years
from tenants.ebudgeting import planning as rka
from tenants.ebudgeting.access import GRANTS, Actor, system_actor
from tenants.ebudgeting.coefficients import Factor
from tenants.ebudgeting.models import CatalogueItem

YEAR = 2026
HVS = "1.1.7.01.03.01.001"  # Kertas HVS A4, Rp 55.000 a rim, account ...0025
SNACK = "1.1.7.02.01.01.002"  # Kudapan Rapat, Rp 20.000 a box, account ...0052
SPEAKER = "SBU.01.01.001"  # Honorarium Narasumber Eselon II, Rp 1.000.000 per hour, ...0003
PAPER_ACCOUNT = "5.1.02.01.01.0025"
MEALS_ACCOUNT = "5.1.02.01.01.0052"
FEES_ACCOUNT = "5.1.02.02.01.0003"
SUB_PLANNING = "1.02.01.2.01.0001"  # Penyusunan Dokumen Perencanaan Perangkat Daerah
SUB_MOTHERS = "1.02.02.2.02.0001"  # Pengelolaan Pelayanan Kesehatan Ibu Hamil

TAPD = Actor("tapd@example.go.id", GRANTS["tapd_member"], None)
CHAIR = Actor("sekda@example.go.id", GRANTS["tapd_chair"], None)
SYSTEM = system_actor("tests")


@dataclass
class Regency:
    dinkes: int  # Dinas Kesehatan
    disdik: int  # Dinas Pendidikan
    operator: Actor  # drafts for Dinas Kesehatan
    head: Actor  # submits for Dinas Kesehatan


def make_opds(session: Any, regency_code: str = "33.18") -> Regency:
    dinkes = orgunits.create_unit(
        session,
        code="1.02.01",
        name="Dinas Kesehatan",
        kind="dinas",
        regency_code=regency_code,
        actor="tests",
    )
    disdik = orgunits.create_unit(
        session,
        code="1.01.01",
        name="Dinas Pendidikan",
        kind="dinas",
        regency_code=regency_code,
        actor="tests",
    )
    mine = frozenset({dinkes.id})
    return Regency(
        dinkes.id,
        disdik.id,
        Actor("operator@dinkes.go.id", GRANTS["opd_operator"], mine),
        Actor("kadis@dinkes.go.id", GRANTS["opd_head"], mine),
    )


def item(session: Any, code: str, year: int = YEAR) -> CatalogueItem:
    found = session.scalar(
        select(CatalogueItem).where(CatalogueItem.code == code, CatalogueItem.year == year)
    )
    assert found is not None, code
    return found


def factors(*pairs: tuple[str, str]) -> list[Factor]:
    return [Factor(Decimal(q), u) for q, u in pairs]


def budget_year(session: Any, regency: Regency, pagu: str = "500000000") -> Any:
    """A fiscal year with a pagu for Dinas Kesehatan and one sub-activity (ceiling 100 jt)."""
    fiscal_year = years.create_fiscal_year(session, YEAR, actor=TAPD)
    ceilings.set_ceiling(session, fiscal_year, regency.dinkes, Decimal(pagu), actor=TAPD)
    return fiscal_year


def sub_activity(
    session: Any,
    fiscal_year: Any,
    regency: Regency,
    code: str = SUB_PLANNING,
    ceiling: str = "100000000",
) -> Any:
    return rka.create_sub_activity(
        session,
        fiscal_year,
        org_unit_id=regency.dinkes,
        sub_kegiatan_code=code,
        output_indicator=None,
        target=Decimal(2),
        target_unit=None,
        location="Kabupaten",
        funding_source="PAD",
        ceiling=Decimal(ceiling),
        actor=regency.operator,
    )


USERS = {
    "operator@dinkes.go.id": ["ebudgeting.opd_operator"],
    "kadis@dinkes.go.id": ["ebudgeting.opd_head"],
    "tapd@example.go.id": ["ebudgeting.tapd_member"],
    "sekda@example.go.id": ["ebudgeting.tapd_chair"],
    "dprd@example.go.id": ["ebudgeting.viewer"],
}


def make_users(session: Any, registry: Any, regency: Regency, password: str) -> dict[str, int]:
    """Users for each role; the OPD ones act for Dinas Kesehatan."""
    from smartcity.tenantcore import users

    from tenants.ebudgeting import members

    ids = {}
    for email, roles in USERS.items():
        user = users.create_user(
            session,
            email=email,
            name=email.split("@")[0].title(),
            password=password,
            roles=roles,
            allowed_roles=registry.role_names(["ebudgeting"]),
            actor="tests",
        )
        ids[email] = user.id
        if email.endswith("@dinkes.go.id"):
            members.set_units(session, user.id, [regency.dinkes], actor=SYSTEM)
    return ids
