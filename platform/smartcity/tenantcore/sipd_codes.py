"""SIPD's long code of an organisation unit (kode SKPD and kode unit SKPD).

Permendagri 90/2019 codes an organisation ``U.BB.U.BB.U.BB.NN.SSSS``: three
urusan/bidang pairs (the bidang the SKPD serves first, then up to two more it also
serves, ``0.00`` where there is none), the SKPD's number among those of its first
bidang (``NN``, from 01) and the sub-unit: ``0000`` is the SKPD itself, ``0001`` and
up its unit kerja that SIPD budgets apart (a UPTD, a puskesmas, a kelurahan under its
kecamatan, a bagian of the Sekretariat Daerah). So a sub-unit shares the first seven
groups of its SKPD's code (its *unit part*, ``1.02.0.00.0.00.01``) and differs only in
the last: SIPD has these two levels and no deeper one, whatever the depth of the unit
in the regency's own tree.

The short org-unit code (``1.02``, ``4.01.03``) stays the regency's own numbering;
this one is what SIPD, the RKA/DPA and the budget export name the unit by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from smartcity.errors import Message

#: The urusan and bidang of Permendagri 90/2019 (as updated by Kepmendagri
#: 050-5889/2021): 1 wajib pelayanan dasar, 2 wajib non pelayanan dasar, 3 pilihan,
#: 4 unsur pendukung, 5 unsur penunjang, 6 pengawasan, 7 kewilayahan, 8 pemerintahan
#: umum. A bidang's number runs on across urusan 1-3 (2.07 follows 1.06).
BIDANG: frozenset[str] = frozenset(
    [
        *(f"1.{n:02d}" for n in range(1, 7)),
        *(f"2.{n:02d}" for n in range(7, 25)),
        *(f"3.{n:02d}" for n in range(25, 33)),
        "4.01",
        "4.02",
        *(f"5.{n:02d}" for n in range(1, 8)),
        "6.01",
        "7.01",
        "8.01",
    ]
)
NO_BIDANG = "0.00"
SKPD_ITSELF = "0000"
LENGTH = 22
#: ASCII digits only: ``\d`` would also take other scripts' digits (Arabic-Indic, Devanagari ...).
SHAPE = re.compile(
    r"([0-9]\.[0-9]{2})\.([0-9]\.[0-9]{2})\.([0-9]\.[0-9]{2})\.([0-9]{2})\.([0-9]{4})"
)
EXAMPLE = "1.02.0.00.0.00.01.0000"


@dataclass(frozen=True)
class SipdCode:
    """A well-formed code, taken apart."""

    text: str
    bidang: tuple[str, ...]  # the bidang it names, in order (no 0.00)
    unit_part: str  # the first seven groups: the SKPD's, shared by its sub-units
    sub_unit: str  # 0000: the SKPD itself

    @property
    def is_skpd(self) -> bool:
        return self.sub_unit == SKPD_ITSELF


def parse(text: str) -> SipdCode | Message:
    """The code taken apart, or what is wrong with it (for the field, in words)."""
    match = SHAPE.fullmatch(text) if len(text) == LENGTH else None
    if match is None:
        return Message(
            "like %(example)s: three urusan/bidang pairs, the unit and the sub-unit, in digits",
            example=EXAMPLE,
        )
    pairs = match.groups()[:3]
    named = [pair for pair in pairs if pair != NO_BIDANG]
    if wrong := _pairs_problem(pairs, named):
        return wrong
    if match.group(4) == "00":
        return Message("the unit number is 01 or more")
    return SipdCode(text, tuple(named), text[: -len(SKPD_ITSELF) - 1], match.group(5))


def _pairs_problem(pairs: tuple[str, ...], named: list[str]) -> Message | None:
    if pairs[0] == NO_BIDANG:
        return Message("the first urusan/bidang pair names the bidang the unit serves")
    if list(pairs[: len(named)]) != named:
        return Message("write the urusan/bidang pairs in order: 0.00 only after the last one")
    if unknown := [pair for pair in named if pair not in BIDANG]:
        return Message(
            "bidang %(codes)s is not in the urusan list of Permendagri 90/2019",
            codes=", ".join(unknown),
        )
    if len(set(named)) != len(named):
        return Message("each bidang is named once")
    return None


def as_sub_unit(code: str, unit_part: str) -> str:
    """``code`` moved under another SKPD's unit part, keeping its sub-unit number."""
    return f"{unit_part}.{code[-len(SKPD_ITSELF) :]}"


def clean(value: str | None) -> str | None:
    """A typed code without the spaces around it; empty is no code."""
    value = (value or "").strip()
    return value or None


def problem(code: str, *, parent_code: str | None, is_sub_unit: bool) -> Message | None:
    """What is wrong with ``code`` for a unit at this place in the tree, or None.

    An OPD (a unit at the top of the tree) is an SKPD: its code ends in ``0000``. A
    unit under it is a sub-unit: its parent must have a code, and it takes its
    parent's unit part with a number of its own (``0001`` and up).
    """
    parsed = parse(code)
    if isinstance(parsed, Message):
        return parsed
    if not is_sub_unit:
        if parsed.is_skpd:
            return None
        return Message("an OPD's code ends in .0000; its sub-units are numbered from .0001 up")
    return _sub_unit_problem(parsed, parent_code)


def _sub_unit_problem(parsed: SipdCode, parent_code: str | None) -> Message | None:
    if parent_code is None:
        return Message("its parent unit has no SIPD code yet: give the parent its code first")
    unit_part = parent_code[: -len(SKPD_ITSELF) - 1]
    if parsed.unit_part != unit_part:
        return Message("a sub-unit's code starts with its OPD's %(unit)s.", unit=unit_part)
    if parsed.is_skpd:
        return Message("a sub-unit's number is 0001 or more: 0000 is the OPD itself")
    return None
