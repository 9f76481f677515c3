"""Org units (OPD and their sub-units): a tree whose codes nest.

A child's code is its parent's code plus one more dotted segment, so a unit's
place in the tree can be read from its code and checked without a query.

A unit may also carry SIPD's long code (``sipd_code``; its shape and the SKPD /
sub-unit rule are in ``tenantcore.sipd_codes``), unique in the regency. An OPD's
sub-units share its unit part, so when the OPD's unit part changes theirs follow
(same sub-unit numbers), and an OPD cannot drop its code while sub-units carry one.
"""

from __future__ import annotations

import re
from types import EllipsisType
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity import signals
from smartcity.errors import Conflict, InvalidInput, Message, NotFound
from smartcity.tenantcore import audit, sipd_codes
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
        "sipd_code": unit.sipd_code,
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
    sipd_code: str | None = None,
) -> None:
    """Refuses a unit that is not valid; ``sipd_code`` (a new one) is checked when given.

    ``parent`` needs only ``code`` and ``sipd_code`` (the import passes a unit that is
    still a row of its file).
    """
    problems: dict[str, str] = {}
    if not CODE.fullmatch(code):
        problems["code"] = Message("digits in dotted groups, e.g. 4.01 or 4.01.02")
    elif parent is not None and not code.startswith(parent.code + "."):
        problems["code"] = Message("must start with its parent's code %(code)s.", code=parent.code)
    elif parent is None and "." in code and kind not in TOP_KINDS:
        problems["parent"] = Message("a sub-unit needs its parent unit")
    if not name.strip() or len(name) > 200:
        problems["name"] = Message("required, at most 200 characters")
    if kind not in KINDS:
        problems["kind"] = Message("one of %(names)s", names=", ".join(KINDS))
    if wrong_region := _region_problem(kind, region_code, regency_code):
        problems["region_code"] = wrong_region
    if sipd_code is not None and (wrong := _sipd_problem(sipd_code, parent)):
        problems["sipd_code"] = wrong
    if problems:
        raise InvalidInput(Message("the org unit is not valid"), problems)
    clash = select(OrgUnit.id).where(OrgUnit.code == code)
    if exclude_id is not None:
        clash = clash.where(OrgUnit.id != exclude_id)
    if session.scalar(clash) is not None:
        raise Conflict(
            Message("code %(code)s is already used", code=code), {"code": Message("already used")}
        )
    if sipd_code is not None:
        _refuse_sipd_clash(session, sipd_code, exclude_id)


def _region_problem(kind: str, region_code: str | None, regency_code: str) -> str | None:
    if kind == "kecamatan":
        if (
            not region_code
            or not region_code.startswith(regency_code + ".")
            or (region_code.count(".") != 2)
        ):
            return f"a kecamatan code of this regency ({regency_code}.NN)"
    elif region_code:
        return "only a kecamatan carries a kode wilayah"
    return None


def _sipd_problem(sipd_code: str, parent: OrgUnit | None) -> Message | None:
    return sipd_codes.problem(
        sipd_code,
        parent_code=parent.sipd_code if parent is not None else None,
        is_sub_unit=parent is not None,
    )


def _refuse_sipd_clash(session: Session, sipd_code: str, exclude_id: int | None) -> None:
    query = select(OrgUnit).where(OrgUnit.sipd_code == sipd_code)
    if exclude_id is not None:
        query = query.where(OrgUnit.id != exclude_id)
    if (other := session.scalar(query)) is not None:
        raise Conflict(
            Message(
                "SIPD code %(code)s is already that of %(name)s (%(unit)s)",
                code=sipd_code,
                name=other.name,
                unit=other.code,
            ),
            {"sipd_code": Message("already used")},
        )


