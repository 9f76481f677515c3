"""Sending job messages to the workers, from the web as from a worker.

The core never imports ``worker``; it only needs to *send*, which a bare Celery
client does (no tasks of its own; job messages ask for no result). The worker
builds its Celery app from :func:`celery_config` too, so both sides agree on the
queue and the delivery guarantees. A message carries the tenant in its
``tenant`` header and the job id as its only argument: the row in the tenant's
``jobs`` table is the job of record, the message only says "look at it".
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from celery import Celery
from flask import Flask

from smartcity.config import Settings

log = logging.getLogger(__name__)

#: Where a tenant task finds its tenant (see ``worker.tasks.TenantTask``).
TENANT_HEADER = "tenant"
#: Task names, shared by the sender (here) and the worker that registers them.
RUN_TASK = "smartcity.jobs.run"
DISPATCH_TASK = "smartcity.jobs.dispatch"
EXPIRE_TASK = "smartcity.jobs.expire"
MONTHLY_TASK = "smartcity.reports.monthly"
#: ``app.extensions`` key of the Celery app (the worker's, or a send-only client).
EXTENSION = "celery"
#: A request must not wait on a dead Redis: one quick retry (a stale pooled
#: connection after a Redis restart), then give up; the dispatcher sends it later.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery settings shared by the worker, beat and every sender."""
    prefix = settings.role_prefix
    return {
        "broker_url": settings.REDIS_URL,
        "result_backend": settings.REDIS_URL,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": f"{prefix}.default",
        # The queue carries the deployment's prefix; Redis keys are otherwise Celery's
        # own (no global key prefix), so Flower and `celery inspect` work unchanged.
        # Give each deployment its own Redis database.
        "broker_transport_options": {"visibility_timeout": 3600, "socket_connect_timeout": 3},
        "result_expires": 86400,
        "broker_connection_retry_on_startup": True,
        "timezone": "Asia/Jakarta",
    }


def client_for(settings: Settings) -> Celery:
    """A send-only Celery client (nothing connects until the first message)."""
    client = Celery("smartcity", set_as_current=False)
    client.conf.update(celery_config(settings))
    return client


def broker(app: Flask) -> Celery:
    """The app's Celery: the worker's own in a worker, else a lazily made client."""
    client = app.extensions.get(EXTENSION)
    if client is None:
        client = client_for(app.extensions["smartcity"].settings)
        app.extensions[EXTENSION] = client
    return client


def send_jobs(client: Celery, slug: str, job_ids: Iterable[int]) -> list[int]:
    """Send one run message per job; return the ids that could not be sent.

    Never raises for a broker failure: the jobs stay in the table and the
    dispatcher sends them once Redis answers again.
    """
    ids = list(job_ids)
    for position, job_id in enumerate(ids):
        try:
            client.send_task(
                RUN_TASK,
                args=(job_id,),
                headers={TENANT_HEADER: slug},
                ignore_result=True,
                add_to_parent=False,
                retry=True,
                retry_policy=PUBLISH_RETRY,
            )
        except Exception as exc:  # any broker failure means "send later"
            log.warning(
                "jobs %s of %s not sent (%s: %s); the dispatcher will send them",
                ids[position:],
                slug,
                type(exc).__name__,
                exc,
            )
            return ids[position:]
    return []
