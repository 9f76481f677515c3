"""Support sessions from the console: start one, enter the tenant with it, end it.

Starting a session takes the operator straight into the tenant: the grant and
its audit entries commit with the request, whose redirect carries a one-time
hand-over token to the tenant's address (see ``smartcity.support.grants``). A
new tab or a lost cookie only needs "Enter" again, never a new grant.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from smartcity.console.blueprint import blueprint, operator_only, signed_in_operator
from smartcity.console.forms import SupportForm
from smartcity.console.tenants import detail_page
from smartcity.errors import ServiceError
from smartcity.state import platform_state
from smartcity.support import grants
from smartcity.tenancy import lifecycle
from smartcity.web.forms import attach_service_errors, confirmed, flash_unconfirmed


@blueprint.post("/tenants/<slug>/support")
@operator_only
def support_start(slug: str) -> Response | tuple[str, int]:
    principal = signed_in_operator()
    tenant = lifecycle.get_tenant(g.db, slug, for_update=True)
    form = SupportForm()
    if not form.validate_on_submit():
        return detail_page(tenant, support_form=form, status=422)
    try:
        grant = grants.start_support(
            g.db,
            tenant,
            principal.operator,
            reason=form.reason.data,
            minutes=form.minutes.data,
            role_prefix=platform_state().settings.role_prefix,
        )
    except ServiceError as exc:
        problems = attach_service_errors(form, exc)
        return detail_page(
            tenant,
            support_form=form,
            error=exc if problems or not exc.fields else None,
            status=exc.status,
        )
    # Straight in: this request commits the grant before the browser follows
    # the redirect (the request boundary commits in after_request).
    return _hand_over(
        tenant.slug,
        grants.issue_handover(
            g.db, grant, principal.operator, platform_state().settings.SECRET_KEY
        ),
    )


def _hand_over(slug: str, token: str) -> Response:
    # The tenant lives under /t/<slug>/ on this host, where its own cookie is set.
    target = f"{request.script_root}/t/{slug}/support/enter?{urlencode({'token': token})}"
    return redirect(target, 303)


@blueprint.post("/tenants/<slug>/support/<id:grant_id>/enter")
@operator_only
def support_enter(slug: str, grant_id: int) -> Response | tuple[str, int]:
    """Hand the operator over to the tenant's address, signed in as support."""
    principal = signed_in_operator()
    tenant = lifecycle.get_tenant(g.db, slug)
    grant = grants.get_grant(g.db, tenant, grant_id)
    try:
        token = grants.issue_handover(
            g.db, grant, principal.operator, platform_state().settings.SECRET_KEY
        )
    except ServiceError as exc:
        return detail_page(tenant, error=exc, status=exc.status)
    return _hand_over(tenant.slug, token)


@blueprint.post("/tenants/<slug>/support/<id:grant_id>/end")
@operator_only
def support_end(slug: str, grant_id: int) -> Response:
    principal = signed_in_operator()
    tenant = lifecycle.get_tenant(g.db, slug)
    grant = grants.get_grant(g.db, tenant, grant_id)
    if not confirmed():
        flash_unconfirmed()
        return redirect(url_for(".tenant_detail", slug=slug), 303)
    ended = grants.end_support(
        g.db,
        tenant,
        grant,
        actor=principal.label,
        role_prefix=platform_state().settings.role_prefix,
    )
    if ended:
        flash(_("The support session has ended."), "success")
    else:
        flash(_("That support session had already ended."), "info")
    return redirect(url_for(".tenant_detail", slug=slug), 303)
