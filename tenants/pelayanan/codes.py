"""Tracking codes: what a citizen holds instead of an account.

The code is the only key to a complaint's status page, so it must not be
guessable: 16 symbols from a 32-letter alphabet (80 random bits; at the public
rate limit an attacker would need ~10^19 years to hit one code in a million).
The alphabet leaves out I, L, O and U so a code read over the phone survives.
Only its SHA-256 is stored (``models.Complaint.tracking_hash``).
"""

from __future__ import annotations

import hashlib
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
GROUP = 4
#: Letters people confuse with digits, read as the digit (Crockford's base32).
_CONFUSED = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-]+")


def new_code() -> str:
    """A fresh code, grouped for reading: ``7KQ2-M9XD-...``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def normalize(code: str) -> str | None:
    """The code as stored (upper case, no separators), or None if it cannot be one."""
    text = _SEPARATORS.sub("", (code or "")[:64]).upper().translate(_CONFUSED)
    if len(text) != LENGTH or any(c not in ALPHABET for c in text):
        return None
    return text


def code_hash(code: str) -> str | None:
    """The stored hash of ``code``; None when it is not a well-formed code."""
    text = normalize(code)
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()
