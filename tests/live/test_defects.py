"""Issue 8's defects, each over a real socket (the full ASGI application: origin check,
session auth, routing, the one consumer), on SQLite + the in-memory layer and on
PostgreSQL + channels-redis. Every received frame is checked against live/frames.py by
the test client (tests/mapping/wsclient.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.asgi import application
from live import services as live_services
from live.models import Presence
from mapping import services as board_services
from mapping.models import Board, BoardEvent, Comment, Note
from participants.models import Participant
from tests.mapping import factories as f
from tests.mapping.wsclient import ORIGIN, WS, connect
from workshops import services as rooms
from workshops.models import AgendaItem, Session, SessionEvent

pytestmark = [pytest.mark.django_db(transaction=True)]


@dataclass
class Room:
    """A session with its plenary board, three participants and a facilitator."""

    session: Session
    plenary: Board
    people: dict[str, Participant]
    cookies: dict[str, str] = field(default_factory=dict)


def build_room(names: tuple[str, ...] = ("ann", "ben", "cem")) -> Room:
    sess = f.session()
    plenary = board_services.ensure_plenary_board(session=sess)
    people = {name: f.participant(sess.workshop, name.title()) for name in names}
    cookies = {name: f.participant_cookie(p) for name, p in people.items()}
    cookies["fac"] = f.user_cookie(f.facilitator_user())
    return Room(session=sess, plenary=plenary, people=people, cookies=cookies)


@pytest.fixture
def room(transactional_db) -> Room:
    return build_room()


async def answers(ws: WS, op_ids: list[str], timeout: float = 10.0) -> dict[str, dict[str, Any]]:
    """The one answer (ack or error) to each of these op ids; a second answer fails."""
    got: dict[str, dict[str, Any]] = {}
    wanted = set(op_ids)
    while len(got) < len(wanted):
        frame = await ws.take(lambda fr: fr["type"] in {"ack", "error"} and fr.get("op_id") in wanted, timeout)
        assert frame["op_id"] not in got, ("answered twice", frame)
        got[frame["op_id"]] = frame
    return got


async def still_open(ws: WS) -> None:
    await ws.send({"type": "ping"})
    assert (await ws.next("pong"))["type"] == "pong"


def op_frame(op_id: str, op: str, data: dict[str, Any], board: int | None = None) -> str:
    frame: dict[str, Any] = {"type": "op", "op_id": op_id, "op": op, "data": data}
    if board is not None:
        frame["board"] = board
    return json.dumps(frame)


# --- 1. limits: ops per person, sockets per person ----------------------------------------


async def test_a_burst_of_ops_is_rate_limited_the_sockets_stay_open_and_accepted_ops_apply_once(
        room: Room, settings):
    settings.LIVE_OPS_BURST = 5
    settings.LIVE_OPS_PER_SECOND = 2
    board = room.plenary.pk
    # One person on four sockets (as a script would), another person beside them.
    flooders = [(await connect(room.session.uuid, room.cookies["ann"]))[0] for _ in range(4)]
    other, _ = await connect(room.session.uuid, room.cookies["ben"])
    try:
        for ws in [*flooders, other]:
            await ws.subscribe(board)
        loop = asyncio.get_running_loop()
        started = loop.time()
        sent = {i: [f"flood-{i}-{j}" for j in range(25)] for i in range(len(flooders))}
        for i, ws in enumerate(flooders):
            for op_id in sent[i]:
                await ws.send_text(op_frame(op_id, "note.add", {"text": f"flood {op_id}"}, board))
        # Meanwhile the other person works as usual, one op after the other.
        mine = [await other.op(board, "note.add", {"text": f"calm {k}"}, op_id=f"calm-{k}") for k in range(5)]
        calm_done = loop.time()
        got: dict[str, dict[str, Any]] = {}
        for i, ws in enumerate(flooders):
            got |= await answers(ws, sent[i])
        elapsed = loop.time() - started

        assert [a["type"] for a in mine] == ["ack"] * 5, mine
        accepted = sorted(op_id for op_id, a in got.items() if a["type"] == "ack")
        refused = [a for a in got.values() if a["type"] == "error"]
        # At most the burst plus what the bucket refilled meanwhile got through.
        assert 5 <= len(accepted) <= 5 + int(elapsed * 2) + 1, (len(accepted), elapsed)
        assert len(refused) == 100 - len(accepted)
        for error in refused:
            assert error["code"] == "rate_limited", error
            assert 0 < error["retry_after"] <= 0.5
        # The other person's ops were not held up behind the flood: few of the flooder's
        # ops were applied between their first and their last ack (each op takes a seq).
        between = mine[-1]["seq"] - mine[0]["seq"] - 4
        assert between <= 5 + int((calm_done - started) * 2) + 1, between

        # Applied exactly once each, and nothing of the refused ones.
        def applied() -> tuple[list[str], int]:
            logged = sorted(BoardEvent.objects.filter(board_id=board, op_id__startswith="flood-")
                            .values_list("op_id", flat=True))
            return logged, Note.objects.filter(board_id=board, text__startswith="flood ").count()

        logged, notes = await sync_to_async(applied)()
        assert logged == accepted
        assert notes == len(accepted)
        for ws in [*flooders, other]:
            await still_open(ws)
        # A refused op is sent again after its retry_after (same op id) and applied once; an
        # accepted one sent again gets its original ack and applies nothing.
        retry = refused[0]
        for _ in range(5):  # as a client does: wait as told, send the same op id again
            await asyncio.sleep(retry["retry_after"])
            again = await flooders[0].op(board, "note.add", {"text": f"flood {retry['op_id']}"},
                                         op_id=retry["op_id"])
            if again["type"] == "ack":
                break
            assert again["code"] == "rate_limited", again
            retry = again
        assert again["type"] == "ack", again
        await asyncio.sleep(0.5)
        resent = await flooders[1].op(board, "note.add", {"text": "ignored"}, op_id=accepted[0])
        assert resent == got[accepted[0]]
        logged, notes = await sync_to_async(applied)()
        assert (len(logged), notes) == (len(accepted) + 1, len(accepted) + 1)
    finally:
        for ws in [*flooders, other]:
            await ws.close()


async def _refused_socket(session_uuid, cookie: str) -> tuple[dict, dict]:
    ws, first = await connect(session_uuid, cookie, expect_welcome=False)
    closed = await ws.comm.receive_output(timeout=5)
    return first, closed


async def test_more_sockets_than_allowed_for_one_person_refuses_only_the_extra_one(room: Room, settings):
    settings.LIVE_MAX_SOCKETS = 3
    mine = [(await connect(room.session.uuid, room.cookies["ann"]))[0] for _ in range(3)]
    theirs = None
    try:
        first, closed = await _refused_socket(room.session.uuid, room.cookies["ann"])
        assert (first["type"], first["code"]) == ("error", "rate_limited")
        assert first["retry_after"] > 0
        assert closed == {"type": "websocket.close", "code": 4429}
        for ws in mine:
            await still_open(ws)
        # Someone else is not affected, and a closed socket makes room again.
        theirs, _ = await connect(room.session.uuid, room.cookies["ben"])
        await mine.pop().close()
        mine.append((await connect(room.session.uuid, room.cookies["ann"]))[0])
        assert await sync_to_async(Presence.objects.filter(participant=room.people["ann"], board=None).count)() == 3
    finally:
        for ws in [*mine, *([theirs] if theirs else [])]:
            await ws.close()


async def test_sockets_opened_all_at_once_still_get_at_most_the_limit(room: Room, settings):
    settings.LIVE_MAX_SOCKETS = 3

    async def open_one():
        comm = WebsocketCommunicator(application, f"/ws/sessions/{room.session.uuid}/",
                                     headers=[ORIGIN, (b"cookie", room.cookies["ann"].encode())])
        connected, _ = await comm.connect(timeout=5)
        assert connected
        return comm, json.loads(await comm.receive_from(timeout=5))

    opened = await asyncio.gather(*(open_one() for _ in range(6)))
    try:
        kinds = sorted(first["type"] if first["type"] == "welcome" else first["code"] for _, first in opened)
        assert kinds == ["rate_limited"] * 3 + ["welcome"] * 3
    finally:
        for comm, _ in opened:
            await comm.disconnect()


# --- 2. unknown paths, control characters ---------------------------------------------------


@pytest.mark.parametrize("path", ["/ws/nope/", "/ws/sessions/not-a-uuid/", "/nope", "/ws/sessions/"])
async def test_an_unknown_websocket_path_is_refused_without_an_error(path, caplog, transactional_db):
    comm = WebsocketCommunicator(application, path, headers=[ORIGIN])
    with caplog.at_level(logging.WARNING):
        connected, code = await comm.connect(timeout=5)
    assert (connected, code) == (False, 1000)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_socket_for_a_session_that_does_not_exist_is_refused(room: Room):
    first, closed = await _refused_socket("00000000-0000-4000-8000-000000000000", room.cookies["ann"])
    assert (first["type"], first["code"]) == ("error", "not_found")
    assert closed["type"] == "websocket.close"


CONTROLS = ["\x00", "\x07", "\x1b[31m", "\x7f", "a\x00b"]


async def test_control_characters_in_any_text_field_are_refused_by_name_and_nothing_is_saved(
        room: Room, caplog):
    board = room.plenary.pk
    note = (await sync_to_async(board_services.apply_op)(
        board=room.plenary, actor=f.actor(room.people["ann"]), op="note.add", op_id="", data={"text": "clean"}))["id"]
    fac, _ = await connect(room.session.uuid, room.cookies["fac"])
    ws, _ = await connect(room.session.uuid, room.cookies["ann"])

    def counts():
        s = Session.objects.get(pk=room.session.pk)
        return (BoardEvent.objects.count(), SessionEvent.objects.count(), Note.objects.count(),
                Comment.objects.count(), s.message_text, s.timer_label)

    before = await sync_to_async(counts)()
    try:
        await ws.subscribe(board)
        await fac.subscribe(board)
        for n, bad in enumerate(CONTROLS):
            cases = [
                (ws, "note.add", {"text": f"note {bad}"}, board, "text"),
                (ws, "note.edit", {"id": note, "text": bad}, board, "text"),
                (ws, "comment.add", {"note": note, "text": f"{bad} comment"}, board, "text"),
                (ws, "cluster.add", {"name": bad}, board, "name"),
                (fac, "category.add", {"name": f"cat{bad}"}, board, "name"),
                (fac, "board.settings", {"title": f"t{bad}"}, board, "title"),
                (fac, "message.send", {"text": f"Five minutes{bad}"}, None, "text"),
                (fac, "timer.start", {"minutes": 5, "label": f"Round {bad}"}, None, "label"),
            ]
            for k, (sock, op, data, on, name) in enumerate(cases):
                op_id = f"ctl-{n}-{k}"
                await sock.send_text(op_frame(op_id, op, data, on))
                error = await sock.take(lambda fr, op_id=op_id: fr.get("op_id") == op_id)
                assert (error["type"], error["code"]) == ("error", "invalid"), (op, repr(bad), error)
                assert error["fields"] == {name: "control characters are not allowed"}, (op, error)
        for sock in (ws, fac):
            await still_open(sock)
        assert await sync_to_async(counts)() == before
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    finally:
        await ws.close()
        await fac.close()


def test_control_characters_typed_into_the_pages_forms_are_form_errors_not_server_errors(room: Room):
    """What the forms save is sent live too (agenda.current, group_info, presence names)."""
    from tests.workshops.factories import make_link

    client = Client()
    client.force_login(f.facilitator_user())
    url = reverse("workshops:agenda_create", args=[room.session.uuid])
    for title, description in (("Panel\x00", ""), ("Panel\x07", ""), ("Panel", "one\x1b[2J")):
        response = client.post(url, {"title": title, "kind": "panel", "planned_minutes": 30,
                                     "description": description})
        assert response.status_code == 200, (repr(title), response.status_code)  # the form again, with its error
    assert not AgendaItem.objects.filter(session=room.session).exists()
    # Line breaks as browsers send them are not control characters to refuse.
    response = client.post(url, {"title": "Panel", "kind": "panel", "planned_minutes": 30,
                                 "description": "line one\r\nline two\tend"})
    assert response.status_code == 302
    assert AgendaItem.objects.get(session=room.session).description == "line one\r\nline two\tend"

    link = make_link(room.session)
    joined = Client().post(f"/j/{link.token}/", {
        "display_name": "Eve\x07", "country": "KZ", "stakeholder": "teacher", "language": "en",
        "timezone_name": "Asia/Almaty", "consent": "on"})
    assert joined.status_code == 200
    assert not Participant.objects.filter(display_name__startswith="Eve").exists()


# --- 3. malformed frames (envelope cases not in tests/mapping/test_consumer_errors.py) ------


async def test_frames_no_parser_should_choke_on_answer_errors_and_keep_the_socket(room: Room, caplog):
    ws, _ = await connect(room.session.uuid, room.cookies["ann"])
    try:
        cases = [
            ("[" * 5000 + "]" * 5000, "bad_json"),  # nested deeper than the JSON parser recurses
            ("42", "bad_json"),
            ('"op"', "bad_json"),
            ("null", "bad_json"),
            ("{\"type\": \"ping\"", "bad_json"),
            (json.dumps({"type": 7}), "bad_frame"),
            (json.dumps({"type": "op", "op_id": "x" * 65, "op": "note.add", "board": 1}), "bad_frame"),
            (json.dumps({"type": "op", "op_id": "ok", "op": "NOTE.ADD", "board": 1}), "bad_frame"),
            (json.dumps({"type": "op", "op_id": "ok", "op": "note.add", "board": 1, "data": [1]}), "bad_frame"),
            (json.dumps({"type": "op", "op_id": "ok", "op": "note.add", "board": "1"}), "bad_frame"),
            (json.dumps({"type": "subscribe", "board": 2**60}), "bad_frame"),
            (json.dumps({"type": "subscribe", "board": 1, "since": True}), "bad_frame"),
            ("é" * 20000, "too_large"),
        ]
        for text, code in cases:
            await ws.send_text(text)
            error = await ws.next("error")
            assert error["code"] == code, (text[:40], error)
        # A binary frame, and a session op that does not exist.
        await ws.comm.send_input({"type": "websocket.receive", "bytes": b"\x00\x01"})
        assert (await ws.next("error"))["code"] == "bad_json"
        await ws.send_text(op_frame("uo", "timer.fly", {}))
        assert (await ws.take(lambda fr: fr.get("op_id") == "uo"))["code"] == "unknown_op"
        await still_open(ws)
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    finally:
        await ws.close()


# --- 4. the database unreachable --------------------------------------------------------------


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens there once this socket is closed


class DatabaseDown:
    """Make the database unreachable for the server, for real: on PostgreSQL every open
    connection to the test database is terminated (pg_terminate_backend) and new ones go
    to a closed port; on SQLite new connections go to a file that cannot be opened."""

    def __init__(self) -> None:
        from django.db import connections

        self.settings = connections["default"].settings_dict  # shared by every thread's connection
        self.saved = dict(self.settings)

    def restore(self) -> None:
        self.settings.update(self.saved)

    async def __aenter__(self) -> DatabaseDown:
        from django.db import connections

        try:
            if connections["default"].vendor == "postgresql":
                self.settings["PORT"] = str(_closed_port())
                self._terminate_all()
            else:
                self.settings["NAME"] = "/nonexistent-dir/db.sqlite3"
            await sync_to_async(lambda: connections["default"].close())()  # the server's worker thread's
        except BaseException:
            self.restore()
            raise
        return self

    def _terminate_all(self) -> None:
        import psycopg2

        raw = psycopg2.connect(dbname=self.saved["NAME"], user=self.saved["USER"], host=self.saved["HOST"],
                               port=self.saved["PORT"] or 5432, password=self.saved["PASSWORD"])
        try:
            raw.autocommit = True
            with raw.cursor() as cur:
                cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        finally:
            raw.close()

    async def __aexit__(self, *exc) -> None:
        self.restore()


@pytest.fixture
def database_down(room):
    """A DatabaseDown to enter; afterwards the test's own (terminated) connections are
    dropped before the test database is flushed."""
    from django.db import connections

    down = DatabaseDown()
    yield down
    down.restore()
    connections.close_all()


async def test_a_database_outage_answers_unavailable_and_a_resent_op_applies_exactly_once(
        room: Room, database_down: DatabaseDown, any_layer):
    board = room.plenary.pk
    ws, _ = await connect(room.session.uuid, room.cookies["ann"])
    fac, _ = await connect(room.session.uuid, room.cookies["fac"])
    try:
        await ws.subscribe(board)
        async with database_down:
            typed = await ws.op(board, "note.add", {"text": "typed during the blip"}, op_id="blip-note")
            said = await fac.op(None, "message.send", {"text": "Back in five"}, op_id="blip-msg")
            for error in (typed, said):
                assert (error["type"], error["code"]) == ("error", "unavailable"), error
                assert error["retry_after"] > 0
            await ws.send({"type": "ping"})
            assert (await ws.next("pong", "error"))["code"] == "unavailable"
            # A socket opened meanwhile is told so too, and closed (try again later).
            first, closed = await _refused_socket(room.session.uuid, room.cookies["ben"])
            assert (first["type"], first["code"]) == ("error", "unavailable"), first
            assert closed == {"type": "websocket.close", "code": 1013}
        # The database is back: the client resends the same op ids.
        ack = await ws.op(board, "note.add", {"text": "typed during the blip"}, op_id="blip-note")
        assert ack["type"] == "ack", ack
        assert await ws.op(board, "note.add", {"text": "typed during the blip"}, op_id="blip-note") == ack
        msg = await fac.op(None, "message.send", {"text": "Back in five"}, op_id="blip-msg")
        assert msg["type"] == "ack", msg
        assert await fac.op(None, "message.send", {"text": "Back in five"}, op_id="blip-msg") == msg
        event = await ws.event(board, ack["seq"])
        assert event["data"]["note"]["text"] == "typed during the blip"
        await ws.nothing_more(lambda fr: fr["type"] == "event" and fr["seq"] == ack["seq"])

        def applied():
            return (Note.objects.filter(board_id=board, text="typed during the blip").count(),
                    BoardEvent.objects.filter(op_id="blip-note").count(),
                    SessionEvent.objects.filter(op_id="blip-msg").count(),
                    Session.objects.get(pk=room.session.pk).message_text)

        assert await sync_to_async(applied)() == (1, 1, 1, "Back in five")
        await still_open(ws)
    finally:
        await ws.close()
        await fac.close()


# --- 5. presence: per-socket rows with a heartbeat expiry ---------------------------------


def _ticker():
    from live.consumers import get_ticker
    from realtime.hub import get_hub

    return get_ticker(get_hub())


def _leftover(room: Room, who: str, *, age: float, board: Board | None = None, socket: str = "") -> None:
    """Rows a killed server process left behind: its socket never said goodbye."""
    from live.presence import join

    socket = socket or f"dead-{who}"
    join(socket=socket, session_id=room.session.pk, actor=f.actor(room.people[who]))
    if board is not None:
        join(socket=socket, session_id=room.session.pk, actor=f.actor(room.people[who]), board_id=board.pk)
    Presence.objects.filter(socket=socket).update(seen_at=timezone.now() - dt.timedelta(seconds=age))


def _roster(frame: dict) -> list[str]:
    return [p["name"] for p in frame["people"]]


async def test_a_killed_processs_sockets_stop_counting_after_the_ttl(room: Room, settings):
    from live.presence import PRESENCE_TTL

    settings.LIVE_TICK = 0.1
    fac, _ = await connect(room.session.uuid, room.cookies["fac"])
    ann, _ = await connect(room.session.uuid, room.cookies["ann"])
    try:
        await fac.subscribe(room.plenary.pk)
        await ann.subscribe(room.plenary.pk)
        # Ben's process was killed 10 s ago: his rows are fresh, he still counts.
        await sync_to_async(_leftover)(room, "ben", age=10, board=room.plenary)
        ticker = _ticker()
        ticker.dirty_sessions.add(room.session.pk)
        ticker.dirty_boards.add(room.plenary.pk)
        roster = await fac.take(lambda fr: fr["type"] == "presence" and fr["board"] is None and fr["count"] == 2)
        assert _roster(roster) == ["Ann", "Ben"]
        await ann.take(lambda fr: fr["type"] == "presence" and fr["board"] == room.plenary.pk and fr["count"] == 3)
        fac.buffer.clear()  # what came before is older than Ben's rows
        ann.buffer.clear()
        # Time passes; no process touches Ben's rows any more, while Ann's process keeps
        # beating: after the TTL he is gone from the roster and from the board.
        await sync_to_async(Presence.objects.filter(socket="dead-ben").update)(
            seen_at=timezone.now() - dt.timedelta(seconds=PRESENCE_TTL + 1))
        await ticker.heartbeat()
        roster = await fac.take(lambda fr: fr["type"] == "presence" and fr["board"] is None and fr["count"] == 1)
        assert _roster(roster) == ["Ann"]
        on_board = await ann.take(lambda fr: fr["type"] == "presence" and fr["board"] == room.plenary.pk
                                  and fr["count"] == 2)
        assert [p.get("role", p["name"]) for p in on_board["people"]] == ["Ann", "facilitator"]
        assert await sync_to_async(Presence.objects.filter(socket="dead-ben").exists)() is False
        # Ann's own rows were touched by the heartbeat, not expired.
        assert await sync_to_async(Presence.objects.filter(participant=room.people["ann"]).count)() == 2
    finally:
        await ann.close()
        await fac.close()


async def test_a_leftover_socket_does_not_block_reconnecting_after_the_ttl(room: Room, settings):
    from live.presence import PRESENCE_TTL

    settings.LIVE_MAX_SOCKETS = 2
    for n in range(2):
        await sync_to_async(_leftover)(room, "ann", age=PRESENCE_TTL + 1, socket=f"dead-ann-{n}")
    ws, welcome = await connect(room.session.uuid, room.cookies["ann"])
    await ws.close()
    assert welcome["type"] == "welcome"


async def test_a_moved_participant_with_two_tabs_and_a_leftover_socket_counts_once(any_layer, settings,
                                                                                  transactional_db):
    settings.LIVE_TICK = 0.1

    def setup():
        r = build_room()
        rnd, (ga, gb) = f.breakout(r.session, ["A", "B"], open_groups=False)
        f.member(ga, r.people["ann"])
        f.member(ga, r.people["ben"])
        live_services.open_round(round_=rnd)
        boards = {b.group_id: b.pk for b in Board.objects.filter(group__in=[ga, gb])}
        _leftover(r, "ann", age=5)  # a tab whose server process died a moment ago
        return r, ga, gb, boards

    r, ga, gb, boards = await sync_to_async(setup)()
    fac, _ = await connect(r.session.uuid, r.cookies["fac"])
    tabs = [(await connect(r.session.uuid, r.cookies["ann"]))[0] for _ in range(2)]
    ben, _ = await connect(r.session.uuid, r.cookies["ben"])
    try:
        for ws in (*tabs, ben):
            await ws.subscribe(boards[ga.pk])
        # Two tabs and a dead one are one Ann, on the board and in the session's roster (a
        # frame that says otherwise never comes: take() would time out waiting for this one).
        await ben.take(lambda fr: fr["type"] == "presence" and fr["board"] == boards[ga.pk]
                       and (fr["count"], _roster(fr)) == (2, ["Ann", "Ben"]))
        await fac.take(lambda fr: fr["type"] == "presence" and fr["board"] is None
                       and (fr["count"], _roster(fr)) == (2, ["Ann", "Ben"]))

        move = await fac.op(None, "group.move", {"participant": r.people["ann"].pk, "group": gb.pk})
        assert move["type"] == "ack", move
        for tab in tabs:
            assert await tab.next("unsubscribed") == {"type": "unsubscribed", "board": boards[ga.pk],
                                                      "reason": "revoked"}
            await tab.subscribe(boards[gb.pk])
        await ben.take(lambda fr: fr["type"] == "presence" and fr["board"] == boards[ga.pk]
                       and (fr["count"], _roster(fr)) == (1, ["Ben"]))
        await tabs[0].take(lambda fr: fr["type"] == "presence" and fr["board"] == boards[gb.pk]
                           and (fr["count"], _roster(fr)) == (1, ["Ann"]))
        # Still one Ann in the session's roster: two tabs and a dead one are one person.
        fac.buffer.clear()
        _ticker().dirty_sessions.add(r.session.pk)
        roster = await fac.take(lambda fr: fr["type"] == "presence" and fr["board"] is None)
        assert (roster["count"], _roster(roster)) == (2, ["Ann", "Ben"])
    finally:
        for ws in (*tabs, ben, fac):
            await ws.close()


async def test_presence_does_not_depend_on_redis_state(room: Room, redis_layer, settings):
    import redis

    from tests.conftest import REDIS_URL

    settings.LIVE_TICK = 0.1
    fac, _ = await connect(room.session.uuid, room.cookies["fac"])
    people = [(await connect(room.session.uuid, room.cookies[name]))[0] for name in ("ann", "ben")]
    try:
        roster = await fac.take(lambda fr: fr["type"] == "presence" and fr["board"] is None and fr["count"] == 2)
        assert _roster(roster) == ["Ann", "Ben"]
        fac.buffer.clear()  # older rosters (before Ann and Ben came)
        # Redis forgets everything this run held (its keys only: the database may be shared)...
        client = redis.Redis.from_url(REDIS_URL)

        def forget() -> int:
            keys = list(client.scan_iter(f"*{settings.CHANNELS_PREFIX}*", count=1000))
            return client.delete(*keys) if keys else 0
        await sync_to_async(forget)()
        # ... and after the next heartbeat everyone connected is still online: the roster
        # sent when one more person comes counts all three.
        await _ticker().heartbeat()
        people.append((await connect(room.session.uuid, room.cookies["cem"]))[0])
        roster = await fac.take(lambda fr: fr["type"] == "presence" and fr["board"] is None and fr["count"] != 2)
        assert (roster["count"], _roster(roster)) == (3, ["Ann", "Ben", "Cem"])
    finally:
        for ws in (*people, fac):
            await ws.close()


# --- 6. rights follow the present ---------------------------------------------------------


def _two_rounds():
    """Round 1 (Ann reports back for A1, Ben in A1) ran and was recalled; notes on A1's board."""
    r = build_room()
    rnd1, (a1, b1) = f.breakout(r.session, ["A1", "B1"], open_groups=False)
    f.member(a1, r.people["ann"], rapporteur=True)
    f.member(a1, r.people["ben"])
    f.member(b1, r.people["cem"])
    live_services.open_round(round_=rnd1)
    board_a1 = Board.objects.get(group=a1)
    notes = [board_services.apply_op(board=board_a1, actor=f.actor(r.people["ben"]), op="note.add", op_id="",
                                     data={"text": f"idea {i}"})["id"] for i in range(3)]
    rooms.recall(session=r.session)
    return r, board_a1, notes


