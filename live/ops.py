"""The one op registry: every op a client may send, session and board alike, as
`name -> OpSpec(scope, schema, permission, handler)`, and `dispatch`, the one path an op
travels:

    lookup (unknown_op) -> validate the payload (realtime.schema; invalid, per field)
    -> role permission (participants.permissions; forbidden) -> handler

Board ops are handed to mapping.services.apply_op (board row lock, resent op id answered
from the board's log, BoardEvent, publish after commit). Session ops run here under the
session row's lock: a resent op id is answered from the session's log (SessionEvent),
then the handler calls one service, whose events carry the op id (workshops.events).
Rights that depend on the present state (the current round, the person's group, the
board's lock) are checked by the services on every op.

Every handler raises realtime.errors.DomainError to refuse; the consumer turns it into an
error frame. A database that cannot be reached is answered `unavailable` with a
retry_after: nothing was applied, and the client resends the same op id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DatabaseError, InterfaceError, OperationalError, transaction

from mapping import protocol as board_protocol
from mapping import services as board_services
from participants import permissions
from participants.models import Participant
from realtime.errors import DomainError
from realtime.schema import F, Schema, text, validate
from workshops import events, selectors
from workshops import services as rooms
from workshops.models import AgendaItem, BreakoutGroup, BreakoutRound, Session

from . import services as spanning
from .connection import Connection

#: Seconds a client waits before resending an op the database could not take.
UNAVAILABLE_RETRY_AFTER = 2.0


@dataclass(frozen=True)
class OpSpec:
    name: str
    scope: str  # "session" | "board"
    schema: Schema
    permission: str  # a participants.permissions action the role must have
    handler: Callable[..., dict[str, Any]]
    validate: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # cross-field checks


REGISTRY: dict[str, OpSpec] = {}


@dataclass
class SessionCtx:
    conn: Connection
    session: Session  # locked for the op's transaction


def session_op(name: str, *, schema: Schema, permission: str):
    def register(fn: Callable[[SessionCtx, dict[str, Any]], dict[str, Any]]):
        REGISTRY[name] = OpSpec(name=name, scope="session", schema=schema, permission=permission, handler=fn)
        return fn
    return register


def dispatch(conn: Connection, *, op: str, op_id: str, data: dict[str, Any], board: int | None) -> dict[str, Any]:
    """Apply one op for this connection; the ack frame, or DomainError."""
    spec = REGISTRY.get(op)
    if spec is None:
        raise DomainError("unknown_op", f"unknown op {op[:40]!r}")
    clean = spec.validate(data) if spec.validate else validate(spec.schema, data)
    if not permissions.can(conn.actor, spec.permission):
        raise DomainError("forbidden", "your role may not do this")
    try:
        if spec.scope == "board":
            if board is None:
                raise DomainError("bad_frame", "board is required for board ops")
            return board_services.apply_op(board=board, actor=conn.actor, op=op, op_id=op_id, data=clean)
        return _run_session_op(conn, spec, op_id, clean)
    except (OperationalError, InterfaceError) as exc:
        raise DomainError("unavailable", "the database is unreachable; nothing was applied",
                          retry_after=UNAVAILABLE_RETRY_AFTER) from exc
    except DatabaseError as exc:  # e.g. a value PostgreSQL refuses: nothing was applied
        raise DomainError("invalid", "the database refused this change") from exc


def _run_session_op(conn: Connection, spec: OpSpec, op_id: str, clean: dict[str, Any]) -> dict[str, Any]:
    actor = conn.actor
    user_id = actor.user_id if actor.participant is None else None
    with transaction.atomic():
        session = Session.objects.select_for_update().select_related("workshop").get(pk=conn.session_id)
        prior = events.prior_ack(session_id=session.pk, op_id=op_id, participant_id=actor.participant_id,
                                 user_id=user_id)
        if prior is not None:
            return {"type": "ack", "op_id": op_id, **prior}
        with events.recording(op_id=op_id, participant_id=actor.participant_id, user_id=user_id) as rec:
            result = spec.handler(SessionCtx(conn=conn, session=session), clean)
        events.remember_result(rec, result)
        seq = rec.event.seq if rec.event is not None else None
    return {"type": "ack", "op_id": op_id, "seq": seq, **result}


# --- board ops: their schemas live with the board (mapping.protocol) ---------------------

BOARD_PERMISSIONS = {
    "vote.add": permissions.BOARD_VOTE, "vote.remove": permissions.BOARD_VOTE,
    "board.lock": permissions.BOARD_MODERATE, "board.unlock": permissions.BOARD_MODERATE,
    "board.reveal": permissions.BOARD_MODERATE, "board.settings": permissions.BOARD_MODERATE,
    "category.add": permissions.BOARD_MODERATE, "category.rename": permissions.BOARD_MODERATE,
    "category.delete": permissions.BOARD_MODERATE,
}

for _name in sorted(board_protocol.CLIENT_OPS):
    REGISTRY[_name] = OpSpec(
        name=_name, scope="board", schema=board_protocol.SCHEMAS[_name],
        permission=BOARD_PERMISSIONS.get(_name, permissions.BOARD_WRITE), handler=board_services.apply_op,
        validate=lambda data, _op=_name: board_protocol.validate(_op, data),
    )


# --- session ops ------------------------------------------------------------------------

ID = F("int")
OPT_ID = F("int", required=False, nullable=True)
RUN = permissions.SESSION_RUN


def _round(ctx: SessionCtx, round_id: int | None = None) -> BreakoutRound:
    """A round of this session by id, or the current (newest unrecalled) one."""
    qs = BreakoutRound.objects.select_related("session__workshop").filter(session_id=ctx.session.pk)
    round_ = qs.filter(pk=round_id).first() if round_id is not None else qs.filter(closed_at__isnull=True).order_by(
        "-created_at", "-id").first()
    if round_ is None:
        raise DomainError("not_found", "no such breakout round")
    return round_


def _group(round_: BreakoutRound, group_id: int) -> BreakoutGroup:
    group = BreakoutGroup.objects.select_related("round").filter(pk=group_id, round=round_).first()
    if group is None:
        raise DomainError("not_found", "no such group", fields={"group": "not found"})
    return group


def _participant(ctx: SessionCtx, participant_id: int) -> Participant:
    participant = Participant.objects.filter(pk=participant_id, workshop_id=ctx.conn.workshop_id).first()
    if participant is None:
        raise DomainError("not_found", "no such participant", fields={"participant": "not found"})
    return participant


def sender_name(conn: Connection) -> str:
    """How a facilitator's message is signed: their full name, else their login."""
    if conn.actor.participant is not None:
        return conn.actor.participant.display_name
    user = get_user_model().objects.filter(pk=conn.actor.user_id).first()
    return (user.get_full_name() or user.get_username()) if user else ""


