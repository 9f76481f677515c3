"""The tenant pages' blueprint and who may open them.

Every module of ``smartcity.web`` that serves tenant pages registers its routes
on this one blueprint (``tenant_web``), so endpoint names stay stable however
the views are split; ``smartcity.web.views`` imports them all. Each page
declares its rule with the decorators below (or ``smartcity.access.public``);
the app's gate decides before the view runs, and refuses a page that declared none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint
from flask_login import current_user

from smartcity import access
from smartcity.auth.principal import TenantPrincipal
from smartcity.state import platform_state
from smartcity.tenancy.cache import TenantInfo
from smartcity.tenantcore.models import User
from smartcity.web import install_template_globals
from smartcity.web.branding import install_branding_globals

F = TypeVar("F", bound=Callable[..., Any])

#: What a regency's admin needs for its org units, staff, calendar and settings.
TENANT_MANAGE = "tenant.manage"
#: What managing the regency's user accounts needs.
USERS_MANAGE = "users.manage"

blueprint = Blueprint("tenant_web", __name__)
blueprint.record_once(install_template_globals)
blueprint.record_once(install_branding_globals)


def signed_in(view: F) -> F:
    """Declare a page open to any signed-in user of this regency (see ``smartcity.access``);
    the gate sends an anonymous visitor to the sign-in page, and back afterwards."""
    return access.signed_in(view)


def permitted(*permissions: str) -> Callable[[F], F]:
    """Declare a page open to users holding one of ``permissions`` in this regency;
    the gate answers 403 to anyone else who is signed in."""
    return access.requires(*permissions)


def principal_for(user: User, tenant: TenantInfo) -> TenantPrincipal:
    """Permissions count only the apps enabled for this tenant right now."""
    perms = platform_state().registry.permissions(user.roles, tenant.apps)
    return TenantPrincipal(user, tenant, perms)


def actor() -> str:
    """Who the audit log names for this request's changes."""
    label: str = current_user.label
    return label
