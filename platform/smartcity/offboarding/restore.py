"""Restoring an export as a new tenant: check everything first, then one transaction.

An archive is untrusted input (it may have been edited, truncated or crafted),
so before anything is created it must prove that it is what it says: a known
format, only the members its manifest lists (no path tricks, no links, nothing
larger than declared or than ``IMPORT_MAX_BYTES``), each member matching its
sha256, schema versions equal to this deployment's heads, and exactly the
tables and columns those versions have. Nothing is ever extracted to disk.

The restore then runs provisioning's own steps (role, schema, tables stamped at
head; no first admin, no app hooks: the data brings its users and seed rows),
COPYs every table back in foreign-key order under the tenant's role, compares
each table's row count and checksum with the manifest, resets identity
sequences and registers the platform rows, all in the caller's transaction: a
failure at any point leaves nothing behind.

The restored schema is not written to (not even its audit log), so a round trip
is exactly comparable; the restore is recorded in the platform's audit log.
"""

from __future__ import annotations

import hashlib
import tarfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

import psycopg
from pydantic import ValidationError
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.orm import Session

from smartcity.apps import AppRegistry
from smartcity.errors import InvalidInput, Message
from smartcity.migrating import Migrations
from smartcity.offboarding import tables as tbl
from smartcity.offboarding.archive_format import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MAX_MANIFEST_BYTES,
    MAX_TABLES,
    Manifest,
    TableEntry,
    member_name,
)
from smartcity.offboarding.export import CHUNK, driver_connection, stable_output
from smartcity.request_guard import loads_bounded
from smartcity.sync.models import TenantReferenceVersion
from smartcity.tenancy import provisioning
from smartcity.tenancy.cache import announce_change
from smartcity.tenancy.models import Tenant
from smartcity.tenancy.provisioning import Provisioning, TenantRequest
from smartcity.tenancy.scope import as_tenant
from smartcity.tenantcore import audit


@dataclass(frozen=True)
class CheckedArchive:
    """An archive whose every member matched its manifest when it was checked."""

    path: Path
    sha256: str
    manifest: Manifest
    apps: list[str]  # installed apps (enabled or not), in dependency order
    tables: list[TableEntry]  # in restore order


def _refuse(message: Message, field: str = "archive") -> InvalidInput:
    """The archive refused: ``message`` says why (a msgid with its values, for the operator
    in either language), ``field`` names the part at fault."""
    return InvalidInput(message, {field: Message("refused")})


@contextmanager
def _open(path: Path) -> Iterator[tarfile.TarFile]:
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            yield tar
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise _refuse(
            Message(
                "%(file)s is not a readable tenant export (a .tar.gz written by "
                "`smartcity tenants export`): %(detail)s",
                file=path.name,
                detail=str(exc),
            )
        ) from exc


def _safe_name(name: str) -> bool:
    pure = PurePosixPath(name)
    return not (
        pure.is_absolute() or ".." in pure.parts or "\\" in name or "\x00" in name or not name
    )


