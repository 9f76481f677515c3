"""The demo regencies: realistic, valid and idempotent."""

from __future__ import annotations

import json

import pytest
from smartcity.db import db
from smartcity.demo import DEMO_REGENCIES, seed_demo
from smartcity.tenancy.models import Tenant
from smartcity.tenantcore.models import OrgUnit, Staff, User
from smartcity.tenantcore.nip import parse_nip
from sqlalchemy import func, select

from tests.conftest import take_region


def _exists(slug: str) -> bool:
    with db.platform_transaction() as session:
        return session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None


# The demo seeds each app's data too, e-Kinerja a month of attendance for every civil
# servant (about 100,000 rows in a Java regency): minutes on a loaded machine.
@pytest.mark.timeout(900)
def test_demo_seeds_twelve_regencies_with_valid_staff_once(state, tenant_db, tmp_path):
    for code, slug in DEMO_REGENCIES:
        if not _exists(slug):
            take_region(code)  # earlier tests' tenants may hold the demo's regions
    lines: list[str] = []
    creds = tmp_path / "creds.json"
    seed_demo(state, str(creds), lines.append)
    assert (creds.stat().st_mode & 0o777) == 0o600
    stored = json.loads(creds.read_text())
    assert any(line.startswith("Operator console") for line in lines)
    for _code, slug in DEMO_REGENCIES:
        assert f"admin@{slug}.go.id" in stored
    with tenant_db("pati") as session:  # Java: thousands of staff
        staff = session.scalars(select(Staff)).all()
        assert 1800 <= len(staff) <= 3000
        assert all(parse_nip(s.nip, s.status) for s in staff[:500])
        assert {s.status for s in staff} == {"PNS", "CPNS", "PPPK"}
        assert (
            session.scalar(
                select(func.count()).select_from(OrgUnit).where(OrgUnit.kind == "kecamatan")
            )
            == 21
        )
        roles = {r for u in session.scalars(select(User)) for r in u.roles}
        assert {"admin", "member"} <= roles
    with tenant_db("majene") as session:  # outside Java: hundreds
        assert 500 <= session.scalar(select(func.count()).select_from(Staff)) <= 1200
    # A second run adds nothing and prints the same passwords.
    again: list[str] = []
    seed_demo(state, str(creds), again.append)
    assert json.loads(creds.read_text()) == stored
    with tenant_db("pati") as session:
        assert session.scalar(select(func.count()).select_from(Staff)) == len(staff)
