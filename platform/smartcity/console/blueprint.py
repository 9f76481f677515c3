"""The console's blueprint and its access rule, shared by the page modules.

Each module of the console (``account``, ``tenants``, ``support``,
``monitoring``) registers its routes on this one blueprint; ``console.views``
imports them all, so the app registers a complete console.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from smartcity.auth.principal import OperatorPrincipal
from smartcity.web import current_path, install_template_globals

P = ParamSpec("P")
R = TypeVar("R")

blueprint = Blueprint("console", __name__)
blueprint.record_once(install_template_globals)


def operator_only(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Send anyone who is not a signed-in operator to the console's sign-in page."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if not isinstance(current_user, OperatorPrincipal):
            return redirect(url_for("console.login", next=current_path()))
        return view(*args, **kwargs)

    return wrapper


def signed_in_operator() -> OperatorPrincipal:
    """The operator of this request; only inside ``operator_only`` views."""
    if not isinstance(current_user, OperatorPrincipal):
        abort(401)
    principal: OperatorPrincipal = current_user
    return principal
