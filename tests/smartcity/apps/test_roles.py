"""Roles and permissions are namespaced by their app, described, and shown in words."""

from __future__ import annotations

import html
import re

import pytest
from smartcity.apps import AppManifest, AppRegistry, AppRegistryError, Permission, Role
from smartcity.db import db, tenant_bind
from smartcity.fleet import migrate_fleet
from smartcity.tenancy.names import quote_ident, role_name, schema_name
from smartcity.tenantcore import users
from sqlalchemy import text

from tests.conftest import PASSWORD, bearer, tenant_token
from tests.support.web import admin_client


def _app(**fields) -> AppManifest:
    return AppManifest(**{"name": "arsip", "title": "Arsip", "version": "1", **fields})


def _role(key: str, *permissions: str) -> Role:
    return Role(key, "Title", "What it is for.", frozenset(permissions))


ARCHIVE_READ = Permission("arsip.read", "Read the archive")


# --------------------------------------------------------------------------- the registry


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"roles": (_role("ebudgeting.tapd_chair"),)}, "role key 'ebudgeting.tapd_chair' must"),
        ({"roles": (_role("reader"), _role("reader"))}, "role 'reader' declared twice"),
        (
            {"roles": (_role("boss", "users.manage"),)},
            "role 'boss' grants 'users.manage', outside its namespace",
        ),
        (
            {"roles": (_role("spy", "ebudgeting.lock"),)},
            "role 'spy' grants 'ebudgeting.lock', outside its namespace",
        ),
        (
            {"permissions": (Permission("tenant.manage", "Everything"),)},
            "permission 'tenant.manage' is outside its namespace",
        ),
        (
            {"roles": (_role("reader", "arsip.read"),)},
            "role 'reader' grants 'arsip.read', which is not in its permissions",
        ),
        (
            {"permissions": (Permission("arsip.read", " "),)},
            "permission 'arsip.read' needs a description",
        ),
        (
            {"roles": (Role("reader", "", "", frozenset()),)},
            "role 'reader' needs a title and a description",
        ),
    ],
)
def test_the_registry_refuses_roles_and_permissions_outside_the_apps_namespace(fields, problem):
    with pytest.raises(AppRegistryError, match=re.escape(f"arsip: {problem}")):
        AppRegistry([_app(**fields)])


def test_a_well_formed_app_is_accepted_and_its_roles_carry_its_name():
    registry = AppRegistry(
        [_app(roles=(_role("admin", "arsip.read"),), permissions=(ARCHIVE_READ,))]
    )
    # The app's ``admin`` is not the core's: it is carried as arsip.admin.
    assert registry.role_names(["arsip"]) == ["admin", "member", "arsip.admin"]
    assert registry.permissions(["arsip.admin"], ["arsip"]) == {"arsip.read"}
    assert registry.permissions(["arsip.admin"], []) == frozenset()
    [info] = [i for i in registry.roles(["arsip"]) if i.name == "arsip.admin"]
    assert (info.owner, info.permissions) == ("Arsip", (ARCHIVE_READ,))


def test_two_apps_declaring_viewer_give_each_only_its_own_permissions(state):
    both = ["noticeboard", "digest"]
    registry = state.registry
    assert {"noticeboard.viewer", "digest.viewer"} <= set(registry.role_names(both))
    assert registry.permissions(["noticeboard.viewer"], both) == {"noticeboard.read"}
    assert registry.permissions(["digest.viewer"], both) == {"digest.read"}
    # A bare name from before namespacing grants nothing at all.
    assert registry.permissions(["viewer", "editor"], both) == frozenset()
    # A user's permissions come only from the apps enabled for the regency.
    assert registry.permissions(["digest.viewer"], ["noticeboard"]) == frozenset()


