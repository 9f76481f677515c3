"""Exporting a tenant to one archive file, and archiving it (export, then hide).

Every table is read in one REPEATABLE READ, READ ONLY transaction under the
tenant's own role, so the archive is one consistent snapshot and the export can
read nothing but that tenant. The tables are locked (ACCESS SHARE, as pg_dump
does) before the snapshot is taken: users keep working, but no migration can
change a table half-way through. The file is written under a temporary name
and renamed into place, so a reader never sees half an archive.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

import psycopg
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from smartcity.apps import AppRegistry
from smartcity.db import db, tenant_bind
from smartcity.errors import Conflict, InvalidInput, Message
from smartcity.migrating import Migrations
from smartcity.offboarding import tables as tbl
from smartcity.offboarding.archive_format import FORMAT, FORMAT_VERSION, MANIFEST, member_name
from smartcity.offboarding.models import TenantExport
from smartcity.sync.models import TenantReferenceVersion
from smartcity.tenancy import lifecycle
from smartcity.tenancy.models import Tenant, TenantStatus
from smartcity.tenancy.names import quote_ident, role_name, schema_name, validate_slug
from smartcity.tenantcore import audit

log = logging.getLogger(__name__)
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ExportResult:
    record: TenantExport
    #: tables in the schema that no installed app declares: kept in the archive,
    #: but ``smartcity tenants import`` will refuse to restore it
    undeclared_tables: list[str]


@dataclass
class _Spooled:
    shape: tbl.TableShape
    digest: tbl.TableDigest
    path: Path
    sha256: str
    size: int


def stable_output(conn: Connection) -> None:
    """Render values the same way on every server, so checksums compare across deployments.

    ``SET LOCAL`` ends with the transaction (no session state survives in the pool).
    """
    for setting in (
        "SET LOCAL TimeZone = 'UTC'",
        "SET LOCAL DateStyle = 'ISO, YMD'",
        "SET LOCAL IntervalStyle = 'postgres'",
        "SET LOCAL extra_float_digits = 1",
        "SET LOCAL bytea_output = 'hex'",
    ):
        conn.execute(text(setting))


def driver_connection(conn: Connection) -> psycopg.Connection[Any]:
    """psycopg's own connection under a SQLAlchemy one, for COPY."""
    return cast("psycopg.Connection[Any]", conn.connection.driver_connection)


def archive_path(slug: str, out: Path | None, export_dir: str, at: datetime) -> Path:
    """Where the archive goes: ``out`` (a file, or a folder for the default name), else
    ``EXPORT_DIR``. The default name derives only from the validated slug and a time."""
    filename = f"{validate_slug(slug)}-{at:%Y%m%dT%H%M%SZ}.tar.gz"
    if out is None:
        folder = Path(export_dir)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = folder / filename
    elif out.is_dir():
        target = out / filename
    else:
        target = out
        if not target.parent.is_dir():
            raise InvalidInput(
                Message("folder %(parent)s does not exist", parent=target.parent),
                {"out": Message("no such folder")},
            )
    if target.exists():
        raise Conflict(
            Message("%(target)s already exists; an export never overwrites", target=target),
            {"out": Message("already exists")},
        )
    return target.resolve()


