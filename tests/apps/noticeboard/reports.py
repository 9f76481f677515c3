"""The test app's reports, listed in its manifest (``AppManifest.reports``).

``uji_lambat`` is slow on purpose, so tests can watch its progress, cancel it or
kill the worker running it; ``fail`` makes it raise. Its CSV is written by the
app's own renderer (semicolons, as spreadsheets set to Indonesian expect), its
PDF and XLSX by the core's.
"""

from __future__ import annotations

import time

from pydantic import Field
from smartcity.toolkit import (
    N_,
    Column,
    JobContext,
    Letterhead,
    Report,
    ReportDocument,
    ReportFormat,
    ReportParams,
    Section,
)


class SlowParams(ReportParams):
    steps: int = Field(5, ge=1, le=200, title=N_("Steps"))
    step_ms: int = Field(200, ge=0, le=10_000, title=N_("Length of each step (ms)"))
    fail: bool = Field(False, title=N_("Fail at the end"))


def build_slow(ctx: JobContext, params: SlowParams) -> ReportDocument:
    for step in range(params.steps):
        time.sleep(params.step_ms / 1000)
        ctx.progress((step + 1) * 70 / params.steps)
    if params.fail:
        raise RuntimeError("gagal sesuai permintaan")
    rows = [(step + 1, f"langkah {step + 1} dari {params.steps}") for step in range(params.steps)]
    return ReportDocument(
        title="Laporan uji lambat",
        sections=[Section("Langkah", [Column("No", kind="int"), Column("Keterangan")], rows)],
    )


def render_semicolon_csv(document: ReportDocument, head: Letterhead) -> bytes:
    """Every section's rows separated by semicolons, under the regency's name."""
    lines = [f"# {head.tenant_name}: {document.title}"]
    for section in document.sections:
        lines.append(";".join(c.label for c in section.columns))
        lines.extend(";".join(str(v) for v in row) for row in section.rows)
    return ("\r\n".join(lines) + "\r\n").encode()


slow = Report(
    name="uji_lambat",
    title=N_("Slow test report"),
    description=N_("Takes its time, step by step, so tests can watch it."),
    params=SlowParams,
    build=build_slow,
    app="noticeboard",
    renderers={ReportFormat.CSV: render_semicolon_csv},
)
