"""The shape of Permendagri 90/2019 codes, checked without a query.

Programme classification: urusan ``1``, bidang ``1.02``, program ``1.02.02``,
kegiatan ``1.02.02.2.01`` (its fourth segment is the level of government:
``2`` for a kabupaten/kota, ``1`` for a province), sub kegiatan
``1.02.02.2.01.0001``. Accounts (kode rekening) have six levels,
``5.1.02.01.01.0024``. A child's code is its parent's code plus one segment
(a kegiatan adds two: the level digit and its number).
"""

from __future__ import annotations

import re

from .rules import Violation

LEVELS = ("urusan", "bidang", "program", "kegiatan", "sub_kegiatan")
_SHAPES = {
    "urusan": re.compile(r"^\d$"),
    "bidang": re.compile(r"^\d\.\d{2}$"),
    "program": re.compile(r"^\d\.\d{2}\.\d{2}$"),
    "kegiatan": re.compile(r"^\d\.\d{2}\.\d{2}\.\d\.\d{2}$"),
    "sub_kegiatan": re.compile(r"^\d\.\d{2}\.\d{2}\.\d\.\d{2}\.\d{4}$"),
}
_EXAMPLES = {
    "urusan": "1",
    "bidang": "1.02",
    "program": "1.02.02",
    "kegiatan": "1.02.02.2.01",
    "sub_kegiatan": "1.02.02.2.01.0001",
}
_ACCOUNT_WIDTHS = (1, 1, 2, 2, 2, 4)
KABUPATEN_LEVEL = "2"


def level_of(code: str) -> str | None:
    """The level a well-formed code belongs to, else None."""
    return next((level for level, shape in _SHAPES.items() if shape.fullmatch(code)), None)


def parent_code(code: str) -> str | None:
    """The code of the parent node (None for an urusan)."""
    parts = code.split(".")
    if len(parts) == 1:
        return None
    if len(parts) == 5:  # kegiatan: drop its number and the level digit
        return ".".join(parts[:3])
    return ".".join(parts[:-1])


def program_code(code: str) -> str:
    """The program a kegiatan or sub kegiatan belongs to (``1.02.02``)."""
    return ".".join(code.split(".")[:3])


def kegiatan_code(code: str) -> str:
    return ".".join(code.split(".")[:5])


def code_violations(
    code: str, level: str | None = None, parent: str | None = None
) -> list[Violation]:
    """Why ``code`` cannot name a node (of ``level``, under ``parent``); empty if it can."""
    actual = level_of(code)
    expected = level or actual
    if expected not in _SHAPES or actual != expected:
        return [
            Violation(
                "code_hierarchy",
                "code %(code)s is not a %(level)s code like %(example)s",
                {
                    "code": code,
                    "level": (expected or "programme").replace("_", " "),
                    "example": _EXAMPLES.get(expected or "sub_kegiatan", "1.02.02.2.01.0001"),
                },
            )
        ]
    problems = []
    parts = code.split(".")
    if len(parts) >= 5 and parts[3] != KABUPATEN_LEVEL:
        problems.append(
            Violation(
                "government_level",
                "code %(code)s has level digit %(digit)s; a kabupaten/kota uses 2",
                {"code": code, "digit": parts[3]},
            )
        )
    if parent is not None and parent_code(code) != parent:
        problems.append(
            Violation(
                "code_hierarchy",
                "code %(code)s does not start with its parent's code %(parent)s",
                {"code": code, "parent": parent},
            )
        )
    return problems


def account_level(code: str) -> int | None:
    """1-6 for a well-formed kode rekening, else None."""
    parts = code.split(".")
    if not 1 <= len(parts) <= 6:
        return None
    for part, width in zip(parts, _ACCOUNT_WIDTHS, strict=False):
        if len(part) != width or not part.isdecimal():
            return None
    return len(parts)


def account_parent(code: str) -> str | None:
    return code.rpartition(".")[0] or None


def account_violations(code: str, parent: str | None = None) -> list[Violation]:
    if account_level(code) is None:
        return [
            Violation(
                "code_hierarchy",
                "account %(code)s is not a kode rekening like 5.1.02.01.01.0024",
                {"code": code},
            )
        ]
    if parent is not None and account_parent(code) != parent:
        return [
            Violation(
                "code_hierarchy",
                "account %(code)s does not start with its parent's code %(parent)s",
                {"code": code, "parent": parent},
            )
        ]
    return []
