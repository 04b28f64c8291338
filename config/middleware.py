"""Activates the viewer's own time zone for each request."""

import zoneinfo

from django.utils import timezone


def _valid_zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class ViewerTimezoneMiddleware:
    """Use the zone the viewer chose (participant profile), else the one the browser
    reported in the `tz` cookie, else the server default. Templates then render
    times in the viewer's zone; `{% dual_time %}` adds the workshop's home zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = _valid_zone(request.session.get("tz")) or _valid_zone(request.COOKIES.get("tz"))
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)
