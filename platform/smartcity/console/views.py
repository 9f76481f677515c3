"""The operator console at ``/platform/``: regencies, their health and adoption, support.

Only platform operators get in; the console is served on the platform host only
(``smartcity.app`` answers 404 for it on a tenant host). The routes live in
small modules that share one blueprint (``console.blueprint``); importing them
here registers them all, so the app imports ``blueprint`` from this module:

- ``account``: sign-in (with the TOTP second step), sign-out, two-factor enrolment;
- ``password``: forgotten password by e-mail, change of password;
- ``tenants``: list, provisioning, detail, apps, status, domains;
- ``support``: support sessions (start, enter the tenant, end);
- ``monitoring``: health of every regency, adoption of its apps.
"""

from __future__ import annotations

from smartcity.console import account, monitoring, password, support, tenants
from smartcity.console.blueprint import blueprint

__all__ = ["account", "blueprint", "monitoring", "password", "support", "tenants"]
