"""Likely duplicates of a complaint: the same matter reported again, by text and place.

A broken street light draws five reports in a week. When the coordinator opens
one, this lists the others that are near in place (same kelurahan or
kecamatan, or within :data:`NEAR_METRES` when both shared a position) and in
time (within :data:`WINDOW_DAYS`), and whose words overlap. PostgreSQL's full
text search with the ``simple`` configuration finds the candidates (any of the
complaint's significant words, through the GIN index): no Indonesian stemmer
ships with PostgreSQL, and ``pg_trgm`` is an extension a regency's role cannot
create. The score, 0-100, is computed here from the two word sets (Dice's
coefficient, 70 %) and the place (30 %), so the coordinator can read why.

Marking a complaint a duplicate archives it with a link to the earlier one; its
reporter's status page then follows the other report's progress (its status
and OPDs only: never its text, answers or reporter).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from smartcity.toolkit import Conflict, InvalidInput, NotFound, record_audit
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from . import complaints
from .access import COORDINATE, Actor
from .messages import M
from .models import Complaint, Event

WINDOW_DAYS = 30
NEAR_METRES = 300
#: Scores below this are not worth the coordinator's time.
THRESHOLD = 35
MAX_WORDS = 16
MAX_CANDIDATES = 200
#: Statuses a complaint may be marked a duplicate from: not once an OPD works on it.
MARKABLE = {"new", "verified", "on_hold"}
#: Words that say nothing about the matter (Indonesian function words and complaint filler).
_STOP_TEXT = """
    yang dan di ke dari ini itu untuk dengan pada adalah ada tidak sudah belum akan
    juga atau karena oleh dalam sebagai saat agar bisa dapat kami saya kita mereka
    kepada bapak ibu mohon tolong segera terima kasih hari minggu bulan sejak lebih
    sangat sekali masih para pak bu sdh blm tdk yg utk dgn apa kapan bagaimana
    mengapa kenapa tersebut sampai hingga lagi banyak warga masyarakat kami
    laporan lapor keluhan pengaduan the and
