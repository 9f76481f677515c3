"""Reading an uploaded CSV or XLSX with hard bounds, for every importer.

A spreadsheet says how big it is, and openpyxl believes it: a 332 KB XLSX
whose ``<dimension>`` declares ``A1:XFD60001`` makes read-only mode pad every
row to 16,384 cells (1,000 rows became 16 million cells and 156 MB) and held
a web worker for 30 s. So this reader trusts nothing the file says:

* the bytes, and for an XLSX the unpacked size of its parts (read from the
  zip's directory before openpyxl opens it; Python's ``zipfile`` never returns
  more than a member's declared size), are capped: no zip bomb;
* the sheet's XML is scanned once, element by element, before openpyxl reads
  it: openpyxl builds a whole ``<row>`` before handing it over, so a row of
  millions of ``<c>`` elements is refused by counting, not by building it;
* the declared dimension is dropped (``reset_dimensions``), so a row is as wide
  as its last cell, not as the file claims;
* every row is counted, empty ones too (a file may jump from row 2 to row
  1,000,000, and openpyxl yields the rows between), and so is every cell the
  reader is handed, padding included; columns per row are capped;
* a deadline stops a file that is slow to parse anyway.

Past a bound the reader stops at once with :class:`InvalidInput` (422) or
:class:`TooLarge` (413) and a message naming the limit. Cells keep their type
(a number stays a number), so an importer can refuse a NIP typed as a number,
which Excel has already rounded (see :func:`require_text`).
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any, NoReturn, TypeAlias
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from smartcity.errors import InvalidInput, Message

#: What a cell holds: text (every CSV cell), or an XLSX cell's own type.
CellValue: TypeAlias = (
    str | int | float | Decimal | bool | datetime | date | clock_time | timedelta | None
)
_PLAIN = (str, int, float, Decimal, datetime, date, clock_time, timedelta)
#: How often (rows) the deadline is looked at; a clock read per row would cost more than the row.
_CLOCK_EVERY = 256
_MB = 1024 * 1024
_ROW_TAG = f"{{{SHEET_MAIN_NS}}}row"
_CELL_TAG = f"{{{SHEET_MAIN_NS}}}c"
#: Column XFD: no row of a real sheet has more cell elements than this.
_XLSX_COLUMNS = 16_384


class TooLarge(InvalidInput):
    """The file is bigger than an upload may be (413)."""

    status = 413
    code = "too_large"


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds of one kind of upload. ``max_rows`` counts the rows below the header,
    empty ones included; ``max_cells`` counts every cell read, padding included."""

    max_bytes: int = 20 * _MB
    max_unpacked_bytes: int = 64 * _MB
    max_zip_members: int = 500
    max_rows: int = 100_000
    max_columns: int = 50
    max_cells: int = 2_000_000
    seconds: float = 20.0


@dataclass(frozen=True, slots=True)
class Row:
    """One row as the spreadsheet numbers it (the header is row 1), trailing empties trimmed."""

    number: int
    values: tuple[CellValue, ...]

    @property
    def is_empty(self) -> bool:
        return all(v is None or (isinstance(v, str) and not v.strip()) for v in self.values)


