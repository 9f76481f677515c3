"""Early warnings by notice: each OPD's SAKIP officers hear of its indicators in the red band.

The manifest names this module (``tasks=``); beat fans ``sakip.early_warnings``
out daily to every regency with SAKIP. For the current year, each OPD's PK in
force is projected as on the dashboard (``realization.early_warnings``); every
indicator in the red band becomes a notice to the officers (role
``sakip.officer``) acting for that OPD, once per quarter per indicator (the
notice's dedup key names the year, the quarter and the PK target).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from smartcity.toolkit import (
    OrgUnit,
    RoleRecipients,
    TenantInfo,
    notify,
    number,
    role_name,
    tenant_settings,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from worker.tasks import tenant_task

from . import agreements, realization
from .messages import M
from .models import Agreement

#: Longer than a quarter, shorter than a year: the key names the quarter anyway.
WINDOW = timedelta(days=120)


def notify_red_indicators(session: Session, year: int, quarter: int) -> int:
    """Notify the officers of every OPD with red-band indicators; the notices written."""
    officers = role_name("sakip", "officer")
    written = 0
    units = session.scalars(
        select(Agreement.org_unit_id)
        .where(Agreement.year == year, Agreement.status == "signed")
        .distinct()
        .order_by(Agreement.org_unit_id)
    )
    for unit_id in list(units):
        pk = agreements.in_force(session, unit_id, year)
        if pk is None:
            continue
        unit = session.get_one(OrgUnit, unit_id)
        for warning in realization.early_warnings(session, pk, 4):
            if warning.band != "red":
                continue
            score = warning.score
            name = score.indicator.name if score.indicator else str(score.target.id)
            written += len(
                notify(
                    session,
                    "sakip",
                    RoleRecipients(officers, unit_id),
                    M("Early warning: %(indicator)s", indicator=name),
                    M(
                        "%(indicator)s of %(unit)s is heading for the red band: at the pace "
                        "of %(quarters)s reported quarter(s) it reaches %(projected)s at the "
                        "end of %(year)s against a target of %(target)s.",
                        indicator=name,
                        unit=unit.name,
                        quarters=warning.quarters,
                        projected=number(warning.projected),
                        year=year,
                        target=number(score.target.year_target),
                    ),
                    link=f"/sakip/opd/{unit_id}/{year}",
                    dedup_key=f"early-warning:{year}-q{quarter}:{score.target.id}",
                    window=WINDOW,
                )
            )
    return written


@tenant_task("sakip.early_warnings", app="sakip")
def early_warnings(session: Session, tenant: TenantInfo) -> int:
    today = datetime.now(ZoneInfo(tenant_settings(session).timezone)).date()
    return notify_red_indicators(session, today.year, (today.month - 1) // 3 + 1)
