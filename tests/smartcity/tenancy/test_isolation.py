"""The three walls between regencies: resolution, schema-qualified SQL, database roles."""

from __future__ import annotations

import pytest
from smartcity.db import db, tenant_bind
from smartcity.tenancy.names import role_name, schema_name
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from tests.conftest import PASSWORD, bearer, tenant_token


@pytest.fixture
def pair(provision):
    return provision(apps=("noticeboard",)), provision(apps=("noticeboard",))


def _add_users(client, slug, token, count):
    ids = []
    for i in range(count):
        response = client.post(
            f"/t/{slug}/api/v1/users",
            json={"email": f"u{i}@{slug}.go.id", "name": f"User {i}", "password": PASSWORD},
            headers=bearer(token),
        )
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    return ids


def test_another_tenants_ids_are_not_found(client, pair):
    a, b = pair
    token_a, token_b = tenant_token(client, a), tenant_token(client, b)
    b_user_ids = _add_users(client, b, token_b, 3)
    notices_b = f"/t/{b}/api/v1/noticeboard/notices"
    # an admin may post a notice only with the editor role
    refused = client.post(notices_b, json={"title": "rahasia B"}, headers=bearer(token_b))
    assert refused.status_code == 403
    b_admin = client.get(f"/t/{b}/api/v1/me", headers=bearer(token_b)).get_json()
    promoted = client.patch(
        f"/t/{b}/api/v1/users/{b_admin['user']['id']}",
        json={"roles": ["admin", "noticeboard.editor"]},
        headers=bearer(token_b),
    )
    assert promoted.status_code == 200, promoted.get_json()
    b_notice = client.post(notices_b, json={"title": "rahasia B"}, headers=bearer(token_b))
    assert b_notice.status_code == 201, b_notice.get_json()
    b_notice_id = b_notice.get_json()["id"]
    assert client.get(f"{notices_b}/{b_notice_id}", headers=bearer(token_b)).status_code == 200
    # the same id on A's host is A's own row space: B's notice is not there
    foreign = client.get(
        f"/t/{a}/api/v1/noticeboard/notices/{b_notice_id}", headers=bearer(token_a)
    )
    assert foreign.status_code == 404
    a_titles = client.get(f"/t/{a}/api/v1/noticeboard/notices", headers=bearer(token_a))
    assert "rahasia B" not in {n["title"] for n in a_titles.get_json()["notices"]}
    for user_id in b_user_ids:
        for method in ("get", "patch", "delete"):
            kwargs = {"json": {"name": "x"}} if method == "patch" else {}
            response = getattr(client, method)(
                f"/t/{a}/api/v1/users/{user_id}", headers=bearer(token_a), **kwargs
            )
            assert response.status_code == 404, (method, user_id)
            assert "error" in response.get_json()
    listing = client.get(f"/t/{a}/api/v1/users", headers=bearer(token_a)).get_json()
    a_admin = client.get(f"/t/{a}/api/v1/me", headers=bearer(token_a)).get_json()
    # A sees its own admin and none of B's three users
    assert [u["email"] for u in listing["users"]] == [a_admin["user"]["email"]]


def test_a_foreign_token_is_unauthorized(client, pair):
    a, b = pair
    token_a = tenant_token(client, a)
    for path in ("/api/v1/me", "/api/v1/users", "/api/v1/noticeboard/notices"):
        assert client.get(f"/t/{a}{path}", headers=bearer(token_a)).status_code in (200,)
        response = client.get(f"/t/{b}{path}", headers=bearer(token_a))
        assert response.status_code == 401, path
        assert response.get_json()["error"]["code"] == "unauthorized"
    # nor does it open the operator API
    assert client.get("/platform/api/v1/tenants", headers=bearer(token_a)).status_code == 401


def test_the_database_refuses_other_schemas_inside_a_tenant_transaction(settings, pair):
    a, b = pair
    bind = tenant_bind(db.engine, schema_name(a), role_name(settings.role_prefix, a))
    for sql in (
        f'SELECT * FROM "{schema_name(b)}".users',
        "SELECT * FROM platform.tenants",
        "SELECT * FROM platform.operators",
        f'INSERT INTO "{schema_name(b)}".audit_log (actor, action, entity) VALUES (1, 2, 3)',
    ):
        with bind.connect() as conn:
            with pytest.raises(ProgrammingError, match="permission denied"):
                conn.execute(text(sql))
            conn.rollback()
    with bind.connect() as conn:
        assert conn.scalar(text(f'SELECT count(*) FROM "{schema_name(a)}".users')) >= 1
        conn.rollback()


def test_the_app_role_alone_cannot_read_any_tenant(pair):
    a, _ = pair
    with db.engine.connect() as conn:
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text(f'SELECT * FROM "{schema_name(a)}".users'))
        conn.rollback()
    with db.engine.connect() as conn:
        assert (
            conn.scalar(text("SELECT rolinherit FROM pg_roles WHERE rolname = current_user"))
            is False
        )
        assert (
            conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")) is False
        )
        conn.rollback()


def test_one_pooled_connection_carries_nothing_from_a_to_b(settings, app_with, pair):
    a, b = pair
    single = app_with(DB_POOL_SIZE=1, DB_MAX_OVERFLOW=0)
    client = single.test_client()
    token_a, token_b = tenant_token(client, a), tenant_token(client, b)
    me_a = client.get(f"/t/{a}/api/v1/noticeboard/notices", headers=bearer(token_a))
    assert me_a.status_code == 200
    me_b = client.get(f"/t/{b}/api/v1/me", headers=bearer(token_b)).get_json()
    assert me_b["tenant"] == b
    with db.engine.connect() as conn:
        assert db.engine.pool.size() == 1
        role, path = conn.execute(text("SELECT current_user, current_setting('search_path')")).one()
        conn.rollback()
    assert role == settings.app_role
    assert schema_name(a) not in path and schema_name(b) not in path


def test_tenants_are_resolved_from_host_and_unknown_hosts_fail_closed(client, settings, pair):
    a, _ = pair
    token = tenant_token(client, a)
    on_subdomain = client.get(
        "/api/v1/me", headers={**bearer(token), "Host": f"{a}.{settings.BASE_DOMAIN}"}
    )
    assert on_subdomain.status_code == 200
    assert on_subdomain.get_json()["tenant"] == a
    assert client.get("/api/v1/me", headers={"Host": "unknown.localhost"}).status_code == 404
    assert client.get("/api/v1/me", headers={"Host": "evil.example.org"}).status_code == 404
    # tenant routes do not exist on the platform host, nor the console on a tenant host
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 404
    assert (
        client.get(
            "/platform/api/v1/tenants", headers={"Host": f"{a}.{settings.BASE_DOMAIN}"}
        ).status_code
        == 404
    )


def test_custom_domain_serves_its_tenant(client, pair):
    from smartcity.tenancy import lifecycle

    a, _ = pair

    with db.platform_transaction() as session:
        lifecycle.add_domain(
            session, lifecycle.get_tenant(session, a), f"app.{a}.go.id", actor="tests"
        )
    token = tenant_token(client, a)
    response = client.get("/api/v1/me", headers={**bearer(token), "Host": f"app.{a}.go.id"})
    assert response.status_code == 200 and response.get_json()["tenant"] == a
