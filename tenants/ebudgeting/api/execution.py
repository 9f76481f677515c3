"""Execution: cash plans, SP2D payments (typed in or imported) and execution."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, request
from smartcity.toolkit import (
    InvalidInput,
    query_int,
    translate,
    upload_runs_as_job,
)

from tenants.ebudgeting import (
    ceilings,
    execution,
    planning,
    stages,
    years,
)
from tenants.ebudgeting.access import PAYMENTS
from tenants.ebudgeting.api.common import (
    caller,
    json_response,
    spec,
)
from tenants.ebudgeting.execution import payment_jobs
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.models import (
    FiscalYear,
    PaymentUpload,
    SubActivity,
)
from tenants.ebudgeting.schemas import (
    CashPlanIn,
    CashPlanOut,
    ImportOut,
    ImportProblemOut,
    MonthOut,
    PaymentIn,
    PaymentList,
    PaymentOut,
    PaymentUploadOut,
    RealizationOut,
    RealizationRowOut,
)

# --------------------------------------------------------------------------- realization


def _cash_plan(sub: SubActivity) -> CashPlanOut:
    fiscal_year = g.db.get(FiscalYear, sub.fiscal_year_id)
    basis = execution.cash_plan_basis(g.db, fiscal_year)
    return CashPlanOut(
        sub_activity_id=sub.id,
        amounts=execution.cash_plan_of(g.db, sub.id),
        basis_stage=basis.stage if basis else None,
        basis_amount=execution.snapshot_amount(g.db, basis, sub.id) if basis else None,
    )


@spec.route(
    "GET",
    "/sub-activities/<id:sub_activity_id>/cash-plan",
    "The monthly cash plan (anggaran kas) and the amount it must add up to",
    response=CashPlanOut,
    errors=(404,),
)
def get_cash_plan(sub_activity_id: int) -> tuple[Response, int]:
    return json_response(_cash_plan(planning.get_sub_activity(g.db, sub_activity_id, caller())))


@spec.route(
    "PUT",
    "/sub-activities/<id:sub_activity_id>/cash-plan",
    "Set the twelve monthly amounts (they must add up to the adopted budget)",
    body=CashPlanIn,
    response=CashPlanOut,
    errors=(403, 404, 409),
)
def put_cash_plan(body: CashPlanIn, sub_activity_id: int) -> tuple[Response, int]:
    actor = caller()
    execution.set_cash_plan(g.db, sub_activity_id, body.amounts, actor=actor)
    return json_response(_cash_plan(planning.get_sub_activity(g.db, sub_activity_id, actor)))


def payment_out(payment: Any, sub: SubActivity) -> PaymentOut:
    return PaymentOut(
        id=payment.id,
        sp2d_number=payment.sp2d_number,
        paid_on=payment.paid_on,
        sub_activity_id=sub.id,
        sub_kegiatan_code=sub.sub_kegiatan_code,
        org_unit_id=sub.org_unit_id,
        account_code=payment.account_code,
        amount=payment.amount,
        description=payment.description,
    )


@spec.route(
    "GET",
    "/years/<year:year>/payments",
    "Recent SP2D payments (?limit=, at most 1000)",
    response=PaymentList,
    errors=(404,),
)
def list_payments(year: int) -> tuple[Response, int]:
    actor = caller()
    fiscal_year = years.get_year(g.db, year)
    limit = query_int("limit", 200, low=1, high=1000) or 200
    rows = execution.payments(g.db, fiscal_year, actor, limit=limit)
    return json_response(PaymentList(payments=[payment_out(p, s) for p, s in rows]))


@spec.route(
    "POST",
    "/years/<year:year>/payments",
    "Record one SP2D payment against a DPA line",
    body=PaymentIn,
    response=PaymentOut,
    status=201,
    errors=(403, 404, 409),
)
def create_payment(body: PaymentIn, year: int) -> tuple[Response, int]:
    actor = caller()
    fiscal_year = years.get_year(g.db, year)
    payment = execution.record_payment(
        g.db,
        fiscal_year,
        sp2d_number=body.sp2d_number,
        paid_on=body.paid_on,
        sub_activity_id=body.sub_activity_id,
        account_code=body.account_code,
        amount=body.amount,
        description=body.description,
        actor=actor,
    )
    return json_response(
        payment_out(payment, planning.get_sub_activity(g.db, body.sub_activity_id, actor)), 201
    )


@spec.route(
    "POST",
    "/years/<year:year>/payments/import",
    "Import SP2D payments: multipart/form-data with a CSV or XLSX 'file' (all rows or none). "
    "A file above UPLOAD_JOB_BYTES is imported by a job: the answer is 202 with the "
    "PaymentUploadOut to follow at /years/<year>/payments/uploads/<upload_id>",
    response=ImportOut,
    status=201,
    errors=(403, 404, 409, 413, 422),
)
def import_payments(year: int) -> tuple[Response, int]:
    actor = caller()
    fiscal_year = years.get_year(g.db, year)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput(
            _m("send the payment file as the form field 'file'"), {"file": _m("required")}
        )
    data = upload.read(execution.MAX_IMPORT_BYTES + 1)
    if upload_runs_as_job(data):
        stored = payment_jobs.start(g.db, fiscal_year, upload.filename, data, actor=actor)
        return json_response(_upload_out(stored), 202)
    try:
        result = execution.import_payments(g.db, fiscal_year, upload.filename, data, actor=actor)
    except execution.ImportRejected as exc:
        response = jsonify(
            error={
                "code": exc.code,
                "message": exc.message,
                "fields": exc.fields,
                "problems": [p.as_dict() for p in exc.problems],
            }
        )
        return response, exc.status
    return json_response(
        ImportOut(import_id=result.import_id, rows=result.rows, total=result.total), 201
    )


def _upload_out(stored: PaymentUpload) -> PaymentUploadOut:
    refusal = payment_jobs.refusal(stored)
    return PaymentUploadOut(
        upload_id=stored.id,
        status=stored.status,
        job_id=stored.job_id,
        import_id=stored.import_id,
        message=translate(refusal) if refusal is not None else None,
        problems=[
            ImportProblemOut(row=p["row"], column=p["column"], message=translate(p["message"]))
            for p in payment_jobs.problems(stored)
        ],
    )


@spec.route(
    "GET",
    "/years/<year:year>/payments/uploads/<id:upload_id>",
    "A big payment file a job imports: checking, then imported, rejected or refused",
    response=PaymentUploadOut,
    errors=(403, 404),
)
def get_payment_upload(year: int, upload_id: int) -> tuple[Response, int]:
    caller().require(PAYMENTS)
    fiscal_year = years.get_year(g.db, year)
    return json_response(_upload_out(payment_jobs.get_upload(g.db, fiscal_year, upload_id)), 200)


@spec.route(
    "GET",
    "/years/<year:year>/realization",
    "Realization against the DPA per OPD, program and month (?org_unit_id=)",
    response=RealizationOut,
    errors=(404,),
)
def get_realization(year: int) -> tuple[Response, int]:
    actor = caller()
    fiscal_year = years.get_year(g.db, year)
    unit = query_int("org_unit_id")
    basis = stages.execution_snapshot(g.db, fiscal_year)

    def rows(items: list[execution.RealizationRow]) -> list[RealizationRowOut]:
        return [
            RealizationRowOut(
                code=r.code, name=r.name, budget=r.budget, realized=r.realized, percent=r.percent
            )
            for r in items
        ]

    opd_rows = execution.by_opd(g.db, fiscal_year, actor)
    if unit is not None:
        actor.require_unit(unit)
        codes = {u.code for u in ceilings.list_opds(g.db) if u.id == unit}
        opd_rows = [r for r in opd_rows if r.code in codes]
    return json_response(
        RealizationOut(
            year=year,
            basis_stage=basis.stage if basis else None,
            by_opd=rows(opd_rows),
            by_program=rows(execution.by_program(g.db, fiscal_year, actor, unit)),
            by_month=[
                MonthOut(
                    month=m.month,
                    planned=m.planned,
                    realized=m.realized,
                    planned_cumulative=m.planned_cumulative,
                    realized_cumulative=m.realized_cumulative,
                )
                for m in execution.by_month(g.db, fiscal_year, actor, unit)
            ],
        )
    )
