"""The regency's e-Kinerja settings: typed, with defaults, kept in one JSON row.

Each field is a rule that differs between regencies or is UNVERIFIED; the
default is the common practice noted beside it.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from smartcity.toolkit import InvalidInput, field_problems, record_audit
from sqlalchemy.orm import Session

from .messages import M
from .models import Settings


class EkinerjaSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Outside every fence: refuse the check-in, or keep it flagged for the supervisor.
    geofence_policy: Literal["refuse", "flag"] = "flag"
    #: How old an offline punch may be when its batch is uploaded.
    offline_window_hours: int = Field(72, ge=1, le=24 * 31)
    #: A device clock this far from the server's is flagged (online punches use server time).
    clock_skew_minutes: int = Field(5, ge=1, le=24 * 60)
    #: Worse reported accuracy than this is flagged.
    max_accuracy_m: int = Field(100, ge=5, le=10_000)
    #: Faster travel between two punches than this is an impossible jump.
    max_speed_kmh: int = Field(250, ge=10, le=2000)
    #: A person's account tied to the first phone it punches from: a punch from
    #: another phone (or one that sends no device id) is flagged for the supervisor,
    #: or refused, until an admin of their unit releases the tie; or off.
    device_binding: Literal["off", "flag", "refuse"] = "flag"
    #: One phone punching for several people on a day flags all their punches
    #: ("titip absen"). Off where staff share phones by arrangement.
    flag_shared_device: bool = True
    #: Address ranges of the office networks allowed to check in from the web.
    web_networks: list[str] = Field(default_factory=list, max_length=100)
    #: Day of the next month after which a month's work logs and absences are locked.
    cutoff_day: int = Field(5, ge=1, le=28)

    @field_validator("web_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for net in value:
            ipaddress.ip_network(net, strict=False)
        return value

    def allows_address(self, address: str | None) -> bool:
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(net, strict=False) for net in self.web_networks)


def load(session: Session) -> EkinerjaSettings:
    row = session.get(Settings, 1)
    return EkinerjaSettings.model_validate(row.values if row is not None else {})


def update(session: Session, changes: dict[str, Any], *, actor: str) -> EkinerjaSettings:
    """Apply ``changes`` over the current values; refused whole if any is invalid."""
    row = session.get(Settings, 1)
    before = dict(row.values) if row is not None else {}
    try:
        new = EkinerjaSettings.model_validate(before | changes)
    except ValidationError as error:
        raise InvalidInput(
            M("invalid e-Kinerja settings"), field_problems(error, whole="settings")
        ) from error
    values = new.model_dump(mode="json")
    if row is None:
        session.add(Settings(id=1, values=values, updated_at=datetime.now().astimezone()))
    else:
        row.values = values
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="ekinerja.settings",
        entity="ekinerja_settings",
        entity_id=1,
        before=before,
        after=values,
    )
    return new
