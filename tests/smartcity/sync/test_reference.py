"""Reference data: versioned in ``platform``, pushed into tenants, idempotent, atomic."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest
from smartcity.apps import AppRegistry
from smartcity.cli import main
from smartcity.db import db
from smartcity.errors import InvalidInput
from smartcity.sync import reference
from smartcity.sync.models import TenantReferenceVersion
from smartcity.tenancy import lifecycle
from smartcity.tenancy.models import PlatformAuditEntry, Region, Tenant
from smartcity.tenantcore import calendar
from smartcity.tenantcore.models import AuditEntry, Holiday
from sqlalchemy import func, select

from tests.apps.noticeboard.models import Notice
from tests.conftest import TEST_APPS
from worker.sync import PUSH_REFERENCE, register_sync
from worker.tasks import SmartCityCelery, TenantTask

REGISTRY = AppRegistry.load(TEST_APPS)
VERSION = re.compile(r"^\d{8}-[0-9a-f]{8}(-\d+)?$")


@pytest.fixture
def restore_holidays(app):
    """Tests that publish their own holidays put the shipped ones back as the latest."""
    yield
    with db.platform_transaction() as session:
        reference.publish_shipped(
            session, ["national_holidays"], registry=app.extensions["smartcity"].registry, actor="t"
        )


def shipped() -> list[dict]:
    return reference.normalize_holidays(reference.shipped_holidays())


def national(tenant_db, slug: str) -> dict[str, tuple[str, str | None]]:
    with tenant_db(slug) as session:
        return {
            h.day.isoformat(): (h.name, h.source_version)
            for h in session.scalars(select(Holiday).where(Holiday.kind == "national"))
        }


def held(slug: str) -> dict[str, tuple[str, object]]:
    with db.platform_transaction() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        return {
            v.dataset: (v.version, v.synced_at)
            for v in session.scalars(
                select(TenantReferenceVersion).where(TenantReferenceVersion.tenant_id == tenant_id)
            )
        }


def push(state, slug: str) -> reference.PushResult:
    with db.platform_transaction() as session:
        return reference.push_slug(
            session,
            slug,
            registry=state.registry,
            role_prefix=state.settings.role_prefix,
            actor="tests",
        )


def publish(rows: list[dict], name: str = "national_holidays") -> reference.Published:
    with db.platform_transaction() as session:
        return reference.publish(session, name, rows, registry=REGISTRY, actor="tests")


def test_the_shipped_holidays_follow_the_skb_for_2026():
    rows = shipped()
    days_2026 = [r for r in rows if r["day"].startswith("2026-")]
    # SKB 1497/2/5 of 2025: 17 hari libur nasional and 8 hari cuti bersama
    assert len(days_2026) == 25
    assert sum(r["name"].startswith("Cuti Bersama") for r in days_2026) == 8
    assert {"2026-03-21", "2026-03-22", "2026-08-17", "2027-08-17"} <= {r["day"] for r in rows}


def test_a_provisioned_tenant_holds_the_latest_holidays_and_versions(provision, tenant_db):
    slug = provision()
    with db.platform_transaction() as session:
        latest = reference.latest_versions(session)
    holidays = national(tenant_db, slug)
    assert {day: name for day, (name, _) in holidays.items()} == {
        r["day"]: r["name"] for r in shipped()
    }
    assert {version for _, version in holidays.values()} == {latest["national_holidays"]}
    assert {k: v for k, (v, _) in held(slug).items()} == {
        "national_holidays": latest["national_holidays"],
        "regions": latest["regions"],
    }
    # the working calendar sees them: Mon 17 Aug 2026 is not a working day
    with tenant_db(slug) as session:
        cal = calendar.load_calendar(session, date(2026, 8, 1), date(2026, 8, 31))
    assert not cal.is_working_day(date(2026, 8, 17))


def test_publishing_stores_a_version_only_when_the_content_changes(app, restore_holidays):
    original = shipped()
    first = publish(original)
    again = publish(list(reversed(original)))  # same content, other order
    assert again.created is False and again.dataset.version == first.dataset.version
    changed = publish([*original, {"day": "2026-11-10", "name": "Hari Uji"}])
    assert changed.created is True and VERSION.match(changed.dataset.version)
    assert changed.dataset.version != first.dataset.version
    back = publish(original)  # A, B, A on one day: still a new, distinct version
    assert back.created is True
    assert back.dataset.version not in (first.dataset.version, changed.dataset.version)
    with db.platform_transaction() as session:
        entry = session.scalar(
            select(PlatformAuditEntry)
            .where(PlatformAuditEntry.action == "reference.publish")
            .order_by(PlatformAuditEntry.id.desc())
        )
        assert entry.detail["version"] == back.dataset.version
        assert entry.detail["previous"] == changed.dataset.version


def test_publishing_refuses_bad_rows(app):
    from smartcity.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        publish([{"day": "2026-02-30", "name": "x"}, {"day": "2026-01-01", "name": ""}])
    assert set(caught.value.fields) == {"row 1", "row 2"}


def test_pushing_twice_changes_nothing_the_second_time(state, provision, tenant_db):
    slug = provision()

    def counts() -> tuple[int, int]:
        with tenant_db(slug) as session:
            return (
                session.scalar(select(func.count()).select_from(AuditEntry)),
                session.scalar(select(func.count()).select_from(Holiday)),
            )

    before, versions = counts(), held(slug)
    first, second = push(state, slug), push(state, slug)
    assert not first.changed and not second.changed
    assert counts() == before
    assert held(slug) == versions  # synced_at untouched too


def test_a_new_version_upserts_removes_and_never_touches_local_holidays(
    state, provision, tenant_db, restore_holidays
):
    slug = provision()
    old_version = held(slug)["national_holidays"][0]
    with tenant_db(slug) as session:
        calendar.add_local_holiday(session, day=date(2026, 12, 24), name="Hari Jadi", actor="t")
        calendar.add_local_holiday(session, day=date(2026, 7, 1), name="Hari Lokal", actor="t")
    rows = [r for r in shipped() if r["day"] != "2026-12-24"]
    rows = [{**r, "name": "Hari Kemerdekaan RI"} if r["day"] == "2026-08-17" else r for r in rows]
    new = publish([*rows, {"day": "2026-11-10", "name": "Hari Pahlawan (uji)"}]).dataset.version

    result = push(state, slug)

    assert result.upgraded == {"national_holidays": (old_version, new)}
    assert result.changes["national_holidays"] == {
        "added": [{"day": "2026-11-10", "name": "Hari Pahlawan (uji)"}],
        "renamed": [
            {
                "day": "2026-08-17",
                "before": "Proklamasi Kemerdekaan Republik Indonesia",
                "after": "Hari Kemerdekaan RI",
            }
        ],
        "removed": [{"day": "2026-12-24", "name": "Cuti Bersama Kelahiran Yesus Kristus"}],
    }
    holidays = national(tenant_db, slug)
    assert "2026-12-24" not in holidays
    assert holidays["2026-08-17"] == ("Hari Kemerdekaan RI", new)
    assert holidays["2026-11-10"] == ("Hari Pahlawan (uji)", new)
    assert holidays["2026-01-01"][1] == old_version  # untouched rows keep their version
    with tenant_db(slug) as session:
        local = {
            (h.day, h.name) for h in session.scalars(select(Holiday).where(Holiday.kind == "local"))
        }
        entry = session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "reference.sync")
            .order_by(AuditEntry.id.desc())
        )
    assert local == {(date(2026, 12, 24), "Hari Jadi"), (date(2026, 7, 1), "Hari Lokal")}
    assert entry.before == {"version": old_version} and entry.after["version"] == new
    assert held(slug)["national_holidays"][0] == new


def test_a_failing_push_changes_neither_the_tenant_nor_the_record(
    state, provision, tenant_db, monkeypatch, restore_holidays
):
    slug = provision()
    before_holidays, before_versions = national(tenant_db, slug), held(slug)
    publish([*shipped(), {"day": "2026-11-10", "name": "Hari Uji"}])
    real = reference.DATASETS["national_holidays"]

    def apply_then_fail(session, rows, version):
        real.apply(session, rows, version)
        raise RuntimeError("disk full")

    monkeypatch.setitem(
        reference.DATASETS, "national_holidays", dataclasses.replace(real, apply=apply_then_fail)
    )
    with pytest.raises(RuntimeError, match="disk full"):
        push(state, slug)
    assert national(tenant_db, slug) == before_holidays
    assert held(slug) == before_versions


def test_catch_up_finds_active_tenants_behind_only(state, provision, restore_holidays):
    current, suspended = provision(), provision()
    with db.platform_transaction() as session:
        lifecycle.change_status(
            session, lifecycle.get_tenant(session, suspended), "suspend", actor="t", reason="t"
        )
        assert current not in reference.tenants_behind(session, state.registry)
    publish([*shipped(), {"day": "2026-11-10", "name": "Hari Uji"}])
    with db.platform_transaction() as session:
        behind = reference.tenants_behind(session, state.registry)
    assert current in behind and suspended not in behind
    assert push(state, suspended).versions == {}  # a suspended tenant receives nothing
    push(state, current)
    with db.platform_transaction() as session:
        assert current not in reference.tenants_behind(session, state.registry)


def test_an_app_dataset_reaches_only_the_regencies_that_enabled_the_app(
    state, provision, tenant_db
):
    plain, with_board = provision(), provision()
    _enable(state, with_board, "noticeboard")
    assert "noticeboard.announcements" not in held(plain)
    shipped_version = held(with_board)["noticeboard.announcements"][0]
    with tenant_db(with_board) as session:
        assert "Pemeliharaan sistem Sabtu malam" in set(session.scalars(select(Notice.title)))

    newer = publish(
        [{"title": "Pemeliharaan sistem Sabtu malam"}, {"title": "Libur Hari Jadi Kota"}],
        "noticeboard.announcements",
    ).dataset.version
    assert newer != shipped_version
    with db.platform_transaction() as session:
        behind = reference.tenants_behind(session, state.registry)
    assert with_board in behind and plain not in behind
    result = push(state, with_board)
    assert result.changes == {"noticeboard.announcements": {"added": ["Libur Hari Jadi Kota"]}}
    assert held(with_board)["noticeboard.announcements"][0] == newer
    assert push(state, with_board).changed is False  # current: nothing rewritten
    with db.platform_transaction() as session:
        publish_back = reference.publish_shipped(
            session, ["noticeboard.announcements"], registry=state.registry, actor="t"
        )
    assert publish_back[0].created


def test_a_bad_app_dataset_edition_is_refused_at_publication():
    with pytest.raises(InvalidInput, match="announcements are not valid"):
        publish([{"title": ""}], "noticeboard.announcements")


def _enable(state, slug: str, app: str) -> None:
    with db.platform_transaction() as session:
        lifecycle.enable_app(
            session,
            lifecycle.get_tenant(session, slug, for_update=True),
            app,
            registry=state.registry,
            migrations=state.migrations,
            role_prefix=state.settings.role_prefix,
            actor="t",
        )


def test_the_push_task_and_the_cli(app, state, provision, restore_holidays):
    slug = provision()
    celery = SmartCityCelery("tests", task_cls=TenantTask)
    celery.flask_app = app
    register_sync(celery)
    new = publish([*shipped(), {"day": "2026-11-10", "name": "Hari Uji"}]).dataset.version
    result = celery.tasks[PUSH_REFERENCE].apply(headers={"tenant": slug}).get()
    assert result == {
        "versions": {"national_holidays": new, "regions": held(slug)["regions"][0]},
        "changed": ["national_holidays"],
    }
    runner = app.test_cli_runner()
    pushed = runner.invoke(main, ["sync", "push", "--tenant", slug])
    assert pushed.exit_code == 0 and f"{slug}: up to date" in pushed.output
    published = runner.invoke(main, ["sync", "publish-reference", "--dataset", "national_holidays"])
    assert published.exit_code == 0, published.output
    assert "national_holidays: published" in published.output  # the shipped file is back
    again = runner.invoke(main, ["sync", "publish-reference"])
    assert "national_holidays: unchanged, still" in again.output
    status = runner.invoke(main, ["sync", "status"])
    assert status.exit_code == 0 and slug in status.output  # behind the re-published file


def _sent(celery: SmartCityCelery) -> list[tuple[str, str | None, tuple]]:
    """(task, tenant header, args) of every message published on the in-memory broker."""
    sent = []
    with celery.connection_for_read() as conn:
        queue = conn.SimpleQueue(celery.conf.task_default_queue)
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                break
            sent.append(
                (message.headers["task"], message.headers.get("tenant"), tuple(message.payload[0]))
            )
            message.ack()
        queue.close()
    return sent


def test_the_beat_tasks_publish_and_fan_out(app, state, provision, restore_holidays):
    celery = SmartCityCelery("tests", task_cls=TenantTask)
    celery.flask_app = app
    celery.conf.update(broker_url="memory://", task_default_queue="sync-tests")
    register_sync(celery)
    behind = provision()
    daily = celery.tasks["smartcity.sync.reference_daily"]
    daily.apply().get()  # publishes whatever shipped data was never published yet
    assert daily.apply().get() == 0  # a second run has nothing new to publish
    _sent(celery)
    # an operator's newer file is not overridden by the shipped one it replaced
    publish([*shipped(), {"day": "2026-11-10", "name": "Hari Uji"}])
    assert daily.apply().get() == 0
    assert _sent(celery) == [("smartcity.fanout", None, ("smartcity.sync.push_reference", None))]
    # the catch-up sends the push to the tenants behind, with their tenant header
    assert celery.tasks["smartcity.sync.reference_catch_up"].apply().get() >= 1
    assert ("smartcity.sync.push_reference", behind, ()) in _sent(celery)


def test_the_nightly_usage_roll_up_is_scheduled_and_runs(app, provision):
    from smartcity.usage.collector import yesterday

    provision()
    celery = SmartCityCelery("tests", task_cls=TenantTask)
    celery.flask_app = app
    register_sync(celery)
    entry = celery.conf.beat_schedule["usage.collect.nightly"]
    assert entry["task"] == "smartcity.usage.collect"
    result = celery.tasks["smartcity.usage.collect"].apply().get()
    assert result["day"] == yesterday().isoformat() and result["tenants"] >= 1
    assert result["failed"] == []


def test_every_dataset_normalizes_idempotently(state):
    """Publication compares checksums of normalized rows: normalizing twice must not differ."""
    for name, dataset in reference.all_datasets(state.registry).items():
        once = dataset.normalize(dataset.shipped())
        assert dataset.normalize(once) == once, name


def test_a_newer_kode_wilayah_edition_from_a_file_reaches_provisioning(app, state, tmp_path):
    """`publish-reference --dataset regions --file` adds new codes to platform.regions."""
    rows = reference.shipped_regions()
    newer = tmp_path / "kode_wilayah_2026.csv"
    lines = ["# a later Kepmendagri (made up for the test)", "code,name,level"]
    lines += [f"{r['code']},{r['name']},{r['level']}" for r in rows]
    lines.append("99.01,Kabupaten Uji Pemekaran,kab_kota")
    newer.write_text("\n".join(lines) + "\n")
    runner = app.test_cli_runner()
    try:
        published = runner.invoke(
            main, ["sync", "publish-reference", "--dataset", "regions", "--file", str(newer)]
        )
        assert published.exit_code == 0, published.output
        assert "regions: published" in published.output
        with db.platform_transaction() as session:
            assert session.get(Region, "99.01").name == "Kabupaten Uji Pemekaran"
            assert session.get(Region, "34.04").name == "Kabupaten Sleman"
    finally:
        with db.platform_transaction() as session:
            reference.publish_shipped(session, ["regions"], registry=state.registry, actor="t")
