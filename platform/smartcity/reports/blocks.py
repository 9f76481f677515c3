"""The letterhead (kop) and signature blocks of official PDF documents.

Reusable reportlab flowables: :func:`letterhead_block` puts the regency's logo
beside its name over a double rule, as a kop surat does; :func:`signature_blocks`
lays out who signs (caption, place and date, position, room to sign and stamp,
name, NIP), one block to the right, two side by side, more in rows of three.
Any document built with reportlab's platypus can add them to its story; the
report renderer (:mod:`smartcity.reports.pdf`) does.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Image,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from smartcity.reports.document import Letterhead, SignatureBlock
from smartcity.reports.fonts import BOLD, REGULAR, register_fonts

log = logging.getLogger(__name__)

LOGO_HEIGHT = 20 * mm
SIGNING_ROOM = 20 * mm
PER_ROW = 3
REGENCY = ParagraphStyle("regency", fontName=BOLD, fontSize=16, leading=20, alignment=TA_CENTER)
SIGNATURE = ParagraphStyle(
    "signature", fontName=REGULAR, fontSize=9, leading=12, alignment=TA_CENTER
)
SIGNER = ParagraphStyle("signer", parent=SIGNATURE, fontName=BOLD)


def _logo(data: bytes | None) -> Flowable | None:
    """The logo scaled to the letterhead's height, or None if it cannot be read
    (the settings check only a PNG or JPEG signature, not the whole image)."""
    if not data:
        return None
    try:
        width, height = ImageReader(BytesIO(data)).getSize()
        return Image(BytesIO(data), LOGO_HEIGHT * width / height, LOGO_HEIGHT)
    except Exception:  # Pillow raises many kinds for a damaged image
        log.warning("the regency's logo is not a readable image; the letterhead leaves it out")
        return None


def letterhead_block(head: Letterhead, width: float) -> list[Flowable]:
    """The regency's logo and name across ``width``, over a thick and a thin rule."""
    register_fonts()
    name = Paragraph(escape(head.tenant_name), REGENCY)
    logo = _logo(head.logo)
    side = LOGO_HEIGHT * 1.6
    row = [logo or "", name, ""]
    table = Table([row], colWidths=[side, width - 2 * side, side], rowHeights=[LOGO_HEIGHT + 2])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),  # else Helvetica for empty cells
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 0), (0, 0), "LEFT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [
        table,
        Spacer(1, 1.5 * mm),
        HRFlowable(width="100%", thickness=2, color=colors.black, spaceAfter=0.6 * mm),
        HRFlowable(width="100%", thickness=0.5, color=colors.black, spaceAfter=4 * mm),
    ]


def _one(block: SignatureBlock) -> list[Flowable]:
    lines = [block.caption or "", block.dated, f"{block.position},"]
    signed: list[Flowable] = [Paragraph(escape(line), SIGNATURE) for line in lines if line]
    signed.append(Spacer(1, SIGNING_ROOM))
    signed.append(Paragraph(f"<u>{escape(block.name)}</u>", SIGNER))
    if block.nip_line:
        signed.append(Paragraph(escape(block.nip_line), SIGNATURE))
    return signed


def signature_blocks(blocks: Sequence[SignatureBlock], width: float) -> list[Flowable]:
    """The signature blocks, kept together on one page; nothing if there are none."""
    if not blocks:
        return []
    register_fonts()
    columns = max(2, min(PER_ROW, len(blocks)))
    cells: list[list[Flowable]] = [_one(block) for block in blocks]
    if len(blocks) == 1:
        cells.insert(0, [])  # one signer signs on the right
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    rows[-1] += [[]] * (columns - len(rows[-1]))
    table = Table(rows, colWidths=[width / columns] * columns)
    table.setStyle(
        TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    return [Spacer(1, 8 * mm), KeepTogether([table])]
