"""e-Budgeting's background tasks, found by the worker by convention (``<app>.tasks``).

``ebudgeting.sync_reference`` is the manifest's daily beat entry: beat fans it
out to every active tenant with the app enabled. It brings the tenant's code
tree, accounts and price catalogue to the versions shipped with this release
(idempotent: a tenant already current writes nothing), so a deploy with new
reference data reaches every regency without an operator's action.
"""

from __future__ import annotations

import logging

from smartcity.tenancy.cache import TenantInfo
from smartcity.tenantcore import audit
from sqlalchemy.orm import Session

from worker.tasks import tenant_task

from .reference import held_versions, load_packaged

log = logging.getLogger(__name__)


@tenant_task("ebudgeting.sync_reference", app="ebudgeting")
def sync_reference(session: Session, tenant: TenantInfo) -> list[str]:
    applied = load_packaged(session)
    if applied:
        audit.record(
            session,
            actor="ebudgeting.sync_reference",
            action="ebudgeting.reference.sync",
            entity="eb_reference",
            after=held_versions(session),
        )
        log.info("%s: e-budgeting reference data updated: %s", tenant.slug, ", ".join(applied))
    return applied
