"""Session-level live state over the websocket: who the socket belongs to, which
streams it follows, and the session ops (agenda, timer, groups, signals).

Called by mapping.consumers.LiveConsumer in a worker thread. Each op handler validates
its payload, checks permissions, and calls one service in workshops.services, which
publishes its event after commit.

Session ops (client -> server, `{"type": "op", "op": ..., "op_id": ..., "data": {...}}`):

| op | data | who |
|---|---|---|
| agenda.set_current | {item: id or null} | facilitator |
| timer.start | {minutes: 1..240, label?: str} | facilitator |
| timer.stop | {} | facilitator |
| message.send | {text: 1..500 chars} | facilitator |
| message.clear | {} | facilitator |
| groups.open | {round: id} | facilitator |
| groups.recall | {} | facilitator |
| group.move | {participant: id, group: id or null (waiting list)} | facilitator |
| group.rapporteur | {group: id, participant: id} | facilitator |
| group.choose | {group: id} | participant, rapporteur (self-select rounds) |
| signal.done / .help / .clear | {} (own group), {group: id} (facilitator) | participant, rapporteur, facilitator |

Frames (server -> client):
- the welcome carries the session's state for the bar: agenda, timer, message (the last
  message to everyone: {text, from, at} | null), group_info, round, choices.
- session.<id>: {type: "agenda.current", item: {id, title, kind, kind_label, planned_minutes} | null};
  {type: "timer", ends_at: iso | null, label, server_now: iso}; {type: "message", text, from, at};
  {type: "message.cleared"};
  {type: "groups.opened", round}; {type: "groups.recalled"} -- clients answer the last two
  with {"type": "refresh"} and get a new welcome.
- participant.<id>: {type: "moved", participant, group: {id, name, video_url, is_rapporteur} | null}
  -- the client refreshes.
- group.<id>: {type: "signal", group, name, signal, by, at}; {type: "group.updated", group};
  {type: "rapporteur", group, participant, name}.
- facilitators.<session id>: {type: "presence", changes: [{participant, online, name, country,
  stakeholder}]} (coalesced, PRESENCE_WINDOW); "signal", "moved", "placed", "waiting",
  "round.created", "rapporteur".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count

from participants import permissions
from participants.identity import Actor, actor_for
from participants.models import Participant
from realtime.protocol import ProtocolError

from . import selectors, services
from .models import AgendaItem, BreakoutGroup, BreakoutRound, GroupMembership, Session


@dataclass(frozen=True)
class Connection:
    actor: Actor
    session_id: int
    workshop_id: int
    streams: list[str]
    welcome: dict[str, Any]


def open_connection(*, user, http_session, session_uuid: str) -> Connection:
    """Authenticate a new socket for one session; raises ProtocolError when refused.
    A participant must have joined this session (an attendance), not merely the workshop."""
    session = Session.objects.select_related("workshop", "current_item").filter(uuid=session_uuid).first()
    if session is None:
        raise ProtocolError("not_found", "no such session")
    actor = actor_for(user=user, session=http_session, workshop_id=session.workshop_id)
    if not actor.is_facilitator and actor.participant is None:
        raise ProtocolError("unauthenticated", "join the session first")
    if not actor.is_facilitator and not actor.participant.attendances.filter(session=session).exists():
        raise ProtocolError("unauthenticated", "join the session first")
    return _connection(actor, session)


def refresh(conn: Connection) -> Connection:
    session = Session.objects.select_related("workshop", "current_item").get(pk=conn.session_id)
    actor = conn.actor
    if actor.participant is not None:
        actor = Actor(
            user_id=actor.user_id,
            participant=type(actor.participant).objects.get(pk=actor.participant.pk),
            is_facilitator=actor.is_facilitator,
            is_staff=actor.is_staff,
        )
    return _connection(actor, session)


def _connection(actor: Actor, session: Session) -> Connection:
    streams = [f"session.{session.pk}"]
    membership = None
    if actor.participant is not None and session.groups_open:
        membership = selectors.membership_in_open_round(session, actor.participant.pk)
    group_id = membership.group_id if membership else None
    if actor.participant is not None:
        streams.append(f"participant.{actor.participant.pk}")
    if group_id is not None:
        streams.append(f"group.{group_id}")
    if actor.is_facilitator:
        streams.append(f"facilitators.{session.pk}")
    round_ = selectors.active_round(session)
    welcome = {
        "type": "welcome",
        "session": {"id": session.pk, "title": session.title, "groups_open": session.groups_open},
        "me": {
            "participant": actor.participant_id,
            "role": actor.role,
            "name": actor.participant.display_name if actor.participant else "",
        },
        "group": group_id,
        # Extra state for the session bar (workshops.live owns these keys).
        "group_info": selectors.group_frame(membership.group, is_rapporteur=membership.is_rapporteur)
        if membership else None,
        "agenda": selectors.item_frame(session.current_item),
        "timer": selectors.timer_frame(session),
        "message": selectors.message_frame(session),
        "round": {"id": round_.pk, "strategy": round_.strategy, "open": round_.opened_at is not None}
        if round_ else None,
        "choices": _choices(round_, actor) if round_ is not None and round_.strategy == "self_select" else [],
    }
    return Connection(actor=actor, session_id=session.pk, workshop_id=session.workshop_id, streams=streams,
                      welcome=welcome)


def _choices(round_: BreakoutRound, actor: Actor) -> list[dict[str, Any]]:
    """Self-select rounds: the groups a participant may pick, with places taken."""
    if actor.participant is None or actor.participant.role == "observer":
        return []
    mine = GroupMembership.objects.filter(round=round_, participant=actor.participant).values_list(
        "group_id", flat=True).first()
    groups = BreakoutGroup.objects.filter(round=round_).annotate(taken=Count("memberships")).order_by("order", "id")
    return [{"id": g.pk, "name": g.name, "taken": g.taken, "cap": round_.self_select_cap, "mine": g.pk == mine}
            for g in groups]


OpHandler = Callable[[Connection, dict[str, Any]], dict[str, Any]]
#: op name -> handler(conn, data) returning extra ack fields.
SESSION_OPS: dict[str, OpHandler] = {}


def handles(op: str | None) -> bool:
    return op in SESSION_OPS


#: How long a session op's ack is remembered, so a client resending it after a reconnect
#: (static/js/live.js does) gets the same ack instead of a second message or timer.
OP_MEMORY_SECONDS = 600


def apply_session_op(conn: Connection, *, op: str, op_id: str, data: dict[str, Any]) -> dict[str, Any]:
    who = conn.actor.participant_id if conn.actor.participant is not None else f"u{conn.actor.user_id}"
    key = f"sessop:{conn.session_id}:{who}:{op_id}"
    remembered = cache.get(key)
    if remembered is not None:
        return remembered
    try:
        result = SESSION_OPS[op](conn, data)
    except services.RuleError as exc:
        raise ProtocolError(exc.code, exc.message) from None
    ack = {"type": "ack", "op_id": op_id, **result}
    cache.set(key, ack, timeout=OP_MEMORY_SECONDS)
    return ack


def on_connect(conn: Connection) -> None:
    """Presence: one more socket for this participant (facilitators are not counted)."""
    if conn.actor.participant is not None:
        services.presence_changed(session_id=conn.session_id, participant=conn.actor.participant, delta=1)


def on_disconnect(conn: Connection) -> None:
    if conn.actor.participant is not None:
        services.presence_changed(session_id=conn.session_id, participant=conn.actor.participant, delta=-1)


# --- validation helpers -----------------------------------------------------------------


def _require(conn: Connection, action: str) -> None:
    if not permissions.can(conn.actor, action):
        raise ProtocolError("forbidden", "your role may not do this")


def _int(data: dict[str, Any], name: str, *, nullable: bool = False, lo: int = 1, hi: int = 2**53) -> int | None:
    value = data.get(name)
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ProtocolError("invalid", f"{name} must be a whole number", fields={name: f"between {lo} and {hi}"})
    return value


def _text(data: dict[str, Any], name: str, *, max_len: int, required: bool) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise ProtocolError("invalid", f"{name} must be text", fields={name: "text"})
    value = value.strip()
    if required and not value:
        raise ProtocolError("invalid", f"{name} is required", fields={name: "required"})
    if len(value) > max_len:
        raise ProtocolError("invalid", f"{name} is too long", fields={name: f"at most {max_len} characters"})
    return value


def _session(conn: Connection, *, lock: bool = False) -> Session:
    qs = Session.objects.select_related("workshop")
    if lock:
        qs = qs.select_for_update()
    return qs.get(pk=conn.session_id)


def _round(conn: Connection, round_id: int | None = None) -> BreakoutRound:
    qs = BreakoutRound.objects.select_related("session__workshop").filter(session_id=conn.session_id)
    round_ = qs.filter(pk=round_id).first() if round_id is not None else qs.filter(closed_at__isnull=True).order_by(
        "-created_at", "-id").first()
    if round_ is None:
        raise ProtocolError("not_found", "no such breakout round")
    return round_


def _group(round_: BreakoutRound, group_id: int) -> BreakoutGroup:
    group = BreakoutGroup.objects.select_related("round").filter(pk=group_id, round=round_).first()
    if group is None:
        raise ProtocolError("not_found", "no such group")
    return group


def _participant(conn: Connection, participant_id: int) -> Participant:
    participant = Participant.objects.filter(pk=participant_id, workshop_id=conn.workshop_id).first()
    if participant is None:
        raise ProtocolError("not_found", "no such participant")
    return participant


def op(name: str):
    def register(func: OpHandler) -> OpHandler:
        SESSION_OPS[name] = func
        return func
    return register


# --- handlers -------------------------------------------------------------------------------


@op("agenda.set_current")
def _agenda_set_current(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    item_id = _int(data, "item", nullable=True)
    _require(conn, permissions.SESSION_RUN)
    item = None
    if item_id is not None:
        item = AgendaItem.objects.filter(pk=item_id, session_id=conn.session_id).first()
        if item is None:
            raise ProtocolError("not_found", "no such agenda item")
    services.set_current_item(session=_session(conn), item=item)
    return {"item": item_id}


@op("timer.start")
def _timer_start(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    minutes = _int(data, "minutes", lo=1, hi=240)
    label = _text(data, "label", max_len=120, required=False)
    _require(conn, permissions.SESSION_RUN)
    session = services.start_timer(session=_session(conn), minutes=minutes, label=label)
    return {"ends_at": session.timer_ends_at.isoformat()}


@op("timer.stop")
def _timer_stop(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    _require(conn, permissions.SESSION_RUN)
    services.stop_timer(session=_session(conn))
    return {}


@op("message.send")
def _message_send(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    text = _text(data, "text", max_len=500, required=True)
    _require(conn, permissions.SESSION_RUN)
    services.send_message(session=_session(conn), text=text, sender=_sender_name(conn))
    return {}


@op("message.clear")
def _message_clear(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    _require(conn, permissions.SESSION_RUN)
    services.clear_message(session=_session(conn))
    return {}


def _sender_name(conn: Connection) -> str:
    if conn.actor.participant is not None:
        return conn.actor.participant.display_name
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=conn.actor.user_id).first()
    return (user.get_full_name() or user.get_username()) if user else ""


@op("groups.open")
def _groups_open(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    round_id = _int(data, "round")
    _require(conn, permissions.SESSION_RUN)
    services.open_round(round_=_round(conn, round_id))
    return {"round": round_id}


@op("groups.recall")
def _groups_recall(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    _require(conn, permissions.SESSION_RUN)
    services.recall(session=_session(conn))
    return {}


@op("group.move")
def _group_move(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    participant_id = _int(data, "participant")
    group_id = _int(data, "group", nullable=True)
    _require(conn, permissions.SESSION_RUN)
    with transaction.atomic():
        round_ = _round(conn)
        group = _group(round_, group_id) if group_id is not None else None
        services.move_participant(round_=round_, participant=_participant(conn, participant_id), group=group)
    return {"participant": participant_id, "group": group_id}


@op("group.rapporteur")
def _group_rapporteur(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    group_id = _int(data, "group")
    participant_id = _int(data, "participant")
    _require(conn, permissions.SESSION_RUN)
    group = _group(_round(conn), group_id)
    services.set_rapporteur(group=group, participant=_participant(conn, participant_id))
    return {}


@op("group.choose")
def _group_choose(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    group_id = _int(data, "group")
    _require(conn, permissions.GROUP_CHOOSE)
    if conn.actor.participant is None:
        raise ProtocolError("forbidden", "only participants choose a group")
    round_ = _round(conn)
    services.choose_group(round_=round_, participant=conn.actor.participant, group=_group(round_, group_id))
    return {"group": group_id}


def _signal(signal: str) -> OpHandler:
    def handler(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        group_id = _int(data, "group", nullable=True)
        if conn.actor.is_facilitator:
            _require(conn, permissions.SESSION_RUN)
            if group_id is None:
                raise ProtocolError("invalid", "which group?", fields={"group": "required"})
            group = _group(_round(conn), group_id)
            by = _sender_name(conn)
        else:
            _require(conn, permissions.GROUP_SIGNAL)
            membership = selectors.membership_in_open_round(_session(conn), conn.actor.participant.pk)
            if membership is None or (group_id is not None and membership.group_id != group_id):
                raise ProtocolError("not_found", "you are not in a running group")
            group = BreakoutGroup.objects.select_related("round").get(pk=membership.group_id)
            by = conn.actor.participant.display_name
        services.signal_group(group=group, signal=signal, by=by)
        return {"group": group.pk}
    return handler


for _name in ("done", "help", "clear"):
    SESSION_OPS[f"signal.{_name}"] = _signal(_name)

