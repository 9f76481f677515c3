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

**Proof of work.** A regency may switch on a proof-of-work check for all its public
forms (``tenantcore.settings.proof_of_work_bits``: leading zero bits, off by default).
:func:`spam_fields` then also carries a challenge the server signed (bound to the
regency, the app's form, the difficulty and the time it was issued) and the static
``js/pow.js``, which finds a nonce such that SHA-256(challenge + nonce) starts with
that many zero bits; :func:`check_spam` refuses a post whose nonce does not solve a
valid challenge, and spends the challenge in Redis (``SET NX`` until it would have
expired) so a solution is good for one post only. The API takes the same two fields
in its JSON body after a ``GET .../challenge`` (:func:`challenge_json`) and checks
them with :func:`check_proof_of_work`, the pages' own check. No outside service is
asked: a cost for a script posting thousands of forms, a moment for a person.

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

import hashlib
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from flask import Flask, current_app, g, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from limits import RateLimitItem
from limits import parse as parse_limit
from markupsafe import Markup
from pydantic import BaseModel
from redis import Redis

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
    #: Blueprint name -> the app it belongs to (a challenge is bound to the app's form).
    apps: dict[str, str] = field(default_factory=dict)


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
        public.apps[pages.name] = manifest.name
    if manifest.public_api_blueprint is not None:
        api = access.open_blueprint(manifest.public_api_blueprint())
        limiter.limit(_public_limit, key_func=_public_key)(api)
        csrf.exempt(api)
        register_blueprint(api, f"{API_PREFIX}/{manifest.name}")
        public.blueprints.add(api.name)
        public.apps[api.name] = manifest.name


def guard() -> SpamGuard:
    """The spam guard of the public blueprint serving this request."""
    top = request.blueprints[-1] if request.blueprints else ""
    return routes().guards.get(top, DEFAULT_GUARD)


def spam_fields(form: str = "form") -> Markup:
    """The current public form's spam-guard fields (a template global as well).

    ``form`` names the form within its app (``"complaint"``): a proof-of-work
    challenge issued for it is good for that form only.
    """
    return guard().form_fields() + proof_of_work_fields(form)


def check_spam(form: str = "form") -> None:
    """Refuse (422) a public form that looks like spam; call it before acting on a post."""
    reason = guard().refusal()
    if reason is not None:
        raise InvalidInput(reason, {"form": reason})
    check_proof_of_work(form)


# --------------------------------------------------------------------------- proof of work

CHALLENGE_FIELD = "pow_challenge"
NONCE_FIELD = "pow_nonce"
#: How long a challenge stays good: long enough to write a complaint at leisure.
CHALLENGE_TTL = 4 * 3600
#: A signed challenge is ~150 characters; a nonce is a counter, at most 20 digits.
MAX_CHALLENGE = 512
MAX_NONCE = 20

POW_MISSING = (
    "The browser check did not run: this form needs JavaScript. "
    "Please turn it on and send the form again."
)
POW_FAILED = "The browser check failed. Please open the form again and send it."
POW_EXPIRED = "The browser check has expired. Please open the form again and send it."
POW_SPENT = "This form was already sent once. Please open the form again to send another."


def proof_of_work_bits() -> int:
    """The regency's difficulty for its public forms (0: off), read from its settings."""
    from smartcity.tenantcore.settings import proof_of_work_bits as stored_bits

    return stored_bits(g.db)


#: The challenges' own salt: a form stamp or a session cookie never passes for one.
POW_SALT = "smartcity.public-pow"


def _pow_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=POW_SALT)


def _regency_id() -> int:
    from smartcity.tenancy.resolver import current_tenant

    return current_tenant().id


def _form_scope(form: str) -> str:
    """``app.form``: the pages and the API of one app share their forms' names."""
    top = request.blueprints[-1] if request.blueprints else ""
    return f"{routes().apps.get(top, top)}.{form}"


def issue_challenge(form: str, bits: int) -> str:
    """A signed, timed challenge for ``form`` of this regency at ``bits`` of difficulty."""
    payload = {"r": _regency_id(), "f": _form_scope(form), "b": bits, "k": secrets.token_hex(12)}
    return str(_pow_signer().dumps(payload))


def leading_zero_bits(digest: bytes) -> int:
    """How many zero bits ``digest`` starts with."""
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def solves(challenge: str, nonce: str, bits: int) -> bool:
    """Whether SHA-256(challenge + nonce), both as UTF-8, starts with ``bits`` zero bits."""
    digest = hashlib.sha256((challenge + nonce).encode()).digest()
    return leading_zero_bits(digest) >= bits


