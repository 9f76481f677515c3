"""Bearer-token authentication for the API (cookies are never accepted there).

The API is exempt from CSRF, so accepting the browser's session cookie would
let any site drive it; only an ``Authorization: Bearer`` header counts.

Who may call an operation is decided before its view runs, by the app's access
gate and the rule the operation declared (``smartcity.access``); the gate reads
the token with :func:`bearer_principal` and keeps the caller in
``g.api_principal``. Views get it back with :func:`require_user` or
:func:`require_operator`, which also refuse (401) if called where no one signed in.
"""

from __future__ import annotations

from flask import abort, g, request

from smartcity.auth.principal import OperatorPrincipal, TenantPrincipal, load_principal
from smartcity.auth.tokens import read_token
from smartcity.state import platform_state


def bearer_principal() -> OperatorPrincipal | TenantPrincipal | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    settings = platform_state().settings
    identity = read_token(settings.SECRET_KEY, token.strip(), settings.TOKEN_TTL_SECONDS)
    return None if identity is None else load_principal(identity)


def require_operator() -> OperatorPrincipal:
    """The operator calling this operation."""
    principal = g.get("api_principal") or bearer_principal()
    if not isinstance(principal, OperatorPrincipal):
        abort(401, "a valid operator bearer token is required")
    g.api_principal = principal
    return principal


def require_user() -> TenantPrincipal:
    """The regency's user calling this operation (its rule was checked by the gate)."""
    principal = g.get("api_principal") or bearer_principal()
    if not isinstance(principal, TenantPrincipal):
        abort(401, "a valid bearer token for this tenant is required")
    g.api_principal = principal
    return principal
