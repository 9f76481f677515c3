"""CSV rendering (XLSX is :mod:`smartcity.reports.xlsx`).

UTF-8 with a byte-order mark: without it Excel opens the file as
Windows-1252 and mangles every non-ASCII name. A text that a spreadsheet
program would take for a formula gets a leading quote
(:mod:`smartcity.reports.injection`); numbers are written as they are.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from smartcity.reports.document import Letterhead, ReportDocument, Value
from smartcity.reports.injection import csv_text


def render_csv(document: ReportDocument, head: Letterhead) -> bytes:
    """One header row per section; a section's title precedes it when there are several."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    several = len(document.sections) > 1
    for number, section in enumerate(document.sections):
        if number:
            writer.writerow([])
        if several:
            writer.writerow([csv_text(section.title)])
        columns = list(section.columns)
        writer.writerow([csv_text(c.label) for c in columns])
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
    if isinstance(value, str):
        return csv_text(value)
    return str(value)
