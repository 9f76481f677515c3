"""The application factory: one Flask app serving the platform and every tenant."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping
from typing import Any, NoReturn

from flask import (
    Flask,
    Request,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import NullSession, SecureCookieSession, SecureCookieSessionInterface
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.middleware.proxy_fix import ProxyFix

from smartcity import access, i18n, public, security_headers
from smartcity import mail as outgoing_mail
from smartcity.api.auth import bearer_principal
from smartcity.apps import AppManifest, AppRegistry, MenuEntry
from smartcity.auth import principal as principals
from smartcity.auth import sessions as web_sessions
from smartcity.auth.principal import Anonymous
from smartcity.bounds import CONVERTERS
from smartcity.config import Settings
from smartcity.db import db, sqlalchemy_url
from smartcity.errors import Message, ServiceError, as_message
from smartcity.extensions import csrf, limiter, login_manager
from smartcity.landing import landing_page, wants_landing_page
from smartcity.logconfig import redact_url
from smartcity.migrating import Migrations
from smartcity.request_guard import BoundedJSONProvider, refuse_nul_bytes
from smartcity.state import BlueprintKind, PlatformState, platform_state
from smartcity.support.principal import (
    SUPPORT_PREFIX,
    load_support_principal,
    record_support_request,
)
from smartcity.tenancy.cache import TenantCache, TenantInfo
from smartcity.tenancy.models import TenantStatus
from smartcity.tenancy.names import SLUG_PATTERN
from smartcity.tenancy.resolver import ENVIRON_KEY, TenantPathMiddleware, resolve
from smartcity.usage.activity import record_activity
from smartcity.web import current_path, translate

log = logging.getLogger(__name__)
CONSOLE_PREFIX = "/platform"
API_PREFIXES = ("/api/", f"{CONSOLE_PREFIX}/api/")
LOCALES = ("id", "en")
# More proxies than this in front of one deployment is a misconfiguration, not a topology.
MAX_PROXY_HOPS = 5


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    if not settings.SECRET_KEY and not settings.TESTING:
        raise RuntimeError("SMARTCITY_SECRET_KEY must be set (python3 dev.py up generates one)")
    if not 0 <= settings.PROXY_HOPS <= MAX_PROXY_HOPS:
        raise RuntimeError(f"SMARTCITY_PROXY_HOPS must be 0 to {MAX_PROXY_HOPS}")
    app = Flask(__name__)
    _configure_flask(app, settings)
    # Bounded numbers in every route (``<id:...>``, ``<year:...>``) and bounded JSON depth,
    # both before any blueprint is registered.
    app.url_map.converters.update(CONVERTERS)
    app.json = BoundedJSONProvider(app)

    db.configure_from(settings)
    registry = AppRegistry.load(settings.APPS)
    cache = TenantCache(
        db.engine,
        settings.role_prefix,
        settings.TENANT_CACHE_SECONDS,
        # LISTEN needs a session of its own: never through a transaction-mode pooler.
        listen_url=sqlalchemy_url(settings.app_database_url).replace("+psycopg", ""),
    )
    db.on_registry_change[:] = [cache.invalidate]
    app.extensions["smartcity"] = PlatformState(
        settings, registry, Migrations(settings, registry), cache
    )

    app.session_interface = TenantCookieSessions()
    security_headers.init_app(app, https=settings.SECURE_COOKIES)
    # An operator in a support session is a principal of the regency (smartcity.support).
    principals.init_app(app, {SUPPORT_PREFIX: load_support_principal})
    login_manager.init_app(app)
    login_manager.user_loader(web_sessions.load_session_principal)
    web_sessions.init_app(app)
    login_manager.anonymous_user = Anonymous
    csrf.init_app(app)
    i18n.init_app(app, registry, locale_selector=_select_locale, timezone_selector=_select_timezone)
    limiter.init_app(app)
    outgoing_mail.init_app(app)

    _register_blueprints(app, registry)
    app.before_request(_open_request)
    app.before_request(refuse_nul_bytes)  # after the tenant is known, for the error page
    app.before_request(_check_access)  # after the tenant's session exists: it loads principals
    app.after_request(_finish_request)
    app.teardown_request(_close_request)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(OperationalError, _lost_a_race)
    app.context_processor(_template_context)

    app.wsgi_app = TenantPathMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, frozenset({settings.BASE_DOMAIN, *settings.PLATFORM_HOSTS})
    )
    if settings.PROXY_HOPS:
        # Outermost, so that everything below (rate limits per address, sign-in
        # throttles, e-Kinerja's office networks) sees the client, not the proxy.
        # The host is never taken from a header: it picks the regency.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.PROXY_HOPS, x_proto=settings.PROXY_HOPS
        )
    return app


def _configure_flask(app: Flask, settings: Settings) -> None:
    app.config.update(
        SECRET_KEY=settings.SECRET_KEY or secrets.token_hex(32),
        TESTING=settings.TESTING,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.SECURE_COOKIES,
        REMEMBER_COOKIE_SECURE=settings.SECURE_COOKIES,
        PREFERRED_URL_SCHEME="https" if settings.SECURE_COOKIES else "http",
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=settings.DEFAULT_LOCALE,
        BABEL_DEFAULT_TIMEZONE="Asia/Jakarta",
        RATELIMIT_STORAGE_URI=settings.REDIS_URL,
        RATELIMIT_KEY_PREFIX=f"{settings.role_prefix}:limits",
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_HEADERS_ENABLED=True,
    )


def _register_blueprints(app: Flask, registry: AppRegistry) -> None:
    from smartcity.api.platform_api import blueprint as platform_api
    from smartcity.api.tenant import blueprint as tenant_api
    from smartcity.console.views import blueprint as console
    from smartcity.health import blueprint as health
    from smartcity.support.views import blueprint as support_web
    from smartcity.web.views import blueprint as tenant_web

    state = platform_state_of(app)

    def register(bp: Any, kind: BlueprintKind, app_name: str | None = None, **kw: Any) -> None:
        app.register_blueprint(bp, **kw)
        state.blueprint_kind[bp.name] = kind
        if app_name is not None:
            state.blueprint_app[bp.name] = app_name

    register(health, "any")
    register(console, "platform", url_prefix=CONSOLE_PREFIX)
    register(platform_api, "platform", url_prefix=f"{CONSOLE_PREFIX}/api/v1")
    register(tenant_web, "tenant")
    register(support_web, "tenant")
    register(tenant_api, "tenant", url_prefix="/api/v1")
    csrf.exempt(platform_api)
    csrf.exempt(tenant_api)
    for manifest in registry:
        if manifest.blueprint is not None:
            register(manifest.blueprint(), "tenant", manifest.name, url_prefix=f"/{manifest.name}")
        if manifest.api_blueprint is not None:
            api_bp = manifest.api_blueprint()
            csrf.exempt(api_bp)
            register(api_bp, "tenant", manifest.name, url_prefix=f"/api/v1/{manifest.name}")
        public.register(
            app,
            manifest,
            lambda bp, prefix, name=manifest.name: register(bp, "tenant", name, url_prefix=prefix),
        )


def platform_state_of(app: Flask) -> PlatformState:
    state: PlatformState = app.extensions["smartcity"]
    return state


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIXES)


def _open_request() -> Response | None:
    g.request_started = time.perf_counter()
    g.request_id = request.headers.get("X-Request-ID", "")[:64] or secrets.token_hex(16)
    state = platform_state()
    top = request.blueprints[-1] if request.blueprints else None
    kind = state.blueprint_kind.get(top) if top else None
    if kind == "any" or request.endpoint == "static":
        return None
    tenant = resolve(state.cache, state.settings.BASE_DOMAIN)
    g.tenant = tenant
    on_tenant_address = request.environ.get(ENVIRON_KEY) is not None
    if tenant is None and not on_tenant_address and wants_landing_page(request):
        return Response(landing_page(), mimetype="text/html")
    if request.routing_exception is not None:
        return None  # Flask raises it next: a 404 or 405 with its Allow header
    refusal = _refusal(tenant, kind, state.blueprint_app.get(top or ""))
    if refusal is not None:
        return refusal
    g.db = db.session(bind=tenant.bind if tenant is not None else None)
    return None


def _check_access() -> Response | None:
    """Deny by default: the endpoint's declared rule (``smartcity.access``), before its view.

    The API reads only the bearer token (never the session cookie, see
    ``api.auth``); pages read the session. A caller nobody signed in for gets a
    401 from the API and the sign-in page otherwise; one without the rule's
    permission, or at an endpoint that declared no rule, gets a 403.
    """
    endpoint = request.endpoint
    if endpoint is None or request.routing_exception is not None or is_static(endpoint):
        return None
    rule = access.rule_of(current_app.view_functions.get(endpoint))
    api = is_api_request()

    def principal() -> object:
        if api:
            g.api_principal = bearer_principal()
            return g.api_principal
        return current_user._get_current_object()

    verdict = access.judge(rule, principal)
    if verdict is access.Verdict.ALLOW:
        return None
    if rule is None:
        log.error("refused %s: its view declares no access rule", endpoint)
    if verdict is access.Verdict.SIGN_IN:
        if api:
            return _error_response(401, "unauthorized", "a valid bearer token is required here")
        operator = rule is not None and rule.who is access.Who.OPERATOR
        login = "console.login" if operator else "tenant_web.login"
        return redirect(url_for(login, next=current_path()))  # type: ignore[return-value]
    return _error_response(403, "forbidden", access.refusal_message(rule))


def is_static(endpoint: str) -> bool:
    """Flask's own file routes (the app's and a blueprint's ``static``): public by nature."""
    return endpoint == "static" or endpoint.endswith(".static")


