"""Shared set-up for the SAKIP tests: OPDs, an approved RPJMD and Renstra, users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from smartcity.tenantcore import memberships, orgunits, users
from smartcity.tenantcore.models import TenantSettings
from sqlalchemy import select

from tenants.pelayanan import complaints, standards
from tenants.pelayanan.access import GRANTS as PELAYANAN_GRANTS
from tenants.pelayanan.access import Actor as PelayananActor
from tenants.pelayanan.models import SurveyResponse
from tenants.sakip import agreements, planning
from tenants.sakip.access import GRANTS, Actor, system_actor
from tenants.sakip.planning import IndicatorIn, TargetIn
from tests.pelayanan_support import consulted, submission

START = 2025
YEAR = 2026
ADMIN = Actor("bappeda@example.go.id", GRANTS["coordinator"], None)
SYSTEM = system_actor("tests")


@dataclass
class Regency:
    dinkes: int
    disdik: int
    operator: Actor  # enters for Dinas Kesehatan
    rpjmd_sasaran: int  # lineage of the RPJMD sasaran both OPDs serve
    rpjmd_indicator: int
    dinkes_indicator: int  # lineage of the Dinkes Renstra indicator (positive, cumulative)
    dinkes_negative: int  # lineage of a negative, last-value indicator
    renstra_id: int


def five(values: list[str], start: int = START) -> list[TargetIn]:
    return [TargetIn(start + i, Decimal(v)) for i, v in enumerate(values)]


def make_regency(session: Any, regency_code: str = "33.18") -> Regency:
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
    rpjmd = planning.create_plan(
        session,
        ADMIN,
        kind="rpjmd",
        org_unit_id=None,
        start_year=START,
        title="RPJMD 2025-2029",
        vision="Kabupaten yang sehat dan cerdas",
    )
    misi = planning.add_element(session, ADMIN, rpjmd, kind="misi", statement="Meningkatkan SDM")
    sasaran = planning.add_element(
        session,
        ADMIN,
        rpjmd,
        kind="sasaran",
        statement="Meningkatnya derajat kesehatan",
        parent_id=misi.id,
    )
    ikd = planning.add_indicator(
        session,
        ADMIN,
        sasaran,
        IndicatorIn(
            "Angka harapan hidup",
            "tahun",
            Decimal("71.2"),
            iku_regency=True,
            targets=five(["71.4", "71.6", "71.8", "72.0", "72.2"]),
        ),
    )
    planning.approve(session, ADMIN, rpjmd)
    renstra = planning.create_plan(
        session,
        ADMIN,
        kind="renstra",
        org_unit_id=dinkes.id,
        start_year=START,
        title="Renstra Dinas Kesehatan 2025-2029",
    )
    opd_sasaran = planning.add_element(
        session,
        ADMIN,
        renstra,
        kind="sasaran",
        statement="Meningkatnya cakupan imunisasi",
        serves_lineage=sasaran.lineage,
    )
    coverage = planning.add_indicator(
        session,
        ADMIN,
        opd_sasaran,
        IndicatorIn(
            "Bayi diimunisasi lengkap",
            "bayi",
            Decimal(900),
            iku_opd=True,
            data_source="Register imunisasi puskesmas",
            formula_text="jumlah bayi",
            owner="Kabid P2P",
            targets=five(["1000", "1000", "1100", "1100", "1200"]),
        ),
    )
    stunting = planning.add_indicator(
        session,
        ADMIN,
        opd_sasaran,
        IndicatorIn(
            "Prevalensi stunting",
            "%",
            Decimal(20),
            polarity="negative",
            aggregation="last_value",
            targets=five(["18", "16", "14", "12", "10"]),
        ),
    )
    planning.approve(session, ADMIN, renstra)
    disdik_renstra = planning.create_plan(
        session,
        ADMIN,
        kind="renstra",
        org_unit_id=disdik.id,
        start_year=START,
        title="Renstra Dinas Pendidikan 2025-2029",
    )
    school_health = planning.add_element(
        session,
        ADMIN,
        disdik_renstra,
        kind="sasaran",
        statement="Sekolah sehat",
        serves_lineage=sasaran.lineage,
    )
    planning.add_indicator(
        session,
        ADMIN,
        school_health,
        IndicatorIn(
            "Sekolah dengan UKS aktif", "sekolah", targets=five(["10", "20", "30", "40", "50"])
        ),
    )
    planning.approve(session, ADMIN, disdik_renstra)
    return Regency(
        dinkes.id,
        disdik.id,
        Actor("operator@dinkes.go.id", GRANTS["operator"], frozenset({dinkes.id})),
        sasaran.lineage or sasaran.id,
        ikd.lineage or ikd.id,
        coverage.lineage or coverage.id,
        stunting.lineage or stunting.id,
        renstra.id,
    )


USERS = {
    "operator@dinkes.go.id": "sakip.operator",
    "officer@dinkes.go.id": "sakip.officer",
    "kadis@dinkes.go.id": "sakip.opd_head",
    "bappeda@example.go.id": "sakip.coordinator",
    "viewer@example.go.id": "sakip.viewer",
}


def make_users(
    session: Any, registry: Any, regency: Regency, password: str, apps: tuple[str, ...]
) -> dict[str, int]:
    ids = {}
    for email, role in USERS.items():
        user = users.create_user(
            session,
            email=email,
            name=email.split("@")[0].title(),
            password=password,
            roles=[role],
            allowed_roles=registry.role_names(list(apps)),
            actor="tests",
        )
        ids[email] = user.id
        if email.endswith("@dinkes.go.id"):
            memberships.set_units(session, user.id, "sakip", [regency.dinkes], actor="tests")
    return ids


def today_in(session: Any) -> date:
    """Today in the regency's own time zone (what its pages and cutoffs use)."""
    zone = session.scalar(select(TenantSettings.timezone))
    return datetime.now(ZoneInfo(zone)).date()


