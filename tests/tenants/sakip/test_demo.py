"""SAKIP demo data: a full year part-way through Q4, through the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from smartcity.demo_data import seed_regency
from sqlalchemy import func, select

from tenants.sakip import agreements, planning, realization
from tenants.sakip.demo import seed
from tenants.sakip.models import Agreement, Realization


def test_a_demo_regency_gets_a_year_of_sakip(provision: Any, tenant_db: Any) -> None:
    slug = provision(apps=("sakip",), region_code="33.18")
    with tenant_db(slug) as session:
        seed_regency(session, "33.18", slug)
    with tenant_db(slug) as session:
        made = seed(session, "33.18")
        assert made["PK"] >= 10 and made["quarterly figures"] > made["PK"] * 9
        assert seed(session, "33.18") == {}  # idempotent
    with tenant_db(slug) as session:
        assert session.scalar(select(func.count()).select_from(Agreement)) == made["PK"]
        statuses = dict(
            session.execute(
                select(Realization.quarter, func.count()).group_by(Realization.quarter)
            ).all()
        )
        assert statuses[3] > statuses[4] > 0  # part-way through Q4
        unverified = session.scalars(
            select(Realization.quarter).where(Realization.status != "verified")
        ).all()
        assert set(unverified) == {4}
        nodes = planning.tree(session, 2025)
        assert any(n.crosscutting for n in nodes)
        pk = session.scalars(select(Agreement)).first()
        scores = realization.scores(session, pk, 3)
        assert all(s.to_date.percent is not None for s in scores)
        assert agreements.budgets(session, [scores[0].target.id])[scores[0].target.id][0].amount > 0
        bands = set()
        for agreement in session.scalars(select(Agreement)):
            bands |= {s.band for s in realization.scores(session, agreement, 3)}
        assert {"green", "red"} <= bands
        assert all(s.year.percent is None or s.year.percent >= Decimal(0) for s in scores)
