"""SAKIP's documents: the Perjanjian Kinerja as a signed PDF (core letterhead and signatures).

The PK prints its targets with yearly and quarterly figures and the budget behind
each, closed by two signature blocks: the superior (*pihak kedua*, e.g. the
Bupati, who has no NIP) and the official (*pihak pertama*). A signed PK is
locked, so printing it again gives the same document. Labels are Indonesian:
this is the regency's official document.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field
from smartcity.toolkit import (
    Column,
    Job,
    JobContext,
    NotFound,
    OrgUnit,
    Report,
    ReportDocument,
    ReportFormat,
    ReportParams,
    Section,
    SignatureBlock,
    User,
    job_capability,
    member_units,
    number,
    permissions_for,
    rupiah,
)

from . import agreements, lkjip, planning
from .access import APP, VIEW, VIEW_ALL, Actor
from .messages import M

LEVEL_TITLES = {"head": "Kepala OPD", "eselon3": "Eselon III", "eselon4": "Eselon IV"}


class AgreementParams(ReportParams):
    agreement_id: int = Field(ge=1, le=2**63 - 1, title="Perjanjian Kinerja")


def _actor(ctx: JobContext) -> Actor:
    job = ctx.session.get(Job, ctx.job_id)
    user = (
        ctx.session.get(User, job.requested_by_user_id)
        if job is not None and job.requested_by_user_id is not None
        else None
    )
    if user is None:
        return Actor(ctx.requested_by, frozenset({VIEW, VIEW_ALL}), None)
    perms = permissions_for(user.roles, ctx.tenant.apps)
    units = None if VIEW_ALL in perms else member_units(ctx.session, user.id, APP)
    return Actor(user.email, frozenset(perms), units, user.id)


def _figure(value: object) -> str:
    return "" if value is None else number(value)  # type: ignore[arg-type]


def build_agreement(ctx: JobContext, params: AgreementParams) -> ReportDocument:
    session = ctx.session
    agreement = agreements.get(session, _actor(ctx), params.agreement_id)
    unit = session.get(OrgUnit, agreement.org_unit_id)
    if unit is None:  # pragma: no cover - the foreign key keeps this from happening
        raise NotFound(M("no such performance agreement"))
    rows = agreements.targets(session, agreement)
    money = agreements.budgets(session, [t.id for t in rows])
    table = []
    total = Decimal(0)
    for index, t in enumerate(rows, start=1):
        indicator = planning.indicator_by_lineage(
            session, agreement.org_unit_id, t.indicator_lineage
        )
        funds = money.get(t.id, [])
        amount = sum((b.amount for b in funds), Decimal(0))
        total += amount
        table.append(
            (
                index,
                indicator.name if indicator else "-",
                indicator.unit if indicator else "",
                _figure(t.year_target),
                " / ".join(_figure(q) or "-" for q in t.quarters),
                "; ".join(f"{b.code} {b.name}" for b in funds) or "-",
                rupiah(amount),
            )
        )
    status = {"draft": "RANCANGAN (belum ditandatangani)", "signed": "", "superseded": "Diganti"}
    title = "Perjanjian Kinerja" + (" Perubahan" if agreement.revision else "")
    day = agreement.signed_on or date.today()  # noqa: DTZ011 - a draft's print date, unsigned
    return ReportDocument(
        title=f"{title} Tahun {agreement.year}",
        parameters=[
            ("Perangkat Daerah", unit.name),
            ("Tingkat", LEVEL_TITLES.get(agreement.level, agreement.level)),
            ("Revisi", str(agreement.revision)),
            *([("Status", status[agreement.status])] if status.get(agreement.status) else []),
            *([("Alasan perubahan", agreement.reason)] if agreement.reason else []),
        ],
        sections=[
            Section(
                "Sasaran, indikator, target dan anggaran",
                [
                    Column("No", kind="int", width=0.4),
                    Column("Indikator kinerja", width=3, wrap=True),
                    Column("Satuan", width=0.8),
                    Column("Target", width=0.9),
                    Column("TW I / II / III / IV", width=1.6),
                    Column("Sub kegiatan", width=2.6, wrap=True),
                    Column("Anggaran", width=1.4),
                ],
                table,
                total=("", "Jumlah", "", "", "", "", rupiah(total)),
            )
        ],
        signatures=[
            SignatureBlock(
                position=agreement.superior_position,
                name=agreement.superior_name,
                place=agreement.place,
                day=day,
                nip=agreement.superior_nip,
                caption="Pihak Kedua,",
            ),
            SignatureBlock(
                position=agreement.official_position,
                name=agreement.official_name,
                place=agreement.place,
                day=day,
                nip=agreement.official_nip,
                caption="Pihak Pertama,",
            ),
        ],
    )


agreement_report = Report(
    name="sakip_pk",
    title="Perjanjian Kinerja",
    params=AgreementParams,
    build=build_agreement,
    formats=(ReportFormat.PDF,),
    permission=VIEW,
    app=APP,
    filename="perjanjian-kinerja",
)


class LkjipParams(ReportParams):
    year: int = Field(ge=2000, le=2100, title="Tahun")
    org_unit_id: int | None = Field(
        None, ge=1, le=2**63 - 1, title="Perangkat Daerah (kosong: seluruh daerah)"
    )


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else number(value) + " %"


def build_lkjip(ctx: JobContext, params: LkjipParams) -> ReportDocument:
    """The LKjIP in the outline of DOMAIN.md; chapters' text is the officer's."""
    actor = _actor(ctx)
    content = lkjip.gather(
        ctx.session,
        actor,
        year=params.year,
        org_unit_id=params.org_unit_id,
        sub_activities=job_capability(ctx, APP, "ebudgeting.sub_activities"),
        progress=ctx.progress,
    )
    known = [
        line.score.year.percent for line in content.lines if line.score.year.percent is not None
    ]
    mean = sum(known, Decimal(0)) / len(known) if known else None
    bands: dict[str, int] = {}
    for line in content.lines:
        bands[line.score.band] = bands.get(line.score.band, 0) + 1
    subject = content.units[0].name if params.org_unit_id and content.units else ctx.tenant.name
    notes = [
        f"{lkjip.SECTION_TITLES[section]}: {content.texts[section]}"
        for section in lkjip.SECTIONS
        if content.texts.get(section)
    ]
    achievement = [
        (
            line.unit.name,
            line.score.indicator.name
            if line.score.indicator
            else str(line.score.target.indicator_lineage),
            line.score.indicator.unit if line.score.indicator else "",
            _figure(line.score.target.year_target),
            _figure(line.score.year.realization),
            _pct(line.score.year.percent),
            line.score.year.formula,
            _pct(line.last_year),
            _figure(line.end_target),
        )
        for line in content.lines
    ]
    money = [
        (
            m.unit.name,
            rupiah(m.budget),
            rupiah(m.spent) if m.spent is not None else "-",
            _pct((m.spent / m.budget * 100).quantize(Decimal("0.01")))
            if m.spent is not None and m.budget
            else "-",
        )
        for m in content.money
    ]
    return ReportDocument(
        title=f"Laporan Kinerja (LKjIP) Tahun {params.year}",
        parameters=[
            ("Instansi", subject),
            ("Indikator diukur", str(len(content.lines))),
            (
                "Rata-rata capaian",
                _pct(mean.quantize(Decimal("0.01")) if mean is not None else None),
            ),
            (
                "Hijau / kuning / merah",
                f"{bands.get('green', 0)} / {bands.get('amber', 0)} / {bands.get('red', 0)}",
            ),
        ],
        notes=notes,
        sections=[
            Section(
                "Bab III A. Capaian kinerja per sasaran dan IKU",
                [
                    Column("Perangkat Daerah", width=1.6, wrap=True),
                    Column("Indikator", width=2.4, wrap=True),
                    Column("Satuan", width=0.7),
                    Column("Target", width=0.8),
                    Column("Realisasi", width=0.8),
                    Column("Capaian", width=0.8),
                    Column("Rumus", width=1.2, wrap=True),
                    Column("Tahun lalu", width=0.8),
                    Column("Target akhir Renstra", width=0.9),
                ],
                achievement,
            ),
            Section(
                "Bab III B. Realisasi anggaran",
                [
                    Column("Perangkat Daerah", width=2, wrap=True),
                    Column("Anggaran PK"),
                    Column("Realisasi (e-Budgeting)"),
                    Column("Persentase"),
                ],
                money,
            ),
        ],
    )


lkjip_report = Report(
    name="sakip_lkjip",
    title="Laporan Kinerja (LKjIP)",
    params=LkjipParams,
    build=build_lkjip,
    formats=(ReportFormat.PDF, ReportFormat.XLSX),
    permission=VIEW,
    app=APP,
    filename="lkjip",
)
REPORTS = (agreement_report, lkjip_report)
