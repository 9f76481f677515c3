"""Staff (pegawai): a searchable list and the forms to add and change a record.

The NIP is typed once, checked by the tenant core (which says which part of
it is wrong), and never changes afterwards: it identifies the person in SIASN
and in every app. A supervisor is chosen by NIP; the form suggests the
structural officials (staff with an echelon), who supervise most others.
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, or_, select
from werkzeug.wrappers import Response

from smartcity.bounds import id_or_none
from smartcity.errors import InvalidInput, ServiceError
from smartcity.tenantcore import orgunits, staff
from smartcity.tenantcore.models import OrgUnit, Staff
from smartcity.web import N_, contains_pattern, form_status, page_number, paginate, sort_order
from smartcity.web.access import TENANT_MANAGE, actor, blueprint, permitted
from smartcity.web.admin_forms import StaffForm, golongan_pairs
from smartcity.web.forms import attach_service_errors, options
from smartcity.web.orgunits import INDENT, unit_choices

STAFF_PER_PAGE = 25
SUGGESTED_SUPERVISORS = 500
SORTS: dict[str, tuple[Any, ...]] = {
    "name": (Staff.name, Staff.id),
    "nip": (Staff.nip,),
    "golongan": (Staff.golongan.nulls_first(), Staff.name, Staff.id),
    "position_class": (Staff.position_class.nulls_first(), Staff.name, Staff.id),
    "unit": (OrgUnit.code, Staff.name, Staff.id),
}


def _filtered(query: Select[Any]) -> tuple[Select[Any], dict[str, str]]:
    """Apply the list's search and filters from the query string."""
    args = {
        "q": request.args.get("q", "").strip()[:100],
        "unit": request.args.get("unit", "").strip()[:40],
        "status": request.args.get("status", ""),
        "golongan": request.args.get("golongan", ""),
        "active": request.args.get("active", "yes"),
    }
    if args["q"]:
        digits = args["q"].replace(" ", "")
        clauses: list[ColumnElement[bool]] = [Staff.name.ilike(contains_pattern(args["q"]))]
        if digits.isdecimal():
            clauses.append(Staff.nip.startswith(digits, autoescape=True))
        query = query.where(or_(*clauses))
    if args["unit"]:
        # The unit and every unit under it: a child's code starts with its parent's.
        query = query.where(
            or_(
                OrgUnit.code == args["unit"],
                OrgUnit.code.startswith(args["unit"] + ".", autoescape=True),
            )
        )
    if args["status"] in staff.STATUSES:
        query = query.where(Staff.status == args["status"])
    if args["golongan"]:
        query = query.where(Staff.golongan == args["golongan"])
    if args["active"] in ("yes", "no"):
        query = query.where(Staff.is_active.is_(args["active"] == "yes"))
    return query, args


@blueprint.get("/admin/staff")
@permitted(TENANT_MANAGE)
def staff_list() -> str:
    order = sort_order(SORTS, "name")
    query, args = _filtered(select(Staff).join(OrgUnit, OrgUnit.id == Staff.unit_id))
    query = query.order_by(*(c.desc() if order.descending else c for c in SORTS[order.key]))
    page = paginate(g.db, query, page_number(), STAFF_PER_PAGE)
    tree = orgunits.unit_tree(g.db)
    units = {u.id: u for _d, u in tree}
    supervisor_ids = {s.supervisor_id for s in page.items if s.supervisor_id}
    supervisors = (
        {s.id: s for s in g.db.scalars(select(Staff).where(Staff.id.in_(supervisor_ids)))}
        if supervisor_ids
        else {}
    )
    return render_template(
        "tenant_web/staff.html",
        page=page,
        args=args,
        sort=order,
        units=units,
        unit_options=[(u.code, f"{INDENT * depth}{u.code} {u.name}") for depth, u in tree],
        supervisors=supervisors,
        statuses=staff.STATUSES,
        golongan=golongan_pairs(),
    )


