"""Demo data: the RPJMD 2025-2029, each OPD's Renstra and PK 2026, a year of figures.

Everything goes through the services, so the demo obeys the rules users do.
The demo's "today" is early December 2026: Q1-Q3 are entered and verified, Q4
is part-way (some OPDs have entered it, none verified yet). Figures follow each
indicator's target with a regency- and OPD-specific spread, so the dashboard
shows green, amber and red. Budgets are typed (the demo runs outside a
request, where the e-Budgeting capability is not bound).

Idempotent: a regency that already has an RPJMD is left alone.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from smartcity.toolkit import OrgUnit, User, set_member_units
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import agreements, planning, realization
from .access import APP, GRANTS, ROLE_NAMES, Actor, system_actor
from .models import Plan
from .planning import IndicatorIn, TargetIn

START, YEAR = 2025, 2026
TODAY_Q4 = date(2026, 12, 3)
OPD_KINDS = ("dinas", "badan", "inspektorat")
#: (misi, sasaran, IKU name, unit, baseline, five targets, polarity, aggregation)
REGENCY = (
    (
        "Meningkatkan kualitas sumber daya manusia",
        "Meningkatnya derajat kesehatan masyarakat",
        "Angka harapan hidup",
        "tahun",
        "71.2",
        ("71.4", "71.6", "71.8", "72.0", "72.2"),
        "positive",
        "last_value",
    ),
    (
        "Meningkatkan kualitas sumber daya manusia",
        "Meningkatnya kualitas pendidikan",
        "Rata-rata lama sekolah",
        "tahun",
        "7.6",
        ("7.7", "7.8", "7.9", "8.0", "8.1"),
        "positive",
        "last_value",
    ),
    (
        "Mewujudkan pemerintahan yang bersih dan melayani",
        "Meningkatnya akuntabilitas kinerja",
        "Nilai SAKIP",
        "nilai",
        "55",
        ("58", "61", "64", "67", "70"),
        "positive",
        "last_value",
    ),
    (
        "Mewujudkan pertumbuhan ekonomi yang inklusif",
        "Menurunnya kemiskinan",
        "Persentase penduduk miskin",
        "%",
        "11.5",
        ("11.0", "10.5", "10.0", "9.5", "9.0"),
        "negative",
        "last_value",
    ),
)
#: Each OPD's three indicators: (name, unit, polarity, aggregation, 2026 target, quarter shares)
OPD_INDICATORS = (
    ("Layanan yang diselesaikan", "layanan", "positive", "cumulative", Decimal(1200)),
    ("Persentase keluhan yang belum ditindaklanjuti", "%", "negative", "last_value", Decimal(10)),
    ("Indeks kepuasan masyarakat", "indeks", "positive", "average", Decimal(82)),
)


def _targets(value: Decimal, step: Decimal) -> list[TargetIn]:
    return [TargetIn(START + i, value + step * (i - 1)) for i in range(5)]


def seed(session: Session, region_code: str) -> dict[str, int]:
    if session.scalar(select(Plan.id).where(Plan.kind == "rpjmd").limit(1)) is not None:
        return {}
    rng = random.Random(f"sakip-{region_code}")  # noqa: S311 - demo content, not secrets
    admin = system_actor("demo")
    rpjmd = planning.create_plan(
        session,
        admin,
        kind="rpjmd",
        org_unit_id=None,
        start_year=START,
        title=f"RPJMD {START}-{START + 4}",
        vision="Daerah yang sejahtera, sehat, cerdas dan berdaya saing",
    )
    misi: dict[str, int] = {}
    sasaran_lineages = []
    for mission, aim, iku, measure, base, targets, polarity, aggregation in REGENCY:
        if mission not in misi:
            misi[mission] = planning.add_element(
                session, admin, rpjmd, kind="misi", statement=mission
            ).id
        sasaran = planning.add_element(
            session, admin, rpjmd, kind="sasaran", statement=aim, parent_id=misi[mission]
        )
        planning.add_indicator(
            session,
            admin,
            sasaran,
            IndicatorIn(
                iku,
                measure,
                Decimal(base),
                polarity=polarity,
                aggregation=aggregation,
                data_source="BPS",
                owner="Bappeda",
                iku_regency=True,
                targets=[TargetIn(START + i, Decimal(t)) for i, t in enumerate(targets)],
            ),
        )
        sasaran_lineages.append(sasaran.lineage or sasaran.id)
    planning.approve(session, admin, rpjmd)
    units = session.scalars(
        select(OrgUnit).where(OrgUnit.kind.in_(OPD_KINDS)).order_by(OrgUnit.code)
    ).all()
    made_pk = figures = 0
    for index, unit in enumerate(units):
        renstra = planning.create_plan(
            session,
            admin,
            kind="renstra",
            org_unit_id=unit.id,
            start_year=START,
            title=f"Renstra {unit.name} {START}-{START + 4}",
        )
        goal = planning.add_element(
            session,
            admin,
            renstra,
            kind="sasaran",
            statement=f"Meningkatnya kinerja layanan {unit.name}",
            serves_lineage=sasaran_lineages[index % len(sasaran_lineages)],
        )
        lineages = []
        for position, (name, unit_name, polarity, aggregation, target) in enumerate(OPD_INDICATORS):
            step = Decimal(-1) if polarity == "negative" else (target / 20).quantize(Decimal(1))
            indicator = planning.add_indicator(
                session,
                admin,
                goal,
                IndicatorIn(
                    name,
                    unit_name,
                    target - 2 * step,
                    polarity=polarity,
                    aggregation=aggregation,
                    data_source="Laporan bulanan OPD",
                    owner="Sekretaris OPD",
                    iku_opd=position != 1,
                    targets=_targets(target, step),
                ),
            )
            lineages.append((indicator.lineage or indicator.id, polarity, aggregation, target))
        planning.approve(session, admin, renstra)
        pk = agreements.create(
            session,
            admin,
            org_unit_id=unit.id,
            year=YEAR,
            official=agreements.Official(f"Kepala {unit.name}", f"Kepala {unit.name}"),
            superior=agreements.Official("Bupati", "Bupati"),
            place="Kabupaten",
        )
        for lineage, polarity, aggregation, target in lineages:
            quarters = _quarters(aggregation, polarity, target)
            pk_target = agreements.set_target(
                session,
                admin,
                pk,
                indicator_lineage=lineage,
                year_target=target,
                quarters=quarters,
            )
            agreements.add_budget(
                session,
                admin,
                pk_target,
                sub_activities=None,
                code=f"{unit.code}.2.01.{lineage % 10000:04d}",
                name=f"Peningkatan layanan {unit.name}",
                amount=Decimal(rng.randrange(150, 2500)) * Decimal(1_000_000),
            )
        agreements.sign(session, admin, pk, date(YEAR, 1, 31))
        made_pk += 1
        # A regency's OPDs perform differently: some ahead, most near target, some behind.
        skill = Decimal(str(rng.choice((0.6, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1))))
        for lineage, polarity, _aggregation, target in lineages:
            quarters = _quarters(_aggregation, polarity, target)
            for quarter in range(1, 5):
                if quarter == 4 and rng.random() < 0.5:  # part-way through Q4
                    continue
                planned = quarters[quarter - 1] or target
                noise = Decimal(str(rng.uniform(0.9, 1.1)))
                factor = (2 - skill * noise) if polarity == "negative" else skill * noise
                value = (planned * factor).quantize(Decimal("0.01"))
                month_after = date(YEAR, quarter * 3, 28) if quarter < 4 else TODAY_Q4
                figure = realization.enter(
                    session,
                    admin,
                    org_unit_id=unit.id,
                    indicator_lineage=lineage,
                    year=YEAR,
                    quarter=quarter,
                    value=max(value, Decimal(0)),
                    note="Data laporan OPD",
                    today=month_after,
                )
                figures += 1
                if quarter < 4:
                    officer = Actor("demo-officer", GRANTS["officer"], None)
                    realization.review(session, officer, figure, accept=True, note="")
    _assign_demo_users(session, list(units))
    return {"OPD Renstra": len(units), "PK": made_pk, "quarterly figures": figures}


def _assign_demo_users(session: Session, units: list[OrgUnit]) -> None:
    """The demo's OPD users (operator, officer, OPD head) act for Dinas Kesehatan."""
    if not units:
        return
    health = next((u for u in units if u.code == "1.02"), units[0])
    opd_roles = [ROLE_NAMES[key] for key in ("operator", "officer", "opd_head")]
    for user in session.scalars(select(User).where(User.roles.overlap(opd_roles))):
        set_member_units(session, user.id, APP, [health.id], actor="demo")


def _quarters(aggregation: str, polarity: str, target: Decimal) -> list[Decimal | None]:
    """Quarterly targets: a quarter each for a sum, a glide path to the year's for a level."""
    if aggregation == "cumulative":
        return [(target / 4).quantize(Decimal("0.01"))] * 4
    if polarity == "negative":
        return [target + 3, target + 2, target + 1, target]
    return [target - 3, target - 2, target - 1, target]
