"""The one websocket consumer: one connection per browser tab carries the session's live
state and every board the tab shows (docs/protocol.md).

Thin: parse the envelope (realtime.protocol), hand an op to the registry (live.ops) in a
worker thread, push the answer. Broadcast frames never pass through here: the process hub
(realtime.hub) writes them straight into this socket's outbox. The consumer only watches
its own person's and session's streams for the few frames that change what this person
may see (a move, a new rapporteur, groups opened or recalled) and then re-reads its
rights at once, dropping boards it may no longer follow.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import uuid
import weakref

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import InterfaceError, OperationalError

from realtime.broadcast import encode
from realtime.errors import DomainError, error_frame
from realtime.hub import Hub, Outbox, get_hub
from realtime.limits import KeyedBuckets
from realtime.protocol import Frame, parse_frame
from workshops import events
from workshops import services as rooms

from . import boards, connection, ops, presence

logger = logging.getLogger(__name__)

# Close codes, sent after an error frame when the socket cannot be used at all.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_TOO_MANY_SOCKETS = 4429

#: Frames that change what the person behind a socket may see, by the stream they come on.
RIGHTS_FRAMES = {"participant": {"moved", "rapporteur", "placed"},
                 "session": {"groups.opened", "groups.recalled", "boards.changed"}}


def setting(name: str, default: float) -> float:
    """Live limits and intervals, read when used so tests can change them."""
    return getattr(settings, name, default)


class Ticker:
    """One per event loop (= per server process). Every LIVE_TICK seconds it publishes the
    coalesced presence of the sessions and boards whose local sockets came or went; every
    BOARD_HEADS_INTERVAL it pushes one pre-encoded `head` frame per followed board and
    session (heads of all of them in two queries), so clients notice a silently lost
    frame; every presence.HEARTBEAT it touches its sockets' presence rows and forgets
    sockets of dead processes; every tick it calls back the groups whose recalling timer
    ran out (one query on the small session table)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.dirty_sessions: set[int] = set()
        self.dirty_boards: set[int] = set()
        self.sockets: set[str] = set()
        # Process-wide: a fresh context, not the first socket's (see Hub._ensure_started).
        self._task = asyncio.get_running_loop().create_task(self._run(), context=contextvars.Context())

    def _followed(self, kind: str) -> list[int]:
        ids = []
        for stream in self.hub.streams:
            head, _, rest = stream.partition(".")
            if head == kind and rest.isdigit():
                ids.append(int(rest))
        return ids

    async def send_heads(self) -> None:
        board_ids, session_ids = self._followed("board"), self._followed("session")
        if board_ids:
            for pk, seq in (await database_sync_to_async(boards.heads)(board_ids)).items():
                self.hub.deliver(f"board.{pk}", encode({"type": "head", "board": int(pk), "seq": seq}))
        if session_ids:
            for pk, seq in (await database_sync_to_async(events.heads)(session_ids)).items():
                self.hub.deliver(events.session_stream(pk), encode({"type": "head", "session": pk, "seq": seq}))

    async def flush_presence(self) -> None:
        if self.dirty_sessions or self.dirty_boards:
            sessions, self.dirty_sessions = self.dirty_sessions, set()
            board_ids, self.dirty_boards = self.dirty_boards, set()
            await database_sync_to_async(presence.publish_presence)(session_ids=list(sessions),
                                                                    board_ids=list(board_ids))

    async def heartbeat(self) -> None:
        await database_sync_to_async(presence.touch)(sockets=sorted(self.sockets))
        sessions, board_ids = await database_sync_to_async(presence.expire)()
        self.dirty_sessions |= sessions
        self.dirty_boards |= board_ids

    async def _run(self) -> None:
        since_heads = since_beat = 0.0
        while True:
            tick = setting("LIVE_TICK", 2.0)
            await asyncio.sleep(tick)
            since_heads += tick
            since_beat += tick
            try:
                if since_beat >= presence.HEARTBEAT:
                    since_beat = 0.0
                    await self.heartbeat()
                await self.flush_presence()
                await database_sync_to_async(rooms.recall_when_due)()
                if since_heads >= setting("BOARD_HEADS_INTERVAL", 15.0):
                    since_heads = 0.0
                    await self.send_heads()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live ticker failed; continuing")


