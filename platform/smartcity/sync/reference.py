"""Reference data kept once in ``platform``, versioned, and pushed into the tenants that use it.

A dataset (kode wilayah, national holidays; budget codes and price catalogues
later) is published as an immutable :class:`ReferenceDataset` row. Publishing
the same content again is a no-op, so a deploy, a beat task and an operator can
all call :func:`publish` without creating noise. :func:`push` brings one tenant
to the latest version of every dataset it uses, inside the tenant's role, and
records the version it now holds in ``platform.tenant_reference_versions`` in
the same transaction: either the tenant's rows and the record both change, or
neither does. Pushing a tenant that is already current writes nothing.

Which datasets a tenant uses: the core's (:data:`CORE_DATASETS`) plus those its
enabled apps declare in their manifests (``AppManifest.datasets``, named
``<app>.<what>``). Functions that look a dataset up by name take the registry,
so an app's datasets are found through its manifest, never by a global the app
writes into.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib.resources import files

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, selectinload

from smartcity.apps import AppManifest, AppRegistry, Changes, Dataset, Row
from smartcity.errors import InvalidInput, Message, NotFound
from smartcity.reference import region_rows
from smartcity.sync.models import ReferenceDataset, TenantReferenceVersion
from smartcity.tenancy.models import Region, Tenant, TenantStatus
from smartcity.tenancy.names import role_name, schema_name
from smartcity.tenancy.scope import as_tenant
from smartcity.tenantcore import audit
from smartcity.tenantcore.models import Holiday

log = logging.getLogger(__name__)

__all__ = ["Changes", "Dataset", "Row"]


# -- national holidays -------------------------------------------------------------


def shipped_holidays() -> list[Row]:
    """``data/national_holidays.csv`` (SKB 3 Menteri dates; ``#`` lines are comments)."""
    content = files("smartcity").joinpath("data/national_holidays.csv").read_text("utf-8")
    lines = [line for line in content.splitlines() if line.strip() and not line.startswith("#")]
    return [dict(row) for row in csv.DictReader(lines)]


def normalize_holidays(rows: Iterable[Row]) -> list[Row]:
    problems: dict[str, str] = {}
    by_day: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        raw_day, name = str(row.get("day") or "").strip(), str(row.get("name") or "").strip()
        try:
            day = date.fromisoformat(raw_day).isoformat()
        except ValueError:
            problems[f"row {number}"] = Message(
                "day '%(day)s' is not a date like 2026-08-17", day=raw_day
            )
            continue
        if not name or len(name) > 200:
            problems[f"row {number}"] = Message("name: required, at most 200 characters")
        elif day in by_day:
            problems[f"row {number}"] = Message(
                "%(day)s is listed twice (one national holiday a day)", day=day
            )
        else:
            by_day[day] = name
    if problems:
        raise InvalidInput(Message("the national holidays are not valid"), problems)
    return [{"day": day, "name": by_day[day]} for day in sorted(by_day)]


def apply_holidays(session: Session, rows: list[Row], version: str) -> Changes:
    """Make the tenant's national holidays exactly ``rows``; local ones are never touched.

    ``source_version`` is the version that last added or renamed a row, so a
    new version that leaves a holiday alone does not rewrite it.
    """
    wanted = {date.fromisoformat(r["day"]): r["name"] for r in rows}
    current = {h.day: h for h in session.scalars(select(Holiday).where(Holiday.kind == "national"))}
    added = [{"day": d.isoformat(), "name": n} for d, n in wanted.items() if d not in current]
    renamed = [
        {"day": d.isoformat(), "before": current[d].name, "after": n}
        for d, n in wanted.items()
        if d in current and current[d].name != n
    ]
    removed = [
        {"day": d.isoformat(), "name": h.name} for d, h in current.items() if d not in wanted
    ]
    for d in (date.fromisoformat(r["day"]) for r in removed):
        session.delete(current[d])
    for r in renamed:
        holiday = current[date.fromisoformat(r["day"])]
        holiday.name, holiday.source_version = r["after"], version
    session.add_all(
        Holiday(
            day=date.fromisoformat(r["day"]),
            name=r["name"],
            kind="national",
            source_version=version,
        )
        for r in added
    )
    session.flush()
    changes: Changes = {}
    for key, items in (("added", added), ("renamed", renamed), ("removed", removed)):
        if items:
            changes[key] = sorted(items, key=lambda item: str(item["day"]))
    return changes


# -- kode wilayah --------------------------------------------------------------------


def shipped_regions() -> list[Row]:
    return [r._asdict() for r in region_rows()]


def normalize_regions(rows: Iterable[Row]) -> list[Row]:
    problems: dict[str, str] = {}
    by_code: dict[str, Row] = {}
    for number, row in enumerate(rows, start=1):
        code, name = str(row.get("code") or "").strip(), str(row.get("name") or "").strip()
        level = str(row.get("level") or "").strip()
        parts = code.split(".")
        if not code or not all(p.isascii() and p.isdecimal() for p in parts) or len(code) > 13:
            problems[f"row {number}"] = Message(
                "code '%(code)s' is not a kode wilayah like 33.18.01", code=code
            )
        elif not name or level not in ("provinsi", "kab_kota", "kecamatan", "desa"):
            problems[f"row {number}"] = Message(
                "needs a name and a level (provinsi, kab_kota, kecamatan)"
            )
        elif code in by_code:
            problems[f"row {number}"] = Message("code %(code)s is listed twice", code=code)
        else:
            by_code[code] = {"code": code, "name": name, "level": level}
    if problems:
        raise InvalidInput(Message("the region codes are not valid"), problems)
    return [by_code[code] for code in sorted(by_code)]


def apply_regions(_session: Session, _rows: list[Row], _version: str) -> Changes:
    """No tenant keeps a copy yet: org units' kecamatan codes are checked by pattern.

    The push records the version the tenant holds, so the first app that needs a
    tenant-side copy (and declares ``regions``) only has to fill this in.
    """
    return {}


def mirror_regions(session: Session, rows: list[Row]) -> None:
    """Keep ``platform.regions`` (what provisioning checks a region against) at this edition.

    Codes are added or renamed, never deleted: a tenant may still hold a code that
    a newer Kepmendagri retired (a region split or merged), and its row must stay.
    """
    if not rows:
        return
    stmt = insert(Region).values([{k: r[k] for k in ("code", "name", "level")} for r in rows])
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["code"],
            set_={"name": stmt.excluded.name, "level": stmt.excluded.level},
        )
    )


