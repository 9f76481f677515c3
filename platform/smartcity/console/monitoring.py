"""The console's fleet pages: health of every regency, and adoption of its apps.

Both lists are filtered and sorted in memory: the figures they sort by are
computed (health) or aggregated (adoption), and a deployment hosts tens of
regencies, not thousands. Only the page shown pays for per-tenant reads (the
live job counts of the health page).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from smartcity.console.blueprint import blueprint, operator_only
from smartcity.console.health import tenant_health
from smartcity.state import platform_state
from smartcity.tenancy import lifecycle
from smartcity.tenancy.models import Tenant, TenantStatus
from smartcity.usage.activity import CORE_APP
from smartcity.usage.adoption import AppAdoption, TenantAdoption, adoption
from smartcity.usage.collector import OPERATORS_ZONE, WINDOW_DAYS, collect, yesterday
from smartcity.web import Page, contains_pattern, page_number, translate

PER_PAGE = 20
HEALTH_SORTS = ("name", "attention")
ADOPTION_SORTS = ("name", "active_7d", "active_30d", "last_active")


def _served_tenants(q: str) -> list[Tenant]:
    """Tenants that are not archived, matching the search, by name."""
    query = (
        select(Tenant)
        .options(selectinload(Tenant.apps))
        .where(Tenant.status != TenantStatus.ARCHIVED)
        .order_by(Tenant.name, Tenant.id)
    )
    if q:
        pattern = contains_pattern(q)
        query = query.where(or_(Tenant.name.ilike(pattern), Tenant.slug.ilike(pattern)))
    return list(g.db.scalars(query))


def _page(items: list[Any]) -> Page[Any]:
    number = min(page_number(), max(1, -(-len(items) // PER_PAGE)))
    start = (number - 1) * PER_PAGE
    return Page(items[start : start + PER_PAGE], number, PER_PAGE, len(items))


def _choice(name: str, allowed: tuple[str, ...]) -> str:
    value = request.args.get(name, "")
    return value if value in allowed else allowed[0]


# --------------------------------------------------------------------------- health

_SEVERITY = {"danger": 0, "warning": 1, "ok": 2}


@blueprint.get("/health")
@operator_only
def health() -> str:
    state = platform_state()
    q = request.args.get("q", "").strip()[:100]
    only_problems = request.args.get("only") == "problems"
    sort = _choice("sort", HEALTH_SORTS)
    tenants = _served_tenants(q)
    # Versions and migrations for all (two queries), jobs only for the page shown.
    found = tenant_health(
        g.db, tenants, migrations=state.migrations, role_prefix=state.settings.role_prefix
    )
    if only_problems:
        tenants = [t for t in tenants if found[t.id].problems]
    if sort == "attention":
        tenants.sort(key=lambda t: (_SEVERITY[found[t.id].level], t.name))
    page = _page(tenants)
    live = tenant_health(
        g.db,
        page.items,
        migrations=state.migrations,
        role_prefix=state.settings.role_prefix,
        with_jobs=True,
    )
    return render_template(
        "console/health.html",
        page=page,
        health=live,
        q=q,
        only_problems=only_problems,
        sort=sort,
        heads=sorted(state.migrations.head_of.items()),
    )


# --------------------------------------------------------------------------- adoption


def _sort_key(sort: str, figures: TenantAdoption) -> Any:
    if sort == "active_7d":
        return -figures.total.active_7d
    if sort == "active_30d":
        return -figures.total.active_30d
    return -(figures.total.last_active or date.min).toordinal()


@blueprint.get("/adoption")
@operator_only
def adoption_page() -> str:
    q = request.args.get("q", "").strip()[:100]
    sort = _choice("sort", ADOPTION_SORTS)
    tenants = _served_tenants(q)
    figures = adoption(g.db, [t.id for t in tenants])
    if sort != "name":
        tenants.sort(key=lambda t: (_sort_key(sort, figures[t.id]), t.name))
    page = _page(tenants)
    rows = {t.id: _app_rows(t, figures[t.id]) for t in page.items}
    return render_template(
        "console/adoption.html",
        page=page,
        figures=figures,
        rows=rows,
        q=q,
        sort=sort,
        chart=_chart_data(page.items, figures),
        window=WINDOW_DAYS,
        collected=any(figures[t.id].as_of for t in page.items),
        anyone_active=any(figures[t.id].total.active_30d for t in page.items),
    )


@blueprint.post("/adoption/collect")
@operator_only
def adoption_collect() -> Response:
    """Collect yesterday and today so far, now, rather than wait for the night's run.

    The nightly run collects yesterday again (it replaces a day's rows), so
    today's partial figures are corrected then. The collector commits per regency
    on its own, as it does from the CLI and the worker: one regency failing does
    not undo the others.
    """
    today = datetime.now(OPERATORS_ZONE).date()
    reports = [collect(day) for day in (yesterday(), today)]
    failed = sorted({slug for report in reports for slug in report.failed})
    flash(
        _(
            "Figures collected for %(count)s regencies, up to today.",
            count=format_decimal(reports[-1].tenants),
        ),
        "success",
    )
    if failed:
        flash(_("Not collected: %(slugs)s (see the log).", slugs=", ".join(failed)), "warning")
    return redirect(url_for(".adoption_page", q=request.args.get("q") or None), 303)


def _app_rows(tenant: Tenant, figures: TenantAdoption) -> list[tuple[str, AppAdoption, bool]]:
    """(title, figures, enabled) for the core, each enabled app and any app with figures."""
    registry = platform_state().registry
    enabled = set(lifecycle.enabled_apps(tenant))
    names = [CORE_APP, *[n for n in registry.names if n in enabled]]
    names += sorted(set(figures.apps) - set(names))
    rows = []
    for name in names:
        if name == CORE_APP:
            title = _("Core pages")
        elif name in registry:
            title = translate(registry.get(name).title)
        else:
            title = name
        rows.append((title, figures.app(name), name == CORE_APP or name in enabled))
    return rows


def _chart_data(tenants: list[Tenant], figures: dict[int, TenantAdoption]) -> dict[str, Any]:
    """What static/js/adoption.js draws: active users per regency, and their daily trend."""
    latest = max((f.as_of for f in figures.values() if f.as_of), default=None)
    days = (
        [latest - timedelta(days=WINDOW_DAYS - 1 - n) for n in range(WINDOW_DAYS)] if latest else []
    )
    series = []
    for tenant in tenants:
        by_day = dict(figures[tenant.id].daily)
        series.append({"label": tenant.name, "data": [by_day.get(day, 0) for day in days]})
    return {
        "labels": [t.name for t in tenants],
        "active7": [figures[t.id].total.active_7d for t in tenants],
        "active30": [figures[t.id].total.active_30d for t in tenants],
        "days": [day.isoformat() for day in days],
        "series": series,
        "text": {
            "active7": _("Active users, last 7 days"),
            "active30": _("Active users, last 30 days"),
            "daily": _("Active users per day"),
        },
    }