def _open_round_two(r: Room, rapporteur: str | None):
    rnd2, (a2, b2) = f.breakout(r.session, ["A2", "B2"], open_groups=False)
    f.member(a2, r.people["ann"])
    f.member(a2, r.people["ben"], rapporteur=rapporteur == "ben")
    f.member(b2, r.people["cem"], rapporteur=rapporteur == "cem")
    live_services.open_round(round_=rnd2)
    return Board.objects.get(group=a2), Board.objects.get(group=b2)


@pytest.mark.parametrize("rapporteur", ["ben", None])
async def test_a_rapporteur_of_round_one_no_longer_pulls_into_plenary_in_round_two(rapporteur, transactional_db):
    r, board_a1, notes = await sync_to_async(_two_rounds)()
    plenary = r.plenary.pk
    ann, _ = await connect(r.session.uuid, r.cookies["ann"])
    try:
        await ann.subscribe(plenary)
        pulled = await ann.op(plenary, "note.pull", {"source_board": board_a1.pk, "notes": [notes[0]]})
        assert pulled["type"] == "ack", pulled  # while round 1 is the current one, she reports back

        board_a2, _ = await sync_to_async(_open_round_two)(r, rapporteur)
        await ann.next("welcome")  # groups opened: the server re-read her rights
        await ann.subscribe(plenary)
        for source, note in ((board_a1.pk, notes[1]), (board_a2.pk, None)):
            if note is None:
                note = (await sync_to_async(board_services.apply_op)(
                    board=board_a2, actor=f.actor(r.people["ann"]), op="note.add", op_id="", data={"text": "r2"}))["id"]
            refused = await ann.op(plenary, "note.pull", {"source_board": source, "notes": [note]})
            assert (refused["type"], refused["code"]) == ("error", "forbidden"), (source, refused)
        await sync_to_async(rooms.recall)(session=await sync_to_async(Session.objects.get)(pk=r.session.pk))
        await ann.next("welcome")
        refused = await ann.op(plenary, "note.pull", {"source_board": board_a1.pk, "notes": [notes[2]]})
        assert refused["code"] == "forbidden", refused
        if rapporteur == "ben":
            ben, _ = await connect(r.session.uuid, r.cookies["ben"])
            try:
                await ben.subscribe(plenary)
                ok = await ben.op(plenary, "note.pull", {"source_board": board_a2.pk, "notes": [note]})
                assert ok["type"] == "ack", ok
            finally:
                await ben.close()
        copies = await sync_to_async(Note.objects.filter(board_id=plenary, source_note__in=notes).count)()
        assert copies == 1
    finally:
        await ann.close()


