"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from smartcity.errors import Message

_hasher = PasswordHasher()

MIN_LENGTH = 12


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    """Compared against when the account does not exist, so a wrong email costs the
    same time as a wrong password and reveals nothing. Made on first use, not at
    import: every process (CLI, worker) would otherwise pay for it at start-up."""
    return _hasher.hash("not-a-real-password")


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> Message | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return Message("must be at least %(count)s characters", count=MIN_LENGTH)
    if len(password) > 256:
        return Message("must be at most 256 characters")
    if password.isdecimal() or (password.lower() == password and password.isalpha()):
        return Message("is too easy to guess: mix letters with digits or symbols")
    return None
