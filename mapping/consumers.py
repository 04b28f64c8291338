"""The one websocket consumer: one connection per browser tab carries the session's live
state (agenda, timer, groups, presence, signals) and every board the tab shows.

It is thin: parse the envelope (realtime.protocol), hand the frame to a service in a
worker thread, and push the answer. Broadcast frames never pass through here: the
process hub (realtime.hub) writes them straight into this socket's outbox.
"""

from __future__ import annotations

import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from realtime.broadcast import encode
from realtime.hub import Outbox, get_hub
from realtime.protocol import Frame, ProtocolError, error_frame, parse_frame
from workshops import live

from . import live as board_live

logger = logging.getLogger(__name__)

# Close codes sent after an error frame when the socket cannot be used at all.
CLOSE_UNAUTHENTICATED = 4401


class LiveConsumer(AsyncWebsocketConsumer):
    # No per-socket channel: the hub holds one channel per process and fans out locally.
    channel_layer_alias = "__hub_only__"

    async def connect(self) -> None:
        self.conn: live.Connection | None = None
        self.session_streams: set[str] = set()
        self.board_streams: dict[int, str] = {}
        self.hub = get_hub()
        await self.accept()
        self.outbox = Outbox(self.base_send)
        try:
            self.conn = await database_sync_to_async(live.open_connection)(
                user=self.scope.get("user"),
                http_session=self.scope.get("session"),
                session_uuid=str(self.scope["url_route"]["kwargs"]["session_uuid"]),
            )
        except ProtocolError as exc:
            await self.send(text_data=encode(error_frame(exc.code, exc.message)))
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self._follow(self.conn.streams)
        await self._welcome()
        await database_sync_to_async(live.on_connect)(self.conn)

    async def _welcome(self) -> None:
        """The session state plus the boards this person should see now."""
        boards = await database_sync_to_async(board_live.boards_for)(self.conn)
        self.push({**self.conn.welcome, "boards": boards})

    async def disconnect(self, code: int) -> None:
        for stream in list(self.session_streams) + list(self.board_streams.values()):
            await self.hub.unsubscribe(stream, self.outbox)
        if hasattr(self, "outbox"):
            await self.outbox.close()
        if self.conn is not None:
            await database_sync_to_async(live.on_disconnect)(self.conn)
            await database_sync_to_async(board_live.on_disconnect)(self.conn, list(self.board_streams))

    def push(self, frame: dict) -> None:
        self.outbox.push(encode(frame))

    async def _follow(self, streams: list[str]) -> None:
        wanted = set(streams)
        for stream in wanted - self.session_streams:
            await self.hub.subscribe(stream, self.outbox)
        for stream in self.session_streams - wanted:
            await self.hub.unsubscribe(stream, self.outbox)
        self.session_streams = wanted

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        op_id = None
        try:
            frame = parse_frame(text_data)
            op_id = frame.op_id
            if self.conn is None:
                raise ProtocolError("unauthenticated", "this socket has no participant or facilitator")
            await getattr(self, f"on_{frame.type}")(frame)
        except ProtocolError as exc:
            self.push(error_frame(exc.code, exc.message, op_id=op_id, fields=exc.fields))
        except Exception:
            logger.exception("unhandled error on frame %r", (text_data or "")[:200])
            self.push(error_frame("internal", "the server failed; nothing was applied", op_id=op_id))

    async def on_ping(self, frame: Frame) -> None:
        heads = await database_sync_to_async(board_live.heads)(list(self.board_streams))
        self.push({"type": "pong", "heads": heads})

    async def on_refresh(self, frame: Frame) -> None:
        """Re-read who and where I am (after a move, groups opening, a recall)."""
        self.conn = await database_sync_to_async(live.refresh)(self.conn)
        await self._follow(self.conn.streams)
        await self._welcome()

    async def on_op(self, frame: Frame) -> None:
        if live.handles(frame.op):
            reply = await database_sync_to_async(live.apply_session_op)(
                self.conn, op=frame.op, op_id=frame.op_id, data=frame.data
            )
        elif board_live.handles(frame.op):
            if frame.board is None:
                raise ProtocolError("bad_frame", "board is required for board ops")
            if frame.board not in self.board_streams:
                raise ProtocolError("not_subscribed", "subscribe to the board first")
            reply = await database_sync_to_async(board_live.apply_board_op)(
                self.conn, board_id=frame.board, op=frame.op, op_id=frame.op_id, data=frame.data
            )
        else:
            raise ProtocolError("unknown_op", f"unknown op {frame.op!r}")
        self.push(reply)

    async def on_subscribe(self, frame: Frame) -> None:
        stream = await database_sync_to_async(board_live.authorise_subscribe)(self.conn, board_id=frame.board)
        if frame.board not in self.board_streams:
            # Subscribe before reading the log, so nothing falls between replay and live
            # events; the client drops what it already has by seq.
            await self.hub.subscribe(stream, self.outbox)
            self.board_streams[frame.board] = stream
        for reply in await database_sync_to_async(board_live.catch_up)(
            self.conn, board_id=frame.board, since=frame.since
        ):
            self.push(reply)

    async def on_unsubscribe(self, frame: Frame) -> None:
        stream = self.board_streams.pop(frame.board, None)
        if stream is not None:
            await self.hub.unsubscribe(stream, self.outbox)
        self.push({"type": "unsubscribed", "board": frame.board})
