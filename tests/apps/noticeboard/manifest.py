from __future__ import annotations

from pathlib import Path

from smartcity.apps import AppManifest, BeatEntry, MenuEntry, Permission, Role
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
    # ``viewer`` is declared by digest too: each grants only its own app's permission.
    roles=(
        Role("editor", "Penyunting", "Menulis pengumuman.", frozenset({"noticeboard.post"})),
        Role("viewer", "Pembaca", "Membaca pengumuman.", frozenset({"noticeboard.read"})),
    ),
    permissions=(
        Permission("noticeboard.post", "Menulis pengumuman"),
        Permission("noticeboard.read", "Membaca pengumuman"),
    ),
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
