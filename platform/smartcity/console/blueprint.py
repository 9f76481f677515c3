"""The console's blueprint and its access rule, shared by the page modules.

Each module of the console (``account``, ``tenants``, ``support``,
``monitoring``) registers its routes on this one blueprint; ``console.views``
imports them all, so the app registers a complete console.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort
from flask_login import current_user

from smartcity import access
from smartcity.auth.principal import OperatorPrincipal
from smartcity.web import install_template_globals

F = TypeVar("F", bound=Callable[..., Any])

blueprint = Blueprint("console", __name__)
blueprint.record_once(install_template_globals)


def operator_only(view: F) -> F:
    """Declare a console page for operators only (``smartcity.access``); the gate sends
    anyone else to the console's sign-in page, and back afterwards."""
    return access.operator(view)


def signed_in_operator() -> OperatorPrincipal:
    """The operator of this request; only inside ``operator_only`` views."""
    if not isinstance(current_user, OperatorPrincipal):
        abort(401)
    principal: OperatorPrincipal = current_user
    return principal
