"""Running one job so that its effect happens exactly once.

A message may arrive twice (re-sent by the dispatcher, redelivered after a
worker died) and a worker may die at any point, so a run:

1. claims the row in a short transaction of its own: ``status`` becomes
   ``running`` with a fresh ``claim_token`` and a lease, only if the job is
   queued or its previous run's lease ran out. Nothing claimed: a duplicate, or
   done already; log it and stop.
2. works, reporting progress in short transactions that also extend the lease
   (a heartbeat thread extends it between progress reports) and notice a
   cancellation;
3. writes the outcome (stored file, status, times) in one transaction that
   changes the row only while it still holds ``claim_token``: a run that lost
   its lease to another cannot write a second result.

Whatever happens, the tenant is then topped up: its next queued job is sent.

A job whose row is not there at all returns :data:`MISSING`: its message may
have overtaken the COMMIT that wrote it, so the task tries again shortly
(``worker.tasks.JobTask``) rather than leaving it to the dispatcher's re-send.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from smartcity.db import db
from smartcity.errors import ServiceError
from smartcity.jobs import catalog
from smartcity.jobs.broker import broker
from smartcity.jobs.dispatch import Limits, limits_of, publish_tenant, tenant_transaction
from smartcity.jobs.kinds import JobCancelled, JobKind, JobOutput, JobRefused, LeaseLost, Writer
from smartcity.jobs.models import Job, JobStatus, StoredFile
from smartcity.jobs.retention import result_expiry
from smartcity.tenancy.cache import TenantInfo

log = logging.getLogger(__name__)
#: Progress is written at most this often (seconds); the bars poll every 1-2 s.
PROGRESS_INTERVAL = 0.5
ERROR_LIMIT = 2000
#: What a run writes: its final status and finish()'s keyword arguments.
Outcome = tuple[JobStatus, dict[str, Any]]
#: What :func:`run_job` returns when the tenant has no such job (or not visibly yet).
MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Claim:
    token: str
    kind: str
    params: dict[str, Any]
    requested_by: str
    attempts: int
    cancel_requested: bool


def claim(tenant: TenantInfo, job_id: int, limits: Limits) -> Claim | None:
    """Take the job for this run, or None if it is not ours to run."""
    token = secrets.token_hex(16)
    with tenant_transaction(tenant) as session:
        row = session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                (Job.status == JobStatus.QUEUED)
                | (
                    (Job.status == JobStatus.RUNNING)
                    & (Job.lease_until < func.now())
                    & (Job.attempts < limits.max_attempts)
                ),
            )
            .values(
                status=JobStatus.RUNNING,
                claim_token=token,
                lease_until=func.now() + limits.lease,
                attempts=Job.attempts + 1,
                started_at=func.now(),
                published_at=None,
                progress=0,
            )
            .returning(Job.kind, Job.params, Job.requested_by, Job.attempts, Job.cancel_requested),
            execution_options={"synchronize_session": False},
        ).first()
    if row is None:
        return None
    return Claim(
        token,
        row.kind,
        dict(row.params or {}),
        row.requested_by,
        row.attempts,
        row.cancel_requested,
    )


@dataclass
class RunningJob:
    """The :class:`~smartcity.jobs.kinds.JobContext` of a claimed job."""

    tenant: TenantInfo
    job_id: int
    requested_by: str
    session: Session
    token: str
    limits: Limits
    cancelled: bool = False
    lost: bool = False
    _last_write: float = field(default=0.0)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def progress(self, percent: float) -> None:
        self._raise_if_stopped()
        now = time.monotonic()
        if now - self._last_write >= PROGRESS_INTERVAL:
            self._last_write = now
            self.touch(int(max(0, min(99, percent))))
            self._raise_if_stopped()

    def touch(self, percent: int | None = None) -> None:
        """Extend the lease (and write the progress); learn of a cancellation or a takeover."""
        values: dict[str, Any] = {"lease_until": func.now() + self.limits.lease}
        if percent is not None:
            values["progress"] = percent
        with self._lock, tenant_transaction(self.tenant) as session:
            row = session.execute(
                update(Job)
                .where(
                    Job.id == self.job_id,
                    Job.claim_token == self.token,
                    Job.status == JobStatus.RUNNING,
                )
                .values(**values)
                .returning(Job.cancel_requested),
                execution_options={"synchronize_session": False},
            ).first()
        if row is None:
            self.lost = True
        elif row.cancel_requested:
            self.cancelled = True

    def _raise_if_stopped(self) -> None:
        if self.lost:
            raise LeaseLost(f"job {self.job_id} of {self.tenant.slug} was taken over")
        if self.cancelled:
            raise JobCancelled(f"job {self.job_id} of {self.tenant.slug} was cancelled")


class _Heartbeat(threading.Thread):
    """Keeps the lease while the job works between progress reports (a long render)."""

    def __init__(self, job: RunningJob) -> None:
        super().__init__(name=f"job-{job.job_id}-heartbeat", daemon=True)
        self._job = job
        self._halt = threading.Event()
        self._interval = max(0.2, job.limits.lease_seconds / 3)

    def run(self) -> None:
        while not self._halt.wait(self._interval):
            try:
                self._job.touch()
            except Exception as exc:  # the lease may lapse; the dispatcher then retries
                log.warning("job %s: could not extend its lease: %s", self._job.job_id, exc)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


def finish(
    tenant: TenantInfo,
    job_id: int,
    token: str,
    status: JobStatus,
    *,
    requested_by: str,
    output: JobOutput | None = None,
    error: str | None = None,
    write: Writer | None = None,
) -> bool:
    """Write the outcome in one transaction, only if this run still holds the job; the
    job's effect (``output.write``, or ``write`` for a refusal) goes in the same one."""
    session = db.session(bind=tenant.bind)
    try:
        expiry = result_expiry(session)
        file_id = None
        if output is not None and output.file is not None:
            stored = StoredFile(
                name=output.file.name,
                content_type=output.file.content_type,
                size=len(output.file.data),
                sha256=hashlib.sha256(output.file.data).hexdigest(),
                data=output.file.data,
                created_by=requested_by,
                expires_at=func.now() + expiry,
            )
            session.add(stored)
            session.flush()
            file_id = stored.id
        values: dict[str, Any] = {
            "status": status,
            "finished_at": func.now(),
            "lease_until": None,
            "error": None if error is None else error[:ERROR_LIMIT],
        }
        if status == JobStatus.SUCCEEDED:
            values |= {
                "progress": 100,
                "result_file_id": file_id,
                "result": output.result if output is not None else None,
                "expires_at": func.now() + expiry,
            }
        row = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.claim_token == token, Job.status == JobStatus.RUNNING)
            .values(**values)
            .returning(Job.id),
            execution_options={"synchronize_session": False},
        ).first()
        if row is None:
            session.rollback()
            return False
        effect = output.write if output is not None else write
        if effect is not None:
            effect(session)
            session.flush()
        session.commit()
        return True
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def run_job(app: Flask, tenant: TenantInfo, job_id: int) -> str:
    """Claim, run and finish one job; returns what happened (for the task's log)."""
    limits = limits_of(app)
    claimed = claim(tenant, job_id, limits)
    if claimed is None and not _exists(tenant, job_id):
        log.info("job %s of %s: not in its table (not committed yet?)", job_id, tenant.slug)
        return MISSING
    if claimed is None:
        log.info(
            "job %s of %s: nothing to do (finished, cancelled, running elsewhere or unknown)",
            job_id,
            tenant.slug,
        )
        return "skipped"
    log.info("job %s of %s (%s): attempt %d", job_id, tenant.slug, claimed.kind, claimed.attempts)
    try:
        outcome = _run_claimed(app, tenant, job_id, claimed, limits)
    finally:
        try:
            publish_tenant(tenant, broker(app), limits)
        except Exception:
            log.exception("could not send the next jobs of %s", tenant.slug)
    log.info("job %s of %s: %s", job_id, tenant.slug, outcome)
    return outcome


