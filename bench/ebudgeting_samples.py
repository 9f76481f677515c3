"""The sample RKA and DPA of docs/samples/, made from the demo data (not a benchmark).

Set-up: a throwaway database, one regency (Kabupaten Pati, 33.18) seeded as ``smartcity
demo`` seeds it (OPDs, staff, e-Budgeting's 2026 through the DPA and 2027 in review).
Writes, for Dinas Kesehatan (1.02), the DPA-SKPD 2026 and the RKA-SKPD 2027 as PDF and
XLSX into docs/samples/ through the report's own build and renderers. The PNGs beside
them are pages of those PDFs at 72 dpi (``pdftoppm -f N -l N -r 72 -png``): the last
page shows the TAPD table and who signs (the PPKD on the DPA, the head on the RKA).

    .venv/bin/python bench/ebudgeting_samples.py
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from _common import ROOT, bench_database, create_bench_app, state_of
from _ebudgeting import BENCH_APPS, make_regency, tenant_session
from smartcity.demo_data import seed_regency
from smartcity.reports import Letterhead
from smartcity.reports.xlsx import render_xlsx
from smartcity.tenantcore.models import OrgUnit
from sqlalchemy import select

from tenants.ebudgeting import demo, years
from tenants.ebudgeting.access import system_actor
from tenants.ebudgeting.budget_documents import build_document
from tenants.ebudgeting.budget_pdf import render_budget_pdf

SLUG = "kab-pati"
REGION = "Kabupaten Pati"
OUT = ROOT / "docs" / "samples"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with bench_database(APPS=BENCH_APPS) as settings:
        app = create_bench_app(settings)
        state = state_of(app)
        with app.app_context():
            make_regency(state, SLUG)
            with tenant_session(state, SLUG) as session:
                seed_regency(session, "33.18", SLUG)
                session.commit()
            with tenant_session(state, SLUG) as session:
                demo.seed(session, "33.18")
                session.commit()
            head = Letterhead(
                REGION, datetime(2026, 12, 6, 2, tzinfo=UTC), ZoneInfo("Asia/Jakarta")
            )
            with tenant_session(state, SLUG) as session:
                unit = session.scalar(select(OrgUnit).where(OrgUnit.code == "1.02"))
                assert unit is not None
                for year, stage, name in ((2026, "dpa", "dpa-skpd"), (2027, "live", "rka-skpd")):
                    document = build_document(
                        session,
                        years.get_year(session, year),
                        stage,
                        unit,
                        region_name=REGION,
                        signing_place="Pati",
                        today=date(2026, 12, 6),
                        actor=system_actor("samples"),
                    )
                    stem = f"ebudgeting-{name}-{year}-dinas-kesehatan"
                    (OUT / f"{stem}.pdf").write_bytes(render_budget_pdf(document, head))
                    (OUT / f"{stem}.xlsx").write_bytes(render_xlsx(document, head))
                    print(f"wrote docs/samples/{stem}.pdf and .xlsx")


if __name__ == "__main__":
    main()
