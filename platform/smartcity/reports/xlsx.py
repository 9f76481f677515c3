"""XLSX rendering: SpreadsheetML streamed straight into the zip.

openpyxl costs 15-50 us a cell (it hashes style objects for every cell), and
e-Budgeting's realization report has 50,000 DPA lines x 22 columns, over a
million cells: about a minute. This writer produces the same workbook (title
block, a styled header row frozen under it, numbers kept as numbers with a
thousands format, dates and times as dates, a bold total row) by writing the
XML itself, at about 1 us a cell, and never holds a sheet's XML in memory.

Numbers stay numbers and dates stay dates (so people can sum and filter);
Excel has no time zones, so a datetime is shown in the regency's wall-clock
time. Text is always an inline string cell: it is never evaluated, and a text
that looks like a formula also carries Excel's ``quotePrefix`` style (see
:mod:`smartcity.reports.injection`).
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from smartcity.reports.document import Column, Letterhead, ReportDocument, Section
from smartcity.reports.injection import formula_like

# cellXfs in styles.xml, by role
(
    TITLE,
    BOLD,
    HEADER,
    TEXT,
    INT,
    NUMBER,
    DAY,
    TOTAL_TEXT,
    TOTAL_INT,
    TOTAL_NUMBER,
    MOMENT,
) = range(1, 12)
PLAIN = 0
NUMERIC = {"int": (INT, TOTAL_INT), "number": (NUMBER, TOTAL_NUMBER)}
EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - Excel's serial dates have no zone
SECONDS_A_DAY = 86_400
MAX_WIDTH = 60
SHEET_NAME_BAD = str.maketrans(dict.fromkeys("[]:*?/\\", " "))

_SIDE = '<{0} style="thin"><color rgb="FF9AA7B4"/></{0}>'
_BORDER = "<border>" + "".join(_SIDE.format(s) for s in ("left", "right", "top", "bottom"))
_FILLED = 'applyFont="1" applyFill="1" applyBorder="1"'
_CELL_XFS = [
    "<xf/>",  # PLAIN
    '<xf fontId="1" applyFont="1"/>',  # TITLE
    '<xf fontId="2" applyFont="1"/>',  # BOLD
    f'<xf fontId="3" fillId="2" borderId="1" {_FILLED} applyAlignment="1">'  # HEADER
    '<alignment vertical="center" wrapText="1"/></xf>',
    '<xf borderId="1" applyBorder="1"/>',  # TEXT
    '<xf numFmtId="3" borderId="1" applyNumberFormat="1" applyBorder="1"/>',  # INT
    '<xf numFmtId="4" borderId="1" applyNumberFormat="1" applyBorder="1"/>',  # NUMBER
    '<xf numFmtId="164" borderId="1" applyNumberFormat="1" applyBorder="1"/>',  # DAY
    f'<xf fontId="2" fillId="3" borderId="1" {_FILLED}/>',  # TOTAL_TEXT
    f'<xf numFmtId="3" fontId="2" fillId="3" borderId="1" applyNumberFormat="1" {_FILLED}/>',
    f'<xf numFmtId="4" fontId="2" fillId="3" borderId="1" applyNumberFormat="1" {_FILLED}/>',
    '<xf numFmtId="165" borderId="1" applyNumberFormat="1" applyBorder="1"/>',  # MOMENT
]
#: Each text style's twin with ``quotePrefix``: Excel keeps such a cell text when edited.
QUOTED = {
    style: len(_CELL_XFS) + n
    for n, style in enumerate((PLAIN, TITLE, BOLD, HEADER, TEXT, TOTAL_TEXT))
}
_CELL_XFS += [_CELL_XFS[style].replace("<xf", '<xf quotePrefix="1"', 1) for style in QUOTED]
STYLES = "".join(
    (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
        '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>',
        '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm"/></numFmts>',
        '<fonts count="4"><font><sz val="11"/><name val="Calibri"/></font>',
        '<font><b/><sz val="14"/><name val="Calibri"/></font>',
        '<font><b/><sz val="11"/><name val="Calibri"/></font>',
        '<font><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="Calibri"/></font></fonts>',
        '<fills count="4"><fill><patternFill patternType="none"/></fill>',
        '<fill><patternFill patternType="gray125"/></fill>',
        '<fill><patternFill patternType="solid"><fgColor rgb="FF1F4E79"/></patternFill></fill>',
        '<fill><patternFill patternType="solid"><fgColor rgb="FFDDE6F0"/></patternFill></fill>',
        "</fills>",
        f'<borders count="2"><border/>{_BORDER}</border></borders>',
        '<cellStyleXfs count="1"><xf/></cellStyleXfs>',
        f'<cellXfs count="{len(_CELL_XFS)}">',
        *_CELL_XFS,
        "</cellXfs>",
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>',
        "</styleSheet>",
    )
)


#: control characters XML 1.0 cannot carry (tab, newline and return can)
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _text(ref: str, value: str, style: int) -> str:
    """An inline string cell: a string constant, never a formula, whatever it holds."""
    if formula_like(value):
        style = QUOTED[style]
    # A raw CR would come back as LF (XML normalises line ends): write it as a reference.
    text = escape(value.translate(_CONTROL), {"\r": "&#13;"})
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _serial(moment: datetime, head: Letterhead) -> str:
    """Excel's serial date-time (days since 1899-12-30) of the regency's wall-clock time."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(head.timezone).replace(tzinfo=None)
    delta = moment - EXCEL_EPOCH
    return repr(delta.days + (delta.seconds + delta.microseconds / 1e6) / SECONDS_A_DAY)


