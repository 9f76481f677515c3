"""Removing a tenant's custom domain (adding one is ``tenancy.lifecycle.add_domain``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smartcity.errors import Message, NotFound
from smartcity.tenancy.cache import announce_change
from smartcity.tenancy.models import Tenant
from smartcity.tenantcore import audit


def remove_domain(session: Session, tenant: Tenant, domain_id: int, *, actor: str) -> str:
    """Stop serving the tenant on one of its custom domains; returns the host name.

    The tenant stays reachable at ``/t/<slug>/`` and its other domains; every
    process forgets the domain once this commits (see ``announce_change``).
    """
    row = next((d for d in tenant.domains if d.id == domain_id), None)
    if row is None:
        raise NotFound(
            Message("no domain %(domain_id)s for this regency", domain_id=domain_id),
            {"domain": "unknown"},
        )
    tenant.domains.remove(row)
    audit.record_platform(
        session, actor=actor, action="domain.remove", tenant_id=tenant.id, domain=row.domain
    )
    announce_change(session, tenant.slug)
    session.flush()
    return row.domain
