"""e-Kinerja's periodic work: pull the year's SKP from BKN once a day.

The manifest names this module (``tasks=``); beat fans ``ekinerja.skp_sync`` out
to every active regency with the app, each at its own offset. A regency without
a BKN connection gets a failed run of record saying so.
"""

from __future__ import annotations

from datetime import datetime

from smartcity.toolkit import TenantInfo
from sqlalchemy.orm import Session

from worker.tasks import tenant_task

from . import skp
from .access import system_actor
from .attendance import zone
from .tppmodels import BknConfig


@tenant_task("ekinerja.skp_sync", app="ekinerja")
def skp_sync(session: Session, tenant: TenantInfo) -> dict[str, object]:
    if session.get(BknConfig, 1) is None:
        return {"skipped": "no BKN connection"}
    year = datetime.now(zone(session)).year
    run = skp.sync(session, system_actor("ekinerja.skp_sync"), year)
    return {"run": run.id, "status": run.status, "stored": run.stored}
