"""Fiscal years and each OPD's pagu."""

from __future__ import annotations

from flask import Response, g

from tenants.ebudgeting import (
    ceilings,
    kua_ppas,
    years,
)
from tenants.ebudgeting.api.common import (
    caller,
    json_response,
    spec,
    year_out,
)
from tenants.ebudgeting.models import FiscalYear
from tenants.ebudgeting.schemas import (
    CeilingList,
    CeilingOut,
    CeilingSet,
    KuaPpasIn,
    KuaPpasOut,
    ProgramCeilingOut,
    ProgramCeilingSet,
    YearCreate,
    YearList,
    YearOut,
)

# --------------------------------------------------------------------------- years and pagu


@spec.route("GET", "/years", "Fiscal years and their stage", response=YearList)
def list_years() -> tuple[Response, int]:
    caller()
    return json_response(YearList(years=[year_out(y) for y in years.list_years(g.db)]))


@spec.route(
    "POST",
    "/years",
    "Open a fiscal year (TAPD)",
    body=YearCreate,
    response=YearOut,
    status=201,
    errors=(403, 409),
)
def create_year(body: YearCreate) -> tuple[Response, int]:
    fiscal_year = years.create_fiscal_year(g.db, body.year, actor=caller())
    return json_response(year_out(fiscal_year), 201)


@spec.route(
    "GET",
    "/years/<year:year>/ceilings",
    "Each OPD's pagu beside what its sub-activities were given and planned",
    response=CeilingList,
    errors=(404,),
)
def list_ceilings(year: int) -> tuple[Response, int]:
    actor = caller()
    fiscal_year = years.get_year(g.db, year)
    rows = ceilings.opd_totals(g.db, fiscal_year, actor)
    return json_response(
        CeilingList(
            year=year,
            ceilings=[
                CeilingOut(
                    org_unit_id=r.unit.id,
                    org_unit_code=r.unit.code,
                    org_unit_name=r.unit.name,
                    pagu=r.pagu,
                    allocated=r.allocated,
                    planned=r.planned,
                    sub_activities=r.sub_activities,
                )
                for r in rows
            ],
        )
    )


@spec.route(
    "PUT",
    "/years/<year:year>/ceilings/<id:org_unit_id>",
    "Set an OPD's pagu (TAPD)",
    body=CeilingSet,
    response=CeilingOut,
    errors=(403, 404),
)
def set_ceiling(body: CeilingSet, year: int, org_unit_id: int) -> tuple[Response, int]:
    actor = caller()
    fiscal_year = years.get_year(g.db, year)
    ceilings.set_ceiling(
        g.db,
        fiscal_year,
        org_unit_id,
        body.amount,
        actor=actor,
        override_reason=body.override_reason,
    )
    row = next(r for r in ceilings.opd_totals(g.db, fiscal_year, actor) if r.unit.id == org_unit_id)
    return json_response(
        CeilingOut(
            org_unit_id=row.unit.id,
            org_unit_code=row.unit.code,
            org_unit_name=row.unit.name,
            pagu=row.pagu,
            allocated=row.allocated,
            planned=row.planned,
            sub_activities=row.sub_activities,
        )
    )


# --------------------------------------------------------------------------- KUA-PPAS


def _kua_ppas_out(fiscal_year: FiscalYear) -> KuaPpasOut:
    actor = caller()
    agreement = years.agreement_of(g.db, fiscal_year)
    return KuaPpasOut(
        year=fiscal_year.year,
        agreed=agreement is not None,
        document_number=agreement.document_number if agreement else None,
        document_date=agreement.document_date if agreement else None,
        total=agreement.total if agreement else None,
        agreed_by=agreement.agreed_by if agreement else None,
        agreed_at=agreement.agreed_at if agreement else None,
        ceilings_fixed=years.ceilings_fixed(g.db, fiscal_year) is not None,
        programs=[
            ProgramCeilingOut(
                org_unit_id=row.org_unit_id,
                org_unit_name=row.org_unit_name,
                program_code=row.program_code,
                program_name=row.program_name,
                ceiling=row.ceiling,
                planned=row.planned,
            )
            for row in kua_ppas.program_rows(g.db, fiscal_year, actor)
        ],
    )


@spec.route(
    "GET",
    "/years/<year:year>/kua-ppas",
    "The KUA-PPAS agreement and each program's PPAS ceiling beside its planned lines",
    response=KuaPpasOut,
    errors=(404,),
)
def get_kua_ppas(year: int) -> tuple[Response, int]:
    return json_response(_kua_ppas_out(years.get_year(g.db, year)))


@spec.route(
    "POST",
    "/years/<year:year>/kua-ppas",
    "Record the KUA-PPAS agreement: its number and date fix the ceilings (TAPD chair)",
    body=KuaPpasIn,
    response=KuaPpasOut,
    status=201,
    errors=(403, 404, 409),
)
def agree_kua_ppas(body: KuaPpasIn, year: int) -> tuple[Response, int]:
    fiscal_year = years.get_year(g.db, year)
    kua_ppas.agree(g.db, fiscal_year, body.document_number, body.document_date, actor=caller())
    return json_response(_kua_ppas_out(fiscal_year), 201)


@spec.route(
    "PUT",
    "/years/<year:year>/program-ceilings",
    "Set the PPAS ceiling of one program of an OPD; 0 removes it (TAPD)",
    body=ProgramCeilingSet,
    response=KuaPpasOut,
    errors=(403, 404, 409),
)
def set_program_ceiling(body: ProgramCeilingSet, year: int) -> tuple[Response, int]:
    fiscal_year = years.get_year(g.db, year)
    kua_ppas.set_program_ceiling(
        g.db, fiscal_year, body.org_unit_id, body.program_code, body.amount, actor=caller()
    )
    return json_response(_kua_ppas_out(fiscal_year))