def _refusal(tenant: TenantInfo | None, kind: str | None, app_name: str | None) -> Response | None:
    """Why this tenant may not be served this route, as a response; None if it may."""
    if (tenant is None) != (kind == "platform"):
        # A tenant route on the platform host, or the console on a tenant host.
        return _error_response(404, "not_found", "Not Found")
    if tenant is None:
        return None
    if tenant.status is TenantStatus.SUSPENDED:
        return _error_response(
            403, "tenant_suspended", f"{tenant.name} is suspended. Contact Bandung's operators."
        )
    if tenant.maintenance:
        return _error_response(
            503, "maintenance", f"{tenant.name} is under maintenance. Please try again later."
        )
    if app_name is not None and app_name not in tenant.apps:
        return _error_response(404, "not_found", "Not Found")
    return None


def _finish_request(response: Response) -> Response:
    session_ = g.pop("db", None)
    if session_ is not None:
        try:
            if response.status_code < 400:
                if g.get("tenant") is not None:
                    record_activity(session_)
                    record_support_request(session_)
                session_.commit()
            else:
                session_.rollback()
        finally:
            session_.close()
    response.headers.setdefault("X-Request-ID", g.get("request_id", ""))
    # The line's parts (the redacted URL above all) are built only when it is written.
    if "request_started" in g and log.isEnabledFor(logging.INFO):
        tenant = g.get("tenant")
        log.info(
            "%s %s %s",
            request.method,
            redact_url(request.script_root + request.full_path.rstrip("?")),
            response.status_code,
            extra={
                "request_id": g.request_id,
                "tenant": tenant.slug if tenant is not None else "-",
                "status": response.status_code,
                "ms": round((time.perf_counter() - g.request_started) * 1000, 1),
            },
        )
    return response