def export_tenant(
    session: Session,
    tenant: Tenant,
    *,
    registry: AppRegistry,
    migrations: Migrations,
    role_prefix: str,
    export_dir: str,
    actor: str,
    out: Path | None = None,
) -> ExportResult:
    """Write the tenant's archive and record it; ``session`` is a platform session."""
    if tenant.purged_at is not None:
        raise Conflict(
            Message(
                "tenant '%(slug)s' was purged on %(day)s: its data is only"
                " in its earlier exports (see platform.tenant_exports)",
                slug=tenant.slug,
                day=tenant.purged_at.date().isoformat(),
            ),
            {"slug": Message("purged")},
        )
    now = datetime.now(UTC)
    target = archive_path(tenant.slug, out, export_dir, now)
    schema, role = schema_name(tenant.slug), role_name(role_prefix, tenant.slug)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as spool_dir:
        versions, spooled = _snapshot(schema, role, Path(spool_dir))
        installed = _installed_apps(versions, registry, migrations)
        declared = {t.name for t in tbl.restore_order(registry, installed)}
        undeclared = [s.shape.name for s in spooled if s.shape.name not in declared]
        manifest = _manifest(
            session,
            tenant,
            actor=actor,
            now=now,
            versions=versions,
            spooled=spooled,
            registry=registry,
            installed=installed,
        )
        sha256, size = _write_archive(target, manifest, spooled, now)
    record = TenantExport(
        tenant_id=tenant.id,
        slug=tenant.slug,
        path=str(target),
        sha256=sha256,
        size=size,
        tables={
            s.shape.name: {"rows": s.digest.rows, "checksum": s.digest.checksum} for s in spooled
        },
        created_by=actor,
    )
    session.add(record)
    audit.record_platform(
        session,
        actor=actor,
        action="tenant.export",
        tenant_id=tenant.id,
        path=str(target),
        sha256=sha256,
        size=size,
    )
    session.flush()
    if undeclared:
        log.warning("export of %s holds undeclared tables: %s", tenant.slug, undeclared)
    return ExportResult(record, undeclared)


def archive_tenant(
    session: Session,
    tenant: Tenant,
    *,
    registry: AppRegistry,
    migrations: Migrations,
    role_prefix: str,
    export_dir: str,
    actor: str,
    out: Path | None = None,
) -> ExportResult:
    """Export, then mark archived, in the caller's one platform transaction.

    The export row and ``archived_at`` share the transaction's ``now()``, so this
    export counts for ``purge`` ("an export taken at or after archiving"); if the
    export fails, the tenant is not archived. Writes users make between the
    snapshot and the commit (seconds) are not in the archive: suspend the tenant
    first for a quiet cut-over.
    """
    if tenant.status is TenantStatus.ARCHIVED:
        raise Conflict(
            Message("tenant '%(slug)s' is already archived", slug=tenant.slug),
            {"status": "archived"},
        )
    result = export_tenant(
        session,
        tenant,
        registry=registry,
        migrations=migrations,
        role_prefix=role_prefix,
        export_dir=export_dir,
        actor=actor,
        out=out,
    )
    lifecycle.change_status(session, tenant, "archive", actor=actor)
    return result


# -- reading the snapshot --------------------------------------------------------------


def _snapshot(schema: str, role: str, spool_dir: Path) -> tuple[list[str], list[_Spooled]]:
    engine = tenant_bind(db.engine, schema, role)
    try:
        with engine.connect() as conn:
            names = tbl.schema_tables(conn, schema)
            conn.rollback()
        with engine.connect() as conn:
            # Both must come before the first query, which fixes the snapshot;
            # LOCK does not take one (that is what lets pg_dump do the same).
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
            locked = [*names, tbl.VERSION_TABLE]
            qualified = ", ".join(f"{quote_ident(schema)}.{quote_ident(n)}" for n in locked)
            conn.execute(text(f"LOCK TABLE {qualified} IN ACCESS SHARE MODE"))
            stable_output(conn)
            if tbl.schema_tables(conn, schema) != names:
                raise Conflict(
                    Message("the tenant's tables changed during the export: run it again")
                )
            versions = sorted(
                conn.execute(
                    text(f"SELECT version_num FROM {quote_ident(schema)}.{tbl.VERSION_TABLE}")  # noqa: S608 - quote_ident identifiers only; values are bound
                ).scalars()
            )
            spooled = [_spool(conn, schema, name, spool_dir, i) for i, name in enumerate(names)]
            conn.rollback()
    except DBAPIError as exc:
        raise Conflict(
            Message("cannot read schema %(schema)s: %(orig)s", schema=schema, orig=exc.orig)
        ) from exc
    except psycopg.Error as exc:  # raised by COPY, which bypasses SQLAlchemy
        raise Conflict(
            Message("cannot read schema %(schema)s: %(exc)s", schema=schema, exc=exc)
        ) from exc
    return versions, spooled


