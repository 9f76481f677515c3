"""One engine for the whole process, and the sessions that scope it to a tenant.

A tenant session is the same engine with ``schema_translate_map={None: schema}``
and a ``tenant_role`` execution option. Its transaction opens with
``BEGIN; SET LOCAL ROLE "<role>"`` sent in a single round trip (see
:func:`_begin`), so the role wall costs no extra round trip and nothing survives
the transaction: a pooled connection can never leak a tenant.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import psycopg
from sqlalchemy import BigInteger, Connection, Engine, MetaData, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy import types as sa_types
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler

from smartcity.config import Settings
from smartcity.tenancy.names import quote_ident

PLATFORM_SCHEMA = "platform"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class PlatformBase(DeclarativeBase):
    """Models of the shared registry, always in schema ``platform``."""

    metadata = MetaData(schema=PLATFORM_SCHEMA, naming_convention=NAMING_CONVENTION)
    type_annotation_map = {int: BigInteger}


class TenantBase(DeclarativeBase):
    """Models that live in every tenant schema; declared without a schema on purpose.

    Statements reach the right schema only through ``schema_translate_map``.
    Apps declare their own base from :func:`tenant_metadata` so each app's tables
    can be created and migrated on their own.
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {int: BigInteger}


def tenant_metadata() -> MetaData:
    """A fresh metadata with the shared naming convention, for an app's models."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def sqlalchemy_url(url: str) -> str:
    """Use psycopg 3 whatever driver the URL names."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def create_db_engine(
    url: str,
    pool_size: int = 10,
    max_overflow: int = 10,
    *,
    pooled: bool = False,
    prepared_max: int = 100,
) -> Engine:
    """The process's engine; ``pooled`` when ``url`` is a PgBouncer in transaction mode.

    psycopg prepares a statement server-side once it has run it five times
    (``prepare_threshold``), and keeps the ``prepared_max`` most recently used per
    connection. The SQL of a tenant's statement names its schema, so each regency
    has its own copy of every statement: with 50 regencies checking in at once and
    the default 100, the LRU forgets each statement before its fifth run and
    nothing is ever prepared (PostgreSQL then parses and plans every statement
    again: ~1.3 ms of its CPU per e-Kinerja check-in, measured).

    Behind a transaction-mode PgBouncer (1.18, Debian's, cannot track them) the
    next transaction may run on another server connection, which lacks the
    statement ("prepared statement _pg3_0 does not exist") or already has another
    client's under the same name ("... already exists"). ``prepare_threshold=None``
    sends every statement unnamed through the pooler.
    """
    engine = create_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=False,
        pool_recycle=1800,
        connect_args={"prepare_threshold": None} if pooled else {},
    )
    event.listen(engine, "connect", _driver_autocommit)
    if not pooled:
        event.listen(engine, "connect", partial(_keep_prepared, prepared_max))
    event.listen(engine, "begin", _begin)
    return engine


def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
    # We emit BEGIN ourselves (below), so the driver must not emit its own.
    dbapi_connection.autocommit = True


