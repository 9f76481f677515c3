"""Export, restore, archive and purge: nothing is dropped without an export that restores."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from smartcity.cli import main
from smartcity.db import db
from smartcity.errors import InvalidInput
from smartcity.jobs.models import Job, StoredFile
from smartcity.offboarding import restore
from smartcity.offboarding.models import TenantExport
from smartcity.sync.models import TenantReferenceVersion
from smartcity.tenancy import lifecycle
from smartcity.tenancy.models import Tenant, TenantStatus
from smartcity.tenancy.names import quote_ident, role_name, schema_name
from smartcity.tenantcore import calendar, orgunits, staff, users
from smartcity.tenantcore.models import Activity, AuditEntry, TenantSettings
from smartcity.web import translate
from sqlalchemy import select, text

from tests.apps.noticeboard.models import Notice
from tests.conftest import PASSWORD, bearer, take_region, tenant_token, unique_slug

# Every byte value, plus what CSV must quote: the file must come back bit for bit.
BINARY = bytes(range(256)) * 40 + b"\x00,\"'\n\r\\x00;"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(main, list(args))

    return invoke


def _populate(tenant_db, slug: str, state) -> None:
    """A regency with some of everything, written through the services where there is one."""
    with tenant_db(slug) as session:
        setda = orgunits.create_unit(
            session,
            code="4.01",
            name="Sekretariat Daerah",
            kind="sekretariat_daerah",
            regency_code="33.18",
            actor="t",
        )
        bagian = orgunits.create_unit(
            session,
            code="4.01.01",
            name="Bagian Umum",
            kind="bagian",
            parent_id=setda.id,
            regency_code="33.18",
            actor="t",
        )
        head = staff.create_staff(
            session,
            actor="t",
            nip="198609262015051001",
            name="Budi Santoso",
            status="PNS",
            golongan="IV/a",
            position="Kepala Bagian",
            position_class=12,
            echelon="III.b",
            unit_id=bagian.id,
        )
        staff.create_staff(
            session,
            actor="t",
            nip="199203152019032005",
            name='Sari "Ayu", S.Kom',
            status="PNS",
            golongan="III/a",
            position="Analis\nKepegawaian",
            position_class=8,
            unit_id=bagian.id,
            supervisor_id=head.id,
        )
        users.create_user(
            session,
            email="editor@example.go.id",
            name="Editor Pengumuman",
            password=PASSWORD,
            roles=["noticeboard.editor"],
            allowed_roles=state.registry.role_names(["noticeboard"]),
            actor="t",
        )
        calendar.add_local_holiday(session, day=date(2026, 12, 24), name="Hari Jadi", actor="t")
        session.add(Notice(title="Rapat koordinasi, Senin"))
        report = StoredFile(
            name="laporan.pdf",
            content_type="application/pdf",
            size=len(BINARY),
            sha256=hashlib.sha256(BINARY).hexdigest(),
            data=BINARY,
            created_by="t",
        )
        session.add(report)
        session.flush()
        session.add(
            Job(
                kind="report",
                params={"tahun": 2026, "judul": "Rekap ü"},
                status="done",
                progress=100,
                result_file_id=report.id,
                requested_by="t",
            )
        )
        session.add(Activity(user_id=1, app="core", day=date(2026, 11, 2), hits=7))
        settings_row = session.get(TenantSettings, 1)
        settings_row.values = {"motto": 'Bumi Mina Tani, "sejahtera"\nselalu', "empty": ""}
        settings_row.display_name = ""  # an empty string is not NULL and must stay so


def _fingerprint(tenant_db, slug: str) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every table, computed here independently of the code under test."""
    schema = schema_name(slug)
    with tenant_db(slug) as session:
        tables = session.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY 1"), {"s": schema}
        ).all()
        result = {}
        for table in tables:
            row = session.execute(
                text(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text),"
                    f" '')) FROM {quote_ident(schema)}.{quote_ident(table)} AS t"
                )
            ).one()
            result[table] = (row[0], row[1])
    return result


def _leftovers(settings, slug: str) -> dict[str, int]:
    with db.engine.connect() as conn:
        counts = {
            "role": conn.scalar(
                text("SELECT count(*) FROM pg_roles WHERE rolname = :r"),
                {"r": role_name(settings.role_prefix, slug)},
            ),
            "schema": conn.scalar(
                text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"),
                {"s": schema_name(slug)},
            ),
            "tenant": conn.scalar(
                text("SELECT count(*) FROM platform.tenants WHERE slug = :s"), {"s": slug}
            ),
        }
        conn.rollback()
    return counts


