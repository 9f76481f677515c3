"""The KUA-PPAS page: each OPD's PPAS ceiling (its pagu) and its programs' ceilings,
beside what they plan, and the agreement the TAPD chair records before the RKA."""

from __future__ import annotations

from flask import flash, g, render_template, request
from smartcity.toolkit import rupiah
from werkzeug.wrappers import Response

from tenants.ebudgeting import ceilings, execution, kua_ppas, years
from tenants.ebudgeting.access import CEILINGS, LOCK
from tenants.ebudgeting.views.common import (
    _,
    back,
    blueprint,
    form_amount,
    form_number,
    me,
    refusal_shows,
    viewer,
    year_or_404,
)


def render_kua_ppas(year: int, **_args: object) -> str:
    fiscal_year = year_or_404(year)
    actor = me()
    totals = ceilings.opd_totals(g.db, fiscal_year, actor)
    agreement = years.agreement_of(g.db, fiscal_year)
    fixed = years.ceilings_fixed(g.db, fiscal_year) is not None
    return render_template(
        "ebudgeting/kua_ppas.html",
        fiscal_year=fiscal_year,
        totals=totals,
        programs=kua_ppas.program_rows(g.db, fiscal_year, actor),
        agreement=agreement,
        document=kua_ppas.DOCUMENT,
        may_set=actor.can(CEILINGS) and years.drafting_open(fiscal_year) and not fixed,
        may_agree=actor.can(LOCK) and agreement is None and fiscal_year.stage is None,
    )


@blueprint.get("/<year:year>/kua-ppas")
@viewer
def kua_ppas_page(year: int) -> str:
    return render_kua_ppas(year)


@blueprint.post("/<year:year>/kua-ppas/programs")
@viewer
@refusal_shows(render_kua_ppas)
def set_program_ceiling(year: int) -> Response:
    kua_ppas.set_program_ceiling(
        g.db,
        year_or_404(year),
        form_number("unit_id"),
        request.form.get("program_code", ""),
        form_amount(request.form.get("amount"), "amount"),
        actor=me(),
    )
    flash(_("The program ceiling was saved."), "success")
    return back(".kua_ppas_page", year=year)


@blueprint.post("/<year:year>/kua-ppas")
@viewer
@refusal_shows(render_kua_ppas)
def agree_kua_ppas(year: int) -> Response:
    agreement = kua_ppas.agree(
        g.db,
        year_or_404(year),
        request.form.get("document_number", ""),
        execution.parse_day(request.form.get("document_date")),
        actor=me(),
    )
    flash(
        _(
            "The KUA-PPAS %(year)s was recorded: %(number)s, ceilings %(total)s in all.",
            year=year,
            number=agreement.document_number,
            total=rupiah(agreement.total),
        ),
        "success",
    )
    return back(".kua_ppas_page", year=year)
