"""The price catalogue: search, local proposals, TAPD's decisions."""

from __future__ import annotations

from flask import Response, g, request
from smartcity.toolkit import (
    InvalidInput,
    query_int,
    query_year,
)

from tenants.ebudgeting import (
    catalogue,
)
from tenants.ebudgeting.api.common import (
    caller,
    item_out,
    json_response,
    spec,
)
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.schemas import (
    CatalogueDecision,
    CatalogueItemOut,
    CatalogueList,
    CatalogueProposal,
)

# --------------------------------------------------------------------------- catalogue


@spec.route(
    "GET",
    "/catalogue",
    "Search the price catalogue (?year=&q=&kind=&account=&pending=1)",
    response=CatalogueList,
)
def search_catalogue() -> tuple[Response, int]:
    caller()
    year = query_year()
    if year is None:
        raise InvalidInput(_m("say which year's prices (?year=2026)"), {"year": _m("required")})
    if request.args.get("pending") == "1":
        items = catalogue.pending(g.db)
    else:
        items = catalogue.search(
            g.db,
            year,
            q=request.args.get("q", ""),
            kind=request.args.get("kind") or None,
            account_code=request.args.get("account") or None,
            limit=query_int("limit", 50, low=1, high=500) or 50,
        )
    return json_response(CatalogueList(items=[item_out(i) for i in items]))


@spec.route(
    "POST",
    "/catalogue",
    "Propose a local item (TAPD approves it before use)",
    body=CatalogueProposal,
    response=CatalogueItemOut,
    status=201,
    errors=(403, 409),
)
def propose_item(body: CatalogueProposal) -> tuple[Response, int]:
    item = catalogue.propose_item(
        g.db,
        year=body.year,
        kind=body.kind,
        name=body.name,
        specification=body.specification,
        unit=body.unit,
        max_price=body.max_price,
        account_codes=body.account_codes,
        actor=caller(),
    )
    return json_response(item_out(item), 201)


@spec.route(
    "POST",
    "/catalogue/<id:item_id>/decision",
    "Approve or reject a proposed item (TAPD)",
    body=CatalogueDecision,
    response=CatalogueItemOut,
    errors=(403, 404, 409),
)
def decide_item(body: CatalogueDecision, item_id: int) -> tuple[Response, int]:
    actor = caller()
    item = catalogue.decide_item(
        g.db,
        catalogue.get_item(g.db, item_id),
        approve=body.approve,
        note=body.note,
        actor=actor,
    )
    return json_response(item_out(item))
