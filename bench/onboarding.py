"""The system's part of onboarding a regency outside the demo list (issue 10).

One run, timed step by step: provisioning Kabupaten Sleman (34.04) with every
installed app and its first admin invited (``provision_tenant``, commit included),
the org-unit import of a file with the standard perangkat daerah and Sleman's 17
kecamatan (read + check, then apply), and the roster import of 1,000 staff spread
over those units (upload = read + validation, then apply). Goal: < 10 s in total.

    .venv/bin/python bench/onboarding.py
"""

from __future__ import annotations

import csv
import io
import random
import time
from datetime import date

from _common import APPS, bench_database, create_bench_app, state_of
from smartcity.db import db, tenant_bind
from smartcity.tenancy.names import role_name, schema_name
from smartcity.tenancy.provisioning import TenantRequest, provision_tenant
from smartcity.tenantcore import orgunit_import, roster

SLUG, REGION = "sleman", "34.04"
STAFF = 1_000
GOAL_S = 10.0
ROSTER_HEADER = "nip,nama,status,golongan,jabatan,kelas_jabatan,eselon,kode_unit,nip_atasan"


def units_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(orgunit_import.COLUMNS)
    for row in orgunit_import.standard_rows(REGION):
        writer.writerow(
            [
                row["code"],
                row["name"],
                row["kind"],
                row.get("parent_code", ""),
                row.get("region_code", ""),
            ]
        )
    return buffer.getvalue().encode()


def roster_csv(unit_codes: list[str]) -> bytes:
    rng = random.Random(10)
    lines, taken = [ROSTER_HEADER], set()
    while len(lines) <= STAFF:
        birth = date(rng.randint(1966, 1999), rng.randint(1, 12), rng.randint(1, 28))
        nip = f"{birth:%Y%m%d}{birth.year + 24}{rng.randint(1, 12):02d}1{rng.randint(1, 999):03d}"
        if nip in taken:
            continue
        taken.add(nip)
        unit = unit_codes[len(lines) % len(unit_codes)]
        lines.append(f"{nip},Pegawai {len(lines)},PNS,III/a,Analis,8,,{unit},")
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    with bench_database() as settings:
        app = create_bench_app(settings)
        state = state_of(app)
        timings: dict[str, float] = {}
        with app.test_request_context("/"):
            start = time.perf_counter()
            with db.platform_transaction() as session:
                provision_tenant(
                    session,
                    TenantRequest(
                        slug=SLUG,
                        name="Kabupaten Sleman",
                        region_code=REGION,
                        admin_email="admin@slemankab.go.id",
                        admin_password="",  # invited: the letter is queued after the commit
                        apps=tuple(m.name for m in state.registry),
                    ),
                    registry=state.registry,
                    migrations=state.migrations,
                    role_prefix=settings.role_prefix,
                    actor="bench",
                )
            timings["provision (every app, invited admin)"] = time.perf_counter() - start

        bind = tenant_bind(db.engine, schema_name(SLUG), role_name(settings.role_prefix, SLUG))
        content = units_csv()
        session = db.session(bind=bind)
        try:
            start = time.perf_counter()
            rows = orgunit_import.read_rows("opd.csv", content)
            plan = orgunit_import.check(session, rows, regency_code=REGION)
            assert not plan.problems, plan.problems[:3]
            checked = time.perf_counter()
            counts = orgunit_import.apply(
                session, rows, regency_code=REGION, actor="bench", source="opd.csv"
            )
            session.commit()
            timings[f"org units: read + check ({len(rows)} rows)"] = checked - start
            timings[f"org units: apply ({counts['created']} created)"] = (
                time.perf_counter() - checked
            )
            leaves = [r["code"] for r in rows if r.get("parent_code")]

            staff = roster_csv(leaves)
            start = time.perf_counter()
            record = roster.upload(session, filename="roster.csv", content=staff, actor="bench")
            assert record.status == "ready", record.problems[:3]
            uploaded = time.perf_counter()
            summary = roster.apply(session, record, actor="bench")
            session.commit()
            timings[f"roster: upload + validate ({STAFF:,} staff)"] = uploaded - start
            timings[f"roster: apply ({summary['created']:,} created)"] = (
                time.perf_counter() - uploaded
            )
        finally:
            session.close()

    total = sum(timings.values())
    print(f"apps: {', '.join(APPS)}")
    for label, seconds in timings.items():
        print(f"  {label:48} {seconds:7.3f} s")
    print(f"  {'total':48} {total:7.3f} s")
    verdict = "MET" if total < GOAL_S else "NOT MET"
    print(f"RESULT onboarding total {total:.2f} s (goal < {GOAL_S:.0f} s): {verdict}")


if __name__ == "__main__":
    main()
