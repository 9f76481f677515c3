"""The monthly TPP run as a job of record, and its list per unit (signed PDF, XLSX, CSV).

The job computes the month (unless it is locked), commits the statements in its
own transaction (the job's context session is read-only), then lists every
person's TPP per unit, closed by the head of the unit's signature block.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field
from smartcity.toolkit import (
    CellValue,
    Column,
    JobContext,
    OrgUnit,
    Report,
    ReportDocument,
    ReportParams,
    Section,
    SignatureBlock,
    Staff,
    month_name,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import runs
from .access import REGENCY, system_actor
from .messages import DOCUMENT_LOCALE
from .models import TppMonth, TppStatement
from .periods import month_end


class TppParams(ReportParams):
    year: int = Field(ge=2000, le=2100, title="Tahun")
    month: int = Field(ge=1, le=12, title="Bulan")
    recompute: bool = Field(True, title="Hitung ulang (jika belum dikunci)")


def _head_of(session: Session, unit_id: int) -> Staff | None:
    """The unit's most senior structural official (lowest echelon code), if any."""
    people = session.scalars(
        select(Staff).where(
            Staff.unit_id == unit_id, Staff.echelon.is_not(None), Staff.is_active.is_(True)
        )
    ).all()
    return min(people, key=lambda s: (s.echelon or "Z", s.id), default=None)


def build_tpp(ctx: JobContext, params: TppParams) -> ReportDocument:
    if params.recompute:
        with Session(bind=ctx.tenant.bind) as writer, writer.begin():
            run = writer.scalar(
                select(TppMonth).where(TppMonth.year == params.year, TppMonth.month == params.month)
            )
            if run is None or run.locked_at is None:
                runs.compute_month(
                    writer, system_actor(ctx.requested_by), params.year, params.month
                )
    ctx.progress(50)
    session = ctx.session
    run = session.scalar(
        select(TppMonth).where(TppMonth.year == params.year, TppMonth.month == params.month)
    )
    sections: list[Section] = []
    signatures: list[SignatureBlock] = []
    if run is not None:
        rows = session.execute(
            select(TppStatement, Staff, OrgUnit)
            .join(Staff, Staff.id == TppStatement.staff_id)
            .join(OrgUnit, OrgUnit.id == TppStatement.org_unit_id)
            .where(TppStatement.month_id == run.id)
            .order_by(OrgUnit.code, Staff.name)
        ).all()
        by_unit: dict[int, list[tuple[TppStatement, Staff, OrgUnit]]] = {}
        for row in rows:
            by_unit.setdefault(row[2].id, []).append((row[0], row[1], row[2]))
        columns = [
            Column("NIP"),
            Column("Nama", width=2, wrap=True),
            Column("Kelas", kind="int"),
            Column("TPP dasar", kind="int"),
            Column("Potongan kinerja", kind="int"),
            Column("Potongan disiplin", kind="int"),
            Column("Hukuman disiplin dan potongan lain", kind="int"),
            Column("TPP diterima", kind="int"),
        ]
        for unit_rows in by_unit.values():
            unit = unit_rows[0][2]
            table = [
                (
                    p.nip,
                    p.name,
                    s.position_class,
                    s.base,
                    s.performance_deduction,
                    s.discipline_deduction,
                    s.sanction_deduction,
                    s.net,
                )
                for s, p, _ in unit_rows
            ]
            total: list[CellValue] = ["", "Jumlah", ""]
            total += [sum(int(r[i] or 0) for r in table) for i in range(3, 8)]
            sections.append(Section(f"{unit.code} {unit.name}", columns, table, total=total))
            head = _head_of(session, unit.id)
            if head is not None:
                signatures.append(
                    SignatureBlock(
                        position=head.position,
                        name=head.name,
                        nip=head.nip,
                        place=ctx.tenant.name,
                        day=month_end(params.year, params.month),
                    )
                )
    month = month_name(date(params.year, params.month, 1), DOCUMENT_LOCALE)
    return ReportDocument(
        title=f"Daftar TPP {month}",
        sections=sections,
        parameters=[("Bulan", month)],
        notes=[]
        if run is None
        else [f"Dihitung per {run.as_of:%d-%m-%Y}" + (" (dikunci)" if run.locked_at else "")],
        signatures=signatures[:1],
    )


TPP_LIST = Report(
    name="ekinerja_tpp",
    title="Perhitungan dan daftar TPP",
    params=TppParams,
    build=build_tpp,
    permission=REGENCY,
    app="ekinerja",
    description="Computes the month's TPP (unless locked) and lists it per unit.",
)
REPORTS = (TPP_LIST,)
