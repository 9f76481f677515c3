"""Org-unit import pages: upload with a report of every problem, then apply; the standard list.

The uploaded file waits in the regency's ``files`` table (a day at most) between
the check and the apply, like a roster upload waits in its own table; applying
reads and checks it again, since the tree may have changed in between.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, datetime, timedelta

from flask import Response as FlaskResponse
from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from smartcity.errors import ServiceError
from smartcity.jobs.models import StoredFile
from smartcity.tenancy.resolver import current_tenant
from smartcity.tenantcore import orgunit_import
from smartcity.web import N_, form_status, translate
from smartcity.web.access import TENANT_MANAGE, actor, blueprint, permitted
from smartcity.web.admin_forms import OrgUnitUploadForm

PREFIX = "orgunit-import/"
KEPT_FOR = timedelta(days=1)
SAMPLE = 8

#: (header, required, meaning, example)
COLUMNS = (
    ("kode", True, N_("Unit code; a sub-unit's starts with its parent's"), "1.02.01"),
    ("nama", True, N_("Name"), "Bidang Pelayanan Kesehatan"),
    ("jenis", True, N_("Kind: dinas, badan, bidang, kecamatan ..."), "bidang"),
    ("kode_induk", False, N_("Parent's code (default: the code without its last part)"), "1.02"),
    ("kode_wilayah", False, N_("A kecamatan's kode wilayah"), ""),
    (
        "kode_sipd",
        False,
        N_(
            "SIPD's long code of the unit: 0000 at the end for an OPD, 0001 and up for "
            "its sub-units (empty: the unit keeps its code)"
        ),
        "1.02.0.00.0.00.01.0001",
    ),
)


@blueprint.route("/admin/units/import", methods=["GET", "POST"])
@permitted(TENANT_MANAGE)
def unit_import() -> Response | tuple[str, int]:
    form = OrgUnitUploadForm()
    refused: ServiceError | None = None
    if form.validate_on_submit():
        upload = form.file.data
        name = (upload.filename or "units.csv").rsplit("/", 1)[-1][:200]
        content = upload.read()
        try:
            orgunit_import.read_rows(name, content)  # a bad header or size: refused now
        except ServiceError as exc:
            refused = exc
            form.file.errors = [
                translate(exc.message),
                *(translate(v) for v in exc.fields.values()),
            ]
        else:
            stored = StoredFile(
                name=PREFIX + name,
                content_type="text/csv" if name.lower().endswith(".csv") else "application/xlsx",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                data=content,
                created_by=actor(),
                expires_at=datetime.now(UTC) + KEPT_FOR,
            )
            g.db.add(stored)
            g.db.flush()
            return redirect(url_for(".unit_import_preview", file_id=stored.id), 303)
    page = render_template("tenant_web/unit_import.html", form=form, columns=COLUMNS)
    return page, refused.status if refused else form_status()


@blueprint.get("/admin/units/import/template.csv")
@permitted(TENANT_MANAGE)
def unit_import_template() -> FlaskResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c[0] for c in COLUMNS])
    for row in orgunit_import.standard_rows(current_tenant().region_code):
        writer.writerow(
            [
                row["code"],
                row["name"],
                row["kind"],
                row.get("parent_code", ""),
                row.get("region_code", ""),
                row.get("sipd_code", ""),
            ]
        )
    return FlaskResponse(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="org-units-template.csv"'},
    )


def _stored(file_id: int) -> StoredFile:
    stored: StoredFile | None = g.db.get(StoredFile, file_id)
    if stored is None or not stored.name.startswith(PREFIX):
        abort(404)
    return stored


@blueprint.get("/admin/units/import/<id:file_id>")
@permitted(TENANT_MANAGE)
def unit_import_preview(file_id: int) -> str:
    stored = _stored(file_id)
    rows = orgunit_import.read_rows(stored.name[len(PREFIX) :], stored.data)
    plan = orgunit_import.check(g.db, rows, regency_code=current_tenant().region_code)
    return render_template(
        "tenant_web/unit_import_preview.html",
        stored=stored,
        filename=stored.name[len(PREFIX) :],
        plan=plan,
        sample=SAMPLE,
    )


@blueprint.post("/admin/units/import/<id:file_id>/apply")
@permitted(TENANT_MANAGE)
def unit_import_apply(file_id: int) -> Response:
    stored = _stored(file_id)
    rows = orgunit_import.read_rows(stored.name[len(PREFIX) :], stored.data)
    counts = orgunit_import.apply(
        g.db,
        rows,
        regency_code=current_tenant().region_code,
        actor=actor(),
        source=stored.name,
    )
    g.db.delete(stored)
    flash(
        _(
            "Org units imported: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.",
            **counts,
        ),
        "success",
    )
    return redirect(url_for(".unit_list"), 303)


@blueprint.post("/admin/units/standard")
@permitted(TENANT_MANAGE)
def unit_standard() -> Response:
    counts = orgunit_import.apply(
        g.db,
        orgunit_import.standard_rows(current_tenant().region_code),
        regency_code=current_tenant().region_code,
        actor=actor(),
        source="standard",
        only_missing=True,
    )
    flash(
        _(
            "Standard org units: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.",
            **counts,
        ),
        "success",
    )
    return redirect(url_for(".unit_list"), 303)
