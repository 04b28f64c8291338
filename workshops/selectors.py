"""Reads shared by views, the websocket handlers and the demo: each does its own
select_related/prefetch_related so list pages and the roster stay at a fixed number of
queries whatever their size."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from participants.models import Country, Participant, Role, Stakeholder

from .models import AgendaItem, BreakoutGroup, BreakoutRound, GroupMembership, JoinLink, Session, Workshop


def workshops_list(*, user) -> QuerySet[Workshop]:
    """The workshops this facilitator runs (Workshop.objects.run_by), with their session counts."""
    return (Workshop.objects.run_by(user).annotate(session_count=Count("sessions", distinct=True))
            .order_by("-created_at", "id"))


def sessions_of(workshop: Workshop) -> QuerySet[Session]:
    return (
        Session.objects.filter(workshop=workshop)
        .select_related("builds_on", "current_item")
        .annotate(attendee_count=Count("attendances", distinct=True))
        .order_by("order", "starts_at")
    )


def agenda_of(session: Session) -> list[AgendaItem]:
    return list(AgendaItem.objects.filter(session=session).order_by("order", "id"))


def usable_link(*, token: str | None = None, code: str | None = None) -> JoinLink | None:
    """An unrevoked, unexpired join link by token or code; None for missing, revoked or
    expired alike, so a guess learns nothing."""
    qs = JoinLink.objects.select_related("session__workshop").filter(revoked_at__isnull=True)
    if token is not None:
        link = qs.filter(token=token).first()
    elif code:
        link = qs.filter(code=code).first()
    else:
        return None
    return link if link is not None and link.is_open() else None


def active_round(session: Session) -> BreakoutRound | None:
    """The session's newest round that has not been recalled (proposed or running)."""
    return (
        BreakoutRound.objects.filter(session=session, closed_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )


def groups_with_members(round_: BreakoutRound) -> list[BreakoutGroup]:
    members = GroupMembership.objects.select_related("participant").order_by(
        "participant__display_name", "participant_id"
    )
    return list(
        BreakoutGroup.objects.filter(round=round_).order_by("order", "id").prefetch_related(
            Prefetch("memberships", queryset=members)
        )
    )


def history_pairs(session: Session, *, excluding: BreakoutRound | None = None) -> set[frozenset[int]]:
    """Pairs of participants who already shared a group in any earlier round of this
    workshop (both sessions), for the no-repeat strategy."""
    rows = GroupMembership.objects.filter(round__session__workshop_id=session.workshop_id)
    if excluding is not None:
        rows = rows.exclude(round=excluding)
    by_group: dict[int, list[int]] = {}
    for group_id, participant_id in rows.values_list("group_id", "participant_id"):
        by_group.setdefault(group_id, []).append(participant_id)
    pairs: set[frozenset[int]] = set()
    for members in by_group.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                pairs.add(frozenset((a, b)))
    return pairs


def attendees(session: Session) -> QuerySet[Participant]:
    return Participant.objects.filter(attendances__session=session).order_by("display_name", "id")


@dataclass
class Roster:
    rows: list[dict[str, Any]]
    groups: list[BreakoutGroup]
    waiting: list[dict[str, Any]]
    round: BreakoutRound | None
    by_country: list[tuple[str, int]] = field(default_factory=list)
    by_stakeholder: list[tuple[str, int]] = field(default_factory=list)
    online_count: int = 0
    observers: list[dict[str, Any]] = field(default_factory=list)


def open_join_links(session: Session) -> list[JoinLink]:
    """The session's join links that work now (not revoked, not expired), newest first."""
    now = timezone.now()
    return [link for link in session.join_links.filter(revoked_at__isnull=True).order_by("-created_at", "-id")
            if link.is_open(now)]


def roster(session: Session, *, online: set[int]) -> Roster:
    """Everyone attending the session: online or not (`online`: participant ids with a
    live socket, from live.presence), their group in the active round, counts by country
    and stakeholder group; plus the round's groups and waiting list. A fixed number of
    queries whatever the number of people."""
    round_ = active_round(session)
    people = list(Participant.objects.filter(attendances__session=session).order_by("display_name", "id"))
    groups = groups_with_members(round_) if round_ else []
    group_of: dict[int, BreakoutGroup] = {}
    rapporteurs: set[int] = set()
    for group in groups:
        for m in group.memberships.all():
            group_of[m.participant_id] = group
            if m.is_rapporteur:
                rapporteurs.add(m.participant_id)
    rows = [
        {"participant": p, "online": p.pk in online, "group": group_of.get(p.pk),
         "is_rapporteur": p.pk in rapporteurs}
        for p in people
    ]
    for group in groups:
        for m in group.memberships.all():
            m.online = m.participant_id in online
    # Observers watch: they are never placed in groups, so never "waiting" for one.
    waiting = [r for r in rows if round_ is not None and r["group"] is None
               and r["participant"].role != Role.OBSERVER]
    observers = [r for r in rows if r["participant"].role == Role.OBSERVER]
    countries = dict(Country.choices)
    stakeholders = dict(Stakeholder.choices)
    by_country = Counter(countries.get(p.country, p.country) for p in people)
    by_stakeholder = Counter(stakeholders.get(p.stakeholder, p.stakeholder) for p in people)
    return Roster(
        rows=rows, groups=groups, waiting=waiting, round=round_, observers=observers,
        by_country=sorted(by_country.items(), key=lambda kv: (-kv[1], str(kv[0]))),
        by_stakeholder=sorted(by_stakeholder.items(), key=lambda kv: (-kv[1], str(kv[0]))),
        online_count=len(online & {p.pk for p in people}),
    )


def item_frame(item: AgendaItem | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {"id": item.pk, "title": item.title, "kind": item.kind, "kind_label": str(item.get_kind_display()),
            "planned_minutes": item.planned_minutes}


def timer_frame(session: Session) -> dict[str, Any]:
    ends = session.timer_ends_at
    return {
        "type": "timer",
        "ends_at": ends.isoformat() if ends else None,
        "label": session.timer_label,
        "paused_left": session.timer_paused_left,  # seconds left on a paused timer, else null
        "recalls": session.timer_recalls,  # the groups are called back when it ends
        "server_now": timezone.now().isoformat(),
    }


def message_frame(session: Session) -> dict[str, Any] | None:
    """The facilitator's last message to everyone, or None when there is none."""
    if not session.message_text:
        return None
    return {"text": session.message_text, "from": session.message_from,
            "at": session.message_at.isoformat() if session.message_at else None}


def group_frame(group: BreakoutGroup | None, *, is_rapporteur: bool = False) -> dict[str, Any] | None:
    if group is None:
        return None
    return {"id": group.pk, "name": group.name, "video_url": group.video_url, "is_rapporteur": is_rapporteur}


def membership_in_open_round(session: Session, participant_id: int) -> GroupMembership | None:
    return (
        GroupMembership.objects.select_related("group")
        .filter(participant_id=participant_id, round__session=session, round__opened_at__isnull=False,
                round__closed_at__isnull=True)
        .order_by("-round__opened_at")
        .first()
    )