def _only_archive(folder: Path) -> Path:
    files = list(folder.iterdir())
    assert len(files) == 1, files  # no temporary or partial file left beside it
    return files[0]


def test_round_trip_restores_identical_tables_and_a_working_tenant(
    *, cli, provision, tenant_db, tmp_path, client, state, settings
):
    slug = provision(apps=("noticeboard",), region_code="33.18")
    _populate(tenant_db, slug, state)
    with db.platform_transaction() as session:
        tenant = lifecycle.get_tenant(session, slug)
        lifecycle.add_domain(session, tenant, f"{slug}.patikab.go.id", actor="t")
        synced = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
        session.add(
            TenantReferenceVersion(
                tenant_id=tenant.id, dataset="holidays", version="2026.2", synced_at=synced
            )
        )

    source_token = tenant_token(client, slug)  # before the export: signing in touches users
    exported = cli("tenants", "export", slug, "--out", str(tmp_path))
    assert exported.exit_code == 0, exported.output
    archive = _only_archive(tmp_path)
    assert archive.name.startswith(f"{slug}-") and archive.name.endswith(".tar.gz")
    assert archive.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only
    with db.platform_transaction() as session:
        record = session.scalars(select(TenantExport).where(TenantExport.slug == slug)).one()
        assert record.path == str(archive.resolve())
        assert record.sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()
        assert record.size == archive.stat().st_size
        assert record.tables["files"]["rows"] == 1 and record.tables["staff"]["rows"] == 2
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "manifest.json" and "data/staff.csv" in names
    assert names.index("data/org_units.csv") < names.index("data/staff.csv")
    assert names.index("data/files.csv") < names.index("data/jobs.csv")
    assert manifest["domains"] == [f"{slug}.patikab.go.id"]
    assert manifest["apps"] == [{"app": "noticeboard", "enabled": True}]

    # One live regency per region: the copy is restored once the source is archived.
    with db.platform_transaction() as session:
        lifecycle.change_status(session, lifecycle.get_tenant(session, slug), "archive", actor="t")
    new = unique_slug("pulih")
    restored = cli("tenants", "import", str(archive), "--slug", new)
    assert restored.exit_code == 0, restored.output
    assert "checksums identical" in restored.output

    source, copy = _fingerprint(tenant_db, slug), _fingerprint(tenant_db, new)
    assert copy == source
    for table in ("org_units", "staff", "users", "audit_log", "notices", "files", "jobs"):
        assert source[table][0] > 0, table  # the comparison covered real rows
    with tenant_db(new) as session:
        assert session.scalars(select(StoredFile.data)).one() == BINARY
        assert session.get(TenantSettings, 1).display_name == ""
        # Sequences continue after the restored rows: new rows get fresh ids.
        unit = orgunits.create_unit(
            session, code="7.01", name="Dinas Baru", kind="dinas", regency_code="33.18", actor="t"
        )
        assert unit.id > 2
        assert session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) > 1

    with db.platform_transaction() as session:
        copied = lifecycle.get_tenant(session, new)
        assert (copied.name, copied.region_code, copied.status) == (
            f"Kabupaten {slug}",
            "33.18",
            TenantStatus.ACTIVE,
        )
        assert [(a.app, a.enabled) for a in copied.apps] == [("noticeboard", True)]
        assert copied.domains == []  # the domain still belongs to the old tenant
        held = {
            tenant_id: session.execute(
                select(
                    TenantReferenceVersion.dataset,
                    TenantReferenceVersion.version,
                    TenantReferenceVersion.synced_at,
                )
                .where(TenantReferenceVersion.tenant_id == tenant_id)
                .order_by(TenantReferenceVersion.dataset)
            ).all()
            for tenant_id in (copied.id, lifecycle.get_tenant(session, slug).id)
        }
        assert ("holidays", "2026.2", synced) in held[copied.id]
        assert len(set(map(tuple, held.values()))) == 1  # the same datasets at the same versions
        assert (
            session.scalar(
                text(
                    "SELECT count(*) FROM platform.audit_log WHERE action = 'tenant.restore'"
                    " AND tenant_id = :id"
                ),
                {"id": copied.id},
            )
            == 1
        )

    # The restored admin logs in with the old password; old tokens do not carry over.
    token = tenant_token(client, new)
    notices = client.get(f"/t/{new}/api/v1/noticeboard/notices", headers=bearer(token))
    assert [n["title"] for n in notices.get_json()["notices"]] == [
        "Selamat datang",
        "Pemeliharaan sistem Sabtu malam",  # the app's reference dataset, pushed on enabling
        "Rapat koordinasi, Senin",
    ]
    assert tenant_token(client, new, "editor@example.go.id")
    assert client.get(f"/t/{new}/api/v1/me", headers=bearer(source_token)).status_code == 401

    again = cli("tenants", "import", str(archive), "--slug", new)
    assert again.exit_code != 0 and "already exists" in again.output


