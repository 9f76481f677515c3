"""Shared set-up for the public-services tests: OPDs, users per role, form stamps."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

from PIL import Image
from smartcity.public import HoneypotGuard
from smartcity.tenantcore import memberships, orgunits, users

from tenants.pelayanan.complaints import Submission

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
