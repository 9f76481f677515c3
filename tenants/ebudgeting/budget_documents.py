"""The RKA-SKPD and DPA-SKPD (DPPA after a revision) of one OPD, as Permendagri 77/2020 lays
them out: what is printed, independent of PDF or spreadsheet.

A document has the OPD's block (urusan, bidang, organisation), the belanja form (every sub
kegiatan with its funding source, location and the amounts of the year before, the year and
the year after), one rincian belanja form per sub kegiatan (the header block of urusan /
bidang / program / kegiatan / sub kegiatan, the performance indicators capaian program,
masukan, keluaran and hasil, kelompok sasaran, lokasi, waktu pelaksanaan, sumber dana, then
the lines under their account hierarchy with a subtotal at every level, volume and unit
apart), the TAPD verification table (the TAPD the regency keeps, ``tapd.py``) and the
signature of the head of the SKPD on the RKA, of the PPKD on the DPA/DPPA. The title and
the form codes follow the stage: RKA while planned, DPA with its number once issued, RKPA and
DPPA for the revision. ``budget_pdf`` draws it; the spreadsheet is the same content as
tables (``as_sections``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from smartcity.toolkit import (
    CellValue,
    Column,
    OrgUnit,
    ReportDocument,
    Section,
    SignatureBlock,
    Staff,
    number,
    rupiah,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import indicators, stages, tapd
from .access import Actor
from .codes import kegiatan_code, program_code
from .coefficients import coefficient_text
from .models import (
    Account,
    BudgetLine,
    CatalogueItem,
    FiscalYear,
    Nomenclature,
    ReviewEvent,
    Snapshot,
    SnapshotLine,
    SubActivity,
)

LIVE = "live"
#: stage -> (the document's name, its form prefix)
TITLES = {
    LIVE: ("RENCANA KERJA DAN ANGGARAN SATUAN KERJA PERANGKAT DAERAH", "RKA"),
    "rka": ("RENCANA KERJA DAN ANGGARAN SATUAN KERJA PERANGKAT DAERAH", "RKA"),
    "apbd": ("RENCANA KERJA DAN ANGGARAN SATUAN KERJA PERANGKAT DAERAH", "RKA"),
    "dpa": ("DOKUMEN PELAKSANAAN ANGGARAN SATUAN KERJA PERANGKAT DAERAH", "DPA"),
    "rka_p": ("RENCANA KERJA DAN PERUBAHAN ANGGARAN SATUAN KERJA PERANGKAT DAERAH", "RKPA"),
    "dppa": ("DOKUMEN PELAKSANAAN PERUBAHAN ANGGARAN SATUAN KERJA PERANGKAT DAERAH", "DPPA"),
}
#: The adopted budget of a year, newest first: what "the year before" amounts to.
ADOPTED = ("dppa", "dpa", "apbd")
ACCOUNT_LEVELS = 6
LINE_LEVEL = 7


def long_date(day: date) -> str:
    return format_date(day, "d MMMM y", locale="id")


@dataclass(frozen=True)
class DetailRow:
    """A row of the rincian belanja: an account at ``level`` 1-6 (with the subtotal of the
    lines below it) or a line (level 7) with its volume, unit and price."""

    code: str
    text: str
    level: int
    amount: Decimal
    volume: Decimal | None = None
    unit: str = ""
    price: Decimal | None = None
    coefficient: str = ""


@dataclass
class DetailForm:
    """The rincian belanja form of one sub kegiatan."""

    code: str
    name: str
    header: list[tuple[str, str]]
    indicators: list[tuple[str, str, str]]
    rows: list[DetailRow]
    total: Decimal
    review_date: str
    review_notes: list[str]


@dataclass
class SummaryRow:
    code: str
    name: str
    funding_source: str
    location: str
    before: Decimal
    amount: Decimal
    after: Decimal


@dataclass(slots=True)
class BudgetDocument(ReportDocument):
    """An RKA/DPA as printed; ``sections`` hold the same content as tables (XLSX)."""

    stage: str = LIVE
    prefix: str = "RKA"
    number: str | None = None
    number_date: date | None = None
    year: int = 0
    opd_block: list[tuple[str, str]] = field(default_factory=list)
    summary: list[SummaryRow] = field(default_factory=list)
    forms: list[DetailForm] = field(default_factory=list)
    tapd: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def summary_total(self) -> Decimal:
        return sum((row.amount for row in self.summary), Decimal(0))


@dataclass(frozen=True)
class _Line:
    sub_code: str
    account: str
    item: str
    specification: str
    description: str
    factors: list[dict[str, str]]
    volume: Decimal
    unit: str
    price: Decimal
    amount: Decimal


def _lines(session: Session, fiscal_year: FiscalYear, stage: str, unit: OrgUnit) -> list[_Line]:
    if stage == LIVE:
        query = (
            select(
                SubActivity.sub_kegiatan_code,
                BudgetLine.account_code,
                CatalogueItem.name,
                CatalogueItem.specification,
                BudgetLine.description,
                BudgetLine.factors,
                BudgetLine.volume,
                BudgetLine.unit,
                BudgetLine.unit_price,
                BudgetLine.amount,
            )
            .join(SubActivity, SubActivity.id == BudgetLine.sub_activity_id)
            .join(CatalogueItem, CatalogueItem.id == BudgetLine.catalogue_item_id)
            .where(SubActivity.fiscal_year_id == fiscal_year.id, SubActivity.org_unit_id == unit.id)
            .order_by(SubActivity.sub_kegiatan_code, BudgetLine.account_code, BudgetLine.id)
        )
    else:
        snap = stages.snapshot_of(session, fiscal_year, stage)
        assert snap is not None  # noqa: S101 - the caller checked the stage was taken
        query = (
            select(
                SnapshotLine.sub_kegiatan_code,
                SnapshotLine.account_code,
                CatalogueItem.name,
                CatalogueItem.specification,
                SnapshotLine.description,
                SnapshotLine.factors,
                SnapshotLine.volume,
                SnapshotLine.unit,
                SnapshotLine.unit_price,
                SnapshotLine.amount,
            )
            .join(CatalogueItem, CatalogueItem.id == SnapshotLine.catalogue_item_id)
            .where(SnapshotLine.snapshot_id == snap.id, SnapshotLine.org_unit_id == unit.id)
            .order_by(
                SnapshotLine.sub_kegiatan_code, SnapshotLine.account_code, SnapshotLine.line_id
            )
        )
    return [_Line(*row) for row in session.execute(query).all()]


def account_chain(code: str) -> list[str]:
    """``5.1.02.01.01.0024`` and every account above it, from the top (``5``)."""
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def detail_rows(lines: Iterable[_Line], accounts: dict[str, str]) -> list[DetailRow]:
    """The lines under their account hierarchy, each account once with its subtotal."""
    lines = list(lines)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        for code in account_chain(line.account):
            totals[code] += line.amount
    rows: list[DetailRow] = []
    shown: set[str] = set()
    for line in sorted(lines, key=lambda ln: ln.account):
        for level, code in enumerate(account_chain(line.account), 1):
            if code not in shown:
                shown.add(code)
                rows.append(DetailRow(code, accounts.get(code, ""), level, totals[code]))
        text = " ".join(p for p in (line.item, line.specification) if p)
        if line.description:
            text = f"{text} ({line.description})"
        rows.append(
            DetailRow(
                "",
                text,
                LINE_LEVEL,
                line.amount,
                volume=line.volume,
                unit=line.unit,
                price=line.price,
                coefficient=coefficient_text(line.factors),
            )
        )
    return rows


def _year_totals(
    session: Session, year: int, unit: OrgUnit, stages_newest_first: tuple[str, ...]
) -> dict[str, Decimal]:
    """Per sub kegiatan, the OPD's budget of ``year``: its adopted stage, else its draft."""
    fiscal_year = session.scalar(select(FiscalYear).where(FiscalYear.year == year))
    if fiscal_year is None:
        return {}
    snap = stages.latest_snapshot(session, fiscal_year, stages_newest_first)
    if snap is not None:
        query = (
            select(SnapshotLine.sub_kegiatan_code, func.sum(SnapshotLine.amount))
            .where(SnapshotLine.snapshot_id == snap.id, SnapshotLine.org_unit_id == unit.id)
            .group_by(SnapshotLine.sub_kegiatan_code)
        )
    else:
        query = (
            select(SubActivity.sub_kegiatan_code, func.sum(BudgetLine.amount))
            .join(BudgetLine, BudgetLine.sub_activity_id == SubActivity.id)
            .where(SubActivity.fiscal_year_id == fiscal_year.id, SubActivity.org_unit_id == unit.id)
            .group_by(SubActivity.sub_kegiatan_code)
        )
    return {code: Decimal(total) for code, total in session.execute(query)}


