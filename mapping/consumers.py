"""The one websocket consumer: one connection per browser tab carries the session's live
state (agenda, timer, groups, presence, signals) and every board the tab shows.

It is thin: parse the envelope (realtime.protocol), hand the frame to a service in a
worker thread, and push the answer. Broadcast frames never pass through here: the
process hub (realtime.hub) writes them straight into this socket's outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
import weakref

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from realtime.broadcast import encode
from realtime.hub import Hub, Outbox, get_hub
from realtime.protocol import Frame, ProtocolError, error_frame, parse_frame
from workshops import live

from . import live as board_live
from . import services

logger = logging.getLogger(__name__)

# Close codes sent after an error frame when the socket cannot be used at all.
CLOSE_UNAUTHENTICATED = 4401


PRESENCE_TOUCH_INTERVAL = 60.0


def _interval(name: str, default: float) -> float:
    """Seconds between head frames (BOARD_HEADS_INTERVAL, gap detection) and between
    coalesced presence frames (BOARD_PRESENCE_INTERVAL); read each tick so tests can
    shorten them."""
    return float(getattr(settings, name, default))


class Ticker:
    """One per event loop (= per server process): every BOARD_HEADS_INTERVAL it reads the head
    seq of every board some local socket follows in ONE query and pushes one pre-encoded
    `head` frame per board to the local subscribers, so clients notice a silently lost
    event; every BOARD_PRESENCE_INTERVAL it publishes presence for the boards whose local
    sockets came or went (coalesced: 1,000 joins make one frame per board per tick)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.dirty: set[int] = set()
        self.sockets: dict[str, set[int]] = {}
        self._task = asyncio.get_running_loop().create_task(self._run())

    def board_ids(self) -> list[int]:
        ids = []
        for stream in self.hub.streams:
            parts = stream.split(".")
            if len(parts) == 2 and parts[0] == "board" and parts[1].isdigit():
                ids.append(int(parts[1]))
        return ids

    async def send_heads(self) -> None:
        ids = self.board_ids()
        if not ids:
            return
        for pk, seq in (await database_sync_to_async(board_live.heads)(ids)).items():
            self.hub.deliver(f"board.{pk}", encode({"type": "head", "board": int(pk), "seq": seq}))

    async def flush_presence(self) -> None:
        if self.dirty:
            ids, self.dirty = sorted(self.dirty), set()
            await database_sync_to_async(services.publish_presence)(board_ids=ids)

    async def _run(self) -> None:
        since_heads = since_touch = 0.0
        while True:
            tick = _interval("BOARD_PRESENCE_INTERVAL", 2.0)
            await asyncio.sleep(tick)
            since_heads += tick
            since_touch += tick
            try:
                await self.flush_presence()
                if since_heads >= _interval("BOARD_HEADS_INTERVAL", 15.0):
                    since_heads = 0.0
                    await self.send_heads()
                if since_touch >= PRESENCE_TOUCH_INTERVAL and self.sockets:
                    since_touch = 0.0
                    ids = sorted({b for boards in self.sockets.values() for b in boards})
                    await database_sync_to_async(services.presence_touch)(board_ids=ids, sockets=list(self.sockets))
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("board ticker failed; continuing")


_tickers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Ticker] = weakref.WeakKeyDictionary()


def get_ticker(hub: Hub) -> Ticker:
    loop = asyncio.get_running_loop()
    ticker = _tickers.get(loop)
    if ticker is None:
        ticker = _tickers[loop] = Ticker(hub)
    return ticker


class LiveConsumer(AsyncWebsocketConsumer):
    # No per-socket channel: the hub holds one channel per process and fans out locally.
    channel_layer_alias = "__hub_only__"

    async def connect(self) -> None:
        self.conn: live.Connection | None = None
        self.session_streams: set[str] = set()
        self.board_streams: dict[int, list[str]] = {}
        self.socket_key = uuid.uuid4().hex
        self.hub = get_hub()
        self.ticker = get_ticker(self.hub)
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
        if not hasattr(self, "outbox"):
            return
        board_streams = [s for streams in self.board_streams.values() for s in streams]
        for stream in list(self.session_streams) + board_streams:
            await self.hub.unsubscribe(stream, self.outbox)
        await self.outbox.close()
        if self.conn is not None:
            await database_sync_to_async(live.on_disconnect)(self.conn)
            if self.board_streams:
                self.ticker.sockets.pop(self.socket_key, None)
                self.ticker.dirty.update(self.board_streams)
                with contextlib.suppress(Exception):  # presence ages out if this fails
                    await database_sync_to_async(board_live.on_disconnect)(
                        self.conn, list(self.board_streams), self.socket_key
                    )

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
        streams = await database_sync_to_async(board_live.authorise_subscribe)(self.conn, board_id=frame.board)
        if frame.board not in self.board_streams:
            # Subscribe before reading the log, so nothing falls between replay and live
            # events; the client drops what it already has by seq.
            for stream in streams:
                await self.hub.subscribe(stream, self.outbox)
            self.board_streams[frame.board] = streams
            await database_sync_to_async(board_live.presence_join)(
                self.conn, board_id=frame.board, socket=self.socket_key
            )
            self.ticker.sockets.setdefault(self.socket_key, set()).add(frame.board)
            self.ticker.dirty.add(frame.board)
        for reply in await database_sync_to_async(board_live.catch_up)(
            self.conn, board_id=frame.board, since=frame.since
        ):
            self.push(reply)

    async def on_unsubscribe(self, frame: Frame) -> None:
        streams = self.board_streams.pop(frame.board, None)
        if streams is not None:
            for stream in streams:
                await self.hub.unsubscribe(stream, self.outbox)
            await database_sync_to_async(board_live.presence_leave)(
                self.conn, board_ids=[frame.board], socket=self.socket_key
            )
            self.ticker.sockets.get(self.socket_key, set()).discard(frame.board)
            self.ticker.dirty.add(frame.board)
        self.push({"type": "unsubscribed", "board": frame.board})
