"""An OPD's performance indicators page: capaian program and hasil it sets (target and
unit), beside the keluaran and masukan of its sub kegiatan, each with its stable id."""

from __future__ import annotations

from flask import flash, g, render_template, request
from werkzeug.wrappers import Response

from tenants.ebudgeting import indicators, years
from tenants.ebudgeting.access import DRAFT
from tenants.ebudgeting.views.common import (
    _,
    back,
    blueprint,
    form_number,
    me,
    refusal_shows,
    unit_or_404,
    viewer,
    year_or_404,
)


def render_indicators(year: int, unit_id: int, **_args: object) -> str:
    fiscal_year = year_or_404(year)
    unit = unit_or_404(unit_id)
    actor = me()
    return render_template(
        "ebudgeting/indicators.html",
        fiscal_year=fiscal_year,
        unit=unit,
        rows=indicators.for_year(g.db, year=year, org_unit_id=unit.id),
        may_edit=actor.can(DRAFT) and actor.sees_unit(unit.id) and years.drafting_open(fiscal_year),
    )


@blueprint.get("/<year:year>/opd/<id:unit_id>/indicators")
@viewer
def indicators_page(year: int, unit_id: int) -> str:
    return render_indicators(year, unit_id)


@blueprint.post("/<year:year>/opd/<id:unit_id>/indicators")
@viewer
@refusal_shows(render_indicators)
def add_indicator(year: int, unit_id: int) -> Response:
    form = request.form
    indicators.set_indicator(
        g.db,
        year_or_404(year),
        org_unit_id=unit_or_404(unit_id).id,
        code=form.get("code", ""),
        indicator=form.get("indicator", ""),
        target=form.get("target", ""),
        unit=form.get("unit", ""),
        actor=me(),
    )
    flash(_("The indicator was saved."), "success")
    return back(".indicators_page", year=year, unit_id=unit_id)


@blueprint.post("/<year:year>/opd/<id:unit_id>/indicators/delete")
@viewer
@refusal_shows(render_indicators)
def delete_indicator(year: int, unit_id: int) -> Response:
    unit_or_404(unit_id)
    indicators.delete_indicator(g.db, year_or_404(year), form_number("indicator_id"), actor=me())
    flash(_("The indicator was removed."), "success")
    return back(".indicators_page", year=year, unit_id=unit_id)