def head_of(session: Session, unit: OrgUnit) -> Staff | None:
    """The head of the SKPD: its active staff of the highest echelon."""
    return session.scalar(
        select(Staff)
        .where(Staff.unit_id == unit.id, Staff.is_active.is_(True), Staff.echelon.is_not(None))
        .order_by(Staff.echelon, Staff.id)
        .limit(1)
    )


def tapd_members(session: Session) -> list[tuple[str, str, str]]:
    """(name, NIP, position) of the regency's TAPD as it keeps it (``tapd.py``):
    the chair, the secretary, then the members; NIPs from the core's roster."""
    return [(m.name, m.nip, m.position) for m in tapd.members(session)]


def _review(session: Session, sub_ids: list[int]) -> dict[int, tuple[str, list[str]]]:
    """Per sub-activity: the date TAPD last locked it, and the notes it returned with."""
    found: dict[int, tuple[str, list[str]]] = {}
    events = session.scalars(
        select(ReviewEvent)
        .where(ReviewEvent.sub_activity_id.in_(sub_ids))
        .order_by(ReviewEvent.sub_activity_id, ReviewEvent.id)
    )
    for event in events:
        day, notes = found.get(event.sub_activity_id, ("", []))
        if event.action == "lock":
            day = long_date(event.at.date())
        if event.action == "return" and event.note:
            notes = [*notes, event.note]
        found[event.sub_activity_id] = (day, notes)
    return found


