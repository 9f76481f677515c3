"""``<tenant>/api/v1``: the tenant's users, over JSON (also on the tenant's own host).

Registered on the shared tenant API blueprint (``api.tenant_blueprint``), as
the job operations are (``api.jobs_api``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, url_for
from sqlalchemy import select

from smartcity.access import PUBLIC, SIGNED_IN, permission
from smartcity.api.auth import require_user
from smartcity.api.schemas import (
    Credentials,
    MeOut,
    TokenOut,
    UserCreate,
    UserList,
    UserOut,
    UserPatch,
)
from smartcity.api.tenant_blueprint import spec
from smartcity.auth.principal import TenantPrincipal
from smartcity.auth.throttle import json_email, note_failed_sign_in, throttled_sign_in
from smartcity.auth.tokens import issue_token
from smartcity.errors import Message, ServiceError, Unauthorized
from smartcity.state import platform_state
from smartcity.tenancy.resolver import current_tenant
from smartcity.tenantcore import users
from smartcity.tenantcore.models import User

#: What managing the regency's user accounts needs.
USERS_MANAGE = permission("users.manage")


def user_out(user: User) -> dict[str, Any]:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        roles=sorted(user.roles),
        is_active=user.is_active,
        last_login_at=user.last_login_at,
    ).model_dump(mode="json")


@spec.route(
    "POST",
    "/auth/token",
    "Exchange a tenant user's credentials for a bearer token",
    access=PUBLIC,
    body=Credentials,
    response=TokenOut,
    errors=(401, 429),
    decorators=(throttled_sign_in(json_email),),
)
def issue_user_token(body: Credentials) -> Response:
    tenant = current_tenant()
    user = users.authenticate(g.db, body.email, body.password)
    if user is None:
        note_failed_sign_in()
        raise Unauthorized(Message("wrong email or password"))
    state = platform_state()
    principal = TenantPrincipal(user, tenant, frozenset())
    token = issue_token(state.settings.SECRET_KEY, principal.get_id())
    return jsonify(
        TokenOut(access_token=token, expires_in=state.settings.TOKEN_TTL_SECONDS).model_dump()
    )


@spec.route(
    "GET",
    "/me",
    "The user behind the token, and what they may use",
    access=SIGNED_IN,
    response=MeOut,
)
def me() -> Response:
    principal = require_user()
    return jsonify(
        MeOut.model_validate(
            {
                "user": user_out(principal.user),
                "tenant": principal.tenant.slug,
                "apps": sorted(principal.tenant.apps),
                "permissions": sorted(principal.permissions),
            }
        ).model_dump(mode="json")
    )


@spec.route("GET", "/users", "List users (tenant admin)", access=USERS_MANAGE, response=UserList)
def list_users() -> Response:
    return jsonify(users=[user_out(u) for u in g.db.scalars(select(User).order_by(User.id))])


@spec.route(
    "POST",
    "/users",
    "Create a user (tenant admin)",
    access=USERS_MANAGE,
    body=UserCreate,
    response=UserOut,
    status=201,
    errors=(409,),
)
def create_user(body: UserCreate) -> tuple[Response, int, dict[str, str]]:
    principal = require_user()
    state = platform_state()
    user = users.create_user(
        g.db,
        email=body.email,
        name=body.name,
        password=body.password,
        roles=body.roles,
        allowed_roles=state.registry.role_names(principal.tenant.apps),
        actor=principal.label,
        role_conflicts=state.registry.role_conflicts(principal.tenant.apps),
    )
    return jsonify(user_out(user)), 201, {"Location": url_for(".get_user", user_id=user.id)}


@spec.route(
    "GET",
    "/users/<id:user_id>",
    "One user (tenant admin)",
    access=USERS_MANAGE,
    response=UserOut,
    errors=(404,),
)
def get_user(user_id: int) -> Response:
    return jsonify(user_out(users.get_user(g.db, user_id)))


@spec.route(
    "PATCH",
    "/users/<id:user_id>",
    "Change a user (tenant admin)",
    access=USERS_MANAGE,
    body=UserPatch,
    response=UserOut,
    errors=(404,),
)
def patch_user(body: UserPatch, user_id: int) -> Response:
    principal = require_user()
    state = platform_state()
    user = users.update_user(
        g.db,
        users.get_user(g.db, user_id),
        actor=principal.label,
        allowed_roles=state.registry.role_names(principal.tenant.apps),
        name=body.name,
        roles=body.roles,
        password=body.password,
        is_active=body.is_active,
        role_conflicts=state.registry.role_conflicts(principal.tenant.apps),
    )
    return jsonify(user_out(user))


@spec.route(
    "DELETE",
    "/users/<id:user_id>",
    "Deactivate a user (tenant admin)",
    access=USERS_MANAGE,
    response=UserOut,
    errors=(404,),
)
def deactivate_user(user_id: int) -> Response:
    principal = require_user()
    user = users.get_user(g.db, user_id)
    if user.id == principal.user.id:
        raise ServiceError(Message("you cannot deactivate yourself"), {"id": Message("yourself")})
    return jsonify(user_out(users.deactivate_user(g.db, user, actor=principal.label)))
