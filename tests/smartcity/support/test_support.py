"""Support access: an operator enters a tenant for a limited time, audited on both sides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from smartcity.db import db
from smartcity.support.models import SupportGrant
from smartcity.tenancy.models import PlatformAuditEntry
from smartcity.tenantcore.models import AuditEntry
from sqlalchemy import select, update

from tests.conftest import OPERATOR_EMAIL
from tests.support.console import (
    REASON,
    console_client,
    page_token,
    signed_in_console,
    start_support,
    tenant_row,
)
from tests.support.web import csrf_token, sign_in


def enter_again(console, slug: str, grant_id: int) -> str:
    detail = f"/platform/tenants/{slug}"
    response = console.post(
        f"{detail}/support/{grant_id}/enter", data={"csrf_token": page_token(console, detail)}
    )
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    return f"{target.path}?{target.query}"


def latest_grant(slug: str) -> SupportGrant:
    with db.platform_transaction() as session:
        return session.scalars(
            select(SupportGrant)
            .where(SupportGrant.tenant_id == tenant_row(slug))
            .order_by(SupportGrant.id.desc())
        ).first()


def test_support_access_within_its_time_and_audited_on_both_sides(app, provision, tenant_db):
    slug = provision()
    console = signed_in_console(app)
    handover = start_support(console, slug)

    browser = app.test_client()  # the operator's browser on the tenant's address
    entered = browser.get(handover)
    assert entered.status_code == 303
    home = browser.get(f"/t/{slug}/").get_data(as_text=True)
    grant = latest_grant(slug)
    assert f'data-support-grant="{grant.id}"' in home  # the banner
    assert OPERATOR_EMAIL in home
    assert browser.get(f"/t/{slug}/admin/users").status_code == 200  # admin permissions
    assert browser.get(handover).status_code == 403  # the token worked once

    # Both audit logs recorded the start, with the reason.
    with db.platform_transaction() as session:
        platform_entries = session.scalars(
            select(PlatformAuditEntry).where(
                PlatformAuditEntry.tenant_id == grant.tenant_id,
                PlatformAuditEntry.action == "support.start",
            )
        ).all()
    assert [e.detail["reason"] for e in platform_entries] == [REASON]
    assert platform_entries[0].actor == f"operator:{OPERATOR_EMAIL}"
    with tenant_db(slug) as session:
        started = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "support.start")
        ).one()
    assert started.after["reason"] == REASON and started.after["operator"] == OPERATOR_EMAIL

    # The regency's admin sees the session, active, with its reason.
    admin = app.test_client()
    sign_in(admin, slug)
    sessions = admin.get(f"/t/{slug}/admin/support").get_data(as_text=True)
    assert f'data-grant="{grant.id}" data-state="active"' in sessions
    assert REASON in sessions and OPERATOR_EMAIL in sessions

    # Ending it asks first: a stray click on the banner changes nothing...
    kept = browser.post(f"/t/{slug}/support/end", data={"csrf_token": csrf_token(home)})
    assert kept.status_code == 303
    assert browser.get(f"/t/{slug}/admin/users").status_code == 200  # still in
    # What the operator does in the tenant is recorded as support:<email>.
    ended = browser.post(
        f"/t/{slug}/support/end", data={"csrf_token": csrf_token(home), "confirm": "yes"}
    )
    assert ended.status_code == 303
    assert browser.get(f"/t/{slug}/admin/users").status_code == 302  # signed out
    with tenant_db(slug) as session:
        actors = {
            (e.action, e.actor)
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.entity_id == str(grant.id))
            )
        }
    assert ("support.end", f"support:{OPERATOR_EMAIL}") in actors
    assert ("support.request", f"support:{OPERATOR_EMAIL}") in actors
    with db.platform_transaction() as session:
        ends = session.scalars(
            select(PlatformAuditEntry.actor).where(
                PlatformAuditEntry.tenant_id == grant.tenant_id,
                PlatformAuditEntry.action == "support.end",
            )
        ).all()
    assert ends == [f"support:{OPERATOR_EMAIL}"]
    sessions = admin.get(f"/t/{slug}/admin/support").get_data(as_text=True)
    assert f'data-grant="{grant.id}" data-state="ended"' in sessions


def test_an_expired_grant_shuts_the_door(app, provision):
    slug = provision()
    console = signed_in_console(app)
    browser = app.test_client()
    browser.get(start_support(console, slug, minutes=15))
    assert browser.get(f"/t/{slug}/admin/users").status_code == 200
    grant = latest_grant(slug)
    with db.platform_transaction() as session:
        session.execute(
            update(SupportGrant)
            .where(SupportGrant.id == grant.id)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    response = browser.get(f"/t/{slug}/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # Nor can it be entered again, and the console shows it as expired.
    assert (
        console.post(
            f"/platform/tenants/{slug}/support/{grant.id}/enter",
            data={"csrf_token": page_token(console, f"/platform/tenants/{slug}")},
        ).status_code
        == 409
    )
    detail = console.get(f"/platform/tenants/{slug}").get_data(as_text=True)
    assert f'data-grant="{grant.id}" data-open="no"' in detail


def test_the_operator_can_end_it_from_the_console(app, provision, tenant_db):
    slug = provision()
    console = signed_in_console(app)
    browser = app.test_client()
    browser.get(start_support(console, slug))
    grant = latest_grant(slug)
    detail = f"/platform/tenants/{slug}"
    # Without the box ticked the session goes on.
    kept = console.post(
        f"{detail}/support/{grant.id}/end", data={"csrf_token": page_token(console, detail)}
    )
    assert kept.status_code == 303
    assert browser.get(f"/t/{slug}/admin/users").status_code == 200
    response = console.post(
        f"{detail}/support/{grant.id}/end",
        data={"csrf_token": page_token(console, detail), "confirm": "yes"},
    )
    assert response.status_code == 303
    assert browser.get(f"/t/{slug}/admin/users").status_code == 302
    with tenant_db(slug) as session:
        end = session.scalars(select(AuditEntry).where(AuditEntry.action == "support.end")).one()
    assert end.actor == f"operator:{OPERATOR_EMAIL}"


def test_a_support_token_or_cookie_for_one_tenant_is_useless_on_another(app, provision):
    a, b = provision(), provision()
    console = signed_in_console(app)
    browser = app.test_client()
    browser.get(start_support(console, a))
    grant = latest_grant(a)

    # A fresh token for A, tried on B first: refused, and still good for A afterwards.
    handover = enter_again(console, a, grant.id)
    thief = app.test_client()
    assert thief.get(handover.replace(f"/t/{a}/", f"/t/{b}/")).status_code == 403
    assert thief.get(f"/t/{b}/admin/users").status_code == 302
    assert thief.get(handover).status_code == 303
    assert thief.get(f"/t/{a}/admin/users").status_code == 200

    # A's support session cookie, presented to B: nobody.
    cookie = browser.get_cookie(f"smartcity_t_{a}", path=f"/t/{a}")
    other = app.test_client()
    other.set_cookie(f"smartcity_t_{b}", cookie.value)
    assert other.get(f"/t/{b}/admin/users").status_code == 302
    # and a forged or stale token is refused
    assert app.test_client().get(f"/t/{a}/support/enter?token=nonsense").status_code == 403


def test_an_operator_can_only_enter_with_their_own_grant(app, provision):
    from smartcity.operators import upsert_operator

    from tests.conftest import PASSWORD

    slug = provision()
    signed_in_console(app)
    start_support(signed_in_console(app), slug)
    grant = latest_grant(slug)
    with db.platform_transaction() as session:
        upsert_operator(
            session, email="colleague@bandung.go.id", name="Colleague", password=PASSWORD, actor="t"
        )
    colleague = console_client(app)
    from tests.support.console import console_sign_in

    console_sign_in(colleague, "colleague@bandung.go.id")
    detail = f"/platform/tenants/{slug}"
    refused = colleague.post(
        f"{detail}/support/{grant.id}/enter", data={"csrf_token": page_token(colleague, detail)}
    )
    assert refused.status_code == 409
