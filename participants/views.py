"""Joining without an account: by code, by link, by personal rejoin link; the profile.

Joining touches sessions and join links, which belong to workshops; these views import
workshops inside the functions so participants keeps importing nothing of ours at module
level (see ARCHITECTURE.md), and the writes happen in workshops.services.join_session.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from . import throttle
from .forms import ProfileForm
from .identity import participant_id_from_session, remember_participant, remembered_profile
from .models import Participant
from .services import update_profile


def _too_many_guesses(request: HttpRequest, wait_seconds: int) -> HttpResponse:
    return throttle.too_many_requests(
        request, wait_seconds=wait_seconds,
        message=_("Too many wrong codes or links were tried from your network, so joining is paused for a moment."),
    )


def _enter(request: HttpRequest, participant: Participant, session) -> HttpResponse:
    remember_participant(request.session, participant)
    response = redirect("workshops:room", uuid=session.uuid)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, participant.language, max_age=settings.SESSION_COOKIE_AGE,
                        secure=settings.LANGUAGE_COOKIE_SECURE, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                        httponly=settings.LANGUAGE_COOKIE_HTTPONLY, path=settings.LANGUAGE_COOKIE_PATH)
    return response


def join_code(request: HttpRequest) -> HttpResponse:
    """Find the session behind a typed code and go to its join page. Case, spaces and
    dashes do not matter; revoked, expired and unknown codes get the same answer."""
    from workshops import selectors

    if wait := throttle.guess_wait(request):
        return _too_many_guesses(request, wait)
    code = "".join(ch for ch in request.GET.get("code", "").upper() if ch.isalnum())
    link = selectors.usable_link(code=code) if code else None
    if link is None:
        if code:
            throttle.count_guess(request)
        messages.error(request, _("No open session has that code. Check it and try again."))
        return redirect("home")
    return redirect("participants:join", token=link.token)


def join_link(request: HttpRequest, token: str) -> HttpResponse:
    """The join page: a one-screen profile, or "continue as ..." for someone this browser
    already knows in the workshop (session one's people coming back for session two)."""
    from workshops import selectors, services

    if wait := throttle.guess_wait(request):
        return _too_many_guesses(request, wait)
    link = selectors.usable_link(token=token)
    if link is None:
        throttle.count_guess(request)
        return render(request, "participants/join_invalid.html", status=404)
    if request.method == "POST" and (wait := throttle.submit_wait(request)):
        return throttle.too_many_requests(
            request, wait_seconds=wait,
            message=_("Too many people have joined from your network in a short time."),
        )
    session = link.session
    known_id = participant_id_from_session(request.session, session.workshop_id)
    known = Participant.objects.filter(pk=known_id, workshop_id=session.workshop_id).first() if known_id else None
    if request.method == "POST" and known is not None and request.POST.get("as_known"):
        try:
            participant, _attendance = services.join_session(link=link, participant=known)
        except services.JoinRefused:
            return render(request, "participants/join_invalid.html", status=404)
        return _enter(request, participant, session)
    # A person reading the join page in Russian most likely wants to go on in Russian.
    initial = {"language": translation.get_language()}
    if known is None:  # "I am someone else" on a known browser starts blank
        initial |= remembered_profile(request.session)
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            participant, _attendance = services.join_session(link=link, profile=form.cleaned_data)
        except services.JoinRefused:
            return render(request, "participants/join_invalid.html", status=404)
        return _enter(request, participant, session)
    return render(request, "participants/join.html", {
        "form": form, "session": session, "workshop": session.workshop, "known": known,
        "show_form": known is None or request.method == "POST" or request.GET.get("new") == "1",
    })


def rejoin(request: HttpRequest, token: str) -> HttpResponse:
    """A personal link: the same person on another device or after a dropped connection.
    Goes to the newest session they attended."""
    if wait := throttle.guess_wait(request):
        return _too_many_guesses(request, wait)
    participant = Participant.objects.filter(rejoin_token=token).first()
    attendance = (participant.attendances.select_related("session").order_by("-session__starts_at").first()
                  if participant is not None else None)
    if attendance is None:  # no attendance gets the same answer as a bad token
        throttle.count_guess(request)
        raise Http404
    return _enter(request, participant, attendance.session)


def profile(request: HttpRequest, uuid) -> HttpResponse:
    """Edit the one-screen profile from the room."""
    from workshops.models import Session

    session = get_object_or_404(Session, uuid=uuid)
    pid = participant_id_from_session(request.session, session.workshop_id)
    participant = get_object_or_404(Participant, pk=pid or -1, workshop_id=session.workshop_id)
    initial = {"display_name": participant.display_name, "country": participant.country,
               "stakeholder": participant.stakeholder, "organisation": participant.organisation,
               "language": participant.language, "timezone_name": participant.timezone}
    form = ProfileForm(request.POST or None, initial=initial, require_consent=False)
    if request.method == "POST" and form.is_valid():
        participant = update_profile(participant=participant, **form.cleaned_data)
        messages.success(request, _("Profile saved."))
        return _enter(request, participant, session)
    return render(request, "participants/profile.html", {"form": form, "session": session,
                                                         "workshop": session.workshop})
