"""Every op type over the real websocket, on both channel layers: the sender gets an ack,
another participant gets the event, exactly as the board's log holds it. That the state
before plus those events equals the state fetched afresh (Zulip's verify_action) is
checked in the browser's own code: test_op_scenarios.py records the scenarios and
tests/js/board-scenarios.test.mjs replays them through static/js/board-state.js."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from mapping import selectors, services
from mapping.models import Board, BoardEvent, Note

from .conftest import World
from .scenarios import OP_SCENARIOS as SCENARIOS
from .wsclient import connect

pytestmark = pytest.mark.django_db(transaction=True)


def fresh_snapshot(board_id: int, who_actor) -> dict:
    board = Board.objects.select_related("session").get(pk=board_id)
    return selectors.snapshot(board, selectors.board_access(board, who_actor))


@database_sync_to_async
def logged(board_id: int, seqs) -> list[dict]:
    """The board log's frames for `seqs`, as every viewer who may see them gets them."""
    events = BoardEvent.objects.filter(board_id=board_id, seq__in=list(seqs)).order_by("seq")
    return [services.event_frame(e) for e in events]


@pytest.mark.parametrize("op", sorted(SCENARIOS))
async def test_op_is_acked_to_its_sender_and_reaches_a_viewer_as_the_log_holds_it(world: World, any_layer, op):
    who, make_data, prepare = SCENARIOS[op]
    if prepare:
        await database_sync_to_async(prepare)(world)
    board = world.board.pk
    viewer, _ = await connect(world.session.uuid, world.cookies["p2"])
    sender, _ = await connect(world.session.uuid, world.cookies[who])
    try:
        [before] = await viewer.subscribe(board)
        assert before["type"] == "snapshot"
        await sender.subscribe(board)
        ack = await sender.op(board, op, make_data(world), op_id=f"zulip-{op}")
        assert ack["type"] == "ack", ack
        assert ack["seq"] == before["seq"] + 1
        event = await viewer.event(board, ack["seq"])
        assert event["op"] == op
        assert event["op_id"] == f"zulip-{op}"
        own = await sender.event(board, ack["seq"])
        assert own == event
        stored = await database_sync_to_async(BoardEvent.objects.get)(board_id=board, seq=ack["seq"])
        assert services.event_frame(stored) == event
    finally:
        await viewer.close()
        await sender.close()


async def test_resent_op_id_is_not_applied_twice_and_gets_the_original_ack(world: World, any_layer):
    board = world.board.pk
    ws, _ = await connect(world.session.uuid, world.cookies["p1"])
    try:
        await ws.subscribe(board)
        first = await ws.op(board, "note.add", {"text": "Only once"}, op_id="resend-1")
        again = await ws.op(board, "note.add", {"text": "Only once"}, op_id="resend-1")
        assert again == first
        await ws.event(board, first["seq"])
        await ws.nothing_more(lambda f: f["type"] == "event")
        count = await database_sync_to_async(Note.objects.filter(board_id=board, text="Only once").count)()
        assert count == 1
    finally:
        await ws.close()


async def test_client_missing_n_events_receives_exactly_those_n_in_order(world: World, any_layer):
    board = world.board.pk
    away, _ = await connect(world.session.uuid, world.cookies["p2"])
    [snap] = await away.subscribe(board)
    last = snap["seq"]
    await away.close()
    writer, _ = await connect(world.session.uuid, world.cookies["p1"])
    try:
        await writer.subscribe(board)
        for i in range(7):
            assert (await writer.op(board, "note.add", {"text": f"While away {i}"}))["type"] == "ack"
    finally:
        await writer.close()
    back, _ = await connect(world.session.uuid, world.cookies["p2"])
    try:
        frames = await back.subscribe(board, since=last)
        assert [f["type"] for f in frames] == ["event"] * 7 + ["caught_up"]
        assert [f["seq"] for f in frames[:-1]] == list(range(last + 1, last + 8))
        assert [f["data"]["note"]["text"] for f in frames[:-1]] == [f"While away {i}" for i in range(7)]
        assert frames[-1]["seq"] == last + 7
        assert frames[:-1] == await logged(board, range(last + 1, last + 8))
    finally:
        await back.close()


async def test_too_far_behind_or_no_seq_gets_a_snapshot(world: World, settings):
    settings.BOARD_REPLAY_LIMIT = 3
    board = world.board.pk
    ws, _ = await connect(world.session.uuid, world.cookies["p2"])
    try:
        [snap] = await ws.subscribe(board, since=None)
        assert snap["type"] == "snapshot"
        head = snap["seq"]
        [far] = await ws.subscribe(board, since=head - 4)
        assert far["type"] == "snapshot"
        assert far["seq"] == head
        near = await ws.subscribe(board, since=head - 3)
        assert [f["type"] for f in near] == ["event", "event", "event", "caught_up"]
        [ahead] = await ws.subscribe(board, since=head + 10)
        assert ahead["type"] == "snapshot"
        [level] = await ws.subscribe(board, since=head)
        assert level == {"type": "caught_up", "board": board, "seq": head, "me": snap["me"]}
    finally:
        await ws.close()


async def test_two_clients_editing_one_note_end_with_the_database_state(world: World, any_layer):
    board = world.board.pk
    note = world.ids["n2"]
    a, _ = await connect(world.session.uuid, world.cookies["p2"])
    b, _ = await connect(world.session.uuid, world.cookies["fac"])
    try:
        [snap_a] = await a.subscribe(board)
        await b.subscribe(board)
        acks = []
        for i in range(3):
            acks.append(await a.op(board, "note.edit", {"id": note, "text": f"A{i}", "category": world.cats[0].pk}))
            acks.append(await b.op(board, "note.edit", {"id": note, "text": f"B{i}"}))
        seqs = range(snap_a["seq"] + 1, max(ack["seq"] for ack in acks) + 1)
        assert [await a.event(board, seq) for seq in seqs] == await logged(board, seqs)
        fresh = await database_sync_to_async(fresh_snapshot)(board, world.actor("p2"))
        assert [n["text"] for n in fresh["notes"] if n["id"] == note] == ["B2"]
    finally:
        await a.close()
        await b.close()


async def test_concurrent_writers_get_consecutive_seqs_and_everyone_sees_every_event_once_in_order(
        world: World, any_layer):
    import asyncio

    board = world.board.pk
    clients = []
    try:
        for who in ("p1", "p2", "fac", "p1"):
            ws, _ = await connect(world.session.uuid, world.cookies[who])
            [snap] = await ws.subscribe(board)
            clients.append((ws, snap))
        start = clients[0][1]["seq"]

        async def write(ws, n):
            return [await ws.op(board, "note.add", {"text": f"{id(ws)}-{i}"}) for i in range(n)]

        results = await asyncio.gather(*(write(ws, 6) for ws, _ in clients))
        seqs = sorted(ack["seq"] for acks in results for ack in acks)
        assert seqs == list(range(start + 1, start + 25))
        log = await logged(board, seqs)
        for ws, _ in clients:
            assert [await ws.event(board, seq) for seq in seqs] == log
            await ws.nothing_more(lambda f: f["type"] == "event")
    finally:
        for ws, _ in clients:
            await ws.close()
