"""The long code SIPD knows an OPD by, kept by TAPD.

SIPD names an SKPD by three urusan/bidang pairs (the bidang it serves, then up to two
more it also serves, ``0.00`` when none), its unit number and its sub-unit number:
``1.02.0.00.0.00.01.0000`` is the first unit of the health bidang; an OPD serving two
bidang reads ``2.09.3.27.0.00.01.0000``. The short org-unit code (``1.02.01``) stays the
core's; this one is e-Budgeting's, checked against the nomenclature and unique.
"""

from __future__ import annotations

import re

from smartcity.toolkit import Conflict, InvalidInput, record_audit
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.ebudgeting.messages import _m

from .access import CEILINGS, Actor
from .ceilings import get_opd
from .models import Nomenclature, UnitCode

SKPD_CODE = re.compile(r"^(\d\.\d{2})\.(\d\.\d{2})\.(\d\.\d{2})\.(\d{2})\.(\d{4})$")
NO_BIDANG = "0.00"


def bidang_of(code: str) -> list[str]:
    """The bidang codes an SKPD code names, in order (``0.00`` pairs left out)."""
    match = SKPD_CODE.match(code)
    if match is None:
        return []
    return [pair for pair in match.groups()[:3] if pair != NO_BIDANG]


def set_skpd_code(session: Session, org_unit_id: int, code: str, *, actor: Actor) -> UnitCode:
    """Give an OPD its SIPD code: well formed, its bidang known, used by no other OPD."""
    actor.require(CEILINGS)
    unit = get_opd(session, org_unit_id)
    code = code.strip()
    match = SKPD_CODE.match(code)
    if match is None or match.group(1) == NO_BIDANG or match.group(4) == "00":
        raise InvalidInput(
            _m(
                "%(code)s is not an SKPD code like 1.02.0.00.0.00.01.0000 (three urusan/bidang "
                "pairs, the unit and the sub-unit)",
                code=code,
            ),
            {"skpd_code": _m("like 1.02.0.00.0.00.01.0000")},
        )
    pairs = bidang_of(code)
    known = set(
        session.scalars(
            select(Nomenclature.code).where(
                Nomenclature.code.in_(pairs), Nomenclature.level == "bidang"
            )
        )
    )
    if unknown := [pair for pair in pairs if pair not in known]:
        raise InvalidInput(
            _m("bidang %(codes)s is not in the code tree", codes=", ".join(unknown)),
            {"skpd_code": _m("unknown bidang")},
        )
    clash = session.scalar(
        select(UnitCode).where(UnitCode.skpd_code == code, UnitCode.org_unit_id != unit.id)
    )
    if clash is not None:
        raise Conflict(
            _m("SKPD code %(code)s is already another OPD's", code=code),
            {"skpd_code": _m("already used")},
        )
    row = session.get(UnitCode, unit.id, with_for_update=True)
    before = {"skpd_code": row.skpd_code} if row is not None else None
    if row is None:
        row = UnitCode(org_unit_id=unit.id, skpd_code=code, updated_by=actor.label)
        session.add(row)
    else:
        row.skpd_code, row.updated_by = code, actor.label
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.unit_code.set",
        entity="org_unit",
        entity_id=unit.id,
        before=before,
        after={"skpd_code": code},
    )
    return row


def bidang_of_opd(session: Session, org_unit_id: int) -> list[str] | None:
    """The bidang an OPD serves, from its SIPD code; None while it has none."""
    row = session.get(UnitCode, org_unit_id)
    return bidang_of(row.skpd_code) if row is not None else None


def skpd_codes(session: Session, org_unit_ids: set[int]) -> dict[int, str]:
    return dict(
        session.execute(
            select(UnitCode.org_unit_id, UnitCode.skpd_code).where(
                UnitCode.org_unit_id.in_(org_unit_ids)
            )
        ).all()
    )
