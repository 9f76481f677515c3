"""What the worker takes from the apps' manifests: their task modules and beat entries.

Apart from ``worker.celery_app`` (a process entry point that builds the Flask app
on import) so tests and tools can read them from any registry.
"""

from __future__ import annotations

import importlib
from typing import Any

from smartcity.apps import AppRegistry

from worker.tasks import FANOUT_TASK


def register_app_tasks(registry: AppRegistry) -> list[str]:
    """Import each app's declared task module (``AppManifest.tasks``), nothing by name.

    The modules declare their tasks with ``worker.tasks.tenant_task`` (Celery's
    ``shared_task``), which every Celery app of the process picks up.
    """
    modules = [m.tasks for m in registry if m.tasks is not None]
    for module in modules:
        importlib.import_module(module)
    return modules


def app_beat_schedule(registry: AppRegistry) -> dict[str, dict[str, Any]]:
    """Every app's beat entries, each fanned out to the regencies that enabled the app.

    An entry runs on its interval or crontab; the fan-out then delays each regency
    by its own offset within the entry's jitter (``worker.tasks.jitter_offset``).
    """
    return {
        f"{manifest.name}.{entry.name}": {
            "task": FANOUT_TASK,
            "schedule": entry.schedule,
            "args": (entry.task, manifest.name),
            "kwargs": {"jitter": entry.jitter},
        }
        for manifest in registry
        for entry in manifest.beat
    }
