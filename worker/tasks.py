"""The tenant-aware task base, the core's tasks and the beat fan-out.

A tenant task never receives ORM objects: it gets ids, and its tenant travels
in the ``tenant`` message header. The base refuses to run without it, skips
(and logs) a tenant that is not active or is in maintenance, or whose app is
disabled, and hands the task a session already under the tenant's role.

Apps declare their tasks with :func:`tenant_task` in the module their manifest
names (``AppManifest.tasks``); the worker imports it (see ``worker.apps``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from celery import Celery, Task, shared_task
from flask import Flask
from smartcity.db import db
from smartcity.jobs.broker import (
    DISPATCH_TASK,
    EXPIRE_TASK,
    MONTHLY_TASK,
    RUN_TASK,
    TENANT_HEADER,
)
from smartcity.jobs.dispatch import dispatch_all
from smartcity.jobs.retention import expire_results
from smartcity.jobs.runner import MISSING, run_job
from smartcity.jobs.schedule import queue_monthly_reports
from smartcity.notices import SEND_TASK as NOTICE_TASK
from smartcity.notices import deliver, give_up
from smartcity.tenancy.cache import TenantInfo
from smartcity.tenancy.models import Tenant, TenantApp, TenantStatus
from sqlalchemy import select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
FANOUT_TASK = "smartcity.fanout"
#: How often a notice's e-mail is tried again after SMTP failed.
NOTICE_RETRIES = 5

__all__ = ["TENANT_HEADER", "MissingTenantError", "SmartCityCelery", "TenantTask", "tenant_task"]


class MissingTenantError(RuntimeError):
    """A tenant task was sent without its tenant header."""


class SmartCityCelery(Celery):
    """Celery that knows the Flask app whose context its tasks run in."""

    flask_app: Flask


class TenantTask(Task):  # type: ignore[type-arg]
    """Base of every per-tenant task; ``app_name`` gates it on the tenant's apps."""

    abstract = True
    acks_late = True
    reject_on_worker_lost = True
    autoretry_for: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)
    retry_backoff = True
    retry_backoff_max = 600
    max_retries = 5
    app_name: str | None = None

    @property
    def flask_app(self) -> Flask:
        return self.app.flask_app  # type: ignore[attr-defined,no-any-return]

    def tenant(self) -> TenantInfo | None:
        """The tenant to run for, or None (logged) when the task must not run now."""
        slug = (self.request.headers or {}).get(TENANT_HEADER) or getattr(
            self.request, TENANT_HEADER, None
        )
        if not slug:
            raise MissingTenantError(f"task {self.name} needs the '{TENANT_HEADER}' header")
        cache = self.flask_app.extensions["smartcity"].cache
        # A fresh read, not the cache: a task may start milliseconds after an operator
        # suspends the regency or disables the app, before this process hears the
        # NOTIFY; one query per task is cheap next to running work that must not run.
        cache.invalidate(slug)
        info: TenantInfo | None = cache.by_slug(slug)
        if info is None or info.status is not TenantStatus.ACTIVE:
            log.info("task %s skipped: tenant %s is not active", self.name, slug)
            return None
        if info.maintenance:
            log.info("task %s skipped: tenant %s is in maintenance", self.name, slug)
            return None
        if self.app_name is not None and self.app_name not in info.apps:
            log.info("task %s skipped: app %s is disabled for %s", self.name, self.app_name, slug)
            return None
        return info

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self.flask_app.app_context():
            tenant = self.tenant()
            if tenant is None:
                return None
            return self.run_for(tenant, *args, **kwargs)

    def run_for(self, tenant: TenantInfo, *args: Any, **kwargs: Any) -> Any:
        """Run in one transaction under the tenant's role, committed at the end."""
        session = db.session(bind=tenant.bind)
        try:
            result = self.run_in_tenant(session, tenant, *args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def run_in_tenant(self, session: Session, tenant: TenantInfo, *args: Any, **kwargs: Any) -> Any:
        return self.run(session, tenant, *args, **kwargs)


class JobTask(TenantTask):
    """Runs one row of the tenant's ``jobs`` table, in transactions of its own.

    Celery does not retry a run: the job's lease and the dispatcher do, so a retry
    can never race the run it replaces (see ``smartcity.jobs.runner``). The one
    exception is a job whose row is not there: its message may have overtaken the
    COMMIT that wrote it, so the message comes back a few times, sooner each time
    than the dispatcher's re-send, before it is dropped (a claim makes a late
    duplicate harmless).
    """

    name = RUN_TASK
    ignore_result = True
    autoretry_for = ()
    #: Tries for a job not in the table yet: 0.5, 1, 2, 4, 8 s later (15.5 s in all).
    missing_retries = 5
    missing_delay = 0.5

    def run_for(self, tenant: TenantInfo, *args: Any, **kwargs: Any) -> Any:
        if len(args) != 1 or kwargs or not str(args[0]).isdigit():
            log.error("job message for %s without a job id: %r %r", tenant.slug, args, kwargs)
            return None
        outcome = run_job(self.flask_app, tenant, int(args[0]))
        if outcome != MISSING:
            return outcome
        tries = self.request.retries or 0
        if tries >= self.missing_retries:
            log.warning(
                "job %s of %s: still not in its table after %d tries; message dropped",
                args[0],
                tenant.slug,
                tries + 1,
            )
            return outcome
        raise self.retry(countdown=self.missing_delay * 2**tries, max_retries=self.missing_retries)

    def run(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - __call__ runs it
        # TenantTask.__call__ resolves the tenant and calls run_for; nothing calls run.
        raise TypeError(f"{self.name} runs only through a worker, with its tenant header")


def tenant_task(name: str, app: str | None = None, **options: Any) -> Callable[[F], F]:
    """Declare an app's per-tenant task: ``def f(session, tenant, *ids)``.

    ``app`` gates it: for a tenant without that app enabled it does nothing.
    """
    return shared_task(name=name, base=TenantTask, app_name=app, **options)


def jitter_offset(task: str, slug: str, jitter: float) -> float:
    """How long after its beat tick ``task`` starts for regency ``slug``: 0 to ``jitter`` s.

    Derived from a hash of the two, not drawn at random: a regency's runs stay
    evenly spaced (a random delay could put two daily runs 23 hours apart), and
    regencies still start at different moments, so beat never sends a thousand
    regencies' work at once.
    """
    digest = hashlib.sha256(f"{task}\x00{slug}".encode()).digest()
    return jitter * int.from_bytes(digest[:8], "big") / 2**64


def send_to_tenant(celery: Celery, task: str, slug: str, *args: Any, **kwargs: Any) -> Any:
    """Publish a tenant task with its tenant header."""
    return celery.send_task(task, args=args, kwargs=kwargs, headers={TENANT_HEADER: slug})


def register_core_tasks(celery: SmartCityCelery) -> None:
    """The core's tasks: job runs, the dispatcher, result expiry, monthly reports, fan-out."""
    celery.register_task(JobTask())

    @celery.task(name=DISPATCH_TASK, ignore_result=True)
    def dispatch() -> int:
        """Send every active tenant's due jobs (lost messages, Redis was down, dead workers)."""
        with celery.flask_app.app_context():
            return sum(dispatch_all(celery.flask_app).values())

    @celery.task(name=EXPIRE_TASK, base=TenantTask)
    def expire(session: Session, tenant: TenantInfo) -> int:
        """Delete this tenant's expired results."""
        count = expire_results(session)
        if count:
            log.info("%s: %d job result(s) expired", tenant.slug, count)
        return count

    @celery.task(name=MONTHLY_TASK, base=TenantTask)
    def monthly(session: Session, tenant: TenantInfo) -> list[int]:
        """Queue this tenant's monthly reports if their day has come."""
        return [job.id for job in queue_monthly_reports(session, tenant)]

    @celery.task(name=NOTICE_TASK, base=TenantTask, bind=True, max_retries=5, ignore_result=True)
    def send_notices(self: TenantTask, session: Session, tenant: TenantInfo, ids: list[int]) -> int:
        """E-mail notices written by a committed transaction; SMTP failures try again
        later (30 s, doubling), then the notices say their mail failed."""
        failed = deliver(session, tenant, ids)
        if not failed:
            return 0
        tries = self.request.retries or 0
        if tries >= NOTICE_RETRIES:
            give_up(session, failed)
            return len(failed)
        raise self.retry(
            args=(failed,),
            countdown=30 * 2**tries,
            max_retries=NOTICE_RETRIES,
            headers={TENANT_HEADER: tenant.slug},
        )

    @celery.task(name=FANOUT_TASK, acks_late=True)
    def fanout(task: str, app_name: str | None, jitter: float = 30.0) -> list[str]:
        """Send ``task`` to every active tenant that enabled ``app_name``, each at its offset.

        Returns the slugs it sent to (the task's result, for whoever looks at beat's work).
        """
        with celery.flask_app.app_context(), db.platform_transaction() as session:
            query = select(Tenant.slug).where(
                Tenant.status == TenantStatus.ACTIVE, Tenant.maintenance.is_(False)
            )
            if app_name is not None:
                query = query.join(TenantApp).where(
                    TenantApp.app == app_name, TenantApp.enabled.is_(True)
                )
            slugs = list(session.scalars(query))
        for slug in slugs:
            celery.send_task(
                task,
                headers={TENANT_HEADER: slug},
                countdown=jitter_offset(task, slug, jitter),
            )
        return slugs
