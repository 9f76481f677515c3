"""The regency's TPP rules as data: one version per Perbup, validated before use.

Every number here differs between regencies or is UNVERIFIED against the legal
text (../shared/research/apps-anchors.md, section 2b), so each is a field with
the default the domain guide gives, and a regency's rule set overrides it:
the split performance/discipline (60/40), the lateness and early-leave bands
(1-30 min 0.5 %, 31-60 1 %, 61-90 1.25 %, over 90 or no record 2.5 %), absence
without reason 4 % a day, a daily cap of 2.5 %, the monthly cap (the whole
discipline part), 6,000 approved minutes a month, and the base per position
class (kelas jabatan).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError
from smartcity.toolkit import N_

#: The validation context of rules as someone typed them (the API's body, the page's
#: form): stricter than reading a stored version, which was checked when it was saved
#: (a version saved before a check existed must still be read).
TYPED = {"typed": True}


def _ascii(value: object) -> object:
    """``Decimal("١٢")`` is 12: a number in other digits is refused, not guessed at."""
    if isinstance(value, str) and not value.isascii():
        raise PydanticCustomError("ascii_number", "a number written with the digits 0-9")
    return value


def _typed(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("typed"))


def _table_places(value: Decimal, info: ValidationInfo) -> Decimal:
    """A percentage of a table (per absence kind, sanction...) has the 3 decimals the
    single fields have: a line shows its percentage to 4, and must be what was applied."""
    exponent = value.normalize().as_tuple().exponent
    if _typed(info) and isinstance(exponent, int) and exponent < -3:
        raise PydanticCustomError("decimal_max_places", "at most 3 decimals", {"decimal_places": 3})
    return value


def _whole_rupiah(value: Decimal, info: ValidationInfo) -> Decimal:
    """A base is paid in whole rupiah: ``1000.5`` or ``1e-400`` is no amount of a Perbup."""
    if _typed(info) and value != value.to_integral_value():
        raise PydanticCustomError("rupiah_whole", "whole rupiah")
    return value


Percent = Annotated[Decimal, BeforeValidator(_ascii)]
#: A percentage in a table of the rules (see ``_table_places``).
TablePercent = Annotated[Decimal, BeforeValidator(_ascii), AfterValidator(_table_places)]
Rupiah = Annotated[Decimal, BeforeValidator(_ascii), AfterValidator(_whole_rupiah)]

#: The five SKP predicates of PermenPANRB 6/2022, best first.
PREDICATES = ("Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")
#: Share of the performance part paid per predicate: UNVERIFIED illustration, each
#: regency's Perbup sets its own.
DEFAULT_PREDICATE_PERCENT = {
    "Sangat Baik": Decimal(100),
    "Baik": Decimal(100),
    "Butuh Perbaikan": Decimal(75),
    "Kurang": Decimal(50),
    "Sangat Kurang": Decimal(25),
}

#: The leave and duty kinds an absence can have (see ``absences``).
ABSENCE_KINDS = ("annual", "sick", "maternity", "important", "big", "travel", "field_duty")

#: The per-person deductions a BKPSDM admin records (``sanctions``): the disciplinary
#: sanctions of PP 94/2021 (light, moderate, heavy; dismissal ends the TPP altogether
#: and is the roster's business, not a deduction), then the other deductions edison
#: keeps beside them: LHKPN (the wealth report) not filed, and TPTGR (a treasury or
#: damages claim) unsettled.
SANCTION_KINDS = (
    "teguran_lisan",
    "teguran_tertulis",
    "pernyataan_tidak_puas",
    "pemotongan_tunjangan",
    "penurunan_jabatan",
    "pembebasan_jabatan",
    "lhkpn",
    "tptgr",
)
#: How heavy each kind is (PP 94/2021 Pasal 8); the other deductions are ``other``.
SANCTION_LEVELS = {
    "teguran_lisan": "ringan",
    "teguran_tertulis": "ringan",
    "pernyataan_tidak_puas": "ringan",
    "pemotongan_tunjangan": "sedang",
    "penurunan_jabatan": "berat",
    "pembebasan_jabatan": "berat",
    "lhkpn": "other",
    "tptgr": "other",
}
#: Share of the whole TPP cut per month a sanction runs: UNVERIFIED illustrations
#: (../shared/research/apps-anchors.md 2b: Permentan 68/2012's pattern from teguran
#: lisan 20 % to pembebasan dari jabatan 80 %; PP 94/2021's moderate sanction is a
#: 25 % cut of the tunjangan kinerja for 6, 9 or 12 months; the domain guide says
#: 20-100 %). Each regency's Perbup sets its own; 0 or a kind left out cuts nothing.
DEFAULT_SANCTION_PERCENT = {
    "teguran_lisan": Decimal(20),
    "teguran_tertulis": Decimal(25),
    "pernyataan_tidak_puas": Decimal(30),
    "pemotongan_tunjangan": Decimal(25),
    "penurunan_jabatan": Decimal(70),
    "pembebasan_jabatan": Decimal(80),
    "lhkpn": Decimal(10),
    "tptgr": Decimal(10),
}


#: The assemblies and ceremonies a unit admin takes the roll of (``events``): the
#: morning and afternoon apel, the flag ceremony (upacara), the exercise (senam)
#: and a surprise inspection (sidak), as edison's ``KetidakhadiranKegiatan`` has them.
EVENT_KINDS = ("apel_pagi", "apel_sore", "upacara", "senam", "sidak")
#: Cut per event missed without an approved absence: 4 % each, one Perbup's pattern
#: (../shared/research/apps-anchors.md 2b, "Pattern B"; UNVERIFIED as a rule for all).
DEFAULT_EVENT_PERCENT = {kind: Decimal(4) for kind in EVENT_KINDS}


def sanction_component(kind: str) -> str:
    """The statement line's component of a sanction kind: ``lhkpn``, ``tptgr`` or ``sanction``."""
    return kind if kind in ("lhkpn", "tptgr") else "sanction"


