"""Times as people in a regional workshop read them: their own zone with the
workshop's home zone beside it, e.g. "10:00 Turin · 14:00 Almaty"."""

from __future__ import annotations

import zoneinfo
from datetime import datetime


def city_of(zone_name: str) -> str:
    """'Asia/Almaty' -> 'Almaty'; 'America/Argentina/Buenos_Aires' -> 'Buenos Aires'."""
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


def dual_time(moment: datetime, *, home_zone: str, home_city: str, viewer_zone: str | None) -> str:
    """Format an aware UTC datetime in the home zone and, when it differs, the viewer's."""
    home = moment.astimezone(zoneinfo.ZoneInfo(home_zone))
    text = f"{home:%H:%M} {home_city}"
    if viewer_zone and viewer_zone != home_zone:
        try:
            viewer = moment.astimezone(zoneinfo.ZoneInfo(viewer_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return text
        if viewer.utcoffset() != home.utcoffset() or viewer.date() != home.date():
            text += f" · {viewer:%H:%M} {city_of(viewer_zone)}"
    return text
