"""Roster import pages: upload, a preview with every problem, apply, past imports.

Two steps, as the tenant core's ``roster`` service has them: the upload only
checks and stores the file with its report; a file with any bad row is shown
as the list of its problems (row, column, why) and offers no way to apply it;
a clean file shows its row count and an "Apply" button, and applying shows
what changed. Lists never load the stored files themselves.
"""

from __future__ import annotations

import csv
import io

from flask import Response as FlaskResponse
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import defer
from werkzeug.wrappers import Response

from smartcity.errors import ServiceError
from smartcity.tenantcore import roster
from smartcity.tenantcore.models import RosterImport
from smartcity.web import N_, form_status, page_number, page_of, paginate, translate
from smartcity.web.access import TENANT_MANAGE, actor, blueprint, permitted
from smartcity.web.admin_forms import RosterUploadForm

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
        try:
            record = roster.upload(
                g.db, filename=upload.filename or "roster", content=upload.read(), actor=actor()
            )
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
    # What applying would do, computed now (the roster may have moved since the upload).
    changes = (
        roster.preview(g.db, roster.get_import(g.db, import_id))
        if record.status == "ready"
        else None
    )
    return render_template(
        "tenant_web/roster_preview.html", record=record, problems=problems, changes=changes
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
