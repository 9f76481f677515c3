"""The complaint deadlines' periodic work: escalate before a deadline, close after the window.

The manifest names ``periodic`` (``tasks=``), which imports this; beat fans ``pelayanan.deadlines``
out to every active regency with the app enabled, each at its own offset. Both
steps are idempotent, so a second run in the same hour changes nothing.
"""

from __future__ import annotations

from smartcity.toolkit import TenantInfo
from sqlalchemy.orm import Session

from worker.tasks import tenant_task

from . import complaints


@tenant_task("pelayanan.deadlines", app="pelayanan")
def deadlines(session: Session, tenant: TenantInfo) -> dict[str, int]:
    return {
        "escalated": complaints.escalate_due(session),
        "closed": complaints.close_expired(session),
    }
