"""Per-process fan-out.

One hub per event loop owns one channel-layer channel. It joins a stream's group when
the first local member comes and leaves when the last one goes, and pushes each
received frame, already encoded, into every local socket's outbox. The per-client cost
of a broadcast is a deque append: no JSON encoding, no consumer dispatch (which in
Channels >= 4.2 hops threads to close database connections), no channel-layer message.

Members of a stream are subscribers (`subscribe`: anything with `push(text)`, normally
an Outbox) and watchers (`watch(stream, callback)`: `callback(stream, text)` is called
synchronously on the loop for every frame on the stream, after the subscribers got it;
the consumer uses it to notice rights-changing frames on a participant's own stream). A
watcher that raises is logged; delivery to the others goes on. Either kind counts for
the group: one group_add per stream per process, one group_discard when the last member
of either kind leaves.

Outbox rules (one outbox per socket, one writer task per outbox):

- Two lanes, one order. `push(text)` queues a broadcast event (the hub's lane);
  `reply(text)` queues this socket's own answers (acks, errors, snapshots, welcome).
  Both go into ONE ordered queue and leave it in the order they were queued: an ack for
  seq 12 never overtakes event 11.
- Budgets are in bytes, not frames, counted as len() of the str (code points; O(1),
  no encoding on the broadcast path). Events: OUTBOX_EVENT_BYTES (512 KiB, setting
  LIVE_OUTBOX_EVENT_BYTES). Replies: OUTBOX_REPLY_BYTES (1 MiB, setting
  LIVE_OUTBOX_REPLY_BYTES). `queued_bytes` is what waits in the queue (both lanes).
- Event overflow -> resync. When an event would take queued event bytes over the budget,
  every queued event is dropped (and that one), replies stay where they are, and one
  `{"type":"resync","reason":"too_far_behind"}` frame takes the place of the first
  dropped event; `overflowed` becomes True. Until the writer has sent that resync,
  further overflows drop events but add no second one. Events pushed after it are
  queued again: the client replays from its last seq, then drops duplicates by seq. A
  single event larger than the whole budget is still queued when no other event waits.
- Replies are never dropped. Instead the consumer awaits `wait_for_room()` before it
  handles each inbound frame: it returns at once while queued reply bytes are under the
  reply budget and otherwise waits until the writer has drained below it. A client
  that sends but never reads stops being served (its requests wait; memory stays
  bounded by the budget plus the answers to one request) rather than being dropped.
- A closed outbox (closed by the consumer, or its socket failed under the writer)
  ignores push and reply, forgets what was queued, and never makes wait_for_room wait.

wait_for_room bounds what a socket that does not read costs; how often a socket may ask
is the limiter's job (realtime/limits.py: TokenBucket, KeyedBuckets), applied by the
consumer before it does any work for a frame.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import inspect
import logging
import uuid
import weakref
from collections.abc import Awaitable, Callable
from typing import Protocol

from channels.layers import get_channel_layer
from channels.sessions import InstanceSessionWrapper
from django.conf import settings

from .broadcast import asend_encoded, encode, group_name

logger = logging.getLogger(__name__)

# Byte budgets of one socket's outbox (defaults; settings LIVE_OUTBOX_EVENT_BYTES and
# LIVE_OUTBOX_REPLY_BYTES override them). "Bytes" are len() of the str: code points,
# which is O(1); the UTF-8 size is at most 4x that, and each queued frame also costs a
# str object (~50 bytes) and a deque slot.
OUTBOX_EVENT_BYTES = 512 * 1024
OUTBOX_REPLY_BYTES = 1024 * 1024

RESYNC_TEXT = encode({"type": "resync", "reason": "too_far_behind"})


class _Marker:
    """The resync frame's place in an outbox queue (one shared instance)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<resync>"


_RESYNC = _Marker()


def raw_send(send: Callable[[dict], Awaitable[None]]) -> Callable[[dict], Awaitable[None]]:
    """The server's own ASGI send beneath Channels' session middleware.

    Channels' SessionMiddleware wraps `send` to save the session on an HTTP response;
    for every message it first asks the lazy session whether it is modified or empty.
    Outbox frames are only ever `websocket.send`, which that wrapper passes through
    unchanged, and the check was a quarter of the server's CPU per delivered frame
    (docs/performance.md). Accept and close still go through the consumer's own send.
    """
    owner = getattr(send, "__self__", None)
    while isinstance(owner, InstanceSessionWrapper):
        send = owner.real_send
        owner = getattr(send, "__self__", None)
    return send


