"""The apps the City of Bandung enabled for this regency, as its admins see them."""

from __future__ import annotations

from flask import render_template

from smartcity.state import platform_state
from smartcity.tenancy.resolver import current_tenant
from smartcity.web.access import TENANT_MANAGE, blueprint, permitted


@blueprint.get("/admin/apps")
@permitted(TENANT_MANAGE)
def app_list() -> str:
    tenant = current_tenant()
    registry = platform_state().registry
    # Registry order is dependency order: an app comes after the apps it needs.
    apps = [manifest for manifest in registry if manifest.name in tenant.apps]
    return render_template("tenant_web/apps.html", apps=apps)