async def test_a_session_one_only_participant_can_neither_read_nor_write_session_twos_plenary(transactional_db):
    def setup():
        r = build_room(("ann", "sol"))
        s2 = live_services.save_session(workshop=r.session.workshop, session=None, fields={
            "title": "Session 2", "starts_at": r.session.ends_at, "ends_at": r.session.ends_at + dt.timedelta(hours=2),
            "builds_on": r.session})
        from participants.models import Attendance

        Attendance.objects.create(participant=r.people["ann"], session=s2)
        s2_boards = {b.read_only_input: b for b in Board.objects.filter(session=s2, group=None)}
        return r, s2, s2_boards[False], s2_boards[True]

    r, s2, plenary2, input2 = await sync_to_async(setup)()
    sol, _ = await connect(r.session.uuid, r.cookies["sol"])
    ann, _ = await connect(s2.uuid, r.cookies["ann"])
    try:
        assert (await ann.subscribe(plenary2.pk))[0]["type"] == "snapshot"  # who attends session two may
        for board in (plenary2.pk, input2.pk):
            [refused] = await sol.subscribe(board)
            assert (refused["type"], refused["code"]) == ("error", "not_found"), refused
            write = await sol.op(board, "note.add", {"text": "not my session"})
            assert write["code"] == "not_subscribed", write
        first, closed = await _refused_socket(s2.uuid, r.cookies["sol"])
        assert (first["code"], closed["code"]) == ("unauthenticated", 4401)

        def over_http():
            client = Client()
            client.cookies["sessionid"] = r.cookies["sol"].split("=", 1)[1]
            posted = client.post(f"/boards/{plenary2.pk}/ops/", {"op": "note.add", "op_id": "h1",
                                                                 "data": {"text": "over http"}},
                                 content_type="application/json")
            return posted.status_code, client.get(f"/boards/{plenary2.pk}/snapshot/").status_code

        assert await sync_to_async(over_http)() == (404, 404)
        assert await sync_to_async(Note.objects.filter(board=plenary2, text__in=["over http", "not my session"])
                                   .exists)() is False
    finally:
        await sol.close()
        await ann.close()