def _close_request(_exc: BaseException | None) -> None:
    session_ = g.pop("db", None)
    if session_ is not None:
        session_.rollback()
        session_.close()


def _error_response(
    status: int, code: str, message: str, fields: Mapping[str, str] | None = None
) -> Response:
    if is_api_request():
        response = jsonify({"error": api_error(code, message, fields or {})})
    else:
        response = Response(
            render_template("error.html", status=status, code=code, message=message)
        )
    response.status_code = status
    return response


def api_error(code: str, message: str, fields: Mapping[str, str]) -> dict[str, Any]:
    """The API's error body: English text with its msgid and values, and the same
    text in the request's language (``?lang=``, else Accept-Language, else the
    default), so a client can show it or translate it itself."""
    text, problems = as_message(message), {k: as_message(v) for k, v in fields.items()}
    return {
        "code": code,
        "message": str(text),
        "message_id": text.msgid,
        "params": text.json_params(),
        "lang": str(get_locale() or platform_state().settings.DEFAULT_LOCALE),
        "localized": translate(text),
        "fields": {k: str(v) for k, v in problems.items()},
        "localized_fields": {k: translate(v) for k, v in problems.items()},
    }


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status >= 500 and (session_ := g.get("db")) is not None:
        # The page below may load the user; a failed transaction would fail it too.
        session_.rollback()
    code = (exc.name or "error").lower().replace(" ", "_")
    response = _error_response(status, code, exc.description or exc.name)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _service_error(exc: ServiceError) -> Response:
    return _error_response(exc.status, exc.code, exc.message, exc.fields)


#: The SQLSTATEs of a request that lost a race for rows another transaction holds:
#: deadlock_detected, serialization_failure, lock_not_available.
LOST_A_RACE = frozenset({"40P01", "40001", "55P03"})
BUSY = Message("another request was changing the same records; nothing was saved, try again")


