"""Org units (OPD and their sub-units): a tree whose codes nest.

A child's code is its parent's code plus one more dotted segment, so a unit's
place in the tree can be read from its code and checked without a query.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity import signals
from smartcity.errors import Conflict, InvalidInput, Message, NotFound
from smartcity.tenantcore import audit
from smartcity.tenantcore.models import OrgUnit, Staff

CODE = re.compile(r"^\d{1,4}(\.\d{1,4}){0,7}$")
KINDS = {
    "sekretariat_daerah": "Sekretariat Daerah",
    "sekretariat_dprd": "Sekretariat DPRD",
    "inspektorat": "Inspektorat",
    "dinas": "Dinas",
    "badan": "Badan",
    "satuan": "Satuan (Satpol PP)",
    "kecamatan": "Kecamatan",
    "kelurahan": "Kelurahan",
    "desa": "Desa",
    "bagian": "Bagian",
    "bidang": "Bidang",
    "subbagian": "Sub Bagian",
    "seksi": "Seksi",
    "uptd": "UPTD",
}
#: kinds that are OPD themselves (top of the tree)
TOP_KINDS = {
    "sekretariat_daerah",
    "sekretariat_dprd",
    "inspektorat",
    "dinas",
    "badan",
    "satuan",
    "kecamatan",
}


def _public(unit: OrgUnit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent_id": unit.parent_id,
        "region_code": unit.region_code,
        "is_active": unit.is_active,
    }


def get_unit(session: Session, unit_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound(Message("no org unit %(unit_id)s", unit_id=unit_id))
    return unit


def unit_by_code(session: Session, code: str) -> OrgUnit | None:
    return session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def _validate(
    session: Session,
    *,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit | None,
    region_code: str | None,
    regency_code: str,
    exclude_id: int | None = None,
) -> None:
    problems: dict[str, str] = {}
    if not CODE.fullmatch(code):
        problems["code"] = "digits in dotted groups, e.g. 4.01 or 4.01.02"
    elif parent is not None and not code.startswith(parent.code + "."):
        problems["code"] = f"must start with its parent's code {parent.code}."
    elif parent is None and "." in code and kind not in TOP_KINDS:
        problems["parent"] = "a sub-unit needs its parent unit"
    if not name.strip() or len(name) > 200:
        problems["name"] = "required, at most 200 characters"
    if kind not in KINDS:
        problems["kind"] = f"one of: {', '.join(KINDS)}"
    if kind == "kecamatan":
        if (
            not region_code
            or not region_code.startswith(regency_code + ".")
            or (region_code.count(".") != 2)
        ):
            problems["region_code"] = f"a kecamatan code of this regency ({regency_code}.NN)"
    elif region_code:
        problems["region_code"] = "only a kecamatan carries a kode wilayah"
    if problems:
        raise InvalidInput("the org unit is not valid", problems)
    clash = select(OrgUnit.id).where(OrgUnit.code == code)
    if exclude_id is not None:
        clash = clash.where(OrgUnit.id != exclude_id)
    if session.scalar(clash) is not None:
        raise Conflict(
            Message("code %(code)s is already used", code=code), {"code": "already used"}
        )


def create_unit(
    session: Session,
    *,
    code: str,
    name: str,
    kind: str,
    parent_id: int | None = None,
    region_code: str | None = None,
    regency_code: str,
    actor: str,
) -> OrgUnit:
    code, name = code.strip(), name.strip()
    parent = get_unit(session, parent_id) if parent_id is not None else None
    _validate(
        session,
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        region_code=region_code,
        regency_code=regency_code,
    )
    unit = OrgUnit(
        code=code, name=name, kind=kind, parent_id=parent_id, region_code=region_code or None
    )
    session.add(unit)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="org_unit.create",
        entity="org_unit",
        entity_id=unit.id,
        after=_public(unit),
    )
    signals.org_unit_changed.send(
        session, session=session, org_unit_ids=(unit.id,), action="created"
    )
    return unit


def update_unit(
    session: Session,
    unit: OrgUnit,
    *,
    name: str,
    kind: str,
    region_code: str | None,
    is_active: bool,
    regency_code: str,
    actor: str,
) -> OrgUnit:
    """Codes and parents do not change: staff, budgets and reports refer to them."""
    before = _public(unit)
    parent = get_unit(session, unit.parent_id) if unit.parent_id is not None else None
    _validate(
        session,
        code=unit.code,
        name=name,
        kind=kind,
        parent=parent,
        region_code=region_code,
        regency_code=regency_code,
        exclude_id=unit.id,
    )
    if not is_active and unit.is_active:
        staffed = session.scalar(
            select(func.count())
            .select_from(Staff)
            .where(Staff.unit_id == unit.id, Staff.is_active.is_(True))
        )
        if staffed:
            raise Conflict(
                Message(
                    "%(name)s still has %(n)s active staff: move them first",
                    name=unit.name,
                    n=staffed,
                ),
                {"is_active": Message("%(n)s active staff", n=staffed)},
            )
    unit.name, unit.kind, unit.region_code, unit.is_active = (
        name.strip(),
        kind,
        region_code or None,
        is_active,
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="org_unit.update",
        entity="org_unit",
        entity_id=unit.id,
        before=before,
        after=_public(unit),
    )
    signals.org_unit_changed.send(
        session, session=session, org_unit_ids=(unit.id,), action="updated"
    )
    return unit


def unit_tree(session: Session) -> list[tuple[int, OrgUnit]]:
    """Every unit with its depth, in code order (which is tree order)."""
    units = session.scalars(select(OrgUnit).order_by(OrgUnit.code)).all()
    depth: dict[int, int] = {}
    for unit in units:  # a parent's code sorts before its children's
        depth[unit.id] = depth.get(unit.parent_id, -1) + 1 if unit.parent_id else 0
    return [(depth[u.id], u) for u in units]
