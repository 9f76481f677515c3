"""Request and response bodies of the JSON API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Credentials(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    otp: str | None = Field(default=None, max_length=10)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class AdminIn(Strict):
    """The regency's first admin: e-mailed an invitation (a link on the regency's own
    host) to choose a password that nobody else learns; no password is accepted."""

    email: str = Field(max_length=254)
    name: str = Field(default="Administrator", max_length=200)


class TenantCreate(Strict):
    slug: str = Field(max_length=64)
    name: str = Field(min_length=1, max_length=200)
    region_code: str = Field(max_length=13)
    apps: list[str] = Field(default_factory=list, max_length=50)
    admin: AdminIn
    reprovision: bool = Field(
        default=False,
        description="Provision a region whose regency was archived (refused otherwise); "
        "the audit log records which regency this one succeeds.",
    )
    standard_units: bool = Field(
        default=False,
        description="Start with the standard list of org units: sekretariat, inspektorat, "
        "the usual dinas and badan, and every kecamatan of the region.",
    )


class TenantSuspend(Strict):
    """Why the regency is suspended and whom its users should contact: both are shown
    to them instead of their pages."""

    reason: str = Field(min_length=1, max_length=500)
    contact: str | None = Field(None, max_length=200)


class TenantOut(BaseModel):
    slug: str
    name: str
    region_code: str
    province: str
    status: str
    maintenance: bool
    apps: list[str]
    domains: list[str]
    created_at: datetime
    suspension_reason: str | None = None
    suspension_contact: str | None = None


class TenantList(BaseModel):
    tenants: list[TenantOut]


#: How role names look, for the API's readers.
ROLES_DESCRIPTION = (
    "Role names: the core's `admin` and `member`, and app roles as `<app>.<role>` "
    "(e.g. `ebudgeting.tapd_chair`) of the apps enabled for the regency."
)


class UserCreate(Strict):
    email: str = Field(max_length=254)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=256)
    roles: list[str] = Field(
        default_factory=lambda: ["member"], max_length=20, description=ROLES_DESCRIPTION
    )


class UserPatch(Strict):
    name: str | None = Field(default=None, max_length=200)
    password: str | None = Field(default=None, max_length=256)
    roles: list[str] | None = Field(default=None, max_length=20, description=ROLES_DESCRIPTION)
    is_active: bool | None = None


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    roles: list[str]
    is_active: bool
    last_login_at: datetime | None


class UserList(BaseModel):
    users: list[UserOut]


class MeOut(BaseModel):
    user: UserOut
    tenant: str
    apps: list[str]
    permissions: list[str]


class AppState(BaseModel):
    app: str
    enabled: bool
    changed: bool
