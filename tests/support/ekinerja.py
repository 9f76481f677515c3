"""A small regency with e-Kinerja for tests of its attendance sources: two units, a
head, a worker they supervise, a teacher of another unit, a unit admin of the health
unit and the regency's BKPSDM admin, each with a user and an API token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from smartcity.auth.passwords import hash_password
from smartcity.tenantcore.memberships import set_units
from smartcity.tenantcore.models import OrgUnit, Staff, User

from tenants.ekinerja.models import Account, Office
from tests.conftest import PASSWORD, bearer, tenant_token

API = "/t/{slug}/api/v1/ekinerja"
OFFICE = (-6.9175, 107.6191)


@dataclass
class Regency:
    slug: str
    ids: dict[str, int]
    tokens: dict[str, dict[str, str]]

    @property
    def api(self) -> str:
        return API.format(slug=self.slug)


def _person(session, nip, name, unit, *, supervisor=None):
    person = Staff(
        nip=nip,
        name=name,
        status="PNS",
        golongan="III/a",
        position="Analis",
        position_class=8,
        unit_id=unit,
        supervisor_id=supervisor,
        sex="1",
        birth_date=date(1986, 9, 26),
    )
    session.add(person)
    session.flush()
    return person


def _user(session, email, role, staff=None):
    user = User(email=email, name=email, password_hash=hash_password(PASSWORD), roles=[role])
    session.add(user)
    session.flush()
    if staff is not None:
        session.add(Account(staff_id=staff.id, user_id=user.id))
    return user


def make_regency(provision, tenant_db, client) -> Regency:
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        dinkes = OrgUnit(code="1.02.01", name="Dinas Kesehatan", kind="dinas")
        disdik = OrgUnit(code="1.01.01", name="Dinas Pendidikan", kind="dinas")
        s.add_all([dinkes, disdik])
        s.flush()
        head = _person(s, "197001101992011001", "Kadis", dinkes.id)
        worker = _person(s, "198609262015051001", "Pegawai", dinkes.id, supervisor=head.id)
        other = _person(s, "198001012005011002", "Guru", disdik.id)
        _user(s, "kadis@example.go.id", "ekinerja.supervisor", head)
        _user(s, "pegawai@example.go.id", "ekinerja.staff", worker)
        _user(s, "guru@example.go.id", "ekinerja.supervisor", other)
        admin = _user(s, "admin-dinkes@example.go.id", "ekinerja.unit_admin")
        set_units(s, admin.id, "ekinerja", {dinkes.id}, actor="test")
        _user(s, "bkpsdm@example.go.id", "ekinerja.bkpsdm_admin")
        s.add(
            Office(
                org_unit_id=dinkes.id,
                name="Kantor",
                latitude=OFFICE[0],
                longitude=OFFICE[1],
                radius_m=150,
            )
        )
        s.flush()
        ids = {
            "head": head.id,
            "worker": worker.id,
            "other": other.id,
            "dinkes": dinkes.id,
            "disdik": disdik.id,
        }
    tokens = {
        who: bearer(tenant_token(client, slug, f"{who}@example.go.id"))
        for who in ("kadis", "pegawai", "guru", "bkpsdm", "admin-dinkes")
    }
    return Regency(slug, ids, tokens)
