"""Every change to workshops, sessions, agendas, join links, breakout rounds and the live
room. One function per action, keyword-only, one transaction each; views, the websocket
handlers (workshops.live), the demo and the admin all call these.

Every live change is appended to the session's event log and published after commit
by workshops.events.emit (one seq per session; docs/protocol.md lists the frames).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from participants.models import Attendance, Participant, Role
from participants.services import create_participant
from realtime.errors import DomainError

from . import selectors, strategies
from .events import emit, facilitators_stream, group_stream, participant_stream
from .models import AgendaItem, BreakoutGroup, BreakoutRound, GroupMembership, JoinLink, Session, Workshop


class JoinRefused(Exception):
    """The link or code is missing, revoked or expired (one answer for all three)."""


# --- workshops, sessions, agenda -------------------------------------------------------

WORKSHOP_FIELDS = ("title", "objectives", "background", "description", "organiser", "contact_persons",
                   "country_coordinator", "home_timezone", "home_city", "languages",
                   "default_author_mode")


@transaction.atomic
def save_workshop(*, workshop: Workshop | None, created_by, fields: Mapping[str, Any]) -> Workshop:
    """Create (workshop=None) or edit a workshop from validated form data. A new workshop
    gets a unique slug from its title."""
    if workshop is None:
        workshop = Workshop(created_by=created_by)
        base = slugify(fields["title"])[:70] or "workshop"
        slug, n = base, 2
        while Workshop.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        workshop.slug = slug
    for name in WORKSHOP_FIELDS:
        if name in fields:
            setattr(workshop, name, fields[name])
    workshop.save()
    if "co_facilitators" in fields:
        workshop.co_facilitators.set(fields["co_facilitators"])
    return workshop


SESSION_FIELDS = ("title", "starts_at", "ends_at", "audience", "builds_on")


@transaction.atomic
def save_session(*, workshop: Workshop, session: Session | None, fields: Mapping[str, Any]) -> Session:
    """Create a session at the end of the workshop's order, or edit one. Times arrive as
    aware datetimes (the form reads them in the workshop's home zone) and are stored UTC.
    A new session gets a join link at once: there is always a way in to share."""
    if fields["ends_at"] <= fields["starts_at"]:
        raise DomainError("invalid", "the session must end after it starts")
    builds_on = fields.get("builds_on")
    if builds_on is not None and (builds_on.workshop_id != workshop.pk or (session and builds_on.pk == session.pk)):
        raise DomainError("invalid", "a session can only build on an earlier session of the same workshop")
    created = session is None
    if created:
        last = Session.objects.filter(workshop=workshop).order_by("-order").values_list("order", flat=True).first()
        session = Session(workshop=workshop, order=(last or 0) + 1)
    for name in SESSION_FIELDS:
        if name in fields:
            setattr(session, name, fields[name])
    session.save()
    if created:
        JoinLink.objects.create(session=session)
    return session


@transaction.atomic
def save_agenda_item(*, session: Session, item: AgendaItem | None, fields: Mapping[str, Any]) -> AgendaItem:
    """Add an item at the end of the agenda, or edit one; the live bar follows an edit
    of the current item."""
    if item is None:
        last = AgendaItem.objects.filter(session=session).order_by("-order").values_list("order", flat=True).first()
        item = AgendaItem(session=session, order=(last or 0) + 1)
    for name in ("title", "kind", "planned_minutes", "description"):
        if name in fields:
            setattr(item, name, fields[name])
    item.save()
    if session.current_item_id == item.pk:
        emit(session_id=session.pk, frame={"type": "agenda.current", "item": selectors.item_frame(item)})
    return item


@transaction.atomic
def delete_agenda_item(*, item: AgendaItem) -> None:
    session = item.session
    was_current = session.current_item_id == item.pk
    item.delete()
    if was_current:
        emit(session_id=session.pk, frame={"type": "agenda.current", "item": None})


@transaction.atomic
def move_agenda_item(*, item: AgendaItem, up: bool) -> None:
    """Swap an item with its neighbour; orders are renumbered 1..n so they stay dense."""
    items = list(AgendaItem.objects.select_for_update().filter(session_id=item.session_id).order_by("order", "id"))
    index = next(i for i, it in enumerate(items) if it.pk == item.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for order, it in enumerate(items, start=1):
        if it.order != order:
            it.order = order
            it.save(update_fields=["order"])


@transaction.atomic
def set_current_item(*, session: Session, item: AgendaItem | None) -> Session:
    """Mark the agenda item everyone is on; every screen in the session follows."""
    if item is not None and item.session_id != session.pk:
        raise DomainError("not_found", "no such agenda item")
    session.current_item = item
    session.save(update_fields=["current_item"])
    if item is not None and item.started_at is None:
        item.started_at = timezone.now()
        item.save(update_fields=["started_at"])
    emit(session_id=session.pk, frame={"type": "agenda.current", "item": selectors.item_frame(item)})
    return session


# --- join links and joining -------------------------------------------------------------


@transaction.atomic
def create_join_link(*, session: Session, role: str = Role.PARTICIPANT,
                     expires_at: dt.datetime | None = None) -> JoinLink:
    if role not in (Role.PARTICIPANT, Role.OBSERVER):
        raise DomainError("invalid", "join links are for participants or observers")
    return JoinLink.objects.create(session=session, role=role, expires_at=expires_at)


@transaction.atomic
def revoke_join_link(*, link: JoinLink) -> JoinLink:
    """Nobody new gets in through this link or its code; people already in stay."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


@transaction.atomic
def join_session(*, link: JoinLink, participant: Participant | None = None,
                 profile: Mapping[str, Any] | None = None) -> tuple[Participant, Attendance]:
    """Let someone into the link's session: a known participant of the workshop (same
    browser, or their rejoin link; e.g. session one's people coming to session two) or a
    new one from their validated profile. Records attendance once, and places a late
    joiner into the running round by its strategy (or the waiting list).

    Raises JoinRefused when the link was revoked or expired meanwhile."""
    link = JoinLink.objects.select_for_update().select_related("session__workshop").get(pk=link.pk)
    if not link.is_open():
        raise JoinRefused()
    session = link.session
    if participant is None:
        if profile is None:
            raise ValueError("a new participant needs a profile")
        participant = create_participant(workshop=session.workshop, role=link.role, **profile)
    elif participant.workshop_id != session.workshop_id:
        raise JoinRefused()
    attendance, created = Attendance.objects.get_or_create(participant=participant, session=session)
    if created:
        _place_late_joiner(session, participant)
    return participant, attendance


def _place_late_joiner(session: Session, participant: Participant) -> None:
    round_ = selectors.active_round(session)
    if round_ is None or participant.role == Role.OBSERVER:
        return
    if GroupMembership.objects.filter(round=round_, participant=participant).exists():
        return
    groups = selectors.groups_with_members(round_)
    as_people = [[_person(m.participant) for m in g.memberships.all()] for g in groups]
    index = strategies.place_late_joiner(
        round_.strategy, _person(participant), as_people, rng=random.Random(),
        history=selectors.history_pairs(session, excluding=round_) if round_.strategy == strategies.NO_REPEAT
        else None,
    )
    if index is None:
        frame = {"type": "waiting", "participant": participant.pk, "name": participant.display_name}
        emit(session_id=session.pk, frame=frame, audience=[facilitators_stream(session.pk)])
        return
    group = groups[index]
    GroupMembership.objects.create(group=group, round=round_, participant=participant)
    emit(session_id=session.pk, frame={"type": "placed", "participant": participant.pk, "group": group.pk},
         audience=[participant_stream(participant.pk)])


def _person(p: Participant) -> strategies.Person:
    return strategies.Person(id=p.pk, country=p.country, stakeholder=p.stakeholder)


# --- timer and messages -------------------------------------------------------------------


@transaction.atomic
def start_timer(*, session: Session, minutes: int, label: str = "", recall: bool = False) -> Session:
    """A countdown everyone sees; clients count down from ends_at (with server_now to
    correct their clock), so the server sends one frame, not one per second. `recall`:
    when it ends, the groups are called back by themselves (recall_when_due)."""
    session.timer_ends_at = timezone.now() + dt.timedelta(minutes=minutes)
    session.timer_label = label
    session.timer_paused_left = None
    session.timer_recalls = recall and session.groups_open
    session.save(update_fields=["timer_ends_at", "timer_label", "timer_paused_left", "timer_recalls"])
    emit(session_id=session.pk, frame=selectors.timer_frame(session))
    return session


@transaction.atomic
def stop_timer(*, session: Session) -> Session:
    session.timer_ends_at = None
    session.timer_label = ""
    session.timer_paused_left = None
    session.timer_recalls = False
    session.save(update_fields=["timer_ends_at", "timer_label", "timer_paused_left", "timer_recalls"])
    emit(session_id=session.pk, frame=selectors.timer_frame(session))
    return session


def _timer_changed(session: Session) -> Session:
    session.save(update_fields=["timer_ends_at", "timer_paused_left"])
    emit(session_id=session.pk, frame=selectors.timer_frame(session))
    return session


@transaction.atomic
def pause_timer(*, session: Session) -> Session:
    """Hold the countdown where it is (a panel overruns); everyone sees it paused."""
    if session.timer_ends_at is None:
        raise DomainError("conflict", "no timer is running")
    left = (session.timer_ends_at - timezone.now()).total_seconds()
    session.timer_paused_left = max(0, round(left))
    session.timer_ends_at = None
    return _timer_changed(session)


@transaction.atomic
def resume_timer(*, session: Session) -> Session:
    if session.timer_paused_left is None:
        raise DomainError("conflict", "the timer is not paused")
    session.timer_ends_at = timezone.now() + dt.timedelta(seconds=session.timer_paused_left)
    session.timer_paused_left = None
    return _timer_changed(session)


@transaction.atomic
def extend_timer(*, session: Session, minutes: int) -> Session:
    """Give everyone `minutes` more, running or paused (a timer that ran out starts
    again from now)."""
    if session.timer_paused_left is not None:
        session.timer_paused_left += minutes * 60
    elif session.timer_ends_at is not None:
        session.timer_ends_at = max(session.timer_ends_at, timezone.now()) + dt.timedelta(minutes=minutes)
    else:
        raise DomainError("conflict", "no timer to extend")
    return _timer_changed(session)


@transaction.atomic
def send_message(*, session: Session, text: str, sender: str) -> Session:
    """A facilitator's message to everyone (all groups and plenary). The last one is kept
    on the session so late joiners and reconnecting participants see it in their welcome
    and on the room page; a new message replaces it."""
    session.message_text = text
    session.message_from = sender
    session.message_at = timezone.now()
    session.save(update_fields=["message_text", "message_from", "message_at"])
    emit(session_id=session.pk, frame={"type": "message", **selectors.message_frame(session)})
    return session


@transaction.atomic
def clear_message(*, session: Session) -> Session:
    """Take the last message down (it no longer applies); everyone's bar hides it."""
    session.message_text = ""
    session.message_from = ""
    session.message_at = None
    session.save(update_fields=["message_text", "message_from", "message_at"])
    emit(session_id=session.pk, frame={"type": "message.cleared"})
    return session


# --- breakout rounds ------------------------------------------------------------------------


def video_url_for(session: Session, order: int) -> str:
    base = settings.VIDEO_ROOM_BASE_URL.rstrip("/") + "/"
    return f"{base}{slugify(session.workshop.slug)[:40]}-{session.uuid.hex[:8]}-group-{order}"


@transaction.atomic
def create_round(*, session: Session, agenda_item: AgendaItem | None, strategy: str, n_groups: int,
                 cap: int | None = None, seed: int | None = None, board_template: str = "") -> BreakoutRound:
    """Propose a round: N groups with generated names and video links, and everyone
    attending (observers excepted) assigned by `strategy`. Nothing is open yet: the
    facilitator adjusts the proposal and opens it. Starting a round recalls any earlier
    unclosed round of the session. `board_template` (empty: as the agenda item suggests)
    is the template of the groups' boards, made when the groups open."""
    if not 1 <= n_groups <= 50:
        raise DomainError("invalid", "between 1 and 50 groups")
    if agenda_item is not None and agenda_item.session_id != session.pk:
        raise DomainError("not_found", "no such agenda item")
    now = timezone.now()
    for old in BreakoutRound.objects.filter(session=session, closed_at__isnull=True):
        old.closed_at = now
        old.save(update_fields=["closed_at"])
    if session.groups_open:
        session.groups_open = False
        session.save(update_fields=["groups_open"])
        emit(session_id=session.pk, frame={"type": "groups.recalled"})
    round_ = BreakoutRound.objects.create(session=session, agenda_item=agenda_item, strategy=strategy,
                                         self_select_cap=cap if strategy == strategies.SELF_SELECT else None,
                                         board_template=board_template)
    groups = [
        BreakoutGroup.objects.create(round=round_, order=i, name=f"Group {i}", video_url=video_url_for(session, i))
        for i in range(1, n_groups + 1)
    ]
    people = [_person(p) for p in selectors.attendees(session).exclude(role=Role.OBSERVER)]
    history = selectors.history_pairs(session, excluding=round_) if strategy == strategies.NO_REPEAT else None
    assignment = strategies.assign(strategy, people, n_groups, rng=random.Random(seed), history=history, cap=cap)
    GroupMembership.objects.bulk_create(
        GroupMembership(group=groups[i], round=round_, participant_id=pid)
        for i, members in enumerate(assignment) for pid in members
    )
    emit(session_id=session.pk, frame={"type": "round.created", "round": round_.pk},
         audience=[facilitators_stream(session.pk)])
    return round_


@transaction.atomic
def update_group(*, group: BreakoutGroup, name: str, video_url: str) -> BreakoutGroup:
    group.name = name
    group.video_url = video_url
    group.save(update_fields=["name", "video_url"])
    emit(session_id=group.round.session_id, frame={"type": "group.updated", "group": selectors.group_frame(group)},
         audience=[group_stream(group.pk)])
    return group


def boards_changed(*, session: Session) -> None:
    """Tell everyone the session's boards changed (a board was added): screens re-read
    which boards they are offered (live.consumers pushes a new welcome)."""
    emit(session_id=session.pk, frame={"type": "boards.changed"})


@transaction.atomic
def remove_group(*, group: BreakoutGroup) -> None:
    """Delete a group (live.services.remove_group checks it is empty first); the
    facilitators' consoles are told."""
    session_id, pk = group.round.session_id, group.pk
    group.delete()  # its (empty) board goes with it
    emit(session_id=session_id, frame={"type": "group.removed", "group": pk},
         audience=[facilitators_stream(session_id)])


@transaction.atomic
def open_round(*, round_: BreakoutRound) -> BreakoutRound:
    """Send everyone to their groups: each client refreshes and gets its group."""
    if round_.closed_at is not None:
        raise DomainError("conflict", "this round was already recalled")
    session = round_.session
    if round_.opened_at is None:
        round_.opened_at = timezone.now()
        round_.save(update_fields=["opened_at"])
    session.groups_open = True
    session.save(update_fields=["groups_open"])
    emit(session_id=session.pk, frame={"type": "groups.opened", "round": round_.pk})
    return round_


@transaction.atomic
def recall(*, session: Session) -> Session:
    """Call everyone back to plenary: the active round closes, signals clear."""
    round_ = selectors.active_round(session)
    if round_ is not None and round_.opened_at is not None:
        round_.closed_at = timezone.now()
        round_.save(update_fields=["closed_at"])
    session.groups_open = False
    session.timer_recalls = False
    session.save(update_fields=["groups_open", "timer_recalls"])
    emit(session_id=session.pk, frame={"type": "groups.recalled"})
    return session


def recall_when_due(*, now: dt.datetime | None = None) -> list[int]:
    """Call back the groups of every session whose recalling timer has run out; returns
    their ids. Called every few seconds by each server process's ticker: each session is
    locked and re-checked, so two processes never recall it twice."""
    now = now or timezone.now()
    due = list(Session.objects.filter(timer_recalls=True, groups_open=True, timer_ends_at__lte=now)
               .values_list("pk", flat=True))
    done = []
    for pk in due:
        with transaction.atomic():
            session = Session.objects.select_for_update().filter(
                pk=pk, timer_recalls=True, groups_open=True, timer_ends_at__lte=now).first()
            if session is not None:
                recall(session=session)
                done.append(pk)
    return done


@transaction.atomic
def move_participant(*, round_: BreakoutRound, participant: Participant, group: BreakoutGroup | None) -> None:
    """Put a person in another group of the round (None: the waiting list). While the
    round runs, their own screens are told and follow without reload."""
    if participant.workshop_id != round_.session.workshop_id:
        raise DomainError("not_found", "no such participant")
    if group is not None and group.round_id != round_.pk:
        raise DomainError("not_found", "no such group")
    if group is not None and participant.role == Role.OBSERVER:
        raise DomainError("invalid", "observers watch the plenary; they are not placed in groups",
                          fields={"participant": "an observer"})
    if round_.closed_at is not None:
        raise DomainError("conflict", "this round was already recalled")
    membership = GroupMembership.objects.select_for_update().filter(round=round_, participant=participant).first()
    if group is None:
        if membership is not None:
            membership.delete()
    elif membership is None:
        GroupMembership.objects.create(round=round_, group=group, participant=participant)
    elif membership.group_id != group.pk:
        membership.group = group
        membership.is_rapporteur = False
        membership.save(update_fields=["group", "is_rapporteur"])
    session_id = round_.session_id
    frame = {"type": "moved", "participant": participant.pk, "group": selectors.group_frame(group)}
    audience = [participant_stream(participant.pk)] if round_.opened_at is not None else []
    emit(session_id=session_id, frame=frame, audience=audience or [facilitators_stream(session_id)])


@transaction.atomic
def choose_group(*, round_: BreakoutRound, participant: Participant, group: BreakoutGroup) -> None:
    """Self-select: a participant takes a place in a group while it has room."""
    if round_.strategy != strategies.SELF_SELECT or round_.closed_at is not None:
        raise DomainError("conflict", "this round is not open for choosing")
    if group.round_id != round_.pk:
        raise DomainError("not_found", "no such group")
    # Lock the group so two people cannot take its last place at once.
    BreakoutGroup.objects.select_for_update().get(pk=group.pk)
    cap = round_.self_select_cap
    taken = GroupMembership.objects.filter(group=group).exclude(participant=participant).count()
    if cap is not None and taken >= cap:
        raise DomainError("conflict", "this group is full")
    move_participant(round_=round_, participant=participant, group=group)


@transaction.atomic
def set_rapporteur(*, group: BreakoutGroup, participant: Participant) -> None:
    """One rapporteur per group of the round: they report back in plenary and may pull
    their group's notes into the plenary board while this round is the session's current
    one (mapping.selectors.reports_back). Nothing is written on the Participant: the right
    belongs to the round, not the person."""
    membership = GroupMembership.objects.filter(group=group, participant=participant).first()
    if membership is None:
        raise DomainError("not_found", "this person is not in the group")
    olds = GroupMembership.objects.filter(group=group, is_rapporteur=True).exclude(pk=membership.pk)
    previous = list(olds.values_list("participant_id", flat=True))
    olds.update(is_rapporteur=False)
    membership.is_rapporteur = True
    membership.save(update_fields=["is_rapporteur"])
    frame = {"type": "rapporteur", "group": group.pk, "participant": participant.pk, "name": participant.display_name}
    # The old and the new rapporteur's sockets re-read their rights (live.consumers).
    streams = [group_stream(group.pk), participant_stream(participant.pk)]
    streams += [participant_stream(pid) for pid in previous]
    emit(session_id=group.round.session_id, frame=frame, audience=streams)


SIGNALS = ("done", "help", "clear")


@transaction.atomic
def signal_group(*, group: BreakoutGroup, signal: str, by: str) -> BreakoutGroup:
    """"We're done" / "we need help" (or clear), seen at once on the console and by the
    group itself."""
    if signal not in SIGNALS:
        raise DomainError("invalid", "unknown signal")
    now = timezone.now()
    if signal == "done":
        group.done_at = now
    elif signal == "help":
        group.help_requested_at = now
    else:
        group.done_at = None
        group.help_requested_at = None
    group.save(update_fields=["done_at", "help_requested_at"])
    frame = {"type": "signal", "group": group.pk, "name": group.name, "signal": signal, "by": by,
             "at": now.isoformat()}
    emit(session_id=group.round.session_id, frame=frame, audience=[group_stream(group.pk)])
    return group
