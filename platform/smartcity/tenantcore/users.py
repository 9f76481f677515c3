"""Tenant users: created, changed and deactivated only through these functions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.apps.manifest import RoleConflict
from smartcity.auth.passwords import hash_password, password_problem, verify_password
from smartcity.errors import Conflict, InvalidInput, Message, NotFound
from smartcity.tenantcore import audit
from smartcity.tenantcore.models import User

#: The core role that manages the regency; at least one active user keeps it.
ADMIN_ROLE = "admin"


def normalize_email(email: str, field: str = "email") -> str:
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except (EmailNotValidError, TypeError) as exc:
        raise InvalidInput(
            Message("invalid email address"), {field: Message("an address like nama@example.go.id")}
        ) from exc


def _public(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "name": user.name,
        "roles": sorted(user.roles),
        "is_active": user.is_active,
    }


def _check_roles(
    roles: Iterable[str], allowed: Iterable[str], conflicts: Iterable[RoleConflict] = ()
) -> list[str]:
    roles = sorted(set(roles))
    unknown = sorted(set(roles) - set(allowed))
    if unknown:
        raise InvalidInput(
            Message("unknown role(s): %(roles)s", roles=", ".join(unknown)),
            {"roles": Message("allowed: %(roles)s", roles=", ".join(sorted(set(allowed))))},
        )
    for conflict in conflicts:
        first, second = conflict.roles
        if first in roles and second in roles:
            message = f"roles {first} and {second} cannot be held by one person: {conflict.reason}"
            raise InvalidInput(message, {"roles": message})
    return roles


def _require_another_admin(session: Session, user: User) -> None:
    """Refuse to take the last active administrator's access away.

    Nobody could then manage the regency's users: only an operator could
    repair it. The active administrators' rows are locked (in id order, so two
    requests cannot deadlock) before anything changes: of two concurrent
    demotions of the last two, the second waits for the first to commit and
    then counts one administrator fewer.
    """
    with session.no_autoflush:
        admins = session.scalars(
            select(User.id)
            .where(User.is_active, User.roles.contains([ADMIN_ROLE]))
            .order_by(User.id)
            .with_for_update()
        ).all()
    if user.id in admins and len(admins) == 1:
        raise Conflict(
            "the last active administrator cannot lose the administrator role or be "
            "deactivated: make another user an administrator first",
            {"roles": "the last active administrator"},
        )


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    roles: Iterable[str],
    allowed_roles: Iterable[str],
    actor: str,
    role_conflicts: Iterable[RoleConflict] = (),
) -> User:
    """A new user; ``role_conflicts`` (the registry's, for the enabled apps) are refused."""
    email = normalize_email(email)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("name is required (at most 200 characters)", {"name": "required"})
    problem = password_problem(password)
    if problem:
        raise InvalidInput(Message("password %(problem)s", problem=problem), {"password": problem})
    checked_roles = _check_roles(roles, allowed_roles, role_conflicts)
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise Conflict(
            Message("a user with email %(email)s already exists", email=email),
            {"email": "already used"},
        )
    user = User(email=email, name=name, password_hash=hash_password(password), roles=checked_roles)
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        entity="user",
        entity_id=user.id,
        after=_public(user),
    )
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(Message("no user %(user_id)s", user_id=user_id))
    return user


def update_user(
    session: Session,
    user: User,
    *,
    actor: str,
    allowed_roles: Iterable[str],
    name: str | None = None,
    roles: Iterable[str] | None = None,
    password: str | None = None,
    is_active: bool | None = None,
    role_conflicts: Iterable[RoleConflict] = (),
) -> User:
    """Change what is given (None keeps it).

    Refuses roles that ``role_conflicts`` forbid together, and taking the
    administrator role or the account away from the last active administrator.
    """
    new_roles = None if roles is None else _check_roles(roles, allowed_roles, role_conflicts)
    demoted = new_roles is not None and ADMIN_ROLE not in new_roles
    if demoted or is_active is False:
        # Decided on the rows as committed, not on this session's copy of them.
        _require_another_admin(session, user)
    before = _public(user)
    if name is not None:
        name = name.strip()
        if not name or len(name) > 200:
            raise InvalidInput("name is required (at most 200 characters)", {"name": "required"})
        user.name = name
    if new_roles is not None:
        user.roles = new_roles
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise InvalidInput(
                Message("password %(problem)s", problem=problem), {"password": problem}
            )
        user.password_hash = hash_password(password)
        user.credential_version += 1
    if is_active is not None and is_active != user.is_active:
        user.is_active = is_active
        user.credential_version += 1
    session.flush()
    after = _public(user)
    if password is not None:
        after["password"] = "changed"  # noqa: S105 - records that it changed, never the value
    audit.record(
        session,
        actor=actor,
        action="user.update",
        entity="user",
        entity_id=user.id,
        before=before,
        after=after,
    )
    return user


def deactivate_user(session: Session, user: User, *, actor: str) -> User:
    """Users are never deleted: their name stays on what they signed and logged."""
    return update_user(session, user, actor=actor, allowed_roles=user.roles, is_active=False)


def authenticate(session: Session, email: str, password: str) -> User | None:
    try:
        email = normalize_email(email)
    except InvalidInput:
        verify_password(None, password)
        return None
    user = session.scalar(select(User).where(User.email == email))
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.is_active:
        return None
    user.last_login_at = datetime.now(UTC)
    return user
