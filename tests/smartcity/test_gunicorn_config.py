"""gunicorn as `dev.py up` and docker-compose run it (smartcity.gunicorn_config)."""

from __future__ import annotations

import http.client
import importlib
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gunicorn.config import Config

from tests.workers import process_env

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> Config:
    """The settings gunicorn takes from the module under ``env``, validated by gunicorn."""
    for name in ("PORT", "WEB_CONCURRENCY", "WEB_THREADS", "WEB_TIMEOUT", "WEB_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import smartcity.gunicorn_config as module

    module = importlib.reload(module)
    config = Config()
    for name, value in vars(module).items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_threaded_workers_with_keep_alive_and_the_redacting_log_by_default(monkeypatch):
    config = load(monkeypatch)
    assert config.worker_class_str == "gthread"
    assert (config.workers, config.threads, config.keepalive) == (2, 4, 5)
    assert config.bind == ["0.0.0.0:8000"]
    assert config.accesslog == "-"
    assert config.logger_class.__name__ == "RedactingLogger"


def test_the_environment_sizes_it(monkeypatch):
    config = load(monkeypatch, WEB_CONCURRENCY="3", WEB_THREADS="8", PORT="9000", WEB_ACCESS_LOG="")
    assert (config.workers, config.threads) == (3, 8)
    assert config.bind == ["0.0.0.0:9000"]
    assert config.accesslog is None


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("WEB_THREADS", "banyak", "WEB_THREADS must be a whole number, not 'banyak'"),
        ("WEB_CONCURRENCY", "0", "WEB_CONCURRENCY must be 1 to 64, not 0"),
        ("PORT", "99999", "PORT must be 1 to 65535, not 99999"),
    ],
)
def test_a_wrong_size_stops_it_at_start_with_the_reason(monkeypatch, name, value, says):
    with pytest.raises(SystemExit, match=says):
        load(monkeypatch, **{name: value})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_client_keeps_its_connection_across_calls(settings, tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = process_env(settings, settings.REDIS_URL, PYTHONPATH=f"{ROOT / 'platform'}:{ROOT}")
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                GUNICORN,
                "--config",
                "python:smartcity.gunicorn_config",
                "--bind",
                f"127.0.0.1:{port}",
                "smartcity.wsgi:app",
            ],
            cwd=ROOT,
            env={**env, "WEB_CONCURRENCY": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            connection = _connect(port, server, log)
            sockets = set()
            for path in ("/healthz", "/healthz?token=rahasia-sekali"):
                connection.request("GET", path)
                answer = connection.getresponse()
                answer.read()
                assert answer.status == 200
                assert answer.getheader("Connection", "").lower() != "close"
                sockets.add(connection.sock.getsockname())
            assert len(sockets) == 1  # both calls on one TCP connection
        finally:
            server.terminate()
            server.wait(timeout=30)
    written = log.read_text()
    assert '"GET /healthz' in written  # the access log, on standard output
    assert "rahasia-sekali" not in written


def _connect(port: int, server: subprocess.Popen[bytes], log: Path) -> http.client.HTTPConnection:
    deadline = time.monotonic() + 60
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.connect()
            return connection
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not start:\n{log.read_text()}") from None
            time.sleep(0.2)  # the server is starting: nothing to wait on but its port
