"""Provisioning a regency: role, schema, core tables, chosen apps, first admin.

Everything happens in the caller's one transaction (PostgreSQL DDL and CREATE
ROLE are transactional), so after a failure at any step nothing exists.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.orm import Session

from smartcity.apps import AppRegistry
from smartcity.auth.passwords import password_problem
from smartcity.errors import Conflict, InvalidInput, Message
from smartcity.mail import send_after_commit, tenant_url
from smartcity.migrating import Migrations, install_app, install_core
from smartcity.reference import province_of
from smartcity.sync import reference
from smartcity.tenancy import roles
from smartcity.tenancy.cache import announce_change
from smartcity.tenancy.models import Region, Tenant, TenantApp, TenantStatus
from smartcity.tenancy.names import (
    InvalidSlugError,
    quote_ident,
    role_name,
    schema_name,
    validate_slug,
)
from smartcity.tenancy.scope import as_tenant
from smartcity.tenantcore import audit, orgunit_import, users
from smartcity.tenantcore.models import TenantSettings
from smartcity.tenantcore.password_links import issue_link_token_for, password_letter
from smartcity.tenantcore.settings import timezone_for_region


@dataclass(frozen=True)
class TenantRequest:
    """What an operator asks for when provisioning a regency."""

    slug: str
    name: str
    region_code: str
    admin_email: str
    #: Empty (the console's way): the first admin is invited by e-mail to choose one.
    admin_password: str
    admin_name: str = "Administrator"
    apps: tuple[str, ...] = ()
    #: The operator's explicit choice to provision a region whose regency was archived.
    reprovision: bool = False
    #: Start the regency with the standard perangkat daerah (its admin edits it after).
    standard_units: bool = False


@dataclass
class Provisioning:
    """The state passed from step to step."""

    request: TenantRequest
    registry: AppRegistry
    migrations: Migrations
    role_prefix: str
    actor: str
    apps: list[str] = field(default_factory=list)
    tenant: Tenant | None = None
    #: The archived regency of the same region this one succeeds, if any.
    replaces: str | None = None

    @property
    def schema(self) -> str:
        return schema_name(self.request.slug)

    @property
    def role(self) -> str:
        return role_name(self.role_prefix, self.request.slug)


def tenant_problems(session: Session, p: Provisioning) -> dict[str, str]:
    """What is wrong with the tenant part of a request (slug, name, region, apps).

    Shared with restoring an export, which creates a tenant but no first admin.
    """
    req = p.request
    problems: dict[str, str] = {}
    try:
        validate_slug(req.slug)
    except InvalidSlugError as exc:
        problems["slug"] = Message(exc.msgid, **exc.params)
    if not req.name.strip() or len(req.name) > 200:
        problems["name"] = Message("required, at most 200 characters")
    region = session.get(Region, req.region_code) if isinstance(req.region_code, str) else None
    if region is None or region.level != "kab_kota":
        problems["region_code"] = Message(
            "unknown regency code '%(code)s' (e.g. 33.18)", code=req.region_code
        )
    unknown = [a for a in req.apps if a not in p.registry]
    if unknown:
        problems["apps"] = Message("unknown app(s): %(apps)s", apps=", ".join(map(str, unknown)))
    else:
        p.apps = p.registry.closure(req.apps)
    return problems


def ensure_slug_free(session: Session, slug: str) -> None:
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise Conflict(
            Message("a tenant with slug '%(slug)s' already exists", slug=slug), {"slug": "taken"}
        )


def ensure_region_free(session: Session, p: Provisioning) -> None:
    """One live regency per kode wilayah; after an archive, only when asked explicitly.

    The partial unique index ``uq_tenants_live_region_code`` is the guarantee
    (two operators at once); this check gives the refusal its words.
    """
    code = p.request.region_code
    holders = session.execute(
        select(Tenant.slug, Tenant.status).where(Tenant.region_code == code).order_by(Tenant.id)
    ).all()
    live = [slug for slug, status in holders if status is not TenantStatus.ARCHIVED]
    if live:
        raise Conflict(
            Message("region %(code)s already has a regency: '%(slug)s'", code=code, slug=live[0]),
            {"region_code": Message("already provisioned as '%(slug)s'", slug=live[0])},
        )
    archived = [slug for slug, _status in holders]
    if archived and not p.request.reprovision:
        raise Conflict(
            Message(
                "region %(code)s had a regency that was archived ('%(slug)s'):"
                " tick re-provisioning to create a new one",
                code=code,
                slug=archived[-1],
            ),
            {
                "reprovision": Message(
                    "'%(slug)s' was archived; confirm to provision again", slug=archived[-1]
                )
            },
        )
    p.replaces = archived[-1] if archived else None


def validate_request(session: Session, p: Provisioning) -> None:
    req = p.request
    problems = tenant_problems(session, p)
    try:
        users.normalize_email(req.admin_email, "admin.email")
    except InvalidInput as exc:
        problems.update(exc.fields)

    if req.admin_password and (problem := password_problem(req.admin_password)) is not None:
        problems["admin.password"] = problem
    if problems:
        raise InvalidInput(Message("the tenant cannot be provisioned as asked"), problems)
    ensure_slug_free(session, req.slug)
    ensure_region_free(session, p)


def register_tenant(session: Session, p: Provisioning) -> None:
    req = p.request
    tenant = Tenant(
        slug=req.slug,
        name=req.name.strip(),
        region_code=req.region_code,
        province=province_of(req.region_code) or "",
        settings={},
        apps=[TenantApp(app=name, enabled=True) for name in p.apps],
    )
    session.add(tenant)
    session.flush()
    p.tenant = tenant


def create_role_and_schema(session: Session, p: Provisioning) -> None:
    """Through the provisioner's function: the app itself cannot create roles."""
    roles.create_tenant(session, p.schema)