def create_unit(
    session: Session,
    *,
    code: str,
    name: str,
    kind: str,
    parent_id: int | None = None,
    region_code: str | None = None,
    sipd_code: str | None = None,
    regency_code: str,
    actor: str,
) -> OrgUnit:
    code, name = code.strip(), name.strip()
    sipd_code = sipd_codes.clean(sipd_code)
    parent = get_unit(session, parent_id) if parent_id is not None else None
    _validate(
        session,
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        region_code=region_code,
        regency_code=regency_code,
        sipd_code=sipd_code,
    )
    unit = OrgUnit(
        code=code,
        name=name,
        kind=kind,
        parent_id=parent_id,
        region_code=region_code or None,
        sipd_code=sipd_code,
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
    sipd_code: str | EllipsisType | None = ...,
) -> OrgUnit:
    """Codes and parents do not change: staff, budgets and reports refer to them.

    The SIPD code does (``...`` keeps it, None clears it): it is checked only when it
    changes, so a code kept from before these rules does not block renaming the unit.
    """
    before = _public(unit)
    parent = get_unit(session, unit.parent_id) if unit.parent_id is not None else None
    new_sipd = unit.sipd_code if sipd_code is ... else sipd_codes.clean(sipd_code)
    changed_sipd = new_sipd != unit.sipd_code
    _validate(
        session,
        code=unit.code,
        name=name,
        kind=kind,
        parent=parent,
        region_code=region_code,
        regency_code=regency_code,
        exclude_id=unit.id,
        sipd_code=new_sipd if changed_sipd else None,
    )
    moved = _sub_units_following(session, unit, new_sipd) if changed_sipd else []
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
    if changed_sipd:
        # Sub-units first let go of their codes, so the new ones never clash with old.
        for sub_unit, _old, _new in moved:
            sub_unit.sipd_code = None
        session.flush()
        unit.sipd_code = new_sipd
        session.flush()
    for sub_unit, old, new in moved:
        sub_before = {**_public(sub_unit), "sipd_code": old}
        sub_unit.sipd_code = new
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="org_unit.update",
            entity="org_unit",
            entity_id=sub_unit.id,
            before=sub_before,
            after=_public(sub_unit),
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
        session,
        session=session,
        org_unit_ids=(unit.id, *(sub_unit.id for sub_unit, _old, _new in moved)),
        action="updated",
    )
    return unit


def _descendant_ids(session: Session, unit_id: int) -> set[int]:
    """Every unit below ``unit_id`` (a walk of the tree read once; cycles cannot loop)."""
    children: dict[int, list[int]] = {}
    for child, parent in session.execute(
        select(OrgUnit.id, OrgUnit.parent_id).where(OrgUnit.parent_id.is_not(None))
    ):
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[int] = set()
    frontier = [unit_id]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def _sub_units_following(
    session: Session, unit: OrgUnit, new_code: str | None
) -> list[tuple[OrgUnit, str, str]]:
    """The sub-units whose SIPD codes follow ``unit``'s new one: (unit, old, new).

    Refuses to drop the code while sub-units below carry one (SIPD has no sub-unit
    without its SKPD), and new codes another unit already has.
    """
    if unit.sipd_code is None:
        return []
    below = _descendant_ids(session, unit.id)
    coded = list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.id.in_(below), OrgUnit.sipd_code.is_not(None))
            .order_by(OrgUnit.sipd_code)
        )
    )
    if not coded:
        return []
    if new_code is None:
        raise Conflict(
            Message(
                "sub-units of %(name)s carry SIPD codes (%(codes)s): clear theirs first",
                name=unit.name,
                codes=", ".join(u.sipd_code or "" for u in coded[:5]),
            ),
            {"sipd_code": Message("its sub-units have codes")},
        )
    new_part = new_code[: -len(sipd_codes.SKPD_ITSELF) - 1]
    moved = [
        (sub, code, sipd_codes.as_sub_unit(code, new_part))
        for sub in coded
        if (code := sub.sipd_code) is not None and sipd_codes.as_sub_unit(code, new_part) != code
    ]
    taken = session.scalar(
        select(OrgUnit).where(
            OrgUnit.sipd_code.in_([new for _sub, _old, new in moved]),
            OrgUnit.id.not_in(below | {unit.id}),
        )
    )
    if taken is not None:
        raise Conflict(
            Message(
                "SIPD code %(code)s is already that of %(name)s (%(unit)s)",
                code=taken.sipd_code,
                name=taken.name,
                unit=taken.code,
            ),
            {"sipd_code": Message("a sub-unit's new code is taken")},
        )
    return moved


def unit_tree(session: Session) -> list[tuple[int, OrgUnit]]:
    """Every unit with its depth, in code order (which is tree order)."""
    units = session.scalars(select(OrgUnit).order_by(OrgUnit.code)).all()
    depth: dict[int, int] = {}
    for unit in units:  # a parent's code sorts before its children's
        depth[unit.id] = depth.get(unit.parent_id, -1) + 1 if unit.parent_id else 0
    return [(depth[u.id], u) for u in units]
