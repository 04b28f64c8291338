"""Session-level live state over the websocket: who the socket belongs to, which
streams it follows, and the session ops (agenda, timer, groups, signals).

Called by mapping.consumers.LiveConsumer in a worker thread. Each op handler validates
its payload, checks permissions, and calls one service in workshops.services, which
publishes its event after commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from participants.identity import Actor, actor_for
from realtime.protocol import ProtocolError

from .models import GroupMembership, Session


@dataclass(frozen=True)
class Connection:
    actor: Actor
    session_id: int
    workshop_id: int
    streams: list[str]
    welcome: dict[str, Any]


def open_connection(*, user, http_session, session_uuid: str) -> Connection:
    """Authenticate a new socket for one session; raises ProtocolError when refused."""
    session = Session.objects.select_related("workshop").filter(uuid=session_uuid).first()
    if session is None:
        raise ProtocolError("not_found", "no such session")
    actor = actor_for(user=user, session=http_session, workshop_id=session.workshop_id)
    if not actor.is_facilitator and actor.participant is None:
        raise ProtocolError("unauthenticated", "join the session first")
    return _connection(actor, session)


def refresh(conn: Connection) -> Connection:
    session = Session.objects.select_related("workshop").get(pk=conn.session_id)
    actor = conn.actor
    if actor.participant is not None:
        actor = Actor(
            user_id=actor.user_id,
            participant=type(actor.participant).objects.get(pk=actor.participant.pk),
            is_facilitator=actor.is_facilitator,
            is_staff=actor.is_staff,
        )
    return _connection(actor, session)


def _current_group_id(session: Session, actor: Actor) -> int | None:
    if actor.participant is None or not session.groups_open:
        return None
    membership = (
        GroupMembership.objects.filter(
            participant=actor.participant, round__session=session, round__opened_at__isnull=False,
            round__closed_at__isnull=True,
        )
        .order_by("-round__opened_at")
        .first()
    )
    return membership.group_id if membership else None


def _connection(actor: Actor, session: Session) -> Connection:
    streams = [f"session.{session.pk}"]
    group_id = _current_group_id(session, actor)
    if actor.participant is not None:
        streams.append(f"participant.{actor.participant.pk}")
    if group_id is not None:
        streams.append(f"group.{group_id}")
    if actor.is_facilitator:
        streams.append(f"facilitators.{session.pk}")
    welcome = {
        "type": "welcome",
        "session": {"id": session.pk, "title": session.title, "groups_open": session.groups_open},
        "me": {
            "participant": actor.participant_id,
            "role": actor.role,
            "name": actor.participant.display_name if actor.participant else "",
        },
        "group": group_id,
    }
    return Connection(actor=actor, session_id=session.pk, workshop_id=session.workshop_id, streams=streams,
                      welcome=welcome)


OpHandler = Callable[[Connection, dict[str, Any]], dict[str, Any]]
#: op name -> handler(conn, data) returning extra ack fields. Filled in by this module.
SESSION_OPS: dict[str, OpHandler] = {}


def handles(op: str | None) -> bool:
    return op in SESSION_OPS


def apply_session_op(conn: Connection, *, op: str, op_id: str, data: dict[str, Any]) -> dict[str, Any]:
    result = SESSION_OPS[op](conn, data)
    return {"type": "ack", "op_id": op_id, **result}


def on_connect(conn: Connection) -> None:
    """Presence: hook for the roster (see workshops.services)."""


def on_disconnect(conn: Connection) -> None:
    """Presence: hook for the roster (see workshops.services)."""