class Band(BaseModel):
    """``percent`` for ``from_minutes`` up to ``to_minutes`` inclusive (None: no upper end)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    from_minutes: int = Field(ge=1, le=24 * 60)
    to_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    percent: Percent = Field(ge=0, le=100, max_digits=6, decimal_places=3)


def _bands(*rows: tuple[int, int | None, str]) -> list[Band]:
    return [Band(from_minutes=a, to_minutes=b, percent=Decimal(p)) for a, b, p in rows]


DEFAULT_BANDS = _bands((1, 30, "0.5"), (31, 60, "1"), (61, 90, "1.25"), (91, None, "2.5"))
#: Illustrative bases per kelas jabatan (IV-XV); every regency sets its own by Perbup.
DEFAULT_BASES = {
    cls: Decimal(amount)
    for cls, amount in zip(
        range(4, 16),
        (
            2_000_000,
            2_300_000,
            2_600_000,
            3_000_000,
            3_500_000,
            4_100_000,
            4_800_000,
            5_700_000,
            6_800_000,
            8_200_000,
            10_000_000,
            12_500_000,
        ),
        strict=True,
    )
}


class TppRules(BaseModel):
    """One rule version. Percentages of deductions are of ``deduction_base``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    performance_share: Percent = Field(Decimal(60), ge=0, le=100, decimal_places=2)
    deduction_base: Literal["discipline", "total"] = "discipline"
    late_bands: list[Band] = Field(default_factory=lambda: list(DEFAULT_BANDS), max_length=20)
    early_bands: list[Band] = Field(default_factory=lambda: list(DEFAULT_BANDS), max_length=20)
    missing_check_in_percent: Percent = Field(Decimal("2.5"), ge=0, le=100, decimal_places=3)
    missing_check_out_percent: Percent = Field(Decimal("2.5"), ge=0, le=100, decimal_places=3)
    absent_percent: Percent = Field(Decimal(4), ge=0, le=100, decimal_places=3)
    #: Cut per day of an approved absence of a kind (none by default; some Perbup cut sick days).
    excused_percent: dict[str, TablePercent] = Field(default_factory=dict)
    daily_cap_percent: Percent = Field(Decimal("2.5"), ge=0, le=100, decimal_places=3)
    monthly_cap_percent: Percent = Field(Decimal(100), ge=0, le=100, decimal_places=3)
    minutes_target: int = Field(6000, ge=1, le=100_000)
    #: What the performance part follows: approved work-log minutes, or the SKP predicate.
    performance_basis: Literal["minutes", "predicate"] = "minutes"
    #: Share of the performance part paid per predicate (basis "predicate").
    predicate_percent: dict[str, TablePercent] = Field(
        default_factory=lambda: dict(DEFAULT_PREDICATE_PERCENT)
    )
    #: Share paid when BKN has no predicate for the person's month (basis "predicate").
    predicate_missing_percent: Percent = Field(Decimal(0), ge=0, le=100, decimal_places=3)
    base_by_class: dict[int, Rupiah] = Field(default_factory=lambda: dict(DEFAULT_BASES))
    #: Cut of the whole TPP per month a recorded sanction (or LHKPN/TPTGR deduction)
    #: runs, per kind (UNVERIFIED defaults, see ``DEFAULT_SANCTION_PERCENT``). A version
    #: stored before sanctions existed reads these defaults.
    sanction_percent: dict[str, TablePercent] = Field(
        default_factory=lambda: dict(DEFAULT_SANCTION_PERCENT)
    )
    #: The most the month's sanctions together cut, as a share of the whole TPP
    #: (edison: TPP awal x the sum of the percentages, at most 100 %).
    sanction_cap_percent: Percent = Field(Decimal(100), ge=0, le=100, decimal_places=3)
    #: Cut per assembly or ceremony missed, per kind, of ``deduction_base`` (UNVERIFIED
    #: defaults, see ``DEFAULT_EVENT_PERCENT``; a version stored before events existed
    #: reads them, and no event predates them). Not under the daily cap, which is for
    #: lapses of the working hours; under the monthly one like every discipline cut.
    event_percent: dict[str, TablePercent] = Field(
        default_factory=lambda: dict(DEFAULT_EVENT_PERCENT)
    )

    # Each check is on its own field, so a refusal names the field (``late_bands``) and
    # its error type says what is wrong (``rules.refusal`` turns both into words).

    @field_validator("late_bands", "early_bands")
    @classmethod
    def _bands(cls, bands: list[Band], info: ValidationInfo) -> list[Band]:
        check_bands(bands, str(info.field_name))
        return bands

    @field_validator("excused_percent")
    @classmethod
    def _excused(cls, value: dict[str, Percent]) -> dict[str, Percent]:
        for kind, pct in value.items():
            if kind not in ABSENCE_KINDS:
                raise PydanticCustomError(
                    "unknown_key", "excused_percent: unknown absence kind '{key}'", {"key": kind}
                )
            _percent("excused_percent", pct)
        return value

    @field_validator("predicate_percent")
    @classmethod
    def _predicates(cls, value: dict[str, Percent]) -> dict[str, Percent]:
        for predicate, pct in value.items():
            if predicate not in PREDICATES:
                raise PydanticCustomError(
                    "unknown_key",
                    "predicate_percent: unknown predicate '{key}'",
                    {"key": predicate},
                )
            _percent("predicate_percent", pct)
        return value

    @field_validator("sanction_percent")
    @classmethod
    def _sanctions(cls, value: dict[str, Percent]) -> dict[str, Percent]:
        for kind, pct in value.items():
            if kind not in SANCTION_KINDS:
                raise PydanticCustomError(
                    "unknown_key", "sanction_percent: unknown sanction kind '{key}'", {"key": kind}
                )
            _percent("sanction_percent", pct)
        return value

    @field_validator("event_percent")
    @classmethod
    def _events(cls, value: dict[str, Percent]) -> dict[str, Percent]:
        for kind, pct in value.items():
            if kind not in EVENT_KINDS:
                raise PydanticCustomError(
                    "unknown_key", "event_percent: unknown event kind '{key}'", {"key": kind}
                )
            _percent("event_percent", pct)
        return value

    @field_validator("base_by_class")
    @classmethod
    def _bases(cls, value: dict[int, Decimal]) -> dict[int, Decimal]:
        for cls_, amount in value.items():
            if not 1 <= cls_ <= MAX_CLASS or amount < 0 or amount > MAX_BASE:
                raise PydanticCustomError(
                    "base_range",
                    "base_by_class: class 1 ... 17, amount 0 ... 1,000,000,000",
                    {"max_class": MAX_CLASS, "max_amount": int(MAX_BASE)},
                )
        return value


