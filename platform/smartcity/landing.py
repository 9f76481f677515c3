"""``http://host/`` on the platform host: the ways to sign in.

The path ``/`` belongs to the regencies' home page (routes are declared once for
every tenant), so on the platform host, where no regency resolves, the request
hook serves this page instead of a 404. It lists only what a visitor could
find anyway: the active regencies by name and province, each linking to its
own sign-in, and the operators' console.
"""

from __future__ import annotations

from flask import Request, render_template, request
from sqlalchemy import select

from smartcity.db import db
from smartcity.tenancy.models import Tenant, TenantStatus


def wants_landing_page(req: Request) -> bool:
    return req.path == "/" and req.method in ("GET", "HEAD")


def landing_page() -> str:
    with db.platform_transaction() as session:
        regencies = session.execute(
            select(Tenant.slug, Tenant.name, Tenant.province)
            .where(Tenant.status == TenantStatus.ACTIVE)
            .order_by(Tenant.province, Tenant.name)
        ).all()
    return render_template(
        "landing.html",
        regencies=[{"slug": r.slug, "name": r.name, "province": r.province} for r in regencies],
        base=request.host_url.rstrip("/"),
        minimal_nav=True,
    )
