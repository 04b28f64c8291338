"""Per-process fan-out.

One hub per event loop owns one channel-layer channel. It joins a stream's group when
the first local socket subscribes and leaves when the last one goes, and pushes each
received frame, already encoded, into every local socket's outbox. The per-client cost
of a broadcast is a deque append: no JSON encoding, no consumer dispatch (which in
Channels >= 4.2 hops threads to close database connections), no channel-layer message.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import uuid
import weakref
from collections.abc import Awaitable, Callable

from channels.layers import get_channel_layer
from channels.sessions import InstanceSessionWrapper

from .broadcast import asend_encoded, encode, group_name

logger = logging.getLogger(__name__)

# A client this far behind is told to resync (replay from its last seq) rather than
# letting its queue grow without bound on a poor connection.
OUTBOX_LIMIT = 2000


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
    ever delays itself."""

    __slots__ = ("_send", "_queue", "_waiter", "_task", "overflowed", "closed")

    def __init__(self, send: Callable[[dict], Awaitable[None]]):
        self._send = raw_send(send)
        self._queue: collections.deque[str] = collections.deque()
        # The writer's parking future while the queue is empty: one future per idle
        # period instead of an asyncio.Event's waiter list (a frame for 1,000 sockets
        # wakes 1,000 writers, so this is on the per-delivery path).
        self._waiter: asyncio.Future | None = None
        self.overflowed = False
        self.closed = False
        self._task = asyncio.get_running_loop().create_task(self._run())

    def push(self, text: str) -> None:
        if self.closed:
            return
        if len(self._queue) >= OUTBOX_LIMIT:
            self._queue.clear()
            self.overflowed = True
            self._queue.append(encode({"type": "resync", "reason": "too_far_behind"}))
        else:
            self._queue.append(text)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def _run(self) -> None:
        queue, send = self._queue, self._send
        loop = asyncio.get_running_loop()
        try:
            while True:
                while queue:
                    await send({"type": "websocket.send", "text": queue.popleft()})
                self._waiter = loop.create_future()
                await self._waiter
        except asyncio.CancelledError:
            pass
        except Exception:  # the socket went away under us; the consumer cleans up
            logger.debug("outbox writer stopped", exc_info=True)
            self.closed = True

    async def close(self) -> None:
        self.closed = True
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class Hub:
    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.streams: dict[str, set[Outbox]] = {}
        self._reader: asyncio.Task | None = None
        self._ready = asyncio.Lock()

    async def _ensure_started(self) -> None:
        if self._reader is not None:
            return
        async with self._ready:
            if self._reader is None:
                self.channel = await self.layer.new_channel("hub.")
                self._reader = asyncio.get_running_loop().create_task(self._read())

    async def subscribe(self, stream: str, outbox: Outbox) -> None:
        await self._ensure_started()
        members = self.streams.get(stream)
        if members is None:
            members = self.streams[stream] = {outbox}
            try:
                await self.layer.group_add(group_name(stream), self.channel)
            except BaseException:
                # Not joined: forget the stream, or later subscribers would never join it.
                if self.streams.get(stream) is members:
                    del self.streams[stream]
                raise
        else:
            members.add(outbox)

    async def unsubscribe(self, stream: str, outbox: Outbox) -> None:
        members = self.streams.get(stream)
        if not members:
            return
        members.discard(outbox)
        if not members:
            del self.streams[stream]
            try:
                await self.layer.group_discard(group_name(stream), self.channel)
            except Exception:
                logger.debug("group_discard failed for %s", stream, exc_info=True)

    def deliver(self, stream: str, text: str) -> int:
        """Push one encoded frame to every local subscriber; returns how many."""
        members = self.streams.get(stream)
        if not members:
            return 0
        for outbox in members:
            outbox.push(text)
        return len(members)

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

    Uses a fresh stream and leaves nothing behind. (A bare `new_channel` per check, as
    first written, kept one Redis subscription per call on the pub/sub layer: 600 health
    checks left 600 subscriptions.)
    """
    hub = get_hub()
    token = uuid.uuid4().hex
    stream = f"health.{token}"
    arrived: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def probe(message: dict) -> None:
        if not arrived.done():
            arrived.set_result(message["text"])

    outbox = Outbox(probe)
    try:
        await hub.subscribe(stream, outbox)
        await asend_encoded(stream, token)
        return await asyncio.wait_for(arrived, timeout) == token
    finally:
        await hub.unsubscribe(stream, outbox)
        await outbox.close()
