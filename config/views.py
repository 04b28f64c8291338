from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from participants.identity import is_facilitator_user
from participants.throttle import too_many_requests
from realtime.hub import round_trip


def home(request: HttpRequest) -> HttpResponse:
    """Facilitators land on their workshops; everyone else on the join-by-code page."""
    if is_facilitator_user(request.user):
        return redirect("workshops:list")
    return render(request, "home.html")


def signin_locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a sign-in for a username or from an address that has had
    too many wrong passwords (settings.AXES_LOCKOUT_CALLABLE): the 429 page, whatever the
    password this time."""
    return too_many_requests(
        request,
        message=_("Too many wrong passwords: sign-in for this account or from this network is paused."),
        wait_seconds=int(settings.AXES_COOLOFF_TIME.total_seconds()),
    )


async def _layer_round_trip() -> bool:
    return await round_trip(timeout=2)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 only when the database and the channel layer both answer a real round trip."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            checks["database"] = cursor.fetchone()[0] == 1
    except Exception as exc:  # report, don't raise: this is the health page
        checks["database"] = False
        checks["database_error"] = str(exc)[:200]
    try:
        checks["channel_layer"] = async_to_sync(_layer_round_trip)()
    except Exception as exc:
        checks["channel_layer"] = False
        checks["channel_layer_error"] = str(exc)[:200]
    ok = checks["database"] is True and checks["channel_layer"] is True
    return JsonResponse({"ok": ok, **checks}, status=200 if ok else 503)
