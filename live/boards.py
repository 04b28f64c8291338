"""Board side of the socket: who may follow which board's streams, and catching up
(exactly the missed events, or a snapshot). Called by live.consumers in a worker thread.
See docs/protocol.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, transaction

from mapping import selectors, services
from mapping.models import Board, BoardEvent
from realtime.errors import DomainError

from .connection import Connection


def replay_limit() -> int:
    """Replay at most this many events on (re)subscribe; further behind gets a snapshot."""
    return getattr(settings, "BOARD_REPLAY_LIMIT", 500)


def _board(conn: Connection, board_id: int) -> Board:
    board = Board.objects.select_related("session", "group").filter(
        pk=board_id, session__workshop_id=conn.workshop_id
    ).first()
    if board is None:
        raise DomainError("not_found", "no such board")
    return board


def authorise_subscribe(conn: Connection, *, board_id: int) -> list[str]:
    """Streams this socket follows for the board: the board's, plus its moderators'
    stream (private notes' events in full) for those who moderate. DomainError
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
            raise DomainError("not_found", "no such board")
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


def heads(board_ids: list[int]) -> dict[str, int]:
    """Head seq of each board, in one query."""
    return {str(pk): seq for pk, seq in Board.objects.filter(pk__in=board_ids).values_list("pk", "head_seq")}
