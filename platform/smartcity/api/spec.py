"""A small registry of API operations that yields the OpenAPI document.

Each view declares its method, path, request and response models once, with
the decorator below; the same declaration validates the request body and
documents it, so the OpenAPI document cannot drift from the code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from smartcity.bounds import CONVERTER_SCHEMAS
from smartcity.errors import InvalidInput, Message
from smartcity.request_guard import loads_bounded

F = TypeVar("F", bound=Callable[..., Any])
# ``<name>``, ``<converter:name>`` or ``<converter(args):name>``, as Werkzeug reads a rule.
_RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string", "description": "In English."},
                "message_id": {
                    "type": "string",
                    "description": "The catalogue msgid; %(name)s placeholders are in params.",
                },
                "params": {"type": "object"},
                "lang": {"type": "string", "enum": ["id", "en"]},
                "localized": {
                    "type": "string",
                    "description": "The message in lang: ?lang=, else Accept-Language, else id.",
                },
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                "localized_fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                },
            },
        }
    },
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    auth: bool
    errors: tuple[int, ...]


@dataclass
class ApiSpec:
    """``authenticate`` runs before the body is read: a stranger learns nothing from 422s."""

    title: str
    base_path: str
    authenticate: Callable[[], object]
    operations: list[Operation] = field(default_factory=list)

    def operation(
        self,
        method: str,
        path: str,
        summary: str,
        *,
        body: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        auth: bool = True,
        errors: tuple[int, ...] = (),
    ) -> Callable[[F], F]:
        """Document an operation; with ``body``, the view receives the parsed model."""
        self.operations.append(
            Operation(method.upper(), path, summary, body, response, status, auth, errors)
        )

        def decorate(view: F) -> F:
            if body is None:
                return view

            @functools.wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                if auth:
                    self.authenticate()
                return view(*args, parse_body(body), **kwargs)

            return wrapper  # type: ignore[return-value]

        return decorate

    def document(self, server_url: str) -> dict[str, Any]:
        schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            item: dict[str, Any] = {"summary": op.summary, "responses": {}}
            if op.body is not None:
                schemas[op.body.__name__] = _schema(op.body, schemas)
                item["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(op.body)}},
                }
            ok: dict[str, Any] = {"description": "OK"}
            if op.response is not None:
                schemas[op.response.__name__] = _schema(op.response, schemas)
                ok["content"] = {"application/json": {"schema": _ref(op.response)}}
            item["responses"][str(op.status)] = ok
            codes = set(op.errors) | ({401} if op.auth else set()) | ({422} if op.body else set())
            for code in sorted(codes):
                item["responses"][str(code)] = {
                    "description": "Error",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            if op.auth:
                item["security"] = [{"bearer": []}]
            path, parameters = openapi_path(op.path)
            if parameters:
                item["parameters"] = parameters
            paths.setdefault(path, {})[op.method.lower()] = item
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": "1"},
            "servers": [{"url": server_url}],
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
        }


def openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """A Werkzeug rule (``/years/<year:year>/x/<id:x_id>``) as an OpenAPI path and the
    declaration of each of its parameters, typed by its converter.

    Derived from the rule the view is routed by, so a path parameter cannot go
    undeclared (OpenAPI 3 requires each one; fuzzers and client generators refuse
    operations that leave one out).
    """
    parameters: list[dict[str, Any]] = []

    def declare(match: re.Match[str]) -> str:
        converter = match["converter"] or "default"
        parameters.append(
            {
                "name": match["name"],
                "in": "path",
                "required": True,
                "schema": dict(CONVERTER_SCHEMAS.get(converter, {"type": "string"})),
            }
        )
        return "{" + match["name"] + "}"

    return _RULE_ARGUMENT.sub(declare, rule), parameters


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _schema(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    return schema


def parse_body(model: type[BaseModel]) -> BaseModel:
    """The request's JSON body as ``model``, or a 422 naming every bad field.

    The body is read here rather than with ``request.get_json(silent=True)`` so the
    422 says why it was refused (not JSON, or nested too deep).
    """
    payload: object = None
    if request.is_json:
        try:
            payload = loads_bounded(request.get_data(cache=True))
        except ValueError as exc:
            raise InvalidInput(
                Message("the request body is not JSON this API reads: %(exc)s", exc=exc),
                {"body": "not JSON"},
            ) from None
    if not isinstance(payload, dict):
        raise InvalidInput("the request body must be a JSON object", {"body": "not a JSON object"})
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        fields = {
            ".".join(str(p) for p in err["loc"]) or "body": err["msg"] for err in exc.errors()
        }
        raise InvalidInput("the request body has invalid fields", fields) from None
