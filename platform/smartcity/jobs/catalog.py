"""The job kinds this deployment offers: the core's reports and the apps' own.

Read from the app registry, never found by file name: the core's reports are
``smartcity.reports.core.CORE_REPORTS`` and each app lists its own in its
manifest (``AppManifest.reports``), as it lists the importers whose big files a
job checks (``AppManifest.upload_checks``). The catalogue is built once per Flask app
from its registry, so the web and the worker (which build the same app) see the
same kinds, and two apps in one process (tests) never share one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from smartcity.apps import AppRegistry
from smartcity.jobs.core_uploads import CORE_UPLOADS
from smartcity.jobs.kinds import JobKind, JobKindRegistry
from smartcity.jobs.uploads import job_kind as upload_kind
from smartcity.reports.core import CORE_REPORTS
from smartcity.reports.registry import Report
from smartcity.reports.registry import job_kind as report_kind

EXTENSION = "smartcity.jobs.catalog"


@dataclass(frozen=True)
class Catalogue:
    """Every job kind of the deployment, and the reports behind the ``report:`` ones."""

    kinds: JobKindRegistry
    reports: Mapping[str, Report[Any]]


def build(registry: AppRegistry) -> Catalogue:
    """The core's reports and every installed app's, and the upload checks of the core and
    of each app (``AppManifest.upload_checks``), as job kinds; a name twice is refused."""
    kinds = JobKindRegistry()
    reports: dict[str, Report[Any]] = {}
    for report in (*CORE_REPORTS, *(r for m in registry for r in m.reports)):
        if report.name in reports:
            raise ValueError(f"report {report.name!r} is declared twice")
        reports[report.name] = report
        kinds.add(report_kind(report))
    for check in (*CORE_UPLOADS, *(c for m in registry for c in m.upload_checks)):
        kinds.add(upload_kind(check))
    return Catalogue(kinds, reports)


def for_app(app: Flask) -> Catalogue:
    """The catalogue of ``app``'s deployment (built on first use; building is pure)."""
    catalogue: Catalogue | None = app.extensions.get(EXTENSION)
    if catalogue is None:
        catalogue = app.extensions.setdefault(
            EXTENSION, build(app.extensions["smartcity"].registry)
        )
    return catalogue


def kinds() -> JobKindRegistry:
    """The kinds of the current app's deployment."""
    return for_app(current_app).kinds


def reports() -> Mapping[str, Report[Any]]:
    """The reports of the current app's deployment, by name."""
    return for_app(current_app).reports


def job_kind(name: str) -> JobKind | None:
    return kinds().get(name)
