"""Fixtures on a real PostgreSQL and Redis.

The database is created once per session (and dropped, with every role this
deployment created, at the end); tenants are provisioned through the same
service the console and API use. Tests that change a tenant provision their own,
with a unique slug, so they never depend on each other's order.
"""

from __future__ import annotations

import os
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import psycopg
import pytest
from argon2 import PasswordHasher, profiles
from flask import Flask
from flask.testing import FlaskClient
from psycopg import sql
from smartcity.app import create_app
from smartcity.auth import passwords
from smartcity.bootstrap import bootstrap_database, drop_deployment_roles, libpq_url
from smartcity.config import Settings
from smartcity.db import db
from smartcity.demo import DEMO_REGENCIES
from smartcity.devmail import MailCatcher
from smartcity.devservices import with_redis_db
from smartcity.fleet import migrate_platform
from smartcity.operators import upsert_operator
from smartcity.state import PlatformState
from smartcity.tenancy.provisioning import TenantRequest, provision_tenant
from sqlalchemy import text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from tests import citus_support

ADMIN_URL = os.environ.get(
    "SMARTCITY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
#: Logical databases a stock Redis server has (`databases 16`).
REDIS_DATABASES = 16


def worker_redis_url(url: str, worker: str) -> str:
    """The Redis URL of one pytest-xdist worker: its own logical database.

    Worker ``gwN`` takes the URL's database plus N (dev.py's 1 gives gw0 1, gw1 2),
    so workers never count each other's rate limits or queued messages, and a
    test that empties its database empties only its own. Outside xdist
    (``worker`` empty) the URL stays as it is.
    """
    if not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    base = int(query.get("db") or parts.path.lstrip("/") or 0)
    db = base + int(worker[2:])
    if db >= REDIS_DATABASES:
        raise RuntimeError(
            f"pytest-xdist worker {worker} would use Redis database {db} of {url}, past the"
            f" {REDIS_DATABASES} a Redis server has; start from a lower database or run"
            " fewer workers (-n)"
        )
    return with_redis_db(url, db)


REDIS_URL = worker_redis_url(
    os.environ.get("SMARTCITY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
    os.environ.get("PYTEST_XDIST_WORKER", ""),
)
#: A PgBouncer in transaction mode (postgresql://host:port) that `dev.py test`
#: starts for its pooled pass; the app's engine then goes through it.
PGBOUNCER_URL = os.environ.get("SMARTCITY_TEST_PGBOUNCER_URL", "")
TEST_APPS = (
    "tests.apps.noticeboard.manifest:manifest",
    "tests.apps.digest.manifest:manifest",
    "tenants.ebudgeting.manifest:manifest",
    "tenants.pelayanan.manifest:manifest",
    "tenants.ekinerja.manifest:manifest",
    "tenants.sakip.manifest:manifest",
)
PASSWORD = "Rahasia-Uji-2026"
OPERATOR_EMAIL = "ops@bandung.go.id"


def _url_for_db(name: str) -> str:
    # make_url keeps a Unix-socket ``?host=`` query (embedded PostgreSQL) intact.
    return libpq_url(make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False))


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """argon2id at argon2-cffi's CHEAPEST cost, in this process, for the whole session.

    Each hash or check at the deployment's cost (RFC 9106 low-memory: 64 MiB, 3
    passes, 4 lanes) takes ~0.2 s, and the tests make thousands: every test user
    and every sign-in. What the tests check stays as it is: real argon2id hashes,
    right passwords accepted, wrong ones refused. A check reads the cost from the
    hash, so a Celery worker or gunicorn subprocess (at full cost) still accepts
    the users made here.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        passwords._dummy_hash.cache_clear()
        yield
    passwords._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def mailbox() -> Iterator[MailCatcher]:
    """A real SMTP server (aiosmtpd) the app sends to; tests wait for its letters."""
    catcher = MailCatcher().start()
    try:
        yield catcher
    finally:
        catcher.stop()


@pytest.fixture(scope="session")
def settings(mailbox: MailCatcher) -> Iterator[Settings]:
    name = f"sc_test_{secrets.token_hex(4)}"
    with psycopg.connect(libpq_url(ADMIN_URL), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    if citus_support.WORKERS:
        citus_support.distribute_database(ADMIN_URL, name)
    settings = Settings(
        DATABASE_URL=_url_for_db(name),
        REDIS_URL=REDIS_URL,
        SECRET_KEY=secrets.token_hex(16),
        TESTING=True,
        APPS=TEST_APPS,
        LOGIN_RATE_LIMIT="5 per minute",
        LOG_JSON=False,
        DB_POOL_SIZE=5,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mailbox.port,
        MAIL_RETRY_SECONDS=0.2,
    )
    if PGBOUNCER_URL:
        pooled = make_url(PGBOUNCER_URL).set(username=settings.app_role, database=name)
        settings = settings.replace(
            POOLED_DATABASE_URL=pooled.render_as_string(hide_password=False)
        )
    bootstrap_database(settings)
    try:
        yield settings
    finally:
        db.dispose()
        with psycopg.connect(libpq_url(ADMIN_URL), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        drop_deployment_roles(ADMIN_URL, settings.role_prefix)
        if citus_support.WORKERS:
            citus_support.drop_from_workers(ADMIN_URL, name, settings.role_prefix)


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    migrate_platform(app.extensions["smartcity"].migrations)
    with db.platform_transaction() as session:
        upsert_operator(session, email=OPERATOR_EMAIL, name="Ops", password=PASSWORD, actor="tests")
    yield app
    # An xdist worker lives on after its session until the last worker is done: its
    # tenant cache must not keep reconnecting to the database dropped below.
    app.extensions["smartcity"].cache.close()


@pytest.fixture
def app_with(app: Flask, settings: Settings) -> Iterator[Callable[..., Flask]]:
    """``app_with(KEY=value, ...)``: a second app on the same database with some settings
    changed (secure cookies, a proxy in front, a one-connection pool).

    ``create_app`` points the process-wide engine at the new settings, so the session's
    app gets its engine and its tenant cache's hook back afterwards.
    """
    made: list[Flask] = []

    def make(**changes: Any) -> Flask:
        made.append(create_app(settings.replace(**changes)))
        return made[-1]

    try:
        yield make
    finally:
        for other in made:
            other.extensions["smartcity"].cache.close()
        db.configure_from(settings)
        db.on_registry_change[:] = [app.extensions["smartcity"].cache.invalidate]
        app.extensions["smartcity"].cache.invalidate()


@pytest.fixture
def state(app: Flask) -> PlatformState:
    return app.extensions["smartcity"]  # type: ignore[no-any-return]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def unique_slug(stem: str = "kab") -> str:
    return f"{stem}-{uuid.uuid4().hex[:8]}"


Provision = Callable[..., str]


#: Region codes tests (and the demo) name on purpose; a tenant without a wish gets another.
NAMED_REGIONS = (*(code for code, _slug in DEMO_REGENCIES), "76.05")


def take_region(code: str | None = None) -> str:
    """A kab/kota code free for a new live tenant (one live regency per region code).

    The tests share one database and their tenants outlive them, so a test that
    names a region takes it from earlier tests' tenants (moved to free codes here);
    a test that names none gets a free code outside :data:`NAMED_REGIONS`, in a
    WIB province (Sumatra, Java, West and Central Kalimantan) as Pati was before.
    """
    pool = (
        "level = 'kab_kota' AND code <> ALL(:named)"
        " AND (code < '37' OR code LIKE '61.%' OR code LIKE '62.%')"
    )
    free = text(
        f"SELECT code FROM platform.regions WHERE {pool} AND code NOT IN"
        " (SELECT region_code FROM platform.tenants WHERE status <> 'archived')"
        " ORDER BY random() LIMIT 1"
    )
    # A full run provisions more regencies than there are WIB kab/kota: when none is
    # free, the oldest test regency of the pool is archived (its test is long over;
    # archiving keeps its rows and frees its code, as for a real regency).
    oldest = text(
        "UPDATE platform.tenants SET status = 'archived', archived_at = now() WHERE id ="
        " (SELECT id FROM platform.tenants WHERE status <> 'archived' AND region_code IN"
        f" (SELECT code FROM platform.regions WHERE {pool}) ORDER BY id LIMIT 1)"
        " RETURNING region_code"
    )

    def free_code(session: Any) -> str:
        found = session.scalar(free, {"named": list(NAMED_REGIONS)})
        if found is None:
            found = session.scalar(oldest, {"named": list(NAMED_REGIONS)})
        assert found is not None, "no kab/kota left for a test tenant"
        return str(found)

    with db.platform_transaction() as session:
        if code is None:
            return free_code(session)
        holders = session.scalars(
            text(
                "SELECT id FROM platform.tenants WHERE region_code = :code AND status <> 'archived'"
            ),
            {"code": code},
        ).all()
        for tenant_id in holders:
            session.execute(
                text("UPDATE platform.tenants SET region_code = :new WHERE id = :id"),
                {"new": free_code(session), "id": tenant_id},
            )
        # Archived ones go too (to any code of the pool: only live regencies are unique),
        # so the test meets the region as if it had never had a regency.
        session.execute(
            text(
                "UPDATE platform.tenants SET region_code ="
                f" (SELECT code FROM platform.regions WHERE {pool} ORDER BY code LIMIT 1)"
                " WHERE region_code = :code AND status = 'archived'"
            ),
            {"code": code, "named": list(NAMED_REGIONS)},
        )
    return code


@pytest.fixture
def provision(app: Flask) -> Provision:
    """Provision a tenant (committed) and return its slug."""
    state: PlatformState = app.extensions["smartcity"]

    def make(
        slug: str | None = None,
        apps: tuple[str, ...] = (),
        region_code: str | None = None,
        admin_email: str = "admin@example.go.id",
    ) -> str:
        slug = slug or unique_slug()
        region_code = take_region(region_code)
        with db.platform_transaction() as session:
            provision_tenant(
                session,
                TenantRequest(
                    slug=slug,
                    name=f"Kabupaten {slug}",
                    region_code=region_code,
                    apps=apps,
                    admin_email=admin_email,
                    admin_password=PASSWORD,
                    # Earlier tests' regencies may have been archived on this code;
                    # only a live one stands in the way (tests of that rule call the
                    # service themselves).
                    reprovision=True,
                ),
                registry=state.registry,
                migrations=state.migrations,
                role_prefix=state.settings.role_prefix,
                actor="tests",
            )
        return slug

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tenant_token(client: FlaskClient, slug: str, email: str = "admin@example.go.id") -> str:
    response = client.post(
        f"/t/{slug}/api/v1/auth/token", json={"email": email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    token: str = response.get_json()["access_token"]
    return token


def operator_token(client: FlaskClient) -> str:
    response = client.post(
        "/platform/api/v1/auth/token", json={"email": OPERATOR_EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    token: str = response.get_json()["access_token"]
    return token


def json_of(response: Any) -> Any:
    return response.get_json()


@pytest.fixture
def tenant_db(app: Flask, provision: Provision) -> Callable[[str], Any]:
    """``with tenant_db(slug) as session:`` a session under the tenant's role; commits."""
    from contextlib import contextmanager

    from smartcity.db import tenant_bind
    from smartcity.tenancy.names import role_name, schema_name

    prefix = app.extensions["smartcity"].settings.role_prefix

    @contextmanager
    def open_session(slug: str) -> Iterator[Any]:
        session = db.session(
            bind=tenant_bind(db.engine, schema_name(slug), role_name(prefix, slug))
        )
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    return open_session


# -- browser tests (Debian's Chromium driven by Playwright) ---------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The test app served over HTTP on a free port; yields its base URL."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watch_csp(target: Any, refused: list[str]) -> Any:
    """Collect what the Content-Security-Policy refused on a Playwright page or context.

    Chromium reports each refusal as a console error; a page that needs an inline
    script or style would show up here (see smartcity.security_headers).
    """

    def seen(message: Any) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    target.on("console", seen)
    return target


@pytest.fixture
def page_sign_in(app: Flask) -> Callable[[str, str], FlaskClient]:
    """``page_sign_in(slug, email)``: a test client signed in to the regency's pages
    through its sign-in form (CSRF token and all)."""
    import re

    def sign_in(slug: str, email: str = "admin@example.go.id") -> FlaskClient:
        client = app.test_client()
        page = client.get(f"/t/{slug}/login").get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page
        )
        assert match, "the sign-in form has no CSRF token"
        response = client.post(
            f"/t/{slug}/login",
            data={"csrf_token": match.group(1), "email": email, "password": PASSWORD},
        )
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
        return client

    return sign_in
