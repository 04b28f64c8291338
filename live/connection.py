"""Who a socket belongs to and what it should see now: the connection, the welcome (the
session's state at a seq), and the streams and boards that follow from the present state
(the current round, the person's group in it, the session they attend).

Read-only: nothing here creates or changes a row (boards exist before anyone looks; see
live.services).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection as db
from django.db import transaction
from django.db.models import Count

from mapping import selectors as board_selectors
from mapping.models import Board
from participants.identity import Actor, actor_for
from participants.models import Participant, Role
from realtime.errors import DomainError
from workshops import events, selectors
from workshops.models import BreakoutGroup, BreakoutRound, GroupMembership, Session


@dataclass(frozen=True)
class Connection:
    actor: Actor
    session_id: int
    workshop_id: int
    group_id: int | None
    streams: list[str]
    welcome: dict[str, Any]


def open_connection(*, user, http_session, session_uuid: str) -> Connection:
    """Authenticate a new socket for one session; DomainError when refused. A participant
    must have joined this session (an attendance), not merely the workshop."""
    session = Session.objects.filter(uuid=session_uuid).only("pk", "workshop_id").first()
    if session is None:
        raise DomainError("not_found", "no such session")
    actor = actor_for(user=user, session=http_session, workshop_id=session.workshop_id)
    if not actor.is_facilitator and (
        actor.participant is None or not actor.participant.attendances.filter(session=session).exists()
    ):
        raise DomainError("unauthenticated", "join the session first")
    return read_connection(actor, session.pk)


def refresh(conn: Connection) -> Connection:
    """The same socket, re-read: the person's role, group and the session's state now."""
    actor = conn.actor
    if actor.participant is not None:
        participant = Participant.objects.filter(pk=actor.participant.pk).first()
        if participant is None:  # erased meanwhile
            raise DomainError("unauthenticated", "join the session first")
        actor = Actor(user_id=actor.user_id, participant=participant, is_facilitator=actor.is_facilitator,
                      is_staff=actor.is_staff)
    return read_connection(actor, conn.session_id)


def read_connection(actor: Actor, session_id: int) -> Connection:
    """The connection and its welcome, read in one REPEATABLE READ transaction on
    PostgreSQL, so the welcome is exactly the state at its seq."""
    outermost = not db.in_atomic_block
    with transaction.atomic():
        if outermost and db.vendor == "postgresql":
            with db.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        session = Session.objects.select_related("workshop", "current_item").get(pk=session_id)
        return _connection(actor, session)


def _connection(actor: Actor, session: Session) -> Connection:
    streams = [events.session_stream(session.pk)]
    membership = None
    if actor.participant is not None and session.groups_open:
        membership = selectors.membership_in_open_round(session, actor.participant.pk)
    group_id = membership.group_id if membership else None
    if actor.participant is not None:
        streams.append(events.participant_stream(actor.participant.pk))
    if group_id is not None:
        streams.append(events.group_stream(group_id))
    if actor.is_facilitator:
        streams.append(events.facilitators_stream(session.pk))
    round_ = selectors.active_round(session)
    welcome = {
        "type": "welcome",
        "seq": events.head_seq(session.pk),
        "session": {"id": session.pk, "title": session.title, "groups_open": session.groups_open},
        "me": {
            "participant": actor.participant_id,
            "role": actor.role,
            "name": actor.participant.display_name if actor.participant else "",
        },
        "group": group_id,
        "group_info": selectors.group_frame(membership.group, is_rapporteur=membership.is_rapporteur)
        if membership else None,
        "agenda": selectors.item_frame(session.current_item),
        "timer": selectors.timer_frame(session),
        "message": selectors.message_frame(session),
        "round": {"id": round_.pk, "strategy": round_.strategy, "open": round_.opened_at is not None}
        if round_ else None,
        "choices": _choices(round_, actor) if round_ is not None and round_.strategy == "self_select" else [],
    }
    welcome["boards"] = boards_for(actor, session.pk, group_id)
    return Connection(actor=actor, session_id=session.pk, workshop_id=session.workshop_id, group_id=group_id,
                      streams=streams, welcome=welcome)


def _choices(round_: BreakoutRound, actor: Actor) -> list[dict[str, Any]]:
    """Self-select rounds: the groups a participant may pick, with places taken."""
    if actor.participant is None or actor.participant.role == Role.OBSERVER:
        return []
    mine = GroupMembership.objects.filter(round=round_, participant=actor.participant).values_list(
        "group_id", flat=True).first()
    groups = BreakoutGroup.objects.filter(round=round_).annotate(taken=Count("memberships")).order_by("order", "id")
    return [{"id": g.pk, "name": g.name, "taken": g.taken, "cap": round_.self_select_cap, "mine": g.pk == mine}
            for g in groups]


def board_kind(board: Board) -> str:
    if board.read_only_input:
        return "input"
    return "group" if board.group_id else "plenary"


def boards_for(actor: Actor, session_id: int, group_id: int | None) -> list[dict[str, Any]]:
    """Boards to offer now: the person's group board while groups run, else the
    session's plenary board(s), plus carried-forward input boards; facilitators get every
    board of the session. [{id, title, url, template, kind, group, plenary}]"""
    chosen = []
    plenary = None
    for board in board_selectors.boards_of_session(session_id):
        kind = board_kind(board)
        if kind == "plenary" and (plenary is None or board.pk < plenary):
            plenary = board.pk
        mine = board.group_id == group_id if group_id is not None else kind == "plenary"
        if actor.is_facilitator or kind == "input" or mine:
            chosen.append(board)
    rank = {"plenary": 0, "group": 1, "input": 2}
    chosen.sort(key=lambda b: (rank[board_kind(b)], b.pk))
    return [
        {"id": b.pk, "title": b.title, "url": f"/boards/{b.pk}/", "template": b.template, "kind": board_kind(b),
         "group": b.group_id, "plenary": plenary}
        for b in chosen
    ]
