"""Roster import pages: upload, a preview with every problem, apply, past imports.

Two steps, as the tenant core's ``roster`` service has them: the upload only
checks and stores the file with its report; a file with any bad row is shown
as the list of its problems (row, column, why) and offers no way to apply it;
a clean file shows its row count and an "Apply" button, and applying shows
what changed. Lists never load the stored files themselves. A file above
``UPLOAD_JOB_BYTES`` is kept unchecked and checked by a job (``smartcity.jobs.uploads``):
its page shows the job's progress, then the same report.
"""

from __future__ import annotations

import csv
import io

from flask import Response as FlaskResponse
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import defer
from werkzeug.wrappers import Response

from smartcity.auth.principal import TenantPrincipal
from smartcity.errors import ServiceError
from smartcity.jobs import service
from smartcity.jobs.core_uploads import ROSTER
from smartcity.jobs.models import Job
from smartcity.jobs.uploads import runs_as_job
from smartcity.tenancy.resolver import current_tenant
from smartcity.tenantcore import roster
from smartcity.tenantcore.models import RosterImport
from smartcity.web import N_, form_status, page_number, page_of, paginate, translate
from smartcity.web.access import TENANT_MANAGE, actor, blueprint, permitted
from smartcity.web.admin_forms import RosterUploadForm
from smartcity.web.jobs import job_state

IMPORTS_PER_PAGE = 20
PROBLEMS_PER_PAGE = 200

#: The columns a roster file has, in the template's order: (header, required, meaning, example).
COLUMNS = (
    ("nip", True, N_("NIP, 18 digits"), "198609262015051001"),
    ("nama", True, N_("Full name"), "Budi Santoso"),
    ("status", True, N_("PNS, CPNS or PPPK"), "PNS"),
    ("golongan", False, N_("I/a ... IV/e; PPPK: I ... XVII"), "IV/a"),
    ("jabatan", True, N_("Position"), "Kepala Bagian Umum"),
    ("kelas_jabatan", False, N_("Position class, 4-15"), "12"),
    ("eselon", False, N_("Echelon, e.g. III.b; empty if none"), "III.b"),
    ("kode_unit", True, N_("Code of an active org unit"), "4.01.01"),
    ("nip_atasan", False, N_("Supervisor's NIP (in the file or the roster)"), ""),
)


def _listing(form: RosterUploadForm) -> str:
    query = (
        select(RosterImport)
        .options(defer(RosterImport.content))
        .order_by(RosterImport.created_at.desc(), RosterImport.id.desc())
    )
    page = paginate(g.db, query, page_number(), IMPORTS_PER_PAGE)
    return render_template("tenant_web/roster.html", form=form, page=page, columns=COLUMNS)


@blueprint.route("/admin/roster", methods=["GET", "POST"])
@permitted(TENANT_MANAGE)
def roster_index() -> Response | str | tuple[str, int]:
    form = RosterUploadForm()
    refused: ServiceError | None = None
    if form.validate_on_submit():
        upload = form.file.data
        filename, content = upload.filename or "roster", upload.read()
        try:
            if runs_as_job(content):
                return _check_in_job(filename, content)
            record = roster.upload(g.db, filename=filename, content=content, actor=actor())
        except ServiceError as exc:
            refused = exc
            form.file.errors = [*form.file.errors, *_file_problems(exc)]
        else:
            if record.status == "ready":
                flash(_("The file is valid: check the preview, then apply it."), "success")
            else:
                flash(_("The file has problems and was not imported."), "danger")
            return redirect(url_for(".roster_preview", import_id=record.id), 303)
    if request.method == "GET":
        return _listing(form)
    return _listing(form), refused.status if refused else form_status()


def _check_in_job(filename: str, content: bytes) -> Response:
    """Keep a big file and let a job check it; its page follows the job's progress."""
    principal: TenantPrincipal = current_user
    record = roster.store(g.db, filename=filename, content=content, actor=actor())
    job = service.submit(
        g.db,
        ROSTER.kind,
        {"upload_id": record.id},
        actor(),
        tenant=current_tenant(),
        user_id=principal.user.id,
        permissions=principal.permissions,
    )
    roster.note_job(record, job.id)
    flash(_("The file is large: it is checked in the background, follow it here."), "info")
    return redirect(url_for(".roster_preview", import_id=record.id), 303)


def _file_problems(exc: ServiceError) -> list[str]:
    """A refused file's reasons, for the file field: the message, then its detail."""
    return [translate(exc.message), *(translate(v) for v in exc.fields.values())]


@blueprint.get("/admin/roster/template.csv")
@permitted(TENANT_MANAGE)
def roster_template() -> FlaskResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c[0] for c in COLUMNS])
    writer.writerow([c[3] for c in COLUMNS])
    # A BOM, so a spreadsheet program opens the UTF-8 file with its accents intact.
    return FlaskResponse(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="roster-template.csv"'},
    )


def _preview_record(import_id: int) -> RosterImport:
    record: RosterImport | None = g.db.scalar(
        select(RosterImport)
        .options(defer(RosterImport.content))
        .where(RosterImport.id == import_id)
    )
    if record is None:
        abort(404)
    return record


@blueprint.get("/admin/roster/<id:import_id>")
@permitted(TENANT_MANAGE)
def roster_preview(import_id: int) -> str:
    record = _preview_record(import_id)
    problems = page_of(record.problems or [], page_number(), PROBLEMS_PER_PAGE)
    summary = record.summary or {}
    changes = None
    if record.status == "ready":
        # What applying would do: a big file's as its job found it (recomputing it would
        # hold the request as long as the check), a small one's now (the roster may move).
        changes = summary.get("preview") or roster.preview(g.db, roster.get_import(g.db, import_id))
    job = g.db.get(Job, summary["job_id"]) if summary.get("job_id") else None
    return render_template(
        "tenant_web/roster_preview.html",
        record=record,
        problems=problems,
        changes=changes,
        refusal=roster.refusal(record),
        job=job,
        job_state=job_state(job) if job is not None else None,
    )


@blueprint.post("/admin/roster/<id:import_id>/apply")
@permitted(TENANT_MANAGE)
def roster_apply(import_id: int) -> Response | tuple[str, int]:
    record = roster.get_import(g.db, import_id)
    try:
        summary = roster.apply(g.db, record, actor=actor())
    except ServiceError as exc:
        page = render_template(
            "tenant_web/roster_preview.html",
            record=record,
            problems=page_of(record.problems or [], 1, PROBLEMS_PER_PAGE),
            error=exc,
            lang_page=url_for(".roster_preview", import_id=record.id),
        )
        return page, exc.status
    flash(
        _(
            "Roster applied: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.",
            **summary,
        ),
        "success",
    )
    return redirect(url_for(".roster_preview", import_id=record.id), 303)
