"""Shared set-up for the e-budgeting tests: a regency's OPDs, actors and a year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from smartcity.errors import Conflict, Forbidden
from smartcity.tenantcore import orgunits
from sqlalchemy import select

from tenants.ebudgeting import ceilings, kua_ppas, review, stages, years
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


# --------------------------------------------------------------------- shared set-ups


def paper_line(session, sub, opds, rims="10"):
    return rka.add_line(
        session,
        sub.id,
        catalogue_item_id=item(session, HVS).id,
        account_code=PAPER_ACCOUNT,
        factors=factors((rims, "rim")),
        actor=opds.operator,
    )


def lock_all(session, fiscal_year, opds):
    review.transition_opd(session, fiscal_year, opds.dinkes, "submit", note=None, actor=opds.head)
    review.transition_opd(session, fiscal_year, opds.dinkes, "lock", note=None, actor=CHAIR)


def budget_through_dpa(session, opds):
    fiscal_year = budget_year(session, opds)
    planning = sub_activity(session, fiscal_year, opds)
    mothers = sub_activity(session, fiscal_year, opds, code=SUB_MOTHERS)
    paper = paper_line(session, planning, opds, "20")  # 1.100.000
    snack = rka.add_line(
        session,
        planning.id,
        catalogue_item_id=item(session, SNACK).id,
        account_code=MEALS_ACCOUNT,
        factors=factors(("25", "orang"), ("4", "kali")),
        actor=opds.operator,
    )  # 2.000.000
    speaker = rka.add_line(
        session,
        mothers.id,
        catalogue_item_id=item(session, SPEAKER).id,
        account_code=FEES_ACCOUNT,
        factors=factors(("1", "orang"), ("3", "jam")),
        unit_price=Decimal(900000),
        actor=opds.operator,
    )  # 2.700.000
    lock_all(session, fiscal_year, opds)
    with pytest.raises(Conflict, match="next stage of 2026 is RKA, not APBD"):
        stages.take_snapshot(
            session, fiscal_year, "apbd", document=stage_document("apbd"), actor=CHAIR
        )
    with pytest.raises(Forbidden):
        stages.take_snapshot(
            session, fiscal_year, "rka", document=stage_document("rka"), actor=TAPD
        )
    with pytest.raises(Conflict, match="KUA-PPAS 2026 is not agreed yet"):
        stages.take_snapshot(
            session, fiscal_year, "rka", document=stage_document("rka"), actor=CHAIR
        )
    agree_kua_ppas(session, fiscal_year)
    rka_snap = stages.take_snapshot(
        session, fiscal_year, "rka", document=stage_document("rka"), actor=CHAIR
    )
    assert (rka_snap.total, rka_snap.line_count) == (Decimal("5800000.00"), 3)
    # The legislature cuts the paper: TAPD reopens, the OPD changes it, TAPD locks again.
    review.transition(
        session, planning.id, "reopen", note="Pemangkasan oleh Banggar DPRD", actor=CHAIR
    )
    with pytest.raises(Conflict, match="1 sub-activities are not locked"):
        stages.take_snapshot(
            session, fiscal_year, "apbd", document=stage_document("apbd"), actor=CHAIR
        )
    rka.update_line(session, paper, factors=factors(("12", "rim")), actor=opds.operator)
    review.transition(session, planning.id, "submit", note=None, actor=opds.head)
    review.transition(session, planning.id, "lock", note=None, actor=CHAIR)
    stages.take_snapshot(session, fiscal_year, "apbd", document=stage_document("apbd"), actor=CHAIR)
    stages.take_snapshot(session, fiscal_year, "dpa", document=stage_document("dpa"), actor=CHAIR)
    return fiscal_year, planning, mothers, paper, snack, speaker


def payments_csv(rows):
    header = "nomor_sp2d,tanggal,kode_opd,kode_sub_kegiatan,kode_rekening,nilai,uraian\n"
    return (header + "\n".join(rows) + "\n").encode()


def agree_kua_ppas(session: Any, fiscal_year: Any, actor: Any = CHAIR) -> Any:
    """The KUA-PPAS agreement the RKA waits for, on the ceilings set so far."""
    return kua_ppas.agree(
        session,
        fiscal_year,
        f"900/1/KUA-PPAS/{fiscal_year.year - 1}",
        date(fiscal_year.year - 1, 8, 1),
        actor=actor,
    )


def stage_document(stage: str, year: int = YEAR) -> stages.StageDocument:
    """The document a test takes ``stage`` on (dated 2 January of the year)."""
    return stages.document_for(stage, year, date(year, 1, 2))
