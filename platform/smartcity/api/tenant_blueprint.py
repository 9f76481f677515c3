"""The tenant API's blueprint and spec, shared by the modules that register on it.

``tenant_api`` (sign-in, the caller, users) and ``jobs_api`` (background jobs)
both declare their operations on this one blueprint and spec, and neither imports
the other; ``smartcity.app`` imports both before registering the blueprint.
``openapi.json`` here is the regency's one document: the core's operations and
those of every app the regency enabled.
"""

from __future__ import annotations

from flask import Blueprint

from smartcity.api.spec import ApiSpec
from smartcity.tenancy.resolver import current_tenant

blueprint = Blueprint("tenant_api", __name__)
spec = ApiSpec("Smart City tenant API", blueprint)
spec.serve_document("Smart City regency API", lambda: current_tenant().apps)
