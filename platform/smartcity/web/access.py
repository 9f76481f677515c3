"""The tenant pages' blueprint and who may open them.

Every module of ``smartcity.web`` that serves tenant pages registers its routes
on this one blueprint (``tenant_web``), so endpoint names stay stable however
the views are split; ``smartcity.web.views`` imports them all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from smartcity.auth.principal import TenantPrincipal
from smartcity.state import platform_state
from smartcity.tenancy.cache import TenantInfo
from smartcity.tenantcore.models import User
from smartcity.web import current_path, install_template_globals
from smartcity.web.branding import install_branding_globals

P = ParamSpec("P")
R = TypeVar("R")

#: What a regency's admin needs for its org units, staff, calendar and settings.
TENANT_MANAGE = "tenant.manage"
#: What managing the regency's user accounts needs.
USERS_MANAGE = "users.manage"

blueprint = Blueprint("tenant_web", __name__)
blueprint.record_once(install_template_globals)
blueprint.record_once(install_branding_globals)


def signed_in(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Send an anonymous visitor to this tenant's sign-in page, and back afterwards."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if not isinstance(current_user, TenantPrincipal):
            return redirect(url_for("tenant_web.login", next=current_path()))
        return view(*args, **kwargs)

    return wrapper


def permitted(*permissions: str) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """Signed in and holding one of ``permissions`` in this tenant, else 403."""

    def decorate(view: Callable[P, R]) -> Callable[P, R | Response]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            if not any(current_user.can(p) for p in permissions):
                abort(403)
            return view(*args, **kwargs)

        return signed_in(wrapper)

    return decorate


def principal_for(user: User, tenant: TenantInfo) -> TenantPrincipal:
    """Permissions count only the apps enabled for this tenant right now."""
    perms = platform_state().registry.permissions(user.roles, tenant.apps)
    return TenantPrincipal(user, tenant, perms)


def actor() -> str:
    """Who the audit log names for this request's changes."""
    label: str = current_user.label
    return label