def _keep_prepared(prepared_max: int, dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.prepared_max = prepared_max


def _begin(conn: Connection) -> None:
    role = conn.get_execution_options().get("tenant_role")
    sql = "BEGIN" if role is None else f"BEGIN; SET LOCAL ROLE {quote_ident(role)}"
    # psycopg sends a parameterless string with the simple query protocol, which
    # accepts several statements: one round trip for both.
    conn.connection.driver_connection.execute(sql)  # type: ignore[union-attr]


def is_outer_commit(session: Session) -> bool:
    """In an ``after_commit`` hook: did the database transaction itself commit?

    SQLAlchemy fires ``after_commit`` for a savepoint's RELEASE as well (a
    ``begin_nested()`` block, e.g. the activity a request records just before its
    COMMIT), while the savepoint is still the session's nested transaction.
    Whatever must wait until others can see the data (a job message, a cache
    notice) checks this first, or it would go out before the COMMIT.
    """
    return session.get_nested_transaction() is None


def tenant_bind(engine: Engine, schema: str, role: str) -> Engine:
    """The engine seen by one tenant: same pool, schema-qualified SQL, its role."""
    return engine.execution_options(schema_translate_map={None: schema}, tenant_role=role)


class PlainStatement:
    """A frequent Core SELECT run straight on the session's psycopg connection.

    For the few statements of a request that thousands of people send at once (an
    e-Kinerja check-in at 7:30): SQLAlchemy's own work per execution (compiled-cache
    lookup, rendering the schema into the SQL again, parameter and result
    processing, events, the ORM's result machinery) cost ~0.2-0.3 ms of CPU per
    statement, several times what psycopg itself spends (measured, bench/README.md).

    Kept as SQLAlchemy does it: the session's transaction (``BEGIN; SET LOCAL ROLE``
    of the tenant, any savepoint), pending ORM changes flushed first (autoflush),
    the schema of the session's own bind rendered into the SQL (rendered once per
    schema and kept here, never shared between schemas), psycopg's server-side
    preparation, and errors raised as SQLAlchemy's (``IntegrityError``...).
    Dropped: type processing, so the statement may only bind and return values
    psycopg converts exactly as SQLAlchemy would (integers, text, floats, dates and
    times, booleans, arrays of those, JSON results); anything else is refused when
    the statement is first rendered. Rows are plain tuples in the order of the
    statement's columns, and ORM objects in the session are not refreshed.
    """

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._rendered: dict[tuple[str, tuple[tuple[str, str], ...]], _Rendered] = {}
        self._lock = threading.Lock()

    def rows(self, session: Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        if session.autoflush:
            session.flush()
        conn = session.connection()
        schemas = conn.get_execution_options().get("schema_translate_map")
        key = _render_key(conn.dialect, schemas)
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = self._render(conn.dialect, schemas, key)
        values = rendered.compiled.construct_params(params)
        driver = conn.connection.driver_connection
        if not isinstance(driver, psycopg.Connection):  # pragma: no cover - one driver here
            raise TypeError("PlainStatement runs on psycopg connections only")
        try:
            with driver.cursor() as cursor:
                cursor.execute(rendered.sql, values)
                return cursor.fetchall()
        except psycopg.Error as error:
            if driver.broken:
                conn.invalidate(error)
            raise sa_exc.DBAPIError.instance(
                rendered.sql, values, error, psycopg.Error, dialect=conn.dialect
            ) from error

    def first(self, session: Session, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        found = self.rows(session, params)
        return found[0] if found else None

    def _render(
        self,
        dialect: Dialect,
        schemas: Mapping[str | None, str] | None,
        key: tuple[str, tuple[tuple[str, str], ...]],
    ) -> _Rendered:
        compiled = self.statement.compile(
            dialect=dialect, schema_translate_map=schemas, render_schema_translate=True
        )
        if not isinstance(compiled, SQLCompiler):  # pragma: no cover
            raise TypeError("not a SQL statement")
        for bind in compiled.binds.values():
            if not _plain(bind.type, result=False):
                raise TypeError(f"{bind.key}: {bind.type!r} needs SQLAlchemy's processing")
        for column in self.statement.selected_columns:
            if not _plain(column.type, result=True):
                raise TypeError(f"{column.key}: {column.type!r} needs SQLAlchemy's processing")
        rendered = _Rendered(compiled.string, compiled)
        with self._lock:
            self._rendered[key] = rendered
        return rendered


def _render_key(
    dialect: Dialect, schemas: Mapping[str | None, str] | None
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The whole schema map (SQLAlchemy adds a ``_none`` copy of ``None``'s entry to
    the map it renders with; it changes nothing)."""
    if not schemas:
        return dialect.name, ()
    return dialect.name, tuple(sorted((str(k), v) for k, v in schemas.items() if k != "_none"))


@dataclass(frozen=True)
class _Rendered:
    sql: str
    compiled: SQLCompiler


def _plain(type_: Any, *, result: bool) -> bool:
    """Whether psycopg reads and writes values of ``type_`` as SQLAlchemy would."""
    if isinstance(type_, sa_types.ARRAY):
        return _plain(type_.item_type, result=result)
    if isinstance(type_, sa_types.JSON):
        return result  # psycopg parses JSON; binding one needs SQLAlchemy's serializer
    if isinstance(type_, sa_types.Float):
        return not type_.asdecimal
    if isinstance(type_, sa_types.Numeric | sa_types.Enum | sa_types.Interval):
        return False
    return isinstance(
        type_,
        sa_types.Integer
        | sa_types.String
        | sa_types.Date
        | sa_types.DateTime
        | sa_types.Time
        | sa_types.Boolean
        | sa_types.NullType,
    )


class Database:
    """Owns the process-wide engine and hands out sessions."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._factory: sessionmaker[Session] | None = None
        self.on_registry_change: list[Callable[[str], None]] = []

    def configure(
        self,
        url: str,
        pool_size: int,
        max_overflow: int = 10,
        *,
        pooled: bool = False,
        prepared_max: int = 100,
    ) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine = create_db_engine(
            url, pool_size, max_overflow, pooled=pooled, prepared_max=prepared_max
        )
        self._factory = sessionmaker(bind=self._engine, expire_on_commit=False)
        event.listen(self._factory, "after_commit", self._after_commit)

    def configure_from(self, settings: Settings) -> None:
        """The engine requests and jobs use: through the pooler if one is configured."""
        self.configure(
            settings.engine_url,
            settings.DB_POOL_SIZE,
            settings.DB_MAX_OVERFLOW,
            pooled=bool(settings.POOLED_DATABASE_URL),
            prepared_max=settings.DB_PREPARED_MAX,
        )

    def _after_commit(self, session: Session) -> None:
        # Services record registry changes in session.info (see
        # tenancy.cache.announce_change); only the outer commit makes them real.
        if not is_outer_commit(session):
            return
        for slug in session.info.pop("registry_changes", ()):
            for callback in self.on_registry_change:
                callback(slug)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("database not configured: call create_app() first")
        return self._engine

    def session(self, bind: Engine | None = None) -> Session:
        if self._factory is None:
            raise RuntimeError("database not configured: call create_app() first")
        return self._factory(bind=bind) if bind is not None else self._factory()

    @contextmanager
    def platform_transaction(self) -> Iterator[Session]:
        """A platform session that commits at the end of the block, else rolls back."""
        session = self.session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


db = Database()