def signed_pk(session: Any, regency: Regency, year: int) -> Any:
    """Dinas Kesehatan's PK of ``year``, signed: both its Renstra indicators as targets."""
    pk = agreements.create(
        session,
        ADMIN,
        org_unit_id=regency.dinkes,
        year=year,
        official=agreements.Official("dr. Sri", "Kepala Dinas Kesehatan"),
        superior=agreements.Official("H. Bupati", "Bupati"),
        place="Pati",
    )
    for lineage, target in ((regency.dinkes_indicator, 1000), (regency.dinkes_negative, 16)):
        agreements.set_target(
            session,
            ADMIN,
            pk,
            indicator_lineage=lineage,
            year_target=Decimal(target),
            quarters=[None] * 4,
        )
    agreements.sign(session, Actor("kadis", GRANTS["opd_head"], None), pk, date(year, 1, 15))
    return pk


@dataclass
class PublicServices:
    dinkes_service: int  # Surat Keterangan Sehat (Dinas Kesehatan), published
    disdik_service: int  # Legalisir Ijazah (Dinas Pendidikan), published


def public_services(session: Any, regency: Regency, region_code: str, on: date) -> PublicServices:
    """Pelayanan Publik beside SAKIP: a published service of each OPD; for Dinas
    Kesehatan's, two SKM answers on ``on`` (index 81.94, grade B) and a complaint
    answered for good."""
    editor = PelayananActor("editor@dinkes.go.id", PELAYANAN_GRANTS["standards_editor"], None)
    head = PelayananActor("kadis@dinkes.go.id", PELAYANAN_GRANTS["opd_head"], None)
    made = []
    for unit, name in (
        (regency.dinkes, "Surat Keterangan Sehat"),
        (regency.disdik, "Legalisir Ijazah"),
    ):
        service = standards.create(
            session,
            editor,
            org_unit_id=unit,
            name=name,
            components={k: f"Uraian {k}" for k in standards.COMPONENTS},
            promised_days=3,
        )
        consulted(session, head, service)
        standards.publish(session, head, service)
        made.append(service.id)
    for answers in ([4, 4, 4, 4, 3, 3, 3, 3, 3], [3, 3, 3, 3, 3, 3, 3, 3, 4]):
        session.add(SurveyResponse(service_id=made[0], answered_on=on, answers=answers))
    complaint, _code = complaints.submit(
        session,
        submission(service_id=made[0], kecamatan_code=None),
        [],
        regency_code=region_code,
        channel="web",
    )
    coordinator = PelayananActor("koordinator", PELAYANAN_GRANTS["coordinator"], None)
    (row,) = complaints.dispatch(session, coordinator, complaint, [regency.dinkes], "Mohon")
    liaison = PelayananActor(
        "liaison", PELAYANAN_GRANTS["opd_liaison"], frozenset({regency.dinkes})
    )
    complaints.respond(session, liaison, row, "Sudah diselesaikan", final=True)
    session.flush()
    return PublicServices(made[0], made[1])
