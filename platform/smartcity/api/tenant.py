"""The complete tenant API: importing this registers every core tenant operation.

The operations live in modules that share ``api.tenant_blueprint`` and never
import each other (``tenant_api``: sign-in, the caller, users; ``jobs_api``:
background jobs; ``orgunits_api``: the org units); the app registers the
blueprint from here, so it is never registered half-filled.
"""

from __future__ import annotations

from smartcity.api import jobs_api, orgunits_api, tenant_api
from smartcity.api.tenant_blueprint import blueprint, spec

#: The modules whose operations are on ``blueprint``.
MODULES = (tenant_api, jobs_api, orgunits_api)

__all__ = ["MODULES", "blueprint", "spec"]
