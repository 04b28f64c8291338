"""Limits on guessing join codes and links and on posting the join form, per client address.

Counts live in Django's cache (Redis with REDIS_URL, so every web process shares them;
else this process's memory) through django-ratelimit's fixed windows. The rates are
settings (JOIN_GUESS_RATE, JOIN_SUBMIT_RATE); docs/deployment.md says how to choose them.
Only misses count as guesses: a room of people typing the right code from one office
address is never slowed by it.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

GUESS_GROUP = "join-guess"
SUBMIT_GROUP = "join-submit"


def client_ip(request: HttpRequest) -> str:
    """The client's address as the ASGI server saw it. Behind the TLS proxy uvicorn's
    --proxy-headers has already put the forwarded address here; reading X-Forwarded-For
    ourselves would trust whatever a client writes. Also django-axes' address."""
    return request.META.get("REMOTE_ADDR") or ""


def _wait(request: HttpRequest, *, group: str, rate: str, increment: bool) -> int | None:
    """With increment, this request is one more and may itself be over the limit; without,
    the limit is reached once `limit` have been counted (the next would be over)."""
    usage = get_usage(request, group=group, key="ip", rate=rate, increment=increment)
    if usage is None:
        return None
    over = usage["should_limit"] if increment else usage["should_limit"] or usage["count"] >= usage["limit"]
    return max(usage["time_left"], 1) if over else None


def guess_wait(request: HttpRequest) -> int | None:
    """Seconds until this address may try a code or link again, or None when it may now.
    Counts nothing: call count_guess when the code or link turns out to be wrong."""
    return _wait(request, group=GUESS_GROUP, rate=settings.JOIN_GUESS_RATE, increment=False)


def count_guess(request: HttpRequest) -> None:
    """Count one wrong, withdrawn or expired code or link from this address."""
    _wait(request, group=GUESS_GROUP, rate=settings.JOIN_GUESS_RATE, increment=True)


def submit_wait(request: HttpRequest) -> int | None:
    """Count one post of the join form from this address; seconds to wait when that one
    is over the limit, else None."""
    return _wait(request, group=SUBMIT_GROUP, rate=settings.JOIN_SUBMIT_RATE, increment=True)


def too_many_requests(request: HttpRequest, *, message: str, wait_seconds: int) -> HttpResponse:
    """HTTP 429 with a page in the reader's language and a Retry-After header."""
    minutes = max(1, math.ceil(wait_seconds / 60))
    response = render(request, "429.html", {"message": message, "minutes": minutes}, status=429)
    response["Retry-After"] = str(wait_seconds)
    return response
