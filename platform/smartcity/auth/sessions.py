"""Web sessions the server can end: a cookie is honoured only while its version is current.

A session cookie is signed but lives in the browser, so signing out used to
only forget it there: a copy taken before still opened the pages. Now each
account has a ``session_version``; signing in writes the current one into the
session, the user loader (run on every request) refuses a session whose version
is no longer the account's, and signing out bumps it. That ends every web session
of the account (all its browsers), not its API tokens. A password change or a
deactivation already bumps ``credential_version``, which every session and token
names, so those end the other sessions too.

Support sessions are checked against their grant on every request instead.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, session
from flask_login import user_logged_in

from smartcity.auth.models import Operator
from smartcity.auth.principal import OperatorPrincipal, TenantPrincipal, load_principal
from smartcity.tenantcore.models import User

VERSION_KEY = "_session_version"


def init_app(app: Flask) -> None:
    user_logged_in.connect(_note_version, app)


def _account(principal: object) -> Operator | User | None:
    """The account whose version a session follows; None for support sessions."""
    if isinstance(principal, OperatorPrincipal):
        return principal.operator
    if isinstance(principal, TenantPrincipal) and not getattr(principal, "is_support", False):
        return principal.user
    return None


def _note_version(_app: Flask, user: Any, **_extra: Any) -> None:
    account = _account(user)
    if account is not None:
        session[VERSION_KEY] = account.session_version


def load_session_principal(identity: str) -> OperatorPrincipal | TenantPrincipal | None:
    """Flask-Login's user loader: the principal, if this session has not been ended."""
    principal = load_principal(identity)
    account = _account(principal)
    if account is not None and session.get(VERSION_KEY) != account.session_version:
        return None
    return principal


def end_sessions(principal: object) -> None:
    """End every web session of the principal's account (the caller's request commits)."""
    account = _account(principal)
    if account is not None:
        account.session_version += 1