_tickers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Ticker] = weakref.WeakKeyDictionary()
_limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, KeyedBuckets] = weakref.WeakKeyDictionary()


def get_ticker(hub: Hub) -> Ticker:
    loop = asyncio.get_running_loop()
    ticker = _tickers.get(loop)
    if ticker is None:
        ticker = _tickers[loop] = Ticker(hub)
    return ticker


def op_limits() -> KeyedBuckets:
    """Per process: ops per person per second (LIVE_OPS_PER_SECOND, burst LIVE_OPS_BURST).
    With LIVE_MAX_SOCKETS per person, one person's share of any process is bounded."""
    loop = asyncio.get_running_loop()
    buckets = _limits.get(loop)
    if buckets is None:
        buckets = _limits[loop] = KeyedBuckets(rate=setting("LIVE_OPS_PER_SECOND", 10.0),
                                               burst=setting("LIVE_OPS_BURST", 30.0))
    return buckets


def _log_failure(task: asyncio.Task) -> None:
    """A background task's exception goes to the log, not into the void."""
    if not task.cancelled() and task.exception() is not None:
        logger.error("rights re-read failed", exc_info=task.exception())


#: How those frames' types appear in an encoded frame (realtime.broadcast.encode), by stream
#: kind: what RightsWatcher.push looks for before it parses anything.
RIGHTS_NEEDLES = {kind: tuple(f'"type":"{t}"' for t in sorted(types)) for kind, types in RIGHTS_FRAMES.items()}


class RightsWatcher:
    """A hub subscriber (it has `push`) on the person's own and session streams: frames
    that change what they may see make the consumer re-read its rights.

    Every socket has one on its session stream, so `push` runs once per socket for every
    session frame (1,000 times per frame with 1,000 sockets): it only looks for a few
    prepared substrings, and parses the frame only when one is there."""

    __slots__ = ("consumer", "kind", "needles")

    def __init__(self, consumer: LiveConsumer, kind: str) -> None:
        self.consumer, self.kind = consumer, kind
        self.needles = RIGHTS_NEEDLES[kind]

    def push(self, text: str) -> None:
        for needle in self.needles:
            if needle in text:
                break
        else:
            return
        wanted = RIGHTS_FRAMES[self.kind]
        with contextlib.suppress(ValueError):
            if json.loads(text).get("type") in wanted:
                self.consumer.rights_changed()


