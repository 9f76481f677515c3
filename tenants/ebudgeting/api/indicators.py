"""Performance indicators of an OPD's programs, kegiatan and sub kegiatan."""

from __future__ import annotations

from flask import Response, g

from tenants.ebudgeting import indicators, years
from tenants.ebudgeting.api.common import caller, json_response, spec
from tenants.ebudgeting.ceilings import get_opd
from tenants.ebudgeting.schemas import IndicatorIn, IndicatorList, IndicatorOut


def _list(year: int, org_unit_id: int) -> IndicatorList:
    return IndicatorList(
        year=year,
        org_unit_id=org_unit_id,
        indicators=[
            IndicatorOut(
                id=i.id,
                kind=i.kind,
                code=i.code,
                name=i.name,
                indicator=i.indicator,
                target=i.target,
                unit=i.unit,
            )
            for i in indicators.for_year(g.db, year=year, org_unit_id=org_unit_id)
        ],
    )


@spec.route(
    "GET",
    "/years/<year:year>/opds/<id:org_unit_id>/indicators",
    "An OPD's performance indicators with target, unit and a stable id",
    response=IndicatorList,
    errors=(403, 404),
)
def list_indicators(year: int, org_unit_id: int) -> tuple[Response, int]:
    actor = caller()
    years.get_year(g.db, year)
    actor.require_unit(get_opd(g.db, org_unit_id).id)
    return json_response(_list(year, org_unit_id))


@spec.route(
    "POST",
    "/years/<year:year>/indicators",
    "Add a capaian program or hasil indicator to one of the OPD's programs or kegiatan",
    body=IndicatorIn,
    response=IndicatorList,
    status=201,
    errors=(403, 404, 422),
)
def add_indicator(body: IndicatorIn, year: int) -> tuple[Response, int]:
    fiscal_year = years.get_year(g.db, year)
    indicators.set_indicator(
        g.db,
        fiscal_year,
        org_unit_id=body.org_unit_id,
        code=body.code,
        indicator=body.indicator,
        target=body.target,
        unit=body.unit,
        actor=caller(),
    )
    return json_response(_list(year, body.org_unit_id), 201)


@spec.route(
    "PUT",
    "/years/<year:year>/indicators/<id:indicator_id>",
    "Change an indicator (its id stays)",
    body=IndicatorIn,
    response=IndicatorList,
    errors=(403, 404, 422),
)
def change_indicator(body: IndicatorIn, year: int, indicator_id: int) -> tuple[Response, int]:
    fiscal_year = years.get_year(g.db, year)
    indicators.set_indicator(
        g.db,
        fiscal_year,
        org_unit_id=body.org_unit_id,
        code=body.code,
        indicator=body.indicator,
        target=body.target,
        unit=body.unit,
        actor=caller(),
        indicator_id=indicator_id,
    )
    return json_response(_list(year, body.org_unit_id))


@spec.route(
    "DELETE",
    "/years/<year:year>/indicators/<id:indicator_id>",
    "Remove an indicator",
    status=204,
    errors=(403, 404),
)
def remove_indicator(year: int, indicator_id: int) -> tuple[str, int]:
    fiscal_year = years.get_year(g.db, year)
    indicators.delete_indicator(g.db, fiscal_year, indicator_id, actor=caller())
    return "", 204
