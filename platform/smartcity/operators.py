"""Platform operators: created and changed only here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.auth.models import Operator
from smartcity.auth.passwords import hash_password, password_problem
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
