"""Provisioning in one transaction: everything or nothing."""

from __future__ import annotations

import dataclasses

import pytest
from smartcity.db import db
from smartcity.errors import Conflict, InvalidInput
from smartcity.tenancy import provisioning
from smartcity.tenancy.names import role_name, schema_name
from smartcity.tenancy.provisioning import TenantRequest, provision_tenant
from sqlalchemy import text

from .conftest import PASSWORD, take_region, unique_slug


def _leftovers(settings, slug: str) -> dict[str, int]:
    with db.engine.connect() as conn:
        counts = {
            "role": conn.scalar(
                text("SELECT count(*) FROM pg_roles WHERE rolname = :r"),
                {"r": role_name(settings.role_prefix, slug)},
            ),
            "schema": conn.scalar(
                text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"),
                {"s": schema_name(slug)},
            ),
            "tenant": conn.scalar(
                text("SELECT count(*) FROM platform.tenants WHERE slug = :s"), {"s": slug}
            ),
        }
        conn.rollback()
    return counts


def _request(slug: str, **kw) -> TenantRequest:
    values = {
        "slug": slug,
        "name": "Kabupaten Uji",
        "region_code": take_region("35.19"),
        "admin_email": "admin@madiun.go.id",
        "admin_password": PASSWORD,
        "apps": ("noticeboard",),
    }
    values.update(kw)
    return TenantRequest(**values)


def test_provisioning_creates_role_schema_tables_apps_and_admin(state, provision):
    slug = provision(apps=("digest",))
    with db.engine.connect() as conn:
        tables = set(
            conn.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s"),
                {"s": schema_name(slug)},
            )
        )
        owner = conn.scalar(
            text("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = :s"),
            {"s": schema_name(slug)},
        )
        apps = set(
            conn.scalars(
                text(
                    "SELECT app FROM platform.tenant_apps a JOIN platform.tenants t"
                    " ON t.id = a.tenant_id WHERE t.slug = :s AND a.enabled"
                ),
                {"s": slug},
            )
        )
        conn.rollback()
    # digest requires noticeboard: both are enabled and noticeboard's table exists.
    assert apps == {"digest", "noticeboard"}
    assert {"users", "audit_log", "alembic_version", "notices"} <= tables
    assert owner.strip('"') == role_name(state.settings.role_prefix, slug)


@pytest.mark.parametrize("failing_step", [s.__name__ for s in provisioning.STEPS[1:]])
def test_a_failing_step_leaves_nothing_behind(state, settings, monkeypatch, failing_step):
    slug = unique_slug("gagal")

    def boom(session, p):
        raise RuntimeError(f"forced failure in {failing_step}")

    steps = tuple(boom if s.__name__ == failing_step else s for s in provisioning.STEPS)
    monkeypatch.setattr(provisioning, "STEPS", steps)
    with pytest.raises(RuntimeError, match="forced failure"), db.platform_transaction() as s:
        provision_tenant(
            s,
            _request(slug),
            registry=state.registry,
            migrations=state.migrations,
            role_prefix=settings.role_prefix,
            actor="tests",
        )
    assert _leftovers(settings, slug) == {"role": 0, "schema": 0, "tenant": 0}


def test_a_failing_app_hook_leaves_nothing_behind(state, settings, monkeypatch):
    slug = unique_slug("hook")
    manifest = state.registry.get("noticeboard")

    def broken_hook(session):
        session.execute(text("SELECT 1 / 0"))

    broken = dataclasses.replace(manifest, on_enable=broken_hook)
    monkeypatch.setitem(state.registry._apps, "noticeboard", broken)
    with pytest.raises(Exception, match="division by zero"), db.platform_transaction() as s:
        provision_tenant(
            s,
            _request(slug),
            registry=state.registry,
            migrations=state.migrations,
            role_prefix=settings.role_prefix,
            actor="tests",
        )
    assert _leftovers(settings, slug) == {"role": 0, "schema": 0, "tenant": 0}


def test_existing_slug_is_a_conflict_and_changes_nothing(state, settings, provision):
    slug = provision()
    with pytest.raises(Conflict), db.platform_transaction() as s:
        provision_tenant(
            s,
            _request(slug),
            registry=state.registry,
            migrations=state.migrations,
            role_prefix=settings.role_prefix,
            actor="tests",
        )
    assert _leftovers(settings, slug) == {"role": 1, "schema": 1, "tenant": 1}


def test_invalid_request_names_every_bad_field(state, settings):
    with pytest.raises(InvalidInput) as caught, db.platform_transaction() as s:
        provision_tenant(
            s,
            _request(
                "Pati", region_code="99.99", apps=("nope",), admin_email="x", admin_password="short"
            ),
            registry=state.registry,
            migrations=state.migrations,
            role_prefix=settings.role_prefix,
            actor="tests",
        )
    assert set(caught.value.fields) == {
        "slug",
        "region_code",
        "apps",
        "admin.email",
        "admin.password",
    }
