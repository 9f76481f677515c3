"""The engine's prepared statements (enough of them kept for many regencies at once),
and statements run below SQLAlchemy's per-execution work that keep the tenancy."""

from __future__ import annotations

import pytest
from smartcity.db import Database, PlainStatement, create_db_engine
from smartcity.tenancy.names import schema_name
from smartcity.tenantcore.models import OrgUnit, TenantSettings
from sqlalchemy import BigInteger, String, bindparam, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DataError, ProgrammingError

#: psycopg prepares a statement server-side once it has run it this many times.
PSYCOPG_PREPARE_THRESHOLD = 5


def _prepared_after_round_robin(url: str, statements: int, prepared_max: int | None) -> int:
    """Run ``statements`` distinct statements in turn, each more often than the
    threshold (as 50 regencies' copies of the same check-in statement are), and
    count what the server holds prepared for this connection at the end."""
    engine = (
        create_db_engine(url, pool_size=1)
        if prepared_max is None
        else create_db_engine(url, pool_size=1, prepared_max=prepared_max)
    )
    try:
        with engine.connect() as conn:
            for _ in range(PSYCOPG_PREPARE_THRESHOLD + 2):
                for n in range(statements):
                    conn.execute(text(f"SELECT {n} + CAST(:x AS integer)"), {"x": 1}).scalar_one()
            prepared = conn.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
            conn.rollback()
            return int(prepared or 0)
    finally:
        engine.dispose()


def test_many_regencies_copies_of_a_statement_are_prepared_when_the_lru_holds_them(app, settings):
    url = settings.app_database_url
    # psycopg's own default (100) forgets each of 150 statements before its fifth run.
    assert _prepared_after_round_robin(url, 150, None) == 0
    assert _prepared_after_round_robin(url, 150, 200) == 150


def test_the_setting_reaches_every_connection(app, settings):
    mine = Database()
    mine.configure_from(settings.replace(DB_PREPARED_MAX=345, POOLED_DATABASE_URL=""))
    try:
        with mine.engine.connect() as conn:
            driver = conn.connection.driver_connection
            assert driver is not None and driver.prepared_max == 345
            conn.rollback()
    finally:
        mine.dispose()


# -- PlainStatement: below SQLAlchemy's per-execution work, nothing of the tenancy lost ----


def _orgunit_codes() -> PlainStatement:
    return PlainStatement(
        select(OrgUnit.code, OrgUnit.name)
        .where(OrgUnit.code.like(bindparam("prefix", type_=String) + "%"))
        .order_by(OrgUnit.code)
    )


def test_a_plain_statement_reads_its_own_regency_only(provision, tenant_db):
    """Rendered per schema, the SQL of one regency is never run for another; and
    the tenant role of the session's transaction still walls the others off."""
    first, second = provision(), provision()
    with tenant_db(first) as s:
        s.add(OrgUnit(code="9.01", name="Dinas Satu", kind="dinas"))
    with tenant_db(second) as s:
        s.add(OrgUnit(code="9.02", name="Dinas Dua", kind="dinas"))
    statement = _orgunit_codes()
    with tenant_db(first) as s:
        assert statement.rows(s, {"prefix": "9."}) == [("9.01", "Dinas Satu")]
    with tenant_db(second) as s:
        assert statement.rows(s, {"prefix": "9."}) == [("9.02", "Dinas Dua")]
        # The other regency's table by its full name: the tenant role may not read it.
        other = PlainStatement(
            select(OrgUnit.code).where(OrgUnit.code == bindparam("code", type_=String))
        )
        rendered = other.statement.compile(
            dialect=s.connection().dialect,
            schema_translate_map={None: schema_name(first)},
            render_schema_translate=True,
        )
        with pytest.raises(ProgrammingError, match="permission denied"):
            s.connection().exec_driver_sql(rendered.string, {"code": "9.01"})
    with tenant_db(first) as s:
        assert statement.first(s, {"prefix": "9.02"}) is None


def test_a_plain_statement_sees_what_the_session_has_not_flushed_yet(provision, tenant_db):
    slug = provision()
    with tenant_db(slug) as s:
        s.add(OrgUnit(code="9.03", name="Belum tersimpan", kind="dinas"))
        assert _orgunit_codes().rows(s, {"prefix": "9.03"}) == [("9.03", "Belum tersimpan")]


def test_a_plain_statement_refuses_types_that_need_sqlalchemy(provision, tenant_db):
    slug = provision()
    needs_processing = PlainStatement(
        select(TenantSettings.logo).where(TenantSettings.values == bindparam("values", type_=JSONB))
    )
    with tenant_db(slug) as s, pytest.raises(TypeError, match="values"):
        needs_processing.rows(s, {"values": {}})


def test_a_database_error_is_sqlalchemys_and_the_transaction_can_go_on(provision, tenant_db):
    slug = provision()
    broken = PlainStatement(
        select(OrgUnit.code).where(OrgUnit.id == bindparam("id", type_=BigInteger) / 0)
    )
    with tenant_db(slug) as s:
        with pytest.raises(DataError, match="division by zero"), s.begin_nested():
            broken.rows(s, {"id": 1})
        assert _orgunit_codes().rows(s, {"prefix": "none"}) == []
