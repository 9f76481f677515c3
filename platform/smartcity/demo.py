"""Demo regencies of the 2018 signing, seeded idempotently with generated passwords.

No password is fixed in code: they are generated on the first run, kept in a
file readable only by its owner (so later runs print the same ones) and printed.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.apps import role_name as app_role_name
from smartcity.db import db
from smartcity.demo_data import seed_regency
from smartcity.operators import upsert_operator
from smartcity.reference import region_rows
from smartcity.state import PlatformState
from smartcity.tenancy.models import Tenant
from smartcity.tenancy.names import role_name, schema_name
from smartcity.tenancy.provisioning import TenantRequest, provision_tenant
from smartcity.tenancy.scope import as_tenant
from smartcity.tenantcore import users

DEMO_REGENCIES = (
    ("32.73", "bandung"),
    ("16.05", "musi-rawas"),
    ("13.12", "pasaman-barat"),
    ("13.05", "padang-pariaman"),
    ("35.19", "madiun"),
    ("35.18", "nganjuk"),
    ("35.21", "ngawi"),
    ("33.18", "pati"),
    ("19.03", "bangka-selatan"),
    ("17.09", "bengkulu-tengah"),
    ("76.05", "majene"),
    ("74.11", "kolaka-timur"),
)
DEFAULT_OPERATOR = "operator@bandung.go.id"
ACTOR = "demo"


def _password() -> str:
    return secrets.token_urlsafe(12) + "-7a"


def _load(path: Path) -> dict[str, str]:
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        return stored
    return {}


def _save(path: Path, creds: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(creds, handle, indent=2)


def seed_demo(state: PlatformState, credentials_file: str, echo: Callable[[str], None]) -> None:
    path = Path(credentials_file)
    creds = _load(path)
    settings = state.settings
    operator_email = settings.OPERATOR_EMAIL or DEFAULT_OPERATOR
    operator_password = settings.OPERATOR_PASSWORD or creds.get(operator_email) or _password()
    if not settings.OPERATOR_PASSWORD:
        creds[operator_email] = operator_password
    names = {r.code: r.name for r in region_rows()}
    app_names = state.registry.names
    with db.platform_transaction() as session:
        upsert_operator(
            session,
            email=operator_email,
            name="Operator Bandung",
            password=operator_password,
            actor=ACTOR,
        )
        existing = set(session.scalars(select(Tenant.slug)))
        for index, (code, slug) in enumerate(DEMO_REGENCIES):
            admin_email = f"admin@{slug}.go.id"
            creds.setdefault(admin_email, _password())
            if slug in existing:
                continue
            # Different regencies chose different apps: rotate through the catalogue.
            chosen = tuple(app_names[i] for i in range(len(app_names)) if (i + index) % 3 != 2)
            provision_tenant(
                session,
                TenantRequest(
                    slug=slug,
                    name=names[code],
                    region_code=code,
                    apps=chosen,
                    admin_email=admin_email,
                    admin_password=creds[admin_email],
                    admin_name=f"Admin Diskominfo {names[code]}",
                ),
                registry=state.registry,
                migrations=state.migrations,
                role_prefix=settings.role_prefix,
                actor=ACTOR,
            )
            conn = session.connection()
            with as_tenant(conn, schema_name(slug), role_name(settings.role_prefix, slug)) as ts:
                seed_regency_demo(
                    ts,
                    state,
                    code,
                    slug,
                    regency=names[code],
                    apps=chosen,
                    password_for=lambda email: creds.setdefault(email, _password()),
                    echo=echo,
                )
    _save(path, creds)
    echo(f"Operator console: /platform/  login {operator_email} / {operator_password}")
    for code, slug in DEMO_REGENCIES:
        logins = "   ".join(
            f"{email} / {password}"
            for email, password in creds.items()
            if email.endswith(f"@{slug}.go.id") and email != operator_email
        )
        echo(f"  {names[code]:28} /t/{slug}/  {logins}")
    echo(f"(kept in {path}, readable only by you)")


def seed_regency_demo(
    session: Session,
    state: PlatformState,
    code: str,
    slug: str,
    *,
    regency: str,
    apps: tuple[str, ...],
    password_for: Callable[[str], str],
    echo: Callable[[str], None],
) -> None:
    """One provisioned regency's demo: its org units and staff, a user for every role of
    its apps, then each app's own demo data (run in the regency's session and role).

    Apart from :func:`seed_demo` so that tests can fill a regency of their own exactly
    as the demo does, with their own passwords.
    """
    counts = seed_regency(session, code, slug)
    echo(f"  seeded {regency}: {counts['units']} org units, {counts['staff']} staff")
    for email, name, roles in _demo_users(state, slug, regency, apps):
        users.create_user(
            session,
            email=email,
            name=name,
            password=password_for(email),
            roles=roles,
            allowed_roles=state.registry.role_names(apps),
            actor=ACTOR,
            role_conflicts=state.registry.role_conflicts(apps),
        )
    for app in apps:
        manifest = state.registry.get(app)
        if manifest.demo is not None:
            made = manifest.demo(session, code)
            if made:
                summary = ", ".join(f"{n} {what}" for what, n in made.items())
                echo(f"    {manifest.title}: {summary}")


def _demo_users(
    state: PlatformState, slug: str, regency: str, apps: tuple[str, ...]
) -> list[tuple[str, str, list[str]]]:
    """A civil servant, and one user for every role of the regency's apps."""
    people = [(f"pegawai@{slug}.go.id", f"Pegawai {regency}", ["member"])]
    for app in apps:
        for role in state.registry.get(app).roles:
            # ``opd-head@``; a key another app already used (two apps' ``viewer``)
            # gets the app's name in front, so each role still has its demo user.
            local = role.key.replace("_", "-")
            if any(email == f"{local}@{slug}.go.id" for email, _, _ in people):
                local = f"{app}-{local}"
            name = f"{role.key.replace('_', ' ').title()} {regency}"
            people.append((f"{local}@{slug}.go.id", name, ["member", app_role_name(app, role.key)]))
    return people