def _lost_a_race(exc: OperationalError) -> Response:
    """503 with Retry-After for a deadlock PostgreSQL broke (or a lock not had):
    the transaction was rolled back whole, so the same request again goes through.
    Any other operational error (the database gone, say) stays a 500."""
    if getattr(exc.orig, "sqlstate", None) not in LOST_A_RACE:
        raise exc
    if (session_ := g.get("db")) is not None:
        session_.rollback()
    log.warning("%s %s lost a race for a lock: %s", request.method, request.path, exc.orig)
    response = _error_response(503, "busy", BUSY)
    response.headers["Retry-After"] = "1"
    return response


def _select_locale() -> str:
    chosen = request.args.get("lang")
    if is_api_request():
        # The API keeps no session: ?lang= for this call, else the client's Accept-Language.
        if chosen in LOCALES:
            return chosen
        return request.accept_languages.best_match(LOCALES) or (
            platform_state().settings.DEFAULT_LOCALE
        )
    if chosen in LOCALES:
        session["lang"] = chosen
        return chosen
    stored = session.get("lang")
    return stored if stored in LOCALES else platform_state().settings.DEFAULT_LOCALE


def _select_timezone() -> str:
    """The regency's own zone (WIB, WITA or WIT); Bandung's (WIB) on the console.

    Asked only when a date is formatted, so API requests never read the settings row.
    """
    from smartcity.web.branding import DEFAULT, branding

    return (branding() or DEFAULT).timezone


def _template_context() -> dict[str, Any]:
    state = platform_state()
    tenant = g.get("tenant")
    # Per app, so that the navigation bar can fold an app's pages under its name: a
    # regency admin with four apps would otherwise get a bar wider than a laptop screen.
    groups: list[tuple[AppManifest, list[MenuEntry]]] = []
    if tenant is not None:
        for manifest in state.registry:
            if manifest.name in tenant.apps:
                entries = [
                    entry
                    for entry in manifest.menu
                    if entry.permission is None or current_user.can(entry.permission)
                ]
                if entries:
                    groups.append((manifest, entries))
    return {
        "tenant": tenant,
        "app_menu": [entry for _manifest, entries in groups for entry in entries],
        "app_menu_groups": groups,
        "registry": state.registry,
        "locales": LOCALES,
    }


class NoApiSession(NullSession):
    """The session of an API request: empty, and any write a programming error that
    says so (Flask's own ``NullSession`` would blame a missing secret key)."""

    def _fail(self, *args: object, **kwargs: object) -> NoReturn:
        raise RuntimeError("API requests keep no session: authenticate each call with a token")

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail


class TenantCookieSessions(SecureCookieSessionInterface):
    """One session cookie per tenant (and one for the console) on the platform host.

    On the shared host, ``/t/a/`` and ``/t/b/`` would otherwise share one cookie;
    separate names keep a login to one tenant from clobbering another's. The
    identity inside is bound to the tenant id as well (see auth.principal).

    Each cookie's ``Path`` is its own part of the host as well: ``/t/<slug>`` for a
    tenant, ``/platform`` for the console, so a script running in one regency's
    pages (an XSS) does not get the others' or the operators' cookies with every
    request, nor see them in ``document.cookie`` (they are HttpOnly anyway). A path
    is not a security boundary within one origin (same-origin scripts can still
    fetch the other pages), which is why the README recommends a host per regency
    in production; there the host is the tenant and the cookie keeps ``Path=/``.

    The API keeps no session (a bearer token per call, see ``api.auth``): its
    requests get a :class:`NoApiSession`, so a cookie sent along is never read nor
    answered with another, and each call skips the cookie's signing work.
    """

    null_session_class = NoApiSession

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(API_PREFIXES):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_name(self, app: Flask) -> str:
        ref = request.environ.get(ENVIRON_KEY)
        if ref is None:
            return "smartcity_platform"
        kind, value = ref
        if kind == "slug" and SLUG_PATTERN.fullmatch(value):
            return f"smartcity_t_{value}"
        return "smartcity"

    def get_cookie_path(self, app: Flask) -> str:
        ref = request.environ.get(ENVIRON_KEY)
        if ref is None:
            return request.script_root + CONSOLE_PREFIX
        if ref[0] == "slug":
            # "/t/<slug>" without the trailing slash: it also matches "/t/<slug>"
            # itself, and RFC 6265 never lets it match "/t/<slug>-other".
            return request.script_root
        return super().get_cookie_path(app)
