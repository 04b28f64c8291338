"""Per-request middleware: the viewer's time zone; database connections closed after each request."""

import zoneinfo

from django.db import connections
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


class CloseDatabaseAfterRequestMiddleware:
    """Close the request's database connections when its response is ready.

    Under ASGI, Django runs each HTTP request's synchronous work in a thread and context
    of its own, so a persistent connection (CONN_MAX_AGE) is never reused by a later
    request: it lingers until garbage-collected. Measured: 60 requests left 27 idle
    PostgreSQL connections, and a burst of joins then met "too many clients" and /healthz
    answered 503 (docs/performance.md). Websocket work runs in one reused thread per
    process and keeps its persistent connection, which matters: reconnecting for every
    board op tripled the load test's p95.

    Outermost in MIDDLEWARE, so the session is saved before we close. A connection inside
    an atomic block (tests wrapped in a transaction) is left alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            for conn in connections.all(initialized_only=True):
                if not conn.in_atomic_block:
                    conn.close()
