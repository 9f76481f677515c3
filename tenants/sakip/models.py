"""SAKIP tables, created in each tenant schema that enabled the app (prefixed ``sakip_``).

Vocabulary (Perpres 29/2014): *RPJMD* the regency's five-year plan (visi, misi,
tujuan, sasaran); *Renstra* an OPD's five-year strategic plan; *Renja* its
yearly work plan; *IKU* a key performance indicator; *pohon kinerja* the
cascading tree from the regency's targets down to each OPD's; *Perjanjian
Kinerja (PK)* the yearly performance agreement an official signs; *capaian*
achievement; *TW* (triwulan) a quarter.

Plans are versioned, not overwritten: revising an approved plan copies it into
a new draft version; approving that version supersedes the old one, which stays
readable. Elements and indicators carry a ``lineage`` (the id of their first
version) so the cascading links, the PK and the realization keep pointing at
"the same indicator" across versions.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from smartcity.toolkit import OrgUnit, User, tenant_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

MONEY = Numeric(18, 2)
FIGURE = Numeric(20, 4)
# Cross-metadata foreign keys name the core's Column objects (see e-Budgeting's models).
ORG_UNIT_ID = OrgUnit.__table__.c.id
USER_ID = User.__table__.c.id


class Base(DeclarativeBase):
    metadata = tenant_metadata()
    type_annotation_map = {int: BigInteger}


class SakipSettings(Base):
    """The regency's SAKIP rules (one row, id 1); the UNVERIFIED ones default as the
    research suggests (apps-anchors.md 1b) and the regency may change them."""

    __tablename__ = "sakip_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    negative_formula: Mapped[str] = mapped_column(String(20), default="2t_minus_r")
    #: None: achievement is not capped.
    cap_percent: Mapped[Decimal | None] = mapped_column(Numeric(6, 2), default=Decimal(120))
    green_from: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(90))
    amber_from: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(70))
    #: Days after a quarter ends during which its figures may still be entered.
    cutoff_days: Mapped[int] = mapped_column(SmallInteger, default=15)
    #: Whether a score equal to a grade's lower bound earns it (AA at exactly 90):
    #: the regulation writes ">90-100"; UNVERIFIED, so the regency chooses.
    grade_bound_inclusive: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Whether the OPDs enter monthly figures that roll up into the quarter.
    monthly_realization: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class Plan(Base):
    """One version of an RPJMD (``org_unit_id`` None), a Renstra or a Renja (``year``)."""

    __tablename__ = "sakip_plans"
    __table_args__ = (
        UniqueConstraint("kind", "org_unit_id", "start_year", "year", "version"),
        Index("ix_sakip_plans_unit", "org_unit_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # rpjmd | renstra | renja
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey(ORG_UNIT_ID))
    start_year: Mapped[int] = mapped_column(SmallInteger)
    #: The Renja's year; 0 for five-year plans (a unique key cannot hold NULLs).
    year: Mapped[int] = mapped_column(SmallInteger, default=0)
    title: Mapped[str] = mapped_column(String(300))
    vision: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(SmallInteger, default=1)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft|approved|superseded
    change_reason: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey(USER_ID))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def end_year(self) -> int:
        return self.start_year + 4


class Element(Base):
    """A node of a plan: misi, tujuan, sasaran, program or kegiatan.

    ``parent_id`` is the node above it in the same plan version; ``serves_lineage``
    the lineage of the element of the plan above that it serves (an OPD sasaran
    serves an RPJMD sasaran; a Renja programme a Renstra sasaran): the pohon kinerja.
    """

    __tablename__ = "sakip_elements"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("sakip_plans.id", ondelete="CASCADE"), index=True
    )
    lineage: Mapped[int | None] = mapped_column(BigInteger, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sakip_elements.id"))
    kind: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(40), default="")
    statement: Mapped[str] = mapped_column(Text)
    serves_lineage: Mapped[int | None] = mapped_column(BigInteger, index=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)


class Indicator(Base):
    """A performance indicator of an element, with its unit, baseline and rule."""

    __tablename__ = "sakip_indicators"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    element_id: Mapped[int] = mapped_column(
        ForeignKey("sakip_elements.id", ondelete="CASCADE"), index=True
    )
    lineage: Mapped[int | None] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(40))
    baseline: Mapped[Decimal | None] = mapped_column(FIGURE)
    polarity: Mapped[str] = mapped_column(String(10), default="positive")
    aggregation: Mapped[str] = mapped_column(String(12), default="cumulative")
    data_source: Mapped[str] = mapped_column(Text, default="")
    formula_text: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    iku_regency: Mapped[bool] = mapped_column(Boolean, default=False)
    iku_opd: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)


class IndicatorTarget(Base):
    """An indicator's target for one year (``upper`` for a target range)."""

    __tablename__ = "sakip_indicator_targets"
    __table_args__ = (UniqueConstraint("indicator_id", "year"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("sakip_indicators.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(SmallInteger)
    value: Mapped[Decimal] = mapped_column(FIGURE)
    upper: Mapped[Decimal | None] = mapped_column(FIGURE)


class Agreement(Base):
    """A Perjanjian Kinerja: one official's yearly targets, signed then locked.

    A revision (after the budget revision) is a new row that ``supersedes_id``
    the signed one; both stay.
    """

    __tablename__ = "sakip_agreements"
    __table_args__ = (UniqueConstraint("org_unit_id", "year", "level", "revision"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    level: Mapped[str] = mapped_column(String(10), default="head")  # head|eselon3|eselon4
    revision: Mapped[int] = mapped_column(SmallInteger, default=0)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft|signed|superseded
    official_name: Mapped[str] = mapped_column(String(200))
    official_nip: Mapped[str | None] = mapped_column(String(18))
    official_position: Mapped[str] = mapped_column(String(200))
    superior_name: Mapped[str] = mapped_column(String(200))
    superior_nip: Mapped[str | None] = mapped_column(String(18))
    superior_position: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(100))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("sakip_agreements.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    signed_on: Mapped[date | None] = mapped_column(Date)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_by: Mapped[int | None] = mapped_column(ForeignKey(USER_ID))


class AgreementTarget(Base):
    """One indicator of a PK with its yearly and quarterly targets."""

    __tablename__ = "sakip_agreement_targets"
    __table_args__ = (UniqueConstraint("agreement_id", "indicator_lineage"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("sakip_agreements.id", ondelete="CASCADE"), index=True
    )
    indicator_lineage: Mapped[int] = mapped_column(BigInteger)
    year_target: Mapped[Decimal] = mapped_column(FIGURE)
    upper: Mapped[Decimal | None] = mapped_column(FIGURE)
    q1: Mapped[Decimal | None] = mapped_column(FIGURE)
    q2: Mapped[Decimal | None] = mapped_column(FIGURE)
    q3: Mapped[Decimal | None] = mapped_column(FIGURE)
    q4: Mapped[Decimal | None] = mapped_column(FIGURE)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    @property
    def quarters(self) -> list[Decimal | None]:
        return [self.q1, self.q2, self.q3, self.q4]


class AgreementBudget(Base):
    """The money behind a PK target: a sub kegiatan and its pagu.

    ``source`` is ``ebudgeting`` (read through its capability when the target was
    set; ``sub_activity_id`` is e-Budgeting's id, not a foreign key: apps do not
    share tables) or ``manual`` (typed by hand where e-Budgeting is not enabled).
    """

    __tablename__ = "sakip_agreement_budgets"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    target_id: Mapped[int] = mapped_column(
        ForeignKey("sakip_agreement_targets.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(12))
    sub_activity_id: Mapped[int | None] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(MONEY)


class Realization(Base):
    """An indicator's figure for one quarter of a year in one OPD, and its review."""

    __tablename__ = "sakip_realizations"
    __table_args__ = (UniqueConstraint("org_unit_id", "indicator_lineage", "year", "quarter"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    indicator_lineage: Mapped[int] = mapped_column(BigInteger)
    year: Mapped[int] = mapped_column(SmallInteger)
    quarter: Mapped[int] = mapped_column(SmallInteger)
    value: Mapped[Decimal] = mapped_column(FIGURE)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="entered")  # entered|verified|returned
    entered_by: Mapped[int | None] = mapped_column(ForeignKey(USER_ID))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    verified_by: Mapped[int | None] = mapped_column(ForeignKey(USER_ID))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_note: Mapped[str | None] = mapped_column(Text)
    #: Where the figure came from when it was taken from another app (see
    #: ``sources``): the capability, measure, service or OPD, period and value as
    #: they were when taken; None when it was typed (or rolled up from months).
    source: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class IndicatorLink(Base):
    """An OPD's indicator whose realization can be taken from another app's figures.

    Today the one source is public services (capability
    ``pelayanan.service_performance``): a ``measure`` of one of the OPD's services
    (``service_id`` is that app's id, not a foreign key: apps do not share tables)
    or of the OPD as a whole (``service_id`` None). ``label`` keeps the name it had
    when linked, so the link still reads when the source is switched off.
    """

    __tablename__ = "sakip_indicator_links"
    __table_args__ = (UniqueConstraint("org_unit_id", "indicator_lineage"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    indicator_lineage: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(80))
    measure: Mapped[str] = mapped_column(String(40))
    service_id: Mapped[int | None] = mapped_column(BigInteger)
    label: Mapped[str] = mapped_column(String(300))
    linked_by: Mapped[int | None] = mapped_column(ForeignKey(USER_ID))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MonthlyRealization(Base):
    """A month's figure, when the regency reports monthly: the quarter's
    :class:`Realization` is rolled up from its months by the capaian engine."""

    __tablename__ = "sakip_realization_months"
    __table_args__ = (
        # Named: the convention's name would pass PostgreSQL's 63 characters.
        UniqueConstraint(
            "org_unit_id",
            "indicator_lineage",
            "year",
            "month",
            name="uq_sakip_realization_months_unit_lineage_month",
        ),
    )

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    indicator_lineage: Mapped[int] = mapped_column(BigInteger)
    year: Mapped[int] = mapped_column(SmallInteger)
    month: Mapped[int] = mapped_column(SmallInteger)
    value: Mapped[Decimal] = mapped_column(FIGURE)
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[int | None] = mapped_column(ForeignKey(USER_ID))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    #: As :attr:`Realization.source`: where a month's figure was taken from.
    source: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class Evidence(Base):
    """A file supporting a realization (bukti dukung), kept in the regency's schema."""

    __tablename__ = "sakip_evidence"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    realization_id: Mapped[int] = mapped_column(
        ForeignKey("sakip_realizations.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey(USER_ID))
    uploaded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Narrative(Base):
    """A section of the LKjIP the officer writes (``org_unit_id`` 0 for the regency's)."""

    __tablename__ = "sakip_narratives"
    __table_args__ = (UniqueConstraint("year", "org_unit_id", "section"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    #: 0: the regency's LKjIP (a unique key cannot hold NULLs); else the OPD's id.
    org_unit_id: Mapped[int] = mapped_column(BigInteger, default=0)
    section: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey(USER_ID))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class LkeVersion(Base):
    """A version of the evaluation worksheet (LKE, PermenPANRB 88/2021): weights and
    criteria are data, so a new regulation is a new version, not a code change."""

    __tablename__ = "sakip_lke_versions"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: What a B and a C answer are worth (A = 1, D = 0, Y = 1, T = 0): Trenggalek's
    #: 0.66 and 0.33; whether 88/2021 says so is UNVERIFIED, so they are data here.
    value_b: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.66"))
    value_c: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.33"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LkeComponent(Base):
    """A component (``parent_id`` None, e.g. Perencanaan Kinerja 30) or a sub-component
    (Pemenuhan, Kualitas, Pemanfaatan) carrying the weight its criteria share."""

    __tablename__ = "sakip_lke_components"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("sakip_lke_versions.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sakip_lke_components.id"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)


class LkeCriterion(Base):
    """A criterion answered Y/T or A/B/C/D, with the evidence it asks for."""

    __tablename__ = "sakip_lke_criteria"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("sakip_lke_components.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(Text)
    answer_type: Mapped[str] = mapped_column(String(4))  # yt | abcd
    evidence_hint: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(SmallInteger, default=0)


class LkeRule(Base):
    """A logic-consistency check between answers of one worksheet version (data, not code).

    ``not_above``: ``criterion_code`` may not be worth more than ``prerequisite_code``
    (a pemanfaatan criterion above its pemenuhan prerequisite); ``evidence``: an
    answer listed in ``answers`` (comma separated, e.g. ``Y,A``) needs evidence;
    ``criterion_code`` empty means every criterion of the version.
    """

    __tablename__ = "sakip_lke_rules"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("sakip_lke_versions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # not_above | evidence
    criterion_code: Mapped[str] = mapped_column(String(20), default="")
    prerequisite_code: Mapped[str] = mapped_column(String(20), default="")
    answers: Mapped[str] = mapped_column(String(20), default="")
    position: Mapped[int] = mapped_column(SmallInteger, default=0)


class Evaluation(Base):
    """One year's evaluation of the regency (``org_unit_id`` 0) or an OPD."""

    __tablename__ = "sakip_evaluations"
    __table_args__ = (UniqueConstraint("year", "org_unit_id"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("sakip_lke_versions.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    org_unit_id: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(10), default="self")  # self|review|returned|final
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LkeAnswer(Base):
    """The OPD's self-assessment of a criterion beside the evaluator's (Inspektorat)."""

    __tablename__ = "sakip_lke_answers"
    __table_args__ = (UniqueConstraint("evaluation_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("sakip_evaluations.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("sakip_lke_criteria.id"))
    self_answer: Mapped[str | None] = mapped_column(String(1))
    evidence: Mapped[str] = mapped_column(Text, default="")
    carried_over: Mapped[bool] = mapped_column(Boolean, default=False)
    self_note: Mapped[str] = mapped_column(Text, default="")
    evaluator_answer: Mapped[str | None] = mapped_column(String(1))
    evaluator_note: Mapped[str] = mapped_column(Text, default="")
