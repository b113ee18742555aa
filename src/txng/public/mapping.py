"""A map without third-party code: places projected (Web Mercator) onto an SVG over the city's bounding box.

When the operator configures a tile source (settings.TXNG_MAP_TILE_URL, an XYZ template such as
`https://tiles.example.vn/{z}/{x}/{y}.png`), the tiles that cover the box are drawn under the points;
otherwise the SVG is a plain plot with a graticule (the no-map fallback), and the page lists the places.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from django.conf import settings

from txng.public.selectors import MapPlace

TILE: Final = 256
MAX_WIDTH: Final = 640
FIT_MARGIN: Final = 0.01  # degrees (about 1 km) around a producer's facilities
# Cần Thơ after the 2025 merger (with Hậu Giang and Sóc Trăng): south, west, north, east in WGS84.
DEFAULT_BOUNDS: Final = (9.25, 105.25, 10.35, 106.30)


@dataclass(frozen=True)
class MapPoint:
    place: MapPlace
    x: float
    y: float


@dataclass(frozen=True)
class MapTile:
    href: str
    x: float
    y: float


@dataclass
class MapView:
    width: int
    height: int
    zoom: int
    points: list[MapPoint] = field(default_factory=list)
    areas: list[tuple[MapPlace, str]] = field(default_factory=list)  # growing areas: SVG polygon points
    tiles: list[MapTile] = field(default_factory=list)
    graticule: list[tuple[float, float, float, float, str]] = field(default_factory=list)
    attribution: str = ""


def _world(latitude: float, longitude: float, zoom: int) -> tuple[float, float]:
    scale = TILE * 2**zoom
    latitude = max(-85.0, min(85.0, latitude))
    sine = math.sin(math.radians(latitude))
    x = (longitude + 180.0) / 360.0 * scale
    y = (0.5 - math.log((1 + sine) / (1 - sine)) / (4 * math.pi)) * scale
    return x, y


def bounds() -> tuple[float, float, float, float]:
    """The configured bounding box (settings.TXNG_MAP_BOUNDS "south,west,north,east"), else the city's."""
    configured = getattr(settings, "TXNG_MAP_BOUNDS", None)
    if configured:
        south, west, north, east = (float(value) for value in configured)
        return south, west, north, east
    return DEFAULT_BOUNDS


def _rings(boundary: dict[str, Any] | None) -> list[list[tuple[float, float]]]:
    if not boundary:
        return []
    kind, coordinates = boundary.get("type"), boundary.get("coordinates") or []
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    rings = []
    for polygon in polygons:
        if polygon and isinstance(polygon[0], list):
            rings.append([(float(point[1]), float(point[0])) for point in polygon[0] if len(point) >= 2])
    return rings


def map_view(places: Sequence[MapPlace], *, fit: bool = False) -> MapView:
    """Project the places over the city's box (grown to hold every place), with tiles when configured;
    `fit` frames the places alone (a producer's facilities) with a margin instead."""
    south, west, north, east = bounds()
    if fit and places:
        south, north = min(p.latitude for p in places), max(p.latitude for p in places)
        west, east = min(p.longitude for p in places), max(p.longitude for p in places)
        margin = max(FIT_MARGIN, (north - south) / 4, (east - west) / 4)
        south, north, west, east = south - margin, north + margin, west - margin, east + margin
    for place in places:
        south, north = min(south, place.latitude), max(north, place.latitude)
        west, east = min(west, place.longitude), max(east, place.longitude)
    zoom = 18
    while zoom > 1:
        left, top = _world(north, west, zoom)
        right, bottom = _world(south, east, zoom)
        if right - left <= MAX_WIDTH and bottom - top <= MAX_WIDTH:
            break
        zoom -= 1
    left, top = _world(north, west, zoom)
    right, bottom = _world(south, east, zoom)
    view = MapView(width=max(1, round(right - left)), height=max(1, round(bottom - top)), zoom=zoom)
    for place in places:
        x, y = _world(place.latitude, place.longitude, zoom)
        view.points.append(MapPoint(place, round(x - left, 1), round(y - top, 1)))
        for ring in _rings(place.boundary):
            projected = (_world(lat, lon, zoom) for lat, lon in ring)
            view.areas.append((place, " ".join(f"{px - left:.1f},{py - top:.1f}" for px, py in projected)))
    template = getattr(settings, "TXNG_MAP_TILE_URL", "")
    if template:
        view.attribution = getattr(settings, "TXNG_MAP_TILE_ATTRIBUTION", "")
        for tile_x in range(int(left // TILE), int(right // TILE) + 1):
            for tile_y in range(int(top // TILE), int(bottom // TILE) + 1):
                href = template.replace("{z}", str(zoom)).replace("{x}", str(tile_x)).replace("{y}", str(tile_y))
                view.tiles.append(MapTile(href, round(tile_x * TILE - left, 1), round(tile_y * TILE - top, 1)))
    else:
        step = 0.25 if north - south > 0.2 else 0.01
        latitude = math.ceil(south / step) * step
        while latitude <= north:
            _, y = _world(latitude, west, zoom)
            view.graticule.append((0, round(y - top, 1), view.width, round(y - top, 1), f"{latitude:.2f}°N"))
            latitude += step
        longitude = math.ceil(west / step) * step
        while longitude <= east:
            x, _ = _world(south, longitude, zoom)
            view.graticule.append((round(x - left, 1), 0, round(x - left, 1), view.height, f"{longitude:.2f}°E"))
            longitude += step
    return view
