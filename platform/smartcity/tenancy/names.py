"""Slugs, schema names and role names: the only way tenant identifiers reach SQL.

A slug is a DNS label so it can be a sub-domain as well as a schema name;
schema and role names derive from it mechanically and are always quoted.
"""

from __future__ import annotations

import re

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")
RESERVED_SLUGS = frozenset({"platform", "public", "www", "api", "admin", "static"})


class InvalidSlugError(ValueError):
    """The slug cannot name a tenant; the message says why.

    ``msgid`` and ``params`` are the parts of its ``smartcity.errors.Message`` (this
    module sits beside ``smartcity.errors`` and may not import it), so the reason can
    be shown in the reader's language.
    """

    def __init__(self, msgid: str, /, **params: str) -> None:
        super().__init__(msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params


def validate_slug(slug: str) -> str:
    if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
        raise InvalidSlugError(
            "must be 2-40 characters: lowercase letters, digits and hyphens, "
            "starting with a letter and not ending with a hyphen"
        )
    if "--" in slug:
        raise InvalidSlugError("must not contain two hyphens in a row")
    if slug in RESERVED_SLUGS or slug.startswith("pg"):
        raise InvalidSlugError("'%(slug)s' is reserved", slug=slug)
    return slug


def schema_name(slug: str) -> str:
    return "t_" + validate_slug(slug).replace("-", "_")


def role_name(prefix: str, slug: str) -> str:
    """Roles are cluster-wide, so they carry the deployment's prefix."""
    return f"{prefix}_{schema_name(slug)}"


def quote_ident(name: str) -> str:
    """Quote an identifier for PostgreSQL (doubling embedded quotes)."""
    return '"' + name.replace('"', '""') + '"'
