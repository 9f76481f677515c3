"""Stages: snapshots, the revision, differences between two stages, the SIPD export."""

from __future__ import annotations

from flask import Response, g, jsonify, request
from smartcity.toolkit import (
    current_tenant,
    query_int,
)

from tenants.ebudgeting import (
    sipd,
    stages,
    years,
)
from tenants.ebudgeting.api.common import (
    caller,
    json_response,
    snapshot_out,
    spec,
    year_out,
)
from tenants.ebudgeting.models import (
    FiscalYear,
)
from tenants.ebudgeting.schemas import (
    DiffOut,
    LineChangeOut,
    LineValuesOut,
    StageIn,
    StageList,
    SubActivityChangeOut,
)

# --------------------------------------------------------------------------- stages


def _stage_list(fiscal_year: FiscalYear) -> StageList:
    return StageList(
        year=year_out(fiscal_year),
        snapshots=[snapshot_out(s) for s in stages.snapshots(g.db, fiscal_year)],
    )


@spec.route(
    "GET",
    "/years/<year:year>/stages",
    "Snapshots taken (RKA, APBD, DPA, RKA-P, DPPA)",
    response=StageList,
    errors=(404,),
)
def list_stages(year: int) -> tuple[Response, int]:
    caller()
    return json_response(_stage_list(years.get_year(g.db, year)))


@spec.route(
    "POST",
    "/years/<year:year>/stages",
    "Take the next stage snapshot (TAPD chair)",
    body=StageIn,
    response=StageList,
    status=201,
    errors=(403, 404, 409),
)
def take_stage(body: StageIn, year: int) -> tuple[Response, int]:
    actor = caller()
    fiscal_year = years.get_year(g.db, year)
    document = stages.StageDocument(
        body.document_number, body.document_date, body.elaboration_number
    )
    stages.take_snapshot(g.db, fiscal_year, body.stage, document=document, actor=actor)
    return json_response(_stage_list(fiscal_year), 201)


@spec.route(
    "POST",
    "/years/<year:year>/revision",
    "Open the mid-year revision, RKA-P (TAPD chair)",
    response=StageList,
    errors=(403, 404, 409),
)
def open_revision(year: int) -> tuple[Response, int]:
    actor = caller()
    fiscal_year = years.get_year(g.db, year)
    stages.open_revision(g.db, fiscal_year, actor=actor)
    return json_response(_stage_list(fiscal_year))


def _values(values: stages.LineValues | None) -> LineValuesOut | None:
    if values is None:
        return None
    return LineValuesOut(
        account_code=values.account_code,
        description=values.description,
        coefficient=values.coefficient,
        volume=values.volume,
        unit=values.unit,
        unit_price=values.unit_price,
        amount=values.amount,
    )


@spec.route(
    "GET",
    "/years/<year:year>/diff",
    "What changed between two stages (?from=dpa&to=dppa, optional &org_unit_id=)",
    response=DiffOut,
    errors=(404,),
)
def stage_diff(year: int) -> tuple[Response, int]:
    actor = caller()
    fiscal_year = years.get_year(g.db, year)
    change = stages.diff(
        g.db,
        fiscal_year,
        request.args.get("from", "rka"),
        request.args.get("to", "apbd"),
        actor=actor,
        org_unit_id=query_int("org_unit_id"),
    )
    return json_response(
        DiffOut(
            from_stage=change.from_stage,
            to_stage=change.to_stage,
            total_before=change.total_before,
            total_after=change.total_after,
            delta=change.delta,
            sub_activities=[
                SubActivityChangeOut(
                    sub_activity_id=s.sub_activity_id,
                    org_unit_id=s.org_unit_id,
                    sub_kegiatan_code=s.sub_kegiatan_code,
                    name=s.name,
                    before=s.before,
                    after=s.after,
                    delta=s.delta,
                )
                for s in change.sub_activities
            ],
            lines=[
                LineChangeOut(
                    kind=c.kind,
                    line_id=c.line_id,
                    sub_activity_id=c.sub_activity_id,
                    sub_kegiatan_code=c.sub_kegiatan_code,
                    before=_values(c.before),
                    after=_values(c.after),
                    delta=c.delta,
                )
                for c in change.lines
            ],
            lines_truncated=change.lines_truncated,
        )
    )


@spec.route(
    "GET",
    "/years/<year:year>/sipd",
    "The adopted budget (DPPA, else DPA, else APBD) in the shape SIPD takes",
    errors=(404, 409),
)
def sipd_export(year: int) -> Response:
    actor = caller()
    tenant = current_tenant()
    return jsonify(
        sipd.approved_budget(
            g.db,
            years.get_year(g.db, year),
            region_code=tenant.region_code,
            region_name=tenant.name,
            actor=actor,
        )
    )
