"""Probes and structured logs."""

from __future__ import annotations

import json
import logging

from smartcity.logconfig import JsonFormatter

from tests.conftest import bearer, tenant_token


def test_healthz_and_readyz_on_any_host(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz", headers={"Host": "whatever.example.org"})
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_reports_an_unreachable_redis(app, client, settings, monkeypatch):
    state = app.extensions["smartcity"]
    monkeypatch.setattr(state, "settings", settings.replace(REDIS_URL="redis://127.0.0.1:1/0"))
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["redis"].startswith("error")


def test_request_logs_carry_request_id_and_tenant(client, provision, caplog):
    slug = provision()
    token = tenant_token(client, slug)
    formatter = JsonFormatter()
    with caplog.at_level(logging.INFO, logger="smartcity.app"):
        response = client.get(
            f"/t/{slug}/api/v1/me", headers={**bearer(token), "X-Request-ID": "req-42"}
        )
    assert response.headers["X-Request-ID"] == "req-42"
    records = [
        r
        for r in caplog.records
        if r.name == "smartcity.app" and f"/t/{slug}/api/v1/me" in r.getMessage()
    ]
    assert records, "the request was not logged"
    entry = json.loads(formatter.format(records[-1]))
    assert entry["request_id"] == "req-42"
    assert entry["tenant"] == slug
    assert entry["status"] == 200
