"""Adoption: who uses which app, per tenant, so Bandung sees which grants are used.

``usage.activity`` records each authenticated tenant request; :func:`collect`
rolls a day up into ``platform.tenant_usage_daily`` (nightly, or
``smartcity usage collect``); ``usage.adoption`` reads the figures for the console.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcity.usage.collector import CollectReport


def collect(day: date | None = None) -> CollectReport:
    """Roll up ``day`` (default: yesterday) for every active tenant; see ``usage.collector``.

    Imported on call: ``smartcity.models`` imports this package for its models,
    and the collector needs the whole platform.
    """
    from smartcity.usage.collector import collect as collect_day

    return collect_day(day)


__all__ = ["collect"]