class LiveConsumer(AsyncWebsocketConsumer):
    # No per-socket channel: the hub holds one channel per process and fans out locally.
    channel_layer_alias = "__hub_only__"

    async def connect(self) -> None:
        self.conn: connection.Connection | None = None
        self.streams: set[str] = set()
        self.board_streams: dict[int, list[str]] = {}
        self.socket_key = uuid.uuid4().hex
        self.hub = get_hub()
        self.ticker = get_ticker(self.hub)
        self.watchers = {kind: RightsWatcher(self, kind) for kind in RIGHTS_FRAMES}
        self._rights_lock = asyncio.Lock()
        # Re-reads of rights are started from the hub's reader; they run in this socket's
        # own context (its language, no one else's asgiref executors).
        self._context = contextvars.copy_context()
        self._rights_task: asyncio.Task | None = None
        await self.accept()
        self.outbox = Outbox(self.base_send)
        try:
            self.conn = await database_sync_to_async(connection.open_connection)(
                user=self.scope.get("user"),
                http_session=self.scope.get("session"),
                session_uuid=str(self.scope["url_route"]["kwargs"]["session_uuid"]),
            )
            limit = int(setting("LIVE_MAX_SOCKETS", 10))
            if not await database_sync_to_async(presence.admit)(socket=self.socket_key, actor=self.conn.actor,
                                                                session_id=self.conn.session_id, limit=limit):
                raise DomainError("rate_limited", f"at most {limit} open connections per person",
                                  retry_after=float(presence.PRESENCE_TTL))
        except (OperationalError, InterfaceError):
            await self._refuse(DomainError("unavailable", "the database is unreachable",
                                           retry_after=ops.UNAVAILABLE_RETRY_AFTER), 1013)
            return
        except DomainError as exc:
            await self._refuse(exc, CLOSE_TOO_MANY_SOCKETS if exc.code == "rate_limited" else CLOSE_UNAUTHENTICATED)
            return
        await self._follow(self.conn.streams)
        self.ticker.sockets.add(self.socket_key)
        self.ticker.dirty_sessions.add(self.conn.session_id)
        self.reply(self.conn.welcome)

    async def _refuse(self, exc: DomainError, code: int) -> None:
        await self.send(text_data=encode(exc.frame()))
        await self.close(code=code)
        self.conn = None

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "outbox"):
            return
        if self._rights_task is not None:
            self._rights_task.cancel()
        for stream in list(self.streams):
            await self._leave(stream)
        for streams in self.board_streams.values():
            for stream in streams:
                await self.hub.unsubscribe(stream, self.outbox)
        await self.outbox.close()
        if self.conn is not None:
            self.ticker.sockets.discard(self.socket_key)
            self.ticker.dirty_sessions.add(self.conn.session_id)
            self.ticker.dirty_boards.update(self.board_streams)
            with contextlib.suppress(Exception):  # rows age out (PRESENCE_TTL) if this fails
                await database_sync_to_async(presence.leave)(socket=self.socket_key)

    def reply(self, frame: dict) -> None:
        """An answer to this socket (welcome, ack, error, snapshot): never dropped."""
        self.outbox.reply(encode(frame))

    def _watcher(self, stream: str) -> RightsWatcher | None:
        kind = stream.partition(".")[0]
        return self.watchers.get(kind)

    async def _join(self, stream: str) -> None:
        await self.hub.subscribe(stream, self.outbox)
        watcher = self._watcher(stream)
        if watcher is not None:
            await self.hub.subscribe(stream, watcher)

    async def _leave(self, stream: str) -> None:
        await self.hub.unsubscribe(stream, self.outbox)
        watcher = self._watcher(stream)
        if watcher is not None:
            await self.hub.unsubscribe(stream, watcher)

    async def _follow(self, streams: list[str]) -> None:
        """Follow exactly these session streams (join first, so nothing falls between)."""
        wanted = set(streams)
        for stream in wanted - self.streams:
            await self._join(stream)
        for stream in self.streams - wanted:
            await self._leave(stream)
        self.streams = wanted

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # A client that does not read its answers is not served more of them: memory stays
        # bounded and the socket stays open (realtime.hub.Outbox).
        await self.outbox.wait_for_room()
        op_id = None
        try:
            frame = parse_frame(text_data)
            op_id = frame.op_id
            if self.conn is None:
                raise DomainError("unauthenticated", "this socket has no participant or facilitator")
            await getattr(self, f"on_{frame.type}")(frame)
        except DomainError as exc:
            self.reply(exc.frame(op_id=op_id))
        except (OperationalError, InterfaceError):
            self.reply(error_frame("unavailable", "the database is unreachable; nothing was applied", op_id=op_id,
                                   retry_after=ops.UNAVAILABLE_RETRY_AFTER))
        except Exception:
            logger.exception("unhandled error on frame %r", (text_data or "")[:200])
            self.reply(error_frame("internal", "the server failed; nothing was applied", op_id=op_id))

    async def on_ping(self, frame: Frame) -> None:
        board_heads = await database_sync_to_async(boards.heads)(list(self.board_streams))
        session_seq = await database_sync_to_async(events.head_seq)(self.conn.session_id)
        self.reply({"type": "pong", "heads": board_heads, "session_seq": session_seq})

    async def on_refresh(self, frame: Frame) -> None:
        """Re-read who and where I am, and send the state (a client that saw a gap)."""
        await self._reauthorise()

    def rights_changed(self) -> None:
        """Called by a RightsWatcher on the loop: re-read rights soon, once per burst."""
        if self._rights_task is None or self._rights_task.done():
            self._rights_task = asyncio.get_running_loop().create_task(self._reauthorise(),
                                                                      context=self._context.copy())
            self._rights_task.add_done_callback(_log_failure)

    async def _reauthorise(self) -> None:
        """Rights follow the present: re-read the connection, follow its streams, drop every
        board this person may no longer see (`unsubscribed`, reason `revoked`), then send
        the new welcome."""
        async with self._rights_lock:
            try:
                self.conn = await database_sync_to_async(connection.refresh)(self.conn)
            except DomainError as exc:
                self.reply(exc.frame())
                return
            await self._follow(self.conn.streams)
            for board_id in list(self.board_streams):
                try:
                    streams = await database_sync_to_async(boards.authorise_subscribe)(self.conn, board_id=board_id)
                except DomainError:
                    await self._drop_board(board_id)
                    self.reply({"type": "unsubscribed", "board": board_id, "reason": "revoked"})
                    continue
                await self._set_board_streams(board_id, streams)
            self.reply(self.conn.welcome)

    async def _set_board_streams(self, board_id: int, streams: list[str]) -> None:
        old = set(self.board_streams.get(board_id, []))
        for stream in set(streams) - old:
            await self.hub.subscribe(stream, self.outbox)
        for stream in old - set(streams):
            await self.hub.unsubscribe(stream, self.outbox)
        self.board_streams[board_id] = streams

    async def _drop_board(self, board_id: int) -> None:
        for stream in self.board_streams.pop(board_id, []):
            await self.hub.unsubscribe(stream, self.outbox)
        await database_sync_to_async(presence.leave)(socket=self.socket_key, board_ids=[board_id])
        self.ticker.dirty_boards.add(board_id)

    async def on_op(self, frame: Frame) -> None:
        retry = op_limits().take(self.conn.actor.participant_id or f"u{self.conn.actor.user_id}")
        if retry:
            raise DomainError("rate_limited", "too many changes at once; this one was not applied",
                              retry_after=retry)
        spec = ops.REGISTRY.get(frame.op)
        if spec is not None and spec.scope == "board" and frame.board is not None and \
                frame.board not in self.board_streams:
            raise DomainError("not_subscribed", "subscribe to the board first")
        self.reply(await database_sync_to_async(ops.dispatch)(
            self.conn, op=frame.op, op_id=frame.op_id, data=frame.data, board=frame.board))

    async def on_subscribe(self, frame: Frame) -> None:
        streams = await database_sync_to_async(boards.authorise_subscribe)(self.conn, board_id=frame.board)
        if frame.board not in self.board_streams:
            # Subscribe before reading the log, so nothing falls between replay and live
            # events; the client drops what it already has by seq.
            await self._set_board_streams(frame.board, streams)
            await database_sync_to_async(presence.join)(socket=self.socket_key, session_id=self.conn.session_id,
                                                        actor=self.conn.actor, board_id=frame.board)
            self.ticker.dirty_boards.add(frame.board)
        for reply in await database_sync_to_async(boards.catch_up)(self.conn, board_id=frame.board,
                                                                    since=frame.since):
            self.reply(reply)

    async def on_unsubscribe(self, frame: Frame) -> None:
        if frame.board in self.board_streams:
            await self._drop_board(frame.board)
        self.reply({"type": "unsubscribed", "board": frame.board})


def refuse_when_database_down(inner):
    """ASGI middleware around the websocket stack: the session/auth middleware reads the
    browser session from the database before any consumer runs, so a database that cannot
    be reached would fail the handshake with an exception (HTTP 500). Answer as the
    consumer does instead: accept, error `unavailable` with retry_after, close 1013."""

    async def app(scope, receive, send):
        started = False

        async def receive_first():
            nonlocal started
            started = True  # the consumer has begun the handshake: errors after this are its own
            return await receive()

        try:
            return await inner(scope, receive_first, send)
        except (OperationalError, InterfaceError):
            if started or scope["type"] != "websocket":
                raise
        logger.warning("database unreachable at a websocket handshake")
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        refused = DomainError("unavailable", "the database is unreachable", retry_after=ops.UNAVAILABLE_RETRY_AFTER)
        await send({"type": "websocket.send", "text": encode(refused.frame())})
        await send({"type": "websocket.close", "code": 1013})

    return app


class RefuseConsumer(AsyncWebsocketConsumer):
    """Any other websocket path: refused at the handshake (HTTP 403), never a 500."""

    async def connect(self) -> None:
        await self.close()
