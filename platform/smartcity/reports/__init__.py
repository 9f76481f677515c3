"""The report framework: declare a report once, render it to PDF, XLSX or CSV.

A report is a name, a title, a pydantic model of its parameters, the formats it
offers, the permission it needs and a build function returning a
:class:`ReportDocument`. :func:`declare_report` makes it a job kind
``report:<name>``: users ask for it like any job, a worker builds and renders
it, and the file lands in the tenant's ``files`` table. The core declares its
reports in ``smartcity.reports.core``; an app declares its own in its
``reports.py``, which the core finds by convention (``smartcity.jobs.catalog``).

Official documents reuse :class:`Letterhead` (the regency's logo and name) and
:class:`SignatureBlock` (position, name, NIP, place and date); in PDF they are
drawn by :mod:`smartcity.reports.blocks`.
"""

from smartcity.reports.document import (
    Column,
    Letterhead,
    ReportDocument,
    ReportFormat,
    Section,
    SignatureBlock,
    format_nip,
    place_and_date,
)
from smartcity.reports.registry import REPORTS, Report, ReportParams, declare_report

__all__ = [
    "REPORTS",
    "Column",
    "Letterhead",
    "Report",
    "ReportDocument",
    "ReportFormat",
    "ReportParams",
    "Section",
    "SignatureBlock",
    "declare_report",
    "format_nip",
    "place_and_date",
]