async def test_a_moved_participant_stops_receiving_the_old_board_within_a_second(any_layer, transactional_db):
    def setup():
        r = build_room()
        rnd, (ga, gb) = f.breakout(r.session, ["A", "B"], open_groups=False)
        f.member(ga, r.people["ann"])
        f.member(ga, r.people["ben"])
        live_services.open_round(round_=rnd)
        return r, gb, Board.objects.get(group=ga).pk

    r, gb, board_a = await sync_to_async(setup)()
    fac, _ = await connect(r.session.uuid, r.cookies["fac"])
    ann, _ = await connect(r.session.uuid, r.cookies["ann"])
    ben, _ = await connect(r.session.uuid, r.cookies["ben"])
    try:
        await ann.subscribe(board_a)
        await ben.subscribe(board_a)
        moved = await fac.op(None, "group.move", {"participant": r.people["ann"].pk, "group": gb.pk})
        assert moved["type"] == "ack"
        # Group A goes on writing at once.
        later = [await ben.op(board_a, "note.add", {"text": f"A only {i}"}) for i in range(3)]
        assert await ann.next("unsubscribed", timeout=1.0) == {"type": "unsubscribed", "board": board_a,
                                                               "reason": "revoked"}
        # Nothing of board A after the revocation, nor after a refresh.
        ann.buffer.clear()
        await ben.op(board_a, "note.add", {"text": "A only, later"})
        await ann.send({"type": "refresh"})
        assert (await ann.next("welcome"))["group"] == gb.pk
        await ann.nothing_more(lambda fr: fr.get("board") == board_a)
        assert all(a["type"] == "ack" for a in later)
    finally:
        for ws in (ann, ben, fac):
            await ws.close()


