"""The service-standard poster as an office hangs it up: the components, and a QR code
that leads a citizen with a phone to that service's satisfaction survey (SKM).

The QR code is drawn with reportlab's own ``reportlab.graphics.barcode.qr`` widget
and the address is printed under it, so a citizen without a QR reader can type
it. The address is on the regency's own host (``toolkit.regency_url``): the
regency's custom domain when it has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from smartcity.toolkit import Letterhead, ReportDocument, letterhead_block, pdf_fonts

MARGIN = 15 * mm
QR_SIZE = 38 * mm


@dataclass
class PosterDocument(ReportDocument):
    """The poster's table, and the address its QR code encodes."""

    survey_url: str = ""


def qr_drawing(url: str, size: float = QR_SIZE) -> Drawing:
    """A square drawing of the QR code of ``url`` (error correction M)."""
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    width, height = x1 - x0, y1 - y0
    drawing = Drawing(size, size, transform=[size / width, 0, 0, size / height, 0, 0])
    drawing.add(widget)
    return drawing


def render_poster(document: ReportDocument, head: Letterhead) -> bytes:
    if not isinstance(document, PosterDocument):
        raise TypeError("the poster renderer draws only a PosterDocument")
    regular, bold = pdf_fonts()
    title = ParagraphStyle("title", fontName=bold, fontSize=15, leading=19, spaceAfter=2 * mm)
    text = ParagraphStyle("text", fontName=regular, fontSize=9, leading=11.5)
    label = ParagraphStyle("label", parent=text, fontName=bold)
    small = ParagraphStyle("small", parent=text, fontSize=8, leading=10)
    buffer = BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=document.title,
        author=head.tenant_name,
        creator="Smart City Bandung",
    )
    width = template.width
    story: list[Flowable] = [*letterhead_block(head, width), Spacer(1, 3 * mm)]
    story.append(Paragraph(escape(document.title), title))
    for key, value in document.parameters:
        story.append(Paragraph(f"<b>{escape(key)}</b>: {escape(value)}", text))
    story.append(Spacer(1, 3 * mm))
    section = document.sections[0]
    rows: list[list[Any]] = [[Paragraph(escape(c.label), label) for c in section.columns]]
    for number, component, body in section.rows:
        rows.append(
            [
                Paragraph(str(number), text),
                Paragraph(escape(str(component)), label),
                Paragraph(escape(str(body)).replace("\n", "<br/>"), text),
            ]
        )
    table = Table(rows, colWidths=[10 * mm, 52 * mm, width - 62 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(1, 5 * mm))
    caption = [
        Paragraph("<b>Survei Kepuasan Masyarakat</b> / Satisfaction survey", text),
        Paragraph(
            "Pindai kode QR untuk menilai layanan ini, tanpa akun. "
            "Scan the QR code to rate this service, no account needed.",
            small,
        ),
        Spacer(1, 2 * mm),
        Paragraph(escape(document.survey_url), small),
    ]
    qr = Table(
        [[qr_drawing(document.survey_url), caption]],
        colWidths=[QR_SIZE + 4 * mm, width - QR_SIZE - 4 * mm],
    )
    qr.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story.append(KeepTogether([qr]))
    template.build(story)
    return buffer.getvalue()
