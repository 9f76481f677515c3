"""An in-process cache of resolved tenants, invalidated when the registry changes.

Resolution must not cost a round trip per request: a hit is a dict lookup. A
change commits a ``pg_notify`` (see :func:`announce_change`); every process
listens on a background connection and drops what changed, and local changes
are dropped right after their commit. ``TENANT_CACHE_SECONDS`` bounds staleness
should the listener be down.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, selectinload

from smartcity.db import tenant_bind
from smartcity.tenancy.models import Tenant, TenantDomain, TenantStatus
from smartcity.tenancy.names import role_name, schema_name

log = logging.getLogger(__name__)
CHANNEL = "smartcity_registry"
ALL = "*"


@dataclass(frozen=True, slots=True)
class TenantInfo:
    """A read-only snapshot of one tenant, safe to share between threads."""

    id: int
    slug: str
    name: str
    region_code: str
    status: TenantStatus
    maintenance: bool
    schema: str
    role: str
    apps: frozenset[str]
    settings: dict[str, Any]
    bind: Engine
    suspension_reason: str | None = None
    suspension_contact: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status is TenantStatus.ACTIVE


def snapshot(tenant: Tenant, engine: Engine, role_prefix: str) -> TenantInfo:
    schema = schema_name(tenant.slug)
    role = role_name(role_prefix, tenant.slug)
    return TenantInfo(
        id=tenant.id,
        slug=tenant.slug,
        name=tenant.name,
        region_code=tenant.region_code,
        status=tenant.status,
        maintenance=tenant.maintenance,
        schema=schema,
        role=role,
        apps=frozenset(a.app for a in tenant.apps if a.enabled),
        settings=dict(tenant.settings or {}),
        bind=tenant_bind(engine, schema, role),
        suspension_reason=tenant.suspension_reason,
        suspension_contact=tenant.suspension_contact,
    )


class TenantCache:
    def __init__(self, engine: Engine, role_prefix: str, ttl: float, listen_url: str) -> None:
        self._engine = engine
        self._prefix = role_prefix
        self._ttl = ttl
        self._listen_url = listen_url
        self._by_slug: dict[str, tuple[float, TenantInfo]] = {}
        self._by_domain: dict[str, str] = {}
        self._lock = threading.Lock()
        self._listener_pid: int | None = None
        self._closed = threading.Event()

    def by_slug(self, slug: str) -> TenantInfo | None:
        self._ensure_listener()
        hit = self._by_slug.get(slug)
        if hit is not None and time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        with Session(self._engine) as session:
            tenant = session.scalar(
                select(Tenant).where(Tenant.slug == slug).options(selectinload(Tenant.apps))
            )
            info = None if tenant is None else snapshot(tenant, self._engine, self._prefix)
            session.rollback()
        self._store(info, slug)
        return info

    def by_domain(self, host: str) -> TenantInfo | None:
        self._ensure_listener()
        slug = self._by_domain.get(host)
        if slug is None:
            with Session(self._engine) as session:
                slug = session.scalar(
                    select(Tenant.slug)
                    .join(TenantDomain, TenantDomain.tenant_id == Tenant.id)
                    .where(TenantDomain.domain == host)
                )
                session.rollback()
            if slug is None:
                return None
            with self._lock:
                self._by_domain[host] = slug
        return self.by_slug(slug)

    def _store(self, info: TenantInfo | None, slug: str) -> None:
        with self._lock:
            if info is None:
                self._by_slug.pop(slug, None)
            else:
                self._by_slug[slug] = (time.monotonic(), info)

    def invalidate(self, slug: str = ALL) -> None:
        with self._lock:
            if slug == ALL:
                self._by_slug.clear()
                self._by_domain.clear()
            else:
                self._by_slug.pop(slug, None)
                self._by_domain = {d: s for d, s in self._by_domain.items() if s != slug}

    def close(self) -> None:
        """Stop listening for good: the listener leaves at its next wake-up (a lost
        connection, or a notice) instead of reconnecting. For a process that outlives
        its database, such as a test worker after its session."""
        self._closed.set()

    def _ensure_listener(self) -> None:
        # Started lazily, per process: a thread does not survive a fork, and
        # gunicorn forks its workers after importing the app.
        if self._listener_pid == os.getpid() or not self._listen_url:
            return
        with self._lock:
            if self._listener_pid == os.getpid():
                return
            self._listener_pid = os.getpid()
            self._by_slug.clear()
            self._by_domain.clear()
        threading.Thread(target=self._listen, name="tenant-cache-listener", daemon=True).start()

    def _listen(self) -> None:
        backoff = 1.0
        while not self._closed.is_set():
            try:
                with psycopg.connect(self._listen_url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Whatever changed while we were not listening is unknown.
                    self.invalidate()
                    backoff = 1.0
                    for notice in conn.notifies():
                        if self._closed.is_set():
                            return
                        self.invalidate(notice.payload or ALL)
            except psycopg.Error as exc:
                self.invalidate()
                if self._closed.is_set():
                    return
                log.warning("tenant cache listener lost its connection: %s", exc)
                self._closed.wait(backoff)
                backoff = min(backoff * 2, 30.0)


def announce_change(session: Session, slug: str = ALL) -> None:
    """Tell every process, once this transaction commits, that ``slug`` changed."""
    session.execute(text("SELECT pg_notify(:channel, :slug)"), {"channel": CHANNEL, "slug": slug})
    session.info.setdefault("registry_changes", set()).add(slug)
