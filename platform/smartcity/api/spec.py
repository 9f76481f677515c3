"""API operations declared once: route, OpenAPI entry and access rule together.

Each view is declared with :meth:`ApiSpec.route` (method, path, summary, who may
call it, request and response models). That one declaration registers the Flask
route, records the access rule the app's gate checks before the view runs
(``smartcity.access``), validates the request body, and documents the
operation, so the OpenAPI document cannot drift from the code and no API view
exists without its operation.

Every ``ApiSpec`` is mounted with its blueprint; a regency's document
(``<tenant>/api/v1/openapi.json``) is built from the core's tenant API and the
spec of every app enabled for that regency, and of no other.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from pydantic import BaseModel, ValidationError

from smartcity.access import PUBLIC, Rule, Who, declare
from smartcity.bounds import CONVERTER_SCHEMAS
from smartcity.errors import InvalidInput, Message
from smartcity.request_guard import loads_bounded
from smartcity.validation import field_problems

F = TypeVar("F", bound=Callable[..., Any])
# ``<name>``, ``<converter:name>`` or ``<converter(args):name>``, as Werkzeug reads a rule.
_RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
#: Where the mounted specs are kept, in ``app.extensions``.
EXTENSION = "smartcity.api_specs"
#: The endpoint name of a document route (see :meth:`ApiSpec.serve_document`).
DOCUMENT_ENDPOINT = "openapi"

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
    rule: Rule
    errors: tuple[int, ...]
    endpoint: str


@dataclass(frozen=True)
class Mounted:
    """A spec as the app registered it: its blueprint's name and URL prefix."""

    spec: ApiSpec
    blueprint: str
    prefix: str


@dataclass
class ApiSpec:
    """The operations of one API blueprint.

    ``default_access`` is the rule of an operation that names none (the platform
    API: operators; an app may say "every operation needs ``<app>.view``"); a
    spec without one makes every operation declare its own.
    """

    title: str
    blueprint: Blueprint
    default_access: Rule | None = None
    operations: list[Operation] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.blueprint.record(self._mounted)

    def _mounted(self, state: BlueprintSetupState) -> None:
        specs: dict[str, Mounted] = state.app.extensions.setdefault(EXTENSION, {})
        specs[state.name] = Mounted(self, state.name, state.url_prefix or "")

    def route(
        self,
        method: str,
        path: str,
        summary: str,
        *,
        access: Rule | None = None,
        body: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        errors: tuple[int, ...] = (),
        decorators: Sequence[Callable[[Any], Any]] = (),
    ) -> Callable[[F], F]:
        """Route ``path`` to the view, under ``access``, and document it.

        With ``body``, the view receives the parsed model (after the gate has
        authenticated the caller: a stranger learns nothing from 422s).
        ``decorators`` wrap the view outside the body parsing (e.g. the sign-in
        throttle, which must count before a body is read).
        """
        rule = access or self.default_access
        if rule is None:
            raise TypeError(f"{self.title}: {method} {path} must declare its access rule")

        def decorate(view: F) -> F:
            handler: Callable[..., Any] = view
            if body is not None:

                @functools.wraps(view)
                def parsed(*args: Any, **kwargs: Any) -> Any:
                    return view(*args, parse_body(body), **kwargs)

                handler = parsed
            for decorator in decorators:
                handler = decorator(handler)
            declare(handler, rule)
            self.blueprint.add_url_rule(path, view.__name__, handler, methods=[method.upper()])
            self.operations.append(
                Operation(
                    method.upper(),
                    path,
                    summary,
                    body,
                    response,
                    status,
                    rule,
                    errors,
                    f"{self.blueprint.name}.{view.__name__}",
                )
            )
            return view

        return decorate

    def serve_document(self, title: str, enabled_apps: Callable[[], Iterable[str]]) -> None:
        """Serve a public ``openapi.json`` on this blueprint: this spec, then the spec of
        every app among ``enabled_apps()`` mounted where this one is served (a regency's
        document lists the apps it enabled, and none it did not)."""

        def openapi() -> Response:
            state = current_app.extensions["smartcity"]
            mounted: dict[str, Mounted] = current_app.extensions.get(EXTENSION, {})
            own = mounted[self.blueprint.name]
            kind = state.blueprint_kind.get(own.blueprint)
            apps = set(enabled_apps())
            parts = [own] + [
                m
                for name, m in sorted(mounted.items())
                if state.blueprint_kind.get(name) == kind and state.blueprint_app.get(name) in apps
            ]
            return jsonify(document(title, request.script_root, own.prefix, parts))

        declare(openapi, PUBLIC)
        self.blueprint.add_url_rule("/openapi.json", DOCUMENT_ENDPOINT, openapi, methods=["GET"])


def document(title: str, script_root: str, base: str, parts: Sequence[Mounted]) -> dict[str, Any]:
    """One OpenAPI 3.1 document of ``parts``, served from ``script_root + base``.

    Operation paths are relative to ``base`` (an app's API mounted at
    ``/api/v1/<app>`` appears under ``/<app>/...``). A schema name two parts
    define differently is a programming error, raised here and caught by the tests.
    """
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for part in parts:
        if not part.prefix.startswith(base):
            raise ValueError(f"{part.blueprint} is mounted at {part.prefix}, outside {base}")
        relative = part.prefix.removeprefix(base)
        for op in part.spec.operations:
            path, item = _operation(op, _Schemas(schemas))
            paths.setdefault(relative + path, {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1"},
        "servers": [{"url": script_root + base}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@dataclass
class _Schemas:
    """The document's component schemas; refuses one name with two meanings."""

    known: dict[str, Any]

    def add(self, name: str, schema: dict[str, Any]) -> None:
        if name in self.known and self.known[name] != schema:
            raise ValueError(f"two different OpenAPI schemas are named {name}")
        self.known[name] = schema

    def model(self, model: type[BaseModel]) -> dict[str, str]:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            self.add(name, sub)
        self.add(model.__name__, schema)
        return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(op: Operation, schemas: _Schemas) -> tuple[str, dict[str, Any]]:
    item: dict[str, Any] = {
        "operationId": op.endpoint.replace(".", "_"),
        "summary": op.summary,
        "responses": {},
    }
    if op.body is not None:
        item["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas.model(op.body)}},
        }
    ok: dict[str, Any] = {"description": "OK"}
    if op.response is not None:
        ok["content"] = {"application/json": {"schema": schemas.model(op.response)}}
    item["responses"][str(op.status)] = ok
    codes = set(op.errors) | ({422} if op.body else set())
    if not op.rule.is_public:
        codes.add(401)
    if op.rule.who is Who.PERMISSION:
        codes.add(403)
    for code in sorted(codes):
        item["responses"][str(code)] = {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    # Explicit either way: ``[]`` marks an operation anyone may call.
    item["security"] = [] if op.rule.is_public else [{"bearer": []}]
    if op.rule.who is Who.PERMISSION:
        item["x-permissions"] = list(op.rule.permissions)
    path, parameters = openapi_path(op.path)
    if parameters:
        item["parameters"] = parameters
    return path, item


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
                {"body": Message("not JSON")},
            ) from None
    if not isinstance(payload, dict):
        raise InvalidInput(
            Message("the request body must be a JSON object"),
            {"body": Message("not a JSON object")},
        )
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise InvalidInput(
            Message("the request body has invalid fields"), field_problems(exc)
        ) from None
