"""Shared set-up for the public-services tests: OPDs, users per role, form stamps."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image
from smartcity.public import HoneypotGuard
from smartcity.tenantcore import memberships, orgunits, users
from sqlalchemy import select, update

from tenants.pelayanan import complaints, standards
from tenants.pelayanan.access import GRANTS, Actor
from tenants.pelayanan.complaints import Submission
from tenants.pelayanan.models import Complaint, Dispatch, Event, SurveyResponse

REGENCY = "33.18"  # Kabupaten Pati
KECAMATAN = "33.18.01"


@dataclass
class Regency:
    slug: str
    dinkes: int
    disdik: int


USERS = {
    "koordinator@pati.go.id": ["pelayanan.coordinator"],
    "liaison@dinkes.go.id": ["pelayanan.opd_liaison"],
    "kadis@dinkes.go.id": ["pelayanan.opd_head"],
    "liaison@disdik.go.id": ["pelayanan.opd_liaison"],
    "editor@dinkes.go.id": ["pelayanan.standards_editor"],
    "viewer@pati.go.id": ["pelayanan.viewer"],
}


def make_regency(provision: Any, tenant_db: Any, state: Any, password: str) -> Regency:
    slug = provision(apps=("pelayanan",), region_code=REGENCY)
    with tenant_db(slug) as session:
        dinkes = orgunits.create_unit(
            session,
            code="1.02.01",
            name="Dinas Kesehatan",
            kind="dinas",
            regency_code=REGENCY,
            actor="tests",
        )
        disdik = orgunits.create_unit(
            session,
            code="1.01.01",
            name="Dinas Pendidikan",
            kind="dinas",
            regency_code=REGENCY,
            actor="tests",
        )
        for email, roles in USERS.items():
            user = users.create_user(
                session,
                email=email,
                name=email.split("@")[0].title(),
                password=password,
                roles=roles,
                allowed_roles=state.registry.role_names(["pelayanan"]),
                actor="tests",
            )
            unit = dinkes.id if "dinkes" in email else disdik.id if "disdik" in email else None
            if unit is not None:
                memberships.set_units(session, user.id, "pelayanan", [unit], actor="tests")
        return Regency(slug, dinkes.id, disdik.id)


def submission(**changes: Any) -> Submission:
    values: dict[str, Any] = {
        "classification": "complaint",
        "category": "infrastructure",
        "title": "Jalan berlubang di depan pasar",
        "body": "Lubang besar di jalan depan pasar sudah dua minggu, membahayakan pengendara.",
        "kecamatan_code": KECAMATAN,
        "kelurahan": "Pati Kidul",
        "reporter_name": "Siti Aminah",
        "reporter_contact": "0812-0000-1111",
    }
    values.update(changes)
    return Submission(**values)


def aged_stamp(app: Any, seconds: float = 10) -> str:
    """A spam-guard stamp as if the form had been opened ``seconds`` ago."""
    with app.test_request_context():
        return HoneypotGuard()._signer().dumps(time.time() - seconds)


def jpeg_with_gps(
    lat: tuple[int, int, int] = (6, 45, 0), lon: tuple[int, int, int] = (111, 2, 0)
) -> bytes:
    """A small JPEG carrying EXIF GPS tags (south latitude) and a camera model."""
    image = Image.new("RGB", (32, 24), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "Kamera Warga"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "S", tuple(float(x) for x in lat)
    gps[3], gps[4] = "E", tuple(float(x) for x in lon)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


# --------------------------------------------------------------------------- a known quarter
# Every date is in March 2025, a fortnight without a national holiday (Isra Mi'raj
# was 27 January, Nyepi 29 March, Idul Fitri 31 March), Monday to Friday working.

WIB = ZoneInfo("Asia/Jakarta")
_COORDINATOR = Actor("koordinator@pati.go.id", GRANTS["coordinator"], None)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=WIB)


def _service(session, unit, name, promised, *, publish=True):
    editor = Actor("editor@dinkes.go.id", GRANTS["standards_editor"], None)
    head = Actor("kadis@dinkes.go.id", GRANTS["opd_head"], None)
    service = standards.create(
        session,
        editor,
        org_unit_id=unit,
        name=name,
        components={k: f"Uraian {k}" for k in standards.COMPONENTS},
        promised_days=promised,
    )
    if publish:
        consulted(session, head, service)
        standards.publish(session, head, service)
    return service


def consulted(session: Any, head: Any, service: Any) -> Any:
    """Take a complete draft through a public consultation held last month, and approve it."""
    day = standards.today(session)
    standards.consult(
        session, head, service, opens=day - timedelta(days=30), closes=day - timedelta(days=16)
    )
    standards.record_consultation(
        session,
        head,
        service,
        held_on=day - timedelta(days=20),
        place="Aula kantor dan siaran daring",
        participants=25,
        summary="Warga meminta persyaratan dipersingkat.",
    )
    return standards.approve(
        session, head, service, "Persyaratan disederhanakan sesuai masukan warga."
    )


def _case(session, unit, *, dispatched, due, answers, service_id=None):
    """One complaint dispatched to ``unit`` on March ``dispatched``, due March ``due``;
    ``answers`` are (day, final) in order. Returns the complaint."""
    complaint, _code = complaints.submit(
        session,
        submission(service_id=service_id),
        [],
        regency_code=REGENCY,
        channel="web",
    )
    (row,) = complaints.dispatch(session, _COORDINATOR, complaint, [unit], "Mohon ditindaklanjuti")
    staff = Actor("petugas.rahasia@opd.go.id", GRANTS["opd_liaison"], frozenset({unit}))
    for _day, final in answers:
        complaints.respond(session, staff, row, "Sedang ditangani petugas", final=final)
    session.flush()
    session.execute(
        update(Complaint).where(Complaint.id == complaint.id).values(submitted_at=at(dispatched, 8))
    )
    session.execute(
        update(Dispatch)
        .where(Dispatch.id == row.id)
        .values(dispatched_at=at(dispatched), due=date(2025, 3, due))
    )
    events = session.scalars(
        select(Event)
        .where(Event.complaint_id == complaint.id, Event.action.in_(("progress", "answered")))
        .order_by(Event.id)
    ).all()
    for event, (day, _final) in zip(events, answers, strict=True):
        event.at = at(day, 11)
    session.flush()
    return complaint


def known_quarter(tenant_db: Any, regency: Regency) -> tuple[int, int]:
    """Five dispatches and one complaint still waiting, with survey answers."""
    with tenant_db(regency.slug) as session:
        skd = _service(session, regency.dinkes, "Surat Keterangan Sehat", 3)
        ppdb = _service(session, regency.disdik, "Legalisir Ijazah", 2)
        draft = _service(session, regency.disdik, "Masih Draf", 5, publish=False)
        # Dinas Kesehatan: first answers after 2, 5 and 2 working days; one late.
        _case(
            session,
            regency.dinkes,
            dispatched=10,
            due=17,
            answers=[(12, False), (14, True)],
            service_id=skd.id,
        )
        _case(
            session, regency.dinkes, dispatched=10, due=14, answers=[(17, True)], service_id=skd.id
        )
        _case(session, regency.dinkes, dispatched=11, due=18, answers=[(13, False)])
        # Dinas Pendidikan: one unanswered past its deadline, one answered after 7 days.
        _case(session, regency.disdik, dispatched=10, due=17, answers=[])
        _case(
            session, regency.disdik, dispatched=12, due=19, answers=[(21, True)], service_id=ppdb.id
        )
        waiting, _ = complaints.submit(
            session, submission(), [], regency_code=REGENCY, channel="web"
        )
        waiting.submitted_at = at(20)
        for service, answers, day in (
            (skd, [4, 4, 4, 4, 3, 3, 3, 3, 3], 3),
            (skd, [3, 3, 3, 3, 3, 3, 3, 3, 3], 4),
            (ppdb, [2, 2, 2, 2, 2, 2, 2, 2, 2], 5),
            (ppdb, [3, 3, 3, 3, 3, 3, 3, 3, 2], 6),
            (draft, [1, 1, 1, 1, 1, 1, 1, 1, 1], 6),  # not published: staff page only
        ):
            session.add(
                SurveyResponse(
                    service_id=service.id, answered_on=date(2025, 3, day), answers=answers, sex="L"
                )
            )
        # Outside the first quarter: counted in the year, not in 2025-Q1.
        session.add(
            SurveyResponse(service_id=skd.id, answered_on=date(2025, 4, 2), answers=[1] * 9)
        )
        return skd.id, ppdb.id
