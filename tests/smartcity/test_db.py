"""The engine's prepared statements: enough of them kept for many regencies at once."""

from __future__ import annotations

from smartcity.db import Database, create_db_engine
from sqlalchemy import text

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
