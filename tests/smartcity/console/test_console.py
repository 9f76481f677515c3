"""The operator console: health of each regency, domains, archiving, adoption page."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import smartcity
from babel.messages.pofile import read_po
from smartcity.db import db
from smartcity.jobs.models import Job
from smartcity.tenancy import lifecycle
from smartcity.tenancy.models import PlatformAuditEntry, Tenant, TenantMigration, TenantStatus
from smartcity.web.audit_words import ACTIONS
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from tests.conftest import unique_slug
from tests.support.console import console_client, page_token, row_of, signed_in_console, tenant_row
from tests.support.migrations import downgrade_noticeboard
from tests.support.web import csrf_token


def put_in_maintenance(slug: str, error: str) -> None:
    """What a failed fleet migration leaves behind (see smartcity.fleet.migrate_one)."""
    tenant_id = tenant_row(slug)
    with db.platform_transaction() as session:
        session.execute(
            update(Tenant)
            .where(Tenant.id == tenant_id)
            .values(maintenance=True, maintenance_reason=f"migration failed: {error}")
        )
        session.execute(
            insert(TenantMigration).values(
                tenant_id=tenant_id, status="failed", versions=[], error=error
            )
        )


def archive_quietly(*slugs: str) -> None:
    """Take test tenants out of the fleet, so later fleet migrations do not see them."""
    with db.platform_transaction() as session:
        session.execute(
            update(Tenant)
            .where(Tenant.slug.in_(slugs))
            .values(status=TenantStatus.ARCHIVED, archived_at=func.now())
        )


def test_health_shows_a_tenant_in_maintenance_with_its_error(app, state, provision, tenant_db):
    # One stem for the three, so the page can be searched for them whatever else the
    # suite's database holds (the health page shows one page of regencies at a time).
    stem = unique_slug("health")
    broken = provision(f"{stem}-broken")
    behind = provision(f"{stem}-behind", apps=("noticeboard",))
    fine = provision(f"{stem}-fine")
    try:
        _check_health_pages(
            app, state, tenant_db, stem=stem, broken=broken, behind=behind, fine=fine
        )
    finally:
        archive_quietly(broken, behind, fine)
        state.cache.invalidate()


def _check_health_pages(
    app, state, tenant_db, *, stem: str, broken: str, behind: str, fine: str
) -> None:
    put_in_maintenance(broken, "UniqueViolation: could not create unique index uq_notices_title")
    downgrade_noticeboard(state, behind)
    with tenant_db(fine) as session:
        session.add(Job(kind="report.staff", status="failed", requested_by="x", error="boom"))
        session.add(Job(kind="report.staff", status="succeeded", requested_by="x"))
    state.cache.invalidate()
    client = signed_in_console(app)

    page = client.get(f"/platform/health?sort=attention&q={stem}").get_data(as_text=True)
    broken_row = row_of(page, broken)
    assert 'data-health="maintenance"' in broken_row
    assert 'data-health="migration_failed"' in broken_row
    assert "could not create unique index uq_notices_title" in broken_row
    behind_row = row_of(page, behind)
    assert 'data-health="behind"' in behind_row and "noticeboard" in behind_row
    fine_row = row_of(page, fine)
    assert 'data-health="jobs_failed"' in fine_row
    # Job statuses in words, in the page's language, not the stored codes.
    assert "Gagal: 1" in fine_row and "Selesai: 1" in fine_row
    english = client.get(f"/platform/health?sort=attention&q={stem}&lang=en").get_data(as_text=True)
    assert "Failed: 1" in row_of(english, fine) and "failed: 1" not in english
    # Needing attention first: the tenant in maintenance comes before the one whose jobs failed.
    assert page.index(f'data-tenant="{broken}"') < page.index(f'data-tenant="{fine}"')

    only = client.get(f"/platform/health?only=problems&q={broken}").get_data(as_text=True)
    assert f'data-tenant="{broken}"' in only

    listing = client.get(f"/platform/?q={broken}").get_data(as_text=True)
    assert 'data-health="maintenance"' in row_of(listing, broken)

    detail = client.get(f"/platform/tenants/{broken}").get_data(as_text=True)
    assert "could not create unique index uq_notices_title" in detail
    assert 'data-health="maintenance"' in detail


def test_a_healthy_tenant_is_shown_as_such(app, provision):
    slug = provision(apps=("noticeboard",))
    client = signed_in_console(app)
    row = row_of(client.get(f"/platform/health?q={slug}").get_data(as_text=True), slug)
    assert 'data-health="ok"' in row
    assert client.get("/platform/health").status_code == 200


def test_console_pages_need_an_operator(app, provision):
    provision()
    client = console_client(app)
    for path in ("/platform/health", "/platform/adoption", "/platform/account/security"):
        response = client.get(path)
        assert response.status_code == 302 and "/platform/login" in response.headers["Location"]


def test_a_custom_domain_can_be_removed(app, provision):
    slug = provision()
    client = signed_in_console(app)
    detail = f"/platform/tenants/{slug}"
    domain = f"{slug}.smartcity.example.go.id"
    added = client.post(
        f"{detail}/domains", data={"csrf_token": page_token(client, detail), "domain": domain}
    )
    assert added.status_code == 303
    assert app.test_client().get("/", headers={"Host": domain}).status_code == 302  # served
    page = client.get(detail).get_data(as_text=True)
    domain_id = re.search(r"/domains/(\d+)/remove", page).group(1)

    removed = client.post(
        f"{detail}/domains/{domain_id}/remove", data={"csrf_token": csrf_token(page)}
    )
    assert removed.status_code == 303
    assert f'data-domain="{domain}"' not in client.get(detail).get_data(as_text=True)
    assert app.test_client().get("/", headers={"Host": domain}).status_code == 404
    with db.platform_transaction() as session:
        from smartcity.tenancy.models import PlatformAuditEntry

        actions = session.scalars(
            select(PlatformAuditEntry.action).where(
                PlatformAuditEntry.tenant_id == tenant_row(slug)
            )
        ).all()
    assert "domain.remove" in actions


def test_archiving_asks_for_the_slug(app, provision):
    slug = provision()
    client = signed_in_console(app)
    detail = f"/platform/tenants/{slug}"
    token = page_token(client, detail)
    refused = client.post(f"{detail}/archive", data={"csrf_token": token, "confirm_slug": "nope"})
    assert refused.status_code == 422
    assert slug in refused.get_data(as_text=True)
    assert app.test_client().get(f"/t/{slug}/login").status_code == 200  # still served

    archived = client.post(f"{detail}/archive", data={"csrf_token": token, "confirm_slug": slug})
    assert archived.status_code == 303
    assert app.test_client().get(f"/t/{slug}/login").status_code == 404


def test_suspending_asks_why_and_the_regency_is_told_whom_to_contact(app, provision):
    slug = provision()
    client = signed_in_console(app)
    detail = f"/platform/tenants/{slug}"
    page = client.get(detail).get_data(as_text=True)
    # The reason is asked in a step of its own, before anything happens (no inline script).
    step = page[page.index('<details class="w-100" id="suspend"') :].split("</details>")[0]
    assert 'name="reason"' in step and 'name="contact"' in step
    token = csrf_token(page)
    refused = client.post(f"{detail}/suspend", data={"csrf_token": token, "reason": " "})
    assert refused.status_code == 422
    assert app.test_client().get(f"/t/{slug}/login").status_code == 200  # still served

    why = "Perjanjian kerja sama sedang diperbarui"
    suspended = client.post(
        f"{detail}/suspend",
        data={"csrf_token": token, "reason": why, "contact": "helpdesk@bandung.go.id"},
    )
    assert suspended.status_code == 303
    notice = app.test_client().get(f"/t/{slug}/login")
    assert notice.status_code == 403
    html = notice.get_data(as_text=True)
    assert why in html and "helpdesk@bandung.go.id" in html and "Hubungi" in html
    assert why in client.get(detail).get_data(as_text=True)
    with db.platform_transaction() as session:
        from smartcity.tenancy.models import PlatformAuditEntry

        entry = session.scalars(
            select(PlatformAuditEntry).where(
                PlatformAuditEntry.tenant_id == tenant_row(slug),
                PlatformAuditEntry.action == "tenant.suspend",
            )
        ).one()
        assert entry.detail["reason"] == why
        assert entry.detail["contact"] == "helpdesk@bandung.go.id"

    resumed = client.post(f"{detail}/resume", data={"csrf_token": token})
    assert resumed.status_code == 303
    assert app.test_client().get(f"/t/{slug}/login").status_code == 200


def test_a_refusal_with_values_is_shown_in_indonesian_or_english(app, provision):
    """The service raises a msgid with its values; the page translates it as it shows it."""
    slug = provision()
    client = signed_in_console(app)
    detail = f"/platform/tenants/{slug}"
    enable = f"{detail}/apps/digest/enable"
    refused = client.post(enable, data={"csrf_token": page_token(client, detail)})
    assert refused.status_code == 409
    assert "&#39;digest&#39; membutuhkan noticeboard: aktifkan dulu" in refused.get_data(
        as_text=True
    )
    english = client.post(
        f"{enable}?lang=en", data={"csrf_token": page_token(client, f"{detail}?lang=en")}
    )
    assert "&#39;digest&#39; requires noticeboard: enable it first" in english.get_data(
        as_text=True
    )


def test_recent_activity_names_each_event_in_the_readers_language(app, provision):
    """The tenant page reads "Domain ditambahkan", not ``domain.add``; only a code nobody
    named (an older or newer deployment's) is shown as it is stored."""
    slug = provision()
    client = signed_in_console(app)
    detail = f"/platform/tenants/{slug}"
    added = client.post(
        f"{detail}/domains",
        data={"csrf_token": page_token(client, detail), "domain": f"{slug}.example.go.id"},
    )
    assert added.status_code == 303
    with db.platform_transaction() as session:
        session.add(
            PlatformAuditEntry(
                actor="t", action="tenant.teleport", tenant_id=tenant_row(slug), detail={}
            )
        )

    def activity(lang: str) -> str:
        page = client.get(f"{detail}?lang={lang}").get_data(as_text=True)
        return page[page.index('<ul class="list-group list-group-flush small">') :]

    indonesian = activity("id")
    assert "Pemerintah daerah disiapkan" in indonesian and "Domain ditambahkan" in indonesian
    assert "tenant.provision" not in indonesian and "domain.add" not in indonesian
    assert "<code>tenant.teleport</code>" in indonesian
    english = activity("en")
    assert "Regency provisioned" in english and "Domain added" in english
    assert "tenant.provision" not in english


def _recorded_platform_actions() -> set[str]:
    """Every code the core passes to ``record_platform``, read from its source."""
    codes: set[str] = set()
    for path in Path(smartcity.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            name = getattr(node, "func", None)
            called = getattr(name, "attr", None) or getattr(name, "id", None)
            if not isinstance(node, ast.Call) or called != "record_platform":
                continue
            action = next(k.value for k in node.keywords if k.arg == "action")
            if isinstance(action, ast.JoinedStr):  # lifecycle: f"tenant.{action}"
                codes |= {f"tenant.{a}" for a in lifecycle._TRANSITIONS}
            elif isinstance(action, ast.IfExp):
                codes |= {action.body.value, action.orelse.value}  # type: ignore[attr-defined]
            else:
                codes.add(action.value)  # type: ignore[attr-defined]
    return codes


def test_every_platform_event_has_words_in_both_languages():
    """The console shows a code only when nobody named it: the core names all of its own."""
    codes = _recorded_platform_actions()
    assert {"tenant.provision", "tenant.suspend", "operator.password_link"} <= codes
    assert sorted(codes - set(ACTIONS)) == []
    po = Path(smartcity.__file__).parent / "translations" / "id" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as catalogue:
        indonesian = read_po(catalogue)
    assert [ACTIONS[c] for c in sorted(codes) if not indonesian.get(ACTIONS[c]).string] == []
