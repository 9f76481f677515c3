"""Changing a provisioned tenant: its apps, its status, its domains."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from smartcity import signals
from smartcity.apps import AppRegistry
from smartcity.errors import Conflict, InvalidInput, Message, NotFound
from smartcity.migrating import Migrations, install_app
from smartcity.sync import reference
from smartcity.tenancy.cache import announce_change
from smartcity.tenancy.models import Tenant, TenantApp, TenantDomain, TenantStatus
from smartcity.tenancy.names import InvalidSlugError, role_name, schema_name, validate_slug
from smartcity.tenancy.scope import as_tenant
from smartcity.tenantcore import audit


def get_tenant(session: Session, slug: str, *, for_update: bool = False) -> Tenant:
    try:
        validate_slug(slug)
    except InvalidSlugError:
        raise NotFound(Message("no tenant '%(slug)s'", slug=slug)) from None
    query = select(Tenant).where(Tenant.slug == slug).options(selectinload(Tenant.apps))
    if for_update:
        query = query.with_for_update(of=Tenant)
    tenant = session.scalar(query)
    if tenant is None:
        raise NotFound(Message("no tenant '%(slug)s'", slug=slug))
    return tenant


def enabled_apps(tenant: Tenant) -> list[str]:
    return [a.app for a in tenant.apps if a.enabled]


def enable_app(
    session: Session,
    tenant: Tenant,
    app: str,
    *,
    registry: AppRegistry,
    migrations: Migrations,
    role_prefix: str,
    actor: str,
) -> bool:
    """Install the app's branch if missing, run its hook, switch it on; False if already on."""
    if app not in registry:
        raise NotFound(Message("unknown app '%(app)s'", app=app), {"app": "unknown"})
    manifest = registry.get(app)
    enabled = set(enabled_apps(tenant))
    if app in enabled:
        return False
    # An app, or a capability whose provider (the app its name starts with) is off.
    missing = [dep for dep in manifest.requires if dep.split(".")[0] not in enabled]
    if missing:
        raise Conflict(
            Message("'%(app)s' requires %(apps)s: enable it first", app=app, apps=missing[0])
            if len(missing) == 1
            else Message(
                "'%(app)s' requires %(apps)s: enable them first", app=app, apps=", ".join(missing)
            ),
            {"app": Message("requires %(apps)s", apps=", ".join(missing))},
        )
    conn = session.connection()
    schema, role = schema_name(tenant.slug), role_name(role_prefix, tenant.slug)
    with as_tenant(conn, schema, role) as tenant_session:
        install_app(conn, schema, manifest, migrations)
        if manifest.on_enable is not None:
            manifest.on_enable(tenant_session)
        audit.record(tenant_session, actor=actor, action="app.enable", entity="app", entity_id=app)
        signals.app_enabled.send(
            tenant.slug, session=session, tenant_session=tenant_session, app=app
        )
    row = next((a for a in tenant.apps if a.app == app), None)
    if row is None:
        tenant.apps.append(TenantApp(app=app, enabled=True))
    else:
        row.enabled = True
    audit.record_platform(session, actor=actor, action="app.enable", tenant_id=tenant.id, app=app)
    reference.push(
        session,
        tenant,
        registry=registry,
        role_prefix=role_prefix,
        actor=actor,
        datasets=reference.app_datasets(manifest),
    )
    announce_change(session, tenant.slug)
    session.flush()
    return True


def disable_app(
    session: Session,
    tenant: Tenant,
    app: str,
    *,
    registry: AppRegistry,
    role_prefix: str,
    actor: str,
) -> bool:
    """Hide the app from the tenant; its tables and data stay. False if already off."""
    if app not in registry:
        raise NotFound(Message("unknown app '%(app)s'", app=app), {"app": "unknown"})
    enabled = set(enabled_apps(tenant))
    if app not in enabled:
        return False
    dependents = [d for d in registry.dependents(app) if d in enabled]
    if dependents:
        raise Conflict(
            Message(
                "'%(app)s' is required by %(names)s: disable those first",
                app=app,
                names=", ".join(dependents),
            ),
            {"app": Message("required by %(names)s", names=", ".join(dependents))},
        )
    for row in tenant.apps:
        if row.app == app:
            row.enabled = False
    conn = session.connection()
    manifest = registry.get(app)
    with as_tenant(conn, schema_name(tenant.slug), role_name(role_prefix, tenant.slug)) as ts:
        if manifest.on_disable is not None:
            manifest.on_disable(ts)
        audit.record(ts, actor=actor, action="app.disable", entity="app", entity_id=app)
        signals.app_disabled.send(tenant.slug, session=session, tenant_session=ts, app=app)
    audit.record_platform(session, actor=actor, action="app.disable", tenant_id=tenant.id, app=app)
    announce_change(session, tenant.slug)
    session.flush()
    return True