def test_export_never_overwrites_and_refuses_unknown_tenants(cli, provision, tmp_path):
    slug = provision()
    target = tmp_path / "pati.tar.gz"
    target.write_bytes(b"keep me")
    refused = cli("tenants", "export", slug, "--out", str(target))
    assert refused.exit_code != 0 and "never overwrites" in refused.output
    assert target.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pati.tar.gz"]
    missing = cli("tenants", "export", "kab-tidak-ada", "--out", str(tmp_path))
    assert missing.exit_code != 0 and "no tenant" in missing.output


# -- hostile or damaged archives -------------------------------------------------------


@pytest.fixture(scope="module")
def genuine(tmp_path_factory, app):
    """One real export, shared by the hostile-archive tests (which only read it)."""
    from smartcity.tenancy.provisioning import TenantRequest, provision_tenant

    state = app.extensions["smartcity"]
    slug = unique_slug("asli")
    with db.platform_transaction() as session:
        provision_tenant(
            session,
            TenantRequest(
                slug=slug,
                name="Kabupaten Asli",
                region_code=take_region("33.18"),
                apps=("noticeboard",),
                admin_email="admin@example.go.id",
                admin_password=PASSWORD,
            ),
            registry=state.registry,
            migrations=state.migrations,
            role_prefix=state.settings.role_prefix,
            actor="tests",
        )
    folder = tmp_path_factory.mktemp("genuine")
    result = app.test_cli_runner().invoke(main, ["tenants", "export", slug, "--out", str(folder)])
    assert result.exit_code == 0, result.output
    # One live regency per region: restores of this export need the source archived.
    with db.platform_transaction() as session:
        lifecycle.change_status(session, lifecycle.get_tenant(session, slug), "archive", actor="t")
    return _only_archive(folder)


def _members(archive: Path) -> tuple[dict, dict[str, bytes]]:
    with tarfile.open(archive) as tar:
        data = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    return json.loads(data.pop("manifest.json")), data


def _rewrite(
    folder: Path, manifest: dict, data: dict[str, bytes], extra: list[tarfile.TarInfo] = ()
) -> Path:
    path = folder / "crafted.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, body in [("manifest.json", json.dumps(manifest).encode()), *data.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
        for info in extra:
            tar.addfile(info)
    return path


def _entry(manifest: dict, table: str) -> dict:
    return next(t for t in manifest["tables"] if t["name"] == table)


def _reseal(manifest: dict, data: dict[str, bytes], table: str) -> None:
    """Make the manifest agree with an edited member, as a careful forger would."""
    entry = _entry(manifest, table)
    body = data[entry["member"]]
    entry["sha256"], entry["size"] = hashlib.sha256(body).hexdigest(), len(body)


def _traversal(manifest, data, state):
    data["../../escape.csv"] = b"x"


def _absolute(manifest, data, state):
    data["/srv/escape.csv"] = b"x"


def _symlink(manifest, data, state):
    link = tarfile.TarInfo("data/link.csv")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    return [link]


def _edited(manifest, data, state):
    data["data/notices.csv"] = data["data/notices.csv"].replace(b"Selamat", b"Salamat")


def _forged(manifest, data, state):
    # Sizes and sha256 agree; only the restored checksum can tell. Nothing may remain.
    data["data/notices.csv"] = data["data/notices.csv"].replace(b"Selamat", b"Salamat")
    _reseal(manifest, data, "notices")


def _unknown_table(manifest, data, state):
    data["data/secrets.csv"] = b"id\n1\n"
    manifest["tables"].append(
        {**_entry(manifest, "notices"), "name": "secrets", "member": "data/secrets.csv"}
    )
    _reseal(manifest, data, "secrets")


def _unlisted(manifest, data, state):
    data["data/notes.txt"] = b"hello"


def _missing(manifest, data, state):
    del data["data/staff.csv"]


