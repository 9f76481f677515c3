"""Proof-of-work helpers: switch it on for a regency, read a form's challenge, solve it."""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from smartcity.public import POW_SALT
from smartcity.tenantcore.settings import update_proof_of_work


def switch_on(tenant_db: Any, slug: str, bits: int) -> None:
    """The regency's public forms ask for ``bits`` of proof of work (0: off)."""
    with tenant_db(slug) as session:
        update_proof_of_work(session, actor="tests", bits=bits)


def challenge_in(html: str) -> tuple[str, int]:
    """The challenge a page's form carries, and its difficulty."""
    found = re.search(r'name="pow_challenge" value="([^"]+)" data-pow-bits="(\d+)"', html)
    assert found, "the form carries no proof-of-work challenge"
    return found.group(1), int(found.group(2))


def zero_bits(digest: bytes) -> int:
    return len(digest) * 8 - int.from_bytes(digest, "big").bit_length()


def solve(challenge: str, bits: int) -> str:
    """The first decimal nonce with SHA-256(challenge + nonce) starting with ``bits`` zeros."""
    nonce = 0
    while zero_bits(hashlib.sha256(f"{challenge}{nonce}".encode()).digest()) < bits:
        nonce += 1
    return str(nonce)


def wrong_nonce(challenge: str, bits: int) -> str:
    """A nonce that does not solve the challenge."""
    nonce = 0
    while zero_bits(hashlib.sha256(f"{challenge}{nonce}".encode()).digest()) >= bits:
        nonce += 1
    return str(nonce)


def signed(app: Any, payload: dict[str, Any], age: float = 0) -> str:
    """A challenge signed with the app's key as if issued ``age`` seconds ago (forgeries
    of our own making: another form's, a lower difficulty, an expired one)."""
    then = int(time.time() - age)

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return then

    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=POW_SALT, signer=Then)
    return str(serializer.dumps(payload))


def opened(app: Any, challenge: str) -> dict[str, Any]:
    """What a challenge says (regency, form, difficulty), read with the app's key."""
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=POW_SALT)
    payload: dict[str, Any] = serializer.loads(challenge)
    return payload
