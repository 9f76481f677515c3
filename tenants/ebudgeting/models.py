"""e-Budgeting tables, created in each tenant schema that enabled the app.

Declared without a schema (like every tenant model) and prefixed ``eb_`` because
all apps of a regency share its schema. Foreign keys stay inside the tenant
schema: org units and users are the core's tables of the same schema.

Money is ``Numeric(18, 2)`` read as ``Decimal``: an APBD adds up millions of
rupiah amounts and must match the legislature's figures to the sen.

Vocabulary (Permendagri 90/2019): *urusan/bidang/program/kegiatan/sub kegiatan*
is the programme classification; *kode rekening* the account code; *pagu* the
ceiling an OPD may spend; *RKA* the budget plan, *APBD* the adopted budget,
*DPA* the execution document, *RKA-P/DPPA* their mid-year revision; *SP2D* the
payment order the treasury issues; *TAPD* the regency's budget team.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from smartcity.toolkit import OrgUnit, Staff, User, tenant_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

MONEY = Numeric(18, 2)
QUANTITY = Numeric(20, 4)
# Cross-metadata foreign keys name the core's Column objects: a string such as
# "org_units.id" would be looked up in this app's own metadata and not found.
ORG_UNIT_ID = OrgUnit.__table__.c.id
USER_ID = User.__table__.c.id
STAFF_ID = Staff.__table__.c.id


class Base(DeclarativeBase):
    metadata = tenant_metadata()
    type_annotation_map = {int: BigInteger}


class Nomenclature(Base):
    """One node of the programme classification: urusan, bidang, program, kegiatan
    or sub kegiatan (``1.02.02.2.01.0001``); a child's code starts with its parent's."""

    __tablename__ = "eb_nomenclature"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    level: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(400))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("eb_nomenclature.code"), index=True)
    indicator: Mapped[str | None] = mapped_column(String(400))
    indicator_unit: Mapped[str | None] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(10), default="central")
    source_version: Mapped[str | None] = mapped_column(String(60))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Account(Base):
    """A kode rekening (six levels, ``5.1.02.01.01.0024``); lines use level 6 only."""

    __tablename__ = "eb_accounts"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(300))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("eb_accounts.code"), index=True)
    source_version: Mapped[str | None] = mapped_column(String(60))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class CatalogueItem(Base):
    """A standard price (SSH goods, SBU fees and travel, HSPK works, ASB activity
    costs) for one year: the most a budget line may pay per unit, tax included.

    Central items come from the reference data; a regency's own items start as
    ``proposed`` and count only once its TAPD approved them.
    """

    __tablename__ = "eb_catalogue_items"
    __table_args__ = (UniqueConstraint("year", "code"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(300))
    specification: Mapped[str] = mapped_column(String(500), default="")
    unit: Mapped[str] = mapped_column(String(40))
    max_price: Mapped[Decimal] = mapped_column(MONEY)
    account_codes: Mapped[list[str]] = mapped_column(ARRAY(String(30)))
    source: Mapped[str] = mapped_column(String(10), default="central")
    status: Mapped[str] = mapped_column(String(10), default="approved")
    proposed_by: Mapped[str | None] = mapped_column(String(254))
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decision_note: Mapped[str | None] = mapped_column(Text)
    source_version: Mapped[str | None] = mapped_column(String(60))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FiscalYear(Base):
    """A budget year and how far it has gone: ``stage`` is the last snapshot taken
    (None while the RKA is drafted); ``revision_open`` once the RKA-P started."""

    __tablename__ = "eb_fiscal_years"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, unique=True)
    stage: Mapped[str | None] = mapped_column(String(8))
    revision_open: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Ceiling(Base):
    """The pagu of one OPD for one year: the most its sub-activities may add up to."""

    __tablename__ = "eb_ceilings"
    __table_args__ = (UniqueConstraint("fiscal_year_id", "org_unit_id"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("eb_fiscal_years.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    updated_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class KuaPpas(Base):
    """The KUA-PPAS agreement of a year (Nota Kesepakatan between the regent and the
    DPRD): its number and date, and the PPAS ceilings it fixed (``total``, the sum of
    the OPDs' pagu when agreed). The RKA is taken only after it (``kua_ppas.py``)."""

    __tablename__ = "eb_kua_ppas"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("eb_fiscal_years.id"), unique=True)
    document_number: Mapped[str] = mapped_column(String(100))
    document_date: Mapped[date] = mapped_column(Date)
    total: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    agreed_by: Mapped[str] = mapped_column(String(254))
    agreed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProgramCeiling(Base):
    """The PPAS ceiling of one program of one OPD in a year (plafon per program);
    an OPD's program ceilings add up to at most its pagu."""

    __tablename__ = "eb_program_ceilings"
    __table_args__ = (UniqueConstraint("fiscal_year_id", "org_unit_id", "program_code"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("eb_fiscal_years.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    program_code: Mapped[str] = mapped_column(ForeignKey("eb_nomenclature.code"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    updated_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class TapdMember(Base):
    """A member of the regency's TAPD as the documents print it: a person of the core's
    roster (name and NIP come from ``staff``), their place in the team, and whether
    they are the PPKD, who signs the DPA (at most one; ``tapd.py``)."""

    __tablename__ = "eb_tapd_members"
    __table_args__ = (
        Index(
            "uq_eb_tapd_members_ppkd",
            "is_ppkd",
            unique=True,
            postgresql_where=text("is_ppkd"),
        ),
    )

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    is_ppkd: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Indicator(Base):
    """A performance indicator an OPD sets for one of its programs (capaian program) or
    kegiatan (hasil) in a year, with its target and unit; the sub kegiatan's own
    output (keluaran) stays on ``SubActivity``. Its id is the stable reference other
    apps keep (capability ``ebudgeting.indicators``, ``indicators.py``)."""

    __tablename__ = "eb_indicators"
    __table_args__ = (Index("ix_eb_indicators_year_unit", "fiscal_year_id", "org_unit_id"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("eb_fiscal_years.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID))
    code: Mapped[str] = mapped_column(ForeignKey("eb_nomenclature.code"))
    level: Mapped[str] = mapped_column(String(12))
    indicator: Mapped[str] = mapped_column(String(400))
    target: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    unit: Mapped[str] = mapped_column(String(60))
    updated_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class SubActivity(Base):
    """A sub kegiatan an OPD budgets for in a year, with its output and ceiling.

    ``status``: draft -> submitted -> returned | locked (see review.py).
    """

    __tablename__ = "eb_sub_activities"
    __table_args__ = (
        UniqueConstraint("fiscal_year_id", "org_unit_id", "sub_kegiatan_code"),
        Index("ix_eb_sub_activities_year_unit", "fiscal_year_id", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("eb_fiscal_years.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID))
    #: The OPD's sub-unit that carries it (SIPD's unit SKPD: a UPTD, a puskesmas, a
    #: bagian of the Setda), one with a SIPD code; None: the OPD itself.
    sub_unit_id: Mapped[int | None] = mapped_column(ForeignKey(ORG_UNIT_ID))
    sub_kegiatan_code: Mapped[str] = mapped_column(ForeignKey("eb_nomenclature.code"))
    output_indicator: Mapped[str] = mapped_column(String(400))
    target: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    target_unit: Mapped[str] = mapped_column(String(60))
    location: Mapped[str] = mapped_column(String(200))
    funding_source: Mapped[str] = mapped_column(String(60))
    #: Kelompok sasaran and waktu pelaksanaan, as the RKA's header block prints them.
    target_group: Mapped[str] = mapped_column(String(200), server_default="", default="")
    implementation_period: Mapped[str] = mapped_column(String(100), server_default="", default="")
    ceiling: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    #: Who last submitted it: the regency may require someone else to lock it.
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey(USER_ID))
    created_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    nomenclature: Mapped[Nomenclature] = relationship(lazy="joined", innerjoin=True)


class BudgetLine(Base):
    """One RKA line: catalogue item x coefficient (``2 orang x 3 hari``) x unit price.

    ``factors`` keeps each factor with its unit so the coefficient reads as
    drafted; ``volume`` is their product and ``amount`` = volume x unit price,
    stored so totals are one SUM. ``override_note`` holds TAPD's written reason
    when it let the line break a rule.
    """

    __tablename__ = "eb_budget_lines"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    sub_activity_id: Mapped[int] = mapped_column(
        ForeignKey("eb_sub_activities.id", ondelete="CASCADE"), index=True
    )
    account_code: Mapped[str] = mapped_column(ForeignKey("eb_accounts.code"))
    catalogue_item_id: Mapped[int] = mapped_column(ForeignKey("eb_catalogue_items.id"))
    description: Mapped[str] = mapped_column(String(500), default="")
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    volume: Mapped[Decimal] = mapped_column(QUANTITY)
    unit: Mapped[str] = mapped_column(String(120))
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    override_note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    item: Mapped[CatalogueItem] = relationship(lazy="raise")


class ReviewEvent(Base):
    """One step of a sub-activity's review, with the note the OPD reads."""

    __tablename__ = "eb_review_events"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    sub_activity_id: Mapped[int] = mapped_column(
        ForeignKey("eb_sub_activities.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(10))
    from_status: Mapped[str] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Snapshot(Base):
    """The budget frozen at a stage (RKA, APBD, DPA, RKA-P, DPPA) of a year, on the
    strength of a document: its number and date (the KUA-PPAS agreement, the Perda
    APBD with the Perkada on its elaboration in ``elaboration_number``, the DPA)."""

    __tablename__ = "eb_snapshots"
    __table_args__ = (UniqueConstraint("fiscal_year_id", "stage"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("eb_fiscal_years.id"))
    stage: Mapped[str] = mapped_column(String(8))
    total: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    line_count: Mapped[int] = mapped_column(Integer)
    taken_by: Mapped[str] = mapped_column(String(254))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    document_number: Mapped[str | None] = mapped_column(String(100))
    document_date: Mapped[date | None] = mapped_column(Date)
    elaboration_number: Mapped[str | None] = mapped_column(String(100))


class SnapshotLine(Base):
    """A budget line as it stood in a snapshot; ``line_id`` pairs it across stages."""

    __tablename__ = "eb_snapshot_lines"
    __table_args__ = (Index("ix_eb_snapshot_lines_snapshot_sub", "snapshot_id", "sub_activity_id"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("eb_snapshots.id", ondelete="CASCADE"))
    line_id: Mapped[int] = mapped_column(BigInteger)
    sub_activity_id: Mapped[int] = mapped_column(BigInteger)
    org_unit_id: Mapped[int] = mapped_column(BigInteger)
    #: The sub-activity's sub-unit when the snapshot was taken (None: the OPD itself).
    sub_unit_id: Mapped[int | None] = mapped_column(BigInteger)
    sub_kegiatan_code: Mapped[str] = mapped_column(String(30))
    account_code: Mapped[str] = mapped_column(String(30))
    catalogue_item_id: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(500))
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    volume: Mapped[Decimal] = mapped_column(QUANTITY)
    unit: Mapped[str] = mapped_column(String(120))
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    amount: Mapped[Decimal] = mapped_column(MONEY)


class CashPlan(Base):
    """The anggaran kas: how much of a sub-activity's DPA is planned to be paid each month."""

    __tablename__ = "eb_cash_plans"

    sub_activity_id: Mapped[int] = mapped_column(
        ForeignKey("eb_sub_activities.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)


class PaymentImport(Base):
    """A payment file that was imported whole (a file with any bad row writes nothing)."""

    __tablename__ = "eb_payment_imports"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("eb_fiscal_years.id"))
    filename: Mapped[str] = mapped_column(String(255))
    row_count: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    imported_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PaymentUpload(Base):
    """A payment file too big to check in the request, kept for a job to import.

    ``checking`` until the job ends; then ``imported`` (``import_id`` names the batch),
    ``rejected`` with every bad row in ``problems``, or ``refused`` when a bound of
    the reader refused the file (``refusal``: its msgid and values). The job writes
    the payments and this outcome in one transaction, so nothing is half-imported.
    """

    __tablename__ = "eb_payment_uploads"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("eb_fiscal_years.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(String(12), default="checking")
    uploaded_by: Mapped[str] = mapped_column(String(254))
    #: Who uploaded it: the job imports as that person (their permissions and OPDs).
    uploaded_by_user_id: Mapped[int] = mapped_column(ForeignKey(USER_ID))
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("eb_payment_imports.id"))
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    refusal: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Payment(Base):
    """An SP2D payment charged to a DPA line (a sub-activity's account code).

    ``sp2d_number`` is stored in the form ``execution.normalise_sp2d`` gives;
    one SP2D may pay several DPA lines but each line once (``uq_eb_payments_sp2d``).
    """

    __tablename__ = "eb_payments"
    __table_args__ = (Index("ix_eb_payments_sub_account", "sub_activity_id", "account_code"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    fiscal_year_id: Mapped[int] = mapped_column(ForeignKey("eb_fiscal_years.id"))
    sp2d_number: Mapped[str] = mapped_column(String(60))
    paid_on: Mapped[date] = mapped_column(Date)
    sub_activity_id: Mapped[int] = mapped_column(ForeignKey("eb_sub_activities.id"))
    account_code: Mapped[str] = mapped_column(ForeignKey("eb_accounts.code"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    description: Mapped[str] = mapped_column(String(300), default="")
    import_id: Mapped[int | None] = mapped_column(ForeignKey("eb_payment_imports.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def sp2d_key(number: Any) -> Any:
    """The SQL twin of ``execution.normalise_sp2d``: what makes two SP2D numbers one.

    Whitespace runs become one space, the ends are trimmed, spaces next to
    ``/``, ``-`` and ``.`` go, letters are upper-cased. The unique index uses it,
    so a number written by any path, not only the service, cannot repeat in
    another case or spacing.
    """
    collapsed = func.btrim(func.regexp_replace(number, r"\s+", " ", "g"))
    return func.upper(func.regexp_replace(collapsed, r" ?([-/.]) ?", r"\1", "g"))


Index(
    "uq_eb_payments_sp2d",
    Payment.fiscal_year_id,
    sp2d_key(Payment.sp2d_number),
    Payment.sub_activity_id,
    Payment.account_code,
    unique=True,
)
