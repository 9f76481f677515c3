"""Reference data shipped with the platform: kode wilayah of every province, kab/kota, kecamatan.

The edition and where it was read from are the ``#`` lines at the top of
``data/kode_wilayah.csv``; a newer edition is published with
``smartcity sync publish-reference --dataset regions --file ...``.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files
from typing import NamedTuple


class RegionRow(NamedTuple):
    code: str
    name: str
    level: str


@cache
def region_rows() -> tuple[RegionRow, ...]:
    text = files("smartcity").joinpath("data/kode_wilayah.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return tuple(RegionRow(row["kode"], row["nama"], row["level"]) for row in csv.DictReader(lines))


def province_of(code: str) -> str | None:
    """The province name of a regency code like ``33.18``."""
    prefix = code.split(".", maxsplit=1)[0]
    return next((r.name for r in region_rows() if r.code == prefix), None)
