"""Typed, frozen settings read once from the environment.

Every key is declared here with its default and a one-line description, so the
whole configuration surface is visible in one place; call sites never read
``os.environ``. The object is frozen: mutating it at runtime raises.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, get_type_hints
from urllib.parse import urlsplit


def _setting(default: Any, description: str, env: str | None = None) -> Any:
    return field(default=default, metadata={"description": description, "env": env})


@dataclass(frozen=True, slots=True)
class Settings:
    """The platform's configuration. Build it with :meth:`from_env`."""

    DATABASE_URL: str = _setting(
        "postgresql://postgres@127.0.0.1:5432/smartcity",
        "Admin URL of the database (superuser or CREATEROLE owner); used to bootstrap.",
        env="DATABASE_URL",
    )
    APP_DATABASE_URL: str = _setting(
        "",
        "URL the app logs in with; empty means DATABASE_URL with the user <ROLE_PREFIX>_app.",
    )
    POOLED_DATABASE_URL: str = _setting(
        "",
        "URL of a PgBouncer in transaction mode, as the app's user; when set, requests and jobs "
        "go through it (prepared statements off) and LISTEN uses APP_DATABASE_URL directly.",
    )
    DB_APP_PASSWORD: str = _setting(
        "", "Password given to the app's login role at bootstrap (empty under trust auth)."
    )
    ROLE_PREFIX: str = _setting(
        "", "Prefix of every database role this deployment creates; empty means the db name."
    )
    DB_POOL_SIZE: int = _setting(10, "Connections kept in the one process-wide pool.")
    DB_MAX_OVERFLOW: int = _setting(10, "Connections the pool may open beyond DB_POOL_SIZE.")
    DB_PREPARED_MAX: int = _setting(
        100,
        "Prepared statements kept per connection: ~hot statements x busy regencies (~100 KB each).",
    )
    REDIS_URL: str = _setting(
        "redis://127.0.0.1:6379/0", "Redis for Celery, rate limits and caches.", env="REDIS_URL"
    )
    SECRET_KEY: str = _setting("", "Signs sessions and API tokens; required outside tests.")
    BASE_DOMAIN: str = _setting(
        "localhost", "Tenants are served on <slug>.<BASE_DOMAIN>; the bare domain is the platform."
    )
    PLATFORM_HOSTS: tuple[str, ...] = _setting(
        ("localhost", "127.0.0.1"), "Extra host names that serve the platform (comma separated)."
    )
    SECURE_COOKIES: bool = _setting(
        False, "Mark cookies Secure (set true behind HTTPS in production)."
    )
    PROXY_HOPS: int = _setting(
        0,
        "Reverse proxies in front of the web server that append to X-Forwarded-For and set "
        "X-Forwarded-Proto; the client's address is read that many hops from the right. "
        "0 trusts no forwarded header (any client could forge one).",
    )
    TOKEN_TTL_SECONDS: int = _setting(3600, "Lifetime of an API bearer token.")
    LOGIN_RATE_LIMIT: str = _setting(
        "10 per minute", "Login attempts allowed per client address and account."
    )
    PUBLIC_RATE_LIMIT: str = _setting(
        "60 per minute", "Requests to a regency's public pages and API per client address."
    )
    TENANT_CACHE_SECONDS: float = _setting(
        30.0, "Longest a resolved tenant stays cached when no change notice arrives."
    )
    MIGRATE_PARALLELISM: int = _setting(4, "Tenants migrated at once by `smartcity migrate`.")
    MIGRATIONS_DIR: str = _setting("", "Alembic folder; empty means ./migrations of the source.")
    APPS: tuple[str, ...] = _setting(
        (), "Manifests to load as module:attr (comma separated); empty means entry points."
    )
    PUBLIC_URL: str = _setting(
        "http://localhost:8000",
        "The platform's address for links in e-mail sent outside a request (CLI, tasks).",
    )
    MAIL_SERVER: str = _setting(
        "", "SMTP host for invitations and password resets; empty means mail is only logged."
    )
    MAIL_PORT: int = _setting(25, "SMTP port (587 with MAIL_USE_TLS, 465 with MAIL_USE_SSL).")
    MAIL_USE_TLS: bool = _setting(False, "Upgrade the SMTP connection with STARTTLS.")
    MAIL_USE_SSL: bool = _setting(False, "Connect to the SMTP server over TLS from the start.")
    MAIL_USERNAME: str = _setting("", "SMTP user name; empty means no authentication.")
    MAIL_PASSWORD: str = _setting("", "SMTP password.")
    MAIL_SENDER: str = _setting(
        "Smart City Bandung <no-reply@localhost>", "The From address of the platform's mail."
    )
    MAIL_ATTEMPTS: int = _setting(4, "Tries per letter before it is given up (logged).")
    MAIL_RETRY_SECONDS: float = _setting(
        2.0, "Pause after the first failed try; doubles after each further failure."
    )
    EXPORT_DIR: str = _setting(
        "./var/exports", "Folder `smartcity tenants export` and `archive` write archives to."
    )
    ARCHIVE_RETENTION_DAYS: int = _setting(
        30, "Days an archived tenant's schema is kept before `smartcity tenants purge` drops it."
    )
    IMPORT_MAX_BYTES: int = _setting(
        20 * 1024**3, "Largest uncompressed archive `smartcity tenants import` reads (bomb guard)."
    )
    SIASN_TIMEOUT_SECONDS: float = _setting(
        30.0, "Seconds to wait for each answer of a regency's SIASN endpoint."
    )
    SIASN_ALLOW_HTTP_LOOPBACK: bool = _setting(
        False, "Allow plain http:// SIASN addresses on 127.0.0.1 (tests' fake server only)."
    )
    REFERENCE_CATCH_UP_SECONDS: float = _setting(
        300.0, "How often beat pushes a newly published reference version to tenants behind."
    )
    DEFAULT_LOCALE: str = _setting("id", "Language of pages when the user chose none.")
    OPERATOR_EMAIL: str = _setting(
        "",
        "Demo seeding creates this operator (else one with a generated password).",
        env="SMARTCITY_OPERATOR_EMAIL",
    )
    OPERATOR_PASSWORD: str = _setting(
        "",
        "Password of OPERATOR_EMAIL; empty means generate and print one.",
        env="SMARTCITY_OPERATOR_PASSWORD",
    )
    JOBS_PER_TENANT: int = _setting(
        2,
        "Jobs of one tenant sent to the workers at once; the rest wait in its jobs table, "
        "so one tenant's flood cannot hold up the others (keep it below the workers' slots).",
    )
    JOB_LEASE_SECONDS: int = _setting(
        60, "A running job's claim lasts this long unless it reports progress; then it is retaken."
    )
    JOB_REPUBLISH_SECONDS: int = _setting(
        300, "A queued job whose message is older than this is presumed lost and sent again."
    )
    JOB_DISPATCH_SECONDS: float = _setting(
        20.0, "How often beat re-sends the queued jobs whose message never left or was lost."
    )
    JOB_MAX_ATTEMPTS: int = _setting(
        3, "Claims of one job (worker deaths included) before it is marked failed."
    )
    UPLOAD_JOB_BYTES: int = _setting(
        1024**2,
        "Uploads (roster, org units, payments) larger than this are stored and checked by a "
        "job with progress instead of in the request (about 12,000 roster rows as CSV).",
    )
    LOG_LEVEL: str = _setting("INFO", "Root log level.")
    LOG_JSON: bool = _setting(True, "Write logs as one JSON object per line.")
    TESTING: bool = _setting(False, "Set by the test suite.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every key from ``SMARTCITY_<KEY>`` (or its own name where declared)."""
        env = os.environ if environ is None else environ
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f.metadata.get("env") or f"SMARTCITY_{f.name}"
            if name in env:
                values[f.name] = _parse(hints[f.name], env[name], f.name)
        values.update(overrides)
        return cls(**values)

    @classmethod
    def describe(cls) -> list[tuple[str, str, Any]]:
        """(environment variable, description, default) of every key, for `smartcity config`."""
        return [
            (
                f.metadata.get("env") or f"SMARTCITY_{f.name}",
                f.metadata["description"],
                f.default,
            )
            for f in fields(cls)
        ]

    def replace(self, **changes: Any) -> Settings:
        """A copy with some keys changed (the original stays untouched)."""
        return dataclasses.replace(self, **changes)

    @property
    def database_name(self) -> str:
        return urlsplit(self.DATABASE_URL).path.lstrip("/") or "postgres"

    @property
    def role_prefix(self) -> str:
        """Roles are cluster-wide: the prefix keeps two deployments' roles apart."""
        raw = self.ROLE_PREFIX or self.database_name
        return "".join(c if c.isalnum() else "_" for c in raw.lower())[:20]

    @property
    def app_role(self) -> str:
        return f"{self.role_prefix}_app"

    @property
    def provisioner_role(self) -> str:
        """Owner of the functions that create and drop tenant roles; nobody logs in as it."""
        return f"{self.role_prefix}_provisioner"

    @property
    def app_database_url(self) -> str:
        if self.APP_DATABASE_URL:
            return self.APP_DATABASE_URL
        parts = urlsplit(self.DATABASE_URL)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = self.app_role
        if self.DB_APP_PASSWORD:
            netloc += f":{self.DB_APP_PASSWORD}"
        netloc += f"@{host}" + (f":{parts.port}" if parts.port else "")
        return parts._replace(netloc=netloc).geturl()

    @property
    def engine_url(self) -> str:
        """Where requests and jobs connect: the pooler if there is one, else the database.

        Whatever needs a session of its own (the tenant cache's LISTEN) keeps
        :attr:`app_database_url`, which always reaches PostgreSQL directly.
        """
        return self.POOLED_DATABASE_URL or self.app_database_url


def _parse(kind: Any, raw: str, key: str) -> Any:
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if kind == tuple[str, ...]:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ValueError(f"setting {key}: cannot read {raw!r} as {kind}") from exc
    return raw