def test_a_viewer_of_another_app_cannot_post_to_the_noticeboard(client, provision, tenant_db):
    slug = provision(apps=("noticeboard", "digest"))
    with tenant_db(slug) as session:
        for email, roles in (
            ("ringkas@example.go.id", ["digest.viewer"]),
            ("penyunting@example.go.id", ["noticeboard.editor"]),
        ):
            users.create_user(
                session,
                email=email,
                name=email.split("@", maxsplit=1)[0],
                password=PASSWORD,
                roles=roles,
                allowed_roles=["digest.viewer", "noticeboard.editor"],
                actor="tests",
            )
    notices = f"/t/{slug}/api/v1/noticeboard/notices"
    viewer = bearer(tenant_token(client, slug, "ringkas@example.go.id"))
    editor = bearer(tenant_token(client, slug, "penyunting@example.go.id"))
    assert client.post(notices, json={"title": "x"}, headers=viewer).status_code == 403
    assert client.post(notices, json={"title": "x"}, headers=editor).status_code == 201


# --------------------------------------------------------------------------- stored roles


def test_the_migration_namespaces_the_ebudgeting_roles_users_carry(state, settings, provision):
    slug = provision(apps=("ebudgeting",))
    schema, role = schema_name(slug), role_name(settings.role_prefix, slug)
    users_table = f"{quote_ident(schema)}.users"
    old = {
        "kadis@example.go.id": ["member", "opd_head"],
        "sekda@example.go.id": ["tapd_chair", "admin", "viewer"],
        "lain@example.go.id": ["member", "noticeboard.editor"],
    }
    with tenant_bind(db.engine, schema, role).connect() as conn:
        state.migrations.downgrade_tenant(conn, schema, "ebudgeting", "eb0005")
        for email, roles in old.items():
            conn.execute(
                text(
                    f"INSERT INTO {users_table} (email, name, password_hash, roles, is_active, "
                    "credential_version, session_version) VALUES (:email, 'x', 'x', :roles, "
                    "true, 1, 1)"
                ),
                {"email": email, "roles": roles},
            )
        conn.commit()

    report = migrate_fleet(settings, state.registry, parallelism=1)

    assert slug in report.migrated and not report.failed
    with tenant_bind(db.engine, schema, role).connect() as conn:
        stored = dict(
            conn.execute(
                text(f"SELECT email, roles FROM {users_table} WHERE email LIKE '%@example%'")
            ).all()
        )
        conn.rollback()
    assert stored == {
        "admin@example.go.id": ["admin"],
        "kadis@example.go.id": ["member", "ebudgeting.opd_head"],
        "sekda@example.go.id": ["ebudgeting.tapd_chair", "admin", "ebudgeting.viewer"],
        "lain@example.go.id": ["member", "noticeboard.editor"],
    }


# --------------------------------------------------------------------------- roles in words


def _words(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "id",
            [
                "Ketua TAPD · e-Budgeting",
                "Mengunci rencana yang sudah diverifikasi",
                "Administrator daerah ini",
                "Mengundang pengguna, memberi peran, menonaktifkannya",
            ],
        ),
        (
            "en",
            [
                "TAPD chair · e-Budgeting",
                "Lock verified plans and move the budget to its next stage",
                "Administrator of this regency",
                "Invite users, give them roles, deactivate them",
            ],
        ),
    ],
)
def test_the_admin_sees_what_each_role_allows_where_roles_are_given(app, provision, lang, expected):
    slug = provision(apps=("ebudgeting",))
    admin = admin_client(app, slug)
    form = _words(admin.get(f"/t/{slug}/admin/users/new?lang={lang}").get_data(as_text=True))
    for words in expected:
        assert words in form, words
    listing = admin.get(f"/t/{slug}/admin/users?lang={lang}").get_data(as_text=True)
    assert expected[0] in _words(listing)  # the role filter offers titles, not codes
    members = _words(admin.get(f"/t/{slug}/ebudgeting/members?lang={lang}").get_data(as_text=True))
    assert expected[1] in members and expected[0].split(" · ")[0] in members
