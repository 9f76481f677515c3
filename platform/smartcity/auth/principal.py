"""Who is making the request, bound to where they may act.

A session or token names its population and, for tenant users, the tenant id:
presented on another tenant (or on the platform) it resolves to nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import Flask, current_app, g
from flask_login import AnonymousUserMixin
from sqlalchemy import BigInteger, bindparam, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached

from smartcity.auth.models import Operator
from smartcity.db import PlainStatement
from smartcity.state import platform_state
from smartcity.tenancy.cache import TenantInfo
from smartcity.tenantcore.models import User

#: Where loaders of other populations' identities are kept (see :func:`init_app`).
LOADERS_KEY = "smartcity.identity_loaders"


@dataclass(frozen=True)
class OperatorPrincipal:
    operator: Operator

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.operator.is_active

    @property
    def label(self) -> str:
        return f"operator:{self.operator.email}"

    def get_id(self) -> str:
        return f"op:{self.operator.id}:{self.operator.credential_version}"


@dataclass(frozen=True)
class TenantPrincipal:
    user: User
    tenant: TenantInfo
    permissions: frozenset[str]

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.user.is_active

    @property
    def label(self) -> str:
        return self.user.email

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def get_id(self) -> str:
        return f"u:{self.tenant.id}:{self.user.id}:{self.user.credential_version}"


class Anonymous(AnonymousUserMixin):  # type: ignore[misc]
    label = "anonymous"

    def can(self, _permission: str) -> bool:
        return False


#: Loads the principal an identity of another population names in this regency, or None.
IdentityLoader = Callable[[str, TenantInfo], "TenantPrincipal | None"]


def init_app(app: Flask, loaders: Mapping[str, IdentityLoader]) -> None:
    """Register loaders for identities other modules issue, by prefix (``s`` for support).

    A support session's identity is ``s:...`` and only ``smartcity.support`` knows
    what it means; the application factory hands its loader in here, so this module
    (a lower layer) never imports the modules built on it.
    """
    app.extensions[LOADERS_KEY] = dict(loaders)


def parse_identity(identity: str) -> tuple[str, int | None, int, int] | None:
    """``op:<id>:<version>`` or ``u:<tenant>:<id>:<version>`` -> parts, else None."""
    parts = identity.split(":")
    try:
        if parts[0] == "op" and len(parts) == 3:
            return "op", None, int(parts[1]), int(parts[2])
        if parts[0] == "u" and len(parts) == 4:
            return "u", int(parts[1]), int(parts[2]), int(parts[3])
    except ValueError:
        return None
    return None


def load_principal(identity: str) -> OperatorPrincipal | TenantPrincipal | None:
    """Resolve an identity within this request's tenant (or the platform)."""
    prefix = identity.partition(":")[0]
    loader: IdentityLoader | None = current_app.extensions.get(LOADERS_KEY, {}).get(prefix)
    if loader is not None:
        here: TenantInfo | None = g.get("tenant")
        return None if here is None else loader(identity, here)
    parsed = parse_identity(identity)
    session = g.get("db")
    if parsed is None or session is None:
        return None
    kind, tenant_id, obj_id, version = parsed
    tenant: TenantInfo | None = g.get("tenant")
    if kind == "op" and tenant is None:
        operator = session.get(Operator, obj_id)
        if _current(operator, version):
            return OperatorPrincipal(operator)
    elif kind == "u" and tenant is not None and tenant.id == tenant_id:
        user = _signed_in_user(session, obj_id)
        if user is not None and _current(user, version):
            perms = platform_state().registry.permissions(user.roles, tenant.apps)
            return TenantPrincipal(user, tenant, perms)
    return None


#: Every mapped column of ``User`` (attribute name, column), in the order
#: :data:`_USER_BY_ID` returns them.
_USER_ATTRIBUTES = tuple((attr.key, attr.columns[0]) for attr in inspect(User).column_attrs)
#: Every authenticated tenant request loads its user (each check-in at the morning
#: peak): one Core SELECT below the ORM's query machinery (see ``PlainStatement``).
_USER_BY_ID = PlainStatement(
    select(*(column for _key, column in _USER_ATTRIBUTES)).where(
        User.id == bindparam("id", type_=BigInteger)
    )
)


def _signed_in_user(session: Session, user_id: int) -> User | None:
    """The user ``user_id`` as an ORM object of ``session``, as a query would give it.

    The row is read as a plain tuple and made into a persistent ``User`` the way
    SQLAlchemy documents for objects loaded elsewhere (``make_transient_to_detached``,
    then ``add``): every column loaded, nothing pending, so a view that changes the
    user (a new password) flushes it as usual. This costs half of what ``scalars()``
    does for the same row (~70 us of CPU per request, measured; see bench/README.md).
    A user already in the session (loaded earlier in this request) is returned as is.
    """
    known = session.identity_map.get(session.identity_key(User, user_id))
    if isinstance(known, User):
        return known
    row = _USER_BY_ID.first(session, {"id": user_id})
    if row is None:
        return None
    user = User(**{key: value for (key, _column), value in zip(_USER_ATTRIBUTES, row, strict=True)})
    make_transient_to_detached(user)
    session.add(user)
    return user


def _current(account: Operator | User | None, version: int) -> bool:
    """Active, and the credentials it was issued for have not changed since."""
    return account is not None and account.is_active and account.credential_version == version
