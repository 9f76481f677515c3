"""Geofences and travel speed: pure functions over WGS-84 coordinates.

A check-in is trusted only inside one of its office's fences; a punch that
implies travelling faster than any road allows since the previous punch is
flagged (a spoofed location, or a phone lent to a colleague).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8

Point = tuple[float, float]  # (latitude, longitude) in degrees


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres (haversine; ample precision at city scale)."""
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def inside_polygon(point: Point, polygon: Sequence[Point]) -> bool:
    """Ray casting on (lat, lon) as a plane: exact enough for an office compound."""
    lat, lon = point
    inside = False
    count = len(polygon)
    for i in range(count):
        lat1, lon1 = polygon[i]
        lat2, lon2 = polygon[(i + 1) % count]
        if (lon1 > lon) != (lon2 > lon):
            crossing = lat1 + (lon - lon1) * (lat2 - lat1) / (lon2 - lon1)
            if lat < crossing:
                inside = not inside
    return inside


@dataclass(frozen=True)
class Fence:
    """An office's fence: a circle (centre and radius), or a polygon when one is drawn."""

    centre: Point
    radius_m: float
    polygon: tuple[Point, ...] = ()

    def contains(self, point: Point) -> bool:
        if len(self.polygon) >= 3:
            return inside_polygon(point, self.polygon)
        return distance_m(self.centre, point) <= self.radius_m


def implied_speed_kmh(a: Point, b: Point, seconds: float) -> float:
    """The speed needed to go from ``a`` to ``b`` in ``seconds`` (infinite for no time)."""
    metres = distance_m(a, b)
    if metres == 0:
        return 0.0
    if seconds <= 0:
        return math.inf
    return metres / seconds * 3.6