#: Datasets the platform also keeps as a table of its own, updated by each publish.
PLATFORM_MIRRORS = {"regions": mirror_regions}

DATASETS: dict[str, Dataset] = {
    "national_holidays": Dataset(
        "national_holidays",
        "Hari libur nasional and cuti bersama (SKB 3 Menteri)",
        shipped_holidays,
        normalize_holidays,
        apply_holidays,
    ),
    "regions": Dataset(
        "regions",
        "Kode wilayah: provinces, regencies and kecamatan",
        shipped_regions,
        normalize_regions,
        apply_regions,
    ),
}
#: Datasets every tenant holds, whatever apps it chose.
CORE_DATASETS = ("national_holidays", "regions")


def all_datasets(registry: AppRegistry) -> dict[str, Dataset]:
    """The core's datasets, then every installed app's, by name."""
    found = dict(DATASETS)
    for manifest in registry:
        found.update((d.name, d) for d in manifest.datasets)
    return found


def get_dataset(name: str, registry: AppRegistry) -> Dataset:
    known = all_datasets(registry)
    if name not in known:
        raise NotFound(
            Message("unknown reference dataset '%(name)s'", name=name),
            {"dataset": Message("one of %(names)s", names=", ".join(known))},
        )
    return known[name]


# -- publishing ----------------------------------------------------------------------


def checksum(rows: list[Row]) -> str:
    canonical = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def latest(session: Session, name: str) -> ReferenceDataset | None:
    return session.scalar(
        select(ReferenceDataset)
        .where(ReferenceDataset.name == name)
        .order_by(ReferenceDataset.id.desc())
        .limit(1)
    )


def latest_versions(session: Session) -> dict[str, str]:
    """Dataset name -> its latest version, in one query."""
    newest = select(func.max(ReferenceDataset.id)).group_by(ReferenceDataset.name).scalar_subquery()
    return dict(
        session.execute(
            select(ReferenceDataset.name, ReferenceDataset.version).where(
                ReferenceDataset.id.in_(newest)
            )
        ).all()
    )


@dataclass(frozen=True)
class Published:
    dataset: ReferenceDataset
    created: bool


