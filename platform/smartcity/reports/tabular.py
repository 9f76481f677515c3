"""Spreadsheet renderings: XLSX (openpyxl) and CSV.

In XLSX numbers stay numbers and dates stay dates (so people can sum and
filter), with a styled, frozen header row and columns wide enough to read.
CSV is UTF-8 with a byte-order mark: without it Excel opens the file as
Windows-1252 and mangles every non-ASCII name.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from smartcity.reports.document import Column, Letterhead, ReportDocument, Section, Value

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TOTAL_FILL = PatternFill("solid", fgColor="DDE6F0")
THIN = Side(style="thin", color="9AA7B4")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
NUMBER_FORMATS = {
    "int": "#,##0",
    "number": "#,##0.00",
    "date": "dd/mm/yyyy",
    "datetime": "dd/mm/yyyy hh:mm",
}
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
MAX_WIDTH = 60


def render_xlsx(document: ReportDocument, head: Letterhead) -> bytes:
    workbook = Workbook(write_only=True)
    workbook.properties.title = document.title
    workbook.properties.creator = head.tenant_name
    used: set[str] = set()
    for section in document.sections or [_empty(document)]:
        sheet = workbook.create_sheet(_sheet_name(section.title, used))
        _write_section(sheet, document, section, head)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _empty(document: ReportDocument) -> Section:
    return Section(document.title, [Column("Keterangan")], [])


def _sheet_name(title: str, used: set[str]) -> str:
    base = SHEET_NAME_BAD.sub(" ", title).strip()[:31] or "Data"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _write_section(
    sheet: WriteOnlyWorksheet, document: ReportDocument, section: Section, head: Letterhead
) -> None:
    columns = list(section.columns)
    rows = [
        [_excel_value(c, v, head) for c, v in zip(columns, row, strict=False)]
        for row in section.rows
    ]
    total = (
        [_excel_value(c, v, head) for c, v in zip(columns, section.total, strict=False)]
        if section.total is not None
        else None
    )
    # Widths and the frozen header must be set before the first row is streamed.
    for index, column in enumerate(columns, start=1):
        sample = [row[index - 1] for row in rows[:500]]
        sheet.column_dimensions[get_column_letter(index)].width = _width(column, sample)  # type: ignore[attr-defined]
    preamble: list[list[Any]] = [
        [_styled(sheet, document.title, Font(bold=True, size=14))],
        [head.tenant_name],
        *([f"{label}: {value}"] for label, value in document.parameters),
        [_styled(sheet, section.title, Font(bold=True))],
    ]
    header_row = len(preamble) + 1
    sheet.freeze_panes = f"A{header_row + 1}"
    for line in preamble:
        sheet.append(line)
    sheet.append([_header_cell(sheet, c.label) for c in columns])
    for row in rows:
        sheet.append([_data_cell(sheet, c, v) for c, v in zip(columns, row, strict=False)])
    if total is not None:
        sheet.append(
            [_data_cell(sheet, c, v, total=True) for c, v in zip(columns, total, strict=False)]
        )
    if not rows and total is None:
        sheet.append([section.empty_text])


def _styled(sheet: WriteOnlyWorksheet, value: Any, font: Font) -> Cell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell


def _header_cell(sheet: WriteOnlyWorksheet, label: str) -> Cell:
    cell = WriteOnlyCell(sheet, value=label)
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.border = BORDER
    cell.alignment = Alignment(vertical="center", wrap_text=True)
    return cell


def _data_cell(
    sheet: WriteOnlyWorksheet, column: Column, value: Any, *, total: bool = False
) -> Cell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.border = BORDER
    if column.kind in NUMBER_FORMATS and value is not None and not isinstance(value, str):
        cell.number_format = NUMBER_FORMATS[column.kind]
    if column.wrap:
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    if total:
        cell.font = Font(bold=True)
        cell.fill = TOTAL_FILL
    return cell


def _excel_value(column: Column, value: Value, head: Letterhead) -> object:
    # Excel has no time zones: show the regency's wall-clock time.
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(head.timezone).replace(tzinfo=None)
        return value
    if isinstance(value, date) or value is None:
        return value
    if column.numeric and isinstance(value, int | float | Decimal):
        return value
    return str(value)


def _width(column: Column, sample: list[object]) -> float:
    longest = max([len(column.label), *(len(_as_text(v)) for v in sample)])
    if column.kind == "datetime":
        longest = max(longest, 16)
    return float(min(MAX_WIDTH, max(8, longest + 2)))


def _as_text(value: object) -> str:
    return "" if value is None else str(value)


def render_csv(document: ReportDocument, head: Letterhead) -> bytes:
    """One header row per section; a section's title precedes it when there are several."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    several = len(document.sections) > 1
    for number, section in enumerate(document.sections):
        if number:
            writer.writerow([])
        if several:
            writer.writerow([section.title])
        columns = list(section.columns)
        writer.writerow([c.label for c in columns])
        for row in section.rows:
            writer.writerow([_csv_value(v, head) for v in row])
        if section.total is not None:
            writer.writerow([_csv_value(v, head) for v in section.total])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_value(value: Value, head: Letterhead) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(head.timezone)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
