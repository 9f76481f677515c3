"""The month's TPP for payment: the list per unit, signed, and the payroll export.

``ekinerja_tpp_signed`` (PDF) puts each unit on its own pages under the
regency's letterhead, money in rupiah the Indonesian way (``Rp 1.234.567``),
closed by the unit head's signature block. ``ekinerja_tpp_payroll``
(CSV or XLSX) is one flat table for the payroll clerk: NIP, name, position
class, unit, gross TPP, performance deduction, discipline deduction and net,
as plain numbers.

Left out on purpose: PPh 21. TPP is taxable income, but the withholding needs
each person's PTKP status (marriage, dependants), NPWP and the year's other
income (the salary paid through SIMGAJI) under the TER rates of PP 58/2023,
and many regencies bear it as a "tunjangan PPh" in the APBD; the roster holds
none of that, so a number here would be made up. The bank account is left out
too: the core's roster has no bank account field.

Both read the month as computed (they never recompute): a month is paid as
its statements say, locked or not (the notes say which).

Who may ask: BKPSDM's admin for every unit or one; a unit's admin for one unit
they manage, never another's and never the whole regency (``scope``: checked
when the job is asked for, a 403 naming ``org_unit_id``, and again when it runs,
since their units may have changed meanwhile).
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from pydantic import Field
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from smartcity.toolkit import (
    CellValue,
    Column,
    DbId,
    Forbidden,
    InvalidInput,
    Job,
    JobContext,
    JobRequester,
    Letterhead,
    OrgUnit,
    Report,
    ReportDocument,
    ReportFormat,
    ReportParams,
    Section,
    SignatureBlock,
    Staff,
    User,
    letterhead_block,
    member_units,
    month_name,
    pdf_fonts,
    permissions_for,
    rupiah,
    signature_blocks,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import APP, REGENCY, UNIT
from .messages import DOCUMENT_LOCALE, M
from .models import TppMonth, TppStatement
from .periods import month_end

MARGIN = 12 * mm
GRID = colors.HexColor("#9aa7b4")
TOTAL_FILL = colors.HexColor("#eef2f6")
MONEY_COLUMNS = (3, 4, 5, 6, 7)


class PayrollParams(ReportParams):
    year: int = Field(ge=2000, le=2100, title="Tahun")
    month: int = Field(ge=1, le=12, title="Bulan")
    org_unit_id: DbId | None = Field(None, title="Unit (kosong: semua unit)")


def scope(session: Session, requester: JobRequester, params: PayrollParams) -> None:
    """Refuse a unit (or all of them) the asking user may not have the TPP list of."""
    unit_id = params.org_unit_id
    if unit_id is not None and session.get(OrgUnit, unit_id) is None:
        raise InvalidInput(
            M("no org unit %(unit_id)s", unit_id=unit_id), {"params.org_unit_id": "unknown"}
        )
    if REGENCY in requester.permissions:
        return
    if unit_id is None:
        raise Forbidden(
            M("choose one of the units you manage"),
            {"params.org_unit_id": M("one of the units you manage")},
        )
    managed = (
        member_units(session, requester.user_id, APP)
        if requester.user_id is not None
        else frozenset()
    )
    if UNIT not in requester.permissions or unit_id not in managed:
        raise Forbidden(
            M("you do not manage this unit"),
            {"params.org_unit_id": M("one of the units you manage")},
        )


def _scope_of_job(ctx: JobContext, params: PayrollParams) -> None:
    """The same rule when the job runs, with the asking user's roles and units as they
    are now (the system's own jobs, without a user, see every unit)."""
    job = ctx.session.get(Job, ctx.job_id)
    user = (
        ctx.session.get(User, job.requested_by_user_id)
        if job is not None and job.requested_by_user_id is not None
        else None
    )
    if user is None:
        return
    permissions = frozenset(permissions_for(user.roles, ctx.tenant.apps))
    scope(ctx.session, JobRequester(user.id, permissions), params)


def head_of(session: Session, unit_id: int) -> Staff | None:
    """The unit's most senior structural official (lowest echelon code), if any."""
    people = session.scalars(
        select(Staff).where(
            Staff.unit_id == unit_id, Staff.echelon.is_not(None), Staff.is_active.is_(True)
        )
    ).all()
    return min(people, key=lambda s: (s.echelon or "Z", s.id), default=None)


def _rows(
    session: Session, params: PayrollParams
) -> tuple[TppMonth | None, list[tuple[TppStatement, Staff, OrgUnit]]]:
    run = session.scalar(
        select(TppMonth).where(TppMonth.year == params.year, TppMonth.month == params.month)
    )
    if run is None:
        return None, []
    query = (
        select(TppStatement, Staff, OrgUnit)
        .join(Staff, Staff.id == TppStatement.staff_id)
        .join(OrgUnit, OrgUnit.id == TppStatement.org_unit_id)
        .where(TppStatement.month_id == run.id)
        .order_by(OrgUnit.code, OrgUnit.id, Staff.name, Staff.id)
    )
    if params.org_unit_id is not None:
        query = query.where(TppStatement.org_unit_id == params.org_unit_id)
    return run, [(s, p, u) for s, p, u in session.execute(query)]


def _month(params: PayrollParams) -> str:
    """The month as the document says it: "Maret 2027"."""
    return month_name(date(params.year, params.month, 1), DOCUMENT_LOCALE)


def _notes(run: TppMonth | None) -> list[str]:
    if run is None:
        return ["TPP bulan ini belum dihitung."]
    state = "dikunci untuk pembayaran" if run.locked_at else "belum dikunci"
    return [
        f"Dihitung per {run.as_of:%d-%m-%Y}, {state}.",
        "PPh 21 tidak dihitung di sini (status PTKP dan NPWP tidak ada pada data pegawai).",
    ]


def build_signed(ctx: JobContext, params: PayrollParams) -> ReportDocument:
    """One section and one signature per unit (the renderer pairs them by position)."""
    _scope_of_job(ctx, params)
    run, rows = _rows(ctx.session, params)
    by_unit: dict[int, list[tuple[TppStatement, Staff, OrgUnit]]] = {}
    for row in rows:
        by_unit.setdefault(row[2].id, []).append(row)
    columns = [
        Column("NIP"),
        Column("Nama", width=2, wrap=True),
        Column("Kelas", kind="int"),
        Column("TPP kotor", kind="int"),
        Column("Potongan kinerja", kind="int"),
        Column("Potongan disiplin", kind="int"),
        Column("Hukuman disiplin dan potongan lain", kind="int"),
        Column("TPP diterima", kind="int"),
    ]
    sections: list[Section] = []
    signatures: list[SignatureBlock] = []
    day = month_end(params.year, params.month)
    for unit_rows in by_unit.values():
        unit = unit_rows[0][2]
        table: list[list[CellValue]] = [
            [
                p.nip,
                p.name,
                s.position_class,
                s.base,
                s.performance_deduction,
                s.discipline_deduction,
                s.sanction_deduction,
                s.net,
            ]
            for s, p, _ in unit_rows
        ]
        sums = [sum(st.base for st, _, _ in unit_rows)]
        sums += [sum(st.performance_deduction for st, _, _ in unit_rows)]
        sums += [sum(st.discipline_deduction for st, _, _ in unit_rows)]
        sums += [sum(st.sanction_deduction for st, _, _ in unit_rows)]
        sums += [sum(st.net for st, _, _ in unit_rows)]
        total: list[CellValue] = ["", "Jumlah", "", *sums]
        sections.append(Section(f"{unit.code} {unit.name}", columns, table, total=total))
        head = head_of(ctx.session, unit.id)
        signatures.append(
            SignatureBlock(
                position=head.position if head else f"Kepala {unit.name}",
                name=head.name if head else "",
                nip=head.nip if head else None,
                place=ctx.tenant.name,
                day=day,
            )
        )
    month = _month(params)
    return ReportDocument(
        title=f"Daftar TPP per unit {month}",
        sections=sections,
        parameters=[("Bulan", month)],
        notes=_notes(run),
        signatures=signatures,
    )


def render_signed(document: ReportDocument, head: Letterhead) -> bytes:
    """Each unit on its own pages: the letterhead, the table in rupiah, its head's signature."""
    regular, bold = pdf_fonts()
    base = ParagraphStyle("ekn_base", fontName=regular, fontSize=8, leading=10)
    title = ParagraphStyle("ekn_title", fontName=bold, fontSize=11, leading=14, alignment=TA_CENTER)
    heading = ParagraphStyle("ekn_heading", fontName=bold, fontSize=10, leading=13, spaceAfter=4)
    buffer = BytesIO()
    page = landscape(A4)
    width = page[0] - 2 * MARGIN
    doc = SimpleDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=document.title,
        author=head.tenant_name,
    )
    story: list[Flowable] = []
    units = document.sections or [Section("", [], [])]
    for index, section in enumerate(units):
        if index:
            story.append(PageBreak())
        story += letterhead_block(head, width)
        story.append(Paragraph(escape(document.title.upper()), title))
        story.append(Spacer(1, 3 * mm))
        if section.title:
            story.append(Paragraph(escape(section.title), heading))
        if section.rows:
            story.append(_money_table(section, base, regular, bold, width))
        else:
            story.append(Paragraph(escape(section.empty_text), base))
        for note in document.notes:
            story.append(Paragraph(escape(note), base))
        story.append(Spacer(1, 6 * mm))
        if index < len(document.signatures):
            story += signature_blocks([document.signatures[index]], width)
    doc.build(story)
    return buffer.getvalue()


