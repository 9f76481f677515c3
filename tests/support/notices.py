"""Running the notice messages a COMMIT sent, through the worker's own task, in this process.

The messages sit in a private Redis (``tests.workers.redis_server``); each is
taken off the queue and applied through the core task as a worker registers
it (``worker.tasks.register_core_tasks``), so the tests see exactly what a
worker would e-mail, with the real SMTP catcher.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from flask import Flask
from smartcity.jobs.broker import celery_config
from smartcity.notices import SEND_TASK

from worker.tasks import SmartCityCelery, register_core_tasks


def worker_celery(app: Flask) -> SmartCityCelery:
    celery = SmartCityCelery("notices-tests", set_as_current=False)
    celery.flask_app = app
    celery.conf.update(celery_config(app.extensions["smartcity"].settings))
    register_core_tasks(celery)
    return celery


def queued_notice_messages(server: Any, queue: str) -> list[tuple[str, list[int]]]:
    """(tenant, notice ids) of every notice message waiting; leaves them queued."""
    found = []
    for raw in reversed(server.client().lrange(queue, 0, -1)):
        message = json.loads(raw)
        if message["headers"].get("task") == SEND_TASK:
            args = json.loads(base64.b64decode(message["body"]))[0]
            found.append((message["headers"]["tenant"], args[0]))
    return found


def run_notice_messages(celery: SmartCityCelery, server: Any, queue: str) -> int:
    """Take every queued message off and run the notice ones; how many ran."""
    ran = 0
    while (raw := server.client().rpop(queue)) is not None:
        message = json.loads(raw)
        if message["headers"].get("task") != SEND_TASK:
            continue
        args = json.loads(base64.b64decode(message["body"]))[0]
        celery.tasks[SEND_TASK].apply(
            args=args, headers={"tenant": message["headers"]["tenant"]}
        ).get()
        ran += 1
    return ran
