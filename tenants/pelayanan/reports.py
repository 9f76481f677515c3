"""The service-standard poster (PDF under the regency's letterhead) and the SKM report.

The poster is what an office hangs up: the service's fourteen components as a
two-column table, only for a published standard. The SKM report gives the nine
element means, the index and the grade per service for a period
(PermenPANRB 14/2017), computed by the pure functions in ``ikm``.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field
from smartcity.toolkit import (
    Column,
    InvalidInput,
    JobContext,
    OrgUnit,
    Report,
    ReportDocument,
    ReportFormat,
    ReportParams,
    Section,
    regency_url,
)
from sqlalchemy import select

from . import ikm
from .access import VIEW
from .messages import M
from .models import Service, SurveyResponse
from .poster import PosterDocument, render_poster
from .standards import COMPONENTS


class PosterParams(ReportParams):
    service_id: int = Field(ge=1, le=2**63 - 1, title="Service")


def build_poster(ctx: JobContext, params: PosterParams) -> ReportDocument:
    service = ctx.session.get(Service, params.service_id)
    if service is None or service.status != "published":
        raise InvalidInput(M("only a published standard has a poster"), {"service_id": "unknown"})
    opd = ctx.session.get_one(OrgUnit, service.org_unit_id)
    survey_url = regency_url(ctx.tenant.slug, f"/p/pelayanan/services/{service.id}/survey")
    rows = [
        (number, label, service.components.get(key, ""))
        for number, (key, label) in enumerate(COMPONENTS.items(), start=1)
    ]
    return PosterDocument(
        title=f"Standar Pelayanan: {service.name}",
        parameters=[("OPD", opd.name)],
        sections=[
            Section(
                "Komponen",
                [Column("No", kind="int"), Column("Komponen"), Column("Uraian")],
                rows,
            )
        ],
        survey_url=survey_url,
    )


class SurveyParams(ReportParams):
    start: date = Field(title="From")
    end: date = Field(title="To")


def build_survey(ctx: JobContext, params: SurveyParams) -> ReportDocument:
    if params.end < params.start:
        raise InvalidInput(M("the period ends before it starts"), {"end": "after start"})
    answers: dict[int, list[list[int]]] = {}
    for service_id, row in ctx.session.execute(
        select(SurveyResponse.service_id, SurveyResponse.answers).where(
            SurveyResponse.answered_on.between(params.start, params.end)
        )
    ):
        answers.setdefault(service_id, []).append(list(row))
    found = ctx.session.execute(select(Service.id, Service.name).where(Service.id.in_(answers)))
    names = dict(found.all())
    rows = []
    for number, service_id in enumerate(sorted(answers, key=lambda s: names.get(s, "")), 1):
        responses = answers[service_id]
        value = ikm.index(responses)
        rows.append(
            (number, names.get(service_id, ""), len(responses), str(value), ikm.grade(value) or "")
        )
    everyone = [r for rs in answers.values() for r in rs]
    overall = ikm.index(everyone)
    return ReportDocument(
        title="Survei Kepuasan Masyarakat (IKM)",
        parameters=[
            ("Periode", f"{params.start.isoformat()} - {params.end.isoformat()}"),
            ("IKM", f"{overall} ({ikm.grade(overall)})" if overall is not None else "-"),
        ],
        sections=[
            Section(
                "Per layanan",
                [
                    Column("No", kind="int"),
                    Column("Layanan"),
                    Column("Responden", kind="int"),
                    Column("IKM"),
                    Column("Mutu"),
                ],
                rows,
            )
        ],
    )


poster = Report(
    name="pelayanan_poster",
    title="Poster standar pelayanan",
    params=PosterParams,
    build=build_poster,
    formats=(ReportFormat.PDF,),
    permission=VIEW,
    app="pelayanan",
    renderers={ReportFormat.PDF: render_poster},
)
survey = Report(
    name="pelayanan_skm",
    title="Laporan Survei Kepuasan Masyarakat",
    params=SurveyParams,
    build=build_survey,
    permission=VIEW,
    app="pelayanan",
)
REPORTS = (poster, survey)
