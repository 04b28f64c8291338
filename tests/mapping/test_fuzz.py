"""Arbitrary frames thrown at the consumer: it never raises, answers every frame (an op
with an ack or an error from the documented set), and the connection stays open."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapping.protocol import OPS
from realtime.errors import ERROR_CODES

from .conftest import build_world
from .wsclient import connect

pytestmark = pytest.mark.django_db(transaction=True)

SERVER_TYPES = {"ack", "error", "event", "snapshot", "caught_up", "unsubscribed", "pong", "welcome", "presence",
                "head", "resync"}
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 2**54), st.floats(allow_nan=True),
                    st.text(max_size=30))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=8), inner, max_size=4), max_leaves=10)
field_names = st.sampled_from(["text", "id", "x", "y", "note", "notes", "category", "colour", "source", "target",
                               "label", "name", "cluster", "into", "from", "source_board", "author_mode",
                               "vote_budget", "parent", "title", "private_until_reveal"])


def frames(board_ids):
    op_frame = st.fixed_dictionaries(
        {"type": st.just("op"), "op_id": st.text(alphabet="abc123-", min_size=1, max_size=10),
         "op": st.sampled_from(sorted(OPS)) | st.text(max_size=12),
         "board": st.sampled_from(board_ids) | st.integers(-1, 10**6) | st.none(),
         "data": st.dictionaries(field_names, values | st.integers(0, 50), max_size=4)})
    other = st.fixed_dictionaries(
        {"type": st.sampled_from(["subscribe", "unsubscribe", "ping", "refresh", "bogus"]),
         "board": st.sampled_from(board_ids) | st.integers(-1, 10**6) | values,
         "since": st.none() | st.integers(-1, 100) | values})
    structured = (op_frame | other | st.dictionaries(st.text(max_size=6), values, max_size=5)).map(json.dumps)
    return st.one_of(structured, st.text(max_size=60), st.binary(max_size=20).map(lambda b: b.hex()))


def test_fuzzed_frames_are_always_answered_and_never_close_the_socket():
    world = build_world()
    board_ids = [world.board.pk, world.group_board.pk]

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(batch=st.lists(frames(board_ids), min_size=1, max_size=12))
    def run(batch):
        async_to_sync(_exercise)(world, batch)

    run()


async def _exercise(world, batch):
    ws, _ = await connect(world.session.uuid, world.cookies["p1"])
    try:
        await ws.subscribe(world.board.pk)
        for text in batch:
            await ws.send_text(text)
            await ws.send({"type": "ping"})
            answered = []
            while True:
                frame = await ws.take(lambda f: True, timeout=5)
                assert frame["type"] in SERVER_TYPES, frame
                if frame["type"] == "error":
                    assert frame["code"] in ERROR_CODES
                    assert frame["code"] != "internal", (text, frame)
                if frame["type"] == "pong" and (answered or _is_ping(text)):
                    if _is_ping(text) and not answered:
                        answered.append(frame)
                        continue
                    break
                answered.append(frame)
            assert answered, text
            sent = _json(text)
            if isinstance(sent, dict) and sent.get("type") == "op" and isinstance(sent.get("op_id"), str):
                replies = [f for f in answered if f["type"] in {"ack", "error"}]
                assert len(replies) == 1, (text, answered)
    finally:
        await ws.close()


def _json(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def _is_ping(text) -> bool:
    sent = _json(text)
    return isinstance(sent, dict) and sent.get("type") == "ping"
