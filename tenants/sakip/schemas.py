"""Request and response bodies of the SAKIP JSON API.

Figures travel as strings of digits (``"87.5"``) so no float rounds them;
requests accept a JSON number too.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from smartcity.toolkit import DbId

#: An indicator's figure: up to 12 digits before the point and 4 after.
Figure = Annotated[Decimal, Field(max_digits=16, decimal_places=4, ge=-(10**12), le=10**12)]
Year = Field(ge=2000, le=2100)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SakipPlanCreate(Strict):
    kind: Literal["rpjmd", "renstra", "renja"]
    org_unit_id: DbId | None = None
    start_year: int = Year
    year: int = Field(default=0, ge=0, le=2100, description="the Renja's year")
    title: str = Field(min_length=1, max_length=300)
    vision: str | None = Field(default=None, max_length=4000)


class SakipTargetIn(Strict):
    year: int = Year
    value: Figure
    upper: Figure | None = None


class SakipTargetOut(BaseModel):
    year: int
    value: Figure
    upper: Figure | None


class SakipIndicatorCreate(Strict):
    name: str = Field(min_length=1, max_length=1000)
    unit: str = Field(min_length=1, max_length=40)
    baseline: Figure | None = None
    polarity: Literal["positive", "negative", "range"] = "positive"
    aggregation: Literal["cumulative", "average", "last_value"] = "cumulative"
    data_source: str = Field(default="", max_length=1000)
    formula_text: str = Field(default="", max_length=2000)
    owner: str = Field(default="", max_length=200)
    iku_regency: bool = False
    iku_opd: bool = False
    targets: list[SakipTargetIn] = Field(default_factory=list, max_length=5)


class SakipIndicatorOut(BaseModel):
    id: int
    lineage: int
    element_id: int
    name: str
    unit: str
    baseline: Figure | None
    polarity: str
    aggregation: str
    data_source: str
    formula_text: str
    owner: str
    iku_regency: bool
    iku_opd: bool
    targets: list[SakipTargetOut]


class SakipElementCreate(Strict):
    kind: Literal["misi", "tujuan", "sasaran", "program", "kegiatan"]
    statement: str = Field(min_length=1, max_length=2000)
    code: str = Field(default="", max_length=40)
    parent_id: DbId | None = None
    serves_lineage: DbId | None = Field(
        default=None, description="lineage of the element of the plan above that this serves"
    )


class SakipElementOut(BaseModel):
    id: int
    lineage: int
    kind: str
    code: str
    statement: str
    parent_id: int | None
    serves_lineage: int | None
    indicators: list[SakipIndicatorOut]


class SakipPlanOut(BaseModel):
    id: int
    kind: str
    org_unit_id: int | None
    start_year: int
    end_year: int
    year: int
    title: str
    version: int
    status: str
    change_reason: str | None


class SakipPlanDetail(SakipPlanOut):
    elements: list[SakipElementOut]
    versions: list[SakipPlanOut]


class SakipPlanList(BaseModel):
    plans: list[SakipPlanOut]


class SakipReason(Strict):
    reason: str = Field(min_length=1, max_length=2000)


class SakipTreeChild(BaseModel):
    element_id: int
    org_unit_id: int | None
    statement: str
    indicators: list[str]


class SakipTreeNodeOut(BaseModel):
    element_id: int
    lineage: int
    kind: str
    statement: str
    indicators: list[str]
    crosscutting: bool
    served_by: list[SakipTreeChild]


class SakipTreeOut(BaseModel):
    start_year: int
    nodes: list[SakipTreeNodeOut]


class SakipOfficialIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    position: str = Field(min_length=1, max_length=200)
    nip: str | None = Field(default=None, pattern=r"^\d{18}$")


class SakipAgreementCreate(Strict):
    org_unit_id: DbId
    year: int = Year
    level: Literal["head", "eselon3", "eselon4"] = "head"
    official: SakipOfficialIn
    superior: SakipOfficialIn
    place: str = Field(min_length=1, max_length=100)


class SakipAgreementTargetIn(Strict):
    indicator_lineage: DbId
    year_target: Figure
    upper: Figure | None = None
    quarters: list[Figure | None] = Field(min_length=4, max_length=4)


class SakipBudgetIn(Strict):
    sub_activity_id: DbId | None = Field(
        default=None, description="e-Budgeting's sub kegiatan (when e-Budgeting is enabled)"
    )
    code: str = Field(default="", max_length=40, description="typed by hand without e-Budgeting")
    name: str = Field(default="", max_length=1000)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=17, decimal_places=2)


class SakipBudgetOut(BaseModel):
    id: int
    source: str
    sub_activity_id: int | None
    code: str
    name: str
    amount: Decimal


class SakipAgreementTargetOut(BaseModel):
    id: int
    indicator_lineage: int
    indicator: str | None
    unit: str | None
    year_target: Figure
    upper: Figure | None
    quarters: list[Figure | None]
    budgets: list[SakipBudgetOut]


class SakipAgreementOut(BaseModel):
    id: int
    org_unit_id: int
    year: int
    level: str
    revision: int
    status: str
    official_name: str
    official_position: str
    superior_name: str
    superior_position: str
    supersedes_id: int | None
    reason: str | None
    signed_on: date | None
    targets: list[SakipAgreementTargetOut]


class SakipSignIn(Strict):
    signed_on: date


class SakipSubActivityOut(BaseModel):
    sub_activity_id: int
    code: str
    name: str
    budget: Decimal
    realization: Decimal


class SakipBudgetSources(BaseModel):
    ebudgeting: bool = Field(description="false: e-Budgeting is not enabled, type budgets by hand")
    sub_activities: list[SakipSubActivityOut]


class SakipRealizationIn(Strict):
    org_unit_id: DbId
    indicator_lineage: DbId
    year: int = Year
    quarter: int = Field(ge=1, le=4)
    value: Figure
    note: str = Field(default="", max_length=4000)


class SakipMonthIn(Strict):
    org_unit_id: DbId
    indicator_lineage: DbId
    year: int = Year
    month: int = Field(ge=1, le=12)
    value: Figure
    note: str = Field(default="", max_length=4000)


class SakipSourceRef(BaseModel):
    """Where a figure was taken from (another app's capability), as it was then."""

    capability: str
    measure: str
    service_id: int | None
    name: str
    period: str
    value: str


class SakipRealizationOut(BaseModel):
    id: int
    org_unit_id: int
    indicator_lineage: int
    year: int
    quarter: int
    value: Figure
    note: str
    status: str
    review_note: str | None
    source: SakipSourceRef | None = Field(
        default=None, description="null: typed by hand (or rolled up from months)"
    )


class SakipMeasureOut(BaseModel):
    key: str
    label: str
    unit: str


class SakipServiceChoice(BaseModel):
    service_id: int | None = Field(description="null: the OPD as a whole")
    name: str
    promised_days: int | None


class SakipOfferOut(BaseModel):
    period: int = Field(description="the quarter (1-4), or the month where reporting is monthly")
    key: str
    value: Figure | None


class SakipLinkOut(BaseModel):
    id: int
    org_unit_id: int
    indicator_lineage: int
    measure: str
    service_id: int | None
    label: str
    available: bool = Field(description="false: Pelayanan Publik is not enabled any more")
    found: bool = Field(description="false: the service is no longer in Pelayanan Publik")
    offers: list[SakipOfferOut]


class SakipLinksOut(BaseModel):
    pelayanan: bool = Field(description="false: Pelayanan Publik is not enabled here")
    org_unit_id: int
    year: int
    measures: list[SakipMeasureOut]
    choices: list[SakipServiceChoice]
    links: list[SakipLinkOut]


class SakipLinkIn(Strict):
    org_unit_id: DbId
    indicator_lineage: DbId
    measure: str = Field(max_length=40)
    service_id: DbId | None = Field(default=None, description="null: the OPD as a whole")


class SakipTakeIn(Strict):
    org_unit_id: DbId
    indicator_lineage: DbId
    year: int = Year
    quarter: int | None = Field(default=None, ge=1, le=4)
    month: int | None = Field(default=None, ge=1, le=12, description="monthly reporting")


class SakipReviewIn(Strict):
    accept: bool
    note: str = Field(default="", max_length=4000)


class SakipAchievementOut(BaseModel):
    percent: Decimal | None
    formula: str
    target: Figure | None
    realization: Figure | None
    capped: bool
    reason: str | None


class SakipScoreOut(BaseModel):
    indicator_lineage: int
    indicator: str | None
    iku: bool
    year_target: Figure
    quarters: list[Figure | None]
    realizations: list[Figure | None]
    to_date: SakipAchievementOut
    year: SakipAchievementOut
    band: str


class SakipScoreList(BaseModel):
    org_unit_id: int
    year: int
    through: int
    agreement_id: int | None
    scores: list[SakipScoreOut]


class SakipSettingsIO(Strict):
    negative_formula: Literal["2t_minus_r", "t_over_r"]
    cap_percent: Decimal | None = Field(
        default=None, ge=100, le=1000, max_digits=6, decimal_places=2
    )
    green_from: Decimal = Field(ge=0, le=1000, max_digits=6, decimal_places=2)
    amber_from: Decimal = Field(ge=0, le=1000, max_digits=6, decimal_places=2)
    cutoff_days: int = Field(ge=0, le=120)
    grade_bound_inclusive: bool = Field(
        default=True, description="a score on a grade's lower bound earns it (AA at exactly 90)"
    )
    monthly_realization: bool | None = Field(
        default=None,
        description="OPDs enter monthly figures rolled up into the quarter (absent: unchanged)",
    )


class SakipNarrativeIn(Strict):
    year: int = Year
    org_unit_id: DbId | None = Field(default=None, description="absent: the regency's LKjIP")
    section: Literal["summary", "introduction", "planning", "accountability", "closing"]
    text: str = Field(max_length=20_000)


class SakipNarrativeList(BaseModel):
    year: int
    org_unit_id: int | None
    sections: dict[str, str]


class SakipEvaluationCreate(Strict):
    year: int = Year
    org_unit_id: DbId | None = Field(default=None, description="absent: the regency's evaluation")


class SakipSelfAnswerIn(Strict):
    criterion_id: DbId
    answer: Literal["Y", "T", "A", "B", "C", "D"] | None
    evidence: str = Field(default="", max_length=4000)
    note: str = Field(default="", max_length=4000)


class SakipEvaluatorAnswerIn(Strict):
    criterion_id: DbId
    answer: Literal["Y", "T", "A", "B", "C", "D"] | None
    note: str = Field(default="", max_length=4000)


class SakipTransitionIn(Strict):
    action: Literal["submit", "return", "finalize"]


class SakipCriterionOut(BaseModel):
    id: int
    code: str
    question: str
    answer_type: str
    evidence_hint: str
    weight: Decimal
    self_answer: str | None
    evidence: str
    carried_over: bool
    self_note: str
    evaluator_answer: str | None
    evaluator_note: str


class SakipComponentOut(BaseModel):
    id: int
    code: str
    name: str
    weight: Decimal
    self_score: Decimal
    evaluator_score: Decimal
    criteria: list[SakipCriterionOut]


class SakipGapOut(BaseModel):
    criterion_id: int
    code: str
    question: str
    evidence_hint: str
    gain: Decimal = Field(
        description="points the score would gain if this criterion were fully met"
    )


class SakipWarningOut(BaseModel):
    criterion_id: int
    code: str
    side: Literal["self", "evaluator"]
    message: str


class SakipEvaluationOut(BaseModel):
    id: int
    year: int
    org_unit_id: int | None
    status: str
    version: str
    self_score: Decimal
    evaluator_score: Decimal
    grade: str
    last_year_score: Decimal | None
    last_year_grade: str | None
    components: list[SakipComponentOut]
    what_moves_the_grade: list[SakipGapOut]
    warnings: list[SakipWarningOut] = Field(
        default_factory=list,
        description="answers that contradict the worksheet version's consistency rules",
    )


class SakipCarried(BaseModel):
    carried_over: int
