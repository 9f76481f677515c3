"""PDF rendering (reportlab): the regency's letterhead, tables that paginate, signatures.

The first page opens with the letterhead (logo and name), later pages carry the
name in a running header. A table longer than a page continues on the next with
its header row repeated; wide tables switch the page to landscape. Numbers and
dates are written the Indonesian way (1.234,5 and 30 Nov 2026). All text is set
in an embedded Unicode font (:mod:`smartcity.reports.fonts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from smartcity.reports.blocks import letterhead_block, signature_blocks
from smartcity.reports.document import Column, Letterhead, ReportDocument, Section, Value
from smartcity.reports.fonts import BOLD, REGULAR, register_fonts

LOCALE = "id"
HEADER_BLUE = colors.HexColor("#1f4e79")
ZEBRA = colors.HexColor("#f2f5f9")
TOTAL_FILL = colors.HexColor("#dde6f0")
MARGIN = 15 * mm
BASE = ParagraphStyle("base", fontName=REGULAR, fontSize=8, leading=10)
HEAD = ParagraphStyle("head", parent=BASE, fontName=BOLD, textColor=colors.white)
HEAD_NUMBER = ParagraphStyle("head_number", parent=HEAD, alignment=TA_RIGHT)
TITLE = ParagraphStyle("title", fontName=BOLD, fontSize=14, leading=18, spaceAfter=4)
SECTION = ParagraphStyle(
    "section", fontName=BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4
)
LABEL = ParagraphStyle("label", parent=BASE, fontName=BOLD)
NOTE = ParagraphStyle("note", parent=BASE, textColor=colors.HexColor("#555555"))


def render_pdf(document: ReportDocument, head: Letterhead) -> bytes:
    register_fonts()
    wide = any(len(section.columns) > 5 for section in document.sections)
    pagesize = landscape(A4) if wide else A4
    buffer = BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=24 * mm,
        bottomMargin=16 * mm,
        title=document.title,
        author=head.tenant_name,
        creator="Smart City Bandung",
    )
    story: list[Flowable] = [
        *letterhead_block(head, template.width),
        Paragraph(escape(document.title), TITLE),
    ]
    if document.parameters:
        story.append(_parameters(document.parameters))
    for section in document.sections:
        story.append(Paragraph(escape(section.title), SECTION))
        if section.rows or section.total:
            story.append(_table(section, head, template.width))
        else:
            story.append(Paragraph(escape(section.empty_text), BASE))
    for note in document.notes:
        story.append(Spacer(1, 4 * mm))
        story.append(Paragraph(escape(note), NOTE))
    story.extend(signature_blocks(document.signatures, template.width))

    printed = format_datetime(
        head.generated_at, "d MMMM yyyy HH.mm", tzinfo=head.timezone, locale=LOCALE
    )

    def first_page(canvas: Canvas, _doc: Any) -> None:
        # The letterhead at the top of the story heads the first page.
        canvas.saveState()
        canvas.setFont(REGULAR, 8)
        canvas.drawString(MARGIN, 9 * mm, f"Dicetak {printed}")
        canvas.restoreState()

    def later_page(canvas: Canvas, doc: Any) -> None:
        width, height = pagesize
        canvas.saveState()
        canvas.setFont(BOLD, 10)
        canvas.drawString(MARGIN, height - 12 * mm, head.tenant_name)
        canvas.setFont(REGULAR, 9)
        canvas.drawRightString(width - MARGIN, height - 12 * mm, document.title[:90])
        canvas.setStrokeColor(HEADER_BLUE)
        canvas.line(MARGIN, height - 14.5 * mm, width - MARGIN, height - 14.5 * mm)
        canvas.restoreState()
        first_page(canvas, doc)

    template.build(
        story, onFirstPage=first_page, onLaterPages=later_page, canvasmaker=_NumberedCanvas
    )
    return buffer.getvalue()


class _NumberedCanvas(Canvas):
    """Writes "Halaman X dari Y": the total is known only once every page is laid out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Else every page starts in Helvetica, a font with no ṣ, ā or ễ, listed unused
        # (the doc template passes None when it is not told).
        kwargs["initialFontName"] = kwargs.get("initialFontName") or REGULAR
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            width = self._pagesize[0]  # type: ignore[attr-defined]
            self.setFont(REGULAR, 8)
            self.drawRightString(width - MARGIN, 9 * mm, f"Halaman {number} dari {total}")
            super().showPage()
        super().save()


def _parameters(pairs: Sequence[tuple[str, str]]) -> Flowable:
    rows = [
        [Paragraph(escape(label), LABEL), Paragraph(escape(value), BASE)] for label, value in pairs
    ]
    table = LongTable(rows, colWidths=[40 * mm, None], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _table(section: Section, head: Letterhead, width: float) -> Flowable:
    columns = list(section.columns)
    total_weight = sum(c.width for c in columns) or 1.0
    widths = [width * c.width / total_weight for c in columns]
    data: list[list[Any]] = [
        [Paragraph(escape(c.label), HEAD_NUMBER if c.numeric else HEAD) for c in columns]
    ]
    data.extend(
        [_cell(c, v, head) for c, v in zip(columns, row, strict=False)] for row in section.rows
    )
    if section.total is not None:
        data.append([_cell(c, v, head) for c, v in zip(columns, section.total, strict=False)])
    table = LongTable(data, colWidths=widths, repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BLUE),
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 1), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa7b4")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for index, column in enumerate(columns):
        if column.numeric:
            style.append(("ALIGN", (index, 1), (index, -1), "RIGHT"))
    if section.total is not None:
        style += [
            ("FONTNAME", (0, -1), (-1, -1), BOLD),
            ("BACKGROUND", (0, -1), (-1, -1), TOTAL_FILL),
        ]
    table.setStyle(TableStyle(style))
    return table


def _cell(column: Column, value: Value, head: Letterhead) -> Any:
    text = format_value(column, value, head)
    return Paragraph(escape(text), BASE) if column.wrap else text


def format_value(column: Column, value: Value, head: Letterhead) -> str:
    """A value as an Indonesian reader expects it on paper."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, int | float | Decimal) and column.numeric:
        return format_decimal(value, locale=LOCALE)
    if isinstance(value, datetime):
        return format_datetime(value, "dd/MM/yyyy HH.mm", tzinfo=head.timezone, locale=LOCALE)
    if isinstance(value, date):
        return format_date(value, "d MMM yyyy", locale=LOCALE)
    return str(value)
