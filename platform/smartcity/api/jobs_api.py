"""``<tenant>/api/v1/jobs``: ask for background jobs (reports...), follow them, fetch results.

Registered on the shared tenant API blueprint (``api.tenant_blueprint``), so
the routes and their OpenAPI entries live with the rest of the tenant API. Any
signed-in user may use them: which kinds a user may ask for is the job
catalogue's rule (each kind's permission). A user sees the jobs they asked
for; the tenant's administrators see all of them. Another tenant's job id is simply not found.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, g, jsonify, request, url_for
from pydantic import BaseModel, ConfigDict, Field

from smartcity.access import SIGNED_IN
from smartcity.api.auth import require_user
from smartcity.api.tenant_blueprint import spec
from smartcity.auth.principal import TenantPrincipal
from smartcity.errors import InvalidInput, Message
from smartcity.jobs import catalog, service
from smartcity.jobs.http import file_response
from smartcity.jobs.models import Job, JobStatus, StoredFile
from smartcity.tenancy.resolver import current_tenant

MAX_LIST = 200


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=80, description="e.g. report:audit_log")
    params: dict[str, Any] = Field(
        default_factory=dict, description="The kind's parameters (see GET /jobs/kinds)"
    )


class JobFileOut(BaseModel):
    name: str
    content_type: str
    size: int
    url: str


class JobOut(BaseModel):
    id: int
    kind: str
    title: str
    params: dict[str, Any]
    status: JobStatus
    progress: int
    cancel_requested: bool
    attempts: int
    error: str | None
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None
    result: dict[str, Any] | None
    file: JobFileOut | None


class JobList(BaseModel):
    jobs: list[JobOut]


class JobKindOut(BaseModel):
    kind: str
    title: str
    permission: str | None
    params: dict[str, Any] = Field(description="JSON Schema of the kind's parameters")


class JobKindList(BaseModel):
    kinds: list[JobKindOut]


def viewer_of(principal: TenantPrincipal) -> service.Viewer:
    return service.Viewer(principal.user.id, principal.permissions)


def job_out(job: Job, stored: StoredFile | None = None) -> dict[str, Any]:
    file = None
    if stored is not None:
        file = JobFileOut(
            name=stored.name,
            content_type=stored.content_type,
            size=stored.size,
            url=url_for("tenant_api.get_job_result", job_id=job.id),
        )
    return JobOut(
        id=job.id,
        kind=job.kind,
        title=service.kind_title(job.kind),
        params=job.params or {},
        status=JobStatus(job.status),
        progress=job.progress,
        cancel_requested=job.cancel_requested,
        attempts=job.attempts,
        error=job.error,
        requested_by=job.requested_by,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        expires_at=job.expires_at,
        result=job.result,
        file=file,
    ).model_dump(mode="json")


def _files(jobs: list[Job]) -> dict[int, StoredFile]:
    """The result files' metadata (not their bytes) of these jobs, by file id."""
    from sqlalchemy import select
    from sqlalchemy.orm import load_only

    ids = [j.result_file_id for j in jobs if j.result_file_id is not None]
    if not ids:
        return {}
    query = (
        select(StoredFile)
        .where(StoredFile.id.in_(ids))
        .options(
            load_only(StoredFile.name, StoredFile.content_type, StoredFile.size, raiseload=True)
        )
    )
    return {f.id: f for f in g.db.scalars(query)}


@spec.route(
    "GET",
    "/jobs",
    "Jobs: the caller's own (everyone's for tenant admins), newest first; "
    "?status=queued|running|... and ?limit=1-200",
    access=SIGNED_IN,
    response=JobList,
    errors=(422,),
)
def list_jobs() -> Response:
    principal = require_user()
    status = request.args.get("status")
    raw_limit = request.args.get("limit", "50")
    problems = {}
    if status is not None and status not in set(JobStatus):
        problems["status"] = Message("one of %(names)s", names=", ".join(JobStatus))
    if not raw_limit.isdecimal() or not 1 <= int(raw_limit) <= MAX_LIST:
        problems["limit"] = Message("a number from 1 to %(count)s", count=MAX_LIST)
    if problems:
        raise InvalidInput(Message("the query has invalid fields"), problems)
    query = service.visible_jobs(viewer_of(principal)).limit(int(raw_limit))
    if status is not None:
        query = query.where(Job.status == status)
    jobs = list(g.db.scalars(query))
    files = _files(jobs)
    return jsonify(
        jobs=[job_out(j, files.get(j.result_file_id or 0)) for j in jobs],
    )


@spec.route(
    "GET",
    "/jobs/kinds",
    "The kinds of job the caller may ask for",
    access=SIGNED_IN,
    response=JobKindList,
)
def list_job_kinds() -> Response:
    principal = require_user()
    tenant = current_tenant()
    kinds = [
        JobKindOut(
            kind=k.name, title=k.title, permission=k.permission, params=k.params.model_json_schema()
        ).model_dump(mode="json")
        for k in catalog.kinds()
        if k.available_to(tenant.apps, principal.permissions)
    ]
    return jsonify(kinds=kinds)


@spec.route(
    "POST",
    "/jobs",
    "Ask for a job; it runs in the background (poll GET /jobs/{job_id})",
    access=SIGNED_IN,
    body=JobCreate,
    response=JobOut,
    status=201,
    errors=(403,),
)
def create_job(body: JobCreate) -> tuple[Response, int, dict[str, str]]:
    principal = require_user()
    job = service.submit(
        g.db,
        body.kind,
        body.params,
        principal.label,
        tenant=current_tenant(),
        user_id=principal.user.id,
        permissions=principal.permissions,
    )
    g.db.refresh(job)  # created_at comes from the database
    location = url_for(".get_job", job_id=job.id)
    return jsonify(job_out(job)), 201, {"Location": location}


@spec.route("GET", "/jobs/<id:job_id>", "One job", access=SIGNED_IN, response=JobOut, errors=(404,))
def get_job(job_id: int) -> Response:
    principal = require_user()
    job = service.get_job(g.db, job_id, viewer_of(principal))
    return jsonify(job_out(job, _files([job]).get(job.result_file_id or 0)))


@spec.route(
    "GET",
    "/jobs/<id:job_id>/result",
    "The job's file (PDF, XLSX or CSV) once it has succeeded",
    access=SIGNED_IN,
    errors=(403, 404, 409, 410),
)
def get_job_result(job_id: int) -> Response:
    principal = require_user()
    viewer = viewer_of(principal)
    job = service.get_job(g.db, job_id, viewer)
    stored = service.result_file(g.db, job, viewer, current_tenant())
    return file_response(stored)


@spec.route(
    "POST",
    "/jobs/<id:job_id>/cancel",
    "Cancel a job: a queued one at once, a running one at its next step",
    access=SIGNED_IN,
    response=JobOut,
    errors=(404, 409),
)
def cancel_job(job_id: int) -> Response:
    principal = require_user()
    job = service.cancel(
        g.db, job_id, viewer_of(principal), actor=principal.label, tenant=current_tenant()
    )
    return jsonify(job_out(job))
