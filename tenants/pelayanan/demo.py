"""Demo data: service standards, a few hundred complaints in every status, a quarter of SKM.

Everything that has a workflow goes through the services (standards drafted,
approved and published; complaints submitted, verified, dispatched, answered,
rated, marked duplicate), so the demo obeys the rules users do; afterwards each
complaint's clock is moved back so the list spans the last three months (its
deadlines and history move with it). Survey answers are written directly: the
public survey form is the only other way in. Texts are the kind citizens
write in Indonesian; kecamatan come from the regency's own codes.

Idempotent: a regency that already has a service standard is left alone.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

from smartcity.toolkit import OrgUnit, User, regions_under, role_name, set_member_units
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import complaints, duplicates, ikm, standards
from .access import system_actor
from .complaints import Submission
from .messages import APP
from .models import Complaint, Dispatch, Event, Service, SurveyResponse

#: OPD code (the standard list) -> its services: (name, promised days, cost, product).
SERVICES = {
    "2.12": (
        ("Penerbitan KTP Elektronik", 1, "Tidak dipungut biaya", "KTP-el"),
        ("Penerbitan Kartu Keluarga", 1, "Tidak dipungut biaya", "Kartu Keluarga"),
        ("Penerbitan Akta Kelahiran", 3, "Tidak dipungut biaya", "Kutipan Akta Kelahiran"),
    ),
    "2.18": (
        ("Persetujuan Bangunan Gedung (PBG)", 28, "Sesuai Perda retribusi PBG", "Dokumen PBG"),
        ("Nomor Induk Berusaha (NIB) UMK", 1, "Tidak dipungut biaya", "NIB"),
    ),
    "1.02": (("Surat Keterangan Sehat", 1, "Rp15.000 sesuai Perda retribusi", "Surat keterangan"),),
    "1.06": (
        ("Rekomendasi Penerima Bantuan Sosial", 5, "Tidak dipungut biaya", "Surat rekomendasi"),
    ),
    "2.15": (("Pengujian Berkala Kendaraan (KIR)", 1, "Sesuai Perda retribusi", "Buku uji"),),
}
#: Category -> the OPD code that answers it, and (title, body) templates.
MATTERS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "infrastructure": (
        "1.03",
        (
            (
                "Jalan berlubang di {desa}",
                "Jalan utama di {desa}, Kecamatan {kec}, berlubang besar dan tergenang air "
                "kalau hujan. Sudah ada pengendara motor yang jatuh. Mohon segera diperbaiki.",
            ),
            (
                "Lampu penerangan jalan mati di {desa}",
                "Lampu penerangan jalan umum di {desa} mati sudah lebih dari seminggu, jalan "
                "gelap gulita pada malam hari dan warga takut lewat.",
            ),
            (
                "Saluran drainase tersumbat di {desa}",
                "Saluran air di pinggir jalan {desa} tersumbat sampah dan lumpur, setiap hujan "
                "air meluap ke rumah warga di Kecamatan {kec}.",
            ),
            (
                "Jembatan penghubung dusun rusak di {desa}",
                "Jembatan kecil penghubung dusun di {desa} papannya lapuk dan berlubang, "
                "anak-anak sekolah terpaksa memutar jauh.",
            ),
        ),
    ),
    "health": (
        "1.02",
        (
            (
                "Antrean Puskesmas {kec} terlalu lama",
                "Saya antre di Puskesmas {kec} dari jam 7 pagi dan baru dilayani jam 12. "
                "Loket pendaftaran hanya satu yang buka.",
            ),
            (
                "Obat di Puskesmas {kec} sering kosong",
                "Sudah tiga kali kontrol obat hipertensi di Puskesmas {kec} selalu kosong dan "
                "disuruh beli sendiri di apotek.",
            ),
            (
                "Fogging demam berdarah di {desa}",
                "Sudah ada dua warga {desa} yang dirawat karena demam berdarah, mohon diadakan "
                "fogging dan pemeriksaan jentik.",
            ),
        ),
    ),
    "education": (
        "1.01",
        (
            (
                "Atap ruang kelas SD di {desa} bocor",
                "Atap dua ruang kelas SD Negeri di {desa} bocor, kalau hujan murid dipulangkan "
                "lebih awal. Mohon perbaikan sebelum musim hujan.",
            ),
            (
                "Pungutan seragam di sekolah {desa}",
                "Sekolah di {desa} meminta uang seragam dan buku Rp750.000 untuk murid baru, "
                "padahal katanya sekolah negeri gratis.",
            ),
        ),
    ),
    "population": (
        "2.12",
        (
            (
                "KTP elektronik belum jadi",
                "Saya rekam KTP-el di Kecamatan {kec} tiga bulan lalu tetapi sampai sekarang "
                "belum jadi, alasannya blangko habis.",
            ),
            (
                "Akta kelahiran anak belum terbit",
                "Berkas akta kelahiran anak saya sudah lengkap diserahkan ke Disdukcapil sejak "
                "bulan lalu, tetapi belum ada kabar.",
            ),
            (
                "Calo di kantor Disdukcapil",
                "Di depan kantor Disdukcapil ada orang yang menawarkan KK jadi sehari dengan "
                "bayar Rp200.000. Mohon ditertibkan.",
            ),
        ),
    ),
    "environment": (
        "2.11",
        (
            (
                "Sampah menumpuk di TPS {desa}",
                "Sampah di TPS {desa} tidak diangkut hampir seminggu, baunya menyengat dan "
                "banyak lalat sampai ke rumah warga.",
            ),
            (
                "Pembakaran sampah oleh pabrik di {desa}",
                "Setiap malam ada asap pembakaran limbah dari pabrik dekat {desa}, warga "
                "sesak napas dan anak-anak batuk.",
            ),
        ),
    ),
    "social": (
        "1.06",
        (
            (
                "Bantuan sosial tidak tepat sasaran di {desa}",
                "Tetangga saya yang punya mobil menerima bantuan sembako, sedangkan janda lansia "
                "di {desa} tidak terdaftar. Mohon pendataan ulang.",
            ),
            (
                "PKH tidak cair tiga bulan",
                "Bantuan PKH keluarga kami di {desa}, Kecamatan {kec}, tidak cair tiga bulan "
                "tanpa pemberitahuan.",
            ),
        ),
    ),
    "order": (
        "1.05",
        (
            (
                "Pedagang kaki lima menutup trotoar di {desa}",
                "Trotoar di depan pasar {desa} penuh lapak pedagang sehingga pejalan kaki "
                "harus turun ke jalan raya.",
            ),
            (
                "Karaoke buka sampai pagi di {desa}",
                "Tempat karaoke di {desa} buka sampai jam 3 pagi dan sangat bising, warga "
                "tidak bisa tidur.",
            ),
        ),
    ),
    "transport": (
        "2.15",
        (
            (
                "Parkir liar di depan pasar {kec}",
                "Juru parkir liar di depan Pasar {kec} meminta Rp5.000 untuk motor tanpa "
                "karcis resmi.",
            ),
            (
                "Rambu lalu lintas roboh di {desa}",
                "Rambu batas kecepatan di tikungan {desa} roboh tertabrak truk dan belum "
                "dipasang kembali.",
            ),
        ),
    ),
    "licensing": (
        "2.18",
        (
            (
                "Pengurusan PBG berbelit",
                "Permohonan PBG rumah toko saya sudah dua bulan belum selesai, setiap datang "
                "diminta berkas tambahan yang berbeda-beda.",
            ),
        ),
    ),
}
DESA = (
    "Sukamaju",
    "Sidomulyo",
    "Karangrejo",
    "Mekarsari",
    "Tegalsari",
    "Sumberejo",
    "Margomulyo",
    "Kedungsari",
    "Wonorejo",
    "Purworejo",
)
NAMES = (
    "Siti Aminah",
    "Budi Santoso",
    "Sri Wahyuni",
    "Agus Setiawan",
    "Dewi Lestari",
    "Slamet Riyadi",
    "Nur Hidayah",
    "Eko Prasetyo",
    "Rina Marlina",
    "Joko Susilo",
)
#: How many complaints end in each state (about 300 in all).
PLAN = (
    ("new", 30),
    ("verified", 15),
    ("on_hold", 15),
    ("declined", 15),
    ("archived", 10),
    ("auto_closed", 30),
    ("rated", 60),
    ("dispatched", 40),
    ("in_progress", 30),
    ("followed_up", 45),
    # Last: they repeat reports made above.
    ("duplicate", 10),
)
#: How far back (days) a complaint in each status may have come in: waiting ones are
#: recent (some past their deadline, so escalations show), settled ones spread out.
AGE = {
    "new": (0, 6),
    "verified": (0, 6),
    "on_hold": (1, 10),
    "dispatched": (1, 12),
    "followed_up": (2, 6),
}
SPAN_DAYS = 90
SURVEY_DAYS = 91  # a quarter


def _components(opd: str, name: str, days: int, cost: str, product: str) -> dict[str, str]:
    return {
        "legal_basis": (
            "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik; "
            "Peraturan Menteri PANRB Nomor 15 Tahun 2014; Peraturan Bupati tentang "
            f"standar pelayanan {opd}"
        ),
        "requirements": "Formulir permohonan; fotokopi KTP-el dan Kartu Keluarga",
        "procedure": (
            "1. Pemohon mengambil nomor antrean dan menyerahkan berkas; 2. petugas "
            "memverifikasi berkas; 3. berkas diproses dan ditandatangani pejabat; "
            f"4. {product} diserahkan kepada pemohon"
        ),
        "time": f"{days} hari kerja sejak berkas lengkap",
        "cost": cost,
        "product": product,
        "facilities": "Ruang tunggu ber-AC, loket, nomor antrean, toilet, ramp kursi roda",
        "competence": "Petugas memahami peraturan layanan dan santun melayani",
        "supervision": f"Kepala {opd} dan Inspektorat Daerah",
        "complaints": "Kotak saran, WhatsApp pengaduan, SP4N-LAPOR!, dan pengaduan daring",
        "staff_count": "4 orang petugas loket dan 2 orang verifikator",
        "guarantee": f"Maklumat pelayanan {name} dipajang di ruang layanan",
        "security": "Data pribadi pemohon dijaga kerahasiaannya; ruang layanan diawasi CCTV",
        "evaluation": "Survei kepuasan masyarakat setiap triwulan dan evaluasi kinerja petugas",
    }


def seed(session: Session, region_code: str) -> dict[str, int]:
    if session.scalar(select(Service.id).limit(1)) is not None:
        return {}
    rng = random.Random(f"pelayanan-{region_code}")  # noqa: S311 - demo content, not secrets
    admin = system_actor("demo")
    units = {
        u.code: u
        for u in session.scalars(
            select(OrgUnit).where(OrgUnit.parent_id.is_(None), OrgUnit.is_active)
        )
    }
    services = _standards(session, admin, units)
    made = _complaints(session, admin, region_code, units, rng)
    answers = _survey(session, services, rng)
    _assign_demo_users(session, units)
    return {"service standards": len(services), "complaints": made, "survey answers": answers}


def _standards(session: Session, admin: Any, units: dict[str, OrgUnit]) -> list[Service]:
    made: list[Service] = []
    for code, offered in SERVICES.items():
        unit = units.get(code)
        if unit is None:
            continue
        for index, (name, days, cost, product) in enumerate(offered):
            service = standards.create(
                session,
                admin,
                org_unit_id=unit.id,
                name=name,
                components=_components(unit.name, name, days, cost, product),
                promised_days=days,
            )
            # The last service of the first OPDs stays a draft or an approved one.
            if not (code == "2.18" and index == 1):
                _consulted(session, admin, service)
                if not (code == "2.12" and index == 2):
                    standards.publish(session, admin, service)
            made.append(service)
    return made


def _consulted(session: Session, admin: Any, service: Service) -> None:
    """The draft went through a public consultation last month, then was approved."""
    day = standards.today(session)
    standards.consult(
        session, admin, service, opens=day - timedelta(days=45), closes=day - timedelta(days=31)
    )
    standards.record_consultation(
        session,
        admin,
        service,
        held_on=day - timedelta(days=35),
        place="Forum konsultasi publik di aula OPD",
        participants=30,
        summary="Perwakilan warga, tokoh masyarakat dan akademisi membahas rancangan standar.",
    )
    standards.approve(
        session,
        admin,
        service,
        "Masukan warga telah dibahas dan dituangkan dalam komponen standar.",
    )


def _submission(rng: random.Random, category: str, kecamatan: list[tuple[str, str]]) -> Submission:
    title, body = rng.choice(MATTERS[category][1])
    code, name = rng.choice(kecamatan)
    desa = rng.choice(DESA)
    anonymous = rng.random() < 0.15
    confidential = not anonymous and rng.random() < 0.1
    reporter = None if anonymous else rng.choice(NAMES)
    return Submission(
        classification="whistleblowing"
        if "Calo" in title or "Pungutan" in title
        else rng.choice(("complaint", "complaint", "complaint", "aspiration", "information")),
        category=category,
        title=title.format(desa=desa, kec=name),
        body=body.format(desa=desa, kec=name),
        kecamatan_code=code,
        kelurahan=desa,
        anonymous=anonymous,
        confidential=confidential,
        reporter_name=reporter,
        reporter_contact=None if anonymous else f"08{rng.randrange(10**9, 10**10)}",
    )


def _complaints(
    session: Session,
    admin: Any,
    region_code: str,
    units: dict[str, OrgUnit],
    rng: random.Random,
) -> int:
    kecamatan = [(r.code, r.name) for r in regions_under(region_code)]
    if not kecamatan:
        return 0
    categories = [c for c in MATTERS if MATTERS[c][0] in units]
    made = 0
    originals: list[Complaint] = []
    for outcome, count in PLAN:
        for _ in range(count):
            category = rng.choice(categories)
            form = _submission(rng, category, kecamatan)
            first = rng.choice(originals) if outcome == "duplicate" and originals else None
            if first is not None:
                # The same matter, again, from a neighbour.
                form = replace(
                    form,
                    category=first.category,
                    title=first.title,
                    body=first.body,
                    kecamatan_code=first.kecamatan_code,
                    kelurahan=first.kelurahan,
                )
            complaint, _code = complaints.submit(
                session, form, [], regency_code=region_code, channel=rng.choice(("web", "api"))
            )
            unit = units[MATTERS[complaint.category][0]]
            _walk(session, admin, complaint, outcome, unit=unit, first=first, rng=rng)
            if outcome in ("dispatched", "in_progress", "followed_up", "rated"):
                originals.append(complaint)
            _age(session, complaint, rng)
            made += 1
    return made


def _walk(
    session: Session,
    admin: Any,
    complaint: Complaint,
    outcome: str,
    *,
    unit: OrgUnit,
    first: Complaint | None,
    rng: random.Random,
) -> None:
    """Take a new complaint through the workflow to ``outcome``."""
    if outcome == "new":
        return
    if outcome == "duplicate":
        if first is not None:
            duplicates.mark(session, admin, complaint, first.id)
        return
    if outcome in ("verified", "on_hold", "declined", "archived"):
        decision = {
            "verified": ("verify", None),
            "on_hold": ("hold", "Mohon lengkapi alamat persis dan foto lokasi."),
            "declined": (
                "decline",
                "Jalan tersebut adalah jalan provinsi; laporan diteruskan ke pemerintah provinsi.",
            ),
            "archived": ("archive", "Laporan tidak memuat keluhan yang dapat ditindaklanjuti."),
        }[outcome]
        complaints.decide(session, admin, complaint, *decision)
        return
    complaints.decide(session, admin, complaint, "verify", None)
    (row,) = complaints.dispatch(
        session, admin, complaint, [unit.id], "Mohon ditindaklanjuti sesuai kewenangan."
    )
    if outcome == "dispatched":
        return
    complaints.respond(
        session,
        admin,
        row,
        "Laporan sudah diterima dan petugas dijadwalkan cek lokasi.",
        final=False,
    )
    if outcome == "in_progress":
        return
    complaints.respond(
        session,
        admin,
        row,
        "Petugas sudah menindaklanjuti di lokasi; masalah telah diselesaikan. Terima kasih.",
        final=True,
    )
    if outcome == "rated":
        complaints.rate(
            session,
            complaint,
            rng.choice((5, 5, 4, 4, 4, 3, 2, 1)),
            "Terima kasih atas tindak lanjutnya.",
        )
    elif outcome == "auto_closed":
        # The reply window passed (only these are followed up so far: the closing
        # step closes every complaint past its window).
        complaint.close_due = complaints.now(session).date() - timedelta(days=1)
        complaints.close_expired(session)


def _age(session: Session, complaint: Complaint, rng: random.Random) -> None:
    """Move the complaint's clock back, deadlines and history with it."""
    low, high = AGE.get(complaint.status, (3, SPAN_DAYS))
    back = timedelta(days=rng.randrange(low, high), hours=rng.randrange(0, 10))
    days = timedelta(days=back.days)
    complaint.submitted_at -= back
    complaint.verify_due -= days
    for name in ("verified_at", "followed_up_at", "closed_at"):
        value = getattr(complaint, name)
        if value is not None:
            setattr(complaint, name, value - back)
    if complaint.close_due is not None:
        complaint.close_due -= days
    session.flush()
    for row in session.scalars(select(Dispatch).where(Dispatch.complaint_id == complaint.id)):
        row.dispatched_at -= back
        row.due -= days
        if row.responded_at is not None:
            row.responded_at -= back
    session.execute(
        update(Event).where(Event.complaint_id == complaint.id).values(at=Event.at - back)
    )
    session.flush()


