"""Migrations: models and migration scripts agree; the fleet upgrade isolates failures."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from smartcity.db import PlatformBase, TenantBase, db, tenant_bind
from smartcity.fleet import migrate_fleet, tenant_versions
from smartcity.tenancy import roles
from smartcity.tenancy.names import quote_ident, role_name, schema_name
from sqlalchemy import text

from tenants.ebudgeting.models import Base as EbudgetingBase
from tests.apps.noticeboard.models import Base as NoticeBase
from tests.conftest import bearer, tenant_token
from tests.support.migrations import downgrade_noticeboard


def _insert_duplicates(state, slug: str) -> None:
    schema, role = schema_name(slug), role_name(state.settings.role_prefix, slug)
    with tenant_bind(db.engine, schema, role).connect() as conn:
        conn.execute(text(f"INSERT INTO {quote_ident(schema)}.notices (title) VALUES ('x'), ('x')"))
        conn.commit()


def _platform_only(name, type_, _parent):
    if type_ == "schema":
        return name == "platform"
    return name != "alembic_version"


def test_platform_models_match_its_migrations(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"include_schemas": True, "include_name": _platform_only},
        )
        diff = compare_metadata(context, PlatformBase.metadata)
        conn.rollback()
    assert diff == []


def test_tenant_models_match_their_migrations(state, settings):
    """Provisioning creates tables from models; upgrading from base must give the same."""
    slug = "replay"
    schema, role = schema_name(slug), role_name(settings.role_prefix, slug)
    # A session: on Citus create_tenant commits the role and schema first and
    # drops them again after this session's rollback.
    with db.session() as session:
        conn = session.connection()
        roles.create_tenant(session, schema)
        conn.execute(text(f"SET LOCAL ROLE {quote_ident(role)}"))
        state.migrations.upgrade_tenant(conn, schema, ["tenant_core", "noticeboard", "ebudgeting"])
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(schema)}"))
        context = MigrationContext.configure(
            conn, opts={"include_name": lambda name, *_: name != "alembic_version"}
        )
        diff = compare_metadata(
            context, [TenantBase.metadata, NoticeBase.metadata, EbudgetingBase.metadata]
        )
        session.rollback()  # leaves no role or schema behind
    assert diff == []


def test_fleet_migration_isolates_a_failing_tenant(client, state, settings, provision):
    canary, good, bad = (provision(apps=("noticeboard",)) for _ in range(3))
    for slug in (canary, good, bad):
        downgrade_noticeboard(state, slug)
    _insert_duplicates(state, bad)

    report = migrate_fleet(settings, state.registry, canary=canary, parallelism=2)

    assert sorted(report.migrated) == sorted([canary, good])
    assert list(report.failed) == [bad] and "uq_notices_title" in report.failed[bad]
    versions = tenant_versions([canary, good, bad])
    assert "n0002" in versions[canary] and "n0002" in versions[good]
    assert "n0001" in versions[bad]  # its transaction rolled back: schema as before
    state.cache.invalidate()
    assert client.get(f"/t/{bad}/api/v1/me").status_code == 503
    assert (
        client.get(f"/t/{good}/api/v1/me", headers=bearer(tenant_token(client, good))).status_code
        == 200
    )

    # Once its data is fixed, the next run migrates it and lifts maintenance.
    schema, role = schema_name(bad), role_name(settings.role_prefix, bad)
    with tenant_bind(db.engine, schema, role).connect() as conn:
        conn.execute(text(f"DELETE FROM {quote_ident(schema)}.notices WHERE title = 'x'"))
        conn.commit()
    again = migrate_fleet(settings, state.registry, parallelism=2)
    assert again.migrated == [bad] and not again.failed
    state.cache.invalidate()
    assert (
        client.get(f"/t/{bad}/api/v1/me", headers=bearer(tenant_token(client, bad))).status_code
        == 200
    )


def test_a_failing_canary_stops_the_run(state, settings, provision):
    bad, other = provision(apps=("noticeboard",)), provision(apps=("noticeboard",))
    for slug in (bad, other):
        downgrade_noticeboard(state, slug)
    _insert_duplicates(state, bad)
    report = migrate_fleet(settings, state.registry, canary=bad)
    assert list(report.failed) == [bad]
    assert report.not_attempted == [other] and report.migrated == []
    assert "n0001" in tenant_versions([other])[other]
    # clean up for the other tests: bring both to head
    schema, role = schema_name(bad), role_name(settings.role_prefix, bad)
    with tenant_bind(db.engine, schema, role).connect() as conn:
        conn.execute(text(f"DELETE FROM {quote_ident(schema)}.notices WHERE title = 'x'"))
        conn.commit()
    assert migrate_fleet(settings, state.registry).ok


def test_tenants_at_head_are_skipped(state, settings, provision):
    slug = provision(apps=("noticeboard",))
    report = migrate_fleet(settings, state.registry)
    assert slug in report.at_head and not report.migrated


def test_ebudgeting_opd_members_move_into_the_core_membership(state, settings, provision):
    """A regency from before the move keeps every OPD assignment after `smartcity migrate`."""
    slug = provision(apps=("ebudgeting",))
    schema, role = schema_name(slug), role_name(settings.role_prefix, slug)
    table = f"{quote_ident(schema)}"
    with tenant_bind(db.engine, schema, role).connect() as conn:
        unit = conn.scalar(
            text(
                f"INSERT INTO {table}.org_units (code, name, kind, is_active) "
                "VALUES ('1.02.01', 'Dinas Kesehatan', 'dinas', true) RETURNING id"
            )
        )
        state.migrations.downgrade_tenant(conn, schema, "ebudgeting", "eb0003")
        conn.execute(
            text(f"INSERT INTO {table}.eb_opd_members (user_id, org_unit_id) VALUES (1, :u)"),
            {"u": unit},
        )
        conn.commit()

    report = migrate_fleet(settings, state.registry, parallelism=1)

    assert slug in report.migrated and not report.failed
    with tenant_bind(db.engine, schema, role).connect() as conn:
        rows = conn.execute(
            text(f"SELECT user_id, org_unit_id, app FROM {table}.org_unit_members")
        ).all()
        old = conn.scalar(text(f"SELECT to_regclass('{schema}.eb_opd_members')"))
        conn.rollback()
    assert [tuple(r) for r in rows] == [(1, unit, "ebudgeting")]
    assert old is None


def test_ebudgeting_sipd_codes_move_onto_the_core_org_units(state, settings, provision):
    """A regency from before eb0010 keeps every OPD's SIPD code, now on the org unit;
    a code the core already has for another unit wins, and e-Budgeting's table goes."""
    slug = provision(apps=("ebudgeting",))
    schema, role = schema_name(slug), role_name(settings.role_prefix, slug)
    table = f"{quote_ident(schema)}"
    with tenant_bind(db.engine, schema, role).connect() as conn:
        dinkes, disdik, setda = (
            conn.scalar(
                text(
                    f"INSERT INTO {table}.org_units (code, name, kind, is_active) "
                    "VALUES (:c, :n, 'dinas', true) RETURNING id"
                ),
                {"c": code, "n": name},
            )
            for code, name in (
                ("1.02", "Dinas Kesehatan"),
                ("1.01", "Dinas Pendidikan"),
                ("4.01", "Setda"),
            )
        )
        state.migrations.downgrade_tenant(conn, schema, "ebudgeting", "eb0009_ebkua")
        conn.execute(
            text(
                f"INSERT INTO {table}.eb_unit_codes (org_unit_id, skpd_code, updated_by) "
                "VALUES (:a, '1.02.0.00.0.00.01.0000', 'tapd'), "
                "(:b, '1.01.0.00.0.00.01.0001', 'tapd'), (:c, '4.01.0.00.0.00.01.0000', 'tapd')"
            ),
            {"a": dinkes, "b": disdik, "c": setda},
        )
        # Entered on the org unit meanwhile: the core's code stays.
        conn.execute(
            text(
                f"UPDATE {table}.org_units SET sipd_code = '4.01.0.00.0.00.02.0000' WHERE id = :c"
            ),
            {"c": setda},
        )
        conn.commit()

    report = migrate_fleet(settings, state.registry, parallelism=1)

    assert slug in report.migrated and not report.failed
    with tenant_bind(db.engine, schema, role).connect() as conn:
        codes = dict(conn.execute(text(f"SELECT id, sipd_code FROM {table}.org_units")).all())
        old = conn.scalar(text(f"SELECT to_regclass('{schema}.eb_unit_codes')"))
        conn.rollback()
    assert codes == {
        dinkes: "1.02.0.00.0.00.01.0000",
        disdik: "1.01.0.00.0.00.01.0001",  # as kept, though the core now wants 0000
        setda: "4.01.0.00.0.00.02.0000",
    }
    assert old is None