def install_tenant_core(session: Session, p: Provisioning) -> None:
    """The core's tables, stamped at head, and the grant the fleet migration reads."""
    conn = session.connection()
    with as_tenant(conn, p.schema, p.role):
        install_core(conn, p.schema, p.migrations)
        schema = quote_ident(p.schema)
        # The fleet migration reads every tenant's versions in one query as the
        # app's own role; this is all of a tenant it may see without the role.
        conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO SESSION_USER"))
        conn.execute(text(f"GRANT SELECT ON {schema}.alembic_version TO SESSION_USER"))


def seed_settings(session: Session, p: Provisioning) -> None:
    """The one settings row, with the time zone of the regency's province."""
    with as_tenant(session.connection(), p.schema, p.role) as tenant_session:
        tenant_session.add(
            TenantSettings(
                id=1,
                timezone=timezone_for_region(p.request.region_code),
                work_days=[0, 1, 2, 3, 4],
                weekly_hours=37.5,
                values={},
            )
        )


def install_app_tables(session: Session, p: Provisioning) -> None:
    """Each chosen app's tables, stamped at its head; no hook (a restore brings the data)."""
    _install_apps(session, p, run_hooks=False)


def install_apps(session: Session, p: Provisioning) -> None:
    """Each chosen app's tables, then its on-enable hook (reference data and the like)."""
    _install_apps(session, p, run_hooks=True)


def _install_apps(session: Session, p: Provisioning, *, run_hooks: bool) -> None:
    conn = session.connection()
    with as_tenant(conn, p.schema, p.role) as tenant_session:
        for name in p.apps:
            manifest = p.registry.get(name)
            install_app(conn, p.schema, manifest, p.migrations)
            if run_hooks and manifest.on_enable is not None:
                manifest.on_enable(tenant_session)
                tenant_session.flush()


def push_reference_data(session: Session, p: Provisioning) -> None:
    """National holidays and the other datasets the tenant uses, in this same transaction."""
    assert p.tenant is not None  # noqa: S101 - set by register_tenant
    reference.push(session, p.tenant, registry=p.registry, role_prefix=p.role_prefix, actor=p.actor)


def create_first_admin(session: Session, p: Provisioning) -> None:
    """The regency's first admin; without a password, invited by e-mail after the commit."""
    req = p.request
    assert p.tenant is not None  # noqa: S101 - set by register_tenant
    conn = session.connection()
    with as_tenant(conn, p.schema, p.role) as tenant_session:
        admin = users.create_user(
            tenant_session,
            email=req.admin_email,
            name=req.admin_name,
            # Nobody knows a random one: the admin signs in after choosing their own.
            password=req.admin_password or secrets.token_urlsafe(32),
            roles=["admin"],
            allowed_roles=p.registry.role_names(p.apps),
            actor=p.actor,
        )
        if req.admin_password:
            return
        token = issue_link_token_for(
            tenant_session, p.tenant.id, admin, purpose="invite", actor=p.actor
        )
        letter = password_letter(
            to=admin.email,
            name=admin.name,
            regency=p.tenant.name,
            link=tenant_url(req.slug, f"/set-password/{token}"),
            purpose="invite",
        )
    send_after_commit(session, letter)


def create_standard_units(session: Session, p: Provisioning) -> None:
    """The usual OPD of a kabupaten and the region's kecamatan, when asked for."""
    if not p.request.standard_units:
        return
    with as_tenant(session.connection(), p.schema, p.role) as tenant_session:
        orgunit_import.apply(
            tenant_session,
            orgunit_import.standard_rows(p.request.region_code),
            regency_code=p.request.region_code,
            actor=p.actor,
            source="standard",
            only_missing=True,
        )


def record(session: Session, p: Provisioning) -> None:
    assert p.tenant is not None  # noqa: S101 - set by register_tenant
    audit.record_platform(
        session,
        actor=p.actor,
        action="tenant.provision",
        tenant_id=p.tenant.id,
        slug=p.request.slug,
        apps=p.apps,
        region_code=p.request.region_code,
        standard_units=p.request.standard_units,
        **({"reprovision_of": p.replaces} if p.replaces else {}),
    )
    announce_change(session, p.request.slug)


Step = Callable[[Session, Provisioning], None]
STEPS: tuple[Step, ...] = (
    validate_request,
    register_tenant,
    create_role_and_schema,
    install_tenant_core,
    seed_settings,
    install_apps,
    push_reference_data,
    create_first_admin,
    create_standard_units,
    record,
)


def provision_tenant(
    session: Session,
    request: TenantRequest,
    *,
    registry: AppRegistry,
    migrations: Migrations,
    role_prefix: str,
    actor: str,
) -> Tenant:
    """Run every step in the session's transaction; the caller commits."""
    p = Provisioning(request, registry, migrations, role_prefix, actor)
    try:
        for step in STEPS:
            step(session, p)
    except (IntegrityError, ProgrammingError) as exc:
        raise_if_name_taken(exc, request.slug)
        raise
    assert p.tenant is not None  # noqa: S101
    return p.tenant


def raise_if_name_taken(exc: IntegrityError | ProgrammingError, slug: str) -> None:
    """Turn "already exists" from PostgreSQL (a leftover role or schema) into a Conflict."""
    if "uq_tenants_live_region_code" in str(exc.orig):
        raise Conflict(
            "another regency was just provisioned for this region",
            {"region_code": "already provisioned"},
        ) from exc
    if "already exists" in str(exc.orig) or "duplicate key" in str(exc.orig):
        raise Conflict(
            Message("a tenant, schema or role named '%(slug)s' already exists", slug=slug),
            {"slug": "taken"},
        ) from exc
