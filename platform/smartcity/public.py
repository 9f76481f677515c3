"""Pages and API a regency serves without sign-in: rate limited, CSRF-checked, spam-guarded.

An app declares them in its manifest (``public_blueprint``, ``public_api_blueprint``);
:func:`register` mounts them on the regency's host at ``/p/<app>/`` and
``/api/v1/public/<app>/``, limits every route per regency and client address
(``PUBLIC_RATE_LIMIT``), leaves CSRF on for the pages' forms (the API takes no
cookie, so it is exempt like the other APIs) and records them as public.

**The public marker.** ``app.extensions["smartcity.public"]`` is a
:class:`PublicRoutes`: the blueprint names registered as public, and
:func:`is_public_endpoint` answers for an endpoint. This is the one place the
core's deny-by-default rule asks whether a tenant route may be served without a
signed-in principal; nothing else makes a tenant route public.

**Spam.** A public form renders :func:`spam_fields` and the view calls
:func:`check_spam` before acting. The core's guard (:class:`HoneypotGuard`) adds a
field people never see (bots fill it in) and a signed time stamp (a form sent
back faster than a person could fill it is refused). An app may plug in its own
guard (``AppManifest.spam_guard``), e.g. a CAPTCHA, with the same two methods.

**Secrets looked up in public.** A page that opens something by a secret the
visitor types (a complaint's tracking code) counts the wrong ones with a
:class:`MissCounter`: per regency and address, and per regency whatever the
address (a crowd of addresses guessing together), in the limiter's storage
(Redis). Right ones are not counted, so a citizen checking their report is never
held back by the count; once either budget is spent, every look-up is refused
until the window passes, so guessing cannot go on from any address.

**Repeats that are the abuse.** Some public actions are harmless once and harmful a
hundred times from one address (stuffing one service's satisfaction survey): an
:class:`AddressQuota` counts successful uses per regency, address and scope (a
service's id, a day) within a limit the caller reads from the regency's settings,
tighter than the page limit every public route has.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from flask import Flask, current_app, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItem
from limits import parse as parse_limit
from markupsafe import Markup

from smartcity import access
from smartcity.errors import InvalidInput
from smartcity.extensions import all_allowed, csrf, limiter

if TYPE_CHECKING:
    from smartcity.apps import AppManifest

EXTENSION = "smartcity.public"
PAGES_PREFIX = "/p"
API_PREFIX = "/api/v1/public"


class SpamGuard(Protocol):
    """What a public form's spam guard does: fields for the form, a verdict on a post."""

    def form_fields(self) -> Markup:
        """Hidden fields to put inside the ``<form>``."""

    def refusal(self) -> str | None:
        """Why the current request's form looks like spam (English msgid), or None."""


@dataclass(frozen=True)
class HoneypotGuard:
    """The core's default guard: a honeypot field and a minimum time to fill the form."""

    honeypot: str = "website"
    stamp: str = "form_ts"
    min_seconds: float = 3.0
    max_seconds: float = 24 * 3600.0

    def _signer(self) -> URLSafeSerializer:
        return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="smartcity.public-form")

    def form_fields(self) -> Markup:
        stamp = self._signer().dumps(time.time())
        # Hidden from people by the stylesheet's ``visually-hidden`` (no inline script
        # or handler: the CSP forbids them); bots that fill every field give themselves away.
        return Markup(
            '<div class="visually-hidden" aria-hidden="true">'
            '<label for="{0}">Website</label>'
            '<input type="text" id="{0}" name="{0}" value="" tabindex="-1" autocomplete="off">'
            '</div><input type="hidden" name="{1}" value="{2}">'
        ).format(self.honeypot, self.stamp, stamp)

    def refusal(self) -> str | None:
        if request.form.get(self.honeypot, ""):
            return "The form was not sent by a person."
        try:
            started = float(self._signer().loads(request.form.get(self.stamp, "")))
        except (BadSignature, TypeError, ValueError):
            return "The form has expired. Please fill it in again."
        elapsed = time.time() - started
        if elapsed < self.min_seconds:
            return "The form was sent too quickly. Please try again."
        if elapsed > self.max_seconds:
            return "The form has expired. Please fill it in again."
        return None


DEFAULT_GUARD = HoneypotGuard()


@dataclass
class PublicRoutes:
    """The blueprints served without sign-in, and each one's spam guard."""

    blueprints: set[str] = field(default_factory=set)
    guards: dict[str, SpamGuard] = field(default_factory=dict)