def _signatures(
    session: Session, unit: OrgUnit, *, issued: bool, place: str, day: date
) -> list[SignatureBlock]:
    """The DPA/DPPA is approved and signed by the PPKD; the RKA by the head of the SKPD."""
    if issued:
        officer = tapd.ppkd(session)
        return [
            SignatureBlock(
                position=tapd.PPKD,
                name=officer.name if officer else "",
                nip=officer.nip if officer else None,
                place=place,
                day=day,
                caption="Mengesahkan,",
            )
        ]
    head = head_of(session, unit)
    return [
        SignatureBlock(
            position=f"Kepala {unit.name}",
            name=head.name if head else "",
            nip=head.nip if head else None,
            place=place,
            day=day,
        )
    ]


def _named(unit: OrgUnit) -> str:
    """A unit as the regulation's header names it: by its SIPD code when it has one."""
    return f"{unit.sipd_code or unit.code} {unit.name}"


def _sub_units(session: Session, subs: list[SubActivity]) -> dict[int, OrgUnit]:
    """The sub-units these sub-activities sit at (SIPD's unit SKPD), by id."""
    wanted = {s.sub_unit_id for s in subs if s.sub_unit_id is not None}
    return {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(wanted)))}


def build_document(
    session: Session,
    fiscal_year: FiscalYear,
    stage: str,
    unit: OrgUnit,
    *,
    region_name: str,
    signing_place: str,
    today: date,
    actor: Actor,
) -> BudgetDocument:
    """The RKA/DPA of ``unit`` at ``stage`` (``live``: the plans as they stand)."""
    del actor  # the caller checked the actor sees the unit
    name, prefix = TITLES[stage]
    snap: Snapshot | None = (
        None if stage == LIVE else stages.snapshot_of(session, fiscal_year, stage)
    )
    issued = stage in ("dpa", "dppa")
    lines = _lines(session, fiscal_year, stage, unit)
    subs = {
        s.sub_kegiatan_code: s
        for s in session.scalars(
            select(SubActivity).where(
                SubActivity.fiscal_year_id == fiscal_year.id, SubActivity.org_unit_id == unit.id
            )
        )
    }
    per_sub: dict[str, list[_Line]] = defaultdict(list)
    for line in lines:
        per_sub[line.sub_code].append(line)
    codes = sorted(set(per_sub) | set(subs))
    wanted = {c for code in codes for c in (code, kegiatan_code(code), program_code(code))}
    wanted |= {code[:4] for code in codes} | {code[:1] for code in codes}
    nodes = {
        n.code: n
        for n in session.scalars(select(Nomenclature).where(Nomenclature.code.in_(wanted)))
    }
    sub_units = _sub_units(session, list(subs.values()))
    account_codes = {c for line in lines for c in account_chain(line.account)}
    accounts = dict(
        session.execute(
            select(Account.code, Account.name).where(Account.code.in_(account_codes))
        ).all()
    )
    before = _year_totals(session, fiscal_year.year - 1, unit, ADOPTED)
    after = _year_totals(session, fiscal_year.year + 1, unit, ADOPTED)
    review = _review(session, [s.id for s in subs.values()])

    def label(code: str) -> str:
        node = nodes.get(code)
        return f"{code} {node.name}" if node else code

    summary: list[SummaryRow] = []
    forms: list[DetailForm] = []
    own_indicators = indicators.of_unit(session, fiscal_year, unit.id)
    for code in codes:
        sub = subs.get(code)
        sub_lines = per_sub.get(code, [])
        total = sum((ln.amount for ln in sub_lines), Decimal(0))
        funding = sub.funding_source if sub else ""
        location = sub.location if sub else ""
        summary.append(
            SummaryRow(
                code,
                nodes[code].name if code in nodes else "",
                funding,
                location,
                before.get(code, Decimal(0)),
                total,
                after.get(code, Decimal(0)),
            )
        )
        program = nodes.get(program_code(code))
        kegiatan = nodes.get(kegiatan_code(code))
        output = f"{number(sub.target)} {sub.target_unit}" if sub else ""
        at = sub_units.get(sub.sub_unit_id or 0, unit) if sub else unit
        header = [
            ("Urusan Pemerintahan", label(code[:1])),
            ("Bidang Urusan", label(code[:4])),
            ("Program", label(program_code(code))),
            ("Kegiatan", label(kegiatan_code(code))),
            ("Organisasi", _named(unit)),
            ("Unit", _named(at)),
            ("Sub Kegiatan", label(code)),
            ("Sumber Pendanaan", funding),
            ("Lokasi", location),
            ("Waktu Pelaksanaan", (sub.implementation_period if sub else "") or "-"),
            ("Kelompok Sasaran", (sub.target_group if sub else "") or "-"),
            (f"Alokasi {fiscal_year.year - 1}", rupiah(before.get(code, Decimal(0)))),
            (f"Alokasi {fiscal_year.year}", rupiah(total)),
            (f"Alokasi {fiscal_year.year + 1}", rupiah(after.get(code, Decimal(0)))),
        ]
        # The OPD's own capaian program and hasil (with targets), else the standard ones.
        outcome = indicators.printed(own_indicators, program_code(code), program)
        result = indicators.printed(own_indicators, kegiatan_code(code), kegiatan)
        indicator_rows = [
            ("Capaian Program", outcome.text, outcome.target),
            ("Masukan", "Dana yang dibutuhkan", rupiah(total)),
            ("Keluaran", sub.output_indicator if sub else "-", output or "-"),
            ("Hasil", result.text, result.target),
        ]
        day, notes = review.get(sub.id, ("", [])) if sub else ("", [])
        forms.append(
            DetailForm(
                code,
                nodes[code].name if code in nodes else "",
                header,
                indicator_rows,
                detail_rows(sub_lines, accounts),
                total,
                day,
                notes,
            )
        )
    signed_on = snap.document_date if snap is not None and snap.document_date else today
    signatures = _signatures(session, unit, issued=issued, place=signing_place, day=signed_on)
    first_code = codes[0] if codes else unit.code
    opd_block = [
        ("Urusan Pemerintahan", label(first_code[:1]) if codes else "-"),
        ("Bidang Urusan", label(first_code[:4]) if codes else "-"),
        ("Organisasi", _named(unit)),
        ("Pemerintah", region_name),
        ("Tahun Anggaran", str(fiscal_year.year)),
    ]
    number_label = "Nomor DPPA" if stage == "dppa" else "Nomor DPA"
    if issued:
        opd_block.insert(
            0,
            (
                number_label,
                (snap.document_number or "-") if snap is not None else "-",
            ),
        )
    document = BudgetDocument(
        title=f"{name} ({prefix}-SKPD)",
        sections=[],
        parameters=opd_block,
        signatures=signatures,
        stage=stage,
        prefix=prefix,
        number=snap.document_number if issued and snap is not None else None,
        number_date=snap.document_date if issued and snap is not None else None,
        year=fiscal_year.year,
        opd_block=opd_block,
        summary=summary,
        forms=forms,
        tapd=tapd_members(session),
    )
    document.sections = as_sections(document)
    return document


