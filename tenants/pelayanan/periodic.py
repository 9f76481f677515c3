"""The app's periodic Celery tasks, the module the manifest names (``tasks=``).

``pelayanan.deadlines`` (hourly: escalations and auto-close) lives in
``deadlines``; ``pelayanan.lapor_sync`` pushes to and pulls from SP4N-LAPOR!
for a regency that enabled it (``lapor``). Beat fans both out to every active
regency with the app, each at its own offset.
"""

from __future__ import annotations

from typing import Any

from smartcity.toolkit import TenantInfo
from sqlalchemy.orm import Session

from worker.tasks import tenant_task

from . import lapor
from .deadlines import deadlines

__all__ = ["deadlines", "lapor_sync"]


@tenant_task("pelayanan.lapor_sync", app="pelayanan")
def lapor_sync(session: Session, tenant: TenantInfo) -> dict[str, Any] | None:
    """One sync run, recorded; None (nothing recorded) when the regency has it off."""
    run = lapor.run_sync(session, region_code=tenant.region_code, actor="system")
    if run is None:
        return None
    return {
        "run": run.id,
        "status": run.status,
        "pushed": run.pushed,
        "pulled": run.pulled,
        "failed": run.failed,
    }