def _exists(tenant: TenantInfo, job_id: int) -> bool:
    with tenant_transaction(tenant) as session:
        return session.scalar(select(Job.id).where(Job.id == job_id)) is not None


def _run_claimed(
    app: Flask, tenant: TenantInfo, job_id: int, claimed: Claim, limits: Limits
) -> str:
    outcome = _outcome(app, tenant, job_id, claimed, limits)
    if outcome is None:
        return "lost"
    status, details = outcome
    written = finish(
        tenant, job_id, claimed.token, status, requested_by=claimed.requested_by, **details
    )
    return status.value if written else "lost"


def _outcome(
    app: Flask, tenant: TenantInfo, job_id: int, claimed: Claim, limits: Limits
) -> Outcome | None:
    """What to write for this run: a status and its output or error; None if the run lost
    its lease (then it writes nothing)."""
    if claimed.cancel_requested:
        return JobStatus.CANCELLED, {}
    kind = catalog.for_app(app).kinds.get(claimed.kind)
    if kind is None or not kind.available_to(tenant.apps, None):
        error = f"the job kind {claimed.kind} is not available (its app is disabled or removed)"
        return JobStatus.FAILED, {"error": error}
    return _execute(
        kind,
        RunningJob(
            tenant,
            job_id,
            claimed.requested_by,
            db.session(bind=tenant.bind),
            claimed.token,
            limits,
        ),
        claimed,
    )


def _execute(kind: JobKind, running: RunningJob, claimed: Claim) -> Outcome | None:
    heartbeat = _Heartbeat(running)
    heartbeat.start()
    where = f"job {running.job_id} of {running.tenant.slug} ({claimed.kind})"
    try:
        output = kind.run(running, kind.parse(claimed.params))
    except JobCancelled:
        return JobStatus.CANCELLED, {}
    except LeaseLost:
        log.warning("%s: lease lost, another run finishes it", where)
        return None
    except JobRefused as exc:
        return JobStatus.FAILED, {"error": exc.error.message, "write": exc.write}
    except (OperationalError, InterfaceError):
        # The database went away: leave the job running; once its lease runs out the
        # dispatcher sends it again (up to JOB_MAX_ATTEMPTS).
        raise
    except ServiceError as exc:
        return JobStatus.FAILED, {"error": exc.message}
    except Exception as exc:
        log.exception("%s failed", where)
        error = (
            f"unexpected error ({type(exc).__name__}); "
            "the operators can see the details in the worker's log"
        )
        return JobStatus.FAILED, {"error": error}
    finally:
        heartbeat.stop()
        running.session.rollback()
        running.session.close()
    return None if running.lost else (JobStatus.SUCCEEDED, {"output": output})
