"""Bearer tokens for the JSON API: signed, expiring, bound to a tenant or the platform.

A token carries the same identity string as a web session, so the one loader
(:func:`smartcity.auth.principal.load_principal`) decides for both, and a
password change or deactivation (which bumps ``credential_version``) revokes
every token already issued.
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "smartcity.api-token"


def issue_token(secret: str, identity: str) -> str:
    return URLSafeTimedSerializer(secret, salt=SALT).dumps(identity)


def read_token(secret: str, token: str, max_age: int) -> str | None:
    try:
        identity = URLSafeTimedSerializer(secret, salt=SALT).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    return identity if isinstance(identity, str) else None
