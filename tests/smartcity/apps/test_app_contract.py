"""The app contract's extension points, each used by the noticeboard test app.

Reports, the task module, the translation domain, crontab schedules with
per-regency jitter, public pages and API, the disable hook and capability
requirements: all declared in the manifest, none found by file name.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import pytest
from celery.schedules import crontab
from smartcity.apps import AppManifest, AppRegistry, AppRegistryError, BeatEntry, Capability
from smartcity.db import db
from smartcity.errors import Conflict
from smartcity.jobs import catalog
from smartcity.public import HoneypotGuard, is_public_endpoint
from smartcity.reports import ReportFormat
from smartcity.reports.registry import run_report
from smartcity.tenancy import lifecycle
from smartcity.tenantcore.models import AuditEntry
from sqlalchemy import select

from tenants.ebudgeting.execution.payment_jobs import PAYMENT_UPLOADS
from tests.apps.noticeboard.manifest import manifest as noticeboard
from tests.apps.noticeboard.reports import render_semicolon_csv
from worker.apps import app_beat_schedule, register_app_tasks
from worker.tasks import FANOUT_TASK, SmartCityCelery, jitter_offset


def _answer(session: Any, **params: Any) -> list[Any]:
    return []


# --------------------------------------------------------------------------- reports


def test_reports_are_read_from_the_manifests_of_the_deployment(app):
    known = catalog.for_app(app)
    assert {"staff_by_unit_golongan", "audit_log", "uji_lambat", "ebudgeting_rka"} <= set(
        known.reports
    )
    assert known.kinds.get("report:uji_lambat") is not None
    # A deployment without the noticeboard has none of its reports: nothing global.
    alone = catalog.build(AppRegistry([]))
    assert "report:uji_lambat" not in alone.kinds and "uji_lambat" not in alone.reports
    assert "report:audit_log" in alone.kinds
    twice = AppManifest(name="copycat", title="C", version="1", reports=noticeboard.reports)
    with pytest.raises(AppRegistryError, match="must say app='copycat'"):
        AppRegistry([twice])


def test_an_apps_upload_checks_are_read_from_its_manifest(app):
    """An app's big-file importer is a job kind of the deployments that install it."""
    assert catalog.for_app(app).kinds.get("upload:ebudgeting_payments") is not None
    assert "upload:ebudgeting_payments" not in catalog.build(AppRegistry([])).kinds
    borrowed = AppManifest(name="copycat", title="C", version="1", upload_checks=(PAYMENT_UPLOADS,))
    with pytest.raises(AppRegistryError, match="upload check 'ebudgeting_payments' must say"):
        AppRegistry([borrowed])


@dataclass
class _Context:
    tenant: Any
    job_id: int
    requested_by: str
    session: Any

    def progress(self, percent: float) -> None:
        pass


def test_a_report_renders_a_format_with_its_own_renderer(state, provision, tenant_db):
    slug = provision(apps=("noticeboard",))
    report = catalog.build(state.registry).reports["uji_lambat"]
    assert report.renderer(ReportFormat.CSV) is render_semicolon_csv
    params = report.params.model_validate({"format": "csv", "steps": 2, "step_ms": 0})
    with tenant_db(slug) as session:
        output = run_report(report, _Context(state.cache.by_slug(slug), 0, "t", session), params)
    assert output.file is not None
    lines = output.file.data.decode().splitlines()
    assert lines[0] == f"# Kabupaten {slug}: Laporan uji lambat"
    assert lines[1:] == ["No;Keterangan", "1;langkah 1 dari 2", "2;langkah 2 dari 2"]


# --------------------------------------------------------------------------- tasks


def test_the_worker_imports_the_declared_task_module_not_one_named_tasks(state):
    assert register_app_tasks(state.registry) == [
        "tests.apps.noticeboard.chores",
        "tenants.ekinerja.tasks",
        "tenants.pelayanan.periodic",
        "tenants.sakip.warnings",
    ]
    celery = SmartCityCelery("contract-tests")
    assert "noticeboard.tidy" in celery.tasks


# --------------------------------------------------------------------------- schedules


