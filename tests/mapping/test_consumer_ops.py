"""Every op type over the real websocket, on both channel layers: the sender gets an ack,
another participant gets the event, and (Zulip's verify_action) the state they had
before plus the events they received equals the state fetched afresh."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from mapping import selectors, services
from mapping.models import Board, BoardEvent, Note
from mapping.protocol import OPS

from .conftest import World
from .reference import apply_event, shared
from .wsclient import connect

pytestmark = pytest.mark.django_db(transaction=True)


def _lock(w: World) -> None:
    w.op("fac", "board.lock", {})


def _private_note(w: World) -> None:
    w.op("fac", "board.settings", {"private_until_reveal": True})
    w.ids["priv"] = w.op("p1", "note.add", {"text": "My private idea"})["id"]
    w.op("p1", "link.add", {"source": w.ids["priv"], "target": w.ids["n3"]})


# op -> (who sends it, data(world), optional preparation)
SCENARIOS = {
    "note.add": ("p1", lambda w: {"text": "New idea", "category": w.cats[2].pk, "x": 10, "y": 20}, None),
    "note.edit": ("p1", lambda w: {"id": w.ids["n1"], "text": "Edited", "colour": "#FF0000"}, None),
    "note.move": ("p1", lambda w: {"id": w.ids["n2"], "x": 300.5, "y": -40}, None),
    "note.delete": ("p1", lambda w: {"id": w.ids["n1"]}, None),
    "note.merge": ("fac", lambda w: {"into": w.ids["n2"], "from": w.ids["n1"], "text": "Merged"}, None),
    "note.pull": ("fac", lambda w: {"source_board": w.group_board.pk, "cluster": w.ids["gk"]}, None),
    "link.add": ("p1", lambda w: {"source": w.ids["n2"], "target": w.ids["n3"], "label": "blocks"}, None),
    "link.edit": ("p1", lambda w: {"id": w.ids["l1"], "label": "enables"}, None),
    "link.delete": ("p1", lambda w: {"id": w.ids["l1"]}, None),
    "cluster.add": ("p1", lambda w: {"name": "People", "notes": [w.ids["n2"]]}, None),
    "cluster.rename": ("p1", lambda w: {"id": w.ids["k1"], "name": "Connectivity"}, None),
    "cluster.assign": ("p1", lambda w: {"cluster": w.ids["k1"], "notes": [w.ids["n2"], w.ids["n3"]]}, None),
    "cluster.delete": ("p1", lambda w: {"id": w.ids["k1"]}, None),
    "comment.add": ("p1", lambda w: {"note": w.ids["n2"], "text": "Agree"}, None),
    "vote.add": ("p1", lambda w: {"note": w.ids["n1"]}, None),
    "vote.remove": ("p1", lambda w: {"note": w.ids["n2"]}, None),
    "board.lock": ("fac", lambda w: {}, None),
    "board.unlock": ("fac", lambda w: {}, _lock),
    "board.reveal": ("fac", lambda w: {}, _private_note),
    "board.settings": ("fac", lambda w: {"author_mode": "anonymous", "vote_budget": 3}, None),
    "category.add": ("fac", lambda w: {"name": "Partnerships", "colour": "#abcdef"}, None),
    "category.rename": ("fac", lambda w: {"id": w.cats[0].pk, "name": "Vision"}, None),
    "category.delete": ("fac", lambda w: {"id": w.cats[0].pk}, None),
}


def test_scenarios_cover_every_op_type():
    assert set(SCENARIOS) == set(OPS)


def fresh_snapshot(board_id: int, who_actor) -> dict:
    board = Board.objects.select_related("session").get(pk=board_id)
    return selectors.snapshot(board, selectors.board_access(board, who_actor))


@pytest.mark.parametrize("op", sorted(SCENARIOS))
async def test_op_state_before_plus_events_equals_fresh_state(world: World, any_layer, op):
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
        fresh = await database_sync_to_async(fresh_snapshot)(board, world.actor("p2"))
        assert shared(apply_event(before, event)) == shared(fresh)
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
        state = snap
        for frame in frames[:-1]:
            state = apply_event(state, frame)
        fresh = await database_sync_to_async(fresh_snapshot)(board, world.actor("p2"))
        assert shared(state) == shared(fresh)
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
        state = snap_a
        for seq in range(snap_a["seq"] + 1, max(ack["seq"] for ack in acks) + 1):
            state = apply_event(state, await a.event(board, seq))
        fresh = await database_sync_to_async(fresh_snapshot)(board, world.actor("p2"))
        assert shared(state) == shared(fresh)
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
        for ws, snap in clients:
            received = [await ws.event(board, seq) for seq in seqs]
            await ws.nothing_more(lambda f: f["type"] == "event")
            state = snap
            for frame in received:
                state = apply_event(state, frame)
            assert len(state["notes"]) == len(snap["notes"]) + 24
        fresh = await database_sync_to_async(fresh_snapshot)(board, world.actor("p2"))
        assert shared(state) == shared(fresh)
    finally:
        for ws, _ in clients:
            await ws.close()