"""
STOPWORDS = frozenset(_STOP_TEXT.split())
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Candidate:
    complaint: Complaint
    #: 0-100: how likely the two report the same matter.
    score: int
    #: The share of words in common, 0-1 (Dice's coefficient).
    text: float
    #: ``kelurahan``, ``nearby``, ``kecamatan`` or ``""`` (no place in common).
    place: str
    #: Metres between the two shared positions, when both have one.
    distance_m: int | None


def words(text: str) -> set[str]:
    """The significant words: lower case, at least three letters, no function words."""
    return {w for w in _WORD.findall(text.lower()) if len(w) >= 3 and w not in STOPWORDS}


def distance_m(a: Complaint, b: Complaint) -> int | None:
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return None
    lat1, lon1, lat2, lon2 = (
        math.radians(float(v)) for v in (a.latitude, a.longitude, b.latitude, b.longitude)
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return round(2 * 6_371_000 * math.asin(math.sqrt(h)))


def _place(a: Complaint, b: Complaint, metres: int | None) -> tuple[str, float]:
    if metres is not None and metres <= NEAR_METRES:
        return "nearby", 1.0
    same_kecamatan = a.kecamatan_code is not None and a.kecamatan_code == b.kecamatan_code
    if (
        same_kecamatan
        and a.kelurahan
        and b.kelurahan
        and a.kelurahan.strip().lower() == b.kelurahan.strip().lower()
    ):
        return "kelurahan", 1.0
    if same_kecamatan:
        return "kecamatan", 0.6
    return "", 0.0


def score(a: Complaint, b: Complaint) -> Candidate:
    """How alike ``b`` is to ``a``, by words and place."""
    wa, wb = words(f"{a.title} {a.body}"), words(f"{b.title} {b.body}")
    text = 2 * len(wa & wb) / (len(wa) + len(wb)) if wa and wb else 0.0
    metres = distance_m(a, b)
    place, place_score = _place(a, b, metres)
    value = round(100 * (0.7 * text + 0.3 * place_score))
    return Candidate(b, value, round(text, 2), place, metres)


def _near_box(complaint: Complaint) -> Any:
    """A cheap bounding box around the shared position (refined by :func:`distance_m`)."""
    if complaint.latitude is None or complaint.longitude is None:
        return None
    dlat = NEAR_METRES / 111_000
    dlon = dlat / max(math.cos(math.radians(float(complaint.latitude))), 0.01)
    lat, lon = float(complaint.latitude), float(complaint.longitude)
    return and_(
        Complaint.latitude.between(lat - dlat, lat + dlat),
        Complaint.longitude.between(lon - dlon, lon + dlon),
    )


def suggest(
    session: Session, actor: Actor, complaint: Complaint, *, limit: int = 5
) -> list[Candidate]:
    """The likeliest duplicates of ``complaint``, best first; only for the coordinator."""
    actor.require(COORDINATE)
    significant = sorted(words(f"{complaint.title} {complaint.body}"), key=len, reverse=True)
    if not significant:
        return []
    # Only [a-z0-9] reach the query, so nothing a citizen typed can break its syntax.
    query = func.to_tsquery("simple", " | ".join(significant[:MAX_WORDS]))
    document = func.to_tsvector("simple", Complaint.title + " " + Complaint.body)
    places = []
    if complaint.kecamatan_code:
        places.append(Complaint.kecamatan_code == complaint.kecamatan_code)
    box = _near_box(complaint)
    if box is not None:
        places.append(box)
    if not places:
        return []
    window = timedelta(days=WINDOW_DAYS)
    rows = session.scalars(
        select(Complaint)
        .where(
            Complaint.id != complaint.id,
            Complaint.duplicate_of_id.is_(None),
            Complaint.submitted_at.between(
                complaint.submitted_at - window, complaint.submitted_at + window
            ),
            or_(*places),
            document.op("@@")(query),
        )
        .order_by(func.ts_rank(document, query).desc(), Complaint.submitted_at)
        .limit(MAX_CANDIDATES)
    )
    found = [score(complaint, other) for other in rows]
    found = [c for c in found if c.score >= THRESHOLD and c.text > 0]
    found.sort(key=lambda c: (-c.score, c.complaint.submitted_at))
    return found[:limit]


def mark(session: Session, actor: Actor, complaint: Complaint, original_id: int) -> Complaint:
    """Archive ``complaint`` as a repeat of ``original_id``; its reporter follows that one."""
    actor.require(COORDINATE)
    if complaint.duplicate_of_id is not None or complaint.status not in MARKABLE:
        raise Conflict(
            M(
                'a complaint with the status "%(status)s" cannot be marked a duplicate',
                status=complaints.status_words(complaint.status),
            ),
            {"status": complaint.status},
        )
    original = session.get(Complaint, original_id)
    if original is None or original.id == complaint.id:
        raise NotFound(M("no such complaint"))
    # A chain would leave the reporter following a report that is itself archived.
    if original.duplicate_of_id is not None:
        original = session.get_one(Complaint, original.duplicate_of_id)
    if original.id == complaint.id:
        raise InvalidInput(
            M("a complaint cannot be a duplicate of itself"), {"original_id": "itself"}
        )
    before = complaint.status
    complaint.duplicate_of_id = original.id
    complaint.status = "archived"
    complaint.status_note = None
    session.add(
        Event(
            complaint_id=complaint.id,
            actor=actor.label,
            action="duplicate",
            public=True,
        )
    )
    # Reports that pointed at this one follow the original now.
    for earlier in session.scalars(
        select(Complaint).where(Complaint.duplicate_of_id == complaint.id)
    ):
        earlier.duplicate_of_id = original.id
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="pelayanan.complaint.duplicate",
        entity="complaint",
        entity_id=complaint.id,
        before={"status": before},
        after={"status": complaint.status, "duplicate_of_id": original.id},
    )
    return complaint


def handled_under(session: Session, complaint: Complaint) -> Complaint | None:
    """The report this one is handled under, when it was marked a duplicate."""
    if complaint.duplicate_of_id is None:
        return None
    return session.get(Complaint, complaint.duplicate_of_id)
