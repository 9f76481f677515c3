"""Celery entry point: ``celery -A worker.celery_app worker`` (or ``beat``).

Like ``smartcity.wsgi`` this is a process entry point, so it builds the Flask
app on import; library modules never do.
"""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab
from celery.signals import worker_ready
from flask import Flask
from smartcity.config import Settings
from smartcity.jobs.broker import DISPATCH_TASK, EXPIRE_TASK, EXTENSION, MONTHLY_TASK, celery_config
from smartcity.logconfig import configure_logging

from worker.apps import app_beat_schedule, register_app_tasks
from worker.sync import register_sync
from worker.tasks import FANOUT_TASK, SmartCityCelery, register_core_tasks

#: Beat spreads per-tenant housekeeping over this many seconds.
HOUSEKEEPING_JITTER = 300.0


def create_celery(flask_app: Flask) -> SmartCityCelery:
    state = flask_app.extensions["smartcity"]
    settings: Settings = state.settings
    # Plain tasks by default: tenant tasks say `base=TenantTask` (platform ones must not).
    celery = SmartCityCelery("smartcity")
    celery.flask_app = flask_app
    celery.conf.update(celery_config(settings))
    register_core_tasks(celery)
    register_app_tasks(state.registry)
    celery.conf.beat_schedule = beat_schedule(flask_app)
    register_sync(celery)  # adds its tasks and beat entries
    flask_app.extensions[EXTENSION] = celery
    return celery


def beat_schedule(flask_app: Flask) -> dict[str, dict[str, Any]]:
    """The core's periodic work, and every app's beat entries fanned out per tenant."""
    state = flask_app.extensions["smartcity"]
    settings: Settings = state.settings
    schedule: dict[str, dict[str, Any]] = {
        "core.jobs-dispatch": {
            "task": DISPATCH_TASK,
            "schedule": settings.JOB_DISPATCH_SECONDS,
            # A dispatch nobody ran in time is superseded by the next one.
            "options": {"expires": max(5.0, settings.JOB_DISPATCH_SECONDS * 2)},
        },
        "core.jobs-expire": {
            "task": FANOUT_TASK,
            "schedule": 3600.0,
            "args": (EXPIRE_TASK, None),
            "kwargs": {"jitter": HOUSEKEEPING_JITTER},
        },
        "core.monthly-reports": {
            "task": FANOUT_TASK,
            "schedule": crontab(hour=1, minute=30),
            "args": (MONTHLY_TASK, None),
            "kwargs": {"jitter": HOUSEKEEPING_JITTER},
        },
    }
    schedule.update(app_beat_schedule(state.registry))
    return schedule


@worker_ready.connect(dispatch_uid="smartcity.dispatch-on-start")
def _dispatch_on_start(sender: Any = None, **_kwargs: Any) -> None:
    """A starting worker sends whatever queued while no worker (or no Redis) was there."""
    celery = getattr(sender, "app", None)
    if isinstance(celery, SmartCityCelery):
        celery.send_task(DISPATCH_TASK, ignore_result=True)


def _build() -> SmartCityCelery:
    from smartcity.app import create_app

    settings = Settings.from_env()
    configure_logging(settings.LOG_LEVEL, settings.LOG_JSON)
    return create_celery(create_app(settings))


app = _build()