def _cell(ref: str, column: Column, value: object, total: bool, head: Letterhead) -> str:
    text_style = TOTAL_TEXT if total else TEXT
    if value is None or value == "":
        return f'<c r="{ref}" s="{text_style}"/>'
    if isinstance(value, bool):
        value = "Ya" if value else "Tidak"
    elif isinstance(value, int | float | Decimal) and column.numeric:
        number = format(value, "f") if isinstance(value, Decimal) else repr(value)
        if isinstance(value, int) or math.isfinite(value):
            style = NUMERIC[column.kind][1 if total else 0]
            return f'<c r="{ref}" s="{style}"><v>{number}</v></c>'
    elif isinstance(value, datetime):
        return f'<c r="{ref}" s="{MOMENT}"><v>{_serial(value, head)}</v></c>'
    elif isinstance(value, date):
        serial = (datetime.combine(value, time.min) - EXCEL_EPOCH).days
        return f'<c r="{ref}" s="{DAY}"><v>{serial}</v></c>'
    return _text(ref, str(value), text_style)


def _width(column: Column, rows: Sequence[Sequence[object]], index: int) -> float:
    sample = [len(str(r[index])) for r in rows[:500] if index < len(r) and r[index] is not None]
    widest = max([len(column.label), *sample])
    if column.numeric:
        widest += widest // 3  # thousands separators
    if column.kind == "datetime":
        widest = max(widest, 16)
    return min(MAX_WIDTH, max(8, widest + 2))


def _sheet(document: ReportDocument, section: Section, head: Letterhead) -> Iterable[str]:
    columns = list(section.columns)
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    preamble: list[tuple[str, int]] = [
        (document.title, TITLE),
        (head.tenant_name, PLAIN),
        *((f"{label}: {value}", PLAIN) for label, value in document.parameters),
        (section.title, BOLD),
    ]
    header_row = len(preamble) + 1
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{header_row}" '
        f'topLeftCell="A{header_row + 1}" activePane="bottomLeft" state="frozen"/>'
        "</sheetView></sheetViews><cols>"
    )
    yield "".join(
        f'<col min="{i}" max="{i}" width="{_width(c, section.rows, i - 1)}" customWidth="1"/>'
        for i, c in enumerate(columns, start=1)
    )
    yield "</cols><sheetData>"
    for number, (text, style) in enumerate(preamble, start=1):
        yield f'<row r="{number}">{_text(f"A{number}", text, style)}</row>'
    yield (
        f'<row r="{header_row}">'
        + "".join(
            _text(f"{letters[i]}{header_row}", c.label, HEADER) for i, c in enumerate(columns)
        )
        + "</row>"
    )
    row_number = header_row
    buffer: list[str] = []
    for row in section.rows:
        row_number += 1
        cells = "".join(
            _cell(f"{letters[i]}{row_number}", columns[i], value, False, head)
            for i, value in enumerate(row[: len(columns)])
        )
        buffer.append(f'<row r="{row_number}">{cells}</row>')
        if len(buffer) >= 2000:
            yield "".join(buffer)
            buffer.clear()
    yield "".join(buffer)
    if section.total is not None:
        row_number += 1
        cells = "".join(
            _cell(f"{letters[i]}{row_number}", columns[i], value, True, head)
            for i, value in enumerate(list(section.total)[: len(columns)])
        )
        yield f'<row r="{row_number}">{cells}</row>'
    elif not section.rows:
        row_number += 1
        yield f'<row r="{row_number}">{_text(f"A{row_number}", section.empty_text, PLAIN)}</row>'
    yield "</sheetData></worksheet>"


def _sheet_names(sections: Sequence[Section]) -> list[str]:
    used: set[str] = set()
    names = []
    for section in sections:
        base = section.title.translate(SHEET_NAME_BAD).strip()[:31] or "Data"
        name, n = base, 2
        while name.lower() in used:
            suffix = f" ({n})"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(name.lower())
        names.append(name)
    return names


def render_xlsx(document: ReportDocument, head: Letterhead) -> bytes:
    """The document as an XLSX workbook, one sheet per section."""
    sections = document.sections or [Section(document.title, [Column("Keterangan")], [])]
    names = _sheet_names(sections)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sections) + 1)
        )
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
            'package.core-properties+xml"/>' + sheets + "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            "</Relationships>",
        )
        created = head.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        archive.writestr(
            "docProps/core.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(document.title)}</dc:title>"
            f"<dc:creator>{escape(head.tenant_name)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
            "</cp:coreProperties>",
        )
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            "<sheets>"
            + "".join(
                f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                for i, name in enumerate(names, start=1)
            )
            + "</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/'
                f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(sections) + 1)
            )
            + f'<Relationship Id="rId{len(sections) + 1}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
        )
        archive.writestr("xl/styles.xml", STYLES)
        for i, section in enumerate(sections, start=1):
            with archive.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as sheet:
                for chunk in _sheet(document, section, head):
                    sheet.write(chunk.encode("utf-8"))
    return out.getvalue()
