"""The job kinds this deployment offers: the core's reports and the apps' own.

Apps are found by convention, as Celery finds ``tasks`` modules: for every app
package of the deployment (the modules named by the ``APPS`` setting, else the
``smartcity.apps`` entry points) a ``reports`` module, if there is one, is
imported once and declares its reports with ``smartcity.reports.declare_report``.
The core thus never names an app, and the web and the worker see the same kinds.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import Iterable

from flask import current_app

from smartcity.apps.registry import ENTRY_POINT_GROUP
from smartcity.jobs.kinds import KINDS, JobKind, JobKindRegistry

_loaded: set[tuple[str, ...]] = set()
_lock = threading.Lock()


def app_packages(specs: Iterable[str]) -> list[str]:
    """The packages of the deployment's apps, from ``module:attr`` specs or entry points."""
    from importlib.metadata import entry_points

    specs = list(specs)
    modules = (
        [spec.partition(":")[0] for spec in specs]
        if specs
        else [ep.module for ep in entry_points(group=ENTRY_POINT_GROUP)]
    )
    packages: list[str] = []
    for module in modules:
        package = module.rpartition(".")[0] or module
        if package not in packages:
            packages.append(package)
    return packages


def import_optional(module: str) -> bool:
    """Import ``module`` if it exists; an error *inside* it is not hidden."""
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        return False
    if spec is None:
        return False
    importlib.import_module(module)
    return True


def load(specs: Iterable[str]) -> JobKindRegistry:
    """Declare the core's reports and those of the apps in ``specs`` (once per process)."""
    key = tuple(specs)
    if key in _loaded:
        return KINDS
    with _lock:
        if key not in _loaded:
            import smartcity.reports.core  # noqa: F401 - declares the core's reports

            for package in app_packages(key):
                import_optional(f"{package}.reports")
            _loaded.add(key)
    return KINDS


def kinds() -> JobKindRegistry:
    """The kinds of the current app's deployment."""
    return load(current_app.extensions["smartcity"].settings.APPS)


def job_kind(name: str) -> JobKind | None:
    return kinds().get(name)
