"""Liveness and readiness probes, served on every host."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from smartcity.access import public
from smartcity.db import db
from smartcity.state import platform_state

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
@public
def healthz() -> Response:
    """The process is up; says nothing about its dependencies."""
    return jsonify(status="ok")


@blueprint.get("/readyz")
@public
def readyz() -> tuple[Response, int]:
    """Ready to serve: the database and Redis answer."""
    checks: dict[str, str] = {}
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            conn.rollback()
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        client = Redis.from_url(
            platform_state().settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
        client.close()
        checks["redis"] = "ok"
    except (RedisError, OSError) as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503