def publish(
    session: Session, name: str, rows: Iterable[Row], *, registry: AppRegistry, actor: str
) -> Published:
    """Store ``rows`` as the new version of ``name``, unless the content is unchanged.

    Concurrent publishers of one dataset are serialized by a transaction-scoped
    advisory lock, so two provisionings seeding the same data store one version.
    """
    dataset = get_dataset(name, registry)
    normalized = dataset.normalize(rows)
    digest = checksum(normalized)
    session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"reference:{name}"}
    )
    current = latest(session, name)
    if current is not None and current.checksum == digest:
        return Published(current, created=False)
    stem = f"{datetime.now(UTC):%Y%m%d}-{digest[:8]}"
    taken = set(
        session.scalars(
            select(ReferenceDataset.version).where(
                ReferenceDataset.name == name, ReferenceDataset.version.startswith(stem)
            )
        )
    )
    # The same content may come back on one day (A, B, A): the version must still be new.
    version = next(v for n in range(1, len(taken) + 2) if (v := _numbered(stem, n)) not in taken)
    row = ReferenceDataset(name=name, version=version, checksum=digest, data=normalized)
    session.add(row)
    session.flush()
    if name in PLATFORM_MIRRORS:
        PLATFORM_MIRRORS[name](session, normalized)
    audit.record_platform(
        session,
        actor=actor,
        action="reference.publish",
        tenant_id=None,
        dataset=name,
        version=version,
        rows=len(normalized),
        previous=None if current is None else current.version,
    )
    log.info("reference dataset %s published as %s (%d rows)", name, version, len(normalized))
    return Published(row, created=True)


def _numbered(stem: str, n: int) -> str:
    return stem if n == 1 else f"{stem}-{n}"


def publish_shipped(
    session: Session,
    names: Sequence[str] | None = None,
    *,
    registry: AppRegistry,
    actor: str,
    only_unseen: bool = False,
) -> list[Published]:
    """Publish the data files shipped with this release.

    ``only_unseen`` (the daily beat) publishes a shipped file only if that exact
    content was never published: a deploy with a corrected file reaches every
    tenant by itself, but a file an operator published since is not overridden
    by the shipped one.
    """
    results = []
    for name in names or list(all_datasets(registry)):
        dataset = get_dataset(name, registry)
        rows = dataset.normalize(dataset.shipped())
        if only_unseen and session.scalar(
            select(ReferenceDataset.id)
            .where(ReferenceDataset.name == name, ReferenceDataset.checksum == checksum(rows))
            .limit(1)
        ):
            continue
        results.append(publish(session, name, rows, registry=registry, actor=actor))
    return results


def ensure_published(
    session: Session, names: Iterable[str], *, registry: AppRegistry, actor: str
) -> None:
    """Seed a dataset that was never published with the shipped data (a new platform)."""
    missing = [n for n in names if latest(session, n) is None]
    if missing:
        publish_shipped(session, missing, registry=registry, actor=actor)


# -- pushing -------------------------------------------------------------------------


def app_datasets(manifest: AppManifest) -> tuple[str, ...]:
    """The names of the datasets an app declares, in the order they apply."""
    return tuple(d.name for d in manifest.datasets)


def datasets_for(apps: Iterable[str], registry: AppRegistry) -> tuple[str, ...]:
    """Every dataset a tenant with these enabled apps uses, core first, no repeats."""
    names = list(CORE_DATASETS)
    for app in apps:
        if app in registry:
            names += [n for n in app_datasets(registry.get(app)) if n not in names]
    return tuple(names)


