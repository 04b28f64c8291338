"""Board side of the websocket: subscribe with catch-up, board ops, heads, presence.

Called by mapping.consumers.LiveConsumer in a worker thread; every change goes through
mapping.services.apply_op. See docs/protocol.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, transaction

from realtime.protocol import ProtocolError
from workshops.live import Connection

from . import protocol, selectors, services
from .models import Board, BoardEvent


def replay_limit() -> int:
    """Replay at most this many events on (re)subscribe; further behind gets a snapshot."""
    return getattr(settings, "BOARD_REPLAY_LIMIT", 500)


def handles(op: str | None) -> bool:
    return op in protocol.OPS


def _board(conn: Connection, board_id: int) -> Board:
    board = Board.objects.select_related("session", "group").filter(
        pk=board_id, session__workshop_id=conn.workshop_id
    ).first()
    if board is None:
        raise ProtocolError("not_found", "no such board")
    return board


def authorise_subscribe(conn: Connection, *, board_id: int) -> list[str]:
    """Streams this socket follows for the board: the board's, plus its moderators'
    stream (private notes' events in full) for those who moderate. ProtocolError
    not_found for a board this person may not see (same as for a missing one)."""
    board = _board(conn, board_id)
    access = selectors.board_access(board, conn.actor)
    streams = [services.board_stream(board.pk)]
    if access.moderate:
        streams.append(services.moderator_stream(board.pk))
    return streams


def catch_up(conn: Connection, *, board_id: int, since: int | None) -> list[dict[str, Any]]:
    """Exactly the events after `since`, in order, then a `caught_up` frame; or one
    snapshot when `since` is null, ahead of the head, more than replay_limit() behind, or
    before the last change of author mode. Events about others' private notes come as
    seq placeholders.

    Reads in one REPEATABLE READ transaction on PostgreSQL (SQLite reads are serialised
    anyway), so a snapshot is exactly the state at its seq without taking the board's
    row lock: a thousand people subscribing at once never hold up the ops.
    """
    board = _board(conn, board_id)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        fresh = Board.objects.filter(pk=board_id).first()
        if fresh is None:
            raise ProtocolError("not_found", "no such board")
        fresh.session, fresh.group = board.session, board.group
        access = selectors.board_access(fresh, conn.actor)
        head = fresh.head_seq
        if since is None or since > head or head - since > replay_limit() or since < fresh.mode_changed_seq:
            return [selectors.snapshot(fresh, access)]
        frames = []
        for event in BoardEvent.objects.filter(board=fresh, seq__gt=since, seq__lte=head).order_by("seq"):
            visible = event.private_to_id is None or access.moderate or event.private_to_id == access.participant_id
            frames.append(services.event_frame(event) if visible else services.placeholder_frame(event))
        frames.append({"type": "caught_up", "board": fresh.pk, "seq": head, "me": selectors.my_state(fresh, access)})
        return frames


def apply_board_op(conn: Connection, *, board_id: int, op: str, op_id: str, data: dict[str, Any]) -> dict:
    return services.apply_op(board=board_id, actor=conn.actor, op=op, op_id=op_id, data=data)


def _kind(board: Board) -> str:
    if board.read_only_input:
        return "input"
    return "group" if board.group_id else "plenary"


def boards_for(conn: Connection) -> list[dict[str, Any]]:
    """Boards to offer this socket now: its group's board while groups run, else the
    session's plenary board(s), plus carried-forward input boards. Facilitators get every
    board of the session (the synthesis view shows the groups side by side). Boards the
    session needs and lacks are made first (services.ensure_session_boards).
    [{id, title, url, template, kind, group, plenary (the plenary board's id, where a
    rapporteur pulls notes to)}]"""
    services.ensure_session_boards(session_id=conn.session_id)
    group_id = conn.welcome.get("group")
    chosen = []
    plenary = None
    for board in selectors.boards_of_session(conn.session_id):
        kind = _kind(board)
        if kind == "plenary" and (plenary is None or board.pk < plenary):
            plenary = board.pk
        mine = board.group_id == group_id if group_id is not None else kind == "plenary"
        if conn.actor.is_facilitator or kind == "input" or mine:
            chosen.append(board)
    rank = {"plenary": 0, "group": 1, "input": 2}
    chosen.sort(key=lambda b: (rank[_kind(b)], b.pk))
    return [
        {"id": b.pk, "title": b.title, "url": f"/boards/{b.pk}/", "template": b.template, "kind": _kind(b),
         "group": b.group_id, "plenary": plenary}
        for b in chosen
    ]


def heads(board_ids: list[int]) -> dict[str, int]:
    """Head seq of each board, in one query."""
    return {str(pk): seq for pk, seq in Board.objects.filter(pk__in=board_ids).values_list("pk", "head_seq")}


def presence_join(conn: Connection, *, board_id: int, socket: str) -> None:
    services.presence_join(board_id=board_id, socket=socket, actor=conn.actor)


def presence_leave(conn: Connection, *, board_ids: list[int], socket: str) -> None:
    services.presence_leave(board_ids=board_ids, socket=socket)


def on_disconnect(conn: Connection, board_ids: list[int], socket: str = "") -> None:
    """Board presence: this socket left all its boards."""
    if board_ids and socket:
        services.presence_leave(board_ids=board_ids, socket=socket)
