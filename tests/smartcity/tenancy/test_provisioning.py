"""Provisioning in one transaction: everything or nothing."""

from __future__ import annotations

import dataclasses

import pytest
from smartcity.db import db
from smartcity.errors import Conflict, InvalidInput
from smartcity.tenancy import lifecycle, provisioning
from smartcity.tenancy.models import PlatformAuditEntry, Tenant
from smartcity.tenancy.names import role_name, schema_name
from smartcity.tenancy.provisioning import TenantRequest, provision_tenant
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import PASSWORD, take_region, unique_slug


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


def _provision(state, settings, request: TenantRequest) -> None:
    with db.platform_transaction() as s:
        provision_tenant(
            s,
            request,
            registry=state.registry,
            migrations=state.migrations,
            role_prefix=settings.role_prefix,
            actor="tests",
        )


def test_every_kab_kota_of_the_2025_kepmendagri_can_be_provisioned(state, settings):
    """Not only the 12 demo regions: 514 kab/kota, their provinces and kecamatan."""
    from collections import Counter

    from smartcity.sync.reference import shipped_regions

    # The shipped edition (the table may hold a newer one a sync test published).
    levels = Counter(row["level"] for row in shipped_regions())
    assert levels["provinsi"] == 38 and levels["kab_kota"] == 514
    assert levels["kecamatan"] >= 7000
    with db.platform_transaction() as s:
        held = s.scalar(text("SELECT count(*) FROM platform.regions WHERE level = 'kab_kota'"))
    assert held >= 514
    slug = unique_slug("sleman")
    # Kabupaten Sleman (34.04), Daerah Istimewa Yogyakarta: not a demo region.
    _provision(state, settings, _request(slug, region_code=take_region("34.04")))
    with db.platform_transaction() as s:
        tenant = s.scalars(select(Tenant).where(Tenant.slug == slug)).one()
        assert tenant.province == "Daerah Istimewa Yogyakarta"


def test_a_region_has_one_live_regency_and_reprovisioning_is_explicit(state, settings):
    code = take_region("35.21")  # Kabupaten Ngawi
    first, second = unique_slug("ngawi"), unique_slug("ngawi-baru")
    _provision(state, settings, _request(first, region_code=code))
    with pytest.raises(Conflict, match="already has a regency") as refused:
        _provision(state, settings, _request(second, region_code=code))
    assert refused.value.fields == {"region_code": f"already provisioned as '{first}'"}

    with db.platform_transaction() as s:
        lifecycle.change_status(s, lifecycle.get_tenant(s, first), "archive", actor="tests")
    with pytest.raises(Conflict, match="archived") as unconfirmed:
        _provision(state, settings, _request(second, region_code=code))
    assert "reprovision" in unconfirmed.value.fields
    assert _leftovers(settings, second) == {"role": 0, "schema": 0, "tenant": 0}

    _provision(state, settings, _request(second, region_code=code, reprovision=True))
    with db.platform_transaction() as s:
        entry = s.scalars(
            select(PlatformAuditEntry)
            .where(PlatformAuditEntry.action == "tenant.provision")
            .order_by(PlatformAuditEntry.id.desc())
            .limit(1)
        ).one()
        assert entry.detail["reprovision_of"] == first and entry.detail["slug"] == second


def test_the_database_refuses_a_second_live_tenant_for_a_region(provision):
    """The partial unique index holds even for a writer that skips the service's check."""
    code = take_region("33.18")
    provision(region_code=code)
    refused = pytest.raises(IntegrityError, match="uq_tenants_live_region_code")
    with refused, db.platform_transaction() as s:
        s.execute(
            text(
                "INSERT INTO platform.tenants (slug, name, region_code, province, status,"
                " maintenance, settings) VALUES (:slug, 'X', :code, 'Jawa Tengah', 'active',"
                " false, '{}')"
            ),
            {"slug": unique_slug("dua"), "code": code},
        )
