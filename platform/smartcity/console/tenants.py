"""The console's regency pages: list, provisioning, detail, apps, status, domains.

Every change goes through a service and ends in a redirect with a flash message
(Post/Redirect/Get), so reloading a page never repeats an action.
"""

from __future__ import annotations

import re

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from smartcity import citus
from smartcity.console.blueprint import blueprint, operator_only
from smartcity.console.domains import remove_domain
from smartcity.console.forms import (
    PROVISIONING_FIELDS,
    ArchiveForm,
    DomainForm,
    SupportForm,
    SuspendForm,
    TenantForm,
)
from smartcity.console.health import tenant_health
from smartcity.errors import ServiceError
from smartcity.state import platform_state
from smartcity.support import grants as support
from smartcity.tenancy import lifecycle
from smartcity.tenancy.models import (
    PlatformAuditEntry,
    Region,
    Tenant,
    TenantStatus,
)
from smartcity.tenancy.names import schema_name
from smartcity.tenancy.provisioning import TenantRequest, provision_tenant
from smartcity.usage.adoption import adoption
from smartcity.web import (
    contains_pattern,
    form_status,
    page_number,
    paginate,
    requires_titles,
    translate,
)
from smartcity.web.audit import vocabulary
from smartcity.web.forms import attach_service_errors, options

TENANTS_PER_PAGE = 20
AUDIT_ENTRIES_SHOWN = 15


# --------------------------------------------------------------------------- tenants


@blueprint.get("/")
@operator_only
def tenant_list() -> str:
    q = request.args.get("q", "").strip()[:100]
    status = request.args.get("status", "")
    query = select(Tenant).options(selectinload(Tenant.apps)).order_by(Tenant.name, Tenant.id)
    if q:
        pattern = contains_pattern(q)
        regions = select(Region.code).where(Region.name.ilike(pattern))
        query = query.where(
            or_(
                Tenant.name.ilike(pattern),
                Tenant.slug.ilike(pattern),
                Tenant.region_code.ilike(pattern),
                Tenant.province.ilike(pattern),
                Tenant.region_code.in_(regions),
            )
        )
    if status in {s.value for s in TenantStatus}:
        query = query.where(Tenant.status == TenantStatus(status))
    else:
        status = ""
    page = paginate(g.db, query, page_number(), TENANTS_PER_PAGE)
    codes = {t.region_code for t in page.items}
    rows = g.db.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    # .all(): dict() of a Result would take it for a mapping (it has .keys()).
    region_names = dict(rows.all())
    state = platform_state()
    # Versions and migration outcomes only (two queries for the page); jobs
    # are on the health page, which reads each tenant.
    health = tenant_health(
        g.db, page.items, migrations=state.migrations, role_prefix=state.settings.role_prefix
    )
    return render_template(
        "console/tenants.html",
        page=page,
        q=q,
        status=status,
        statuses=list(TenantStatus),
        region_names=region_names,
        health=health,
        nodes=_nodes(page.items),
    )


def _nodes(tenants: list[Tenant]) -> dict[str, str]:
    """On Citus, the worker each regency lives on (empty on a single server)."""
    placed = citus.placements(g.db.connection())
    return {
        t.slug: str(placed[schema_name(t.slug)]) for t in tenants if schema_name(t.slug) in placed
    }


