"""Jobs as users and the system ask for them: submit, look up, cancel, download.

``submit`` writes the row (queued) in the caller's transaction and sends the
message only after that transaction commits; if Redis is down the request
still succeeds and the dispatcher sends the job later. Callers commit (the
request, task or CLI boundary), never these functions.

Who sees what: a tenant's administrators (``tenant.manage``) see every job of
the tenant; other users see the jobs they asked for. Another tenant's job is
not in this tenant's schema at all, so it is simply not found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from smartcity.errors import Conflict, Forbidden, InvalidInput, Message, NotFound, ServiceError
from smartcity.jobs import catalog
from smartcity.jobs.broker import broker
from smartcity.jobs.dispatch import limits_of, reserve, send_after_commit
from smartcity.jobs.kinds import Requester
from smartcity.jobs.models import Job, JobStatus, StoredFile
from smartcity.tenancy.cache import TenantInfo
from smartcity.tenantcore import audit

#: Sees and manages every job of the tenant.
JOBS_ADMIN_PERMISSION = "tenant.manage"
_FULL = "smartcity.jobs.allowance_full"


class Gone(ServiceError):
    status = 410
    code = "gone"


@dataclass(frozen=True, slots=True)
class Viewer:
    """Whose jobs a caller may see: ``user_id`` None with ``sees_all`` is the system."""

    user_id: int | None
    permissions: frozenset[str]

    @property
    def sees_all(self) -> bool:
        return self.user_id is None or JOBS_ADMIN_PERMISSION in self.permissions


SYSTEM = Viewer(None, frozenset())


def submit(
    session: Session,
    kind: str,
    params: Mapping[str, Any] | None,
    requested_by: str,
    *,
    tenant: TenantInfo,
    user_id: int | None = None,
    permissions: Iterable[str] | None = None,
) -> Job:
    """Queue a job of ``kind`` for ``tenant``; sent to the workers after commit.

    ``permissions`` are the asking user's (None: the system, which may ask for
    any kind). An unknown kind, or one whose app the tenant has not enabled,
    is invalid input; a kind the user may not ask for is forbidden, and so are
    parameters the kind's ``authorize`` refuses to this user (another unit's
    report, say).
    """
    spec = catalog.job_kind(kind)
    if spec is None or not spec.available_to(tenant.apps, None):
        raise InvalidInput(Message("unknown job kind '%(kind)s'", kind=kind), {"kind": "unknown"})
    if not spec.available_to(tenant.apps, None if permissions is None else set(permissions)):
        raise Forbidden(
            Message("requires the permission %(permission)s", permission=spec.permission),
            {"kind": Message("requires %(permission)s", permission=spec.permission)},
        )
    parsed = spec.parse(params)
    if spec.authorize is not None and permissions is not None:
        spec.authorize(session, Requester(user_id, frozenset(permissions)), parsed)
    job = Job(
        kind=kind,
        params=parsed.model_dump(mode="json"),
        status=JobStatus.QUEUED,
        progress=0,
        attempts=0,
        cancel_requested=False,
        requested_by=requested_by,
        requested_by_user_id=user_id,
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        actor=requested_by,
        action="job.submit",
        entity="job",
        entity_id=job.id,
        after={"kind": kind, "params": job.params},
    )
    publish(session, tenant)
    return job


def publish(session: Session, tenant: TenantInfo) -> None:
    """Reserve the tenant's next jobs in this transaction; send them after it commits.

    Once the tenant's allowance is full, later jobs of the same transaction skip
    the check: nothing can free room before this transaction ends (the next
    publisher waits for its lock), and the workers top the tenant up after it.
    """
    transaction = session.get_transaction()
    of_transaction, full = session.info.get(_FULL, (None, set()))
    if of_transaction is not transaction:
        full = set()
        session.info[_FULL] = (transaction, full)
    if tenant.id in full:
        return
    ids = reserve(session, tenant, limits_of(current_app))
    if not ids:
        full.add(tenant.id)
    send_after_commit(session, tenant, broker(current_app), ids)


def visible_jobs(viewer: Viewer) -> Select[Job]:
    query = select(Job).order_by(Job.id.desc())
    if not viewer.sees_all:
        query = query.where(Job.requested_by_user_id == viewer.user_id)
    return query


def get_job(session: Session, job_id: int, viewer: Viewer, *, for_update: bool = False) -> Job:
    """The job if ``viewer`` may see it; NotFound otherwise (whether or not it exists)."""
    query = select(Job).where(Job.id == job_id)
    if for_update:
        query = query.with_for_update()
    job = session.scalar(query)
    if job is None or not (viewer.sees_all or job.requested_by_user_id == viewer.user_id):
        raise NotFound(Message("no job %(job_id)s", job_id=job_id))
    return job


def jobs_by_id(session: Session, ids: Iterable[int], viewer: Viewer) -> list[Job]:
    wanted = sorted(set(ids))[:200]
    if not wanted:
        return []
    return list(session.scalars(visible_jobs(viewer).where(Job.id.in_(wanted))))


def cancel(session: Session, job_id: int, viewer: Viewer, *, actor: str, tenant: TenantInfo) -> Job:
    """A queued job is cancelled at once; a running one stops at its next progress step."""
    job = get_job(session, job_id, viewer, for_update=True)
    before = {"status": job.status, "cancel_requested": job.cancel_requested}
    if job.status == JobStatus.QUEUED:
        job.status = JobStatus.CANCELLED
        job.cancel_requested = True
        job.finished_at = datetime.now(UTC)
    elif job.status == JobStatus.RUNNING:
        job.cancel_requested = True
    else:
        raise Conflict(
            Message("job %(job_id)s has already finished", job_id=job_id), {"status": job.status}
        )
    session.flush()
    session.refresh(job)
    audit.record(
        session,
        actor=actor,
        action="job.cancel",
        entity="job",
        entity_id=job.id,
        before=before,
        after={"status": job.status, "cancel_requested": job.cancel_requested},
    )
    if job.status == JobStatus.CANCELLED:
        session.info.pop(_FULL, None)  # its place in the tenant's allowance is free again
        publish(session, tenant)
    return job


def result_file(session: Session, job: Job, viewer: Viewer, tenant: TenantInfo) -> StoredFile:
    """The job's file, if the viewer may still read it and it still exists."""
    spec = catalog.job_kind(job.kind)
    if (
        spec is not None
        and not viewer.sees_all
        and not spec.available_to(tenant.apps, viewer.permissions)
    ):
        raise Forbidden(
            Message("requires the permission %(permission)s", permission=spec.permission)
        )
    if job.status == JobStatus.EXPIRED or (
        job.status == JobStatus.SUCCEEDED and job.result_file_id is None
    ):
        raise Gone(Message("the result of job %(id)s has expired", id=job.id))
    if job.status != JobStatus.SUCCEEDED or job.result_file_id is None:
        raise Conflict(
            Message("job %(id)s has no result (it is %(status)s)", id=job.id, status=job.status),
            {"status": job.status},
        )
    stored = session.get(StoredFile, job.result_file_id)
    if stored is None:
        raise Gone(Message("the result of job %(id)s has expired", id=job.id))
    return stored


def kind_title(kind: str) -> str:
    spec = catalog.job_kind(kind)
    return spec.title if spec is not None else kind
