"""Which tenant a request is for: from its host, or ``/t/<slug>/`` on the platform host.

Fail closed: an unknown, archived or malformed tenant is a 404, a suspended one
a clear 403 page, one in maintenance a 503; there is never a fallback tenant.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, g, request
from sqlalchemy import select
from werkzeug.wrappers import Request as WerkzeugRequest

from smartcity.db import db
from smartcity.tenancy.cache import TenantCache, TenantInfo
from smartcity.tenancy.models import Tenant, TenantDomain, TenantStatus
from smartcity.tenancy.names import InvalidSlugError, validate_slug

ENVIRON_KEY = "smartcity.tenant_ref"


class TenantPathMiddleware:
    """Moves ``/t/<slug>`` from PATH_INFO into SCRIPT_NAME on the platform host.

    Tenant routes are then declared once, without a prefix, and ``url_for``
    builds ``/t/<slug>/...`` links by itself. On any other host the path is
    left alone and the host names the tenant.
    """

    def __init__(self, wsgi_app: Any, platform_hosts: frozenset[str]) -> None:
        self.wsgi_app = wsgi_app
        self.platform_hosts = platform_hosts

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        host = host_name(WerkzeugRequest(environ).host)
        path = environ.get("PATH_INFO", "")
        if host in self.platform_hosts:
            ref: tuple[str, str] | None = None
            if path.startswith("/t/"):
                slug, _, rest = path[3:].partition("/")
                ref = ("slug", slug)
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/t/" + slug
                environ["PATH_INFO"] = "/" + rest
            environ[ENVIRON_KEY] = ref
        else:
            environ[ENVIRON_KEY] = ("host", host)
        return self.wsgi_app(environ, start_response)


def host_name(host: str) -> str:
    """The host without port, lowercased (``Pati.Example:8000`` -> ``pati.example``)."""
    if host.startswith("["):
        return host.split("]", maxsplit=1)[0] + "]"
    return host.rsplit(":", 1)[0].lower() if ":" in host else host.lower()


def resolve(cache: TenantCache, base_domain: str) -> TenantInfo | None:
    """The request's tenant, or None for a platform request; aborts when unknown."""
    ref = request.environ.get(ENVIRON_KEY)
    if ref is None:
        return None
    kind, value = ref
    if kind == "slug":
        info = _by_slug(cache, value)
    elif value.endswith("." + base_domain) and value.count(".") == base_domain.count(".") + 1:
        info = _by_slug(cache, value[: -len(base_domain) - 1])
    else:
        info = cache.by_domain(value)
    if info is None or info.status is TenantStatus.ARCHIVED:
        abort(404)
    return info


def _by_slug(cache: TenantCache, slug: str) -> TenantInfo | None:
    try:
        validate_slug(slug)
    except InvalidSlugError:
        return None
    return cache.by_slug(slug)


def current_tenant() -> TenantInfo:
    """The tenant of this request; only valid inside tenant routes."""
    tenant: TenantInfo | None = g.get("tenant")
    if tenant is None:
        abort(404)
    return tenant


def regency_url(slug: str, path: str) -> str:
    """A regency's page on its own host, for print (a poster's QR code): its first custom
    domain (``tenant_domains``, alphabetical), else ``<slug>.<BASE_DOMAIN>``, the two
    forms :func:`resolve` serves. The scheme comes from ``PUBLIC_URL`` (and its port,
    on the ``BASE_DOMAIN`` form only). Works in a request and in a job."""
    settings = current_app.extensions["smartcity"].settings
    with db.platform_transaction() as session:
        domain = session.scalar(
            select(TenantDomain.domain)
            .join(Tenant, Tenant.id == TenantDomain.tenant_id)
            .where(Tenant.slug == slug)
            .order_by(TenantDomain.domain)
            .limit(1)
        )
    public = urlsplit(str(settings.PUBLIC_URL))
    scheme = public.scheme or "https"
    if domain:
        return f"{scheme}://{domain}{path}"
    port = f":{public.port}" if public.port else ""
    return f"{scheme}://{slug}.{settings.BASE_DOMAIN}{port}{path}"
