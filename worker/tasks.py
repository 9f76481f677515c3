"""The tenant-aware task base and the beat fan-out.

A tenant task never receives ORM objects: it gets ids, and its tenant travels
in the ``tenant`` message header. The base refuses to run without it, skips
(and logs) a suspended or archived tenant or a disabled app, and hands the task
a session already under the tenant's role.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from celery import Celery, Task
from flask import Flask
from smartcity.db import db
from smartcity.tenancy.cache import TenantInfo
from smartcity.tenancy.models import Tenant, TenantApp, TenantStatus
from sqlalchemy import select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
TENANT_HEADER = "tenant"


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
    autoretry_for = (ConnectionError, TimeoutError)
    retry_backoff = True
    retry_backoff_max = 600
    max_retries = 5
    app_name: str | None = None

    def tenant(self) -> TenantInfo | None:
        slug = (self.request.headers or {}).get(TENANT_HEADER) or getattr(
            self.request, TENANT_HEADER, None
        )
        if not slug:
            raise MissingTenantError(f"task {self.name} needs the '{TENANT_HEADER}' header")
        flask_app = self.app.flask_app  # type: ignore[attr-defined]
        info: TenantInfo | None = flask_app.extensions["smartcity"].cache.by_slug(slug)
        if info is None or info.status is not TenantStatus.ACTIVE:
            log.info("task %s skipped: tenant %s is not active", self.name, slug)
            return None
        if self.app_name is not None and self.app_name not in info.apps:
            log.info("task %s skipped: app %s is disabled for %s", self.name, self.app_name, slug)
            return None
        return info

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self.app.flask_app.app_context():  # type: ignore[attr-defined]
            tenant = self.tenant()
            if tenant is None:
                return None
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


def send_to_tenant(celery: SmartCityCelery, task: str, slug: str, *args: Any, **kwargs: Any) -> Any:
    """Publish a tenant task with its tenant header."""
    return celery.send_task(task, args=args, kwargs=kwargs, headers={TENANT_HEADER: slug})


def register_fanout(celery: SmartCityCelery) -> None:
    @celery.task(name="smartcity.fanout", acks_late=True)
    def fanout(task: str, app_name: str | None, jitter: float = 30.0) -> int:
        """Send ``task`` to every active tenant that enabled ``app_name``, spread out."""
        with celery.flask_app.app_context(), db.platform_transaction() as session:
            query = select(Tenant.slug).where(Tenant.status == TenantStatus.ACTIVE)
            if app_name is not None:
                query = query.join(TenantApp).where(
                    TenantApp.app == app_name, TenantApp.enabled.is_(True)
                )
            slugs = list(session.scalars(query))
        for slug in slugs:
            celery.send_task(
                task,
                headers={TENANT_HEADER: slug},
                countdown=random.uniform(0, jitter),  # noqa: S311 - jitter, not secrecy
            )
        return len(slugs)
