"""The per-process hub and the per-socket Outbox (realtime/hub.py), on both channel layers.

Frames travel the real way: realtime.broadcast.asend_encoded -> channel layer -> the hub's
one channel -> Hub.deliver -> each Outbox -> the socket's send callable. The "sockets" here
are plain recorders, the only stand-in: they are the ASGI send of a websocket.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.layers import get_channel_layer

from realtime import hub as hub_module
from realtime.broadcast import asend_encoded, encode, group_name
from realtime.hub import OUTBOX_LIMIT, Outbox, get_hub

RESYNC = encode({"type": "resync", "reason": "too_far_behind"})


class Socket:
    """Records what an Outbox sends; `stall()` makes every send wait until `release()`."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._open = asyncio.Event()
        self._open.set()
        self.arrived = asyncio.Event()

    def stall(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def send(self, message: dict) -> None:
        assert message["type"] == "websocket.send"
        await self._open.wait()
        self.texts.append(message["text"])
        self.arrived.set()


async def wait_until(predicate, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


async def close_all(outboxes) -> None:
    for outbox in outboxes:
        await outbox.close()


async def test_one_broadcast_reaches_every_local_outbox_once(any_layer):
    hub = get_hub()
    sockets = [Socket() for _ in range(300)]
    outboxes = [Outbox(s.send) for s in sockets]
    for outbox in outboxes:
        await hub.subscribe("board.1", outbox)

    await asend_encoded("board.1", '{"seq":1}')
    await wait_until(lambda: all(s.texts for s in sockets))
    await asyncio.sleep(0.05)  # nothing more may arrive

    assert [s.texts for s in sockets] == [['{"seq":1}']] * 300
    await close_all(outboxes)


async def test_every_socket_receives_frames_in_publish_order(any_layer):
    hub = get_hub()
    sockets = [Socket() for _ in range(20)]
    outboxes = [Outbox(s.send) for s in sockets]
    for outbox in outboxes:
        await hub.subscribe("board.2", outbox)
    frames = [encode({"seq": n}) for n in range(1, 201)]

    for text in frames:
        await asend_encoded("board.2", text)
    await wait_until(lambda: all(len(s.texts) == 200 for s in sockets))

    assert [s.texts for s in sockets] == [frames] * 20
    await close_all(outboxes)


async def test_a_stalled_socket_does_not_delay_the_others(any_layer):
    hub = get_hub()
    stalled, healthy = Socket(), [Socket() for _ in range(10)]
    stalled.stall()
    outboxes = [Outbox(stalled.send)] + [Outbox(s.send) for s in healthy]
    for outbox in outboxes:
        await hub.subscribe("board.3", outbox)
    frames = [encode({"seq": n}) for n in range(1, 51)]

    for text in frames:
        await asend_encoded("board.3", text)
    await wait_until(lambda: all(len(s.texts) == 50 for s in healthy))

    assert stalled.texts == []
    assert [s.texts for s in healthy] == [frames] * 10
    stalled.release()
    await wait_until(lambda: len(stalled.texts) == 50)
    assert stalled.texts == frames
    await close_all(outboxes)


async def test_an_outbox_too_far_behind_is_told_to_resync_and_keeps_what_follows():
    socket = Socket()
    socket.stall()
    outbox = Outbox(socket.send)
    frames = [encode({"seq": n}) for n in range(OUTBOX_LIMIT + 4)]

    outbox.push(frames[0])
    await asyncio.sleep(0)  # the writer takes frame 0 and waits on the stalled socket
    for text in frames[1:]:
        outbox.push(text)
    socket.release()
    await wait_until(lambda: len(socket.texts) == 4)
    await asyncio.sleep(0.02)

    # frames 1..LIMIT filled the queue; frame LIMIT+1 overflowed it: the backlog is
    # replaced by one resync frame, and frames pushed after it still arrive in order.
    assert socket.texts == [frames[0], RESYNC, frames[-2], frames[-1]]
    assert json.loads(socket.texts[1]) == {"type": "resync", "reason": "too_far_behind"}
    assert outbox.overflowed is True
    await outbox.close()


async def test_a_closed_outbox_ignores_pushes():
    socket = Socket()
    outbox = Outbox(socket.send)
    await outbox.close()

    outbox.push('{"seq":1}')
    await asyncio.sleep(0.02)

    assert socket.texts == []
    assert outbox.closed is True


async def test_an_outbox_whose_socket_fails_stops_and_drops_later_frames():
    sent: list[str] = []

    async def failing_send(message: dict) -> None:
        sent.append(message["text"])
        raise OSError("socket gone")

    outbox = Outbox(failing_send)
    outbox.push("a")
    await wait_until(lambda: outbox.closed)
    outbox.push("b")
    await asyncio.sleep(0.02)

    assert sent == ["a"]
    await outbox.close()


async def test_the_hub_joins_a_streams_group_once_and_leaves_with_the_last_socket(any_layer):
    hub = get_hub()
    layer = get_channel_layer()
    first, second = Socket(), Socket()
    a, b = Outbox(first.send), Outbox(second.send)

    await hub.subscribe("board.4", a)
    await hub.subscribe("board.4", b)
    await hub.subscribe("board.4", b)  # a repeated subscribe changes nothing
    assert hub.streams == {"board.4": {a, b}}
    assert await group_members(layer, "board.4") == {hub.channel}

    await hub.unsubscribe("board.4", a)
    assert hub.streams == {"board.4": {b}}
    assert await group_members(layer, "board.4") == {hub.channel}
    await asend_encoded("board.4", "after-a-left")
    await wait_until(lambda: second.texts == ["after-a-left"])
    assert first.texts == []

    await hub.unsubscribe("board.4", b)
    await hub.unsubscribe("board.4", b)  # unsubscribing twice is harmless
    assert hub.streams == {}
    assert await group_members(layer, "board.4") == set()
    await close_all([a, b])


async def test_the_hub_delivers_only_to_the_streams_a_socket_follows(any_layer):
    hub = get_hub()
    on_board, on_session, on_both = Socket(), Socket(), Socket()
    outboxes = {name: Outbox(s.send) for name, s in
                {"board": on_board, "session": on_session, "both": on_both}.items()}
    await hub.subscribe("board.5", outboxes["board"])
    await hub.subscribe("session.5", outboxes["session"])
    await hub.subscribe("board.5", outboxes["both"])
    await hub.subscribe("session.5", outboxes["both"])

    await asend_encoded("board.5", "b1")
    await asend_encoded("session.5", "s1")
    await asend_encoded("board.6", "nobody")
    await wait_until(lambda: len(on_both.texts) == 2 and on_board.texts and on_session.texts)
    await asyncio.sleep(0.05)

    assert (on_board.texts, on_session.texts, on_both.texts) == (["b1"], ["s1"], ["b1", "s1"])
    await close_all(outboxes.values())


async def test_deliver_counts_local_subscribers():
    hub = get_hub()
    outboxes = [Outbox(Socket().send) for _ in range(3)]
    for outbox in outboxes:
        await hub.subscribe("board.7", outbox)

    assert (hub.deliver("board.7", "x"), hub.deliver("board.8", "x")) == (3, 0)
    await close_all(outboxes)


async def test_each_event_loop_has_its_own_hub():
    assert get_hub() is get_hub()
    assert hub_module._hubs[asyncio.get_running_loop()] is get_hub()


async def group_members(layer, stream: str) -> set[str]:
    """Which channels of this process the layer holds in a stream's group."""
    name = group_name(stream)
    if type(layer).__name__ == "InMemoryChannelLayer":
        return set(layer.groups.get(name, {}))
    # RedisPubSubChannelLayer: per-loop bookkeeping, plus the real Redis subscription.
    loop_layer = layer._get_layer()
    group_channel = loop_layer._get_group_channel_name(name)
    members = set(loop_layer.groups.get(group_channel, set()))
    subscribed = any(group_channel in shard._subscribed_to for shard in loop_layer._shards)
    assert subscribed == bool(members)
    return members


@pytest.fixture(autouse=True)
def _fresh_hubs():
    """A hub caches its layer; every test (one event loop each) starts with a new one."""
    hub_module._hubs.clear()
    yield
    hub_module._hubs.clear()


async def test_an_outbox_writes_beneath_the_session_middleware_and_still_reaches_the_socket():
    from channels.sessions import CookieMiddleware, SessionMiddleware

    sent: list[dict] = []
    seen: dict = {}

    async def server_send(message: dict) -> None:  # what uvicorn hands the application
        sent.append(message)

    async def consumer(scope, receive, send) -> None:
        seen["send"] = send
        outbox = Outbox(send)
        seen["outbox_send"] = outbox._send
        outbox.push("frame")
        await wait_until(lambda: sent)
        await outbox.close()

    async def receive() -> dict:
        return {"type": "websocket.connect"}

    app = CookieMiddleware(SessionMiddleware(consumer))
    await app({"type": "websocket", "path": "/ws/", "headers": [(b"cookie", b"sessionid=abc")]}, receive, server_send)

    assert seen["send"] is not server_send  # Channels wrapped it...
    assert seen["outbox_send"] is server_send  # ...and the outbox writes to the server's own send
    assert sent == [{"type": "websocket.send", "text": "frame"}]


async def test_a_round_trip_comes_back_through_the_hub_and_leaves_nothing_subscribed(any_layer):
    from realtime.hub import round_trip

    layer = get_channel_layer()

    assert [await round_trip(timeout=5) for _ in range(3)] == [True, True, True]
    assert get_hub().streams == {}
    if any_layer == "redis":
        loop_layer = layer._get_layer()
        assert loop_layer.groups == {}
        assert [s._subscribed_to for s in loop_layer._shards] == [{get_hub().channel}]
    else:
        assert layer.groups == {}


async def test_a_stream_whose_group_join_failed_is_joined_by_the_next_subscriber(memory_layer):
    from channels.layers import InMemoryChannelLayer

    class FlakyLayer(InMemoryChannelLayer):  # the channel layer is third-party: a stand-in for a Redis hiccup
        failures = 1

        async def group_add(self, group, channel):
            if self.failures:
                self.failures -= 1
                raise ConnectionError("redis went away")
            await super().group_add(group, channel)

    hub = get_hub()
    hub.layer = FlakyLayer()
    first, second = Socket(), Socket()
    a, b = Outbox(first.send), Outbox(second.send)

    with pytest.raises(ConnectionError):
        await hub.subscribe("board.9", a)
    assert hub.streams == {}
    await hub.subscribe("board.9", b)
    await hub.layer.group_send(group_name("board.9"), {"type": "hub.frame", "stream": "board.9", "text": "x"})
    await wait_until(lambda: second.texts == ["x"])

    assert (first.texts, second.texts) == ([], ["x"])
    await close_all([a, b])
