"""Adoption: activity recorded per request, rolled up nightly into 7- and 30-day figures."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from smartcity.db import db
from smartcity.jobs.models import Job
from smartcity.tenantcore.models import Activity, User
from smartcity.usage import collect
from smartcity.usage.activity import FLUSH_EVERY, ledger, local_day
from smartcity.usage.models import TenantUsageDaily
from sqlalchemy import select

from tests.conftest import bearer, tenant_token
from tests.support.console import signed_in_console, tenant_row
from tests.support.web import sign_in

DAY = date(2026, 3, 31)


def activity_rows(tenant_db, slug: str) -> list[tuple[int, str, date, int]]:
    with tenant_db(slug) as session:
        return [
            (a.user_id, a.app, a.day, a.hits)
            for a in session.scalars(select(Activity).order_by(Activity.app))
        ]


def test_requests_are_recorded_once_per_user_app_and_day(app, state, provision, tenant_db):
    slug = provision(apps=("noticeboard",))
    ledger.clear()
    client = app.test_client()
    token = tenant_token(client, slug)
    for _ in range(3):
        assert client.get(f"/t/{slug}/api/v1/me", headers=bearer(token)).status_code == 200
    assert (
        client.get(f"/t/{slug}/api/v1/noticeboard/notices", headers=bearer(token)).status_code
        == 200
    )
    browser = app.test_client()
    sign_in(browser, slug)
    assert browser.get(f"/t/{slug}/noticeboard/").status_code == 200

    with tenant_db(slug) as session:
        admin_id = session.scalars(select(User.id)).one()
    today = local_day(state.cache.by_slug(slug))
    rows = activity_rows(tenant_db, slug)
    # One row per app; repeated requests were counted in memory, not written each time.
    assert rows == [(admin_id, "core", today, 1), (admin_id, "noticeboard", today, 1)]

    # Every FLUSH_EVERY requests, the hits counted in memory are written at once.
    for _ in range(FLUSH_EVERY):
        client.get(f"/t/{slug}/api/v1/me", headers=bearer(token))
    core = next(r for r in activity_rows(tenant_db, slug) if r[1] == "core")
    assert core[3] == 1 + FLUSH_EVERY

    # Anonymous and refused requests count for nobody.
    app.test_client().get(f"/t/{slug}/api/v1/me")
    assert len(activity_rows(tenant_db, slug)) == 2


def seed_activity(tenant_db, slug: str) -> None:
    """Users 1-3 on several days of the 30 days up to DAY, in two apps."""
    rows = [
        # user, app, days before DAY, hits
        (1, "core", 0, 5),
        (1, "noticeboard", 0, 2),
        (2, "core", 3, 4),
        (2, "core", 6, 1),  # still within 7 days (DAY-6 .. DAY)
        (3, "core", 7, 9),  # outside 7 days, inside 30
        (3, "noticeboard", 29, 1),  # the first day of the 30
        (4, "core", 30, 8),  # outside both windows
        (1, "core", 1, 3),
        (2, "noticeboard", 10, 2),
    ]
    with tenant_db(slug) as session:
        for user, app, back, hits in rows:
            session.add(Activity(user_id=user, app=app, day=DAY - timedelta(days=back), hits=hits))
        start = datetime.combine(DAY, time(8), ZoneInfo("Asia/Jakarta"))
        session.add(
            Job(kind="noticeboard.digest", status="succeeded", requested_by="x", created_at=start)
        )
        session.add(Job(kind="report.staff", status="failed", requested_by="x", created_at=start))
        session.add(
            Job(
                kind="report.staff",
                status="queued",
                requested_by="x",
                created_at=start - timedelta(days=1),
            )
        )


def usage_rows(slug: str, day: date = DAY) -> dict[str, tuple[int, int, int, int, int]]:
    with db.platform_transaction() as session:
        rows = session.scalars(
            select(TenantUsageDaily).where(
                TenantUsageDaily.tenant_id == tenant_row(slug), TenantUsageDaily.day == day
            )
        ).all()
    return {
        r.app: (r.active_users, r.active_users_7d, r.active_users_30d, r.hits, r.jobs) for r in rows
    }


def test_collect_gives_distinct_active_users_over_7_and_30_days(app, provision, tenant_db):
    slug = provision(apps=("noticeboard",))
    seed_activity(tenant_db, slug)
    with app.app_context():
        report = collect(DAY)
    assert slug not in report.failed
    expected = {
        # app: (that day, 7 days, 30 days, hits that day, jobs created that day)
        "*": (1, 2, 3, 7, 2),
        "core": (1, 2, 3, 5, 1),
        "noticeboard": (1, 1, 3, 2, 1),
    }
    assert usage_rows(slug) == expected
    # Idempotent: collecting the same day again gives the same rows, not doubled ones.
    with app.app_context():
        collect(DAY)
    assert usage_rows(slug) == expected

    # A later day with no activity at all still writes the tenant's row, with the
    # figures that fell out of the windows.
    with app.app_context():
        collect(DAY + timedelta(days=25))
    later = usage_rows(slug, DAY + timedelta(days=25))
    assert later["*"] == (0, 0, 2, 0, 0)  # users 1 and 2 (days -1 .. 0, -3) still within 30 days
    assert later["core"] == (0, 0, 2, 0, 0) and later["noticeboard"] == (0, 0, 1, 0, 0)


def test_the_cli_collects_and_the_adoption_page_shows_it(app, provision, tenant_db):
    from smartcity.cli import main

    slug = provision(apps=("noticeboard",))
    seed_activity(tenant_db, slug)
    result = app.test_cli_runner().invoke(
        main, ["usage", "collect", "--day", DAY.isoformat(), "--days", "2"]
    )
    assert result.exit_code == 0, result.output
    assert f"{DAY}:" in result.output and f"{DAY - timedelta(days=1)}:" in result.output

    console = signed_in_console(app)
    page = console.get(f"/platform/adoption?q={slug}").get_data(as_text=True)
    body = re.search(rf'<tbody data-tenant="{slug}">(.*?)</tbody>', page, re.S).group(1)
    total = re.search(r'<tr [^>]*data-app="\*">(.*?)</tr>', body, re.S).group(1)
    assert re.search(r'data-col="active_7d">2<', total) and re.search(
        r'data-col="active_30d">3<', total
    )
    board = re.search(r'<tr data-app="noticeboard">(.*?)</tr>', body, re.S).group(1)
    assert re.search(r'data-col="active_7d">1<', board) and re.search(
        r'data-col="active_30d">3<', board
    )
    chart = json.loads(
        re.search(
            r'<script type="application/json" id="adoption-data">(.*?)</script>', page, re.S
        ).group(1)
    )
    assert chart["active7"] == [2] and chart["active30"] == [3]
    assert len(chart["days"]) == 30 and chart["series"][0]["data"][-1] == 1
    assert "vendor/chartjs/chart.umd.min.js" in page

    detail = console.get(f"/platform/tenants/{slug}").get_data(as_text=True)
    cells = r'<td class="text-end">2</td><td class="text-end">3</td>'
    assert re.search(r'<tr class="fw-semibold" data-app="\*"><td>[^<]*</td>' + cells, detail)


def test_support_sessions_are_not_counted_as_use(app, provision, tenant_db):
    from tests.support.console import start_support

    slug = provision()
    ledger.clear()
    browser = app.test_client()
    browser.get(start_support(signed_in_console(app), slug))
    assert browser.get(f"/t/{slug}/").status_code == 200
    assert activity_rows(tenant_db, slug) == []
    # The regency's own admin still counts.
    admin = app.test_client()
    sign_in(admin, slug)
    admin.get(f"/t/{slug}/")
    assert len(activity_rows(tenant_db, slug)) == 1


def test_an_uncollected_adoption_page_says_so_and_collects_now(app, provision):
    from tests.support.web import csrf_token

    slug = provision()
    ledger.clear()
    admin = app.test_client()
    sign_in(admin, slug)
    assert admin.get(f"/t/{slug}/").status_code == 200  # today's activity, not yet collected

    console = signed_in_console(app)
    page = console.get(f"/platform/adoption?q={slug}").get_data(as_text=True)
    empty = re.search(r'<div class="alert alert-info" id="adoption-empty">(.*?)</div>', page, re.S)
    assert empty is not None and "Belum ada angka" in empty.group(1)
    assert "/platform/adoption/collect" in empty.group(1)
    assert "<canvas" not in page  # no empty chart without a word

    collected = console.post(
        f"/platform/adoption/collect?q={slug}", data={"csrf_token": csrf_token(page)}
    )
    assert collected.status_code == 303 and collected.headers["Location"].endswith(f"q={slug}")
    after = console.get(f"/platform/adoption?q={slug}").get_data(as_text=True)
    assert 'id="adoption-empty"' not in after and "<canvas" in after
    body = re.search(rf'<tbody data-tenant="{slug}">(.*?)</tbody>', after, re.S).group(1)
    total = re.search(r'<tr [^>]*data-app="\*">(.*?)</tr>', body, re.S).group(1)
    assert re.search(r'data-col="active_7d">1<', total)


def test_console_figures_and_moments_read_the_indonesian_way(app, provision):
    slug = provision()
    with db.platform_transaction() as session:
        session.add(
            TenantUsageDaily(
                tenant_id=tenant_row(slug),
                day=DAY,
                app="*",
                active_users=1,
                active_users_7d=1,
                active_users_30d=1,
                hits=12345,
                jobs=0,
                collected_at=datetime.now(ZoneInfo("Asia/Jakarta")),
            )
        )
    console = signed_in_console(app)
    page = console.get(f"/platform/adoption?q={slug}").get_data(as_text=True)
    body = re.search(rf'<tbody data-tenant="{slug}">(.*?)</tbody>', page, re.S).group(1)
    assert ">12.345<" in body and "12345" not in body
    assert ">12,345<" in console.get(f"/platform/adoption?q={slug}&lang=en").get_data(as_text=True)
    detail = console.get(f"/platform/tenants/{slug}?lang=id").get_data(as_text=True)
    created = re.search(r"<time datetime=[^>]*>([^<]*)</time>", detail).group(1)
    # "6 Des 2026 14.05", never "06/12/26 14.05".
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}\.\d{2}", created), created