# --- 7. session frames carry seqs ------------------------------------------------------------


async def test_session_frames_carry_consecutive_seqs_and_a_reconnect_gets_the_state_it_missed(
        room: Room, any_layer, settings):
    settings.BOARD_HEADS_INTERVAL = 0.2
    settings.LIVE_TICK = 0.1

    def a_round():
        rnd, (ga, _gb) = f.breakout(room.session, ["A", "B"], open_groups=False)
        f.member(ga, room.people["ann"])
        return rnd, ga

    rnd, ga = await sync_to_async(a_round)()
    fac, _ = await connect(room.session.uuid, room.cookies["fac"])
    ann, welcome = await connect(room.session.uuid, room.cookies["ann"])
    try:
        start = welcome["seq"]
        assert (await fac.op(None, "timer.start", {"minutes": 5, "label": "Round 1"}))["type"] == "ack"
        assert (await fac.op(None, "message.send", {"text": "Go to your groups"}))["type"] == "ack"
        assert (await fac.op(None, "group.rapporteur", {"group": ga.pk, "participant": room.people["cem"].pk})
                )["code"] == "not_found"  # Cem is not in group A: refused, no seq taken
        assert (await fac.op(None, "groups.open", {"round": rnd.pk}))["type"] == "ack"
        session_types = {"timer", "message", "groups.opened", "group.updated", "session.hidden"}
        got = [await ann.take(lambda fr: fr["type"] in session_types) for _ in range(3)]
        assert [(fr["type"], fr["seq"]) for fr in got] == [
            ("timer", start + 1), ("message", start + 2), ("groups.opened", start + 3)]
        assert (await ann.next("welcome"))["group"] == ga.pk  # now on her group's stream too
        await sync_to_async(rooms.update_group)(group=ga, name="Group A", video_url="")
        # A frame for her group only: in full on the group's stream, as a placeholder on the
        # session's, both with the next seq.
        assert (await ann.next("group.updated"))["seq"] == start + 4
        assert await ann.next("session.hidden") == {"type": "session.hidden", "seq": start + 4}
        await ann.send({"type": "ping"})
        assert (await ann.next("pong"))["session_seq"] == start + 4
        # Heads come every BOARD_HEADS_INTERVAL (older ones may wait in the buffer): one
        # soon says the session is at the new seq.
        await ann.take(lambda fr: fr["type"] == "head" and fr.get("session") == room.session.pk
                       and fr["seq"] == start + 4)
        await ann.close()

        # While she is away: a message, the timer stopped, everyone recalled.
        for op, data in (("message.send", {"text": "Back to plenary"}), ("timer.stop", {}), ("groups.recall", {})):
            assert (await fac.op(None, op, data))["type"] == "ack"
        ann, again = await connect(room.session.uuid, room.cookies["ann"])
        assert again["seq"] == start + 7
        assert (again["message"]["text"], again["timer"]["ends_at"], again["session"]["groups_open"],
                again["group"]) == ("Back to plenary", None, False, None)
        # The next frame continues from the welcome's seq.
        await fac.op(None, "message.send", {"text": "Welcome back"})
        assert (await ann.next("message"))["seq"] == start + 8
    finally:
        await ann.close()
        await fac.close()


