"""Separation of duties: conflicting roles, and the last administrator of a regency."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from smartcity.apps import AppManifest, AppRegistry, AppRegistryError, Role, RoleConflict
from smartcity.db import db
from smartcity.errors import Conflict, Forbidden
from smartcity.tenantcore import users
from smartcity.tenantcore.models import AuditEntry, User
from sqlalchemy import select, text

from tenants.ebudgeting import duties, review
from tenants.ebudgeting.access import GRANTS, Actor
from tenants.ebudgeting.duties import DutyViolation
from tenants.ebudgeting.models import FiscalYear, SubActivity
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.ebudgeting_support import budget_year, make_opds, paper_line, sub_activity
from tests.support.web import admin_client, field_errors, post_form

ADMIN = "admin@example.go.id"
BOTH = ["member", "ebudgeting.opd_head", "ebudgeting.tapd_chair"]


@pytest.fixture
def regency(provision):
    return provision(apps=("ebudgeting",))


def _user_id(tenant_db, slug: str, email: str) -> int:
    with tenant_db(slug) as session:
        found = session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


def _add_user(tenant_db, slug: str, email: str, roles: list[str]) -> int:
    with tenant_db(slug) as session:
        return users.create_user(
            session,
            email=email,
            name=email.split("@", maxsplit=1)[0],
            password=PASSWORD,
            roles=roles,
            allowed_roles=["admin", "member", "ebudgeting.opd_head", "ebudgeting.tapd_chair"],
            actor="tests",
        ).id


# --------------------------------------------------------------------------- role conflicts


def test_the_registry_refuses_a_conflict_with_a_role_the_app_does_not_declare():
    manifest = AppManifest(
        name="duties",
        title="Duties",
        version="1",
        roles=(
            Role("clerk", "Clerk", "Prepares.", frozenset()),
            Role("approver", "Approver", "Approves.", frozenset()),
        ),
        role_conflicts=(RoleConflict(("clerk", "auditor"), "the auditor checks the clerk"),),
    )
    with pytest.raises(
        AppRegistryError, match="duties: role conflict names unknown role 'auditor'"
    ):
        AppRegistry([manifest])


def test_the_registry_gives_the_enabled_apps_conflicts_by_the_names_users_carry(state):
    assert state.registry.role_conflicts([]) == []
    [conflict] = state.registry.role_conflicts(["ebudgeting"])
    assert conflict.roles == ("ebudgeting.opd_head", "ebudgeting.tapd_chair")
    assert set(conflict.roles) <= set(state.registry.role_names(["ebudgeting"]))


def test_the_api_refuses_conflicting_roles_naming_both(client, regency, tenant_db):
    headers = bearer(tenant_token(client, regency))
    created = client.post(
        f"/t/{regency}/api/v1/users",
        json={"email": "sekda@example.go.id", "name": "Sekda", "password": PASSWORD, "roles": BOTH},
        headers=headers,
    )
    assert created.status_code == 422, created.get_json()
    error = created.get_json()["error"]
    assert "ebudgeting.opd_head" in error["message"] and "ebudgeting.tapd_chair" in error["message"]
    assert "submits plans that the TAPD chair locks" in error["message"]

    head = _add_user(tenant_db, regency, "kadis@example.go.id", ["member", "ebudgeting.opd_head"])
    patched = client.patch(
        f"/t/{regency}/api/v1/users/{head}", json={"roles": BOTH}, headers=headers
    )
    assert patched.status_code == 422
    assert "ebudgeting.opd_head and ebudgeting.tapd_chair" in patched.get_json()["error"]["message"]
    with tenant_db(regency) as session:
        assert session.scalar(select(User).where(User.email == "sekda@example.go.id")) is None
        assert sorted(session.get(User, head).roles) == ["ebudgeting.opd_head", "member"]


def test_an_admin_cannot_give_itself_both_roles_through_the_form(app, regency, tenant_db):
    admin = admin_client(app, regency)
    own = f"/t/{regency}/admin/users/{_user_id(tenant_db, regency, ADMIN)}"
    refused = post_form(admin, own, {"name": "Admin", "roles": ["admin", *BOTH]})
    assert refused.status_code == 422
    shown = field_errors(refused.get_data(as_text=True), "roles-0")
    assert (
        "peran ebudgeting.opd_head dan ebudgeting.tapd_chair tidak boleh dipegang satu orang"
        in shown
    )
    assert "kepala OPD mengajukan rencana yang dikunci oleh ketua TAPD" in shown
    invited = post_form(
        admin,
        f"/t/{regency}/admin/users/new?lang=en",
        {"email": "kadis@example.go.id", "name": "Kadis", "roles": BOTH},
    )
    assert invited.status_code == 422
    assert (
        "roles ebudgeting.opd_head and ebudgeting.tapd_chair cannot be held by one person"
        in field_errors(invited.get_data(as_text=True), "roles-0")
    )
    with tenant_db(regency) as session:
        assert session.get(User, _user_id(tenant_db, regency, ADMIN)).roles == ["admin"]
        assert session.scalar(select(User).where(User.email == "kadis@example.go.id")) is None


# --------------------------------------------------------------------------- the last admin


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, regency, tenant_db):
    headers = bearer(tenant_token(client, regency))
    me = f"/t/{regency}/api/v1/users/{_user_id(tenant_db, regency, ADMIN)}"
    for change in ({"roles": ["member"]}, {"is_active": False}):
        refused = client.patch(me, json=change, headers=headers)
        assert refused.status_code == 409, change
        assert "last active administrator" in refused.get_json()["error"]["message"]
    with tenant_db(regency) as session:
        admin = session.scalar(select(User).where(User.email == ADMIN))
        assert admin.roles == ["admin"] and admin.is_active
    # With another active administrator, the first may step down.
    _add_user(tenant_db, regency, "wakil@example.go.id", ["admin"])
    assert client.patch(me, json={"roles": ["member"]}, headers=headers).status_code == 200


def _blocked(pid: int) -> bool:
    with db.engine.connect() as conn:
        return bool(
            conn.scalar(text("SELECT cardinality(pg_blocking_pids(:pid)) > 0"), {"pid": pid})
        )


def test_two_concurrent_demotions_cannot_remove_both_last_admins(regency, tenant_db):
    first = _user_id(tenant_db, regency, ADMIN)
    second = _add_user(tenant_db, regency, "wakil@example.go.id", ["admin"])
    pids: list[int] = []

    def demote_second() -> str:
        with tenant_db(regency) as session:
            pids.append(session.scalar(text("SELECT pg_backend_pid()")))
            try:
                users.update_user(
                    session,
                    session.get(User, second),
                    actor="b",
                    allowed_roles=BOTH,
                    roles=["member"],
                )
            except Conflict as exc:
                return exc.message
            return "demoted"

    with ThreadPoolExecutor(1) as pool:
        with tenant_db(regency) as session:
            users.update_user(
                session, session.get(User, first), actor="a", allowed_roles=BOTH, roles=["member"]
            )
            other = pool.submit(demote_second)
            # Hold this transaction open until the other one waits for it (or, without
            # the lock, has already finished).
            deadline = time.monotonic() + 20
            while not other.done() and not (pids and _blocked(pids[0])):
                assert time.monotonic() < deadline, "the second demotion neither ran nor waited"
                time.sleep(0.01)
        outcome = other.result(timeout=20)
    assert "last active administrator" in outcome
    with tenant_db(regency) as session:
        admins = session.scalars(
            select(User.email).where(User.is_active, User.roles.contains(["admin"]))
        ).all()
    assert admins == ["wakil@example.go.id"]


# --------------------------------------------------------------------------- submit, then lock


@pytest.fixture
def plan(regency, tenant_db):
    """A Dinas Kesehatan plan with a line, and a user holding both roles from before
    conflicts were refused; returns (slug, sub id, that user's actor, another chair)."""
    with tenant_db(regency) as session:
        opds = make_opds(session)
        sub = sub_activity(session, budget_year(session, opds), opds)
        paper_line(session, sub, opds)
        both = _add_user(
            tenant_db,
            regency,
            "rangkap@example.go.id",
            ["ebudgeting.opd_head", "ebudgeting.tapd_chair"],
        )
        chair = _add_user(tenant_db, regency, "sekda@example.go.id", ["ebudgeting.tapd_chair"])
        perms = GRANTS["opd_head"] | GRANTS["tapd_chair"]
        dual = Actor("rangkap@example.go.id", perms, frozenset({opds.dinkes}), both)
        other = Actor("sekda@example.go.id", GRANTS["tapd_chair"], None, chair)
        return regency, sub.id, dual, other


def test_whoever_submitted_a_plan_cannot_lock_it(plan, tenant_db):
    slug, sub_id, dual, other = plan
    with tenant_db(slug) as session:
        sub = review.transition(session, sub_id, "submit", note=None, actor=dual)
        assert sub.submitted_by_id == dual.user_id
        with pytest.raises(DutyViolation) as refused:
            review.transition(session, sub_id, "lock", note=None, actor=dual)
        assert refused.value.status == 403
        assert "you submitted sub-activity 1.02.01.2.01.0001: someone else locks it" in (
            refused.value.message
        )
        fiscal_year = session.get(SubActivity, sub_id).fiscal_year_id
        with pytest.raises(DutyViolation):
            review.transition_opd(
                session,
                session.get(FiscalYear, fiscal_year),
                session.get(SubActivity, sub_id).org_unit_id,
                "lock",
                note=None,
                actor=dual,
            )
        assert review.transition(session, sub_id, "lock", note=None, actor=other).status == (
            "locked"
        )


def test_a_regency_may_let_the_submitter_lock(plan, tenant_db):
    slug, sub_id, dual, _other = plan
    admin = Actor(ADMIN, frozenset({"tenant.manage", "users.manage"}), None, None)
    with tenant_db(slug) as session:
        assert duties.submitter_may_not_lock(session)  # on by default
        with pytest.raises(Forbidden):
            duties.set_submitter_may_not_lock(session, False, actor=dual)
        duties.set_submitter_may_not_lock(session, False, actor=admin)
        review.transition(session, sub_id, "submit", note=None, actor=dual)
        assert review.transition(session, sub_id, "lock", note=None, actor=dual).status == "locked"
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ebudgeting.settings.update")
        ).one()
        assert entry.after == {duties.SETTING: False} and entry.actor == ADMIN


def test_the_admin_turns_the_setting_off_on_the_members_page(app, regency, tenant_db):
    admin = admin_client(app, regency)
    page = f"/t/{regency}/ebudgeting/members"
    shown = admin.get(page).get_data(as_text=True)
    assert "Pemisahan tugas" in shown and 'id="submitter_may_not_lock"' in shown
    assert re.search(r'id="submitter_may_not_lock"[^>]* checked', shown)
    assert post_form(admin, f"{page}/duties", {}, page=page).status_code == 303
    with tenant_db(regency) as session:
        assert not duties.submitter_may_not_lock(session)
    assert (
        post_form(admin, f"{page}/duties", {"submitter_may_not_lock": "1"}, page=page).status_code
        == 303
    )
    with tenant_db(regency) as session:
        assert duties.submitter_may_not_lock(session)
