"""The RKA/DPA drawn as the regulation's forms (reportlab), with the core's kop and signatures.

Landscape A4: the rincian belanja needs its eight columns. Every form opens with its
heading and header block kept together (``KeepTogether``), so a heading never stands alone
at the foot of a page; inside the rincian an account row stays with the row after it
(``NOSPLIT``), and the table's header row repeats on every page.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from babel.numbers import format_decimal
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from smartcity.toolkit import (
    Letterhead,
    ReportDocument,
    letterhead_block,
    pdf_fonts,
    signature_blocks,
)

from .budget_documents import LINE_LEVEL, BudgetDocument, DetailForm, long_date

MARGIN = 12 * mm
GRID = colors.HexColor("#666666")
SUBTOTAL = colors.HexColor("#eef2f6")
NUMERIC = (3, 5, 6)  # volume, price and amount columns of the rincian
HEADING_ROOM = 35 * mm  # the least room a heading needs below it


class _Styles:
    def __init__(self) -> None:
        regular, bold = pdf_fonts()
        self.regular, self.bold = regular, bold
        self.base = ParagraphStyle("eb_base", fontName=regular, fontSize=8, leading=10)
        self.strong = ParagraphStyle("eb_strong", parent=self.base, fontName=bold)
        self.right = ParagraphStyle("eb_right", parent=self.base, alignment=TA_RIGHT)
        self.right_strong = ParagraphStyle("eb_right_b", parent=self.strong, alignment=TA_RIGHT)
        self.title = ParagraphStyle(
            "eb_title", fontName=bold, fontSize=11, leading=14, alignment=TA_CENTER
        )
        self.heading = ParagraphStyle(
            "eb_heading", fontName=bold, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3
        )


def _n(value: Decimal | None) -> str:
    return "" if value is None else format_decimal(value, locale="id")


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _pairs(pairs: Sequence[tuple[str, str]], st: _Styles, width: float) -> Table:
    table = Table(
        [[_p(label, st.strong), _p(":", st.base), _p(value, st.base)] for label, value in pairs],
        colWidths=[45 * mm, 5 * mm, width - 50 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), st.regular),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("LEFTPADDING", (1, 0), (1, -1), 1),
                ("RIGHTPADDING", (1, 0), (1, -1), 1),
                ("BOX", (0, 0), (-1, -1), 0.5, GRID),
            ]
        )
    )
    return table


def _grid(
    data: list[list[Any]], widths: list[float], st: _Styles, extra: list[tuple[Any, ...]]
) -> LongTable:
    table = LongTable(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), st.regular),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d9d9d9")),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                *extra,
            ]
        )
    )
    return table


def _title(document: BudgetDocument, form: str, st: _Styles, width: float) -> Table:
    """The document's name and year centred, the form code boxed on the right."""
    lines = [_p(document.title, st.title), _p(f"TAHUN ANGGARAN {document.year}", st.title)]
    if document.number:
        lines.append(_p(f"Nomor: {document.number}", st.title))
    table = Table([[lines, _p(form, st.title)]], colWidths=[width - 45 * mm, 45 * mm])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
                ("LINEBEFORE", (1, 0), (1, 0), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _summary(document: BudgetDocument, st: _Styles, width: float) -> list[Flowable]:
    year = document.year
    head = ["Kode", "Uraian", "Sumber Dana", "Lokasi", f"{year - 1}", f"{year}", f"{year + 1}"]
    data: list[list[Any]] = [[_p(h, st.strong) for h in head]]
    for row in document.summary:
        data.append(
            [
                _p(row.code, st.base),
                _p(row.name, st.base),
                _p(row.funding_source, st.base),
                _p(row.location, st.base),
                _p(_n(row.before), st.right),
                _p(_n(row.amount), st.right),
                _p(_n(row.after), st.right),
            ]
        )
    data.append(
        [
            "",
            _p("JUMLAH", st.strong),
            "",
            "",
            _p(_n(sum((r.before for r in document.summary), Decimal(0))), st.right_strong),
            _p(_n(document.summary_total), st.right_strong),
            _p(_n(sum((r.after for r in document.summary), Decimal(0))), st.right_strong),
        ]
    )
    weights = [1.7, 4.2, 1.3, 2.0, 1.5, 1.5, 1.5]
    widths = [width * w / sum(weights) for w in weights]
    table = _grid(data, widths, st, [("BACKGROUND", (0, -1), (-1, -1), SUBTOTAL)])
    heading = _p(
        f"Rekapitulasi Belanja menurut Sub Kegiatan ({document.prefix}-BELANJA SKPD)", st.heading
    )
    # A heading never ends a page: with less room than this left, it starts the next one.
    return [CondPageBreak(HEADING_ROOM), heading, table]


def _detail(
    form: DetailForm, document: BudgetDocument, st: _Styles, width: float
) -> list[Flowable]:
    heading = _p(f"{document.prefix}-RINCIAN BELANJA SKPD: {form.code} {form.name}", st.heading)
    indicators = _grid(
        [[_p(h, st.strong) for h in ("Indikator", "Tolok Ukur Kinerja", "Target Kinerja")]]
        + [[_p(a, st.base), _p(b, st.base), _p(c, st.base)] for a, b, c in form.indicators],
        [width * 0.2, width * 0.55, width * 0.25],
        st,
        [],
    )
    head = ["Kode Rekening", "Uraian", "Koefisien", "Volume", "Satuan", "Harga Satuan", "Jumlah"]
    data: list[list[Any]] = [
        [_p(h, st.right_strong if i in NUMERIC else st.strong) for i, h in enumerate(head)]
    ]
    # Plain strings where nothing wraps (codes, numbers): a Paragraph per cell would
    # double the time of a 1,250-line DPA.
    extra: list[tuple[Any, ...]] = [("ALIGN", (i, 1), (i, -1), "RIGHT") for i in NUMERIC]
    for index, row in enumerate(form.rows, start=1):
        if row.level < LINE_LEVEL:
            data.append([row.code, _p(row.text, st.strong), "", "", "", "", _n(row.amount)])
            extra += [
                ("BACKGROUND", (0, index), (-1, index), SUBTOTAL),
                ("FONTNAME", (0, index), (-1, index), st.bold),
                ("NOSPLIT", (0, index), (-1, index + 1)),
            ]
        else:
            data.append(
                [
                    "",
                    _p(row.text, st.base),
                    _p(row.coefficient, st.base),
                    _n(row.volume),
                    _p(row.unit, st.base),
                    _n(row.price),
                    _n(row.amount),
                ]
            )
    data.append(["", _p("JUMLAH", st.strong), "", "", "", "", _n(form.total)])
    extra += [
        ("BACKGROUND", (0, -1), (-1, -1), SUBTOTAL),
        ("FONTNAME", (0, -1), (-1, -1), st.bold),
        ("NOSPLIT", (0, -2), (-1, -1)),  # the total never stands alone on a page
    ]
    weights = [1.9, 4.6, 1.8, 0.9, 1.1, 1.4, 1.5]
    widths = [width * w / sum(weights) for w in weights]
    rincian = _grid(data, widths, st, extra)
    review = [
        ("Tanggal Pembahasan", form.review_date or "-"),
        ("Catatan Hasil Pembahasan", "; ".join(form.review_notes) or "-"),
    ]
    return [
        KeepTogether(
            [
                heading,
                _pairs(form.header, st, width),
                Spacer(1, 2 * mm),
                indicators,
                Spacer(1, 2 * mm),
            ]
        ),
        rincian,
        Spacer(1, 2 * mm),
        KeepTogether([_pairs(review, st, width)]),
    ]


def _tapd(document: BudgetDocument, st: _Styles, width: float) -> list[Flowable]:
    heading = _p("Tim Anggaran Pemerintah Daerah", st.heading)
    data: list[list[Any]] = [
        [_p(h, st.strong) for h in ("No", "Nama", "NIP", "Jabatan", "Tanda Tangan")]
    ]
    for number, (name, nip, position) in enumerate(document.tapd, 1):
        data.append(
            [
                _p(str(number), st.base),
                _p(name, st.base),
                _p(nip or "-", st.base),
                _p(position, st.base),
                "",
            ]
        )
    if len(data) == 1:
        data.append(["", _p("-", st.base), "", "", ""])
    weights = [0.5, 4, 2.6, 2.4, 2.5]
    table = _grid(data, [width * w / sum(weights) for w in weights], st, [])
    return [KeepTogether([heading, table])]


def render_budget_pdf(document: ReportDocument, head: Letterhead) -> bytes:
    """The RKA/DPA as the regulation's forms; the report's build always gives a BudgetDocument."""
    if not isinstance(document, BudgetDocument):
        raise TypeError("the budget document renderer draws only a BudgetDocument")
    st = _Styles()
    pagesize = landscape(A4)
    buffer = BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=document.title,
        author=head.tenant_name,
        creator="Smart City Bandung",
    )
    width = template.width
    story: list[Flowable] = [
        *letterhead_block(head, width),
        _title(document, f"{document.prefix}-SKPD", st, width),
        Spacer(1, 3 * mm),
        _pairs(document.opd_block, st, width),
    ]
    story += _summary(document, st, width)
    for form in document.forms:
        story += _detail(form, document, st, width)
    story += _tapd(document, st, width)
    story += signature_blocks(document.signatures, width)
    printed = long_date(head.generated_at.astimezone(head.timezone).date())
    footer = f"{document.prefix}-SKPD {document.year} · {head.tenant_name} · dicetak {printed}"

    def on_page(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(st.regular, 7)
        canvas.drawString(MARGIN, 7 * mm, footer)
        canvas.drawRightString(pagesize[0] - MARGIN, 7 * mm, f"Halaman {doc.page}")
        canvas.restoreState()

    template.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
