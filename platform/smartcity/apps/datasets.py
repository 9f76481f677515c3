"""Reference datasets: data kept once by the platform, versioned, and pushed into regencies.

The core declares its own (kode wilayah, national holidays); an app declares
its own in its manifest (e-Budgeting: the code tree, the accounts and the price
catalogue). Either way the core's reference sync publishes them, pushes each
regency to the latest version inside the regency's role, and records the
version the regency holds (see :mod:`smartcity.sync.reference`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

Row = dict[str, Any]
#: What a push changed in one tenant for one dataset (empty: nothing).
Changes = dict[str, Any]


@dataclass(frozen=True)
class Dataset:
    """A centrally kept dataset: where its shipped rows come from and how a tenant takes it.

    ``normalize`` checks rows and puts them in one canonical order (so the
    checksum only changes when the content does) and raises ``InvalidInput``
    naming the bad rows: a bad edition is refused at publication, before any
    regency sees it. ``apply`` runs in a tenant session with the rows and the
    version and returns what it changed; a dataset with no tenant-side copy
    returns ``{}`` and the push only records the version. An app's dataset is
    named ``<app>.<what>``.
    """

    name: str
    description: str
    shipped: Callable[[], list[Row]]
    normalize: Callable[[Iterable[Row]], list[Row]]
    apply: Callable[[Session, list[Row], str], Changes]
