"""Real Celery workers, beat and private Redis servers, and API helpers, for the job tests.

A worker is the real ``celery -A worker.celery_app worker`` in a subprocess of
its own process group (so a SIGKILL takes its pool and any beat child with it),
run from the project root so it imports ``tests.apps`` like the test process.
It consumes the test session's own queue (``<role prefix>.default``). The job
tests give their workers a private ``redis-server`` on a free port, so they can
count its messages, or stop it, without touching the shared Redis.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from flask import Flask
from smartcity.config import Settings
from smartcity.jobs.broker import EXTENSION, client_for
from smartcity.jobs.runner import run_job

from .conftest import PASSWORD, TEST_APPS, bearer, tenant_token

ROOT = Path(__file__).resolve().parents[1]
CELERY = str(ROOT / ".venv" / "bin" / "celery")


def wait_until(
    predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1, what: str = ""
) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A throwaway redis-server without persistence: a restart loses every message."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _pings(client), timeout=10, what="redis-server to answer")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)
            self._proc = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def queue_length(server: RedisServer, settings: Settings) -> int:
    """Messages waiting in the session's queue on ``server``."""
    return int(server.client().llen(f"{settings.role_prefix}.default"))


@contextmanager
def broker_of(app: Flask, redis_url: str) -> Iterator[None]:
    """Make ``app`` send its job messages to ``redis_url`` for the block."""
    settings: Settings = app.extensions["smartcity"].settings
    previous = app.extensions.get(EXTENSION)
    app.extensions[EXTENSION] = client_for(settings.replace(REDIS_URL=redis_url))
    try:
        yield
    finally:
        if previous is None:
            app.extensions.pop(EXTENSION, None)
        else:
            app.extensions[EXTENSION] = previous


def process_env(settings: Settings, redis_url: str, **overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SMARTCITY_")}
    env.update(
        DATABASE_URL=settings.DATABASE_URL,
        REDIS_URL=redis_url,
        SMARTCITY_SECRET_KEY=settings.SECRET_KEY,
        SMARTCITY_APPS=",".join(TEST_APPS),
        SMARTCITY_POOLED_DATABASE_URL=settings.POOLED_DATABASE_URL,
        SMARTCITY_LOG_JSON="false",
        SMARTCITY_LOG_LEVEL="INFO",
        PYTHONPATH=str(ROOT),
    )
    env.update(overrides)
    return env


class CeleryProcess:
    """A worker or beat subprocess; its output goes to a file the test can read."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [CELERY, "-A", "worker.celery_app", *args],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 60.0) -> None:
        def seen() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"celery exited ({self.proc.returncode}):\n{self.output()}")
            return text in self.output()

        wait_until(seen, timeout=timeout, interval=0.2, what=f"{text!r} in {self.log_path}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no clean shutdown, no message handed back."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()


def start_worker(
    settings: Settings,
    redis_url: str,
    log_dir: Path,
    *,
    pool: str = "solo",
    concurrency: int = 1,
    **env: str,
) -> CeleryProcess:
    name = f"test-{uuid.uuid4().hex[:8]}"
    worker = CeleryProcess(
        [
            "worker",
            "--pool",
            pool,
            "--concurrency",
            str(concurrency),
            "--queues",
            f"{settings.role_prefix}.default",
            "--hostname",
            f"{name}@%h",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        process_env(settings, redis_url, **env),
        log_dir / f"{name}.log",
    )
    worker.wait_for_output("ready.")
    return worker


def start_beat(settings: Settings, redis_url: str, log_dir: Path, **env: str) -> CeleryProcess:
    name = f"beat-{uuid.uuid4().hex[:8]}"
    return CeleryProcess(
        ["beat", "--schedule", str(log_dir / f"{name}-schedule"), "--loglevel", "INFO"],
        process_env(settings, redis_url, **env),
        log_dir / f"{name}.log",
    )


@contextmanager
def running_worker(
    settings: Settings, redis_url: str, log_dir: Path, **kwargs: Any
) -> Iterator[CeleryProcess]:
    worker = start_worker(settings, redis_url, log_dir, **kwargs)
    try:
        yield worker
    finally:
        worker.stop()


# -- asking for jobs through the API --------------------------------------------------


def ask(client: Any, slug: str, token: str, kind: str, **params: Any) -> dict[str, Any]:
    """POST a job; it must be accepted (201)."""
    response = client.post(
        f"/t/{slug}/api/v1/jobs", json={"kind": kind, "params": params}, headers=bearer(token)
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def run_now(app: Flask, state: Any, slug: str, job_id: int) -> str:
    """Run a job in this process, with the worker's own code."""
    with app.app_context():
        return run_job(app, state.cache.by_slug(slug), job_id)


def wait_for_job(client: Any, slug: str, token: str, job_id: int, timeout: float = 60) -> Any:
    """The job once it is no longer queued or running."""

    def final() -> Any:
        job = client.get(f"/t/{slug}/api/v1/jobs/{job_id}", headers=bearer(token)).get_json()
        return job if job["status"] not in ("queued", "running") else None

    return wait_until(final, timeout=timeout, interval=0.2, what=f"job {job_id} of {slug}")


def add_member(
    client: Any, slug: str, admin_token: str, email: str, roles: tuple[str, ...] = ("member",)
) -> str:
    """Create a user through the API; return their bearer token."""
    response = client.post(
        f"/t/{slug}/api/v1/users",
        json={
            "email": email,
            "name": email.split("@", maxsplit=1)[0],
            "password": PASSWORD,
            "roles": list(roles),
        },
        headers=bearer(admin_token),
    )
    assert response.status_code == 201, response.get_json()
    return tenant_token(client, slug, email)
