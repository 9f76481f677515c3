"""Request and response bodies of the e-budgeting JSON API.

Amounts travel as strings of digits (``"1250000.00"``) so no float ever rounds a
rupiah; requests accept a JSON number too.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field
from smartcity.toolkit import DbId


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Money = Decimal
OVERRIDE = Field(
    default=None,
    max_length=2000,
    description="TAPD only: a written reason to let this change break an overridable rule",
)


class YearCreate(Strict):
    year: int = Field(ge=2000, le=2100)


class YearOut(BaseModel):
    year: int
    stage: str | None = Field(description="last snapshot taken: rka, apbd, dpa, rka_p, dppa")
    revision_open: bool
    next_stage: str | None
    drafting_open: bool


class YearList(BaseModel):
    years: list[YearOut]


class CeilingSet(Strict):
    amount: Money = Field(ge=0, max_digits=17, decimal_places=2)
    override_reason: str | None = OVERRIDE


class CeilingOut(BaseModel):
    org_unit_id: int
    org_unit_code: str
    org_unit_name: str
    pagu: Money | None
    allocated: Money = Field(description="sum of its sub-activities' ceilings")
    planned: Money = Field(description="sum of its budget lines")
    sub_activities: int


class CeilingList(BaseModel):
    year: int
    ceilings: list[CeilingOut]


class SubActivityCreate(Strict):
    org_unit_id: DbId
    sub_kegiatan_code: str = Field(max_length=30, examples=["1.02.02.2.02.0001"])
    output_indicator: str | None = Field(default=None, max_length=400)
    target: Decimal = Field(gt=0, max_digits=16, decimal_places=2)
    target_unit: str | None = Field(default=None, max_length=60)
    location: str = Field(min_length=1, max_length=200)
    funding_source: str = Field(max_length=60, examples=["PAD"])
    ceiling: Money = Field(ge=0, max_digits=17, decimal_places=2)
    override_reason: str | None = OVERRIDE
    target_group: str = Field("", max_length=200, description="kelompok sasaran")
    implementation_period: str = Field(
        "", max_length=100, description="waktu pelaksanaan", examples=["Januari - Desember"]
    )
    sub_unit_id: DbId | None = Field(
        default=None,
        description="The OPD's sub-unit with a SIPD code that carries it (a puskesmas, a "
        "UPTD): SIPD takes it under that sub-unit; empty: the OPD itself",
    )


class SubActivityPatch(Strict):
    output_indicator: str | None = Field(default=None, max_length=400)
    target: Decimal | None = Field(default=None, gt=0, max_digits=16, decimal_places=2)
    target_unit: str | None = Field(default=None, max_length=60)
    location: str | None = Field(default=None, max_length=200)
    funding_source: str | None = Field(default=None, max_length=60)
    ceiling: Money | None = Field(default=None, ge=0, max_digits=17, decimal_places=2)
    override_reason: str | None = OVERRIDE
    target_group: str | None = Field(default=None, max_length=200)
    implementation_period: str | None = Field(default=None, max_length=100)
    sub_unit_id: DbId | None = Field(
        default=None,
        description="The OPD's sub-unit with a SIPD code that carries it; null: the OPD "
        "itself; left out, it stays",
    )


class SubActivityOut(BaseModel):
    id: int
    year: int
    org_unit_id: int
    sub_unit_id: int | None = Field(description="null: the OPD itself")
    sub_kegiatan_code: str
    name: str
    output_indicator: str
    target: Decimal
    target_unit: str
    location: str
    funding_source: str
    target_group: str
    implementation_period: str
    ceiling: Money
    total: Money = Field(description="sum of its lines")
    line_count: int
    status: str


class SubActivityList(BaseModel):
    sub_activities: list[SubActivityOut]


class FactorIn(Strict):
    quantity: Decimal = Field(gt=0, max_digits=14, decimal_places=4)
    unit: str = Field(min_length=1, max_length=30)


class LineCreate(Strict):
    catalogue_item_id: DbId
    account_code: str = Field(max_length=30, examples=["5.1.02.01.01.0024"])
    factors: list[FactorIn] | None = Field(
        default=None, min_length=1, max_length=4, description="e.g. 2 orang x 3 hari"
    )
    coefficient: str | None = Field(
        default=None, max_length=200, description="instead of factors: '2 orang x 3 hari'"
    )
    unit_price: Money | None = Field(
        default=None, gt=0, max_digits=17, decimal_places=2, description="default: the maximum"
    )
    description: str = Field(default="", max_length=500)
    override_reason: str | None = OVERRIDE


class LinePatch(Strict):
    catalogue_item_id: DbId | None = None
    account_code: str | None = Field(default=None, max_length=30)
    factors: list[FactorIn] | None = Field(default=None, min_length=1, max_length=4)
    coefficient: str | None = Field(default=None, max_length=200)
    unit_price: Money | None = Field(default=None, gt=0, max_digits=17, decimal_places=2)
    description: str | None = Field(default=None, max_length=500)
    override_reason: str | None = OVERRIDE


class LineOut(BaseModel):
    id: int
    sub_activity_id: int
    catalogue_item_id: int
    item_code: str
    item_name: str
    account_code: str
    description: str
    coefficient: str
    factors: list[FactorIn]
    volume: Decimal
    unit: str
    unit_price: Money
    max_price: Money
    amount: Money
    override_note: str | None


class ReviewEventOut(BaseModel):
    action: str
    from_status: str
    to_status: str
    note: str | None
    actor: str
    at: datetime


class SubActivityDetail(SubActivityOut):
    lines: list[LineOut]
    reviews: list[ReviewEventOut]


class LineList(BaseModel):
    lines: list[LineOut]


class ReviewIn(Strict):
    action: str = Field(description="submit, return, lock or reopen", examples=["return"])
    note: str | None = Field(
        default=None, max_length=4000, description="required to return (notes) and reopen"
    )


class OpdReviewIn(Strict):
    action: str = Field(description="submit or lock every sub-activity of the OPD")
    note: str | None = Field(default=None, max_length=4000)


class ReviewResult(BaseModel):
    sub_activities: list[SubActivityOut]


class NoteOut(BaseModel):
    sub_activity_id: int
    sub_kegiatan_code: str
    org_unit_id: int
    note: str | None
    actor: str
    at: datetime


class NoteList(BaseModel):
    notes: list[NoteOut]


class StageIn(Strict):
    stage: str = Field(description="rka, apbd, dpa, rka_p or dppa (only the next one)")
    document_number: str = Field(
        max_length=100,
        description="number of the document the stage is taken on (the circular on drafting "
        "the RKA, Perda APBD, DPA number, KUPA-PPAS agreement, DPPA number)",
    )
    document_date: date = Field(description="its date, in the budget year or the one before")
    elaboration_number: str | None = Field(
        None, max_length=100, description="APBD only: the Perkada on its elaboration"
    )


class SnapshotOut(BaseModel):
    stage: str
    total: Money
    line_count: int
    taken_by: str
    taken_at: datetime
    document_number: str | None
    document_date: date | None
    elaboration_number: str | None


class StageList(BaseModel):
    year: YearOut
    snapshots: list[SnapshotOut]


class LineValuesOut(BaseModel):
    account_code: str
    description: str
    coefficient: str
    volume: Decimal
    unit: str
    unit_price: Money
    amount: Money


class LineChangeOut(BaseModel):
    kind: str
    line_id: int
    sub_activity_id: int
    sub_kegiatan_code: str
    before: LineValuesOut | None
    after: LineValuesOut | None
    delta: Money


class SubActivityChangeOut(BaseModel):
    sub_activity_id: int
    org_unit_id: int
    sub_kegiatan_code: str
    name: str
    before: Money
    after: Money
    delta: Money


class DiffOut(BaseModel):
    from_stage: str
    to_stage: str
    total_before: Money
    total_after: Money
    delta: Money
    sub_activities: list[SubActivityChangeOut]
    lines: list[LineChangeOut]
    lines_truncated: bool


class CatalogueItemOut(BaseModel):
    id: int
    year: int
    code: str
    kind: str
    name: str
    specification: str
    unit: str
    max_price: Money
    account_codes: list[str]
    source: str
    status: str
    decision_note: str | None


class CatalogueList(BaseModel):
    items: list[CatalogueItemOut]


class CatalogueProposal(Strict):
    year: int = Field(ge=2000, le=2100)
    kind: str = Field(examples=["SSH"])
    name: str = Field(min_length=1, max_length=300)
    specification: str = Field(default="", max_length=500)
    unit: str = Field(min_length=1, max_length=40)
    max_price: Money = Field(gt=0, max_digits=17, decimal_places=2)
    account_codes: list[str] = Field(min_length=1, max_length=20)


class CatalogueDecision(Strict):
    approve: bool
    note: str | None = Field(default=None, max_length=2000)


class CashPlanIn(Strict):
    amounts: list[Money] = Field(min_length=12, max_length=12, description="January..December")


class CashPlanOut(BaseModel):
    sub_activity_id: int
    amounts: list[Money]
    basis_stage: str | None
    basis_amount: Money | None


class PaymentIn(Strict):
    sp2d_number: str = Field(min_length=1, max_length=60)
    paid_on: date
    sub_activity_id: DbId
    account_code: str = Field(max_length=30)
    amount: Money = Field(gt=0, max_digits=17, decimal_places=2)
    description: str = Field(default="", max_length=300)


class PaymentOut(BaseModel):
    id: int
    sp2d_number: str
    paid_on: date
    sub_activity_id: int
    sub_kegiatan_code: str
    org_unit_id: int
    account_code: str
    amount: Money
    description: str


class PaymentList(BaseModel):
    payments: list[PaymentOut]


class ImportOut(BaseModel):
    import_id: int
    rows: int
    total: Money


class ImportProblemOut(BaseModel):
    row: int
    column: str
    message: str


class PaymentUploadOut(BaseModel):
    """A big payment file a job imports: ``checking`` (follow ``job_id``), then
    ``imported`` (``import_id``), ``rejected`` (every bad row in ``problems``) or
    ``refused`` (a bound of the reader; ``message`` says which)."""

    upload_id: int
    status: str
    job_id: int | None
    import_id: int | None
    message: str | None
    problems: list[ImportProblemOut]


class RealizationRowOut(BaseModel):
    code: str
    name: str
    budget: Money
    realized: Money
    percent: Decimal


class MonthOut(BaseModel):
    month: int
    planned: Money
    realized: Money
    planned_cumulative: Money
    realized_cumulative: Money


class RealizationOut(BaseModel):
    year: int
    basis_stage: str | None
    by_opd: list[RealizationRowOut]
    by_program: list[RealizationRowOut]
    by_month: list[MonthOut]


class MemberIn(Strict):
    user_id: DbId
    org_unit_ids: list[DbId] = Field(max_length=50)


class MemberOut(BaseModel):
    user_id: int
    email: str
    name: str
    roles: list[str]
    org_unit_ids: list[int]


class MemberList(BaseModel):
    members: list[MemberOut]


class KuaPpasIn(Strict):
    document_number: str = Field(
        max_length=100, description="number of the Nota Kesepakatan KUA-PPAS"
    )
    document_date: date = Field(description="its date, in the budget year or the one before")


class ProgramCeilingSet(Strict):
    org_unit_id: DbId
    program_code: str = Field(max_length=30, description="a program of the nomenclature")
    amount: Money = Field(ge=0, max_digits=17, decimal_places=2, description="0 removes it")


class ProgramCeilingOut(BaseModel):
    org_unit_id: int
    org_unit_name: str
    program_code: str
    program_name: str
    ceiling: Money | None = Field(description="its PPAS ceiling; null: none set")
    planned: Money = Field(description="sum of its budget lines")


class KuaPpasOut(BaseModel):
    year: int
    agreed: bool
    document_number: str | None
    document_date: date | None
    total: Money | None = Field(description="the OPDs' pagu added up when agreed")
    agreed_by: str | None
    agreed_at: datetime | None
    ceilings_fixed: bool = Field(description="true once agreed, until the revision opens")
    programs: list[ProgramCeilingOut]


class TapdMemberIn(Strict):
    nip: str = Field(max_length=30, description="the NIP of a person of the regency's roster")
    role: str = Field(description="chair, secretary or member")
    is_ppkd: bool = Field(False, description="the PPKD, who signs the DPA (takes the mark)")


class TapdMemberOut(BaseModel):
    staff_id: int
    name: str
    nip: str
    role: str
    position: str
    is_ppkd: bool


class TapdList(BaseModel):
    members: list[TapdMemberOut]


class IndicatorIn(Strict):
    org_unit_id: DbId
    code: str = Field(max_length=30, description="a program or kegiatan code of the OPD's plans")
    indicator: str = Field(max_length=400, description="capaian program or hasil")
    target: Decimal = Field(ge=0, max_digits=18, decimal_places=2)
    unit: str = Field(max_length=60)


class IndicatorOut(BaseModel):
    id: str = Field(description="stable: capaian_program-<n>, hasil-<n>, keluaran-<n>, masukan-<n>")
    kind: str = Field(description="capaian_program, hasil, keluaran or masukan")
    code: str
    name: str
    indicator: str
    target: Decimal
    unit: str


class IndicatorList(BaseModel):
    year: int
    org_unit_id: int
    indicators: list[IndicatorOut]
