from __future__ import annotations

from pathlib import Path

from celery.schedules import crontab
from smartcity.toolkit import (
    AppManifest,
    BeatEntry,
    MenuEntry,
    Permission,
    Role,
    TranslationCatalogue,
    record_audit,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import blueprint, public, reports
from .announcements import DATASET
from .models import Base, Notice


def _welcome(session: Session) -> None:
    """Idempotent, as every on-enable hook must be: re-enabling runs it again."""
    if session.scalar(select(Notice.id).where(Notice.title == "Selamat datang")) is None:
        session.add(Notice(title="Selamat datang"))


def _farewell(session: Session) -> None:
    """Runs when a regency disables the board; its notices stay."""
    record_audit(session, actor="noticeboard", action="noticeboard.closed", entity="app")


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
    beat=(
        BeatEntry("tidy", "noticeboard.tidy", 3600),
        # Every Monday at 06:00, each regency at its own offset within ten minutes.
        BeatEntry(
            "weekly-digest",
            "noticeboard.tidy",
            crontab=crontab(minute=0, hour=6, day_of_week=1),
            jitter=600,
        ),
    ),
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    on_enable=_welcome,
    uses=("ebudgeting.sub_activities", "ebudgeting.indicators"),
    datasets=(DATASET,),
    reports=(reports.slow,),
    tasks="tests.apps.noticeboard.chores",
    translations=TranslationCatalogue(Path(__file__).parent / "translations", "noticeboard"),
    public_blueprint=public.pages,
    public_api_blueprint=public.api,
    on_disable=_farewell,
)
