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
from realtime.hub import OUTBOX_EVENT_BYTES, OUTBOX_REPLY_BYTES, Outbox, get_hub

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


def frame(name: str, size: int = 10) -> str:
    """A text frame of exactly `size` characters, recognisable by its name."""
    return name.ljust(size, ".")


async def stalled_outbox(socket: Socket, first: str = "first", **budgets) -> Outbox:
    """An outbox whose writer has taken `first` and now waits on the stalled socket."""
    socket.stall()
    outbox = Outbox(socket.send, **budgets)
    outbox.push(first)
    await asyncio.sleep(0)
    assert outbox.queued_bytes == 0
    return outbox


async def test_an_outbox_too_far_behind_is_told_to_resync_and_keeps_what_follows():
    socket = Socket()
    outbox = await stalled_outbox(socket, event_bytes=100)
    frames = [frame(f"e{n}") for n in range(1, 14)]

    for text in frames[:10]:
        outbox.push(text)
    assert (outbox.queued_bytes, outbox.overflowed) == (100, False)  # exactly the budget is not over it
    for text in frames[10:]:
        outbox.push(text)
    assert outbox.queued_bytes == 20
    socket.release()
    await wait_until(lambda: len(socket.texts) == 4)
    await asyncio.sleep(0.02)

    # e1..e10 filled the budget; e11 overflowed it: those events are replaced by one
    # resync frame, and the events pushed after it still arrive in order.
    assert socket.texts == ["first", RESYNC, frames[-2], frames[-1]]
    assert json.loads(socket.texts[1]) == {"type": "resync", "reason": "too_far_behind"}
    assert (outbox.overflowed, outbox.queued_bytes) == (True, 0)
    await outbox.close()


async def test_an_event_overflow_keeps_the_queued_replies_in_order_with_one_resync_in_place():
    socket = Socket()
    outbox = await stalled_outbox(socket, event_bytes=25)
    for text in ["e1", "r1", "e2", "r2", "e3", "r3", "e4"]:
        if text[0] == "e":
            outbox.push(frame(text))
        else:
            outbox.reply(frame(text))
    # e1 + e2 = 20 bytes; e3 would make 30 > 25: e1, e2 and e3 go, r1 and r2 stay.
    assert (outbox.queued_event_bytes, outbox.queued_reply_bytes) == (10, 30)
    socket.release()
    await wait_until(lambda: len(socket.texts) == 6)
    await asyncio.sleep(0.02)

    assert socket.texts == ["first", RESYNC] + [frame(t) for t in ["r1", "r2", "r3", "e4"]]
    await outbox.close()


async def test_a_resync_is_queued_once_until_the_writer_has_sent_it():
    socket = Socket()
    outbox = await stalled_outbox(socket, event_bytes=20)
    for n in range(1, 4):  # e3 overflows
        outbox.push(frame(f"e{n}"))
    outbox.reply(frame("r1"))
    for n in range(4, 7):  # e6 overflows again, before the resync went out
        outbox.push(frame(f"e{n}"))
    outbox.push(frame("e7"))
    socket.release()
    await wait_until(lambda: len(socket.texts) == 4)
    await asyncio.sleep(0.02)
    assert socket.texts == ["first", RESYNC, frame("r1"), frame("e7")]

    socket.stall()
    outbox.push(frame("e8"))  # taken by the writer, which waits again
    await asyncio.sleep(0)
    for n in range(9, 12):  # the first resync was sent: this overflow needs a new one
        outbox.push(frame(f"e{n}"))
    socket.release()
    await wait_until(lambda: len(socket.texts) == 6)
    await asyncio.sleep(0.02)

    assert socket.texts[4:] == [frame("e8"), RESYNC]
    await outbox.close()


