"""e-Budgeting's reports, declared through the core's report framework.

Listed in the manifest (``AppManifest.reports``, see ``REPORTS`` below); each
runs as a job in the worker and is scoped like the pages: an OPD user's report
covers only their OPDs.

- ``ebudgeting_rka``: the RKA of one OPD (PDF, XLSX): a summary per sub
  kegiatan, then every line.
- ``ebudgeting_program``: the budget by program, kegiatan and sub kegiatan.
- ``ebudgeting_realization``: realization against the DPA per OPD, program,
  month and DPA line (XLSX or CSV; tens of thousands of lines stream through the
  core's streaming XLSX writer).

Labels are Bahasa Indonesia: reports are the regency's official documents.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field
from smartcity.toolkit import (
    CellValue,
    Column,
    Job,
    JobContext,
    OrgUnit,
    Report,
    ReportDocument,
    ReportFormat,
    ReportParams,
    Section,
    User,
    permissions_for,
    rupiah,
    tenant_settings,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import execution, stages, years
from .access import VIEW, VIEW_ALL, Actor, system_actor, units_of
from .budget_documents import build_document
from .budget_pdf import render_budget_pdf
from .codes import kegiatan_code, program_code
from .models import BudgetLine, FiscalYear, Nomenclature, SnapshotLine, SubActivity
from .rules import N_

MONTHS_ID = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
LIVE = "live"


def report_actor(ctx: JobContext) -> Actor:
    """Whoever asked for the job, with their OPDs; the system (a schedule) sees all."""
    job = ctx.session.get(Job, ctx.job_id)
    user = (
        ctx.session.get(User, job.requested_by_user_id)
        if job is not None and job.requested_by_user_id is not None
        else None
    )
    if user is None:
        return system_actor(ctx.requested_by, {VIEW, VIEW_ALL})
    perms = permissions_for(user.roles, ctx.tenant.apps)
    units = None if VIEW_ALL in perms else units_of(ctx.session, user.id)
    return Actor(user.email, frozenset(perms), units, user.id)


def _money(value: Decimal | int | None) -> float:
    return float(value or 0)


def _stage_label(stage: str) -> str:
    return "rancangan berjalan" if stage == LIVE else years.STAGE_TITLES.get(stage, stage)


def _stage_for(session: Session, fiscal_year: FiscalYear, asked: str | None) -> str:
    """The asked stage if taken; else the newest snapshot; else the live draft."""
    taken = [s.stage for s in stages.snapshots(session, fiscal_year)]
    if asked and asked != LIVE:
        if asked not in taken:
            raise ValueError(f"tahap {asked} belum diambil untuk {fiscal_year.year}")
        return asked
    if asked == LIVE or not taken:
        return LIVE
    return taken[-1]


class YearParams(ReportParams):
    year: int = Field(ge=2000, le=2100, title=N_("Budget year"))
    stage: Literal["rka", "apbd", "dpa", "rka_p", "dppa"] | None = Field(
        None,
        title=N_("Stage"),
        json_schema_extra={"choice_labels": {"": N_("Latest"), **years.STAGE_TITLES}},
    )


# --------------------------------------------------------------------------- RKA per OPD


class RkaParams(YearParams):
    org_unit_code: str = Field(title=N_("OPD code"), min_length=1, max_length=40)
    signing_place: str = Field(
        "", title=N_("Place of signing"), max_length=100, description="Kota tempat SKPD berada"
    )


def build_rka(ctx: JobContext, params: RkaParams) -> ReportDocument:
    """The RKA-SKPD of one OPD, or its DPA-SKPD (DPPA) once issued: Permendagri 77/2020."""
    session = ctx.session
    actor = report_actor(ctx)
    fiscal_year = years.get_year(session, params.year)
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == params.org_unit_code))
    if unit is None or not actor.sees_unit(unit.id):
        raise ValueError(f"OPD {params.org_unit_code} tidak ditemukan")
    stage = _stage_for(session, fiscal_year, params.stage)
    ctx.progress(20)
    settings = tenant_settings(session)
    region = (settings.display_name if settings is not None else None) or ctx.tenant.name
    zone = ZoneInfo(settings.timezone if settings is not None else "Asia/Jakarta")
    document = build_document(
        session,
        fiscal_year,
        stage,
        unit,
        region_name=region,
        signing_place=params.signing_place.strip() or region,
        today=datetime.now(zone).date(),
        actor=actor,
    )
    ctx.progress(70)
    return document


# --------------------------------------------------------------------------- program / kegiatan


def build_program(ctx: JobContext, params: YearParams) -> ReportDocument:
    session = ctx.session
    actor = report_actor(ctx)
    fiscal_year = years.get_year(session, params.year)
    stage = _stage_for(session, fiscal_year, params.stage)
    if stage == LIVE:
        query = (
            select(SubActivity.sub_kegiatan_code, func.sum(BudgetLine.amount))
            .join(BudgetLine, BudgetLine.sub_activity_id == SubActivity.id)
            .where(SubActivity.fiscal_year_id == fiscal_year.id)
            .group_by(SubActivity.sub_kegiatan_code)
        )
        if actor.unit_ids is not None:
            query = query.where(SubActivity.org_unit_id.in_(actor.unit_ids))
    else:
        snap = stages.snapshot_of(session, fiscal_year, stage)
        assert snap is not None  # noqa: S101
        query = (
            select(SnapshotLine.sub_kegiatan_code, func.sum(SnapshotLine.amount))
            .where(SnapshotLine.snapshot_id == snap.id)
            .group_by(SnapshotLine.sub_kegiatan_code)
        )
        if actor.unit_ids is not None:
            query = query.where(SnapshotLine.org_unit_id.in_(actor.unit_ids))
    per_sub = {code: Decimal(total) for code, total in session.execute(query)}
    ctx.progress(40)
    names = dict(session.execute(select(Nomenclature.code, Nomenclature.name)).all())
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for code, amount in per_sub.items():
        totals[program_code(code)] += amount
        totals[kegiatan_code(code)] += amount
        totals[code] += amount
    grand = sum(per_sub.values(), Decimal(0))

    def key(code: str) -> list[int]:
        return [int(p) for p in code.split(".")]

    rows: list[list[CellValue]] = []
    for code in sorted(totals, key=key):
        level = {3: "Program", 5: "Kegiatan", 6: "Sub kegiatan"}[len(code.split("."))]
        share = float(totals[code] * 100 / grand) if grand else 0.0
        rows.append([code, level, names.get(code, ""), _money(totals[code]), round(share, 2)])
    return ReportDocument(
        title="Anggaran Belanja per Program dan Kegiatan",
        parameters=[
            ("Tahun anggaran", str(fiscal_year.year)),
            ("Tahap", _stage_label(stage)),
            ("Jumlah", rupiah(grand)),
        ],
        sections=[
            Section(
                "Program dan kegiatan",
                [
                    Column("Kode", width=1.7),
                    Column("Tingkat", width=1.1),
                    Column("Uraian", width=5, wrap=True),
                    Column("Jumlah (Rp)", kind="number", width=1.7),
                    Column("%", kind="number", width=0.7),
                ],
                rows,
                total=["", "", "Jumlah", _money(grand), 100.0 if grand else 0.0],
            )
        ],
    )


# --------------------------------------------------------------------------- realization


class RealizationParams(ReportParams):
    format: ReportFormat = Field(ReportFormat.XLSX, title=N_("Format"))
    year: int = Field(ge=2000, le=2100, title=N_("Budget year"))


def build_realization(ctx: JobContext, params: RealizationParams) -> ReportDocument:
    session = ctx.session
    actor = report_actor(ctx)
    fiscal_year = years.get_year(session, params.year)
    basis = stages.execution_snapshot(session, fiscal_year)
    per_opd = execution.by_opd(session, fiscal_year, actor)
    per_program = execution.by_program(session, fiscal_year, actor)
    months = execution.by_month(session, fiscal_year, actor)
    ctx.progress(20)
    detail: list[list[CellValue]] = []
    for number_, line in enumerate(execution.line_realization(session, fiscal_year, actor), 1):
        realized = line.realized
        detail.append(
            [
                line.opd_code,
                line.opd_name,
                line.sub_kegiatan_code,
                line.sub_kegiatan_name,
                line.account_code,
                line.account_name,
                _money(line.budget),
                *(_money(m) for m in line.months),
                _money(realized),
                round(float(realized * 100 / line.budget), 2) if line.budget else 0.0,
                _money(line.budget - realized),
            ]
        )
        if number_ % 10_000 == 0:
            ctx.progress(min(60, 20 + number_ // 2500))

    def summary(rows: list[execution.RealizationRow], label: str) -> Section:
        budget = sum((r.budget for r in rows), Decimal(0))
        paid = sum((r.realized for r in rows), Decimal(0))
        return Section(
            f"Per {label}",
            [
                Column("Kode", width=1.5),
                Column(label.capitalize(), width=4, wrap=True),
                Column("Anggaran (Rp)", kind="number", width=1.7),
                Column("Realisasi (Rp)", kind="number", width=1.7),
                Column("%", kind="number", width=0.7),
                Column("Sisa (Rp)", kind="number", width=1.7),
            ],
            [
                [
                    r.code,
                    r.name,
                    _money(r.budget),
                    _money(r.realized),
                    float(r.percent),
                    _money(r.remaining),
                ]
                for r in rows
            ],
            total=[
                "",
                "Jumlah",
                _money(budget),
                _money(paid),
                round(float(paid * 100 / budget), 2) if budget else 0.0,
                _money(budget - paid),
            ],
        )

    return ReportDocument(
        title="Realisasi Anggaran terhadap DPA",
        parameters=[
            ("Tahun anggaran", str(fiscal_year.year)),
            ("Dasar", years.STAGE_TITLES[basis.stage] if basis else "DPA belum terbit"),
        ],
        sections=[
            summary(per_opd, "OPD"),
            summary(per_program, "program"),
            Section(
                "Per bulan",
                [
                    Column("Bulan", width=1),
                    Column("Anggaran kas (Rp)", kind="number", width=1.7),
                    Column("Realisasi (Rp)", kind="number", width=1.7),
                    Column("Kumulatif anggaran kas (Rp)", kind="number", width=1.9),
                    Column("Kumulatif realisasi (Rp)", kind="number", width=1.9),
                ],
                [
                    [
                        MONTHS_ID[m.month - 1],
                        _money(m.planned),
                        _money(m.realized),
                        _money(m.planned_cumulative),
                        _money(m.realized_cumulative),
                    ]
                    for m in months
                ],
            ),
            Section(
                "Rincian DPA",
                [
                    Column("Kode OPD", width=1.2),
                    Column("OPD", width=2.5),
                    Column("Sub kegiatan", width=1.8),
                    Column("Nama sub kegiatan", width=3.5),
                    Column("Kode rekening", width=1.8),
                    Column("Rekening", width=3.5),
                    Column("Anggaran (Rp)", kind="number", width=1.6),
                    *(Column(f"{m} (Rp)", kind="number", width=1.4) for m in MONTHS_ID),
                    Column("Realisasi (Rp)", kind="number", width=1.6),
                    Column("%", kind="number", width=0.7),
                    Column("Sisa (Rp)", kind="number", width=1.6),
                ],
                detail,
            ),
        ],
    )


rka_report = Report(
    name="ebudgeting_rka",
    title=N_("RKA / DPA per OPD"),
    description=N_(
        "An OPD's RKA-SKPD (its DPA-SKPD or DPPA-SKPD once issued): the spending summary,"
        " the lines of each sub kegiatan, TAPD's verification and the signature."
    ),
    params=RkaParams,
    build=build_rka,
    formats=(ReportFormat.PDF, ReportFormat.XLSX),
    renderers={ReportFormat.PDF: render_budget_pdf},
    permission=VIEW,
    app="ebudgeting",
    filename="rka",
)
program_report = Report(
    name="ebudgeting_program",
    title=N_("Budget by program and kegiatan"),
    description=N_("The budget of every program, kegiatan and sub kegiatan."),
    params=YearParams,
    build=build_program,
    formats=(ReportFormat.PDF, ReportFormat.XLSX),
    permission=VIEW,
    app="ebudgeting",
    filename="anggaran-program",
)


realization_report = Report(
    name="ebudgeting_realization",
    title=N_("Realization against the budget"),
    description=N_("SP2D payments against the DPA by OPD, program, month and DPA line."),
    params=RealizationParams,
    build=build_realization,
    formats=(ReportFormat.XLSX, ReportFormat.CSV),
    permission=VIEW,
    app="ebudgeting",
    filename="realisasi",
)

#: What the manifest lists: every e-Budgeting report, in the order pages show them.
REPORTS = (rka_report, program_report, realization_report)
