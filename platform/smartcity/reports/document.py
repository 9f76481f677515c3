"""What a report's build function returns: sections of typed columns, in any format.

A build function knows nothing of PDF or spreadsheets; it returns a
:class:`ReportDocument` and the renderers decide how a number, a date or a long
text looks in each format. Labels are Bahasa Indonesia: reports are the
regency's official documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from babel.dates import format_date

ColumnKind = Literal["text", "int", "number", "date", "datetime"]
Value = str | int | float | Decimal | date | datetime | None


class ReportFormat(StrEnum):
    PDF = "pdf"
    XLSX = "xlsx"
    CSV = "csv"


CONTENT_TYPES = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.CSV: "text/csv",  # Flask adds "; charset=utf-8"
}


@dataclass(frozen=True, slots=True)
class Column:
    """``width`` is relative to the other columns; ``wrap`` lets long text break lines."""

    label: str
    kind: ColumnKind = "text"
    width: float = 1.0
    wrap: bool = False

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "number")


@dataclass(slots=True)
class Section:
    """One table. ``total`` is an optional last row shown in bold (and kept apart in CSV)."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Value]]
    total: Sequence[Value] | None = None
    empty_text: str = "Tidak ada data."


def format_nip(nip: str) -> str:
    """A NIP as it is printed: ``19700110 199201 1 001`` (birth date, appointment
    month, sex digit, sequence); anything not 18 digits is printed as given."""
    digits = nip.replace(" ", "")
    if len(digits) != 18 or not digits.isdecimal():
        return nip
    return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"


def place_and_date(place: str, day: date) -> str:
    """The line above a signature: ``Bandung, 6 Desember 2026``."""
    return f"{place}, {format_date(day, 'd MMMM y', locale='id')}"


@dataclass(frozen=True, slots=True)
class SignatureBlock:
    """Who signs a document, as Indonesian official documents print it: an optional
    caption ("Mengetahui,"), place and date, the position (jabatan), room for the
    signature and stamp, the name, and the NIP (none for an elected official)."""

    position: str
    name: str
    place: str
    day: date
    nip: str | None = None
    caption: str | None = None

    @property
    def dated(self) -> str:
        return place_and_date(self.place, self.day)

    @property
    def nip_line(self) -> str:
        return f"NIP {format_nip(self.nip)}" if self.nip else ""


@dataclass(slots=True)
class ReportDocument:
    """``parameters`` are (label, text) pairs printed under the title; ``signatures``
    close the PDF (the spreadsheets, being data, leave them out)."""

    title: str
    sections: list[Section]
    parameters: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    signatures: list[SignatureBlock] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(section.rows) for section in self.sections)


@dataclass(frozen=True, slots=True)
class Letterhead:
    """Who the report is for and when it was made: the regency's name and logo (a PNG
    or JPEG from its branding settings) head the first page, the name every page."""

    tenant_name: str
    generated_at: datetime
    timezone: tzinfo
    logo: bytes | None = None