def _spool(conn: Connection, schema: str, name: str, spool_dir: Path, index: int) -> _Spooled:
    if not tbl.IDENTIFIER.fullmatch(name):
        raise Conflict(
            Message("table %(name)s has a name an archive cannot carry safely", name=name)
        )
    shape = tbl.table_shape(conn, schema, name)
    digest = tbl.digest(conn, schema, shape)
    path = spool_dir / f"{index:04d}.csv"  # never named after anything read from the database
    sha = hashlib.sha256()
    size = 0
    with (
        path.open("wb") as file,
        driver_connection(conn).cursor() as cursor,
        cursor.copy(tbl.copy_out_sql(schema, shape)) as copy,
    ):
        for chunk in copy:
            file.write(chunk)
            sha.update(chunk)
            size += len(chunk)
    return _Spooled(shape, digest, path, sha.hexdigest(), size)


def _installed_apps(
    versions: Iterable[str], registry: AppRegistry, migrations: Migrations
) -> list[str]:
    branches = {migrations.branch_of.get(v) for v in versions}
    return [name for name in registry.names if name in branches]


# -- writing the archive ---------------------------------------------------------------


def _manifest(
    session: Session,
    tenant: Tenant,
    *,
    actor: str,
    now: datetime,
    versions: list[str],
    spooled: list[_Spooled],
    registry: AppRegistry,
    installed: list[str],
) -> dict[str, Any]:
    # Tables in restore order, so an import reads the archive front to back.
    position = {t.name: i for i, t in enumerate(tbl.restore_order(registry, installed))}
    spooled.sort(key=lambda s: (position.get(s.shape.name, len(position)), s.shape.name))
    references = session.scalars(
        select(TenantReferenceVersion)
        .where(TenantReferenceVersion.tenant_id == tenant.id)
        .order_by(TenantReferenceVersion.dataset)
    )
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "slug": tenant.slug,
        "created_at": now.isoformat(),
        "created_by": actor,
        "tenant": {
            "name": tenant.name,
            "region_code": tenant.region_code,
            "province": tenant.province,
            "status": tenant.status.value,
            "settings": tenant.settings,
            "created_at": tenant.created_at.isoformat(),
            "archived_at": tenant.archived_at.isoformat() if tenant.archived_at else None,
        },
        "apps": [{"app": a.app, "enabled": a.enabled} for a in tenant.apps],
        "domains": sorted(d.domain for d in tenant.domains),
        "reference_versions": [
            {"dataset": r.dataset, "version": r.version, "synced_at": r.synced_at.isoformat()}
            for r in references
        ],
        "versions": versions,
        "tables": [
            {
                "name": s.shape.name,
                "member": member_name(s.shape.name),
                "columns": list(s.shape.columns),
                "primary_key": list(s.shape.primary_key),
                "rows": s.digest.rows,
                "checksum": s.digest.checksum,
                "sha256": s.sha256,
                "size": s.size,
            }
            for s in spooled
        ],
    }


def _member(name: str, size: int, at: datetime) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(at.timestamp())
    info.mode = 0o600
    return info


def _write_archive(
    target: Path, manifest: dict[str, Any], spooled: list[_Spooled], at: datetime
) -> tuple[str, int]:
    """Write to a temporary file beside ``target``, sync, then rename: all or nothing."""
    body = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode()
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w+b") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
                tar.addfile(_member(MANIFEST, len(body), at), io.BytesIO(body))
                for s in spooled:
                    with s.path.open("rb") as data:
                        tar.addfile(_member(member_name(s.shape.name), s.size, at), data)
            raw.flush()
            os.fsync(raw.fileno())
            raw.seek(0)
            sha256, size = file_digest(raw)
        if target.exists():
            raise Conflict(
                Message("%(target)s appeared during the export; nothing overwritten", target=target)
            )
        Path(temp).replace(target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a crash
    finally:
        os.close(directory)
    return sha256, size


def file_digest(file: IO[bytes]) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    while chunk := file.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
    return sha.hexdigest(), size
