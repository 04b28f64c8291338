"""Every error code the board can send, authorisation refusals, private notes and
anonymity, over the real websocket. The connection stays open after each error."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from mapping import services
from mapping.models import Board, BoardEvent, Note
from realtime.errors import ERROR_CODES
from realtime.protocol import MAX_FRAME_CHARS

from .conftest import World
from .wsclient import connect

pytestmark = pytest.mark.django_db(transaction=True)


async def still_open(ws) -> None:
    await ws.send({"type": "ping"})
    assert (await ws.next("pong"))["type"] == "pong"


def error(frame: dict) -> tuple[str, str | None]:
    assert frame["type"] == "error", frame
    assert frame["code"] in ERROR_CODES
    return frame["code"], frame.get("op_id")


async def test_envelope_errors_name_their_code_and_keep_the_connection(world: World):
    ws, _ = await connect(world.session.uuid, world.cookies["p1"])
    try:
        cases = [
            ("{not json", "bad_json"),
            ("[1, 2]", "bad_json"),
            ("x" * (MAX_FRAME_CHARS + 1), "too_large"),
            (json.dumps({"op": "note.add"}), "bad_frame"),
            (json.dumps({"type": "op", "op": "note.add", "board": 1}), "bad_frame"),
            (json.dumps({"type": "subscribe"}), "bad_frame"),
            (json.dumps({"type": "subscribe", "board": -1}), "bad_frame"),
            (json.dumps({"type": "dance"}), "unknown_type"),
            ("", "bad_json"),
        ]
        for text, code in cases:
            await ws.send_text(text)
            assert error(await ws.next("error")) == (code, None)
        await still_open(ws)
    finally:
        await ws.close()


async def test_op_errors_name_the_op_id_and_code(world: World):
    board = world.board.pk
    ws, _ = await connect(world.session.uuid, world.cookies["p1"])
    try:
        assert error(await ws.op(board, "note.add", {"text": "x"}, op_id="e-ns")) == ("not_subscribed", "e-ns")
        await ws.subscribe(board)
        assert error(await ws.op(board, "note.fly", {}, op_id="e-uo")) == ("unknown_op", "e-uo")
        bad = await ws.op(board, "note.add", {"text": "", "colour": "red", "extra": 1}, op_id="e-inv")
        assert error(bad) == ("invalid", "e-inv")
        assert bad["fields"] == {"text": "must not be empty", "colour": "must be a colour like #ffcc00",
                                 "extra": "unknown field"}
        too_long = await ws.op(board, "note.add", {"text": "y" * 501})
        assert too_long["fields"] == {"text": "at most 500 characters"}
        # Lone surrogates are valid JSON escapes but not UTF-8: refused, never an internal error.
        envelope = '{"type":"op","op_id":"%s","op":"note.add","board":' + str(board) + ',"data":%s}'
        await ws.send_text(envelope % ("sur", '{"text":"a\\ud800b"}'))
        surrogate = await ws.take(lambda f: f.get("op_id") == "sur")
        assert (surrogate["code"], surrogate["fields"]) == ("invalid", {"text": "control characters are not allowed"})
        await ws.send_text(envelope % ("sk", '{"\\udc00":1,"text":"k"}'))
        bad_key = await ws.take(lambda f: f.get("op_id") == "sk")
        assert (bad_key["code"], bad_key["fields"]) == ("invalid", {"\\udc00": "unknown field"})
        assert error(await ws.op(board, "note.edit", {"id": 999999, "text": "z"}, op_id="e-nf")) == (
            "not_found", "e-nf")
        assert error(await ws.op(board, "board.lock", {}, op_id="e-fb")) == ("forbidden", "e-fb")
        assert error(await ws.op(board, "vote.remove", {"note": world.ids["n1"]}, op_id="e-cf")) == (
            "conflict", "e-cf")
        await still_open(ws)
    finally:
        await ws.close()


async def test_vote_budget_is_enforced_per_person(world: World):
    await database_sync_to_async(world.op)("fac", "board.settings", {"vote_budget": 2})
    board = world.board.pk
    ws, _ = await connect(world.session.uuid, world.cookies["p1"])
    try:
        await ws.subscribe(board)
        # p1 already has one dot (on n2) from the world.
        assert (await ws.op(board, "vote.add", {"note": world.ids["n1"]}))["votes_left"] == 0
        assert error(await ws.op(board, "vote.add", {"note": world.ids["n3"]}, op_id="e-be")) == (
            "budget_exhausted", "e-be")
        assert (await ws.op(board, "vote.remove", {"note": world.ids["n1"]}))["votes_left"] == 1
        assert (await ws.op(board, "vote.add", {"note": world.ids["n3"]}))["type"] == "ack"
    finally:
        await ws.close()


async def test_locked_board_refuses_writes_until_unlocked(world: World):
    board = world.board.pk
    fac, _ = await connect(world.session.uuid, world.cookies["fac"])
    ws, _ = await connect(world.session.uuid, world.cookies["p1"])
    try:
        await fac.subscribe(board)
        await ws.subscribe(board)
        assert (await fac.op(board, "board.lock", {}))["type"] == "ack"
        assert error(await ws.op(board, "note.add", {"text": "late"}, op_id="e-lk")) == ("locked", "e-lk")
        assert error(await fac.op(board, "note.add", {"text": "late"}, op_id="e-lk2")) == ("locked", "e-lk2")
        assert (await fac.op(board, "board.unlock", {}))["type"] == "ack"
        assert (await ws.op(board, "note.add", {"text": "in time"}))["type"] == "ack"
    finally:
        await ws.close()
        await fac.close()


async def test_input_board_is_read_only_even_for_facilitators(world: World):
    later = await database_sync_to_async(_later_session)(world)
    [input_board] = [s.board for s in await database_sync_to_async(services.sync_input_boards)(session=later)]
    ws, _ = await connect(later.uuid, world.cookies["fac"])
    try:
        [snap] = await ws.subscribe(input_board.pk)
        assert snap["info"]["read_only_input"] is True
        assert error(await ws.op(input_board.pk, "note.add", {"text": "x"}, op_id="ro")) == ("locked", "ro")
    finally:
        await ws.close()


def _later_session(world: World):
    from .factories import session

    return session(world.session.workshop, builds_on=world.session)


async def test_socket_without_participant_or_facilitator_is_refused(world: World):
    ws, first = await connect(world.session.uuid, "", expect_welcome=False)
    assert first == {"type": "error", "code": "unauthenticated", "message": "join the session first"}
    closed = await ws.comm.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": 4401}


async def test_other_groups_board_is_not_found_for_a_participant(world: World):
    other = await database_sync_to_async(services.create_board)(
        session=world.session, group=world.other_group, template=Board.Template.REFLECTION)
    ws, _ = await connect(world.session.uuid, world.cookies["p1"])
    obs, _ = await connect(world.session.uuid, world.cookies["observer"])
    try:
        assert error((await ws.subscribe(other.pk))[0]) == ("not_found", None)
        assert error((await ws.subscribe(999999))[0]) == ("not_found", None)
        [own] = await ws.subscribe(world.group_board.pk)
        assert own["type"] == "snapshot"
        # Observers may look at every group's board, and never write.
        [seen] = await obs.subscribe(other.pk)
        assert seen["me"]["may"] == {"write": False, "vote": False, "moderate": False, "pull": False}
        assert error(await obs.op(other.pk, "note.add", {"text": "hello"}, op_id="obs")) == ("forbidden", "obs")
    finally:
        await ws.close()
        await obs.close()


async def test_participant_may_not_moderate_pull_or_edit_anothers_text(world: World):
    # p2 is a member of group A but not its rapporteur.
    board = world.board.pk
    ws, _ = await connect(world.session.uuid, world.cookies["p2"])
    try:
        await ws.subscribe(board)
        for op, data in [
            ("note.merge", {"into": world.ids["n2"], "from": world.ids["n3"]}),
            ("board.reveal", {}), ("board.settings", {"vote_budget": 9}), ("category.add", {"name": "X"}),
            ("note.pull", {"source_board": world.group_board.pk, "notes": [world.ids["g1"]]}),
            ("note.edit", {"id": world.ids["n1"], "text": "not mine"}),
            ("note.delete", {"id": world.ids["n1"]}),
        ]:
            assert error(await ws.op(board, op, data, op_id=op))[0] == "forbidden", op
        # Anyone writing may move others' notes and recategorise them.
        assert (await ws.op(board, "note.move", {"id": world.ids["n1"], "x": 1, "y": 1}))["type"] == "ack"
        assert (await ws.op(board, "note.edit", {"id": world.ids["n1"], "category": None}))["type"] == "ack"
    finally:
        await ws.close()


async def test_rapporteur_pulls_only_from_their_own_groups_board(world: World):
    other = await database_sync_to_async(services.create_board)(
        session=world.session, group=world.other_group, template=Board.Template.CONCEPT_MAP)
    other_note = (await database_sync_to_async(services.apply_op)(
        board=other, actor=None, op="note.add", op_id="", data={"text": "B's idea"}))["id"]
    board = world.board.pk
    ws, _ = await connect(world.session.uuid, world.cookies["p1"])  # p1 is marked group A's rapporteur
    try:
        await ws.subscribe(board)
        ack = await ws.op(board, "note.pull", {"source_board": world.group_board.pk, "notes": [world.ids["g1"]]})
        assert ack["type"] == "ack"
        refused = await ws.op(board, "note.pull", {"source_board": other.pk, "notes": [other_note]}, op_id="pb")
        assert error(refused) == ("forbidden", "pb")
    finally:
        await ws.close()


async def test_private_note_reaches_only_its_author_and_facilitators_until_revealed(world: World):
    await database_sync_to_async(world.op)("fac", "board.settings", {"private_until_reveal": True})
    board = world.board.pk
    author, _ = await connect(world.session.uuid, world.cookies["p1"])
    other, _ = await connect(world.session.uuid, world.cookies["p2"])
    fac, _ = await connect(world.session.uuid, world.cookies["fac"])
    try:
        for ws in (author, other, fac):
            await ws.subscribe(board)
        ack = await author.op(board, "note.add", {"text": "Secret until reveal"})
        seq = ack["seq"]
        assert await other.event(board, seq) == {"type": "event", "board": board, "seq": seq, "op": "hidden"}
        full = await author.take(lambda f: f["type"] == "event" and f["seq"] == seq and f["op"] == "note.add")
        assert full["data"]["note"]["private"] is True
        assert (await fac.take(lambda f: f.get("seq") == seq and f["op"] == "note.add")) == full
        # Nobody else can act on it, or see it in a snapshot or a replay.
        assert error(await other.op(board, "vote.add", {"note": ack["id"]}))[0] == "not_found"
        [snap] = await other.subscribe(board)
        assert ack["id"] not in [n["id"] for n in snap["notes"]]
        replay = await other.subscribe(board, since=seq - 1)
        assert replay[0] == {"type": "event", "board": board, "seq": seq, "op": "hidden"}
        assert (await fac.op(board, "board.reveal", {}))["type"] == "ack"
        reveal = await other.event(board, seq + 1)
        assert [n["text"] for n in reveal["data"]["notes"]] == ["Secret until reveal"]
        assert reveal["data"]["notes"][0]["private"] is False
    finally:
        for ws in (author, other, fac):
            await ws.close()


async def test_anonymous_board_never_shows_a_name_in_events_snapshots_or_presence(world: World, fast_ticks):
    await database_sync_to_async(world.op)("fac", "board.settings", {"author_mode": "anonymous"})
    board = world.board.pk
    ws, _ = await connect(world.session.uuid, world.cookies["p1"])
    try:
        frames = [*await ws.subscribe(board)]
        ack = await ws.op(board, "note.add", {"text": "Nameless"})
        frames.append(await ws.event(board, ack["seq"]))
        await ws.op(board, "comment.add", {"note": ack["id"], "text": "c"})
        frames.append(await ws.event(board, ack["seq"] + 1))
        frames.append(await ws.next("presence"))
        text = json.dumps(frames)
        for name in ("Aigerim", "Bakyt"):
            assert name not in text
        assert frames[1]["data"]["note"]["author"] == {}
        assert frames[-1] == {"type": "presence", "session": world.session.pk, "board": board, "count": 1,
                              "people": []}
    finally:
        await ws.close()


async def test_by_role_board_shows_country_and_stakeholder_not_names(world: World):
    await database_sync_to_async(world.op)("fac", "board.settings", {"author_mode": "by_role"})
    ws, _ = await connect(world.session.uuid, world.cookies["p1"])
    try:
        [snap] = await ws.subscribe(world.board.pk)
        assert [n["author"] for n in snap["notes"]] == [
            {"country": "KZ", "stakeholder": "teacher"},
            {"country": "KG", "stakeholder": "school_manager"},
            {"country": "KG", "stakeholder": "school_manager"},
        ]
        assert "Aigerim" not in json.dumps(snap)
    finally:
        await ws.close()


async def test_presence_is_coalesced_and_heads_are_sent_periodically(world: World, fast_ticks):
    board = world.board.pk
    a, _ = await connect(world.session.uuid, world.cookies["p1"])
    b, _ = await connect(world.session.uuid, world.cookies["p2"])
    try:
        [snap] = await a.subscribe(board)
        await b.subscribe(board)
        presence = await a.take(lambda f: f["type"] == "presence" and f["count"] == 2)
        assert presence["people"] == [
            {"name": "Aigerim", "country": "KZ", "stakeholder": "teacher"},
            {"name": "Bakyt", "country": "KG", "stakeholder": "school_manager"},
        ]
        head = await a.next("head")
        assert head == {"type": "head", "board": board, "seq": snap["seq"]}
        await b.close()
        after = await a.take(lambda f: f["type"] == "presence" and f["count"] == 1)
        assert after["people"] == [{"name": "Aigerim", "country": "KZ", "stakeholder": "teacher"}]
    finally:
        await a.close()


async def test_unsubscribe_stops_events(world: World):
    board = world.board.pk
    a, _ = await connect(world.session.uuid, world.cookies["p1"])
    b, _ = await connect(world.session.uuid, world.cookies["p2"])
    try:
        await a.subscribe(board)
        await b.subscribe(board)
        await b.send({"type": "unsubscribe", "board": board})
        assert await b.next("unsubscribed") == {"type": "unsubscribed", "board": board}
        ack = await a.op(board, "note.add", {"text": "after"})
        await a.event(board, ack["seq"])
        await b.nothing_more(lambda f: f["type"] == "event")
    finally:
        await a.close()
        await b.close()


def test_error_codes_used_by_the_board_are_all_documented():
    from django.conf import settings

    doc = (settings.BASE_DIR / "docs" / "protocol.md").read_text()
    for code in ERROR_CODES:
        assert f"| `{code}` |" in doc, code


@pytest.mark.django_db(transaction=True)
def test_events_are_logged_with_consecutive_seqs(world: World):
    seqs = list(BoardEvent.objects.filter(board=world.board).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert Board.objects.get(pk=world.board.pk).head_seq == len(seqs)
    assert Note.objects.filter(board=world.board).count() == 3
