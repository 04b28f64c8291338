"""Facilitator pages (workshops, sessions, agenda, join links, breakout rounds, the live
console) and the participant's room. Thin: authorise, validate, call one service, respond."""

from __future__ import annotations

import datetime as dt
import functools
import io

import segno
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

# The console's views are entry points: they call the live edge's spanning services and
# read presence from it (the data app's own services and models never do).
from live import presence
from live import services as live_services
from mapping.views import board_client_config
from participants.identity import actor_for, is_facilitator_user
from participants.models import Attendance, Role
from realtime.errors import DomainError

from . import selectors, services
from .forms import AgendaItemForm, GroupForm, JoinLinkForm, RoundForm, SessionForm, WorkshopForm
from .models import AgendaItem, BreakoutGroup, JoinLink, Session, Workshop


def facilitator_required(view):
    """Facilitators only; everyone else is sent to sign in (anonymous) or gets a 404, the
    same answer for "missing" and "not yours"."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_facilitator_user(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def access_workshop(request: HttpRequest, slug: str) -> Workshop:
    """A workshop this facilitator runs (owner or co-facilitator); 404 for another's, as
    for a missing one."""
    return get_object_or_404(Workshop.objects.run_by(request.user), slug=slug)


def access_session(request: HttpRequest, uuid) -> Session:
    """A session by its public uuid, with its workshop, in a workshop this facilitator
    runs; 404 otherwise."""
    return get_object_or_404(
        Session.objects.select_related("workshop", "current_item", "builds_on").filter(
            workshop__in=Workshop.objects.run_by(request.user)), uuid=uuid)


def join_url(request: HttpRequest, link: JoinLink) -> str:
    return request.build_absolute_uri(reverse("participants:join", args=[link.token]))


# --- workshops ------------------------------------------------------------------------------


@facilitator_required
def workshop_list(request: HttpRequest) -> HttpResponse:
    return render(request, "workshops/list.html", {"workshops": selectors.workshops_list(user=request.user)})


@facilitator_required
def workshop_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    workshop = access_workshop(request, slug) if slug else None
    form = WorkshopForm(request.POST or None, instance=workshop, user=request.user)
    if request.method == "POST" and form.is_valid():
        workshop = services.save_workshop(workshop=workshop, created_by=request.user, fields=form.cleaned_data)
        messages.success(request, _("Workshop saved."))
        return redirect("workshops:detail", slug=workshop.slug)
    return render(request, "workshops/workshop_form.html", {"form": form, "workshop": workshop})


@facilitator_required
def workshop_detail(request: HttpRequest, slug: str) -> HttpResponse:
    workshop = access_workshop(request, slug)
    return render(request, "workshops/workshop_detail.html",
                  {"workshop": workshop, "sessions": selectors.sessions_of(workshop)})


# --- sessions, agenda, join links ----------------------------------------------------------


@facilitator_required
def session_edit(request: HttpRequest, slug: str, uuid=None) -> HttpResponse:
    workshop = access_workshop(request, slug)
    session = get_object_or_404(Session, uuid=uuid, workshop=workshop) if uuid else None
    form = SessionForm(request.POST or None, workshop=workshop, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            session = live_services.save_session(workshop=workshop, session=session, fields=form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Session saved."))
            return redirect("workshops:session", uuid=session.uuid)
    return render(request, "workshops/session_form.html", {"form": form, "workshop": workshop, "session": session})


@facilitator_required
def session_detail(request: HttpRequest, uuid) -> HttpResponse:
    session = access_session(request, uuid)
    links = list(session.join_links.order_by("-created_at"))
    now = timezone.now()
    for link in links:
        link.url = join_url(request, link)
        link.usable = link.is_open(now)
    return render(request, "workshops/session_detail.html", {
        "session": session, "workshop": session.workshop, "items": selectors.agenda_of(session),
        "item_form": AgendaItemForm(), "links": links, "link_form": JoinLinkForm(),
    })


@facilitator_required
def agenda_item_edit(request: HttpRequest, uuid, pk: int | None = None) -> HttpResponse:
    session = access_session(request, uuid)
    item = get_object_or_404(AgendaItem, pk=pk, session=session) if pk else None
    form = AgendaItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        services.save_agenda_item(session=session, item=item, fields=form.cleaned_data)
        return redirect("workshops:session", uuid=session.uuid)
    return render(request, "workshops/agenda_form.html", {"form": form, "session": session, "item": item})


@require_POST
@facilitator_required
def agenda_item_delete(request: HttpRequest, uuid, pk: int) -> HttpResponse:
    session = access_session(request, uuid)
    services.delete_agenda_item(item=get_object_or_404(AgendaItem, pk=pk, session=session))
    return redirect("workshops:session", uuid=session.uuid)


@require_POST
@facilitator_required
def agenda_item_move(request: HttpRequest, uuid, pk: int) -> HttpResponse:
    session = access_session(request, uuid)
    services.move_agenda_item(item=get_object_or_404(AgendaItem, pk=pk, session=session),
                              up=request.POST.get("direction") == "up")
    return redirect("workshops:session", uuid=session.uuid)


@require_POST
@facilitator_required
def join_link_create(request: HttpRequest, uuid) -> HttpResponse:
    session = access_session(request, uuid)
    form = JoinLinkForm(request.POST)
    if form.is_valid():
        hours = form.cleaned_data["expires_in_hours"]
        services.create_join_link(session=session, role=form.cleaned_data["role"],
                                  expires_at=timezone.now() + dt.timedelta(hours=hours) if hours else None)
        messages.success(request, _("New join link created."))
    else:
        messages.error(request, _("Check the join link settings."))
    return redirect("workshops:session", uuid=session.uuid)


@require_POST
@facilitator_required
def join_link_revoke(request: HttpRequest, uuid, pk: int) -> HttpResponse:
    session = access_session(request, uuid)
    services.revoke_join_link(link=get_object_or_404(JoinLink, pk=pk, session=session))
    messages.success(request, _("Join link revoked: nobody new can use it or its code."))
    return redirect("workshops:session", uuid=session.uuid)


@facilitator_required
def join_qr(request: HttpRequest, uuid, pk: int) -> HttpResponse:
    """The join link as an SVG QR code (no inline style, so the CSP allows it)."""
    session = access_session(request, uuid)
    link = get_object_or_404(JoinLink, pk=pk, session=session)
    out = io.BytesIO()
    segno.make(join_url(request, link), error="m").save(out, kind="svg", xmldecl=False, scale=6, border=2)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


# --- the console --------------------------------------------------------------------------


def _console_context(request: HttpRequest, session: Session) -> dict:
    # The card projected to the room is the participants' link; links for other roles
    # (observers, say) are listed apart, so nobody joins as an observer by mistake.
    links = selectors.open_join_links(session)
    link = next((lk for lk in links if lk.role == Role.PARTICIPANT), None)
    return {
        "session": session, "workshop": session.workshop, "items": selectors.agenda_of(session),
        "roster": selectors.roster(session, online=presence.online_ids(session.pk)), "link": link,
        "link_url": join_url(request, link) if link else "",
        "other_links": [(lk, join_url(request, lk)) for lk in links if lk.role != Role.PARTICIPANT],
        "round_form": RoundForm(session=session),
    }


@facilitator_required
def console(request: HttpRequest, uuid) -> HttpResponse:
    session = access_session(request, uuid)
    return render(request, "workshops/console.html", _console_context(request, session))


@facilitator_required
def console_panel(request: HttpRequest, uuid) -> HttpResponse:
    """The roster, groups and waiting list, re-fetched by the console when the
    facilitators' stream says something changed (few facilitators, so HTML is fine)."""
    session = access_session(request, uuid)
    return render(request, "workshops/_console_panel.html",
                  {"session": session, "roster": selectors.roster(session, online=presence.online_ids(session.pk))})


