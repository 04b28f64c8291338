"""Times as people in a regional workshop read them: their own zone first, the
workshop's home zone beside it, e.g. "14:00 Almaty · 10:00 Turin". The date a page
prints before the time is the viewer's (Django's current zone), so where the home zone
is on another day its date is named too: "01:00 Almaty · 21:00 Turin, 4 December"."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.utils import formats


def city_of(zone_name: str) -> str:
    """'Asia/Almaty' -> 'Almaty'; 'America/Argentina/Buenos_Aires' -> 'Buenos Aires'."""
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


def dual_time(moment: datetime, *, home_zone: str, home_city: str, viewer_zone: str | None) -> str:
    """Format an aware UTC datetime in the viewer's zone and, beside it when it differs,
    the home zone (with the home date when the two are on different days)."""
    home = moment.astimezone(zoneinfo.ZoneInfo(home_zone))
    home_text = f"{home:%H:%M} {home_city}"
    if not viewer_zone or viewer_zone == home_zone:
        return home_text
    try:
        viewer = moment.astimezone(zoneinfo.ZoneInfo(viewer_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return home_text
    if viewer.utcoffset() == home.utcoffset():
        return home_text
    if viewer.date() != home.date():
        home_text += f", {formats.date_format(home, 'j E')}"
    return f"{viewer:%H:%M} {city_of(viewer_zone)} · {home_text}"