def _old_versions(manifest, data, state):
    head = state.migrations.head_of["tenant_core"]
    older = state.migrations.script.get_revision(head).down_revision
    manifest["versions"] = [older if v == head else v for v in manifest["versions"]]


def _future_versions(manifest, data, state):
    manifest["versions"].append("zz9999")


def _format(manifest, data, state):
    manifest["format_version"] = 99


def _bad_csv(manifest, data, state):
    data["data/notices.csv"] = b"id,judul\n1,x\n"
    _reseal(manifest, data, "notices")


@pytest.mark.parametrize(
    ("craft", "message"),
    [
        (_traversal, "unsafe name"),
        (_absolute, "unsafe name"),
        (_symlink, "not a regular file"),
        (_edited, "does not match its sha256"),
        (_forged, "the export recorded"),
        (_unknown_table, "unknown table(s): secrets"),
        (_unlisted, "not listed in manifest.json"),
        (_missing, "lacks data/staff.csv"),
        (_old_versions, "migrate the source tenant"),
        (_future_versions, "upgrade this deployment"),
        (_format, "format version 99"),
        (_bad_csv, "could not be loaded"),
    ],
)
def test_a_hostile_or_damaged_archive_is_refused_and_leaves_nothing(
    *, cli, genuine, tmp_path, state, settings, craft, message
):
    manifest, data = _members(genuine)
    extra = craft(manifest, data, state) or []
    crafted = _rewrite(tmp_path, manifest, data, extra)
    slug = unique_slug("palsu")
    result = cli("tenants", "import", str(crafted), "--slug", slug)
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert _leftovers(settings, slug) == {"role": 0, "schema": 0, "tenant": 0}
    assert not (tmp_path.parent / "escape.csv").exists()


def test_a_refused_archive_reads_in_indonesian_where_the_console_and_api_show_it(
    app, genuine, tmp_path, state
):
    """The operator reads why in their language: the console and the API's ``localized``
    both show a refusal through ``translate``; sizes have Indonesian digit grouping."""
    manifest, data = _members(genuine)
    _traversal(manifest, data, state)
    crafted = _rewrite(tmp_path, manifest, data)
    with pytest.raises(InvalidInput) as hostile:
        restore.check_archive(
            crafted, registry=state.registry, migrations=state.migrations, max_bytes=10**9
        )
    with pytest.raises(InvalidInput) as large:
        restore.check_archive(
            genuine, registry=state.registry, migrations=state.migrations, max_bytes=1000
        )
    assert str(hostile.value.message) == (
        "member '../../escape.csv' has an unsafe name (absolute or '..')"
    )
    with app.test_request_context("/?lang=id"):
        assert translate(hostile.value.message) == (
            "berkas '../../escape.csv' bernama tidak aman (jalur absolut atau '..')"
        )
        assert translate(hostile.value.fields["archive"]) == "ditolak"
        assert translate(large.value.message).endswith(
            "melebihi 1.000 byte yang diizinkan IMPORT_MAX_BYTES"
        )


def test_archives_larger_than_the_limit_or_not_archives_are_refused(genuine, tmp_path, state):
    with pytest.raises(InvalidInput, match="IMPORT_MAX_BYTES"):
        restore.check_archive(
            genuine, registry=state.registry, migrations=state.migrations, max_bytes=100
        )
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"\x1f\x8b" + bytes(500))
    with pytest.raises(InvalidInput, match="not a readable tenant export"):
        restore.check_archive(
            junk, registry=state.registry, migrations=state.migrations, max_bytes=10**9
        )


# -- archive and purge -----------------------------------------------------------------


def _backdate(slugs: list[str], days: int) -> None:
    """Let ``days`` pass for these tenants: their archive dates and exports move back alike."""
    with db.platform_transaction() as session:
        session.execute(
            text(
                "UPDATE platform.tenants SET archived_at = archived_at - make_interval(days => :d)"
                " WHERE slug = ANY(:slugs)"
            ),
            {"d": days, "slugs": slugs},
        )
        session.execute(
            text(
                "UPDATE platform.tenant_exports"
                " SET created_at = created_at - make_interval(days => :d) WHERE slug = ANY(:slugs)"
            ),
            {"d": days, "slugs": slugs},
        )


