"""Big uploads are checked by a job of record, small ones in the request.

Reading and checking a file of tens of thousands of rows takes seconds; a web
worker held that long serves nobody else (issue 9, finding 2). So an importer
that keeps its uploads (the roster's ``roster_imports``, the org units' waiting
file) declares an :class:`UploadCheck`, and its page asks :func:`runs_as_job`:

* at or below ``UPLOAD_JOB_BYTES`` the page checks the file at once, as before;
* above it, the page stores the file unchecked (its byte bound is still checked
  in the request) and submits the job ``upload:<name>`` (``{"upload_id": id}``),
  which reads the file within the same :mod:`smartcity.uploads` bounds,
  reports progress, and writes the importer's report in the transaction that
  finishes the job (:data:`~smartcity.jobs.kinds.Writer`): a duplicate run or
  one that lost its lease writes nothing. A file past a bound ends the job
  failed with the refusal message, and the upload is marked refused in that
  same transaction; nothing else is written.

Jobs of record bring what the request lacked: a regency's uploads wait in its
own queue (``JOBS_PER_TENANT``), so they never hold up another regency's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from smartcity.errors import ServiceError
from smartcity.jobs.kinds import JobContext, JobKind, JobOutput, JobRefused, Writer
from smartcity.state import platform_state

#: Reads the stored upload ``upload_id`` with a progress callback (0-1) and returns
#: the writer of its report; raises ServiceError when the file is refused.
CheckStored = Callable[[Session, int, Callable[[float], None]], Writer]
#: The writer of a refusal: the upload ``upload_id`` marked refused with the error.
RefuseStored = Callable[[int, ServiceError], Writer]
PREFIX = "upload:"


class UploadParams(BaseModel):
    upload_id: int = Field(ge=1, le=2**63 - 1)


@dataclass(frozen=True, slots=True)
class UploadCheck:
    """One importer whose big files are checked by a job (kind ``upload:<name>``)."""

    name: str
    title: str
    permission: str | None
    check: CheckStored
    refuse: RefuseStored
    app: str | None = None

    @property
    def kind(self) -> str:
        return PREFIX + self.name


def runs_as_job(content: bytes) -> bool:
    """Whether an upload of this size is checked by a job rather than in the request."""
    return len(content) > platform_state().settings.UPLOAD_JOB_BYTES


def job_kind(check: UploadCheck) -> JobKind:
    """``check`` as the job kind ``upload:<name>``."""

    def run(ctx: JobContext, params: UploadParams) -> JobOutput:
        def progress(fraction: float) -> None:
            ctx.progress(100 * max(0.0, min(1.0, fraction)))

        try:
            write = check.check(ctx.session, params.upload_id, progress)
        except ServiceError as exc:
            raise JobRefused(exc, check.refuse(params.upload_id, exc)) from exc
        return JobOutput(result={"upload_id": params.upload_id}, write=write)

    return JobKind(
        name=check.kind,
        title=check.title,
        params=UploadParams,
        run=run,
        permission=check.permission,
        app=check.app,
    )
