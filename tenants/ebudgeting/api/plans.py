"""Sub-activities and their budget lines."""

from __future__ import annotations

from flask import Response, g, jsonify, url_for
from smartcity.toolkit import (
    InvalidInput,
    query_int,
)

from tenants.ebudgeting import (
    catalogue,
    planning,
    years,
)
from tenants.ebudgeting.api.common import (
    caller,
    detail_of,
    factors_from,
    json_response,
    line_out,
    spec,
    sub_out,
)
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.schemas import (
    LineCreate,
    LineList,
    LineOut,
    LinePatch,
    SubActivityCreate,
    SubActivityDetail,
    SubActivityList,
    SubActivityPatch,
)

# --------------------------------------------------------------------------- sub-activities


@spec.route(
    "GET",
    "/years/<year:year>/sub-activities",
    "Sub-activities the caller may see (?org_unit_id= filters one OPD)",
    response=SubActivityList,
    errors=(404,),
)
def list_sub_activities(year: int) -> tuple[Response, int]:
    actor = caller()
    fiscal_year = years.get_year(g.db, year)
    unit = query_int("org_unit_id")
    rows = planning.sub_activities(g.db, fiscal_year, actor, unit)
    return json_response(
        SubActivityList.model_validate(
            {"sub_activities": [sub_out(s, t, c, year) for s, t, c in rows]}
        )
    )


@spec.route(
    "POST",
    "/years/<year:year>/sub-activities",
    "Budget a sub kegiatan for an OPD",
    body=SubActivityCreate,
    response=SubActivityDetail,
    status=201,
    errors=(403, 404, 409),
)
def create_sub_activity(body: SubActivityCreate, year: int) -> tuple[Response, int, dict[str, str]]:
    actor = caller()
    fiscal_year = years.get_year(g.db, year)
    sub = planning.create_sub_activity(
        g.db,
        fiscal_year,
        org_unit_id=body.org_unit_id,
        sub_kegiatan_code=body.sub_kegiatan_code,
        output_indicator=body.output_indicator,
        target=body.target,
        target_unit=body.target_unit,
        location=body.location,
        funding_source=body.funding_source,
        ceiling=body.ceiling,
        actor=actor,
        override_reason=body.override_reason,
        target_group=body.target_group,
        implementation_period=body.implementation_period,
        sub_unit_id=body.sub_unit_id,
    )
    location = url_for(".get_sub_activity", sub_activity_id=sub.id)
    return jsonify(detail_of(sub, actor).model_dump(mode="json")), 201, {"Location": location}


@spec.route(
    "GET",
    "/sub-activities/<id:sub_activity_id>",
    "A sub-activity with its lines and review history",
    response=SubActivityDetail,
    errors=(404,),
)
def get_sub_activity(sub_activity_id: int) -> tuple[Response, int]:
    actor = caller()
    return json_response(detail_of(planning.get_sub_activity(g.db, sub_activity_id, actor), actor))


@spec.route(
    "PATCH",
    "/sub-activities/<id:sub_activity_id>",
    "Change a sub-activity's output, ceiling or sub-unit",
    body=SubActivityPatch,
    response=SubActivityDetail,
    errors=(403, 404, 409),
)
def patch_sub_activity(body: SubActivityPatch, sub_activity_id: int) -> tuple[Response, int]:
    actor = caller()
    sub = planning.update_sub_activity(
        g.db,
        planning.get_sub_activity(g.db, sub_activity_id, actor),
        actor=actor,
        output_indicator=body.output_indicator,
        target=body.target,
        target_unit=body.target_unit,
        location=body.location,
        funding_source=body.funding_source,
        ceiling=body.ceiling,
        override_reason=body.override_reason,
        target_group=body.target_group,
        implementation_period=body.implementation_period,
        sub_unit_id=body.sub_unit_id if "sub_unit_id" in body.model_fields_set else ...,
    )
    return json_response(detail_of(sub, actor))


@spec.route(
    "DELETE",
    "/sub-activities/<id:sub_activity_id>",
    "Delete a draft sub-activity",
    status=204,
    errors=(403, 404, 409),
)
def delete_sub_activity(sub_activity_id: int) -> tuple[str, int]:
    actor = caller()
    planning.delete_sub_activity(
        g.db, planning.get_sub_activity(g.db, sub_activity_id, actor), actor=actor
    )
    return "", 204


# --------------------------------------------------------------------------- lines


@spec.route(
    "GET",
    "/sub-activities/<id:sub_activity_id>/lines",
    "The RKA lines of a sub-activity",
    response=LineList,
    errors=(404,),
)
def list_lines(sub_activity_id: int) -> tuple[Response, int]:
    sub = planning.get_sub_activity(g.db, sub_activity_id, caller())
    return json_response(
        LineList(lines=[line_out(ln, ln.item) for ln in planning.lines_of(g.db, sub)])
    )


@spec.route(
    "POST",
    "/sub-activities/<id:sub_activity_id>/lines",
    "Add a line: catalogue item x coefficient x unit price",
    body=LineCreate,
    response=LineOut,
    status=201,
    errors=(403, 404, 409),
)
def create_line(body: LineCreate, sub_activity_id: int) -> tuple[Response, int]:
    actor = caller()
    factors = factors_from(body.factors, body.coefficient)
    if factors is None:
        raise InvalidInput(_m("a line needs its coefficient"), {"factors": _m("required")})
    line = planning.add_line(
        g.db,
        sub_activity_id,
        catalogue_item_id=body.catalogue_item_id,
        account_code=body.account_code,
        factors=factors,
        unit_price=body.unit_price,
        description=body.description,
        actor=actor,
        override_reason=body.override_reason,
    )
    return json_response(line_out(line, catalogue.get_item(g.db, line.catalogue_item_id)), 201)


@spec.route(
    "PATCH",
    "/lines/<id:line_id>",
    "Change a line (every rule is checked again)",
    body=LinePatch,
    response=LineOut,
    errors=(403, 404, 409),
)
def patch_line(body: LinePatch, line_id: int) -> tuple[Response, int]:
    actor = caller()
    line = planning.update_line(
        g.db,
        planning.get_line(g.db, line_id, actor),
        actor=actor,
        catalogue_item_id=body.catalogue_item_id,
        account_code=body.account_code,
        factors=factors_from(body.factors, body.coefficient),
        unit_price=body.unit_price,
        description=body.description,
        override_reason=body.override_reason,
    )
    return json_response(line_out(line, catalogue.get_item(g.db, line.catalogue_item_id)))


@spec.route("DELETE", "/lines/<id:line_id>", "Delete a line", status=204, errors=(403, 404, 409))
def delete_line(line_id: int) -> tuple[str, int]:
    actor = caller()
    planning.delete_line(g.db, planning.get_line(g.db, line_id, actor), actor=actor)
    return "", 204