def _prepare(form: StaffForm) -> list[Staff]:
    form.unit_id.choices = options([(None, "—"), *unit_choices(orgunits.unit_tree(g.db))])
    return list(
        g.db.scalars(
            select(Staff)
            .where(Staff.echelon.is_not(None), Staff.is_active.is_(True))
            .order_by(Staff.echelon, Staff.name)
            .limit(SUGGESTED_SUPERVISORS)
        )
    )


def _supervisor_id(form: StaffForm) -> int | None:
    nip = (form.supervisor_nip.data or "").replace(" ", "")
    if not nip:
        return None
    found = g.db.scalar(select(Staff.id).where(Staff.nip == nip))
    if found is None:
        raise InvalidInput(
            "the staff record is not valid", {"supervisor_id": N_("no staff with this NIP")}
        )
    return int(found)


def _values(form: StaffForm) -> dict[str, Any]:
    return {
        "name": form.name.data,
        "status": form.status.data,
        "golongan": form.golongan.data or None,
        "position": form.position.data,
        "position_class": form.position_class.data,
        "echelon": form.echelon.data or None,
        "unit_id": form.unit_id.data,
        "supervisor_id": _supervisor_id(form),
    }


ALIASES = {"supervisor_id": "supervisor_nip"}


@blueprint.route("/admin/staff/new", methods=["GET", "POST"])
@permitted(TENANT_MANAGE)
def staff_new() -> Response | tuple[str, int]:
    form = StaffForm()
    suggestions = _prepare(form)
    if request.method == "GET":
        form.is_active.data = True
        if (unit := id_or_none(request.args.get("unit"))) is not None:
            form.unit_id.data = unit
    refused: ServiceError | None = None
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            person = staff.create_staff(g.db, actor=actor(), nip=form.nip.data, **_values(form))
        except ServiceError as exc:
            refused, problems = exc, attach_service_errors(form, exc, ALIASES)
        else:
            flash(_("%(name)s was added.", name=person.name), "success")
            return redirect(url_for(".staff_edit", staff_id=person.id), 303)
    page = render_template(
        "tenant_web/staff_form.html",
        form=form,
        suggestions=suggestions,
        error=refused,
        problems=problems,
    )
    return page, refused.status if refused else form_status()


@blueprint.route("/admin/staff/<id:staff_id>", methods=["GET", "POST"])
@permitted(TENANT_MANAGE)
def staff_edit(staff_id: int) -> Response | tuple[str, int]:
    person = staff.get_staff(g.db, staff_id)  # NotFound -> 404: other tenants' ids do not exist
    form = StaffForm(obj=None if request.method == "POST" else person)
    suggestions = _prepare(form)
    form.nip.data = person.nip  # read-only: shown, never taken from the request
    supervisor = g.db.get(Staff, person.supervisor_id) if person.supervisor_id else None
    if request.method == "GET":
        form.supervisor_nip.data = supervisor.nip if supervisor else ""
    # The unit may have been deactivated since: keep it selectable for this record.
    if person.unit_id not in {choice.value for choice in form.unit_id.choices}:
        unit = g.db.get(OrgUnit, person.unit_id)
        if unit is not None:
            form.unit_id.choices.extend(options([(unit.id, f"{unit.code} {unit.name}")]))
    subordinates = list(
        g.db.scalars(select(Staff).where(Staff.supervisor_id == person.id).order_by(Staff.name))
    )
    refused: ServiceError | None = None
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            staff.update_staff(
                g.db, person, actor=actor(), is_active=form.is_active.data, **_values(form)
            )
        except ServiceError as exc:
            refused, problems = exc, attach_service_errors(form, exc, ALIASES)
        else:
            flash(_("%(name)s was saved.", name=person.name), "success")
            return redirect(url_for(".staff_edit", staff_id=person.id), 303)
    page = render_template(
        "tenant_web/staff_form.html",
        form=form,
        person=person,
        supervisor=supervisor,
        subordinates=subordinates,
        suggestions=suggestions,
        error=refused,
        problems=problems,
    )
    return page, refused.status if refused else form_status()