@dataclass
class PushResult:
    """What one push did: the versions the tenant holds now, and what changed."""

    slug: str
    versions: dict[str, str] = field(default_factory=dict)
    changes: dict[str, Changes] = field(default_factory=dict)
    upgraded: dict[str, tuple[str | None, str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.upgraded)


def push(
    session: Session,
    tenant: Tenant,
    *,
    registry: AppRegistry,
    role_prefix: str,
    actor: str,
    datasets: Sequence[str] | None = None,
) -> PushResult:
    """Bring ``tenant`` to the latest version of each dataset (default: all it uses).

    ``session`` is a platform session; the tenant's rows are written under its
    role on the same connection (:func:`~smartcity.tenancy.scope.as_tenant`),
    so one commit covers both. The caller commits.
    """
    enabled = [a.app for a in tenant.apps if a.enabled]
    names = list(datasets_for(enabled, registry) if datasets is None else datasets)
    result = PushResult(tenant.slug)
    if not names:
        return result
    known = {name: get_dataset(name, registry) for name in names}
    ensure_published(session, names, registry=registry, actor=actor)
    # Everything the platform side needs is read before switching role: inside
    # the tenant's role the platform schema is out of reach.
    sources = {n: latest(session, n) for n in names}
    held = {
        v.dataset: v
        for v in session.scalars(
            select(TenantReferenceVersion).where(
                TenantReferenceVersion.tenant_id == tenant.id,
                TenantReferenceVersion.dataset.in_(names),
            )
        )
    }
    session.flush()
    conn = session.connection()
    schema, role = schema_name(tenant.slug), role_name(role_prefix, tenant.slug)
    with as_tenant(conn, schema, role) as tenant_session:
        for name, source in sources.items():
            assert source is not None  # noqa: S101 - ensure_published seeded it
            before = held[name].version if name in held else None
            if before == source.version:
                # Already current: applying again would rewrite nothing but cost a
                # full pass over the rows (thousands, for a price catalogue).
                result.versions[name] = before
                continue
            changes = known[name].apply(tenant_session, source.data, source.version)
            result.versions[name] = source.version
            if changes:
                result.changes[name] = changes
            if before != source.version:
                result.upgraded[name] = (before, source.version)
            if changes or before != source.version:
                audit.record(
                    tenant_session,
                    actor=actor,
                    action="reference.sync",
                    entity="reference_dataset",
                    entity_id=name,
                    before={"version": before},
                    after={"version": source.version, **changes},
                )
    now = datetime.now(UTC)
    rows = [
        {
            "tenant_id": tenant.id,
            "dataset": name,
            "version": result.versions[name],
            "synced_at": now,
        }
        for name in names
        if name in result.upgraded or name in result.changes
    ]
    if rows:
        stmt = insert(TenantReferenceVersion).values(rows)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "dataset"],
                set_={"version": stmt.excluded.version, "synced_at": stmt.excluded.synced_at},
            )
        )
    return result


def push_slug(
    session: Session, slug: str, *, registry: AppRegistry, role_prefix: str, actor: str
) -> PushResult:
    """Push one tenant by slug; only an active tenant receives data."""
    tenant = session.scalar(
        select(Tenant).where(Tenant.slug == slug).options(selectinload(Tenant.apps))
    )
    if tenant is None:
        raise NotFound(Message("no tenant '%(slug)s'", slug=slug))
    if tenant.status is not TenantStatus.ACTIVE or tenant.maintenance:
        state = "in maintenance" if tenant.maintenance else tenant.status.value
        log.info("reference push skipped: tenant %s is %s", slug, state)
        return PushResult(slug)
    return push(session, tenant, registry=registry, role_prefix=role_prefix, actor=actor)


def tenants_behind(session: Session, registry: AppRegistry) -> list[str]:
    """Slugs of active tenants holding an older version of a dataset they use (3 queries).

    Tenants in maintenance (a failed migration) are left out until they are repaired.
    """
    newest = latest_versions(session)
    held: dict[int, dict[str, str]] = {}
    for tenant_id, dataset, version in session.execute(
        select(
            TenantReferenceVersion.tenant_id,
            TenantReferenceVersion.dataset,
            TenantReferenceVersion.version,
        )
    ):
        held.setdefault(tenant_id, {})[dataset] = version
    behind = []
    tenants = session.scalars(
        select(Tenant)
        .where(Tenant.status == TenantStatus.ACTIVE, Tenant.maintenance.is_(False))
        .options(selectinload(Tenant.apps))
        .order_by(Tenant.slug)
    )
    for tenant in tenants:
        used = datasets_for([a.app for a in tenant.apps if a.enabled], registry)
        mine = held.get(tenant.id, {})
        if any(name in newest and mine.get(name) != newest[name] for name in used):
            behind.append(tenant.slug)
    return behind


def held_versions(session: Session, tenant_id: int) -> dict[str, str]:
    return dict(
        session.execute(
            select(TenantReferenceVersion.dataset, TenantReferenceVersion.version).where(
                TenantReferenceVersion.tenant_id == tenant_id
            )
        ).all()
    )
