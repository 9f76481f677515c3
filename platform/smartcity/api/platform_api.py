"""``/platform/api/v1``: what Bandung's operators do, over JSON.

Every operation is for operators (the spec's default rule) except the token
exchange and the document, which are public.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from smartcity.access import OPERATOR, PUBLIC
from smartcity.api.auth import require_operator
from smartcity.api.schemas import (
    AppState,
    Credentials,
    TenantCreate,
    TenantList,
    TenantOut,
    TenantSuspend,
    TokenOut,
)
from smartcity.api.spec import ApiSpec
from smartcity.auth.principal import OperatorPrincipal
from smartcity.auth.throttle import (
    TOO_MANY_CODES,
    clear_wrong_codes,
    count_wrong_code,
    json_email,
    note_failed_sign_in,
    second_factor_locked,
    throttled_sign_in,
)
from smartcity.auth.tokens import issue_token
from smartcity.errors import Message, TooManyRequests, Unauthorized
from smartcity.operators import (
    authenticate_operator,
    check_second_factor,
    record_sign_in,
    requires_second_factor,
)
from smartcity.state import platform_state
from smartcity.tenancy import lifecycle
from smartcity.tenancy.models import Tenant
from smartcity.tenancy.provisioning import TenantRequest, provision_tenant

blueprint = Blueprint("platform_api", __name__)
spec = ApiSpec("Smart City platform API", blueprint, default_access=OPERATOR)
spec.serve_document("Smart City platform API", lambda: ())


def tenant_out(tenant: Tenant) -> dict[str, Any]:
    return TenantOut(
        slug=tenant.slug,
        name=tenant.name,
        region_code=tenant.region_code,
        province=tenant.province,
        status=tenant.status.value,
        maintenance=tenant.maintenance,
        apps=sorted(a.app for a in tenant.apps if a.enabled),
        domains=sorted(d.domain for d in tenant.domains),
        created_at=tenant.created_at,
        suspension_reason=tenant.suspension_reason,
        suspension_contact=tenant.suspension_contact,
    ).model_dump(mode="json")


@spec.route(
    "POST",
    "/auth/token",
    "Exchange operator credentials for a bearer token",
    access=PUBLIC,
    body=Credentials,
    response=TokenOut,
    errors=(401, 429),
    decorators=(throttled_sign_in(json_email),),
)
def issue_operator_token(body: Credentials) -> Response:
    operator = authenticate_operator(g.db, body.email, body.password)
    if operator is None:
        note_failed_sign_in()
        raise Unauthorized(Message("wrong email or password"))
    if requires_second_factor(operator):
        if second_factor_locked(operator.id):
            raise TooManyRequests(TOO_MANY_CODES, {"otp": Message("locked")})
        if not check_second_factor(g.db, operator, body.otp):
            # The same answer with no code and a wrong one; it counts against the
            # sign-in limit and the operator's code tries, so codes cannot be guessed.
            note_failed_sign_in()
            if body.otp:
                count_wrong_code(operator.id)
            raise Unauthorized(
                Message("a valid one-time code (otp) is required"), {"otp": Message("required")}
            )
        clear_wrong_codes(operator.id)
    record_sign_in(operator)
    settings = platform_state().settings
    token = issue_token(settings.SECRET_KEY, OperatorPrincipal(operator).get_id())
    return jsonify(TokenOut(access_token=token, expires_in=settings.TOKEN_TTL_SECONDS).model_dump())


@spec.route("GET", "/tenants", "List tenants", response=TenantList)
def list_tenants() -> Response:
    require_operator()
    tenants = g.db.scalars(
        select(Tenant)
        .options(selectinload(Tenant.apps), selectinload(Tenant.domains))
        .order_by(Tenant.slug)
    )
    return jsonify(tenants=[tenant_out(t) for t in tenants])


@spec.route(
    "POST",
    "/tenants",
    "Provision a regency (role, schema, apps, first admin) in one transaction; the first "
    "admin is e-mailed an invitation on the regency's own host",
    body=TenantCreate,
    response=TenantOut,
    status=201,
    errors=(409,),
)
def create_tenant(body: TenantCreate) -> tuple[Response, int, dict[str, str]]:
    operator = require_operator()
    state = platform_state()
    tenant = provision_tenant(
        g.db,
        TenantRequest(
            slug=body.slug,
            name=body.name,
            region_code=body.region_code,
            apps=tuple(body.apps),
            admin_email=body.admin.email,
            admin_password="",  # invited by e-mail, as from the console
            admin_name=body.admin.name,
            reprovision=body.reprovision,
            standard_units=body.standard_units,
        ),
        registry=state.registry,
        migrations=state.migrations,
        role_prefix=state.settings.role_prefix,
        actor=operator.label,
    )
    location = url_for(".get_tenant", slug=tenant.slug)
    return jsonify(tenant_out(tenant)), 201, {"Location": location}


@spec.route("GET", "/tenants/<slug>", "One tenant", response=TenantOut, errors=(404,))
def get_tenant(slug: str) -> Response:
    require_operator()
    return jsonify(tenant_out(lifecycle.get_tenant(g.db, slug)))


@spec.route(
    "PUT",
    "/tenants/<slug>/apps/<app>",
    "Enable an app (installs its tables if missing)",
    response=AppState,
    errors=(404, 409),
)
def enable_app(slug: str, app: str) -> Response:
    operator = require_operator()
    state = platform_state()
    tenant = lifecycle.get_tenant(g.db, slug, for_update=True)
    changed = lifecycle.enable_app(
        g.db,
        tenant,
        app,
        registry=state.registry,
        migrations=state.migrations,
        role_prefix=state.settings.role_prefix,
        actor=operator.label,
    )
    return jsonify(AppState(app=app, enabled=True, changed=changed).model_dump())


@spec.route(
    "DELETE",
    "/tenants/<slug>/apps/<app>",
    "Disable an app (its data is kept)",
    response=AppState,
    errors=(404, 409),
)
def disable_app(slug: str, app: str) -> Response:
    operator = require_operator()
    state = platform_state()
    tenant = lifecycle.get_tenant(g.db, slug, for_update=True)
    changed = lifecycle.disable_app(
        g.db,
        tenant,
        app,
        registry=state.registry,
        role_prefix=state.settings.role_prefix,
        actor=operator.label,
    )
    return jsonify(AppState(app=app, enabled=False, changed=changed).model_dump())


def _status_change(slug: str, action: str, body: TenantSuspend | None = None) -> Response:
    operator = require_operator()
    tenant = lifecycle.get_tenant(g.db, slug, for_update=True)
    lifecycle.change_status(
        g.db,
        tenant,
        action,
        actor=operator.label,
        reason=body.reason if body is not None else None,
        contact=body.contact if body is not None else None,
    )
    return jsonify(tenant_out(tenant))


@spec.route(
    "POST",
    "/tenants/<slug>/suspend",
    "Suspend a tenant; its users see the reason and whom to contact",
    body=TenantSuspend,
    response=TenantOut,
    errors=(404, 409),
)
def suspend(body: TenantSuspend, slug: str) -> Response:
    return _status_change(slug, "suspend", body)


@spec.route(
    "POST",
    "/tenants/<slug>/resume",
    "Resume a suspended tenant",
    response=TenantOut,
    errors=(404, 409),
)
def resume(slug: str) -> Response:
    return _status_change(slug, "resume")


@spec.route(
    "POST",
    "/tenants/<slug>/archive",
    "Archive a tenant (its data is kept)",
    response=TenantOut,
    errors=(404, 409),
)
def archive(slug: str) -> Response:
    return _status_change(slug, "archive")
