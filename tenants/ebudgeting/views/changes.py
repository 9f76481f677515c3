"""The stage changes page: two snapshots of a year compared line by line."""

from __future__ import annotations

from flask import abort, g, render_template, request
from smartcity.toolkit import ServiceError, query_int
from sqlalchemy import select

from tenants.ebudgeting import ceilings, stages
from tenants.ebudgeting.models import Account
from tenants.ebudgeting.views.common import blueprint, me, viewer, year_or_404


@blueprint.get("/<year:year>/changes")
@viewer
def changes(year: int) -> str:
    fiscal_year = year_or_404(year)
    taken = [s.stage for s in stages.snapshots(g.db, fiscal_year)]
    # What people compare: the legislature's changes (RKA -> APBD), then the revision
    # (DPA -> RKA-P, DPA -> DPPA once issued).
    default_from, default_to = (taken[-2], taken[-1]) if len(taken) > 1 else (None, None)
    for before, after in (("dpa", "dppa"), ("dpa", "rka_p"), ("rka", "apbd")):
        if before in taken and after in taken:
            default_from, default_to = before, after
            break
    from_stage = request.args.get("from") or default_from
    to_stage = request.args.get("to") or default_to
    unit_id = query_int("opd")
    result = None
    if from_stage in taken and to_stage in taken:
        try:
            result = stages.diff(
                g.db, fiscal_year, from_stage, to_stage, actor=me(), org_unit_id=unit_id
            )
        except ServiceError:
            abort(404)
    return render_template(
        "ebudgeting/changes.html",
        fiscal_year=fiscal_year,
        taken=taken,
        from_stage=from_stage,
        to_stage=to_stage,
        unit_id=unit_id,
        opds=[u for u in ceilings.list_opds(g.db) if me().sees_unit(u.id)],
        result=result,
        accounts=dict(g.db.execute(select(Account.code, Account.name)).all()) if result else {},
    )
