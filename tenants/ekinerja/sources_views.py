"""Pages of the other attendance sources, on e-Kinerja's blueprint: checking in from
the office network, fingerprint machine files (upload, report, apply) and the staff's
machine user ids, and the selfie of a flagged punch for its reviewer.

The client address is the one the core uses everywhere (``request.remote_addr``):
by default the platform trusts no forwarded header, so an ``X-Forwarded-For`` a client
sends changes nothing; a deployment behind its own proxies says how many with
``SMARTCITY_PROXY_HOPS``, and then only the entries those proxies appended count.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from smartcity.toolkit import (
    InvalidInput,
    Job,
    ServiceError,
    Staff,
    access,
    number,
    translate,
    upload_runs_as_job,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from . import attendance, machine, photos
from .access import APPROVE, SELF, UNIT, Actor, actor_for
from .blueprint import blueprint
from .messages import M, _
from .models import MachineImport
from .settings import load as load_settings
from .sources_api import photo_response

#: How each problem of a machine file is named on its report.
PROBLEM_LABELS = {
    "unparseable": M("line cannot be read"),
    "unknown_id": M("no staff member has this machine id"),
    "not_your_unit": M("the person is not in your units"),
    "inactive": M("the person is no longer active"),
    "duplicate": M("repeats an earlier line"),
    "outside_window": M("in the future or in a closed month"),
}

STATUS_LABELS = machine.STATUS_LABELS


def _actor() -> Actor:
    return actor_for(g.db, current_user)


# --------------------------------------------------------------------------- web check-in


def _checkin_page(actor: Actor, status: int = 200, refusal: str | None = None) -> tuple[str, int]:
    tz = attendance.zone(g.db)
    today = datetime.now(tz).date()
    record = None
    if actor.staff_id is not None:
        found = attendance.days_of(g.db, actor.staff_id, today, today)
        record = found[0] if found else None
    allowed = load_settings(g.db).allows_address(request.remote_addr)
    return (
        render_template(
            "ekinerja/checkin.html",
            actor=actor,
            record=record,
            tz=tz,
            today=today,
            allowed=allowed,
            address=request.remote_addr or "-",
            form_key=secrets.token_urlsafe(16),
            refusal=refusal,
        ),
        status,
    )


@blueprint.get("/checkin")
@access.requires(SELF)
def checkin_page() -> tuple[str, int]:
    """Check in or out from a computer on the office network."""
    return _checkin_page(_actor())


@blueprint.post("/checkin")
@access.requires(SELF)
def checkin() -> Response | tuple[str, int]:
    """One punch per form shown: a double click or a resent form makes one punch."""
    actor = _actor()
    kind = request.form.get("kind", "")
    key = request.form.get("form_key", "")[:60]
    try:
        staff_id = actor.require_staff()
        if not key:
            raise InvalidInput(
                M("the form is incomplete; reload the page"), {"form_key": "required"}
            )
        punch, created = attendance.record_punch(
            g.db,
            staff_id,
            attendance.PunchIn(kind=kind, idempotency_key="web:" + key),
            source="web",
            remote_addr=request.remote_addr,
        )
    except ServiceError as error:
        g.db.rollback()
        return _checkin_page(actor, error.status, translate(error.message))
    at = punch.at.astimezone(attendance.zone(g.db)).strftime("%H.%M")
    if punch.kind == "in":
        flash(_("Checked in at %(time)s.", time=at), "success")
    else:
        flash(_("Checked out at %(time)s.", time=at), "success")
    del created
    return redirect(url_for(".checkin_page"), 303)


# --------------------------------------------------------------------------- machine files


@blueprint.get("/machine")
@access.requires(UNIT)
def machine_files() -> str:
    return render_template(
        "ekinerja/machine_files.html",
        records=machine.recent(g.db),
        statuses={k: translate(v) for k, v in STATUS_LABELS.items()},
        number=number,
        max_mb=machine.MAX_BYTES // (1024 * 1024),
    )


@blueprint.post("/machine")
@access.requires(UNIT)
def machine_upload() -> Response:
    actor = _actor()
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InvalidInput(M("choose the machine's file"), {"file": "required"})
        content = upload.read(machine.MAX_BYTES + 1)
        user_id = current_user.user.id
        if upload_runs_as_job(content):
            record = machine.start(
                g.db, actor, filename=upload.filename, content=content, user_id=user_id
            )
            flash(_("The file is large: it is checked in the background."), "info")
        else:
            record = machine.upload(
                g.db, actor, filename=upload.filename, content=content, user_id=user_id
            )
    except ServiceError as error:
        g.db.rollback()
        flash(translate(error.message), "danger")
        return redirect(url_for(".machine_files"), 303)
    return redirect(url_for(".machine_file", import_id=record.id), 303)


@blueprint.get("/machine/<id:import_id>")
@access.requires(UNIT)
def machine_file(import_id: int) -> str:
    record = g.db.get(MachineImport, import_id)
    if record is None:
        abort(404)
    job = g.db.get(Job, record.job_id) if record.job_id is not None else None
    refused = machine.refusal(record)
    return render_template(
        "ekinerja/machine_file.html",
        record=record,
        job=job,
        counts=record.counts or {},
        problems=record.problems or [],
        labels={k: translate(v) for k, v in PROBLEM_LABELS.items()},
        refusal=translate(refused) if refused is not None else None,
        number=number,
    )


@blueprint.post("/machine/<id:import_id>/apply")
@access.requires(UNIT)
def machine_apply(import_id: int) -> Response:
    try:
        record = machine.apply(g.db, _actor(), import_id, now=datetime.now(UTC))
    except ServiceError as error:
        g.db.rollback()
        flash(translate(error.message), "danger")
    else:
        flash(
            _(
                "%(new)s punches recorded, %(already)s were recorded already.",
                new=number(record.counts.get("new", 0)),
                already=number(record.counts.get("already", 0)),
            ),
            "success",
        )
    return redirect(url_for(".machine_file", import_id=import_id), 303)


@blueprint.get("/machine/ids")
@access.requires(UNIT)
def machine_ids() -> str:
    return render_template("ekinerja/machine_ids.html", rows=machine.id_rows(g.db, _actor()))


@blueprint.post("/machine/ids")
@access.requires(UNIT)
def machine_id_set() -> Response:
    actor = _actor()
    nip = request.form.get("nip", "").strip()[:30]
    try:
        staff_id = g.db.scalar(select(Staff.id).where(Staff.nip == nip)) if nip else None
        if staff_id is None:
            raise InvalidInput(M("no staff member has this NIP"), {"nip": "unknown"})
        machine.set_machine_id(
            g.db,
            actor,
            staff_id=staff_id,
            machine_user_id=request.form.get("machine_user_id", "")[:40],
        )
    except ServiceError as error:
        g.db.rollback()
        flash(translate(error.message), "danger")
    else:
        flash(_("The machine id was saved."), "success")
    return redirect(url_for(".machine_ids"), 303)


@blueprint.post("/machine/ids/import")
@access.requires(UNIT)
def machine_ids_import() -> Response:
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InvalidInput(M("choose the machine's file"), {"file": "required"})
        rows = machine.import_ids(
            g.db, _actor(), upload.filename, upload.read(machine.ID_LIMITS.max_bytes + 1)
        )
    except ServiceError as error:
        g.db.rollback()
        problems = "; ".join(f"{k}: {translate(v)}" for k, v in list(error.fields.items())[:20])
        flash(translate(error.message) + (f" ({problems})" if problems else ""), "danger")
    else:
        flash(_("%(count)s machine ids imported.", count=number(rows)), "success")
    return redirect(url_for(".machine_ids"), 303)


# --------------------------------------------------------------------------- selfies


@blueprint.get("/punches/<id:punch_id>/selfie")
@access.requires(APPROVE)
def punch_selfie(punch_id: int) -> Response:
    try:
        photo = photos.photo_for_reviewer(g.db, _actor(), punch_id)
    except ServiceError as error:
        abort(error.status)
    return photo_response(photo.media_type, photo.content)
