"""Spreadsheets built to hurt a reader: lying dimensions, zip bombs, wide and sparse sheets.

Each starts as an ordinary openpyxl workbook, then has its sheet XML patched
inside the zip, as a hand-edited or hostile file would be.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from typing import Any

SHEET = "xl/worksheets/sheet1.xml"


def xlsx(rows: Iterable[Sequence[Any]], cells: Iterable[tuple[int, int, Any]] = ()) -> bytes:
    """A workbook whose first sheet holds ``rows`` (from row 1) and then ``cells`` (row, col, v)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    for row_number, column, value in cells:
        sheet.cell(row=row_number, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def patched(content: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The same zip with ``member`` rewritten by ``change``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == member else data)
    return out.getvalue()


def with_dimension(content: bytes, ref: str) -> bytes:
    """The workbook with its first sheet declaring ``<dimension ref=...>`` (a lie)."""
    return patched(
        content,
        SHEET,
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), xml),
    )


def zip_bomb(content: bytes, unpacked_mb: int) -> bytes:
    """The workbook with ``unpacked_mb`` MB of blanks in its sheet: tiny packed, huge unpacked."""
    padding = b" " * (unpacked_mb * 1024 * 1024)
    return patched(
        content, SHEET, lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + padding)
    )


def crowded_row(content: bytes, cells: int) -> bytes:
    """The workbook with a row 2 of ``cells`` cell elements (all ``A2``): one row, huge."""
    row = b'<row r="2">' + b'<c r="A2"/>' * cells + b"</row>"
    return patched(content, SHEET, lambda xml: xml.replace(b"</sheetData>", row + b"</sheetData>"))
