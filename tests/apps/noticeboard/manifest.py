from __future__ import annotations

from pathlib import Path

from smartcity.toolkit import AppManifest, BeatEntry, MenuEntry
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import blueprint
from .announcements import DATASET
from .models import Base, Notice


def _welcome(session: Session) -> None:
    """Idempotent, as every on-enable hook must be: re-enabling runs it again."""
    if session.scalar(select(Notice.id).where(Notice.title == "Selamat datang")) is None:
        session.add(Notice(title="Selamat datang"))


manifest = AppManifest(
    name="noticeboard",
    title="Papan Pengumuman",
    version="2",
    roles={"editor": frozenset({"noticeboard.post"})},
    blueprint=blueprint.web,
    api_blueprint=blueprint.api,
    menu=(MenuEntry("Pengumuman", "noticeboard.index"),),
    beat=(BeatEntry("tidy", "noticeboard.tidy", 3600),),
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    on_enable=_welcome,
    uses=("ebudgeting.sub_activities",),
    datasets=(DATASET,),
)