#: The highest kelas jabatan, and the largest base a rule may set.
MAX_CLASS = 17
MAX_BASE = Decimal(1_000_000_000)


def _percent(name: str, pct: Decimal) -> None:
    if not Decimal(0) <= pct <= Decimal(100):
        raise PydanticCustomError("percent_range", "{name}: 0 ... 100", {"name": name})


def check_bands(bands: list[Band], name: str) -> None:
    """Bands ascend without gaps or overlaps from 1 minute; only the last may be open.

    Refusals are ``PydanticCustomError`` (a ``ValueError``) of type ``bands_start``,
    ``bands_open`` or ``bands_order`` with the band's ``index``, so a page can say
    which row of its table is wrong.
    """
    expected_from = 1
    for i, band in enumerate(bands):
        if band.from_minutes != expected_from:
            raise PydanticCustomError(
                "bands_start",
                "{name}[{index}] must start at {minutes} minutes",
                {"name": name, "index": i, "minutes": expected_from},
            )
        if band.to_minutes is None:
            if i != len(bands) - 1:
                raise PydanticCustomError(
                    "bands_open",
                    "{name}[{index}]: only the last band may be open-ended",
                    {"name": name, "index": i},
                )
            return
        if band.to_minutes < band.from_minutes:
            raise PydanticCustomError(
                "bands_order", "{name}[{index}] ends before it starts", {"name": name, "index": i}
            )
        expected_from = band.to_minutes + 1


