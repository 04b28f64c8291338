"""Per-request middleware: the viewer's time zone; database connections closed after each
request; compression of pages and JSON."""

import zoneinfo

from django.db import connections
from django.middleware.gzip import GZipMiddleware
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


class CompressionMiddleware(GZipMiddleware):
    """gzip for pages, JSON and the JavaScript catalogue; nothing else.

    Streaming responses (export downloads: DOCX, XLSX and PDF are compressed already)
    and types outside COMPRESSIBLE pass untouched, and websockets never reach Django's
    HTTP middleware. WhiteNoise answers static files above this (precompressed at
    collectstatic). BREACH: see docs/deployment.md ("Compression"); Django adds up to
    100 random bytes to each gzip body, masks the CSRF token per response, and the
    session cookie is SameSite=Lax, so a foreign page cannot replay requests with it.
    """

    COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")

    def process_response(self, request, response):
        if response.streaming or not response.get("Content-Type", "").startswith(self.COMPRESSIBLE):
            return response
        return super().process_response(request, response)


class ImmutableNoVaryMiddleware:
    """A response marked `Cache-Control: immutable` (the versioned JavaScript catalogue)
    is the same for whoever asks for its URL: drop the `Vary: Cookie, Accept-Language`
    the session and locale middleware add, so a new cookie does not make the browser fetch
    it again. Sits just inside CompressionMiddleware, which then adds `Accept-Encoding`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "immutable" in response.get("Cache-Control", "") and response.has_header("Vary"):
            del response["Vary"]
        return response