def _money_table(
    section: Section, base: ParagraphStyle, regular: str, bold: str, width: float
) -> LongTable:
    def cell(i: int, value: object) -> object:
        if value is None or value == "":
            return ""
        if i in MONEY_COLUMNS and isinstance(value, int):
            return rupiah(value)
        if i == 1:
            return Paragraph(escape(str(value)), base)
        return str(value)

    header = [Paragraph(escape(c.label), base) for c in section.columns]
    body = [[cell(i, v) for i, v in enumerate(row)] for row in section.rows]
    if section.total is not None:
        body.append([cell(i, v) if i != 1 else str(v) for i, v in enumerate(section.total)])
    weights = [c.width for c in section.columns]
    table = LongTable(
        [header, *body],
        colWidths=[width * w / sum(weights) for w in weights],
        repeatRows=1,
    )
    style: list[Any] = [
        ("FONTNAME", (0, 0), (-1, -1), regular),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, GRID),
        ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
    ]
    if section.total is not None:
        style += [
            ("FONTNAME", (0, -1), (-1, -1), bold),
            ("BACKGROUND", (0, -1), (-1, -1), TOTAL_FILL),
        ]
    table.setStyle(TableStyle(style))
    return table


def build_payroll(ctx: JobContext, params: PayrollParams) -> ReportDocument:
    """One flat table, a row per person, plain numbers (the spreadsheet renderers' way)."""
    _scope_of_job(ctx, params)
    run, rows = _rows(ctx.session, params)
    columns = [
        Column("NIP"),
        Column("Nama", width=2),
        Column("Kelas jabatan", kind="int"),
        Column("Kode unit"),
        Column("Unit", width=2),
        Column("TPP kotor", kind="int"),
        Column("Potongan disiplin", kind="int"),
        Column("Potongan kinerja", kind="int"),
        Column("Hukuman disiplin dan potongan lain", kind="int"),
        Column("TPP bersih", kind="int"),
    ]
    table: list[list[CellValue]] = [
        [
            p.nip,
            p.name,
            s.position_class,
            u.code,
            u.name,
            s.base,
            s.discipline_deduction,
            s.performance_deduction,
            s.sanction_deduction,
            s.net,
        ]
        for s, p, u in rows
    ]
    month = _month(params)
    return ReportDocument(
        title=f"Ekspor pembayaran TPP {month}",
        sections=[Section("TPP", columns, table)],
        parameters=[("Bulan", month)],
        notes=_notes(run),
    )


SIGNED = Report(
    name="ekinerja_tpp_signed",
    title="Daftar TPP per unit (ditandatangani)",
    params=PayrollParams,
    build=build_signed,
    formats=(ReportFormat.PDF,),
    renderers={ReportFormat.PDF: render_signed},
    permission=UNIT,
    authorize=scope,
    app="ekinerja",
    description="The month's TPP per unit, each closed by its head's signature block.",
)
PAYROLL = Report(
    name="ekinerja_tpp_payroll",
    title="Ekspor pembayaran TPP",
    params=PayrollParams,
    build=build_payroll,
    formats=(ReportFormat.CSV, ReportFormat.XLSX),
    permission=UNIT,
    authorize=scope,
    app="ekinerja",
    description="NIP, name, class, unit, gross, deductions and net for the payroll clerk.",
)
REPORTS = (SIGNED, PAYROLL)
