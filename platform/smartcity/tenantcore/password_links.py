"""One-time "set your password" links, for invitations and resets by an admin.

A link is an itsdangerous token naming the tenant and the user, signed with a
salt that includes the user's current ``credential_version``. Setting a
password (or deactivating the account) bumps that version, so the link stops
verifying the moment it has been used, and every older link with it; nothing
is stored. Links also expire after ``MAX_AGE`` seconds.

The link goes out by e-mail (``smartcity.mail``, after the commit) and the
admin who made it is also shown it once, to pass on where mail does not arrive.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from smartcity.mail import Letter
from smartcity.tenancy.cache import TenantInfo
from smartcity.tenantcore import audit
from smartcity.tenantcore.models import User

MAX_AGE = 7 * 24 * 3600
PURPOSES = ("invite", "reset")


def _serializer(tenant_id: int, user_id: int, version: int) -> URLSafeTimedSerializer:
    salt = f"smartcity.set-password:{tenant_id}:{user_id}:{version}"
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def issue_link_token(
    session: Session, tenant: TenantInfo, user: User, *, purpose: str, actor: str
) -> str:
    """A token for ``user`` to choose a password; the audit log records who made it."""
    return issue_link_token_for(session, tenant.id, user, purpose=purpose, actor=actor)


def issue_link_token_for(
    session: Session, tenant_id: int, user: User, *, purpose: str, actor: str
) -> str:
    """:func:`issue_link_token` by the tenant's id (provisioning has no resolved tenant yet)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    audit.record(
        session,
        actor=actor,
        action=f"user.password_link.{purpose}",
        entity="user",
        entity_id=user.id,
        after={"email": user.email, "valid_hours": MAX_AGE // 3600},
    )
    return _serializer(tenant_id, user.id, user.credential_version).dumps([tenant_id, user.id])


def user_for_token(session: Session, tenant: TenantInfo, token: str) -> User | None:
    """The active user a valid, unused, unexpired link is for; None otherwise."""
    # The payload is read before its signature is checked only to learn whose
    # credential version to check it with; nothing else is trusted until loads().
    _valid, payload = URLSafeTimedSerializer("-").loads_unsafe(token)
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or type(payload[0]) is not int
        or type(payload[1]) is not int
        or payload[0] != tenant.id
    ):
        return None
    user = session.get(User, payload[1])
    if user is None or not user.is_active:
        return None
    try:
        _serializer(tenant.id, user.id, user.credential_version).loads(token, max_age=MAX_AGE)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return user


def password_letter(
    *, to: str, name: str, regency: str, link: str, purpose: str, valid_days: int = MAX_AGE // 86400
) -> Letter:
    """The e-mail carrying a set-password link, in Indonesian then English."""
    if purpose == "invite":
        subject = f"Undangan ke {regency} / Invitation to {regency}"
        why_id = f"Anda diundang menggunakan platform kota cerdas {regency}."
        why_en = f"You are invited to use the smart-city platform of {regency}."
    else:
        subject = f"Atur ulang kata sandi {regency} / Reset your {regency} password"
        why_id = "Ada permintaan mengatur ulang kata sandi Anda."
        why_en = "A reset of your password was asked for."
    body = (
        f"Yth. {name},\n\n{why_id}\nPilih kata sandi Anda melalui tautan ini"
        f" (berlaku {valid_days} hari, sekali pakai):\n\n{link}\n\n"
        "Jika Anda tidak mengharapkan surel ini, abaikan saja.\n\n---\n\n"
        f"Dear {name},\n\n{why_en}\nChoose your password with this link"
        f" (valid {valid_days} days, once):\n\n{link}\n\n"
        "If you did not expect this e-mail, ignore it.\n"
    )
    return Letter(to=to, subject=subject, body=body)
