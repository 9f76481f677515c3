"""From the jobs table to the broker: fairly, after commit, and never lost.

The database is the queue. Each tenant has at most ``JOBS_PER_TENANT``
messages in flight (sent and not yet finished); the rest of its jobs wait in
its ``jobs`` table, oldest first. So a tenant queuing a thousand reports puts
two messages in front of the next tenant's one, not a thousand.

- :func:`reserve` picks the tenant's next jobs within its allowance and stamps
  ``published_at``, in the caller's transaction;
- :func:`send_after_commit` sends them once that transaction commits, the
  outer COMMIT and not a savepoint's release (a rolled-back request sends
  nothing, and a message never names a job that is not in the table yet);
- a finished job tops its tenant up (:func:`publish_tenant`), and the beat-driven
  dispatcher (:func:`dispatch_all`, also run when a worker starts) re-sends what
  Redis lost or never got: jobs never sent, messages older than
  ``JOB_REPUBLISH_SECONDS``, and running jobs whose lease ran out (their worker
  died).

A message sent twice is harmless: the run claims the row first (see
``smartcity.jobs.runner``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from celery import Celery
from flask import Flask
from sqlalchemy import Integer, and_, cast, event, func, literal, or_, select, update
from sqlalchemy.orm import Session, SessionTransaction

from smartcity.config import Settings
from smartcity.db import db, is_outer_commit
from smartcity.jobs.broker import broker, send_jobs
from smartcity.jobs.models import Job, JobStatus
from smartcity.tenancy.cache import TenantInfo
from smartcity.tenancy.models import Tenant, TenantStatus

log = logging.getLogger(__name__)

#: First key of the advisory lock that serialises one tenant's publishing.
LOCK_NAMESPACE = 0x4A4F
_LISTENING = "smartcity.jobs.listening"
_PENDING = "smartcity.jobs.pending"


@dataclass(frozen=True, slots=True)
class Limits:
    per_tenant: int
    lease_seconds: int
    republish_seconds: int
    max_attempts: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            per_tenant=max(1, settings.JOBS_PER_TENANT),
            lease_seconds=max(1, settings.JOB_LEASE_SECONDS),
            republish_seconds=max(1, settings.JOB_REPUBLISH_SECONDS),
            max_attempts=max(1, settings.JOB_MAX_ATTEMPTS),
        )

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    @property
    def republish_after(self) -> timedelta:
        return timedelta(seconds=self.republish_seconds)


def limits_of(app: Flask) -> Limits:
    return Limits.of(app.extensions["smartcity"].settings)


def reserve(session: Session, tenant: TenantInfo, limits: Limits) -> list[int]:
    """Stamp the tenant's next jobs as sent, up to its allowance; return their ids.

    Runs in the caller's transaction (a tenant session). The advisory lock
    makes two concurrent reservations of one tenant count each other's jobs.
    """
    session.execute(
        select(func.pg_advisory_xact_lock(LOCK_NAMESPACE, cast(literal(tenant.id), Integer)))
    )
    fresh = func.now() - limits.republish_after
    in_flight = (
        session.scalar(
            select(func.count())
            .select_from(Job)
            .where(
                or_(
                    and_(Job.status == JobStatus.RUNNING, Job.lease_until >= func.now()),
                    and_(
                        Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
                        Job.published_at >= fresh,
                    ),
                )
            )
        )
        or 0
    )
    room = limits.per_tenant - in_flight
    if room <= 0:
        return []
    due = (
        select(Job.id)
        .where(
            or_(
                Job.status == JobStatus.QUEUED,
                and_(
                    Job.status == JobStatus.RUNNING,
                    Job.lease_until < func.now(),
                    Job.attempts < limits.max_attempts,
                ),
            ),
            or_(Job.published_at.is_(None), Job.published_at < fresh),
        )
        .order_by(Job.id)
        .limit(room)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(due))
    if ids:
        session.execute(
            update(Job).where(Job.id.in_(ids)).values(published_at=func.now()),
            execution_options={"synchronize_session": False},
        )
    return ids


def fail_abandoned(session: Session, limits: Limits) -> int:
    """Give up on running jobs whose workers kept dying (lease out, no attempts left)."""
    result = session.execute(
        update(Job)
        .where(
            Job.status == JobStatus.RUNNING,
            Job.lease_until < func.now(),
            Job.attempts >= limits.max_attempts,
        )
        .values(
            status=JobStatus.FAILED,
            error=f"stopped after {limits.max_attempts} attempts: its worker stopped responding",
            finished_at=func.now(),
            lease_until=None,
        )
        .returning(Job.id),
        execution_options={"synchronize_session": False},
    )
    return len(result.all())


def send_after_commit(session: Session, tenant: TenantInfo, client: Celery, ids: list[int]) -> None:
    """Send ``ids`` once ``session``'s transaction commits; forget them if it rolls back.

    "Commits" means the outer COMMIT: a savepoint released on the way (see
    :func:`smartcity.db.is_outer_commit`) sends nothing, since the workers could
    not see the rows yet. Reserved inside a savepoint that rolls back, the ids
    are forgotten with it.
    """
    if not ids:
        return
    if not session.info.get(_LISTENING):
        session.info[_LISTENING] = True
        event.listen(session, "after_commit", _send_pending)
        event.listen(session, "after_soft_rollback", _forget_pending)
    owner = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((owner, tenant, client, ids))


def _send_pending(session: Session) -> None:
    if not is_outer_commit(session):
        return
    for _owner, tenant, client, ids in session.info.pop(_PENDING, []):
        try:
            unsent = send_jobs(client, tenant.slug, ids)
            if unsent:
                release(tenant, unsent)
        except Exception:
            # The caller's work is committed; the dispatcher will send these.
            log.exception("sending jobs %s of %s failed after commit", ids, tenant.slug)


def _forget_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    """Drop what the rolled-back transaction (or a savepoint inside it) reserved."""
    pending = session.info.get(_PENDING)
    if not pending:
        return
    session.info[_PENDING] = [
        entry for entry in pending if not _within(entry[0], previous_transaction)
    ]


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def release(tenant: TenantInfo, ids: list[int]) -> None:
    """Unstamp jobs whose message could not be sent, so the next dispatch sends them."""
    try:
        with tenant_transaction(tenant) as session:
            session.execute(
                update(Job)
                .where(Job.id.in_(ids), Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
                .values(published_at=None),
                execution_options={"synchronize_session": False},
            )
    except Exception:
        log.exception(
            "could not unstamp jobs %s of %s; they go out after the timeout", ids, tenant.slug
        )


@contextmanager
def tenant_transaction(tenant: TenantInfo) -> Iterator[Session]:
    """A short transaction of its own under the tenant's role; commits at the end."""
    session = db.session(bind=tenant.bind)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def publish_tenant(tenant: TenantInfo, client: Celery, limits: Limits) -> int:
    """Send the tenant's next jobs within its allowance; the number sent."""
    with tenant_transaction(tenant) as session:
        abandoned = fail_abandoned(session, limits)
        ids = reserve(session, tenant, limits)
    if abandoned:
        log.warning(
            "%s: %d job(s) failed after %d attempts", tenant.slug, abandoned, limits.max_attempts
        )
    unsent = send_jobs(client, tenant.slug, ids)
    if unsent:
        release(tenant, unsent)
    return len(ids) - len(unsent)


def dispatch_all(app: Flask) -> dict[str, int]:
    """Publish every active tenant's due jobs (beat runs this; so does a starting worker)."""
    state = app.extensions["smartcity"]
    with db.platform_transaction() as session:
        slugs = list(
            session.scalars(
                select(Tenant.slug).where(
                    Tenant.status == TenantStatus.ACTIVE, Tenant.maintenance.is_(False)
                )
            )
        )
    client, limits = broker(app), limits_of(app)
    sent: dict[str, int] = {}
    for slug in slugs:
        tenant = state.cache.by_slug(slug)
        if tenant is None or not tenant.is_active or tenant.maintenance:
            continue
        try:
            count = publish_tenant(tenant, client, limits)
        except Exception:
            log.exception("dispatching the jobs of %s failed", slug)
            continue
        if count:
            sent[slug] = count
    if sent:
        log.info("dispatcher sent %d job(s): %s", sum(sent.values()), sent)
    return sent