def band_for(minutes: int, bands: list[Band]) -> tuple[int, Band] | None:
    """The band (and its index) that ``minutes`` late or early fall in; None under a minute."""
    for i, band in enumerate(bands):
        if minutes >= band.from_minutes and (band.to_minutes is None or minutes <= band.to_minutes):
            return i, band
    return None


#: How each deduction line is named to the person reading their statement.
COMPONENT_LABELS = {
    "late": N_("Late arrival"),
    "early": N_("Early departure"),
    "missing_in": N_("No check-in"),
    "missing_out": N_("No check-out"),
    "absent": N_("Absent without reason"),
    "excused": N_("Approved absence"),
    "cap_daily": N_("Daily cap"),
    "cap_monthly": N_("Monthly cap"),
    "performance": N_("Approved minutes below target"),
    "predicate": N_("SKP predicate"),
    "sanction": N_("Disciplinary sanction"),
    "lhkpn": N_("LHKPN not filed"),
    "tptgr": N_("TPTGR claim unsettled"),
    "cap_sanction": N_("Sanction cap"),
    "event": N_("Assembly or ceremony missed"),
}

#: How each kind of assembly or ceremony is named.
EVENT_LABELS = {
    "apel_pagi": N_("Morning assembly (apel pagi)"),
    "apel_sore": N_("Afternoon assembly (apel sore)"),
    "upacara": N_("Flag ceremony (upacara)"),
    "senam": N_("Group exercise (senam)"),
    "sidak": N_("Surprise inspection (sidak)"),
}

#: How each sanction kind is named (PP 94/2021's words, translated for the English reader).
SANCTION_LABELS = {
    "teguran_lisan": N_("Oral reprimand"),
    "teguran_tertulis": N_("Written reprimand"),
    "pernyataan_tidak_puas": N_("Written statement of dissatisfaction"),
    "pemotongan_tunjangan": N_("Performance allowance cut by 25 %"),
    "penurunan_jabatan": N_("Demotion one level lower"),
    "pembebasan_jabatan": N_("Relieved of position, made an implementer"),
    "lhkpn": N_("LHKPN not filed"),
    "tptgr": N_("TPTGR claim unsettled"),
}
#: The heaviness of a sanction kind as the pages name it.
SANCTION_LEVEL_LABELS = {
    "ringan": N_("light"),
    "sedang": N_("moderate"),
    "berat": N_("heavy"),
    "other": N_("other deduction"),
}