def test_beat_entries_run_on_a_crontab_or_an_interval_with_their_jitter(state):
    schedule = app_beat_schedule(state.registry)
    weekly = schedule["noticeboard.weekly-digest"]
    assert weekly["task"] == FANOUT_TASK
    assert weekly["args"] == ("noticeboard.tidy", "noticeboard")
    assert isinstance(weekly["schedule"], crontab) and weekly["kwargs"] == {"jitter": 600}
    assert weekly["schedule"] == crontab(minute=0, hour=6, day_of_week=1)
    hourly = schedule["noticeboard.tidy"]
    assert hourly["schedule"] == 3600 and hourly["kwargs"] == {"jitter": 30.0}
    bad = (
        BeatEntry("both", "x.y", seconds=60, crontab=crontab()),
        BeatEntry("neither", "x.y"),
        BeatEntry("negative", "x.y", seconds=60, jitter=-1),
    )
    with pytest.raises(AppRegistryError) as refused:
        AppRegistry([AppManifest(name="clock", title="C", version="1", beat=bad)])
    assert "'both' needs exactly one" in str(refused.value)
    assert "'neither' needs exactly one" in str(refused.value)
    assert "'negative': jitter" in str(refused.value)


def test_each_regency_gets_its_own_fixed_offset_within_the_jitter():
    slugs = [f"kab-{n}" for n in range(200)]
    offsets = [jitter_offset("noticeboard.tidy", s, 600) for s in slugs]
    assert offsets == [jitter_offset("noticeboard.tidy", s, 600) for s in slugs]
    assert all(0 <= o < 600 for o in offsets)
    assert len({round(o, 3) for o in offsets}) > 190  # spread, not bunched
    assert min(offsets) < 60 and max(offsets) > 540
    assert jitter_offset("noticeboard.tidy", "kab-1", 0) == 0


# --------------------------------------------------------------------------- translations


def test_each_app_translates_with_its_own_domain_and_the_core_keeps_its_words(
    app, client, provision
):
    slug = provision(apps=("noticeboard",))
    board = client.get(f"/t/{slug}/p/noticeboard/").get_data(as_text=True)
    assert "Pengumuman untuk umum" in board and "Usulkan pengumuman" in board
    english = client.get(f"/t/{slug}/p/noticeboard/?lang=en").get_data(as_text=True)
    assert "Public notices" in english
    # The noticeboard's catalogue words "Sign in" its own way; the core's page keeps "Masuk".
    login = client.get(f"/t/{slug}/login?lang=id").get_data(as_text=True)
    assert "Masuk ke papan pengumuman" not in login and "Masuk" in login
    with app.test_request_context(f"/t/{slug}/?lang=id"):
        from smartcity.toolkit import translations

        assert translations("noticeboard").gettext("Sign in") == "Masuk ke papan pengumuman"
        assert translations("ebudgeting").gettext("Sign in") == "Masuk"  # the core's fallback
    babel = app.extensions["babel"]
    assert babel.default_domain.split(";")[-1] == "messages"
    assert {"noticeboard", "messages"} <= set(babel.default_domain.split(";"))


# --------------------------------------------------------------------------- public pages


