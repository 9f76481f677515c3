"""The API of the other attendance sources: fingerprint machine files (upload, report,
apply), the machine user ids of staff, and the selfie of a flagged punch."""

from __future__ import annotations

from typing import Any

from flask import Response, g, request
from pydantic import BaseModel, Field
from smartcity.toolkit import DbId, InvalidInput, access, require_user, upload_runs_as_job

from . import machine, photos
from .access import APPROVE, UNIT
from .api import _actor, _json, spec
from .messages import M
from .models import MachineImport


class EknMachineProblemOut(BaseModel):
    line: int
    kind: str
    value: str


class EknMachineImportOut(BaseModel):
    id: int
    filename: str
    status: str
    job_id: int | None
    counts: dict[str, Any]
    problems: list[EknMachineProblemOut]
    refusal: str | None
    applied_by: str | None


class EknMachineIdIn(BaseModel):
    staff_id: DbId
    machine_user_id: str | None = Field(None, max_length=20)


class EknMachineIdOut(BaseModel):
    staff_id: int
    nip: str
    name: str
    machine_user_id: str | None


class EknMachineIdList(BaseModel):
    machine_ids: list[EknMachineIdOut]


class EknMachineIdsImported(BaseModel):
    rows: int


def import_out(record: MachineImport) -> EknMachineImportOut:
    refused = machine.refusal(record)
    return EknMachineImportOut(
        id=record.id,
        filename=record.filename,
        status=record.status,
        job_id=record.job_id,
        counts=record.counts or {},
        problems=[EknMachineProblemOut(**p) for p in record.problems or []],
        refusal=refused.localized() if refused is not None else None,
        applied_by=record.applied_by,
    )


def _file() -> tuple[str, bytes]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput(
            M("send the machine's file as the form field 'file'"), {"file": "required"}
        )
    return upload.filename, upload.read(machine.MAX_BYTES + 1)


@spec.route(
    "POST",
    "/machine-files",
    "Upload a fingerprint machine file (multipart 'file': attlog .dat/.txt, CSV or XLSX) "
    "and get its report; nothing is recorded until it is applied. A file above "
    "UPLOAD_JOB_BYTES is checked by a job: the answer is 202 with status 'checking'",
    access=access.permission(UNIT),
    response=EknMachineImportOut,
    status=201,
    errors=(403, 413, 422),
)
def machine_upload() -> tuple[Response, int]:
    actor = _actor()
    filename, content = _file()
    user_id = require_user().user.id
    if upload_runs_as_job(content):
        record = machine.start(g.db, actor, filename=filename, content=content, user_id=user_id)
        return _json(import_out(record), 202)
    record = machine.upload(g.db, actor, filename=filename, content=content, user_id=user_id)
    return _json(import_out(record), 201)


@spec.route(
    "GET",
    "/machine-files/<id:import_id>",
    "A fingerprint machine file's report (or its check's progress)",
    access=access.permission(UNIT),
    response=EknMachineImportOut,
    errors=(403, 404),
)
def machine_report(import_id: int) -> tuple[Response, int]:
    _actor().require(UNIT)
    return _json(import_out(machine.get_import(g.db, import_id)))


@spec.route(
    "POST",
    "/machine-files/<id:import_id>/apply",
    "Record a checked machine file's usable lines as punches (a second apply is refused; "
    "a punch already recorded is never recorded twice)",
    access=access.permission(UNIT),
    response=EknMachineImportOut,
    errors=(403, 404, 409, 422),
)
def machine_apply(import_id: int) -> tuple[Response, int]:
    return _json(import_out(machine.apply(g.db, _actor(), import_id)))


@spec.route(
    "GET",
    "/machine-ids",
    "The machine user ids of the staff of my units",
    access=access.permission(UNIT),
    response=EknMachineIdList,
    errors=(403,),
)
def machine_ids() -> tuple[Response, int]:
    rows = machine.id_rows(g.db, _actor())
    return _json(
        EknMachineIdList(
            machine_ids=[
                EknMachineIdOut(
                    staff_id=r.staff_id, nip=r.nip, name=r.name, machine_user_id=r.machine_user_id
                )
                for r in rows
            ]
        )
    )


@spec.route(
    "PUT",
    "/machine-ids",
    "Set (or with null, clear) the machine user id of a staff member",
    access=access.permission(UNIT),
    body=EknMachineIdIn,
    response=EknMachineIdList,
    errors=(403, 404, 409, 422),
)
def machine_id_set(body: EknMachineIdIn) -> tuple[Response, int]:
    actor = _actor()
    machine.set_machine_id(
        g.db, actor, staff_id=body.staff_id, machine_user_id=body.machine_user_id
    )
    row = next(r for r in machine.id_rows(g.db, actor, staff_id=body.staff_id))
    return _json(
        EknMachineIdList(
            machine_ids=[
                EknMachineIdOut(
                    staff_id=row.staff_id,
                    nip=row.nip,
                    name=row.name,
                    machine_user_id=row.machine_user_id,
                )
            ]
        )
    )


@spec.route(
    "POST",
    "/machine-ids/import",
    "Import machine user ids: multipart 'file', a CSV or XLSX with the columns nip and "
    "id_mesin (every row or none)",
    access=access.permission(UNIT),
    response=EknMachineIdsImported,
    errors=(403, 413, 422),
)
def machine_ids_import() -> tuple[Response, int]:
    filename, content = _file()
    rows = machine.import_ids(g.db, _actor(), filename, content)
    return _json(EknMachineIdsImported(rows=rows))


@spec.route(
    "GET",
    "/punches/<id:punch_id>/selfie",
    "The selfie sent with a punch (image/jpeg or image/png), for the reviewer of the "
    "person's flagged punches only",
    access=access.permission(APPROVE),
    errors=(403, 404),
)
def punch_selfie(punch_id: int) -> Response:
    photo = photos.photo_for_reviewer(g.db, _actor(), punch_id)
    return photo_response(photo.media_type, photo.content)


def photo_response(media_type: str, content: bytes) -> Response:
    response = Response(content, mimetype=media_type)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response