@blueprint.route("/tenants/new", methods=["GET", "POST"])
@operator_only
def tenant_new() -> Response | tuple[str, int]:
    state = platform_state()
    form = TenantForm()
    # Loaded before the service runs: a refused provisioning may leave the
    # transaction unusable, and the form must still render its choices.
    regions = g.db.scalars(
        select(Region).where(Region.level == "kab_kota").order_by(Region.name)
    ).all()
    region_options = [f"{r.name} ({r.code})" for r in regions]
    form.apps.choices = options((m.name, m.title) for m in state.registry)
    refused: ServiceError | None = None
    problems: list[str] = []
    if form.validate_on_submit():
        asked = TenantRequest(
            slug=form.slug.data.strip(),
            name=form.name.data.strip(),
            region_code=region_code_of(form.region_code.data),
            admin_email=form.admin_email.data,
            admin_name=form.admin_name.data.strip(),
            admin_password="",  # invited by e-mail: the operator never knows it
            apps=tuple(form.apps.data or ()),
            reprovision=bool(form.reprovision.data),
            standard_units=bool(form.standard_units.data),
        )
        try:
            tenant = provision_tenant(
                g.db,
                asked,
                registry=state.registry,
                migrations=state.migrations,
                role_prefix=state.settings.role_prefix,
                actor=current_user.label,
            )
        except ServiceError as exc:
            refused, problems = exc, attach_service_errors(form, exc, PROVISIONING_FIELDS)
        else:
            flash(
                _(
                    "%(name)s was provisioned; an invitation was e-mailed to %(email)s.",
                    name=tenant.name,
                    email=asked.admin_email,
                ),
                "success",
            )
            return redirect(url_for(".tenant_detail", slug=tenant.slug), 303)
    page = render_template(
        "console/tenant_new.html",
        form=form,
        app_notes=_app_notes(),
        region_options=region_options,
        error=refused,
        problems=problems,
    )
    # Status >= 400 after a refusal: the request boundary rolls back every step taken.
    return page, refused.status if refused else form_status()


def region_code_of(chosen: str) -> str:
    """The code in "Kabupaten Sleman (34.04)" as the datalist offers it, or a typed code."""
    found = _REGION_CODE.search(chosen.strip())
    return found.group(1) if found else chosen.strip()


_REGION_CODE = re.compile(r"(?:^|\()(\d{2}\.\d{2})\)?$")


def _app_notes() -> dict[str, str]:
    """What to show under each app's checkbox: its description and what it requires."""
    registry = platform_state().registry
    notes: dict[str, str] = {}
    for manifest in registry:
        parts = [translate(manifest.description)] if manifest.description else []
        if manifest.requires:
            parts.append(_("Requires: %(apps)s", apps=requires_titles(manifest)))
        notes[manifest.name] = " · ".join(parts)
    return notes


def detail_page(
    tenant: Tenant,
    *,
    domain_form: DomainForm | None = None,
    support_form: SupportForm | None = None,
    archive_form: ArchiveForm | None = None,
    suspend_form: SuspendForm | None = None,
    error: ServiceError | None = None,
    status: int = 200,
) -> tuple[str, int]:
    state = platform_state()
    registry = state.registry
    enabled = set(lifecycle.enabled_apps(tenant))
    audit = g.db.scalars(
        select(PlatformAuditEntry)
        .where(PlatformAuditEntry.tenant_id == tenant.id)
        .order_by(PlatformAuditEntry.at.desc(), PlatformAuditEntry.id.desc())
        .limit(AUDIT_ENTRIES_SHOWN)
    ).all()
    page = render_template(
        "console/tenant_detail.html",
        t=tenant,
        region=g.db.get(Region, tenant.region_code),
        apps=[(manifest, manifest.name in enabled) for manifest in registry],
        unknown_apps=sorted(enabled - set(registry.names)),
        health=tenant_health(
            g.db,
            [tenant],
            migrations=state.migrations,
            role_prefix=state.settings.role_prefix,
            with_jobs=True,
        )[tenant.id],
        usage=adoption(g.db, [tenant.id])[tenant.id],
        grants=support.recent_grants(g.db, tenant),
        grant_open=support.is_open,
        operator_id=current_user.operator.id,
        audit=audit,
        audit_words=vocabulary(),
        domain_form=domain_form or DomainForm(),
        support_form=support_form or SupportForm(),
        archive_form=archive_form or ArchiveForm(),
        suspend_form=suspend_form or SuspendForm(contact=current_user.operator.email),
        open_url=f"{request.script_root}/t/{tenant.slug}/",
        error=error,
        lang_page=url_for(".tenant_detail", slug=tenant.slug),
    )
    return page, status


@blueprint.get("/tenants/<slug>")
@operator_only
def tenant_detail(slug: str) -> tuple[str, int]:
    return detail_page(lifecycle.get_tenant(g.db, slug))


