"""Celery entry point: ``celery -A worker.celery_app worker`` (or ``beat``).

Like ``smartcity.wsgi`` this is a process entry point, so it builds the Flask
app on import; library modules never do.
"""

from __future__ import annotations

from flask import Flask
from smartcity.config import Settings
from smartcity.logconfig import configure_logging

from worker.tasks import SmartCityCelery, TenantTask, register_fanout


def create_celery(flask_app: Flask) -> SmartCityCelery:
    state = flask_app.extensions["smartcity"]
    settings: Settings = state.settings
    celery = SmartCityCelery("smartcity", task_cls=TenantTask)
    celery.flask_app = flask_app
    celery.conf.update(
        broker_url=settings.REDIS_URL,
        result_backend=settings.REDIS_URL,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=f"{settings.role_prefix}.default",
        broker_transport_options={"visibility_timeout": 3600},
        broker_connection_retry_on_startup=True,
        timezone="Asia/Jakarta",
    )
    register_fanout(celery)
    schedule = {}
    for manifest in state.registry:
        for entry in manifest.beat:
            schedule[f"{manifest.name}.{entry.name}"] = {
                "task": "smartcity.fanout",
                "schedule": entry.seconds,
                "args": (entry.task, manifest.name),
            }
    celery.conf.beat_schedule = schedule
    flask_app.extensions["celery"] = celery
    return celery


def _build() -> SmartCityCelery:
    from smartcity.app import create_app

    settings = Settings.from_env()
    configure_logging(settings.LOG_LEVEL, settings.LOG_JSON)
    return create_celery(create_app(settings))


app = _build()