@session_op("agenda.set_current", schema={"item": OPT_ID}, permission=RUN)
def _agenda_set_current(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
    item = None
    if d.get("item") is not None:
        item = AgendaItem.objects.filter(pk=d["item"], session_id=ctx.session.pk).first()
        if item is None:
            raise DomainError("not_found", "no such agenda item", fields={"item": "not found"})
    rooms.set_current_item(session=ctx.session, item=item)
    return {"item": d.get("item")}


@session_op("timer.start", schema={"minutes": F("int", lo=1, hi=240), "label": text(120, required=False, min_len=0),
                                   "recall": F("bool", required=False)}, permission=RUN)
def _timer_start(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
    session = rooms.start_timer(session=ctx.session, minutes=d["minutes"], label=d.get("label", ""),
                                recall=d.get("recall", False))
    return {"ends_at": session.timer_ends_at.isoformat()}


@session_op("timer.pause", schema={}, permission=RUN)
def _timer_pause(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
    return {"paused_left": rooms.pause_timer(session=ctx.session).timer_paused_left}


@session_op("timer.resume", schema={}, permission=RUN)
def _timer_resume(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
    return {"ends_at": rooms.resume_timer(session=ctx.session).timer_ends_at.isoformat()}


@session_op("timer.extend", schema={"minutes": F("int", lo=1, hi=60)}, permission=RUN)
def _timer_extend(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
    session = rooms.extend_timer(session=ctx.session, minutes=d["minutes"])
    ends = session.timer_ends_at
    return {"ends_at": ends.isoformat() if ends else None, "paused_left": session.timer_paused_left}


@session_op("timer.stop", schema={}, permission=RUN)
def _timer_stop(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
    rooms.stop_timer(session=ctx.session)
    return {}


@session_op("message.send", schema={"text": text(500)}, permission=RUN)
def _message_send(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
    rooms.send_message(session=ctx.session, text=d["text"], sender=sender_name(ctx.conn))
    return {}


@session_op("message.clear", schema={}, permission=RUN)
def _message_clear(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
    rooms.clear_message(session=ctx.session)
    return {}


@session_op("groups.open", schema={"round": ID}, permission=RUN)
def _groups_open(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
    spanning.open_round(round_=_round(ctx, d["round"]))
    return {"round": d["round"]}


@session_op("groups.recall", schema={}, permission=RUN)
def _groups_recall(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
    rooms.recall(session=ctx.session)
    return {}


@session_op("group.move", schema={"participant": ID, "group": OPT_ID}, permission=RUN)
def _group_move(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
    round_ = _round(ctx)
    group = _group(round_, d["group"]) if d.get("group") is not None else None
    rooms.move_participant(round_=round_, participant=_participant(ctx, d["participant"]), group=group)
    return {"participant": d["participant"], "group": d.get("group")}


@session_op("group.rapporteur", schema={"group": ID, "participant": ID}, permission=RUN)
def _group_rapporteur(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
    rooms.set_rapporteur(group=_group(_round(ctx), d["group"]), participant=_participant(ctx, d["participant"]))
    return {}


@session_op("group.remove", schema={"group": ID}, permission=RUN)
def _group_remove(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
    spanning.remove_group(group=_group(_round(ctx), d["group"]))
    return {"group": d["group"]}


@session_op("group.choose", schema={"group": ID}, permission=permissions.GROUP_CHOOSE)
def _group_choose(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
    participant = ctx.conn.actor.participant
    if participant is None:
        raise DomainError("forbidden", "only participants choose a group")
    round_ = _round(ctx)
    rooms.choose_group(round_=round_, participant=participant, group=_group(round_, d["group"]))
    return {"group": d["group"]}


def _signal(signal: str) -> None:
    def handler(ctx: SessionCtx, d: dict[str, Any]) -> dict[str, Any]:
        conn = ctx.conn
        if conn.actor.is_facilitator:
            if d.get("group") is None:
                raise DomainError("invalid", "which group?", fields={"group": "required"})
            group = _group(_round(ctx), d["group"])
            by = sender_name(conn)
        else:
            membership = selectors.membership_in_open_round(ctx.session, conn.actor.participant.pk)
            if membership is None or (d.get("group") is not None and membership.group_id != d["group"]):
                raise DomainError("not_found", "you are not in a running group")
            group = BreakoutGroup.objects.select_related("round").get(pk=membership.group_id)
            by = conn.actor.participant.display_name
        rooms.signal_group(group=group, signal=signal, by=by)
        return {"group": group.pk}

    # Facilitators may signal for a group too (their role has GROUP_SIGNAL).
    REGISTRY[f"signal.{signal}"] = OpSpec(name=f"signal.{signal}", scope="session", schema={"group": OPT_ID},
                                          permission=permissions.GROUP_SIGNAL, handler=handler)


for _signal_name in rooms.SIGNALS:
    _signal(_signal_name)
