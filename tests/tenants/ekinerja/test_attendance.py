"""What a check-in reads in the statements it shares (the morning peak keeps them few):
the offices of the nearest unit that has some, the regency's time zone, and the
person linked to the caller's account."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.types.json import Jsonb
from smartcity.bootstrap import libpq_url
from smartcity.tenancy.names import schema_name
from smartcity.tenantcore.models import OrgUnit
from smartcity.tenantcore.settings import update_settings
from smartcity.toolkit import Conflict, NotFound
from sqlalchemy import select

from tenants.ekinerja import attendance
from tenants.ekinerja import settings as ekn_settings
from tenants.ekinerja.models import Office, Punch
from tests.conftest import bearer, tenant_token
from tests.support.ekinerja_pages import person, user

API = "/t/{slug}/api/v1/ekinerja"
DINAS = (-6.9175, 107.6191)
#: A square of about 220 m a side around the seksi's own building, ~1.1 km from the dinas.
SEKSI = ((-6.909, 107.619), (-6.909, 107.621), (-6.907, 107.621), (-6.907, 107.619))
IN_SEKSI = (-6.908, 107.620)


@pytest.fixture
def tree(provision, tenant_db):
    """dinas (a circle) > bidang (no office) > seksi (a polygon), one person in each of
    the lower two, each with a user."""
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        dinas = OrgUnit(code="1.02.01", name="Dinas Kesehatan", kind="dinas")
        s.add(dinas)
        s.flush()
        bidang = OrgUnit(code="1.02.01.1", name="Bidang P2P", kind="bidang", parent_id=dinas.id)
        s.add(bidang)
        s.flush()
        seksi = OrgUnit(code="1.02.01.1.1", name="Seksi Surveilans", kind="seksi")
        seksi.parent_id = bidang.id
        s.add(seksi)
        s.flush()
        circle = Office(
            org_unit_id=dinas.id, name="Dinas", latitude=DINAS[0], longitude=DINAS[1], radius_m=150
        )
        square = Office(
            org_unit_id=seksi.id,
            name="Seksi",
            latitude=IN_SEKSI[0],
            longitude=IN_SEKSI[1],
            radius_m=10,  # the polygon, not the radius, decides
            polygon=[list(p) for p in SEKSI],
        )
        s.add_all([circle, square])
        s.flush()
        in_bidang = person(s, "198609262015051001", "Bidang", bidang.id, 8)
        in_seksi = person(s, "198609262015051002", "Seksi", seksi.id, 8)
        user(s, "bidang@example.go.id", "ekinerja.staff", in_bidang)
        user(s, "seksi@example.go.id", "ekinerja.staff", in_seksi)
        ids = {
            "bidang": in_bidang.id,
            "seksi": in_seksi.id,
            "circle": circle.id,
            "square": square.id,
        }
    return slug, ids


def _punch(key: str, where: tuple[float, float], kind: str = "in") -> attendance.PunchIn:
    """A punch from a phone of its own (one phone for two people is flagged)."""
    return attendance.PunchIn(kind, key, where[0], where[1], 10, f"hp-{key}", None)


def test_the_nearest_unit_with_offices_fences_the_checkin(tree, tenant_db):
    slug, ids = tree
    with tenant_db(slug) as s:
        # The bidang has no office of its own: its parent's circle counts.
        at_dinas, _ = attendance.record_punch(s, ids["bidang"], _punch("a", DINAS), source="mobile")
        assert at_dinas.office_id == ids["circle"] and at_dinas.flags == []
        # The seksi has its own polygon: the dinas's circle above it no longer counts.
        inside, _ = attendance.record_punch(s, ids["seksi"], _punch("b", IN_SEKSI), source="mobile")
        assert inside.office_id == ids["square"] and inside.flags == []
        away, _ = attendance.record_punch(s, ids["seksi"], _punch("c", DINAS), source="mobile")
        assert away.office_id is None and "outside_geofence" in away.flags


def test_the_regency_time_zone_decides_the_day_and_a_change_counts_at_once(tree, tenant_db):
    slug, ids = tree
    # 16:30 UTC is 23:30 in Jakarta (WIB) but 01:30 the next day in Jayapura (WIT).
    now = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    with tenant_db(slug) as s:
        wib, _ = attendance.record_punch(
            s, ids["bidang"], _punch("wib", DINAS), source="mobile", now=now
        )
        assert wib.day == date(2026, 3, 2)
    with tenant_db(slug) as s:
        update_settings(s, actor="tests", timezone="Asia/Jayapura")
    with tenant_db(slug) as s:
        wit, _ = attendance.record_punch(
            s, ids["bidang"], _punch("wit", DINAS), source="mobile", now=now
        )
        assert wit.day == date(2026, 3, 3)


def test_locking_someone_who_is_not_there(tree, tenant_db):
    slug, ids = tree
    with tenant_db(slug) as s:
        assert attendance.lock_own(s, 10**12) is None
        with pytest.raises(NotFound):
            attendance.lock_staff(s, 10**12)
        locked = attendance.lock_staff(s, ids["seksi"])
        # A person locked for someone else is never recorded under another's id.
        with pytest.raises(ValueError, match="not the one punching"):
            attendance.record_punch(
                s, ids["bidang"], _punch("x", DINAS), source="mobile", person=locked
            )
        # Nor under a source the day records and the recap do not know.
        with pytest.raises(ValueError, match="unknown punch source 'fingerprint'"):
            attendance.record_punch(s, ids["seksi"], _punch("y", DINAS), source="fingerprint")


def test_a_checkin_through_the_api_is_the_callers_own(client, provision, tree, tenant_db):
    """The account lookup is folded into the lock: the punch is the caller's, in the
    caller's regency, whatever else a hostile client sends."""
    slug, ids = tree
    token = bearer(tenant_token(client, slug, "seksi@example.go.id"))
    body = {
        "kind": "in",
        "idempotency_key": "api-1",
        "latitude": IN_SEKSI[0],
        "longitude": IN_SEKSI[1],
        "device_id": "hp-seksi",
        "staff_id": ids["bidang"],  # not a field of a check-in: ignored
    }
    made = client.post(API.format(slug=slug) + "/punches", json=body, headers=token)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["flags"] == []
    with tenant_db(slug) as s:
        assert len(attendance.days_of(s, ids["seksi"], date(2000, 1, 1), date(2100, 1, 1))) == 1
        assert attendance.days_of(s, ids["bidang"], date(2000, 1, 1), date(2100, 1, 1)) == []
    # The same token on another regency is nobody there.
    other = provision(apps=("ekinerja",))
    body["idempotency_key"] = "api-2"
    assert (
        client.post(API.format(slug=other) + "/punches", json=body, headers=token).status_code
        == 401
    )


