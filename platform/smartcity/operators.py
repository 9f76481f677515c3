"""Platform operators: created and changed only here."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.auth.models import Operator
from smartcity.auth.passwords import hash_password, password_problem, verify_password
from smartcity.errors import InvalidInput
from smartcity.tenantcore.audit import record_platform
from smartcity.tenantcore.users import normalize_email


def upsert_operator(
    session: Session, *, email: str, name: str, password: str, actor: str
) -> tuple[Operator, bool]:
    """Create the operator, or reset its password; True when created."""
    email = normalize_email(email)
    if (problem := password_problem(password)) is not None:
        raise InvalidInput(f"password {problem}", {"password": problem})
    operator = session.scalar(select(Operator).where(Operator.email == email))
    created = operator is None
    if operator is None:
        operator = Operator(email=email, name=name, password_hash=hash_password(password))
        session.add(operator)
    else:
        operator.password_hash = hash_password(password)
        operator.credential_version += 1
        operator.is_active = True
    session.flush()
    record_platform(
        session,
        actor=actor,
        action="operator.create" if created else "operator.reset",
        tenant_id=None,
        email=email,
    )
    return operator, created


def authenticate_operator(session: Session, email: str, password: str) -> Operator | None:
    """The active operator with these credentials, or None.

    Every failure costs one password hash, so timing does not tell a wrong
    address from a wrong password.
    """
    try:
        address = normalize_email(email)
    except InvalidInput:
        verify_password(None, password)
        return None
    operator = session.scalar(select(Operator).where(Operator.email == address))
    if not verify_password(operator.password_hash if operator else None, password):
        return None
    if operator is None or not operator.is_active:
        return None
    operator.last_login_at = datetime.now(UTC)
    return operator