class Outbox:
    """Ordered frames for one socket, written by one task so that a slow client only
    ever delays itself.

    Two lanes in ONE ordered queue, so that an ack never overtakes the event before it:
    `push` (broadcast events, bounded, may be dropped for a resync) and `reply` (this
    socket's own answers, never dropped, bounded by making the consumer wait; see the
    module docstring). Queue items are an event (the bare str: the broadcast path stays
    one append and one addition), a reply (a 1-tuple `(text,)`) or the resync marker.
    """

    __slots__ = (
        "_send", "_queue", "_waiter", "_room", "_task", "_event_room", "_reply_bytes",
        "_event_limit", "_reply_limit", "_resync_queued", "overflowed", "closed",
    )

    def __init__(
        self,
        send: Callable[[dict], Awaitable[None]],
        *,
        event_bytes: int | None = None,
        reply_bytes: int | None = None,
    ):
        self._send = raw_send(send)
        self._queue: collections.deque[str | tuple[str] | _Marker] = collections.deque()
        # The writer's parking future while the queue is empty: one future per idle
        # period instead of an asyncio.Event's waiter list (a frame for 1,000 sockets
        # wakes 1,000 writers, so this is on the per-delivery path).
        self._waiter: asyncio.Future | None = None
        # Resolved by the writer when queued reply bytes drop under the budget again.
        self._room: asyncio.Future | None = None
        self._event_limit = _budget("LIVE_OUTBOX_EVENT_BYTES", OUTBOX_EVENT_BYTES, event_bytes)
        # Event bytes that may still be queued (the budget minus what is queued): one
        # counter, so that push compares with zero and reads no limit.
        self._event_room = self._event_limit
        self._reply_bytes = 0
        self._reply_limit = _budget("LIVE_OUTBOX_REPLY_BYTES", OUTBOX_REPLY_BYTES, reply_bytes)
        self._resync_queued = False
        self.overflowed = False
        self.closed = False
        self._task = asyncio.get_running_loop().create_task(self._run())

    @property
    def queued_bytes(self) -> int:
        """Event plus reply bytes waiting in the queue (a frame being sent is not counted)."""
        return self._event_limit - self._event_room + self._reply_bytes

    @property
    def queued_event_bytes(self) -> int:
        return self._event_limit - self._event_room

    @property
    def queued_reply_bytes(self) -> int:
        return self._reply_bytes

    def push(self, text: str) -> None:
        """Queue a broadcast event (the hub calls this for every member of a stream)."""
        if self.closed:
            return
        room = self._event_room - len(text)
        # Over budget is an overflow, unless no event waits (a lone event larger than
        # the whole budget still goes, or it could never be delivered).
        if room < 0 and self._event_room != self._event_limit:
            self._overflow()
        else:
            self._event_room = room
            self._queue.append(text)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def reply(self, text: str) -> None:
        """Queue an answer to this socket's own frame (ack, error, snapshot, welcome):
        never dropped; it keeps its place relative to the events around it."""
        if self.closed:
            return
        self._reply_bytes += len(text)
        self._queue.append((text,))
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for_room(self) -> None:
        """Return once queued reply bytes are under the reply budget (at once if they
        are, or if the outbox is closed); the consumer awaits this before it handles
        each inbound frame, so a client that never reads stops being served."""
        while not self.closed and self._reply_bytes >= self._reply_limit:
            room = self._room
            if room is None or room.done():
                room = self._room = asyncio.get_running_loop().create_future()
            await asyncio.shield(room)  # one waiter's cancellation must not wake the others

    def _overflow(self) -> None:
        """Events overflowed: drop every queued event (and the one being pushed), keep the
        replies where they are, and put one resync where the first dropped event was."""
        queue = self._queue
        kept: list = []
        marked = self._resync_queued  # a resync still unsent: every queued event follows it
        for item in queue:
            if type(item) is tuple or item is _RESYNC:
                kept.append(item)
            elif not marked:
                kept.append(_RESYNC)
                marked = True
        queue.clear()  # in place: the writer holds this deque
        queue.extend(kept)
        self._event_room = self._event_limit
        self._resync_queued = True
        self.overflowed = True

    def _wake_room(self) -> None:
        room = self._room
        if room is not None:
            self._room = None
            if not room.done():
                room.set_result(None)

    async def _run(self) -> None:
        queue, send = self._queue, self._send
        loop = asyncio.get_running_loop()
        reply, marker = tuple, _RESYNC  # locals: this loop runs once per delivered frame
        try:
            while True:
                while queue:
                    item = queue.popleft()
                    if type(item) is reply:
                        text = item[0]
                        self._reply_bytes -= len(text)
                        if self._room is not None and self._reply_bytes < self._reply_limit:
                            self._wake_room()
                    elif item is marker:
                        self._resync_queued = False
                        text = RESYNC_TEXT
                    else:
                        self._event_room += len(item)
                        text = item
                    await send({"type": "websocket.send", "text": text})
                self._waiter = loop.create_future()
                await self._waiter
        except asyncio.CancelledError:
            pass
        except Exception:  # the socket went away under us; the consumer cleans up
            logger.debug("outbox writer stopped", exc_info=True)
            self._stop()

    def _stop(self) -> None:
        self.closed = True
        self._queue.clear()
        self._event_room = self._event_limit
        self._reply_bytes = 0
        self._wake_room()

    async def close(self) -> None:
        self._stop()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def _budget(setting: str, default: int, given: int | None) -> int:
    """An outbox budget: the one given, else the Django setting, else the default."""
    return int(getattr(settings, setting, default)) if given is None else given


class Subscriber(Protocol):
    """What the hub pushes frames into: an Outbox, or anything with the same push."""

    def push(self, text: str) -> None: ...


