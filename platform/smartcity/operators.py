"""Platform operators: created and changed only here, second factor included."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from smartcity.auth import totp
from smartcity.auth.models import Operator
from smartcity.auth.passwords import hash_password, password_problem, verify_password
from smartcity.errors import Conflict, InvalidInput, Message
from smartcity.tenantcore.audit import record_platform
from smartcity.tenantcore.users import normalize_email


def upsert_operator(
    session: Session, *, email: str, name: str, password: str, actor: str
) -> tuple[Operator, bool]:
    """Create the operator, or reset its password; True when created."""
    email = normalize_email(email)
    if (problem := password_problem(password)) is not None:
        raise InvalidInput(Message("password %(problem)s", problem=problem), {"password": problem})
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
    return operator


def record_sign_in(operator: Operator) -> None:
    """Note a completed sign-in (after the second factor, when there is one)."""
    operator.last_login_at = datetime.now(UTC)


# --------------------------------------------------------------------------- TOTP


def requires_second_factor(operator: Operator) -> bool:
    return operator.totp_enabled_at is not None and operator.totp_secret is not None


def check_second_factor(session: Session, operator: Operator, code: str | None) -> bool:
    """Whether ``code`` is a current code of the operator's enrolled secret, used once.

    The accepted step is stored with a conditional UPDATE, so two requests
    racing with the same code cannot both pass.
    """
    if not requires_second_factor(operator) or operator.totp_secret is None:
        return False
    return _consume(session, operator, totp.matching_step(operator.totp_secret, code))


def _consume(session: Session, operator: Operator, step: int | None) -> bool:
    if step is None:
        return False
    claimed = session.execute(
        update(Operator)
        .where(
            Operator.id == operator.id,
            or_(Operator.totp_last_step.is_(None), Operator.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    operator.totp_last_step = step
    return True


def start_totp_enrolment(session: Session, operator: Operator) -> str:
    """Give the operator a new secret to scan; it counts only once confirmed.

    Starting again replaces a secret that was never confirmed, so a QR code
    shown on a screen someone else saw can be thrown away.
    """
    if requires_second_factor(operator):
        raise Conflict("two-factor sign-in is already on", {"totp": Message("already on")})
    operator.totp_secret = totp.new_secret()
    operator.totp_enabled_at = None
    operator.totp_last_step = None
    session.flush()
    return operator.totp_secret


def confirm_totp(session: Session, operator: Operator, code: str | None, *, actor: str) -> None:
    """Turn the second factor on, proving the authenticator app holds the secret.

    Bumps the credential version: sessions and API tokens issued before (with
    the password alone) stop working; the caller signs the operator in again.
    """
    if requires_second_factor(operator):
        raise Conflict("two-factor sign-in is already on", {"totp": Message("already on")})
    if operator.totp_secret is None:
        raise Conflict("start the enrolment first", {"totp": Message("not started")})
    step = totp.matching_step(operator.totp_secret, code, after=operator.totp_last_step)
    if not _consume(session, operator, step):
        raise InvalidInput("the code is not valid", {"code": "not valid"})
    operator.totp_enabled_at = datetime.now(UTC)
    operator.credential_version += 1
    session.flush()
    record_platform(
        session, actor=actor, action="operator.totp_enable", tenant_id=None, email=operator.email
    )


def disable_totp(session: Session, operator: Operator, code: str | None, *, actor: str) -> None:
    """Turn the second factor off; only with a valid code, so a stolen session cannot."""
    if not requires_second_factor(operator):
        raise Conflict("two-factor sign-in is not on", {"totp": Message("not on")})
    if not check_second_factor(session, operator, code):
        raise InvalidInput("the code is not valid", {"code": "not valid"})
    operator.totp_secret = None
    operator.totp_enabled_at = None
    operator.totp_last_step = None
    session.flush()
    record_platform(
        session, actor=actor, action="operator.totp_disable", tenant_id=None, email=operator.email
    )


# --------------------------------------------------------------------------- passwords


def change_operator_password(
    session: Session, operator: Operator, password: str, *, actor: str
) -> None:
    """A new password; every session and reset link issued before it stops working."""
    if (problem := password_problem(password)) is not None:
        raise InvalidInput(Message("password %(problem)s", problem=problem), {"password": problem})
    operator.password_hash = hash_password(password)
    operator.credential_version += 1
    session.flush()
    record_platform(
        session,
        actor=actor,
        action="operator.password_change",
        tenant_id=None,
        email=operator.email,
    )