def _stream(tar: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    file = tar.extractfile(member)
    if file is None:  # pragma: no cover - only regular files get here
        raise _refuse(Message("member %(member)s has no content", member=member.name))
    return file


def _hash_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    sha = hashlib.sha256()
    with _stream(tar, member) as file:
        while chunk := file.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def _read_manifest(tar: tarfile.TarFile) -> tuple[Manifest, tarfile.TarInfo]:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isreg():
        raise _refuse(
            Message(
                "the archive does not start with %(manifest)s: not a tenant export",
                manifest=MANIFEST,
            )
        )
    if first.size > MAX_MANIFEST_BYTES:
        raise _refuse(
            Message(
                "%(manifest)s is %(count_bytes)s bytes, more than a manifest can be",
                manifest=MANIFEST,
                count_bytes=first.size,
            )
        )
    with _stream(tar, first) as file:
        raw = file.read(MAX_MANIFEST_BYTES + 1)
    try:
        # Bounded depth: a manifest nested thousands deep is refused, not a RecursionError.
        document = loads_bounded(raw)
    except ValueError as exc:
        raise _refuse(
            Message("%(manifest)s is not JSON: %(detail)s", manifest=MANIFEST, detail=str(exc))
        ) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _refuse(
            Message(
                "%(manifest)s does not describe a %(format)s archive",
                manifest=MANIFEST,
                format=FORMAT,
            )
        )
    if document.get("format_version") != FORMAT_VERSION:
        raise _refuse(
            Message(
                "the archive is format version %(version)s; this deployment reads version "
                "%(supported)s",
                version=repr(document.get("format_version")),
                supported=FORMAT_VERSION,
            )
        )
    try:
        manifest = Manifest.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise _refuse(
            Message("%(manifest)s is not valid: %(problems)s", manifest=MANIFEST, problems=problems)
        ) from exc
    return manifest, first


def _check_members(
    tar: tarfile.TarFile, manifest: Manifest, manifest_member: tarfile.TarInfo, max_bytes: int
) -> None:
    """Every member is a listed regular file of the listed size and sha256, and none is missing."""
    expected: dict[str, TableEntry] = {}
    for entry in manifest.tables:
        if entry.member != member_name(entry.name):
            raise _refuse(
                Message(
                    "table %(table)s is stored as '%(member)s', not where it belongs",
                    table=entry.name,
                    member=entry.member,
                )
            )
        if entry.member in expected:
            raise _refuse(Message("table %(table)s is listed twice", table=entry.name))
        expected[entry.member] = entry
    declared = sum(e.size for e in manifest.tables)
    if declared > max_bytes:
        raise _refuse(
            Message(
                "the archive declares %(count_bytes)s bytes of data, more than the "
                "%(count_limit)s bytes IMPORT_MAX_BYTES allows",
                count_bytes=declared,
                count_limit=max_bytes,
            )
        )
    seen: set[str] = set()
    total = 0
    for member in tar:
        if member is manifest_member:  # iteration starts again from the first member
            continue
        entry = _listed_entry(member, expected, seen)
        total += member.size
        if member.size != entry.size or total > max_bytes:
            raise _refuse(
                Message(
                    "member '%(member)s' is %(count_bytes)s bytes; the manifest says "
                    "%(count_listed)s (the whole archive may hold %(count_limit)s bytes, "
                    "IMPORT_MAX_BYTES)",
                    member=member.name,
                    count_bytes=member.size,
                    count_listed=entry.size,
                    count_limit=max_bytes,
                )
            )
        if _hash_member(tar, member) != entry.sha256:
            raise _refuse(
                Message(
                    "member '%(member)s' does not match its sha256: damaged or edited",
                    member=member.name,
                )
            )
    missing = sorted(set(expected) - seen)
    if missing:
        raise _refuse(Message("the archive lacks %(members)s", members=", ".join(missing)))


def _listed_entry(
    member: tarfile.TarInfo, expected: dict[str, TableEntry], seen: set[str]
) -> TableEntry:
    """The manifest entry of a member that is safe to read, else a refusal saying why."""
    if len(seen) >= MAX_TABLES:
        raise _refuse(Message("the archive has more members than any tenant has tables"))
    if not _safe_name(member.name):
        raise _refuse(
            Message("member '%(member)s' has an unsafe name (absolute or '..')", member=member.name)
        )
    if not member.isreg():
        raise _refuse(
            Message(
                "member '%(member)s' is not a regular file (a link or a device)",
                member=member.name,
            )
        )
    entry = expected.get(member.name)
    if entry is None:
        raise _refuse(
            Message(
                "member '%(member)s' is not listed in %(manifest)s",
                member=member.name,
                manifest=MANIFEST,
            )
        )
    if member.name in seen:
        raise _refuse(Message("member '%(member)s' appears twice", member=member.name))
    seen.add(member.name)
    return entry


def _check_schema(
    manifest: Manifest, registry: AppRegistry, migrations: Migrations
) -> tuple[list[str], list[TableEntry]]:
    """Versions at this deployment's heads, and exactly the tables and columns they mean."""
    apps = [a.app for a in manifest.apps]
    unknown = sorted(a for a in apps if a not in registry)
    if unknown:
        raise _refuse(
            Message(
                "the archive uses app(s) this deployment lacks: %(apps)s", apps=", ".join(unknown)
            )
        )
    installed = registry.closure(apps)
    if set(installed) != set(apps):
        missing = ", ".join(sorted(set(installed) - set(apps)))
        raise _refuse(
            Message("the archive's apps lack the apps they require: %(apps)s", apps=missing)
        )
    branches: dict[str, str] = {}
    for version in manifest.versions:
        branch = migrations.branch_of.get(version)
        if branch is None:
            raise _refuse(
                Message(
                    "schema revision '%(revision)s' is unknown here: the export comes from a "
                    "newer or different deployment; upgrade this deployment first",
                    revision=version,
                ),
                "versions",
            )
        head = migrations.head_of[branch]
        if version != head:
            raise _refuse(
                Message(
                    "the export's %(branch)s is at revision %(revision)s, but this deployment's "
                    "head is %(head)s: migrate the source tenant (`smartcity migrate`) and "
                    "export it again",
                    branch=branch,
                    revision=version,
                    head=head,
                ),
                "versions",
            )
        branches[branch] = version
    wanted = set(migrations.tenant_branches(installed))
    if set(branches) != wanted or len(branches) != len(manifest.versions):
        raise _refuse(
            Message(
                "the archive's versions (%(versions)s) do not match its apps (%(apps)s)",
                versions=", ".join(sorted(branches)),
                apps=", ".join(sorted(wanted)),
            ),
            "versions",
        )
    by_name = {e.name: e for e in manifest.tables}
    order = tbl.restore_order(registry, installed)
    known = {t.name for t in order}
    strange = sorted(set(by_name) - known)
    if strange:
        raise _refuse(
            Message("the archive holds unknown table(s): %(tables)s", tables=", ".join(strange)),
            "tables",
        )
    absent = sorted(known - set(by_name))
    if absent:
        raise _refuse(
            Message("the archive lacks table(s): %(tables)s", tables=", ".join(absent)),
            "tables",
        )
    for table in order:
        entry = by_name[table.name]
        columns = {c.name for c in table.columns if c.computed is None}
        if set(entry.columns) != columns:
            raise _refuse(
                Message(
                    "table %(table)s: the archive's columns differ from this deployment's "
                    "(%(columns)s)",
                    table=table.name,
                    columns=", ".join(sorted(set(entry.columns) ^ columns)),
                ),
                "tables",
            )
    return installed, [by_name[t.name] for t in order]


def check_archive(
    path: Path, *, registry: AppRegistry, migrations: Migrations, max_bytes: int
) -> CheckedArchive:
    """Read the whole archive once and refuse it, with the reason, unless all of it is sound."""
    if not path.is_file():
        raise _refuse(Message("%(path)s is not a file", path=str(path)))
    with path.open("rb") as file:
        sha = hashlib.sha256()
        while chunk := file.read(CHUNK):
            sha.update(chunk)
    with _open(path) as tar:
        manifest, manifest_member = _read_manifest(tar)
        apps, entries = _check_schema(manifest, registry, migrations)
        _check_members(tar, manifest, manifest_member, max_bytes)
    return CheckedArchive(path, sha.hexdigest(), manifest, apps, entries)


def restore_tenant(
    session: Session,
    archive: CheckedArchive,
    *,
    slug: str,
    name: str | None,
    registry: AppRegistry,
    migrations: Migrations,
    role_prefix: str,
    actor: str,
) -> Tenant:
    """Create tenant ``slug`` from a checked archive in the caller's platform transaction."""
    source = archive.manifest
    request = TenantRequest(
        slug=slug,
        name=name if name is not None else source.tenant.name,
        region_code=source.tenant.region_code,
        admin_email="",
        admin_password="",
        apps=tuple(archive.apps),
        # Restoring is itself the explicit act that brings an archived region back.
        reprovision=True,
    )
    p = Provisioning(request, registry, migrations, role_prefix, actor)
    problems = provisioning.tenant_problems(session, p)
    if problems:
        raise InvalidInput(Message("the tenant cannot be restored as asked"), problems)
    provisioning.ensure_slug_free(session, slug)
    provisioning.ensure_region_free(session, p)
    try:
        for step in (
            provisioning.register_tenant,
            provisioning.create_role_and_schema,
            provisioning.install_tenant_core,
            provisioning.install_app_tables,
        ):
            step(session, p)
    except (IntegrityError, ProgrammingError) as exc:
        provisioning.raise_if_name_taken(exc, slug)
        raise
    tenant = p.tenant
    assert tenant is not None  # noqa: S101 - set by register_tenant
    tenant.settings = dict(source.tenant.settings)
    enabled = {a.app: a.enabled for a in source.apps}
    for row in tenant.apps:
        row.enabled = enabled.get(row.app, False)
    for ref in source.reference_versions:
        session.add(
            TenantReferenceVersion(
                tenant_id=tenant.id,
                dataset=ref.dataset,
                version=ref.version,
                synced_at=ref.synced_at,
            )
        )
    conn = session.connection()
    with as_tenant(conn, p.schema, p.role):
        _load(conn, archive, p.schema)
    audit.record_platform(
        session,
        actor=actor,
        action="tenant.restore",
        tenant_id=tenant.id,
        slug=slug,
        source_slug=source.slug,
        source_exported_at=source.created_at.isoformat(),
        archive_sha256=archive.sha256,
        rows={e.name: e.rows for e in archive.tables},
    )
    announce_change(session, slug)
    session.flush()
    return tenant


def _load(conn: Connection, archive: CheckedArchive, schema: str) -> None:
    """COPY each table in, re-checking each member's sha256, then compare the digests."""
    stable_output(conn)
    with _open(archive.path) as tar:
        for entry in archive.tables:
            _copy_in(conn, tar, entry, schema)
    for entry in archive.tables:
        shape = tbl.table_shape(conn, schema, entry.name)
        got = tbl.digest(conn, schema, shape)
        if (got.rows, got.checksum) != (entry.rows, entry.checksum):
            raise _refuse(
                Message(
                    "table %(table)s: %(count_rows)s rows restored with checksum %(checksum)s; "
                    "the export recorded %(count_recorded)s rows with checksum "
                    "%(checksum_recorded)s. Nothing was restored.",
                    table=entry.name,
                    count_rows=got.rows,
                    checksum=got.checksum,
                    count_recorded=entry.rows,
                    checksum_recorded=entry.checksum,
                ),
                "tables",
            )
    tbl.reset_identity_sequences(conn, schema)
    for setting in ("TimeZone", "DateStyle", "IntervalStyle", "extra_float_digits", "bytea_output"):
        conn.execute(text(f"SET LOCAL {setting} TO DEFAULT"))


def _copy_in(conn: Connection, tar: tarfile.TarFile, entry: TableEntry, schema: str) -> None:
    try:
        member = tar.getmember(entry.member)
    except KeyError:
        raise _refuse(
            Message("the archive lost %(member)s since it was checked", member=entry.member)
        ) from None
    sha = hashlib.sha256()
    try:
        with (
            _stream(tar, member) as file,
            driver_connection(conn).cursor() as cursor,
            cursor.copy(tbl.copy_in_sql(schema, entry.name, entry.columns)) as copy,
        ):
            while chunk := file.read(CHUNK):
                sha.update(chunk)
                copy.write(chunk)
    except psycopg.Error as exc:
        raise _refuse(
            Message(
                "table %(table)s could not be loaded: %(detail)s", table=entry.name, detail=str(exc)
            ),
            "tables",
        ) from exc
    if sha.hexdigest() != entry.sha256:
        raise _refuse(
            Message("%(member)s changed since the archive was checked", member=entry.member),
            "archive",
        )