def as_sections(document: BudgetDocument) -> list[Section]:
    """The document as tables: the spreadsheet of it (one sheet each)."""
    year = document.year
    summary = Section(
        f"{document.prefix}-BELANJA SKPD",
        [
            Column("Kode", width=1.6),
            Column("Sub kegiatan", width=3.5, wrap=True),
            Column("Sumber dana", width=1.3),
            Column("Lokasi", width=1.6, wrap=True),
            Column(f"{year - 1} (Rp)", kind="number", width=1.5),
            Column(f"{year} (Rp)", kind="number", width=1.5),
            Column(f"{year + 1} (Rp)", kind="number", width=1.5),
        ],
        [
            [r.code, r.name, r.funding_source, r.location, r.before, r.amount, r.after]
            for r in document.summary
        ],
        total=[
            "",
            "Jumlah",
            "",
            "",
            sum((r.before for r in document.summary), Decimal(0)),
            document.summary_total,
            sum((r.after for r in document.summary), Decimal(0)),
        ],
    )
    headers = Section(
        "Sub kegiatan",
        [
            Column("Kode sub kegiatan", width=1.6),
            Column("Keterangan", width=2),
            Column("Isi", width=5),
        ],
        [
            [form.code, label, value]
            for form in document.forms
            for label, value in [
                *form.header,
                *((f"Indikator {i}: {t}", v) for i, t, v in form.indicators),
            ]
        ],
    )
    detail: list[list[CellValue]] = []
    for form in document.forms:
        for row in form.rows:
            detail.append(
                [
                    form.code,
                    row.code,
                    row.level,
                    row.text,
                    row.coefficient,
                    row.volume,
                    row.unit,
                    row.price,
                    row.amount,
                ]
            )
    rincian = Section(
        f"{document.prefix}-RINCIAN BELANJA SKPD",
        [
            Column("Sub kegiatan", width=1.6),
            Column("Kode rekening", width=1.6),
            Column("Tingkat", kind="int", width=0.6),
            Column("Uraian", width=4, wrap=True),
            Column("Koefisien", width=1.6),
            Column("Volume", kind="number", width=0.8),
            Column("Satuan", width=1),
            Column("Harga satuan (Rp)", kind="number", width=1.4),
            Column("Jumlah (Rp)", kind="number", width=1.5),
        ],
        detail,
        total=["", "", None, "Jumlah", "", None, "", None, document.summary_total],
    )
    tapd = Section(
        "Tim Anggaran Pemerintah Daerah",
        [
            Column("No", kind="int", width=0.4),
            Column("Nama", width=3),
            Column("NIP", width=2),
            Column("Jabatan", width=2),
        ],
        [[i, name, nip, position] for i, (name, nip, position) in enumerate(document.tapd, 1)],
    )
    return [summary, headers, rincian, tapd]