def _survey(session: Session, services: list[Service], rng: random.Random) -> int:
    today = complaints.now(session).date()
    made = 0
    for service in services:
        if service.status != "published":
            continue
        # Each service has its own level: most answers around it.
        level = rng.choice((3.6, 3.3, 3.0, 2.7))
        for _ in range(rng.randrange(40, 90)):
            answers = [max(1, min(4, round(rng.gauss(level, 0.6)))) for _element in ikm.ELEMENTS]
            if not ikm.valid_answers(answers):  # pragma: no cover - clamped to 1-4 above
                continue
            session.add(
                SurveyResponse(
                    service_id=service.id,
                    answered_on=today - timedelta(days=rng.randrange(0, SURVEY_DAYS)),
                    answers=answers,
                )
            )
            made += 1
    session.flush()
    return made


def _assign_demo_users(session: Session, units: dict[str, OrgUnit]) -> None:
    """The demo's OPD users act for Dinas Kesehatan and Disdukcapil."""
    chosen = [units[c].id for c in ("1.02", "2.12") if c in units]
    if not chosen:
        return
    roles = [role_name(APP, key) for key in ("opd_liaison", "opd_head", "standards_editor")]
    for user in session.scalars(select(User).where(User.roles.overlap(roles))):
        set_member_units(session, user.id, APP, chosen, actor="demo")
