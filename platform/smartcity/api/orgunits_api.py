"""``<tenant>/api/v1/org-units``: the regency's org units (OPD and sub-units) over JSON.

Registered on the shared tenant API blueprint (``api.tenant_blueprint``). Any
signed-in user of the regency may read the tree (apps and integrations name units
by these ids and codes, SIPD's long code among them); adding and changing units is
the regency admin's, through the same service as the admin pages
(``tenantcore.orgunits``). A unit's code and parent never change; its SIPD code
does (``null`` clears it, leaving it out keeps it). Another regency's unit id is
simply not found.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, url_for
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from smartcity.access import SIGNED_IN, permission
from smartcity.api.auth import require_user
from smartcity.api.tenant_blueprint import spec
from smartcity.bounds import DbId
from smartcity.tenancy.resolver import current_tenant
from smartcity.tenantcore import orgunits
from smartcity.tenantcore.models import OrgUnit

#: What adding and changing org units needs (the admin pages' rule).
TENANT_MANAGE = permission("tenant.manage")
SIPD_CODE = (
    "SIPD's long code of the unit (Permendagri 90/2019): three urusan/bidang pairs, the "
    "unit and the sub-unit, e.g. 1.02.0.00.0.00.01.0000. An OPD's ends in 0000; a "
    "sub-unit's shares its parent's first seven groups and ends in 0001 or more. Unique "
    "in the regency; a sub-unit needs its parent's code first."
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrgUnitOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    region_code: str | None = Field(description="A kecamatan's kode wilayah")
    sipd_code: str | None = Field(description=SIPD_CODE)
    is_active: bool


class OrgUnitList(BaseModel):
    org_units: list[OrgUnitOut]


class OrgUnitCreate(Strict):
    code: str = Field(
        max_length=40, description="Digits in dotted groups; a sub-unit's starts with its parent's"
    )
    name: str = Field(max_length=200)
    kind: str = Field(max_length=30, description="dinas, badan, bidang, kecamatan ...")
    parent_id: DbId | None = Field(default=None, description="Empty for an OPD")
    region_code: str | None = Field(default=None, max_length=13)
    sipd_code: str | None = Field(default=None, max_length=60, description=SIPD_CODE)


class OrgUnitPatch(Strict):
    name: str | None = Field(default=None, max_length=200)
    kind: str | None = Field(default=None, max_length=30)
    region_code: str | None = Field(
        default=None, max_length=13, description="null clears it; left out, it stays"
    )
    sipd_code: str | None = Field(
        default=None,
        max_length=60,
        description=SIPD_CODE + " null clears it; left out, it stays.",
    )
    is_active: bool | None = None


def unit_out(unit: OrgUnit) -> dict[str, Any]:
    return OrgUnitOut(
        id=unit.id,
        code=unit.code,
        name=unit.name,
        kind=unit.kind,
        parent_id=unit.parent_id,
        region_code=unit.region_code,
        sipd_code=unit.sipd_code,
        is_active=unit.is_active,
    ).model_dump(mode="json")


@spec.route(
    "GET",
    "/org-units",
    "The regency's org units, in tree order",
    access=SIGNED_IN,
    response=OrgUnitList,
)
def list_org_units() -> Response:
    units = g.db.scalars(select(OrgUnit).order_by(OrgUnit.code))
    return jsonify(org_units=[unit_out(u) for u in units])


@spec.route(
    "GET",
    "/org-units/<id:unit_id>",
    "One org unit",
    access=SIGNED_IN,
    response=OrgUnitOut,
    errors=(404,),
)
def get_org_unit(unit_id: int) -> Response:
    return jsonify(unit_out(orgunits.get_unit(g.db, unit_id)))


@spec.route(
    "POST",
    "/org-units",
    "Add an org unit (regency admin)",
    access=TENANT_MANAGE,
    body=OrgUnitCreate,
    response=OrgUnitOut,
    status=201,
    errors=(404, 409),
)
def create_org_unit(body: OrgUnitCreate) -> tuple[Response, int, dict[str, str]]:
    principal = require_user()
    unit = orgunits.create_unit(
        g.db,
        code=body.code,
        name=body.name,
        kind=body.kind,
        parent_id=body.parent_id,
        region_code=body.region_code,
        sipd_code=body.sipd_code,
        regency_code=current_tenant().region_code,
        actor=principal.label,
    )
    location = url_for(".get_org_unit", unit_id=unit.id)
    return jsonify(unit_out(unit)), 201, {"Location": location}


@spec.route(
    "PATCH",
    "/org-units/<id:unit_id>",
    "Change an org unit: name, kind, kode wilayah, SIPD code, active (regency admin)",
    access=TENANT_MANAGE,
    body=OrgUnitPatch,
    response=OrgUnitOut,
    errors=(404, 409),
)
def patch_org_unit(body: OrgUnitPatch, unit_id: int) -> Response:
    principal = require_user()
    unit = orgunits.get_unit(g.db, unit_id)
    given = body.model_fields_set
    unit = orgunits.update_unit(
        g.db,
        unit,
        name=body.name if body.name is not None else unit.name,
        kind=body.kind if body.kind is not None else unit.kind,
        region_code=body.region_code if "region_code" in given else unit.region_code,
        is_active=body.is_active if body.is_active is not None else unit.is_active,
        sipd_code=body.sipd_code if "sipd_code" in given else ...,
        regency_code=current_tenant().region_code,
        actor=principal.label,
    )
    return jsonify(unit_out(unit))