@blueprint.post("/tenants/<slug>/apps/<app>/<any(enable, disable):action>")
@operator_only
def tenant_app(slug: str, app: str, action: str) -> Response | tuple[str, int]:
    state = platform_state()
    tenant = lifecycle.get_tenant(g.db, slug, for_update=True)
    try:
        if action == "enable":
            changed = lifecycle.enable_app(
                g.db,
                tenant,
                app,
                registry=state.registry,
                migrations=state.migrations,
                role_prefix=state.settings.role_prefix,
                actor=current_user.label,
            )
        else:
            changed = lifecycle.disable_app(
                g.db,
                tenant,
                app,
                registry=state.registry,
                role_prefix=state.settings.role_prefix,
                actor=current_user.label,
            )
    except ServiceError as exc:
        return detail_page(tenant, error=exc, status=exc.status)
    title = state.registry.get(app).title
    if not changed:
        flash(_("Nothing to do: %(app)s was already in that state.", app=title), "info")
    elif action == "enable":
        flash(_("%(app)s is enabled for %(name)s.", app=title, name=tenant.name), "success")
    else:
        flash(
            _("%(app)s is disabled for %(name)s; its data is kept.", app=title, name=tenant.name),
            "success",
        )
    return redirect(url_for(".tenant_detail", slug=slug), 303)


@blueprint.post("/tenants/<slug>/<any(suspend, resume, archive):action>")
@operator_only
def tenant_status(slug: str, action: str) -> Response | tuple[str, int]:
    tenant = lifecycle.get_tenant(g.db, slug, for_update=True)
    if action == "archive":
        form = ArchiveForm()
        if not form.validate_on_submit() or form.confirm_slug.data.strip() != tenant.slug:
            if not form.confirm_slug.errors:
                form.confirm_slug.errors = [
                    _("Type %(slug)s exactly to archive this regency.", slug=tenant.slug)
                ]
            return detail_page(tenant, archive_form=form, status=422)
    reason = contact = None
    if action == "suspend":
        suspend_form = SuspendForm()
        if not suspend_form.validate_on_submit():
            return detail_page(tenant, suspend_form=suspend_form, status=422)
        reason, contact = suspend_form.reason.data, suspend_form.contact.data
    try:
        lifecycle.change_status(
            g.db, tenant, action, actor=current_user.label, reason=reason, contact=contact
        )
    except ServiceError as exc:
        return detail_page(tenant, error=exc, status=exc.status)
    messages = {
        "suspend": _("%(name)s is suspended: its users see a notice.", name=tenant.name),
        "resume": _("%(name)s is active again.", name=tenant.name),
        "archive": _(
            "%(name)s is archived: it is no longer served; its data is kept.", name=tenant.name
        ),
    }
    flash(messages[action], "success")
    return redirect(url_for(".tenant_detail", slug=slug), 303)


@blueprint.post("/tenants/<slug>/domains")
@operator_only
def tenant_domain(slug: str) -> Response | tuple[str, int]:
    tenant = lifecycle.get_tenant(g.db, slug, for_update=True)
    form = DomainForm()
    if not form.validate_on_submit():
        return detail_page(tenant, domain_form=form, status=422)
    try:
        row = lifecycle.add_domain(g.db, tenant, form.domain.data, actor=current_user.label)
    except ServiceError as exc:
        problems = attach_service_errors(form, exc)
        return detail_page(
            tenant, domain_form=form, error=None if not problems else exc, status=exc.status
        )
    flash(_("%(domain)s now serves %(name)s.", domain=row.domain, name=tenant.name), "success")
    return redirect(url_for(".tenant_detail", slug=slug), 303)


@blueprint.post("/tenants/<slug>/domains/<id:domain_id>/remove")
@operator_only
def tenant_domain_remove(slug: str, domain_id: int) -> Response:
    tenant = lifecycle.get_tenant(g.db, slug, for_update=True)
    domain = remove_domain(g.db, tenant, domain_id, actor=current_user.label)
    flash(_("%(domain)s no longer serves %(name)s.", domain=domain, name=tenant.name), "success")
    return redirect(url_for(".tenant_detail", slug=slug), 303)