class TableReader:
    """The rows of an uploaded table, read lazily within :class:`Limits`.

    ``rows_read`` and ``cells_read`` say how much was read (every row and cell
    handed over by the parser, empty and padding ones too), so a caller or a
    test can see that reading stopped at the bounds.
    """

    def __init__(
        self,
        filename: str,
        content: bytes,
        limits: Limits | None = None,
        *,
        encodings: tuple[str, ...] = ("utf-8-sig",),
    ) -> None:
        self.filename = filename
        self.content = content
        self.limits = limits or Limits()
        self.encodings = encodings
        self.rows_read = 0
        self.cells_read = 0
        #: Rows the file holds, as far as known before reading them (a job's progress).
        self.expected_rows: int | None = None
        self._deadline = 0.0

    @property
    def fraction_read(self) -> float:
        """How far reading has got, 0 to 1 (0 while the size is unknown)."""
        if not self.expected_rows:
            return 0.0
        return min(1.0, self.rows_read / self.expected_rows)

    @property
    def is_xlsx(self) -> bool:
        return self.content.startswith(b"PK\x03\x04") or self.filename.lower().endswith(".xlsx")

    def rows(self) -> Iterator[Row]:
        """Every row, the header first; raises as soon as a bound is passed."""
        limits = self.limits
        if len(self.content) > limits.max_bytes:
            raise TooLarge(
                Message("files up to %(n)s MB", n=limits.max_bytes // _MB),
                {"file": "too large"},
            )
        lower = self.filename.lower()
        if not self.is_xlsx and not lower.endswith((".csv", ".txt")):
            raise InvalidInput("upload a .csv or .xlsx file", {"file": "unsupported type"})
        self._deadline = time.monotonic() + limits.seconds
        raw = self._xlsx_rows() if self.is_xlsx else self._csv_rows()
        for number, values in enumerate(raw, start=1):
            self._count(number, len(values))
            yield Row(number, _trimmed(values))

    def _count(self, number: int, width: int) -> None:
        limits = self.limits
        self.rows_read += 1
        self.cells_read += width
        if number > limits.max_rows + 1:
            raise TooLarge(
                Message(
                    "the file has more than %(count)s rows below the header (empty rows count too)",
                    count=limits.max_rows,
                ),
                {"file": "too many rows"},
            )
        if self.cells_read > limits.max_cells:
            raise TooLarge(
                Message("the file has more than %(count)s cells", count=limits.max_cells),
                {"file": "too many cells"},
            )
        if number % _CLOCK_EVERY == 0 and time.monotonic() > self._deadline:
            self._too_slow()

    def _check_width(self, number: int, values: Sequence[CellValue]) -> None:
        """Refuse a row with a value past the column limit (trailing empty cells are fine)."""
        if len(values) <= self.limits.max_columns:
            return
        if any(v not in (None, "") for v in values[self.limits.max_columns :]):
            raise InvalidInput(
                Message(
                    "row %(count_row)s has more than %(count)s columns",
                    count_row=number,
                    count=self.limits.max_columns,
                ),
                {"file": "too many columns"},
            )

    def _xlsx_rows(self) -> Iterator[tuple[CellValue, ...]]:
        self._check_zip()
        try:
            book = load_workbook(
                io.BytesIO(self.content), read_only=True, data_only=True, keep_links=False
            )
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise InvalidInput("not a readable XLSX file", {"file": str(exc)[:200]}) from exc
        try:
            sheet = book.worksheets[0] if book.worksheets else None
            if not isinstance(sheet, ReadOnlyWorksheet):
                raise InvalidInput("not a readable XLSX file", {"file": "no worksheet"})
            self._scan_sheet(sheet)
            # The declared <dimension> is the file's word only: without it a row is as
            # wide as its last cell, and missing rows come back empty ([]), not padded.
            sheet.reset_dimensions()
            rows = sheet.iter_rows(values_only=True)
            number = 0
            while True:
                try:
                    values = next(rows)
                except StopIteration:
                    return
                except (ValueError, KeyError, TypeError, OverflowError) as exc:
                    raise InvalidInput(
                        "not a readable XLSX file", {"file": str(exc)[:200]}
                    ) from exc
                number += 1
                # Anything else openpyxl may hand over (rich text, a formula object) as text.
                plain = tuple(v if v is None or isinstance(v, _PLAIN) else str(v) for v in values)
                self._check_width(number, plain)
                yield plain
        finally:
            book.close()

    def _scan_sheet(self, sheet: ReadOnlyWorksheet) -> None:
        """Count the sheet's XML elements, cells per row among them, keeping none in memory.

        Every element is dropped from its parent when it ends (it is then the
        parent's last child), so the scan holds only the open elements' chain.
        A real cell is two or three elements (``<c>``, ``<v>``, maybe ``<f>``).
        """
        max_elements = 4 * self.limits.max_cells + 100_000
        # The sheet's part in the zip: openpyxl knows it, its stubs do not.
        source = vars(sheet.parent)["_archive"].open(vars(sheet)["_worksheet_path"])
        open_elements: list[Any] = []
        elements = row_cells = rows = 0
        try:
            for event, element in iterparse(source, events=("start", "end")):
                if event == "start":
                    open_elements.append(element)
                    elements += 1
                    if element.tag == _ROW_TAG:
                        rows, row_cells = rows + 1, 0
                        self.expected_rows = rows
                    elif element.tag == _CELL_TAG:
                        row_cells += 1
                        if row_cells > _XLSX_COLUMNS:
                            raise InvalidInput(
                                Message(
                                    "row %(count_row)s has more than %(count)s columns",
                                    count_row=rows,
                                    count=self.limits.max_columns,
                                ),
                                {"file": "too many columns"},
                            )
                    if elements > max_elements:
                        raise TooLarge(
                            Message(
                                "the file has more than %(count)s cells",
                                count=self.limits.max_cells,
                            ),
                            {"file": "too many cells"},
                        )
                    if elements % 65_536 == 0 and time.monotonic() > self._deadline:
                        self._too_slow()
                    continue
                open_elements.pop()
                element.clear()
                if open_elements:
                    del open_elements[-1][-1]
        except (ParseError, ValueError) as exc:  # defusedxml, if present, raises ValueErrors
            raise InvalidInput("not a readable XLSX file", {"file": str(exc)[:200]}) from exc
        finally:
            source.close()

    def _too_slow(self) -> NoReturn:
        raise TooLarge(
            Message(
                "the file could not be read within %(count)s seconds",
                count=int(self.limits.seconds),
            ),
            {"file": "too slow to read"},
        )

    def _check_zip(self) -> None:
        """Refuse a zip whose parts unpack past the limit, before anything unpacks them."""
        try:
            with zipfile.ZipFile(io.BytesIO(self.content)) as archive:
                members = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise InvalidInput("not a readable XLSX file", {"file": str(exc)[:200]}) from exc
        if len(members) > self.limits.max_zip_members:
            raise InvalidInput("not a readable XLSX file", {"file": "too many parts"})
        unpacked = sum(m.file_size for m in members)
        if unpacked > self.limits.max_unpacked_bytes:
            raise TooLarge(
                Message(
                    "the spreadsheet unpacks to more than %(count)s MB",
                    count=self.limits.max_unpacked_bytes // _MB,
                ),
                {"file": "too large"},
            )

    def _csv_rows(self) -> Iterator[list[str]]:
        text = self._decoded()
        self.expected_rows = text.count("\n") + 1
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=first.count)
        # A field is bounded by the file anyway; the csv module's own limit would
        # refuse a long one with an error that names no row.
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        number = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InvalidInput(
                    Message("row %(count_row)s is not valid CSV", count_row=number + 1),
                    {"file": str(exc)[:200]},
                ) from exc
            number += 1
            self._check_width(number, values)
            yield values

    def _decoded(self) -> str:
        for encoding in self.encodings:
            try:
                return self.content.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise InvalidInput("the CSV must be UTF-8", {"file": "not UTF-8"})


def _trimmed(values: Sequence[CellValue]) -> tuple[CellValue, ...]:
    end = len(values)
    while end and values[end - 1] in (None, ""):
        end -= 1
    return tuple(values[:end])


def read_table(
    filename: str,
    content: bytes,
    limits: Limits | None = None,
    *,
    encodings: tuple[str, ...] = ("utf-8-sig",),
) -> list[Row]:
    """Every row of the file, the header first, within ``limits``."""
    return list(TableReader(filename, content, limits, encodings=encodings).rows())


def require_text(value: CellValue, *, column: str, row: int, what: str = "NIP") -> str:
    """The cell as text; a number cell is refused, never converted.

    Excel keeps 15 significant digits, so an 18-digit NIP (or 16-digit NIK)
    typed into a number cell is already rounded (``...011001`` became
    ``...011008``): converting it back would store a wrong identifier.
    """
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        raise InvalidInput(
            Message(
                "column %(column)s, row %(count_row)s holds a number, which loses digits:"
                " format the %(column_again)s column as Text and type the %(what)ss again",
                column=column,
                count_row=row,
                column_again=column,
                what=what,
            ),
            {column: "format the column as Text"},
        )
    return "" if value is None else str(value).strip()
