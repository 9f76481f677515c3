"""Time-based one-time passwords (RFC 6238): the operators' second factor.

Pure functions over a secret; the operator services (``smartcity.operators``)
store the secret and the last accepted time step. A code is checked against
the current 30-second step and one step either side, so a phone whose clock is
a little off still works, and it is accepted only for a step newer than the
last one accepted, so each code works once (RFC 6238, section 5.2).
"""

from __future__ import annotations

import hmac
import re
import time

import pyotp
import segno

STEP_SECONDS = 30
#: Steps accepted either side of the current one (clock drift, typing time).
DRIFT_STEPS = 1
DIGITS = 6
ISSUER = "Bandung Smart City"
# ASCII digits only: ``\d`` also matches other scripts' digits (``١٢٣٤٥٦``), which
# hmac.compare_digest refuses with a TypeError.
_CODE = re.compile(rf"^[0-9]{{{DIGITS}}}$")


def new_secret() -> str:
    """A fresh base32 secret of 160 bits (the size RFC 4226 recommends)."""
    secret: str = pyotp.random_base32(length=32)
    return secret


def provisioning_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    uri: str = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer
    )
    return uri


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no image files, no third-party service)."""
    svg: str = segno.make(uri, error="m").svg_inline(scale=4, border=2, title="QR")
    return svg


def normalize(code: str | None) -> str:
    """What people type (``123 456``, ``123-456``) as bare digits."""
    return re.sub(r"[\s-]", "", code or "")


def matching_step(
    secret: str, code: str | None, *, after: int | None = None, now: float | None = None
) -> int | None:
    """The time step ``code`` belongs to, if it is valid and newer than step ``after``.

    Every candidate step is compared in constant time, whatever matched first.
    """
    typed = normalize(code)
    if not _CODE.fullmatch(typed):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    found: int | None = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        expected: str = totp.generate_otp(step)
        if hmac.compare_digest(expected, typed) and (after is None or step > after):
            found = step
    return found
