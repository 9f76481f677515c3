"""Sign-in throttling, the same for the web forms, the console and both token endpoints.

Only failures count (Flask-Limiter's ``deduct_when``), so an office signing in
from behind one NAT address does not lock itself out. The bucket is the
regency's id (or the platform), the client address and the account as the
lookup sees it: the e-mail address normalised exactly as
:func:`~smartcity.tenantcore.users.normalize_email` does (IDNA maps a
full-width ``p`` in ``pati.go.id`` to the plain one), so another spelling of the same
account, or another host name of the same regency, lands in the same bucket.

The operators' TOTP codes have their own counter in the limiter's storage
(Redis), per operator whatever the address: after ``TOTP_TRIES`` wrong codes the
second step is locked for ``TOTP_LOCK_MINUTES``. It used to live in the
client's cookie, where replaying an older cookie reset it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, request
from limits import RateLimitItemPerMinute

from smartcity.errors import InvalidInput, Message
from smartcity.extensions import limiter
from smartcity.state import platform_state
from smartcity.tenantcore.users import normalize_email

TOTP_TRIES = 5
TOTP_LOCK_MINUTES = 15
_TOTP_LIMIT = RateLimitItemPerMinute(TOTP_TRIES, TOTP_LOCK_MINUTES)
_FAILED = "sign_in_failed"
#: What an operator is told while their code tries are locked (translated on the web).
TOO_MANY_CODES = Message(
    "Too many wrong codes. Try again in %(minutes)s minutes.", minutes=TOTP_LOCK_MINUTES
)


def account_key(email: object) -> str:
    """The account an address signs in to; what cannot be an address is kept as typed."""
    typed = str(email or "")[:254]
    try:
        return normalize_email(typed)
    except InvalidInput:
        return typed.strip().lower()


def sign_in_key(account: str) -> str:
    """Regency id (the platform for operators), client address and account."""
    tenant = g.get("tenant")
    scope = f"tenant-{tenant.id}" if tenant is not None else "platform"
    return f"sign-in:{scope}:{request.remote_addr or '-'}:{account}"


def note_failed_sign_in() -> None:
    """Mark this request as a failed sign-in: it counts against the throttle."""
    g.setdefault(_FAILED, True)


def _failed(_response: Any) -> bool:
    return bool(g.get(_FAILED))


def form_email() -> str:
    return account_key(request.form.get("email"))


def json_email() -> str:
    body = request.get_json(silent=True)
    return account_key(body.get("email") if isinstance(body, dict) else None)


def throttled_sign_in(account: Callable[[], str]) -> Callable[[Any], Any]:
    """Limit a sign-in view's failed POSTs per regency, address and ``account()``.

    The key is computed inside the view's wrapper, after the request's tenant
    has been resolved, so ``/t/<slug>/login`` and ``<slug>.<domain>/login``
    share it.
    """
    return limiter.limit(
        lambda: platform_state().settings.LOGIN_RATE_LIMIT,
        key_func=lambda: sign_in_key(account()),
        deduct_when=_failed,
        methods=["POST"],
    )


# --------------------------------------------------------------------------- TOTP tries


def _totp_key(operator_id: int) -> tuple[str, str]:
    return f"{platform_state().settings.role_prefix}:totp", str(operator_id)


def second_factor_locked(operator_id: int) -> bool:
    """Whether the operator has used up their wrong codes for now."""
    return not limiter.limiter.test(_TOTP_LIMIT, *_totp_key(operator_id))


def count_wrong_code(operator_id: int) -> None:
    limiter.limiter.hit(_TOTP_LIMIT, *_totp_key(operator_id))


def clear_wrong_codes(operator_id: int) -> None:
    limiter.limiter.clear(_TOTP_LIMIT, *_totp_key(operator_id))
