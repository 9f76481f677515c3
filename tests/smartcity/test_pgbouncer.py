"""Through PgBouncer in transaction mode: no server-side prepared statements, LISTEN direct.

These run in `dev.py test`'s pooled pass, where ``SMARTCITY_TEST_PGBOUNCER_URL``
names a private PgBouncer (Debian's 1.18, ``pool_mode = transaction``) and the
app's engine goes through it; the isolation, web and job tests run in the same
pass. Without a pooler there is nothing to prove, so they skip.
"""

from __future__ import annotations

import secrets

import psycopg
import pytest
from smartcity.bootstrap import libpq_url
from smartcity.db import db
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import PGBOUNCER_URL
from tests.workers import wait_until

pytestmark = pytest.mark.skipif(
    not PGBOUNCER_URL, reason="needs a PgBouncer (`python3 dev.py test` starts one)"
)

#: psycopg prepares a statement server-side once it has run it this many times.
PSYCOPG_PREPARE_THRESHOLD = 5


def test_the_engine_goes_through_the_pooler(app, settings):
    pooler = make_url(PGBOUNCER_URL)
    assert (db.engine.url.host, db.engine.url.port) == (pooler.host, pooler.port)
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT current_user")) == settings.app_role
        conn.rollback()


def test_statements_repeated_by_two_clients_are_never_prepared_on_the_server(app):
    query = text("SELECT count(*) FROM platform.tenants WHERE slug <> :slug")
    runs = PSYCOPG_PREPARE_THRESHOLD + 3
    # Two client connections in turn. Each statement is its own transaction, and
    # PgBouncer hands the idle server connection it used last to the next one, so
    # both clients run on the same backend: a statement psycopg prepared for the
    # first (named _pg3_0) collides with the second's ("already exists"), or is
    # missing once the pooler moves a client to another backend ("does not exist").
    with db.engine.connect() as first, db.engine.connect() as second:
        for conn in (first, second):
            for _ in range(runs):
                conn.execute(query, {"slug": "-"}).scalar_one()
                conn.commit()
            prepared = conn.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
            conn.commit()
            assert prepared == 0


def test_a_change_from_another_process_still_reaches_the_tenant_cache(settings, state, provision):
    """The cache listens on a direct connection: through the pooler no notice would arrive."""
    slug = provision()
    assert state.cache.by_slug(slug) is not None  # starts the listener
    # Another process renames the regency and announces it, as `smartcity` commands
    # do; this process's own commits would drop the entry without any notice.
    # Three times in a row: the listener also drops everything once when it
    # (re)connects, which must not pass for a notice.
    with psycopg.connect(libpq_url(settings.DATABASE_URL), autocommit=True) as other:
        for round_ in range(3):
            name = f"Kabupaten {round_} {secrets.token_hex(3)}"
            with other.transaction():
                other.execute("UPDATE platform.tenants SET name = %s WHERE slug = %s", (name, slug))
                other.execute("SELECT pg_notify('smartcity_registry', %s)", (slug,))
            wait_until(
                lambda name=name: state.cache.by_slug(slug).name == name,
                timeout=settings.TENANT_CACHE_SECONDS / 3,
                what=f"the cache to hear that {slug} became {name!r}",
            )
