"""Errors services raise; the web, API and CLI each render them their own way."""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """A request the platform refuses, with a code, a message and the fields at fault."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})


class InvalidInput(ServiceError):
    status = 422
    code = "invalid"


class Unauthorized(ServiceError):
    """No valid credentials (401): wrong password, missing or foreign token."""

    status = 401
    code = "unauthorized"


class TooManyRequests(ServiceError):
    """Locked for a while after too many failures (429)."""

    status = 429
    code = "too_many_requests"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