def test_an_office_or_settings_change_made_elsewhere_counts_at_the_next_checkin(
    client, tree, tenant_db, settings
):
    """Nothing of the regency is cached between check-ins: a new office added by
    another session, and a policy changed over another connection altogether (as
    another worker or process would), are both seen by the very next check-in."""
    slug, _ids = tree
    token = bearer(tenant_token(client, slug, "bidang@example.go.id"))
    away = (-6.95, 107.65)  # ~5 km from the dinas

    def check_in(key: str) -> Any:
        body = {
            "kind": "in",
            "idempotency_key": key,
            "latitude": away[0],
            "longitude": away[1],
            "device_id": "hp-bidang",
        }
        return client.post(API.format(slug=slug) + "/punches", json=body, headers=token)

    first = check_in("k-1")
    assert first.status_code == 201 and "outside_geofence" in first.get_json()["flags"]
    with tenant_db(slug) as s:
        dinas = s.scalar(select(OrgUnit.id).where(OrgUnit.code == "1.02.01"))
        s.add(
            Office(
                org_unit_id=dinas,
                name="Puskesmas",
                latitude=away[0],
                longitude=away[1],
                radius_m=100,
            )
        )
    second = check_in("k-2")
    assert second.status_code == 201 and second.get_json()["flags"] == []
    with psycopg.connect(libpq_url(settings.DATABASE_URL), autocommit=True) as other:
        # The office moves ~110 km away, and outside every fence is now refused.
        other.execute(
            f'UPDATE "{schema_name(slug)}".ekn_offices SET latitude = latitude + 1 WHERE name = %s',
            ("Puskesmas",),
        )
        other.execute(
            f'INSERT INTO "{schema_name(slug)}".ekn_settings (id, values) VALUES (1, %s) '
            "ON CONFLICT (id) DO UPDATE SET values = excluded.values",
            (Jsonb({"geofence_policy": "refuse"}),),
        )
    third = check_in("k-3")
    assert third.status_code == 422, third.get_json()
    assert "geofence" in third.get_json()["error"]["message"]


def test_an_offline_punch_for_a_closed_month_is_refused(tree, tenant_db):
    """A phone may hold punches for weeks where the regency allows it; once the
    punch's month has closed (past its cutoff day, or its TPP locked) it is refused,
    as a fingerprint file's punch is skipped, and nothing is written. A punch of the
    open month in the same upload still counts."""
    slug, ids = tree
    wib = ZoneInfo("Asia/Jakarta")
    now = datetime(2026, 3, 10, 10, 0, tzinfo=wib)

    def offline(key: str, when: datetime) -> attendance.PunchIn:
        return attendance.PunchIn("in", key, DINAS[0], DINAS[1], 10, "hp-off", device_time=when)

    with tenant_db(slug) as s:
        ekn_settings.update(s, {"offline_window_hours": 24 * 31, "cutoff_day": 5}, actor="t")
    with tenant_db(slug) as s:
        with pytest.raises(Conflict) as refused:
            attendance.record_punch(
                s,
                ids["bidang"],
                offline("feb", datetime(2026, 2, 27, 7, 20, tzinfo=wib)),
                source="offline",
                now=now,
            )
        assert refused.value.fields == {"day": "month closed"}
        made, created = attendance.record_punch(
            s,
            ids["bidang"],
            offline("mar", datetime(2026, 3, 9, 7, 20, tzinfo=wib)),
            source="offline",
            now=now,
        )
        assert created and made.day == date(2026, 3, 9)
    with tenant_db(slug) as s:
        keys = s.scalars(select(Punch.idempotency_key).where(Punch.staff_id == ids["bidang"]))
        assert list(keys) == ["mar"]