async def test_the_reply_lane_is_never_dropped():
    socket = Socket()
    outbox = await stalled_outbox(socket, event_bytes=10, reply_bytes=10)
    replies = [frame(f"r{n}") for n in range(100)]

    for n, text in enumerate(replies):
        outbox.reply(text)
        outbox.push(frame(f"e{n}"))  # every second event overflows the 10-byte event budget
    assert (outbox.queued_reply_bytes, outbox.overflowed) == (1000, True)
    socket.release()
    await wait_until(lambda: replies[-1] in socket.texts)
    await asyncio.sleep(0.02)

    assert [t for t in socket.texts if t.startswith("r")] == replies
    assert outbox.queued_bytes == 0
    await outbox.close()


async def test_the_budget_counts_bytes_not_frames():
    socket = Socket()
    outbox = await stalled_outbox(socket)  # the default budgets
    tiny = [frame(f"t{n}", 20) for n in range(10_000)]  # 200,000 bytes in 10,000 frames

    for text in tiny:
        outbox.push(text)
    assert (outbox.queued_bytes, outbox.overflowed) == (200_000, False)
    socket.release()
    await wait_until(lambda: len(socket.texts) == 10_001)
    assert socket.texts == ["first"] + tiny

    huge = [frame(f"h{n}", 200 * 1024) for n in range(3)]  # 600 KiB in 3 frames
    socket.stall()
    outbox.push("second")
    await asyncio.sleep(0)
    for text in huge:
        outbox.push(text)
    assert (OUTBOX_EVENT_BYTES, outbox.queued_bytes, outbox.overflowed) == (512 * 1024, 0, True)
    socket.release()
    await wait_until(lambda: len(socket.texts) == 10_003)
    assert socket.texts[10_001:] == ["second", RESYNC]
    await outbox.close()


async def test_a_single_event_larger_than_the_budget_still_goes_when_nothing_else_waits():
    socket = Socket()
    outbox = await stalled_outbox(socket, event_bytes=10)

    outbox.push(frame("big", 50))
    assert (outbox.queued_bytes, outbox.overflowed) == (50, False)
    socket.release()
    await wait_until(lambda: len(socket.texts) == 2)

    assert socket.texts == ["first", frame("big", 50)]
    await outbox.close()


async def test_the_budgets_come_from_settings(settings):
    settings.LIVE_OUTBOX_EVENT_BYTES = 15
    settings.LIVE_OUTBOX_REPLY_BYTES = 10
    socket = Socket()
    outbox = await stalled_outbox(socket)

    outbox.push(frame("e1"))
    outbox.push(frame("e2"))
    outbox.reply(frame("r1"))
    waiting = asyncio.get_running_loop().create_task(outbox.wait_for_room())
    await asyncio.sleep(0.02)

    assert (outbox.overflowed, outbox.queued_bytes, waiting.done()) == (True, 10, False)
    assert OUTBOX_REPLY_BYTES == 1024 * 1024
    socket.release()
    await asyncio.wait_for(waiting, 5)
    await outbox.close()


async def test_wait_for_room_returns_at_once_while_replies_are_under_budget():
    socket = Socket()
    outbox = await stalled_outbox(socket, reply_bytes=30)
    outbox.reply(frame("r1"))
    outbox.reply(frame("r2"))
    for n in range(100):  # events never count against the reply budget
        outbox.push(frame(f"e{n}"))

    call = outbox.wait_for_room()
    with pytest.raises(StopIteration):  # finished without suspending once
        call.send(None)
    await outbox.close()


async def test_wait_for_room_blocks_while_replies_are_over_budget_and_resumes_when_the_writer_drains():
    socket = Socket()
    outbox = await stalled_outbox(socket, reply_bytes=30)
    for n in range(1, 4):
        outbox.reply(frame(f"r{n}"))
    waiters = [asyncio.get_running_loop().create_task(outbox.wait_for_room()) for _ in range(2)]
    await asyncio.sleep(0.05)

    assert (outbox.queued_reply_bytes, [w.done() for w in waiters]) == (30, [False, False])
    socket.release()
    await asyncio.wait_for(asyncio.gather(*waiters), 5)
    await wait_until(lambda: len(socket.texts) == 4)

    assert socket.texts == ["first", frame("r1"), frame("r2"), frame("r3")]
    await outbox.close()


