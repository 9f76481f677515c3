"""Public services demo data: standards, complaints in every status, a quarter of SKM."""

from __future__ import annotations

from typing import Any

from smartcity.demo_data import seed_regency
from sqlalchemy import func, select

from tenants.pelayanan import complaints, ikm
from tenants.pelayanan.demo import seed
from tenants.pelayanan.models import Complaint, Service, SurveyResponse

REGENCY = "33.18"


def test_a_demo_regency_gets_standards_complaints_in_every_status_and_a_quarter_of_skm(
    provision: Any, tenant_db: Any
) -> None:
    slug = provision(apps=("pelayanan",), region_code=REGENCY)
    with tenant_db(slug) as session:
        seed_regency(session, REGENCY, slug)
    with tenant_db(slug) as session:
        made = seed(session, REGENCY)
        assert made["service standards"] >= 8 and 250 <= made["complaints"] <= 400
        assert made["survey answers"] >= 40 * 6
        assert seed(session, REGENCY) == {}  # idempotent
    with tenant_db(slug) as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == made["complaints"]
        statuses = dict(
            session.execute(select(Complaint.status, func.count()).group_by(Complaint.status)).all()
        )
        assert set(statuses) == set(complaints.STATUSES)
        kecamatan = set(session.scalars(select(Complaint.kecamatan_code).distinct()))
        assert kecamatan and all(k.startswith(REGENCY + ".") for k in kecamatan)
        assert session.scalar(select(func.count()).where(Complaint.duplicate_of_id.is_not(None)))
        rated = session.scalars(select(Complaint.rating).where(Complaint.status == "closed")).all()
        assert any(r is None for r in rated) and any(r is not None for r in rated)
        service_statuses = set(session.scalars(select(Service.status)))
        assert service_statuses == {"draft", "approved", "published"}
        oldest, newest = session.execute(
            select(func.min(SurveyResponse.answered_on), func.max(SurveyResponse.answered_on))
        ).one()
        assert 60 <= (newest - oldest).days <= 91
        answers = session.scalars(select(SurveyResponse.answers)).all()
        value = ikm.index(answers)
        assert value is not None and ikm.grade(value) in {"A", "B", "C", "D"}
        first = session.scalar(select(func.min(Complaint.submitted_at)))
        assert (complaints.now(session) - first).days >= 45
