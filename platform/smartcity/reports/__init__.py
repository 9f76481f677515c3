"""The report framework: declare a report once, render it to PDF, XLSX or CSV.

A report is a name, a title, a pydantic model of its parameters, the formats it
offers, the permission it needs and a build function returning a
:class:`ReportDocument`, and optionally its own renderer for a format. The job
catalogue (``smartcity.jobs.catalog``) makes each a job kind ``report:<name>``:
users ask for it like any job, a worker builds and renders it, and the file
lands in the tenant's ``files`` table. The core lists its reports in
``smartcity.reports.core`` (``CORE_REPORTS``); an app lists its own in its
manifest (``AppManifest.reports``).

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
from smartcity.reports.registry import RENDERERS, Renderer, Report, ReportParams

__all__ = [
    "RENDERERS",
    "Column",
    "Letterhead",
    "Renderer",
    "Report",
    "ReportDocument",
    "ReportFormat",
    "ReportParams",
    "Section",
    "SignatureBlock",
    "format_nip",
    "place_and_date",
]
