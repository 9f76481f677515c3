"""The TAPD page: the members the RKA/DPA print (name and NIP from the roster) and
the PPKD who signs the DPA; the TAPD chair keeps the list."""

from __future__ import annotations

from flask import flash, g, render_template, request
from werkzeug.wrappers import Response

from tenants.ebudgeting import tapd
from tenants.ebudgeting.access import LOCK
from tenants.ebudgeting.views.common import (
    _,
    back,
    blueprint,
    form_number,
    me,
    refusal_shows,
    viewer,
    year_or_404,
)


def render_tapd(year: int, **_args: object) -> str:
    return render_template(
        "ebudgeting/tapd.html",
        fiscal_year=year_or_404(year),
        members=tapd.members(g.db),
        roles=tapd.ROLES,
        ppkd_title=tapd.PPKD,
        may_edit=me().can(LOCK),
    )


@blueprint.get("/<year:year>/tapd")
@viewer
def tapd_page(year: int) -> str:
    return render_tapd(year)


@blueprint.post("/<year:year>/tapd")
@viewer
@refusal_shows(render_tapd)
def set_tapd_member(year: int) -> Response:
    person = tapd.staff_by_nip(g.db, request.form.get("nip", ""))
    member = tapd.set_member(
        g.db,
        person.id,
        request.form.get("role", ""),
        is_ppkd=request.form.get("is_ppkd") == "yes",
        actor=me(),
    )
    flash(_("%(name)s is on the TAPD list.", name=member.name), "success")
    return back(".tapd_page", year=year)


@blueprint.post("/<year:year>/tapd/remove")
@viewer
@refusal_shows(render_tapd)
def remove_tapd_member(year: int) -> Response:
    tapd.remove_member(g.db, form_number("staff_id"), actor=me())
    flash(_("Taken off the TAPD list."), "success")
    return back(".tapd_page", year=year)