@require_POST
@facilitator_required
def round_create(request: HttpRequest, uuid) -> HttpResponse:
    session = access_session(request, uuid)
    form = RoundForm(request.POST, session=session)
    if form.is_valid():
        services.create_round(session=session, agenda_item=form.cleaned_data["agenda_item"],
                              strategy=form.cleaned_data["strategy"], n_groups=form.cleaned_data["n_groups"],
                              cap=form.cleaned_data["cap"], board_template=form.cleaned_data["board_template"])
        messages.success(request, _("Groups proposed. Adjust them, then open the groups."))
    else:
        messages.error(request, _("Check the breakout settings."))
    return redirect("workshops:console", uuid=session.uuid)


@facilitator_required
def group_edit(request: HttpRequest, uuid, pk: int) -> HttpResponse:
    session = access_session(request, uuid)
    group = get_object_or_404(BreakoutGroup.objects.select_related("round"), pk=pk, round__session=session)
    form = GroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        services.update_group(group=group, name=form.cleaned_data["name"], video_url=form.cleaned_data["video_url"])
        return redirect("workshops:console", uuid=session.uuid)
    return render(request, "workshops/group_form.html", {"form": form, "session": session, "group": group})


# --- the participant's room -------------------------------------------------------------------


def room(request: HttpRequest, uuid) -> HttpResponse:
    """The participant's live page: session bar, agenda, their group, boards. Only for
    someone who joined this session (else back to the join page)."""
    session = get_object_or_404(Session.objects.select_related("workshop", "current_item"), uuid=uuid)
    actor = actor_for(user=request.user, session=request.session, workshop_id=session.workshop_id)
    if actor.is_facilitator:
        return redirect("workshops:console", uuid=session.uuid)
    participant = actor.participant
    if participant is None or not Attendance.objects.filter(participant=participant, session=session).exists():
        messages.error(request, _("Join the session first."))
        return redirect("home")
    rejoin = request.build_absolute_uri(reverse("participants:rejoin", args=[participant.rejoin_token]))
    # For static/js/board.js mountBoard(): the room shows the board the welcome frame
    # offers, inline, on the room's socket.
    board_config = board_client_config()
    return render(request, "workshops/room.html", {
        "session": session, "workshop": session.workshop, "participant": participant,
        "items": selectors.agenda_of(session), "rejoin_url": rejoin, "board_config": board_config,
    })