async def test_a_cancelled_wait_for_room_does_not_wake_the_other_waiters():
    socket = Socket()
    outbox = await stalled_outbox(socket, reply_bytes=10)
    outbox.reply(frame("r1"))
    first, second = (asyncio.get_running_loop().create_task(outbox.wait_for_room()) for _ in range(2))
    await asyncio.sleep(0.02)

    first.cancel()
    await asyncio.sleep(0.02)
    assert (first.cancelled(), second.done()) == (True, False)
    socket.release()
    await asyncio.wait_for(second, 5)
    await outbox.close()


async def test_closing_an_outbox_releases_whoever_waits_for_room():
    socket = Socket()
    outbox = await stalled_outbox(socket, reply_bytes=10)
    outbox.reply(frame("r1"))
    waiting = asyncio.get_running_loop().create_task(outbox.wait_for_room())
    await asyncio.sleep(0.02)
    assert waiting.done() is False

    await outbox.close()
    await asyncio.wait_for(waiting, 5)

    assert (outbox.queued_bytes, outbox.closed) == (0, True)
    outbox.reply("after close")
    assert outbox.queued_bytes == 0
    await outbox.wait_for_room()


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

    outbox = Outbox(failing_send, reply_bytes=1)
    outbox.push("a")
    outbox.reply("r")
    waiting = asyncio.get_running_loop().create_task(outbox.wait_for_room())
    await wait_until(lambda: outbox.closed)
    await asyncio.wait_for(waiting, 5)  # nobody waits for room on a dead socket
    outbox.push("b")
    outbox.reply("s")
    await asyncio.sleep(0.02)

    assert (sent, outbox.queued_bytes) == (["a"], 0)
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
    assert (get_hub().streams, get_hub().watchers) == ({}, {})
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


