"""Board side of the websocket: subscribe with catch-up, board ops, heads.

Called by mapping.consumers.LiveConsumer in a worker thread.
"""

from __future__ import annotations

from typing import Any

from realtime.protocol import ProtocolError
from workshops.live import Connection

from .models import Board

#: op name -> handler. Board ops go through mapping.services.apply_op.
BOARD_OPS: dict[str, Any] = {}


def handles(op: str | None) -> bool:
    return op in BOARD_OPS


def authorise_subscribe(conn: Connection, *, board_id: int) -> str:
    if not Board.objects.filter(pk=board_id, session__workshop_id=conn.workshop_id).exists():
        raise ProtocolError("not_found", "no such board")
    return f"board.{board_id}"


def catch_up(conn: Connection, *, board_id: int, since: int | None) -> list[dict[str, Any]]:
    board = Board.objects.get(pk=board_id)
    return [{"type": "snapshot", "board": board_id, "seq": board.head_seq, "notes": []}]


def apply_board_op(conn: Connection, *, board_id: int, op: str, op_id: str, data: dict[str, Any]) -> dict:
    raise ProtocolError("unknown_op", op)


def boards_for(conn: Connection) -> list[dict[str, Any]]:
    """Boards to offer this socket now: its group's board while groups run, else the
    session's plenary board(s), plus a carried-forward input board. [{id, title, url, kind}]"""
    boards = Board.objects.filter(session_id=conn.session_id, group__isnull=True).order_by("id")
    return [{"id": b.pk, "title": b.title, "url": f"/boards/{b.pk}/", "template": b.template} for b in boards]


def heads(board_ids: list[int]) -> dict[str, int]:
    return {str(pk): seq for pk, seq in Board.objects.filter(pk__in=board_ids).values_list("pk", "head_seq")}


def on_disconnect(conn: Connection, board_ids: list[int]) -> None:
    """Board presence hook."""
