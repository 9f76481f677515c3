"""The test app's tasks: the manifest names this module (``tasks=``), the worker imports it.

Deliberately not called ``tasks.py``: nothing is found by file name.

``noticeboard.tidy`` is the manifest's beat entry: beat fans it out to every
active tenant with the app enabled; each run leaves an audit entry, so tests can
see which tenants it reached.
"""

from __future__ import annotations

from smartcity.toolkit import TenantInfo, record_audit
from sqlalchemy.orm import Session

from worker.tasks import tenant_task


@tenant_task("noticeboard.tidy", app="noticeboard")
def tidy(session: Session, tenant: TenantInfo) -> str:
    record_audit(session, actor="noticeboard.tidy", action="noticeboard.tidy", entity="notice")
    return tenant.slug