# A watcher: called as callback(stream, text) on the loop for every frame on the stream.
Watcher = Callable[[str, str], None]


class Hub:
    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.streams: dict[str, set[Subscriber]] = {}
        # Per stream, the watchers in the order they came (a dict used as an ordered set).
        self.watchers: dict[str, dict[Watcher, None]] = {}
        # Per joined stream, a token of the group_add that joined it: a join that fails
        # forgets the stream only if no later join has replaced it meanwhile.
        self._joins: dict[str, object] = {}
        self._reader: asyncio.Task | None = None
        self._ready = asyncio.Lock()

    async def _ensure_started(self) -> None:
        if self._reader is not None:
            return
        async with self._ready:
            if self._reader is None:
                self.channel = await self.layer.new_channel("hub.")
                # The reader serves the whole process, so it must not inherit the context of
                # whoever happened to start it: started from a sync view's async_to_sync
                # (/healthz is often the first), every task a watcher later spawned from it
                # would find asgiref's executor of that finished call and fail with
                # "CurrentThreadExecutor already quit" on its first database_sync_to_async.
                self._reader = asyncio.get_running_loop().create_task(self._read(), context=contextvars.Context())

    def _has_members(self, stream: str) -> bool:
        return stream in self.streams or stream in self.watchers

    async def subscribe(self, stream: str, outbox: Subscriber) -> None:
        await self._ensure_started()
        first = not self._has_members(stream)
        self.streams.setdefault(stream, set()).add(outbox)
        if first:
            await self._join(stream)

    async def unsubscribe(self, stream: str, outbox: Subscriber) -> None:
        members = self.streams.get(stream)
        if not members:
            return
        members.discard(outbox)
        if not members:
            del self.streams[stream]
            await self._leave(stream)

    async def watch(self, stream: str, callback: Watcher) -> None:
        """Call `callback(stream, text)` for every frame delivered on `stream` in this
        process, after the stream's outboxes got it. Synchronous, on the loop: it must not
        block; one that raises is logged and the others still get the frame. Watching
        counts as membership: the group is joined by the first watcher or outbox and left
        with the last. Watching twice with the same callback is watching once."""
        if inspect.iscoroutinefunction(callback):
            raise TypeError("a watcher is called synchronously; schedule async work from it instead")
        await self._ensure_started()
        first = not self._has_members(stream)
        self.watchers.setdefault(stream, {})[callback] = None
        if first:
            await self._join(stream)

    async def unwatch(self, stream: str, callback: Watcher) -> None:
        callbacks = self.watchers.get(stream)
        if not callbacks:
            return
        callbacks.pop(callback, None)
        if not callbacks:
            del self.watchers[stream]
            await self._leave(stream)

    async def _join(self, stream: str) -> None:
        token = self._joins[stream] = object()
        try:
            await self.layer.group_add(group_name(stream), self.channel)
        except BaseException:
            # Not joined: forget the stream (every member that came while this join was
            # in flight, too), or later members would never join it.
            if self._joins.get(stream) is token:
                del self._joins[stream]
                self.streams.pop(stream, None)
                self.watchers.pop(stream, None)
            raise

    async def _leave(self, stream: str) -> None:
        if self._has_members(stream):
            return
        self._joins.pop(stream, None)
        try:
            await self.layer.group_discard(group_name(stream), self.channel)
        except Exception:
            logger.debug("group_discard failed for %s", stream, exc_info=True)

    def deliver(self, stream: str, text: str) -> int:
        """Push one encoded frame to every local subscriber, then call the stream's
        watchers; returns how many subscribers and watchers there were."""
        count = 0
        members = self.streams.get(stream)
        if members:
            for outbox in members:
                outbox.push(text)
            count = len(members)
        callbacks = self.watchers.get(stream)
        if callbacks:
            for callback in tuple(callbacks):  # a watcher may unwatch from its callback
                try:
                    callback(stream, text)
                except Exception:
                    logger.exception("watcher %r failed on %s", callback, stream)
            count += len(callbacks)
        return count

    async def _read(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("hub receive failed; retrying")
                await asyncio.sleep(0.5)
                continue
            if message.get("type") == "hub.frame":
                self.deliver(message["stream"], message["text"])


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """The hub of the running event loop (one per server process; tests get one per loop)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub()
    return hub


async def round_trip(timeout: float = 2.0) -> bool:
    """True when a frame published through the channel layer comes back through this
    process's hub: the layer answers and the hub's reader is alive (for /healthz).

    Uses a fresh stream and a watcher (no outbox, no writer task) and leaves nothing
    behind. (A bare `new_channel` per check, as
    first written, kept one Redis subscription per call on the pub/sub layer: 600 health
    checks left 600 subscriptions.)
    """
    hub = get_hub()
    token = uuid.uuid4().hex
    stream = f"health.{token}"
    arrived: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def probe(stream: str, text: str) -> None:
        if not arrived.done():
            arrived.set_result(text)

    try:
        await hub.watch(stream, probe)
        await asend_encoded(stream, token)
        return await asyncio.wait_for(arrived, timeout) == token
    finally:
        await hub.unwatch(stream, probe)
