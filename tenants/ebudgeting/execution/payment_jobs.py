"""Big SP2D files are imported by a job with progress, not in the request (issue 9).

A file above ``UPLOAD_JOB_BYTES`` is kept (``eb_payment_uploads``, status
``checking``; only its byte bound is checked in the request) and the job
``upload:ebudgeting_payments`` reads it within the same bounds, reporting
progress. The import itself (the year's lock, the budget checks, the payments
and the upload's outcome) happens in the transaction that finishes the job, so a
duplicate run or one that lost its lease writes nothing, and a file with any bad
row writes nothing but its report: the same all-or-nothing as a small file. A
file past a reader's bound ends the job failed with the refusal, and the upload
is marked ``refused`` in that same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smartcity.toolkit import (
    InvalidInput,
    Message,
    NotFound,
    ServiceError,
    UploadCheck,
    User,
    current_tenant,
    permissions_for,
    submit_job,
)
from sqlalchemy.orm import Session

from tenants.ebudgeting.access import PAYMENTS, VIEW_ALL, Actor, units_of
from tenants.ebudgeting.execution.payment_import import (
    MAX_IMPORT_BYTES,
    MAX_LISTED_PROBLEMS,
    ImportRejected,
    file_name,
    import_table,
    read_table,
)
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.models import FiscalYear, PaymentUpload

CHECKING, IMPORTED, REJECTED, REFUSED = "checking", "imported", "rejected", "refused"
#: Reading's share of the job; checking the rows against the budget takes the rest.
READ_SHARE = 0.9
Writer = Callable[[Session], None]


class TooLarge(InvalidInput):
    """The file is bigger than a payment file may be (413)."""

    status = 413
    code = "too_large"


def store(
    session: Session, fiscal_year: FiscalYear, filename: str, data: bytes, *, actor: Actor
) -> PaymentUpload:
    """Keep a big file unchecked for a job to import; only its size is checked now.
    The caller submits the job and records its id on the upload."""
    actor.require(PAYMENTS)
    if len(data) > MAX_IMPORT_BYTES:
        raise TooLarge(
            _m("files up to %(n)s MB", n=MAX_IMPORT_BYTES // (1024 * 1024)),
            {"file": _m("too large")},
        )
    if actor.user_id is None:
        raise NotFound(_m("a payment file is uploaded by a person"))
    upload = PaymentUpload(
        fiscal_year_id=fiscal_year.id,
        filename=file_name(filename),
        content=data,
        status=CHECKING,
        uploaded_by=actor.label,
        uploaded_by_user_id=actor.user_id,
        problems=[],
    )
    session.add(upload)
    session.flush()
    return upload


def start(
    session: Session, fiscal_year: FiscalYear, filename: str, data: bytes, *, actor: Actor
) -> PaymentUpload:
    """Keep a big file and submit the job that imports it (in the request's transaction:
    the job is sent once the upload is committed)."""
    upload = store(session, fiscal_year, filename, data, actor=actor)
    job = submit_job(
        session,
        PAYMENT_UPLOADS.kind,
        {"upload_id": upload.id},
        actor.label,
        tenant=current_tenant(),
        user_id=actor.user_id,
        permissions=actor.permissions,
    )
    upload.job_id = job.id
    return upload


def get_upload(session: Session, fiscal_year: FiscalYear, upload_id: int) -> PaymentUpload:
    upload = session.get(PaymentUpload, upload_id)
    if upload is None or upload.fiscal_year_id != fiscal_year.id:
        raise NotFound(_m("no payment file %(id)s", id=upload_id))
    return upload


def _actor(session: Session, user_id: int, apps: Any = None) -> Actor | None:
    """The uploader as they are now: a person who lost the role imports nothing."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    perms = frozenset(permissions_for(user.roles, apps or ("ebudgeting",)))
    units = None if VIEW_ALL in perms else units_of(session, user.id)
    return Actor(user.email, perms, units, user.id)


def check_stored(session: Session, upload_id: int, progress: Callable[[float], None]) -> Writer:
    """Read the stored file (reporting progress); return the writer that imports it in
    the job's final transaction. Raises a ServiceError when a bound refuses the file."""
    upload = session.get(PaymentUpload, upload_id)
    if upload is None or upload.status != CHECKING:
        return lambda _session: None  # done already (a duplicate run) or gone
    table = read_table(upload.filename, upload.content, lambda f: progress(READ_SHARE * f))
    progress(READ_SHARE)
    name, user_id = upload.filename, upload.uploaded_by_user_id

    def write(final: Session) -> None:
        target = _checking(final, upload_id)
        if target is None:
            return
        fiscal_year = final.get(FiscalYear, target.fiscal_year_id)
        actor = _actor(final, user_id)
        try:
            if fiscal_year is None or actor is None:
                raise NotFound(_m("the uploader or the year is gone"))
            with final.begin_nested():
                result = import_table(final, fiscal_year, name, table, actor=actor)
        except ImportRejected as exc:
            target.status = REJECTED
            target.problems = [
                {"row": p.row, "column": p.column, **_stored(p.message)}
                for p in exc.problems[:MAX_LISTED_PROBLEMS]
            ]
            target.refusal = _stored(exc.message)
            return
        except ServiceError as exc:
            _refuse(target, exc)
            return
        target.status, target.import_id = IMPORTED, result.import_id

    return write


def refuse_stored(upload_id: int, error: ServiceError) -> Writer:
    """The writer of a refusal: the upload is refused with the reason; nothing else."""

    def write(final: Session) -> None:
        target = _checking(final, upload_id)
        if target is not None:
            _refuse(target, error)

    return write


def _checking(session: Session, upload_id: int) -> PaymentUpload | None:
    """The upload, locked, if it still waits for its job."""
    upload = session.get(PaymentUpload, upload_id, with_for_update=True)
    return upload if upload is not None and upload.status == CHECKING else None


def _stored(message: str) -> dict[str, Any]:
    """A message as JSON: its msgid, values (a value that is itself a message, too) and
    catalogue (the app's or the core's), so its page shows it in the reader's language."""
    if not isinstance(message, Message):
        return {"message": message, "msgid": message, "params": {}, "app": False}
    params = message.json_params() | {
        k: {"nested": _stored(v)} for k, v in message.params.items() if isinstance(v, Message)
    }
    return {
        "message": str(message),
        "msgid": message.msgid,
        "params": params,
        "app": message.catalogue is not None,
    }


def _message(stored: dict[str, Any]) -> Message:
    make = _m if stored.get("app") else Message
    params = {
        k: _message(v["nested"]) if isinstance(v, dict) and "nested" in v else v
        for k, v in stored.get("params", {}).items()
    }
    return make(stored["msgid"], **params)


def _refuse(target: PaymentUpload, error: ServiceError) -> None:
    target.status, target.problems, target.refusal = REFUSED, [], _stored(error.message)


def refusal(upload: PaymentUpload) -> Message | None:
    """Why the file was refused (or the summary of its bad rows), in the reader's language."""
    return _message(upload.refusal) if upload.refusal else None


def problems(upload: PaymentUpload) -> list[dict[str, Any]]:
    """The bad rows the job found: row, column and a Message in the reader's language."""
    return [
        {"row": p["row"], "column": p["column"], "message": _message(p)} for p in upload.problems
    ]


PAYMENT_UPLOADS = UploadCheck(
    name="ebudgeting_payments",
    title=_m("SP2D payment file import"),
    permission=PAYMENTS,
    check=check_stored,
    refuse=refuse_stored,
    app="ebudgeting",
)