_STATUS_SIGNALS = {"suspend": signals.tenant_suspended, "resume": signals.tenant_resumed}
_TRANSITIONS = {
    "suspend": ({TenantStatus.ACTIVE}, TenantStatus.SUSPENDED),
    "resume": ({TenantStatus.SUSPENDED}, TenantStatus.ACTIVE),
    "archive": ({TenantStatus.ACTIVE, TenantStatus.SUSPENDED}, TenantStatus.ARCHIVED),
}


SUSPENSION_REASON_MAX = 500
SUSPENSION_CONTACT_MAX = 200


def _suspension(reason: str | None, contact: str | None) -> tuple[str, str | None]:
    """The reason (required: the regency's users are told why) and the contact, trimmed."""
    reason, contact = (reason or "").strip(), (contact or "").strip() or None
    problems: dict[str, str] = {}
    if not reason:
        problems["reason"] = Message("required")
    elif len(reason) > SUSPENSION_REASON_MAX:
        problems["reason"] = Message("at most %(count)s characters", count=SUSPENSION_REASON_MAX)
    if contact is not None and len(contact) > SUSPENSION_CONTACT_MAX:
        problems["contact"] = Message("at most %(count)s characters", count=SUSPENSION_CONTACT_MAX)
    if problems:
        raise InvalidInput(
            Message("say why the regency is suspended (its users are shown the reason)"),
            problems,
        )
    return reason, contact


def change_status(
    session: Session,
    tenant: Tenant,
    action: str,
    *,
    actor: str,
    reason: str | None = None,
    contact: str | None = None,
) -> Tenant:
    """suspend (users see a notice), resume, archive (the tenant disappears; data kept).

    Suspending takes a ``reason`` and, optionally, whom to ``contact``: the
    regency's users see both instead of their pages, and the audit entry keeps them.

    Archiving here only hides the tenant and records ``archived_at``; its schema is
    dropped later by ``smartcity tenants purge``, and only if an export was taken at
    or after that moment (``smartcity tenants archive`` exports first, in the same
    transaction; see ``smartcity.offboarding``).
    """
    allowed_from, target = _TRANSITIONS[action]
    if tenant.status not in allowed_from:
        raise Conflict(
            Message(
                "cannot %(action)s a tenant that is %(status)s",
                action=action,
                status=tenant.status.value,
            ),
            {"status": tenant.status},
        )
    detail: dict[str, str] = {}
    if action == "suspend":
        detail["reason"], contact = _suspension(reason, contact)
        if contact is not None:
            detail["contact"] = contact
        tenant.suspension_reason, tenant.suspension_contact = detail["reason"], contact
    elif action == "resume":
        tenant.suspension_reason = tenant.suspension_contact = None
    before = tenant.status
    tenant.status = target
    if target is TenantStatus.ARCHIVED:
        tenant.archived_at = func.now()
    audit.record_platform(
        session,
        actor=actor,
        action=f"tenant.{action}",
        tenant_id=tenant.id,
        before=before.value,
        after=target.value,
        **detail,
    )
    announce_change(session, tenant.slug)
    session.flush()
    if action in _STATUS_SIGNALS:
        _STATUS_SIGNALS[action].send(tenant.slug, session=session)
    return tenant


def add_domain(session: Session, tenant: Tenant, domain: str, *, actor: str) -> TenantDomain:
    domain = domain.strip().lower().rstrip(".")
    labels = domain.split(".")
    if (
        len(domain) > 253
        or len(labels) < 2
        or not all(
            label
            and len(label) <= 63
            and label.replace("-", "").isalnum()
            and label.isascii()
            and not label.startswith("-")
            and not label.endswith("-")
            for label in labels
        )
    ):
        raise InvalidInput(
            Message("'%(domain)s' is not a host name", domain=domain), {"domain": "not a host name"}
        )
    if session.scalar(select(TenantDomain.id).where(TenantDomain.domain == domain)):
        raise Conflict(
            Message("'%(domain)s' already serves a tenant", domain=domain), {"domain": "taken"}
        )
    row = TenantDomain(domain=domain)
    tenant.domains.append(row)
    audit.record_platform(
        session, actor=actor, action="domain.add", tenant_id=tenant.id, domain=domain
    )
    announce_change(session, tenant.slug)
    session.flush()
    return row
