"""The long code SIPD knows an OPD and its sub-units by, as e-Budgeting reads it.

The code is the core's: ``OrgUnit.sipd_code``, entered and checked where the regency's
org units are edited (the admin's unit pages, the org-unit import, ``/api/v1/org-units``),
so there is one place to keep it. SIPD names an SKPD by three urusan/bidang pairs (the
bidang it serves, then up to two more, ``0.00`` when none), its unit number and its
sub-unit number: ``1.02.0.00.0.00.01.0000`` is the first unit of the health bidang, and
``1.02.0.00.0.00.01.0001`` its first sub-unit (a puskesmas, say). e-Budgeting reads it
to narrow an OPD's sub kegiatan to the bidang it serves, to name the OPD and the
sub-unit of each sub-activity in the SIPD export, and to print it on the RKA/DPA.
"""

from __future__ import annotations

import re

from smartcity.toolkit import OrgUnit
from sqlalchemy import select
from sqlalchemy.orm import Session

#: ASCII digits only (the core refuses others; a code is read defensively all the same).
SKPD_CODE = re.compile(
    r"([0-9]\.[0-9]{2})\.([0-9]\.[0-9]{2})\.([0-9]\.[0-9]{2})\.([0-9]{2})\.([0-9]{4})"
)
NO_BIDANG = "0.00"


def bidang_of(code: str) -> list[str]:
    """The bidang codes an SKPD code names, in order (``0.00`` pairs left out)."""
    match = SKPD_CODE.fullmatch(code)
    if match is None:
        return []
    return [pair for pair in match.groups()[:3] if pair != NO_BIDANG]


def bidang_of_opd(session: Session, org_unit_id: int) -> list[str] | None:
    """The bidang an OPD serves, from its SIPD code; None while it has none."""
    code = session.scalar(select(OrgUnit.sipd_code).where(OrgUnit.id == org_unit_id))
    return (bidang_of(code) or None) if code else None


def skpd_codes(session: Session, org_unit_ids: set[int]) -> dict[int, str]:
    """The SIPD code of each of these units that has one."""
    return {
        unit_id: code
        for unit_id, code in session.execute(
            select(OrgUnit.id, OrgUnit.sipd_code).where(
                OrgUnit.id.in_(org_unit_ids), OrgUnit.sipd_code.is_not(None)
            )
        )
        if code is not None
    }