def proof_of_work_fields(form: str) -> Markup:
    """The challenge, the field the script fills, the script, and a word for no-script users."""
    bits = proof_of_work_bits()
    if not bits:
        return Markup("")
    return Markup(
        '<input type="hidden" name="{0}" value="{1}" data-pow-bits="{2}">'
        '<input type="hidden" name="{3}" value="">'
        '<p class="small text-body-secondary" data-pow-status hidden'
        ' data-pow-working="{4}" data-pow-done="{5}" data-pow-unsupported="{6}"></p>'
        '<noscript><p class="alert alert-warning">{7}</p></noscript>'
        '<script src="{8}" defer></script>'
    ).format(
        CHALLENGE_FIELD,
        issue_challenge(form, bits),
        bits,
        NONCE_FIELD,
        _("Checking your browser…"),
        _("Browser checked."),
        _("This browser cannot run the check. Please use a recent browser."),
        _(
            "This form checks that it is sent from a browser, which needs JavaScript. "
            "Please turn JavaScript on, then send the form."
        ),
        url_for("static", filename="js/pow.js"),
    )


def _spent_store() -> Redis:
    client: Redis | None = current_app.extensions.get("smartcity.public.redis")
    if client is None:
        from smartcity.state import platform_state

        client = Redis.from_url(platform_state().settings.REDIS_URL)
        current_app.extensions["smartcity.public.redis"] = client
    return client


def _spend(challenge: str, issued: float) -> bool:
    """Record ``challenge`` as used until it would expire; False if it already was."""
    from smartcity.state import platform_state

    digest = hashlib.sha256(challenge.encode()).hexdigest()
    key = f"{platform_state().settings.role_prefix}:pow-spent:{digest}"
    left = max(1, int(CHALLENGE_TTL - (time.time() - issued)) + 1)
    return bool(_spent_store().set(key, "1", nx=True, ex=left))


def proof_of_work_refusal(form: str, challenge: object, nonce: object) -> str | None:
    """Why the challenge and nonce sent with ``form`` do not pass (English msgid), or None.

    Checked in this order: present and well-formed, signed by us, not expired, for
    this regency and this form, at least the regency's current difficulty, solved,
    and not spent before (spent now, so the same solution cannot be sent twice).
    """
    bits = proof_of_work_bits()
    if not bits:
        return None
    if not isinstance(challenge, str) or not isinstance(nonce, str) or not challenge or not nonce:
        return POW_MISSING
    opened = _solved_challenge(form, challenge, nonce, bits)
    if isinstance(opened, str):
        return opened
    return None if _spend(challenge, opened) else POW_SPENT


def _solved_challenge(form: str, challenge: str, nonce: str, bits: int) -> str | float:
    """When a valid challenge was issued (a time stamp), or why it does not pass."""
    well_formed = len(challenge) <= MAX_CHALLENGE and challenge.isascii()
    if not well_formed or len(nonce) > MAX_NONCE or not (nonce.isascii() and nonce.isdecimal()):
        return POW_FAILED
    try:
        payload, issued = _pow_signer().loads(
            challenge, max_age=CHALLENGE_TTL, return_timestamp=True
        )
    except SignatureExpired:
        return POW_EXPIRED
    except BadSignature:
        return POW_FAILED
    asked = payload.get("b") if isinstance(payload, dict) else None
    if (
        not isinstance(payload, dict)
        or payload.get("r") != _regency_id()
        or payload.get("f") != _form_scope(form)
        or isinstance(asked, bool)
        or not isinstance(asked, int)
        or asked < bits
        or not solves(challenge, nonce, asked)
    ):
        return POW_FAILED
    return float(issued.timestamp())


def check_proof_of_work(form: str, values: Mapping[str, object] | None = None) -> None:
    """Refuse (422) a post without a solved, unspent challenge when the regency asks for one.

    ``values`` are the API's JSON body; the pages' form is read when it is None.
    """
    source: Mapping[str, object] = request.form if values is None else values
    reason = proof_of_work_refusal(form, source.get(CHALLENGE_FIELD), source.get(NONCE_FIELD))
    if reason is not None:
        raise InvalidInput(reason, {NONCE_FIELD: reason})


class ChallengeOut(BaseModel):
    """What an API client solves before posting a public form."""

    required: bool
    challenge: str | None
    difficulty: int
    expires_in: int
    challenge_field: str
    nonce_field: str


def challenge_json(form: str) -> dict[str, object]:
    """A challenge for ``form``, for the public API (``required`` is False when it is off)."""
    bits = proof_of_work_bits()
    return {
        "required": bool(bits),
        "challenge": issue_challenge(form, bits) if bits else None,
        "difficulty": bits,
        "expires_in": CHALLENGE_TTL,
        "challenge_field": CHALLENGE_FIELD,
        "nonce_field": NONCE_FIELD,
    }


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
