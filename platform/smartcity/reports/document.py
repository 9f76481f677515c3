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


@dataclass(slots=True)
class ReportDocument:
    """``parameters`` are (label, text) pairs printed under the title."""

    title: str
    sections: list[Section]
    parameters: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(section.rows) for section in self.sections)


@dataclass(frozen=True, slots=True)
class Letterhead:
    """Who the report is for and when it was made, printed on every page."""

    tenant_name: str
    generated_at: datetime
    timezone: tzinfo