# --- 8. the outbox of a client that does not read -------------------------------------------


class SlowClient:
    """The transport of a client that stops reading: while closed, the server's sends to
    it wait (as a full TCP buffer makes them wait)."""

    def __init__(self, app) -> None:
        self.app = app
        self.reading = asyncio.Event()
        self.reading.set()

    async def __call__(self, scope, receive, send):
        async def slow_send(message):
            if message["type"] == "websocket.send":
                await self.reading.wait()
            await send(message)

        return await self.app(scope, receive, slow_send)


async def _slow_connect(room: Room, who: str) -> tuple[WS, SlowClient]:
    slow = SlowClient(application)
    comm = WebsocketCommunicator(slow, f"/ws/sessions/{room.session.uuid}/",
                                 headers=[ORIGIN, (b"cookie", room.cookies[who].encode())])
    connected, _ = await comm.connect(timeout=5)
    assert connected
    ws = WS(comm)
    await ws.next("welcome")
    return ws, slow


async def test_a_slow_clients_overflowing_outbox_still_delivers_its_own_acks(room: Room, settings):
    settings.LIVE_OUTBOX_EVENT_BYTES = 4000
    board = room.plenary.pk
    slow_ws, slow = await _slow_connect(room, "ann")
    ben, _ = await connect(room.session.uuid, room.cookies["ben"])
    try:
        [snap] = await slow_ws.subscribe(board)
        await ben.subscribe(board)
        slow.reading.clear()
        for i in range(20):  # ~9 KiB of events for a socket that may queue 4,000 characters
            assert (await ben.op(board, "note.add", {"text": f"busy {i} " + "x" * 300}))["type"] == "ack"
        await slow_ws.send_text(op_frame("mine", "note.add", {"text": "my own note"}, board))
        await slow_ws.send({"type": "ping"})
        # Ben is not held up by Ann's socket.
        assert (await ben.op(board, "note.add", {"text": "still going"}))["type"] == "ack"
        slow.reading.set()
        mine = await slow_ws.take(lambda fr: fr["type"] in {"ack", "error"} and fr.get("op_id") == "mine")
        assert mine["type"] == "ack", mine
        assert (await slow_ws.next("pong"))["type"] == "pong"
        resync = await slow_ws.next("resync")
        assert resync == {"type": "resync", "reason": "too_far_behind"}
        await slow_ws.nothing_more(lambda fr: fr["type"] == "resync")
        # Replaying from the last applied seq brings everything back.
        slow_ws.buffer.clear()
        replay = await slow_ws.subscribe(board, since=snap["seq"])
        assert replay[-1]["type"] == "caught_up"
        texts = {fr["seq"]: fr["data"]["note"]["text"] for fr in replay if fr["type"] == "event"}
        assert sorted(texts) == list(range(snap["seq"] + 1, replay[-1]["seq"] + 1))
        assert len(texts) == 22
        assert {"my own note", "still going"} <= set(texts.values())
    finally:
        await slow_ws.close()
        await ben.close()


async def test_a_client_that_never_reads_is_not_served_more_but_loses_no_answer(room: Room, settings):
    settings.LIVE_OUTBOX_REPLY_BYTES = 1000
    slow_ws, slow = await _slow_connect(room, "ann")
    try:
        slow.reading.clear()
        for _ in range(60):  # ~3,000 characters of pongs
            await slow_ws.send({"type": "ping"})
        await asyncio.sleep(0.2)  # let the server take what it will (not a timing assertion)
        waiting = slow_ws.comm.input_queue.qsize()
        assert waiting > 0, "the server kept reading a socket whose answers pile up"
        slow.reading.set()
        pongs = [await slow_ws.next("pong") for _ in range(60)]
        assert len(pongs) == 60
        await still_open(slow_ws)
    finally:
        await slow_ws.close()
