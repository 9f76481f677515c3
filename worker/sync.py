"""Data-sync tasks and their beat entries: reference data pushed out, rosters pulled in.

- ``smartcity.sync.push_reference`` (tenant task): bring one tenant to the latest
  reference versions. Sent by the daily fan-out and by the catch-up below; safe to
  receive twice (a current tenant is left untouched).
- ``smartcity.sync.reference_daily`` (beat, nightly): publish a data file shipped
  with a new release if that content was never published, then fan the push out
  to every active tenant, which also repairs any drift.
- ``smartcity.sync.reference_catch_up`` (beat, every few minutes): push to the
  tenants holding an older version than the latest, so a version an operator
  publishes reaches every regency within minutes, and a push lost while Redis
  was down is sent again.
- ``smartcity.sync.staff`` (tenant task, nightly fan-out or on demand): the SIASN
  roster sync of tenants that configured it; the others skip it.
- ``smartcity.usage.collect`` (beat, nightly): yesterday's per-tenant usage
  aggregates into ``platform.tenant_usage_daily`` for the operator console
  (:func:`smartcity.usage.collect`: idempotent, one transaction per tenant).

Call :func:`register_sync` once on the Celery app (``worker.celery_app`` does).
"""

from __future__ import annotations

import logging
import random
from typing import Any

from celery import Task
from celery.schedules import crontab
from smartcity.db import db
from smartcity.state import platform_state
from smartcity.sync import reference, siasn
from smartcity.tenancy.cache import TenantInfo
from smartcity.usage import collect as collect_usage
from sqlalchemy.orm import Session

from worker.tasks import FANOUT_TASK, TENANT_HEADER, SmartCityCelery, TenantTask

log = logging.getLogger(__name__)

PUSH_REFERENCE = "smartcity.sync.push_reference"
REFERENCE_DAILY = "smartcity.sync.reference_daily"
REFERENCE_CATCH_UP = "smartcity.sync.reference_catch_up"
STAFF_SYNC = "smartcity.sync.staff"
USAGE_COLLECT = "smartcity.usage.collect"
BEAT_ACTOR = "sync"
#: Seconds over which the catch-up spreads the pushes it sends.
CATCH_UP_JITTER = 30.0


def push_reference(_session: Session, tenant: TenantInfo) -> dict[str, Any]:
    """The tenant's session is not used: the push writes the tenant's rows and the
    platform's record of its version in one platform transaction (as_tenant)."""
    state = platform_state()
    with db.platform_transaction() as session:
        result = reference.push_slug(
            session,
            tenant.slug,
            registry=state.registry,
            role_prefix=state.settings.role_prefix,
            actor=BEAT_ACTOR,
        )
    return {"versions": result.versions, "changed": sorted(result.changes)}


def sync_staff(session: Session, tenant: TenantInfo, requested_by: str | None = None) -> Any:
    """One SIASN roster sync; the task base commits the run it records."""
    if not siasn.is_configured(session):
        log.info("staff sync skipped: SIASN is not configured for %s", tenant.slug)
        return None
    settings = platform_state().settings
    run = siasn.run_sync(
        session,
        actor=requested_by or BEAT_ACTOR,
        timeout=settings.SIASN_TIMEOUT_SECONDS,
        allow_http_loopback=settings.SIASN_ALLOW_HTTP_LOOPBACK,
    )
    return {
        "run": run.id,
        "status": run.report.get("status"),
        "created": run.created,
        "updated": run.updated,
        "rejected": run.rejected,
    }


def register_sync(celery: SmartCityCelery) -> None:
    """Register the sync tasks on ``celery`` and add their beat entries."""
    celery.task(name=PUSH_REFERENCE, base=TenantTask, shared=False)(push_reference)
    celery.task(name=STAFF_SYNC, base=TenantTask, shared=False)(sync_staff)

    @celery.task(name=REFERENCE_DAILY, base=Task, acks_late=True, shared=False)
    def reference_daily() -> int:
        """Publish unseen shipped data, then push every active tenant (via the fan-out)."""
        with celery.flask_app.app_context(), db.platform_transaction() as session:
            published = reference.publish_shipped(
                session, registry=platform_state().registry, actor=BEAT_ACTOR, only_unseen=True
            )
        for item in published:
            log.info("published %s %s", item.dataset.name, item.dataset.version)
        celery.send_task(FANOUT_TASK, args=(PUSH_REFERENCE, None))
        return len(published)

    @celery.task(name=REFERENCE_CATCH_UP, base=Task, acks_late=True, shared=False)
    def reference_catch_up() -> int:
        """Push to the tenants holding an older version than the latest."""
        with celery.flask_app.app_context():
            registry = platform_state().registry
            with db.platform_transaction() as session:
                slugs = reference.tenants_behind(session, registry)
        for slug in slugs:
            celery.send_task(
                PUSH_REFERENCE,
                headers={TENANT_HEADER: slug},
                countdown=random.uniform(0, CATCH_UP_JITTER),  # noqa: S311 - jitter only
            )
        return len(slugs)

    @celery.task(name=USAGE_COLLECT, base=Task, acks_late=True, shared=False)
    def usage_collect() -> dict[str, Any]:
        """Roll yesterday's activity and jobs of every active tenant up into ``platform``."""
        with celery.flask_app.app_context():
            report = collect_usage()
        for slug, error in report.failed.items():
            log.error("usage of %s not collected for %s: %s", slug, report.day, error)
        return {
            "day": report.day.isoformat(),
            "tenants": report.tenants,
            "rows": report.rows,
            "failed": sorted(report.failed),
        }

    settings = celery.flask_app.extensions["smartcity"].settings
    celery.conf.beat_schedule = {
        **(celery.conf.beat_schedule or {}),
        "sync.reference.daily": {
            "task": REFERENCE_DAILY,
            "schedule": crontab(hour=1, minute=15),
        },
        "sync.reference.catch_up": {
            "task": REFERENCE_CATCH_UP,
            "schedule": settings.REFERENCE_CATCH_UP_SECONDS,
        },
        # After midnight in Jakarta: yesterday is over in every regency (all lie at or east).
        "usage.collect.nightly": {
            "task": USAGE_COLLECT,
            "schedule": crontab(hour=0, minute=20),
        },
        "sync.staff.nightly": {
            "task": FANOUT_TASK,
            "schedule": crontab(hour=2, minute=0),
            # Spread over 15 minutes: SIASN is one server for every regency.
            "args": (STAFF_SYNC, None, 900.0),
        },
    }
