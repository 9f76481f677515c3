"""The archive a tenant export writes: one ``.tar.gz`` with a manifest and one CSV per table.

CSV (with a header) rather than PostgreSQL's binary COPY format: a regency
leaving the platform can open its own data with any tool, and the archive
restores on any PostgreSQL version. Members are named only from validated
identifiers (``data/<table>.csv``); the manifest lists every member with its
size and sha256, and every table with its row count and checksum.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from smartcity.offboarding.tables import IDENTIFIER

FORMAT = "smartcity-tenant-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_TABLES = 500


def member_name(table: str) -> str:
    if not IDENTIFIER.fullmatch(table):
        raise ValueError(f"{table!r} cannot name an archive member")
    return f"data/{table}.csv"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TenantRow(_Strict):
    """The tenant's platform row as it was when exported."""

    name: str = Field(min_length=1, max_length=200)
    region_code: str = Field(max_length=13)
    province: str = Field(max_length=120)
    status: str = Field(max_length=20)
    settings: dict[str, Any]
    created_at: datetime
    archived_at: datetime | None = None


class AppRow(_Strict):
    app: str = Field(max_length=40)
    enabled: bool


class ReferenceVersionRow(_Strict):
    dataset: str = Field(max_length=60)
    version: str = Field(max_length=40)
    synced_at: datetime


class TableEntry(_Strict):
    """One table: how to load it back and how to tell that it came back whole."""

    name: str
    member: str
    columns: list[str] = Field(min_length=1, max_length=1600)
    primary_key: list[str]
    rows: int = Field(ge=0)
    checksum: str = Field(pattern=r"^[0-9a-f]{32}$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)

    @field_validator("name")
    @classmethod
    def _table_name(cls, value: str) -> str:
        if not IDENTIFIER.fullmatch(value):
            raise ValueError("not a table name")
        return value

    @field_validator("columns", "primary_key")
    @classmethod
    def _column_names(cls, value: list[str]) -> list[str]:
        bad = [c for c in value if not IDENTIFIER.fullmatch(c)]
        if bad:
            raise ValueError(f"not column names: {', '.join(bad[:5])}")
        if len(set(value)) != len(value):
            raise ValueError("a column is listed twice")
        return value


class Manifest(_Strict):
    """``manifest.json``: what the archive holds, checked before anything is restored."""

    format: str
    format_version: int
    slug: str = Field(max_length=40)
    created_at: datetime
    created_by: str = Field(max_length=254)
    tenant: TenantRow
    apps: list[AppRow] = Field(max_length=200)
    domains: list[str] = Field(max_length=200)
    reference_versions: list[ReferenceVersionRow] = Field(max_length=200)
    versions: list[str] = Field(min_length=1, max_length=200)
    tables: list[TableEntry] = Field(max_length=MAX_TABLES)
