"""Every model of the core, imported once so both metadatas are complete.

Provisioning creates a tenant's tables from ``TenantBase.metadata`` and the
migration comparison test reads both metadatas: a model module nobody imported
would silently be missing from them.
"""

from smartcity.auth import models as auth_models
from smartcity.jobs import models as jobs_models
from smartcity.offboarding import models as offboarding_models
from smartcity.support import models as support_models
from smartcity.sync import models as sync_models
from smartcity.tenancy import models as tenancy_models
from smartcity.tenantcore import models as tenantcore_models
from smartcity.usage import models as usage_models

__all__ = [
    "auth_models",
    "jobs_models",
    "offboarding_models",
    "support_models",
    "sync_models",
    "tenancy_models",
    "tenantcore_models",
    "usage_models",
]
