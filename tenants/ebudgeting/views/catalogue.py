"""The price catalogue page: search, local items proposed by OPDs, TAPD's decisions."""

from __future__ import annotations

from datetime import datetime

from flask import flash, g, render_template, request
from smartcity.toolkit import YEAR_MAX, query_year, translate
from werkzeug.wrappers import Response

from tenants.ebudgeting import catalogue, years
from tenants.ebudgeting.access import APPROVE_ITEM, PROPOSE_ITEM
from tenants.ebudgeting.reference import KINDS
from tenants.ebudgeting.views.common import (
    JAKARTA,
    _,
    back,
    blueprint,
    form_amount,
    form_number,
    level6_accounts,
    me,
    refusal_shows,
    viewer,
)


def render_catalogue(**_args: object) -> str:
    actor = me()
    found = years.list_years(g.db)
    default = found[0].year if found else datetime.now(JAKARTA).year
    year = query_year(default=default) or default
    q = request.args.get("q", "").strip()[:100]
    kind = request.args.get("kind") or None
    items = catalogue.search(g.db, year, q=q, kind=kind if kind in KINDS else None, limit=300)
    return render_template(
        "ebudgeting/catalogue.html",
        year=year,
        years=sorted({y.year for y in found} | {year}),
        q=q,
        kind=kind,
        kinds=KINDS,
        items=items,
        pending=catalogue.pending(g.db),
        can_propose=actor.can(PROPOSE_ITEM),
        can_decide=actor.can(APPROVE_ITEM),
        accounts=level6_accounts() if actor.can(PROPOSE_ITEM) else [],
    )


@blueprint.get("/catalogue")
@viewer
def catalogue_page() -> str:
    return render_catalogue()


@blueprint.post("/catalogue")
@viewer
@refusal_shows(render_catalogue)
def propose_item() -> Response:
    form = request.form
    year = form_number("year", YEAR_MAX)
    item = catalogue.propose_item(
        g.db,
        year=year,
        kind=form.get("kind", ""),
        name=form.get("name", ""),
        specification=form.get("specification", ""),
        unit=form.get("unit", ""),
        max_price=form_amount(form.get("max_price"), "max_price"),
        account_codes=form.getlist("account_codes"),
        actor=me(),
    )
    flash(_("%(code)s was proposed; TAPD decides on it.", code=item.code), "success")
    return back(".catalogue_page", year=year)


@blueprint.post("/catalogue/<id:item_id>/decision")
@viewer
@refusal_shows(render_catalogue)
def decide_item(item_id: int) -> Response:
    item = catalogue.decide_item(
        g.db,
        catalogue.get_item(g.db, item_id),
        approve=request.form.get("decision") == "approve",
        note=request.form.get("note"),
        actor=me(),
    )
    flash(
        _("%(code)s is now %(status)s.", code=item.code, status=translate(item.status)), "success"
    )
    return back(".catalogue_page", year=item.year)