def routes(app: Flask | None = None) -> PublicRoutes:
    found: PublicRoutes = (app or current_app).extensions.setdefault(EXTENSION, PublicRoutes())
    return found


def is_public_endpoint(endpoint: str | None, app: Flask | None = None) -> bool:
    """Whether ``endpoint`` belongs to a blueprint registered as public."""
    if not endpoint or "." not in endpoint:
        return False
    return endpoint.rpartition(".")[0] in routes(app).blueprints


def _public_key() -> str:
    """Counted per regency and client address: one regency's crowd never blocks another."""
    from smartcity.state import platform_state

    # The regency's host, or the shared host with its /t/<slug> (the middleware moved it
    # into SCRIPT_NAME): known before the tenant is resolved, when the limiter checks.
    regency = request.host + request.script_root
    return f"{platform_state().settings.role_prefix}:public:{regency}:{get_remote_address()}"


def _public_limit() -> str:
    from smartcity.state import platform_state

    return platform_state().settings.PUBLIC_RATE_LIMIT


def register(app: Flask, manifest: AppManifest, register_blueprint: Callable[..., None]) -> None:
    """Mount ``manifest``'s public blueprints and record them as public."""
    public = routes(app)
    app.jinja_env.globals["spam_fields"] = spam_fields
    if manifest.public_blueprint is not None:
        pages = access.open_blueprint(manifest.public_blueprint())
        limiter.limit(_public_limit, key_func=_public_key)(pages)
        register_blueprint(pages, f"{PAGES_PREFIX}/{manifest.name}")
        public.blueprints.add(pages.name)
        public.guards[pages.name] = manifest.spam_guard or DEFAULT_GUARD
    if manifest.public_api_blueprint is not None:
        api = access.open_blueprint(manifest.public_api_blueprint())
        limiter.limit(_public_limit, key_func=_public_key)(api)
        csrf.exempt(api)
        register_blueprint(api, f"{API_PREFIX}/{manifest.name}")
        public.blueprints.add(api.name)


def guard() -> SpamGuard:
    """The spam guard of the public blueprint serving this request."""
    top = request.blueprints[-1] if request.blueprints else ""
    return routes().guards.get(top, DEFAULT_GUARD)


def spam_fields() -> Markup:
    """The current public form's spam-guard fields (a template global as well)."""
    return guard().form_fields()


def check_spam() -> None:
    """Refuse (422) a public form that looks like spam; call it before acting on a post."""
    reason = guard().refusal()
    if reason is not None:
        raise InvalidInput(reason, {"form": reason})


@dataclass(frozen=True)
class MissCounter:
    """Wrong secrets typed on a regency's public pages, e.g. ``"10 per 10 minutes"``.

    Call :meth:`exhausted` before the look-up (refuse when it says so) and
    :meth:`count` after a miss. ``name`` separates an app's counters.
    """

    name: str
    per_address: str
    per_regency: str

    def _buckets(self) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        from smartcity.state import platform_state

        prefix = f"{platform_state().settings.role_prefix}:public-miss:{self.name}"
        regency = request.host + request.script_root
        return [
            (parse_limit(self.per_address), (prefix, regency, get_remote_address() or "-")),
            (parse_limit(self.per_regency), (prefix, regency)),
        ]

    def exhausted(self) -> bool:
        """Whether this address, or the regency as a whole, has used up its misses."""
        # Both budgets read at once (one Redis round trip on every look-up).
        return not all_allowed(self._buckets())

    def count(self) -> None:
        for item, keys in self._buckets():
            limiter.limiter.hit(item, *keys)


@dataclass(frozen=True)
class AddressQuota:
    """How often one address may do one thing on a regency's public pages.

    :meth:`take` counts one use for this regency, client address and ``scope``
    (e.g. a service's id and the regency's date) against ``limit`` (a limits string
    such as ``"10 per day"``, passed per call because a regency sets it) and says
    whether it was within it. Call it after the input was checked and before
    acting, so a refused form costs nothing and a counted one is always acted on
    (the increment is atomic in the limiter's storage: concurrent requests cannot
    both take the last use). ``name`` separates an app's quotas.
    """

    name: str

    def take(self, limit: str, *scope: str) -> bool:
        from smartcity.state import platform_state

        prefix = f"{platform_state().settings.role_prefix}:public-quota:{self.name}"
        regency = request.host + request.script_root
        keys = (prefix, regency, get_remote_address() or "-", *scope)
        return bool(limiter.limiter.hit(parse_limit(limit), *keys))