def _form(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', html))


def _aged(app, seconds: float) -> str:
    """A form stamp as the guard would have signed it ``seconds`` ago."""
    with app.test_request_context():
        return HoneypotGuard()._signer().dumps(time.time() - seconds)


def test_the_public_board_needs_no_sign_in_and_guards_its_form(app, provision, tenant_db):
    slug = provision(apps=("noticeboard",))
    visitor = app.test_client()
    page = visitor.get(f"/t/{slug}/p/noticeboard/")
    assert page.status_code == 200 and "Selamat datang" in page.get_data(as_text=True)
    fields = _form(page.get_data(as_text=True))
    assert {"csrf_token", "website", "form_ts"} <= set(fields)
    post = f"/t/{slug}/p/noticeboard/suggestions"

    def suggestions() -> list[Any]:
        with tenant_db(slug) as session:
            return list(
                session.scalars(
                    select(AuditEntry.after).where(AuditEntry.action == "noticeboard.suggest")
                )
            )

    aged = {**fields, "form_ts": _aged(app, 10)}
    assert visitor.post(post, data={**aged, "title": "x", "csrf_token": ""}).status_code == 400
    assert visitor.post(post, data={**aged, "title": "x", "website": "spam"}).status_code == 422
    too_fast = visitor.post(post, data={**fields, "title": "too fast"})
    assert too_fast.status_code == 422
    assert "Formulir dikirim terlalu cepat" in too_fast.get_data(as_text=True)
    assert visitor.post(post, data={**aged, "title": "x", "form_ts": "forged"}).status_code == 422
    assert suggestions() == []
    sent = visitor.post(post, data={**aged, "title": "Kerja bakti Minggu"})
    assert sent.status_code == 302
    assert suggestions() == [{"title": "Kerja bakti Minggu"}]
    with app.test_request_context():
        assert is_public_endpoint("noticeboard_public.suggest")
        assert is_public_endpoint("noticeboard_public_api.notices")
        assert not is_public_endpoint("noticeboard.index")
    # Disabled for the regency: the public pages are gone with the rest.
    other = provision()
    assert visitor.get(f"/t/{other}/p/noticeboard/").status_code == 404


def test_the_public_api_is_rate_limited_and_public_in_its_openapi(app, state, provision):
    slug = provision(apps=("noticeboard",))
    anyone = app.test_client()
    notices = f"/t/{slug}/api/v1/public/noticeboard/notices"
    first = anyone.get(notices)
    assert first.status_code == 200 and "Selamat datang" in first.get_json()["notices"]
    limit = int(state.settings.PUBLIC_RATE_LIMIT.split()[0])
    statuses = [anyone.get(notices).status_code for _ in range(limit)]
    assert statuses[-1] == 429 and statuses.count(200) == limit - 1
    # Counted per regency: another regency's visitors are not held up.
    assert anyone.get(f"/t/{provision(apps=('noticeboard',))}/api/v1/public/noticeboard/notices")
    # Listed in the regency's one document, marked public.
    document = anyone.get(f"/t/{provision(apps=('noticeboard',))}/api/v1/openapi.json")
    operation = document.get_json()["paths"]["/public/noticeboard/notices"]["get"]
    assert operation["security"] == []


# --------------------------------------------------------------------------- hooks, requires


def test_disabling_runs_the_apps_hook_and_keeps_its_data(state, provision, tenant_db):
    slug = provision(apps=("noticeboard",))
    kwargs = {"registry": state.registry, "role_prefix": state.settings.role_prefix, "actor": "t"}
    with db.platform_transaction() as session:
        tenant = lifecycle.get_tenant(session, slug, for_update=True)
        assert lifecycle.disable_app(session, tenant, "noticeboard", **kwargs)
    with tenant_db(slug) as session:
        closed = session.scalars(
            select(AuditEntry.actor).where(AuditEntry.action == "noticeboard.closed")
        )
        assert list(closed) == ["noticeboard"]


def test_a_required_capability_needs_its_provider_enabled(state, provision):
    needs = AppManifest(
        name="pkdemo", title="PK demo", version="1", requires=("ebudgeting.sub_activities",)
    )
    registry = AppRegistry([*state.registry, needs])
    assert registry.closure(["pkdemo"]) == ["ebudgeting", "pkdemo"]
    assert "pkdemo" in registry.dependents("ebudgeting")
    wrong = AppManifest(name="pkdemo", title="S", version="1", requires=("ebudgeting.nothing",))
    with pytest.raises(AppRegistryError, match=r"requires 'ebudgeting\.nothing', which"):
        AppRegistry([*state.registry, wrong])
    provider = AppManifest(
        name="alpha", title="A", version="1", provides=(Capability("alpha.rows", _answer),)
    )
    consumer = AppManifest(name="beta", title="B", version="1", requires=("alpha.rows",))
    assert AppRegistry([consumer, provider]).names == ["alpha", "beta"]
    slug = provision()
    kwargs = {"registry": registry, "role_prefix": state.settings.role_prefix, "actor": "t"}
    with db.platform_transaction() as session:
        tenant = lifecycle.get_tenant(session, slug, for_update=True)
        with pytest.raises(Conflict, match=r"requires ebudgeting\.sub_activities"):
            lifecycle.enable_app(session, tenant, "pkdemo", migrations=state.migrations, **kwargs)
