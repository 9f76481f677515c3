"""Roster import of 10,000 staff: upload (parse + per-row validation) and apply (upsert).

Prints the seconds of each step for a fresh roster (10,000 inserts), for the same
file again (nothing changes), and for a file where every row changed (10,000
updates). Goal (issue 3): 10,000 rows import in seconds.

    .venv/bin/python bench/roster_import.py
"""

from __future__ import annotations

import random
import time
from datetime import date

from _common import bench_database, create_bench_app, provision_batch, state_of
from smartcity.db import db, tenant_bind
from smartcity.tenancy.names import role_name, schema_name
from smartcity.tenantcore import orgunits, roster

ROWS = 10_000
HEADER = "nip,nama,status,golongan,jabatan,kelas_jabatan,eselon,kode_unit,nip_atasan"


def roster_csv(rows: int, golongan: str) -> bytes:
    rng = random.Random(7)
    lines, taken, first = [HEADER], set(), ""
    while len(lines) <= rows:
        birth = date(rng.randint(1966, 1999), rng.randint(1, 12), rng.randint(1, 28))
        nip = f"{birth:%Y%m%d}{birth.year + 24}{rng.randint(1, 12):02d}1{rng.randint(1, 999):03d}"
        if nip in taken:
            continue
        taken.add(nip)
        supervisor, first = first, first or nip  # everyone reports to the first person
        lines.append(f"{nip},Pegawai {len(lines)},PNS,{golongan},Analis,8,,4.01.01,{supervisor}")
    return ("\n".join(lines) + "\n").encode()


def timed_import(bind, content: bytes) -> tuple[float, float, dict[str, int]]:
    session = db.session(bind=bind)
    try:
        start = time.perf_counter()
        record = roster.upload(session, filename="roster.csv", content=content, actor="bench")
        uploaded = time.perf_counter()
        assert record.status == "ready", record.problems[:3]
        summary = roster.apply(session, record, actor="bench")
        session.commit()
        return uploaded - start, time.perf_counter() - uploaded, summary
    finally:
        session.close()


def main() -> None:
    with bench_database() as settings:
        state = state_of(create_bench_app(settings))
        provision_batch(state, ["roster"], [])
        bind = tenant_bind(
            db.engine, schema_name("roster"), role_name(settings.role_prefix, "roster")
        )
        session = db.session(bind=bind)
        setda = orgunits.create_unit(
            session,
            code="4.01",
            name="Sekretariat Daerah",
            kind="sekretariat_daerah",
            regency_code="33.18",
            actor="b",
        )
        orgunits.create_unit(
            session,
            code="4.01.01",
            name="Bagian Umum",
            kind="bagian",
            parent_id=setda.id,
            regency_code="33.18",
            actor="b",
        )
        session.commit()
        session.close()
        fresh = roster_csv(ROWS, "III/a")
        promoted = roster_csv(ROWS, "III/b")
        print(f"roster import of {ROWS:,} rows ({len(fresh) / 1e6:.1f} MB CSV)")
        for label, content in (
            ("new roster", fresh),
            ("same file again", fresh),
            ("every row changed", promoted),
        ):
            upload_s, apply_s, summary = timed_import(bind, content)
            print(
                f"  {label:18} upload+validate {upload_s:5.2f} s   apply {apply_s:5.2f} s   "
                f"total {upload_s + apply_s:5.2f} s   {summary}"
            )
        print("goal: 10,000 rows in seconds")


if __name__ == "__main__":
    main()
