"""Who acts for which OPD ("OPD users"), and the separation-of-duties setting."""

from __future__ import annotations

from flask import flash, g, render_template, request
from smartcity.toolkit import whole_number
from werkzeug.wrappers import Response

from tenants.ebudgeting import ceilings, duties, members
from tenants.ebudgeting.access import ROLE_DETAILS
from tenants.ebudgeting.views.common import (
    _,
    back,
    blueprint,
    me,
    member_manager,
    refusal_shows,
)


def render_members(**_args: object) -> str:
    return render_template(
        "ebudgeting/members.html",
        members=members.members(g.db),
        role_info=ROLE_DETAILS,
        opds=ceilings.list_opds(g.db),
        submitter_may_not_lock=duties.submitter_may_not_lock(g.db),
        may_change_duties=me().can(duties.MANAGE),
    )


@blueprint.get("/members")
@member_manager
def members_page() -> str:
    return render_members()


@blueprint.post("/members/duties")
@member_manager
@refusal_shows(render_members)
def set_duties() -> Response:
    """The regency's setting: whoever submitted a plan may not lock it."""
    enabled = request.form.get("submitter_may_not_lock") == "1"
    duties.set_submitter_may_not_lock(g.db, enabled, actor=me())
    flash(_("The setting was saved."), "success")
    return back(".members_page")


@blueprint.post("/members/<id:user_id>")
@member_manager
@refusal_shows(render_members)
def set_member(user_id: int) -> Response:
    units = [whole_number(v, "org_unit_ids") for v in request.form.getlist("org_unit_ids")]
    members.set_units(g.db, user_id, units, actor=me())
    flash(_("The assignment was saved."), "success")
    return back(".members_page")
