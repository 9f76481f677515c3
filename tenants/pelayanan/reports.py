"""The service-standard poster (PDF under the regency's letterhead) and the SKM report.

The poster is what an office hangs up: the service's fourteen components as a
table under the regency's letterhead with a QR code of the service's survey
(``poster``), only for a published standard. The SKM report is the one
PermenPANRB 14/2017 asks for: per element the NRR and the weighted NRR, the
index (IKM), the grade (mutu pelayanan) and the unit's performance (kinerja),
per OPD and per service, and the respondents' count and profile.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from pydantic import Field
from smartcity.toolkit import (
    CellValue,
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

from . import ikm
from . import survey as skm
from .access import VIEW
from .messages import M
from .models import Service
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


THREE = Decimal("0.001")


def _d(value: Decimal | None, places: Decimal = THREE) -> Decimal | None:
    return None if value is None else value.quantize(places, rounding=ROUND_HALF_UP)


def _long(day: date) -> str:
    return format_date(day, "d MMMM y", locale="id")


def _grade_text(score: skm.Score) -> tuple[str, str]:
    letter = score.grade
    return letter or "-", _id(ikm.performance(letter)) if letter else "-"


def _id(msgid: str | None) -> str:
    return ID_WORDS.get(msgid or "", msgid or "")


#: The report is an official document in Indonesian (the core's own reports are too).
ID_WORDS = {
    "Very good": "Sangat Baik",
    "Good": "Baik",
    "Less than good": "Kurang Baik",
    "Not good": "Tidak Baik",
    "Requirements": "Persyaratan",
    "Procedure": "Sistem, mekanisme dan prosedur",
    "Service time": "Waktu penyelesaian",
    "Cost or tariff": "Biaya/tarif",
    "Product specification": "Produk spesifikasi jenis pelayanan",
    "Staff competence": "Kompetensi pelaksana",
    "Staff conduct": "Perilaku pelaksana",
    "Complaint handling, suggestions and feedback": "Penanganan pengaduan, saran dan masukan",
    "Facilities and infrastructure": "Sarana dan prasarana",
    "Age": "Umur",
    "Sex": "Jenis kelamin",
    "Education": "Pendidikan",
    "Occupation": "Pekerjaan",
    "Under 20": "Di bawah 20",
    "20 to 29": "20-29",
    "30 to 39": "30-39",
    "40 to 49": "40-49",
    "50 to 59": "50-59",
    "60 or older": "60 ke atas",
    "Male": "Laki-laki",
    "Female": "Perempuan",
    "Primary school or less": "SD ke bawah",
    "Junior high school": "SMP",
    "Senior high school": "SMA",
    "Diploma (D1-D4)": "Diploma (D1-D4)",
    "Bachelor (S1)": "S1",
    "Master (S2)": "S2",
    "Doctorate (S3)": "S3",
    "Civil servant": "PNS",
    "Armed forces": "TNI",
    "Police": "POLRI",
    "Private employee": "Pegawai swasta",
    "Self-employed": "Wirausaha",
    "Student": "Pelajar/mahasiswa",
    "Other": "Lainnya",
}


def build_survey(ctx: JobContext, params: SurveyParams) -> ReportDocument:
    """The SKM report of PermenPANRB 14/2017 for the regency over a period: per element
    the sum of answers, NRR and weighted NRR (x 1/9), the index (IKM = the weighted
    NRRs' total x 25), its grade (mutu pelayanan) and the unit's performance (kinerja);
    then per OPD and per service, and the respondents' profile."""
    if params.end < params.start:
        raise InvalidInput(M("the period ends before it starts"), {"end": "after start"})
    if (params.end - params.start).days > 366 * 5:
        raise InvalidInput(M("the period is at most five years"), {"end": "5 years"})
    when = skm.Period(
        f"{params.start.isoformat()}..{params.end.isoformat()}",
        params.start,
        params.end,
        params.start.year,
        "range",
        0,
    )
    found = skm.results(ctx.session, when)
    regency = found.regency
    sums = [sum(r[i] for r in regency.responses) for i in range(len(ikm.ELEMENTS))]
    nothing: list[Decimal | None] = [None] * len(ikm.ELEMENTS)
    means: list[Decimal | None] = list(regency.means) or nothing
    weighted: list[Decimal | None] = list(skm.weighted(regency.means)) or nothing
    element_rows: list[tuple[CellValue, ...]] = [
        (f"U{number}", _id(element), sums[number - 1], _d(mean), _d(weight))
        for number, (element, mean, weight) in enumerate(
            zip(ikm.ELEMENTS, means, weighted, strict=True), start=1
        )
    ]
    total_weighted = sum((w for w in weighted if w is not None), Decimal(0))
    element_rows.append(
        ("", "Jumlah NRR tertimbang", None, None, _d(total_weighted) if regency.count else None)
    )
    element_rows.append(("", "IKM (jumlah NRR tertimbang x 25)", None, None, regency.index))
    letter, meaning = _grade_text(regency)
    opd_rows: list[tuple[CellValue, ...]] = [
        (n, score.name, score.count, score.index, *_grade_text(score))
        for n, (_unit, score) in enumerate(found.opds, start=1)
    ]
    service_rows: list[tuple[CellValue, ...]] = []
    n = 0
    for service, opd, score in found.services:
        if not score.count:
            continue
        n += 1
        service_rows.append(
            (
                n,
                opd,
                service.name,
                score.count,
                *(_d(m, Decimal("0.01")) for m in score.means),
                score.index,
                *_grade_text(score),
            )
        )
    profile_rows: list[tuple[CellValue, ...]] = []
    for key, (label, choices) in skm.PROFILE.items():
        counted = found.profile[key]
        for value, text in [*choices.items(), (None, "Tidak diisi")]:
            count = counted.get(value, 0)
            share = (
                (Decimal(count) * 100 / Decimal(regency.count)).quantize(Decimal("0.1"))
                if regency.count
                else None
            )
            profile_rows.append((_id(label), _id(text), count, share))
    return ReportDocument(
        title="Laporan Survei Kepuasan Masyarakat (SKM)",
        parameters=[
            ("Periode", f"{_long(params.start)} s.d. {_long(params.end)}"),
            ("Jumlah responden", str(regency.count)),
            (
                "Indeks Kepuasan Masyarakat (IKM)",
                "-" if regency.index is None else str(regency.index).replace(".", ","),
            ),
            ("Mutu pelayanan", letter),
            ("Kinerja unit pelayanan", meaning),
        ],
        notes=[
            "Dasar: Peraturan Menteri PANRB Nomor 14 Tahun 2017.",
            "NRR = jumlah nilai per unsur / jumlah responden; NRR tertimbang = NRR x 1/9; "
            "IKM = jumlah NRR tertimbang x 25.",
            "Mutu: A (Sangat Baik) 88,31-100,00; B (Baik) 76,61-88,30; "
            "C (Kurang Baik) 65,00-76,60; D (Tidak Baik) 25,00-64,99.",
            "Profil responden tidak mengenali siapa pun: umur dalam kelompok, "
            "tanpa nama atau kontak.",
        ],
        sections=[
            Section(
                "Nilai per unsur pelayanan",
                [
                    Column("Unsur"),
                    Column("Uraian", width=3),
                    Column("Jumlah nilai", kind="int"),
                    Column("NRR", kind="number"),
                    Column("NRR tertimbang", kind="number"),
                ],
                element_rows,
            ),
            Section(
                "IKM per OPD",
                [
                    Column("No", kind="int"),
                    Column("OPD", width=3),
                    Column("Responden", kind="int"),
                    Column("IKM", kind="number"),
                    Column("Mutu"),
                    Column("Kinerja"),
                ],
                opd_rows,
            ),
            Section(
                "IKM per layanan (NRR per unsur U1-U9)",
                [
                    Column("No", kind="int"),
                    Column("OPD", width=2),
                    Column("Layanan", width=2),
                    Column("Resp.", kind="int"),
                    *(Column(f"U{i}", kind="number", width=0.6) for i in range(1, 10)),
                    Column("IKM", kind="number"),
                    Column("Mutu", width=0.6),
                    Column("Kinerja"),
                ],
                service_rows,
            ),
            Section(
                "Profil responden",
                [
                    Column("Profil"),
                    Column("Kelompok", width=2),
                    Column("Jumlah", kind="int"),
                    Column("Persen", kind="number"),
                ],
                profile_rows,
            ),
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