def test_purge_needs_the_retention_period_and_an_export_taken_since_archiving(
    *, cli, provision, tenant_db, tmp_path, client, state, settings
):
    # Exported *before* being archived from the console: that export does not count.
    hidden = provision()
    early = tmp_path / "early"
    early.mkdir()
    assert cli("tenants", "export", hidden, "--out", str(early)).exit_code == 0
    with db.platform_transaction() as session:
        tenant = lifecycle.get_tenant(session, hidden, for_update=True)
        lifecycle.change_status(session, tenant, "archive", actor="console")

    kept = provision(apps=("noticeboard",))
    _populate(tenant_db, kept, state)
    before = _fingerprint(tenant_db, kept)
    archived = cli("tenants", "archive", kept, "--out", str(tmp_path))
    assert archived.exit_code == 0, archived.output
    archive = next(tmp_path.glob(f"{kept}-*.tar.gz"))
    with db.platform_transaction() as session:
        tenant = lifecycle.get_tenant(session, kept)
        export = session.scalars(select(TenantExport).where(TenantExport.slug == kept)).one()
        assert tenant.status is TenantStatus.ARCHIVED
        assert tenant.archived_at == export.created_at  # one transaction: export, then archive
    assert client.get(f"/t/{kept}/api/v1/me").status_code == 404
    assert cli("tenants", "archive", kept).exit_code != 0  # already archived

    within = cli("tenants", "purge", hidden, kept)
    assert within.exit_code == 1
    lines = dict(line.split(": ", 1) for line in within.output.splitlines())
    assert "no export taken since it was archived" in lines[hidden]
    assert "kept until" in lines[kept] and "ARCHIVE_RETENTION_DAYS=30" in lines[kept]
    assert _leftovers(settings, kept)["schema"] == 1

    _backdate([hidden, kept], 31)
    dry = cli("tenants", "purge", "--dry-run", kept)
    assert dry.exit_code == 0 and f"{kept}: would purge" in dry.output
    assert _leftovers(settings, kept) == {"role": 1, "schema": 1, "tenant": 1}

    purged = cli("tenants", "purge", hidden, kept)
    assert purged.exit_code == 1  # hidden is refused, and says why
    assert f"{kept}: purged (export {archive.resolve()})" in purged.output
    assert "no export taken since" in purged.output
    assert _leftovers(settings, kept) == {"role": 0, "schema": 0, "tenant": 1}
    assert _leftovers(settings, hidden) == {"role": 1, "schema": 1, "tenant": 1}
    with db.platform_transaction() as session:
        tenant = lifecycle.get_tenant(session, kept)
        assert tenant.purged_at is not None
        assert session.scalars(select(TenantExport).where(TenantExport.slug == kept)).one()
        row = session.scalar(select(Tenant).where(Tenant.slug == hidden))
        assert row.purged_at is None
    again = cli("tenants", "purge", kept)
    assert again.exit_code == 1 and "already purged" in again.output
    refused = cli("tenants", "export", kept, "--out", str(tmp_path))
    assert refused.exit_code != 0 and "was purged" in refused.output

    # The export still brings the purged regency back, whole, under a new slug.
    back = unique_slug("kembali")
    assert cli("tenants", "import", str(archive), "--slug", back).exit_code == 0
    assert _fingerprint(tenant_db, back) == before
    assert tenant_token(client, back)


def test_purge_refuses_when_the_export_is_changed_or_gone(cli, provision, tmp_path, settings):
    slug = provision()
    assert cli("tenants", "archive", slug, "--out", str(tmp_path)).exit_code == 0
    _backdate([slug], 45)
    archive = _only_archive(tmp_path)
    original = archive.read_bytes()
    archive.write_bytes(original + b"\x00")
    changed = cli("tenants", "purge", slug)
    assert changed.exit_code == 1 and "no longer matches its recorded sha256" in changed.output
    archive.unlink()
    gone = cli("tenants", "purge", slug)
    assert gone.exit_code == 1 and "is missing" in gone.output
    assert _leftovers(settings, slug) == {"role": 1, "schema": 1, "tenant": 1}
    archive.write_bytes(original)
    assert cli("tenants", "purge", slug).exit_code == 0
    assert _leftovers(settings, slug) == {"role": 0, "schema": 0, "tenant": 1}


def test_a_manifest_nested_thousands_deep_is_refused_without_a_traceback(cli, tmp_path):
    archive = tmp_path / "deep.tar.gz"
    manifest = ("[" * 5000 + "]" * 5000).encode()
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    slug = unique_slug("dalam")
    result = cli("tenants", "import", str(archive), "--slug", slug)
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception
    assert "nested deeper than" in result.output, result.output
