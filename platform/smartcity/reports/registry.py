"""Reports as declared, and how one becomes a job kind and then a file.

A report is a plain value: the core lists its own in ``smartcity.reports.core``
and an app lists its own in its manifest (``AppManifest.reports``); the job
catalogue (``smartcity.jobs.catalog``) turns each into a job kind. Nothing here
is a registry that apps write into.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from smartcity.jobs.kinds import Authorize, FileOutput, JobContext, JobKind, JobOutput
from smartcity.reports.document import CONTENT_TYPES, Letterhead, ReportDocument, ReportFormat
from smartcity.reports.pdf import render_pdf
from smartcity.reports.tabular import render_csv
from smartcity.reports.xlsx import render_xlsx
from smartcity.tenantcore.models import TenantSettings

#: Turns a built document and the regency's letterhead into the file's bytes.
Renderer = Callable[[ReportDocument, Letterhead], bytes]

#: The core's renderer of each format, used unless a report names its own.
RENDERERS: dict[ReportFormat, Renderer] = {
    ReportFormat.PDF: render_pdf,
    ReportFormat.XLSX: render_xlsx,
    ReportFormat.CSV: render_csv,
}


class ReportParams(BaseModel):
    """Base of every report's parameters: the format, and nothing unknown."""

    model_config = ConfigDict(extra="forbid")

    format: ReportFormat = Field(ReportFormat.PDF, title="Format")


P = TypeVar("P", bound=ReportParams)


@dataclass(frozen=True)
class Report(Generic[P]):
    """A report as users see it. ``permission`` None: any user of the tenant;
    ``app``: only tenants with that app enabled."""

    name: str
    title: str
    params: type[P]
    build: Callable[[JobContext, P], ReportDocument]
    formats: tuple[ReportFormat, ...] = tuple(ReportFormat)
    permission: str | None = None
    app: str | None = None
    description: str = ""
    filename: str = ""
    #: Field name -> placeholder text for the request form (optional).
    hints: Mapping[str, str] = field(default_factory=dict)
    #: The report's own renderer for some of its formats (a faster writer, a layout
    #: the core's does not draw); the others use the core's (``RENDERERS``).
    renderers: Mapping[ReportFormat, Renderer] = field(default_factory=dict)
    #: Whether the asking user may have it with these parameters (beyond
    #: ``permission``): checked when the job is asked for (``JobKind.authorize``).
    #: The build runs later and checks again if the rule can change meanwhile.
    authorize: Authorize | None = None

    @property
    def kind(self) -> str:
        return f"report:{self.name}"

    def renderer(self, report_format: ReportFormat) -> Renderer:
        """The function that writes this report in ``report_format``."""
        return self.renderers.get(report_format) or RENDERERS[report_format]


def job_kind(report: Report[Any]) -> JobKind:
    """``report`` as the job kind ``report:<name>``: users ask for it like any job."""
    return JobKind(
        name=report.kind,
        title=report.title,
        params=report.params,
        run=functools.partial(run_report, report),
        permission=report.permission,
        app=report.app,
        check=functools.partial(_check_format, report),
        authorize=report.authorize,
    )


def _check_format(report: Report[Any], params: ReportParams) -> dict[str, str]:
    if params.format not in report.formats:
        return {"format": "one of " + ", ".join(f.value for f in report.formats)}
    return {}


def letterhead(ctx: JobContext) -> Letterhead:
    settings = ctx.session.get(TenantSettings, 1)
    zone = ZoneInfo(settings.timezone if settings is not None else "Asia/Jakarta")
    name = (settings.display_name if settings is not None else None) or ctx.tenant.name
    return Letterhead(
        tenant_name=name,
        generated_at=datetime.now(UTC),
        timezone=zone,
        logo=settings.logo if settings is not None else None,
    )


def run_report(report: Report[Any], ctx: JobContext, params: ReportParams) -> JobOutput:
    """Build, render, and hand back the file (the runner stores it)."""
    document = report.build(ctx, params)
    ctx.progress(80)
    head = letterhead(ctx)
    data = report.renderer(params.format)(document, head)
    stem = report.filename or report.name.replace("_", "-")
    local = head.generated_at.astimezone(head.timezone)
    return JobOutput(
        file=FileOutput(
            name=f"{stem}-{local:%Y%m%d-%H%M}.{params.format.value}",
            content_type=CONTENT_TYPES[params.format],
            data=data,
        ),
        result={"format": params.format.value, "rows": document.row_count},
    )