class CountingLayer:
    """The real channel layer (third-party), counting the hub's group joins and leaves."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.calls: list[tuple[str, str]] = []

    def __getattr__(self, name):
        return getattr(self.layer, name)

    async def group_add(self, group, channel):
        self.calls.append(("add", group))
        await self.layer.group_add(group, channel)

    async def group_discard(self, group, channel):
        self.calls.append(("discard", group))
        await self.layer.group_discard(group, channel)


class Watcher:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, stream: str, text: str) -> None:
        self.seen.append((stream, text))


async def test_watchers_join_and_leave_a_streams_group_exactly_once(any_layer):
    hub = get_hub()
    layer = get_channel_layer()
    hub.layer = counting = CountingLayer(layer)
    first, second = Watcher(), Watcher()
    group = group_name("participant.1")

    await hub.watch("participant.1", first)
    await hub.watch("participant.1", second)
    await hub.watch("participant.1", first)  # watching twice is watching once
    assert hub.watchers == {"participant.1": {first: None, second: None}}
    assert hub.streams == {}
    assert await group_members(layer, "participant.1") == {hub.channel}

    await hub.unwatch("participant.1", first)
    assert await group_members(layer, "participant.1") == {hub.channel}
    await asend_encoded("participant.1", "after-first-left")
    await wait_until(lambda: second.seen)
    assert (first.seen, second.seen) == ([], [("participant.1", "after-first-left")])

    await hub.unwatch("participant.1", second)
    await hub.unwatch("participant.1", second)  # unwatching twice is harmless
    assert (hub.watchers, await group_members(layer, "participant.1")) == ({}, set())
    assert counting.calls == [("add", group), ("discard", group)]


async def test_watchers_and_outboxes_share_one_group_membership(any_layer):
    hub = get_hub()
    layer = get_channel_layer()
    hub.layer = counting = CountingLayer(layer)
    watcher, socket = Watcher(), Socket()
    outbox = Outbox(socket.send)
    group = group_name("participant.2")

    await hub.subscribe("participant.2", outbox)
    await hub.watch("participant.2", watcher)
    await hub.unsubscribe("participant.2", outbox)  # the watcher still holds the group
    assert (hub.streams, await group_members(layer, "participant.2")) == ({}, {hub.channel})
    await asend_encoded("participant.2", "for-the-watcher")
    await wait_until(lambda: watcher.seen)

    await hub.subscribe("participant.2", outbox)
    await hub.unwatch("participant.2", watcher)  # the outbox still holds the group
    assert await group_members(layer, "participant.2") == {hub.channel}
    await asend_encoded("participant.2", "for-the-outbox")
    await wait_until(lambda: socket.texts)
    await hub.unsubscribe("participant.2", outbox)

    assert (watcher.seen, socket.texts) == ([("participant.2", "for-the-watcher")], ["for-the-outbox"])
    assert (hub.streams, hub.watchers, await group_members(layer, "participant.2")) == ({}, {}, set())
    assert counting.calls == [("add", group), ("discard", group)]
    await outbox.close()


async def test_a_watcher_is_called_after_the_outboxes_got_the_frame(any_layer):
    hub = get_hub()
    socket = Socket()
    outbox = await stalled_outbox(socket)
    queued_when_called: list[int] = []
    await hub.subscribe("participant.3", outbox)
    await hub.watch("participant.3", lambda stream, text: queued_when_called.append(outbox.queued_bytes))

    for n in range(1, 4):
        await asend_encoded("participant.3", frame(f"e{n}"))
    await wait_until(lambda: len(queued_when_called) == 3)

    assert queued_when_called == [10, 20, 30]
    await hub.unsubscribe("participant.3", outbox)
    await outbox.close()


async def test_a_watcher_that_raises_is_logged_and_the_others_still_get_the_frame(memory_layer, caplog):
    hub = get_hub()
    socket, after = Socket(), Watcher()
    outbox = Outbox(socket.send)

    def broken(stream: str, text: str) -> None:
        raise RuntimeError("watcher bug")

    await hub.subscribe("participant.4", outbox)
    await hub.watch("participant.4", broken)
    await hub.watch("participant.4", after)

    with caplog.at_level("ERROR", logger="realtime.hub"):
        assert hub.deliver("participant.4", "x") == 3
        assert hub.deliver("participant.4", "y") == 3
    await wait_until(lambda: len(socket.texts) == 2)

    assert (socket.texts, after.seen) == (["x", "y"], [("participant.4", "x"), ("participant.4", "y")])
    assert [(r.getMessage(), r.exc_info[0]) for r in caplog.records] == [
        (f"watcher {broken!r} failed on participant.4", RuntimeError)
    ] * 2
    await close_all([outbox])


async def test_a_watcher_may_unwatch_while_it_is_called(memory_layer):
    hub = get_hub()
    seen: list[str] = []
    tasks: list[asyncio.Task] = []

    def once(stream: str, text: str) -> None:
        seen.append(text)
        tasks.append(asyncio.get_running_loop().create_task(hub.unwatch(stream, once)))

    other = Watcher()
    await hub.watch("participant.5", once)
    await hub.watch("participant.5", other)
    hub.deliver("participant.5", "a")
    await asyncio.gather(*tasks)
    hub.deliver("participant.5", "b")

    assert (seen, other.seen) == (["a"], [("participant.5", "a"), ("participant.5", "b")])
    await hub.unwatch("participant.5", other)
    assert hub.watchers == {}


async def test_a_coroutine_function_cannot_watch():
    async def handler(stream: str, text: str) -> None:
        pass

    with pytest.raises(TypeError, match="a watcher is called synchronously"):
        await get_hub().watch("participant.6", handler)
    assert get_hub().watchers == {}


async def test_a_stream_whose_watch_join_failed_is_joined_by_the_next_member(memory_layer):
    from channels.layers import InMemoryChannelLayer

    class FlakyLayer(InMemoryChannelLayer):  # third-party layer: a stand-in for a Redis hiccup
        failures = 1

        async def group_add(self, group, channel):
            if self.failures:
                self.failures -= 1
                raise ConnectionError("redis went away")
            await super().group_add(group, channel)

    hub = get_hub()
    hub.layer = FlakyLayer()
    watcher, socket = Watcher(), Socket()
    outbox = Outbox(socket.send)

    with pytest.raises(ConnectionError):
        await hub.watch("participant.7", watcher)
    assert (hub.watchers, hub.streams) == ({}, {})
    await hub.subscribe("participant.7", outbox)
    message = {"type": "hub.frame", "stream": "participant.7", "text": "x"}
    await hub.layer.group_send(group_name("participant.7"), message)
    await wait_until(lambda: socket.texts == ["x"])

    assert watcher.seen == []
    await close_all([outbox])


class GatedFlakyLayer:
    """The in-memory layer (third-party) whose first group_add waits for `release` and
    then fails, as a Redis call that times out would."""

    def __init__(self) -> None:
        from channels.layers import InMemoryChannelLayer

        self.layer = InMemoryChannelLayer()
        self.release = asyncio.Event()
        self.adds = 0

    def __getattr__(self, name):
        return getattr(self.layer, name)

    async def group_add(self, group, channel):
        self.adds += 1
        if self.adds == 1:
            await self.release.wait()
            raise ConnectionError("redis timed out")
        await self.layer.group_add(group, channel)


async def test_members_that_came_during_a_failed_join_are_forgotten_with_it(memory_layer):
    hub = get_hub()
    hub.layer = layer = GatedFlakyLayer()
    socket, watcher = Socket(), Watcher()
    first, second = Outbox(socket.send), Outbox(Socket().send)

    joining = asyncio.get_running_loop().create_task(hub.subscribe("board.10", first))
    await asyncio.sleep(0.01)
    await hub.watch("board.10", watcher)  # not first: it relies on the join in flight
    layer.release.set()
    with pytest.raises(ConnectionError):
        await joining

    assert (hub.streams, hub.watchers, layer.adds) == ({}, {}, 1)
    await hub.subscribe("board.10", second)  # so the next member joins again
    assert (layer.adds, set(layer.layer.groups[group_name("board.10")])) == (2, {hub.channel})
    await close_all([first, second])


async def test_a_failed_join_does_not_forget_a_later_join_of_the_same_stream(memory_layer):
    hub = get_hub()
    hub.layer = layer = GatedFlakyLayer()
    early, late = Socket(), Socket()
    a, b = Outbox(early.send), Outbox(late.send)

    joining = asyncio.get_running_loop().create_task(hub.subscribe("board.11", a))
    await asyncio.sleep(0.01)
    await hub.unsubscribe("board.11", a)  # gone before its join finished...
    await hub.subscribe("board.11", b)  # ...and a new member joined the stream again
    layer.release.set()
    with pytest.raises(ConnectionError):
        await joining

    assert hub.streams == {"board.11": {b}}
    await hub.layer.group_send(group_name("board.11"), {"type": "hub.frame", "stream": "board.11", "text": "x"})
    await wait_until(lambda: late.texts == ["x"])
    assert early.texts == []
    await close_all([a, b])


async def test_work_a_watcher_starts_can_reach_the_database_thread_whoever_started_the_hub(any_layer):
    """The hub's reader serves the whole process. Started first by a sync view's
    async_to_sync (/healthz, as a load balancer does before any socket), it once carried
    that finished call's asgiref executor, and every task a watcher spawned (the live
    consumer's re-read of rights after a move) died with "CurrentThreadExecutor already
    quit" on its first database_sync_to_async."""
    from asgiref.sync import async_to_sync, sync_to_async

    from realtime.hub import round_trip

    assert await sync_to_async(lambda: async_to_sync(round_trip)(5))() is True
    hub = get_hub()
    done: asyncio.Future = asyncio.get_running_loop().create_future()

    async def reread() -> str:
        return await sync_to_async(lambda: "read on the database thread")()

    def watcher(stream: str, text: str) -> None:
        task = asyncio.get_running_loop().create_task(reread())
        task.add_done_callback(lambda t: done.set_result(t.exception() or t.result()))

    await hub.watch("ctx.1", watcher)
    try:
        await asend_encoded("ctx.1", encode({"type": "moved"}))
        assert await asyncio.wait_for(done, 5) == "read on the database thread"
    finally:
        await hub.unwatch("ctx.1", watcher)
