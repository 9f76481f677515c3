"""Org units (OPD and their sub-units): the tree, and forms to add and change units.

A unit's code and parent never change after creation (staff, budgets and
reports refer to them), so the edit form shows them read-only. A kecamatan
picks its kode wilayah from the regency's own kecamatan, which ship with the
package: a tenant transaction may not read the ``platform`` schema.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from smartcity.bounds import id_or_none
from smartcity.errors import ServiceError
from smartcity.reference import region_rows
from smartcity.tenancy.resolver import current_tenant
from smartcity.tenantcore import orgunits
from smartcity.tenantcore.models import OrgUnit, Staff
from smartcity.web import form_status, page_number, page_of
from smartcity.web.access import TENANT_MANAGE, actor, blueprint, permitted
from smartcity.web.admin_forms import OrgUnitForm
from smartcity.web.forms import attach_service_errors, options

UNITS_PER_PAGE = 100
INDENT = "\u00a0\u00a0"  # no-break spaces: a select's options keep their indentation


def kecamatan_choices(regency_code: str) -> list[tuple[str, str]]:
    """The regency's kecamatan as (kode wilayah, "name (code)")."""
    prefix = regency_code + "."
    return [
        (row.code, f"{row.name} ({row.code})")
        for row in region_rows()
        if row.level == "kecamatan" and row.code.startswith(prefix)
    ]


def unit_choices(
    tree: list[tuple[int, OrgUnit]], *, active_only: bool = True
) -> list[tuple[int, str]]:
    """Units as select options, indented by depth so the tree shows in the list."""
    return [
        (unit.id, f"{INDENT * depth}{unit.code} {unit.name}")
        for depth, unit in tree
        if unit.is_active or not active_only
    ]


@blueprint.get("/admin/units")
@permitted(TENANT_MANAGE)
def unit_list() -> str:
    q = request.args.get("q", "").strip()[:100]
    show = request.args.get("show", "")
    tree = orgunits.unit_tree(g.db)
    if show != "all":
        tree = [(d, u) for d, u in tree if u.is_active]
    if q:
        needle = q.casefold()
        tree = [
            (d, u)
            for d, u in tree
            if needle in u.name.casefold()
            or u.code.startswith(q)
            or (u.sipd_code or "").startswith(q)
        ]
    staff_counts = dict(
        g.db.execute(
            select(Staff.unit_id, func.count())
            .where(Staff.is_active.is_(True))
            .group_by(Staff.unit_id)
        ).all()
    )
    kecamatan = dict(kecamatan_choices(current_tenant().region_code))
    return render_template(
        "tenant_web/units.html",
        page=page_of(tree, page_number(), UNITS_PER_PAGE),
        q=q,
        show=show,
        staff_counts=staff_counts,
        kinds=orgunits.KINDS,
        kecamatan=kecamatan,
    )


def _place_in_tree(unit: OrgUnit) -> str:
    """The tree's page that shows ``unit``, scrolled to its row."""
    active = [u.id for _d, u in orgunits.unit_tree(g.db) if u.is_active]
    page = active.index(unit.id) // UNITS_PER_PAGE + 1 if unit.id in active else 1
    return url_for(".unit_list", page=page if page > 1 else None, _anchor=f"unit-{unit.id}")


def _prepare(form: OrgUnitForm, tree: list[tuple[int, OrgUnit]]) -> None:
    form.kind.choices = options(orgunits.KINDS.items())
    form.parent_id.choices = options(
        [(None, _("— none: an OPD at the top —")), *unit_choices(tree)]
    )
    form.region_code.choices = options(
        [("", _("— not a kecamatan —")), *kecamatan_choices(current_tenant().region_code)]
    )


@blueprint.route("/admin/units/new", methods=["GET", "POST"])
@permitted(TENANT_MANAGE)
def unit_new() -> Response | tuple[str, int]:
    form = OrgUnitForm()
    _prepare(form, orgunits.unit_tree(g.db))
    parent_id = id_or_none(request.args.get("parent"))
    if request.method == "GET" and parent_id is not None:
        # "Add a sub-unit" from a unit: its parent chosen, its codes begun.
        parent = g.db.get(OrgUnit, parent_id)
        if parent is not None:
            form.parent_id.data, form.code.data = parent.id, parent.code + "."
            if parent.sipd_code:
                form.sipd_code.data = parent.sipd_code[: -len("0000")]
    refused: ServiceError | None = None
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            unit = orgunits.create_unit(
                g.db,
                code=form.code.data,
                name=form.name.data,
                kind=form.kind.data,
                parent_id=form.parent_id.data,
                region_code=form.region_code.data or None,
                sipd_code=form.sipd_code.data,
                regency_code=current_tenant().region_code,
                actor=actor(),
            )
        except ServiceError as exc:
            refused, problems = exc, attach_service_errors(form, exc, {"parent": "parent_id"})
        else:
            flash(_("%(name)s was added.", name=unit.name), "success")
            return redirect(_place_in_tree(unit), 303)
    page = render_template("tenant_web/unit_form.html", form=form, error=refused, problems=problems)
    return page, refused.status if refused else form_status()


@blueprint.route("/admin/units/<id:unit_id>", methods=["GET", "POST"])
@permitted(TENANT_MANAGE)
def unit_edit(unit_id: int) -> Response | tuple[str, int]:
    unit = orgunits.get_unit(g.db, unit_id)  # NotFound -> 404: other tenants' ids do not exist
    form = OrgUnitForm(obj=None if request.method == "POST" else unit)
    tree = orgunits.unit_tree(g.db)
    _prepare(form, tree)
    # Shown read-only and not submitted: fill them so the form validates.
    form.code.data, form.parent_id.data = unit.code, unit.parent_id
    form.parent_id.validate_choice = False  # the parent may be inactive by now
    if request.method == "GET":
        form.region_code.data = unit.region_code or ""
    parent = next((u for _d, u in tree if u.id == unit.parent_id), None)
    children = [u for _d, u in tree if u.parent_id == unit.id]
    staff_count = g.db.scalar(
        select(func.count()).select_from(Staff).where(Staff.unit_id == unit.id, Staff.is_active)
    )
    refused: ServiceError | None = None
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            orgunits.update_unit(
                g.db,
                unit,
                name=form.name.data,
                kind=form.kind.data,
                region_code=form.region_code.data or None,
                is_active=form.is_active.data,
                sipd_code=form.sipd_code.data,
                regency_code=current_tenant().region_code,
                actor=actor(),
            )
        except ServiceError as exc:
            refused, problems = exc, attach_service_errors(form, exc, {"parent": "parent_id"})
        else:
            flash(_("%(name)s was saved.", name=unit.name), "success")
            return redirect(url_for(".unit_edit", unit_id=unit.id), 303)
    page = render_template(
        "tenant_web/unit_form.html",
        form=form,
        unit=unit,
        parent=parent,
        children=children,
        staff_count=staff_count or 0,
        error=refused,
        problems=problems,
    )
    return page, refused.status if refused else form_status()
