"""The session side of the one websocket: a moved participant's connection follows the
move, timers and messages reach everyone, signals and presence reach facilitators, bad
input gets an error frame and the connection stays open."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

import config.asgi
from participants.models import Participant
from tests.workshops.factories import make_facilitator, make_item, make_link, make_session
from workshops import services
from workshops.models import GroupMembership, Session

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def joined_cookie(link, name: str, country: str = "KZ") -> str:
    client = Client()
    client.post(f"/j/{link.token}/", {"display_name": name, "country": country, "stakeholder": "teacher",
                                      "language": "en", "timezone_name": "Asia/Almaty", "consent": "on"})
    return client.cookies["sessionid"].value


def facilitator_cookie() -> str:
    client = Client()
    client.force_login(make_facilitator())
    return client.cookies["sessionid"].value


async def connect(session, cookie: str) -> tuple[WebsocketCommunicator, dict]:
    comm = WebsocketCommunicator(config.asgi.application, f"/ws/sessions/{session.uuid}/",
                                 headers=[ORIGIN, (b"cookie", f"sessionid={cookie}".encode())])
    connected, _ = await comm.connect()
    assert connected
    # A broadcast still crossing Redis when this socket subscribed may arrive before the
    # welcome (the socket follows its streams first, so it misses nothing).
    welcome = await next_of(comm, "welcome")
    return comm, welcome


async def next_of(comm, kind: str, timeout: float = 5) -> dict:
    """The next frame of a type, skipping others (presence frames may interleave)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        frame = json.loads(await comm.receive_from(timeout=max(left, 0.01)))
        if frame["type"] == kind:
            return frame


async def send_op(comm, op: str, data: dict, op_id: str = "o1") -> dict:
    await comm.send_to(text_data=json.dumps({"type": "op", "op": op, "op_id": op_id, "data": data}))
    while True:
        frame = json.loads(await comm.receive_from(timeout=5))
        if frame.get("op_id") == op_id:
            return frame


def running_round(session, n_groups=2):
    round_ = services.create_round(session=session, agenda_item=None, strategy="random", n_groups=n_groups, seed=1)
    services.open_round(round_=round_)
    return round_


async def test_a_moved_participant_follows_the_move_on_their_open_connection(any_layer):
    session = await database_sync_to_async(make_session)()
    link = await database_sync_to_async(make_link)(session)
    cookie = await database_sync_to_async(joined_cookie)(link, "Alice")
    await database_sync_to_async(joined_cookie)(link, "Bob")
    round_ = await database_sync_to_async(running_round)(session)
    alice = await database_sync_to_async(Participant.objects.get)(display_name="Alice")
    fac, _ = await connect(session, await database_sync_to_async(facilitator_cookie)())
    comm, welcome = await connect(session, cookie)
    old = await database_sync_to_async(lambda: GroupMembership.objects.get(participant=alice).group)()
    new = await database_sync_to_async(lambda: round_.groups.exclude(pk=old.pk).get())()
    assert (welcome["group"], welcome["group_info"]["name"]) == (old.pk, old.name)

    ack = await send_op(fac, "group.move", {"participant": alice.pk, "group": new.pk})
    seq = ack["seq"]
    assert ack == {"type": "ack", "op_id": "o1", "participant": alice.pk, "group": new.pk, "seq": seq}
    moved = await next_of(comm, "moved")
    assert moved == {"type": "moved", "participant": alice.pk, "group": {
        "id": new.pk, "name": new.name, "video_url": new.video_url, "is_rapporteur": False}, "seq": seq}
    again = await next_of(comm, "welcome")  # pushed by the server: no refresh needed
    assert (again["group"], again["group_info"]["id"]) == (new.pk, new.pk)

    # Now on the new group's stream: its signals reach this socket.
    await send_op(fac, "signal.help", {"group": new.pk}, op_id="o2")
    signal = await next_of(comm, "signal")
    assert (signal["group"], signal["signal"]) == (new.pk, "help")
    await comm.disconnect()
    await fac.disconnect()


async def test_a_timer_started_by_the_facilitator_reaches_every_participant(any_layer):
    session = await database_sync_to_async(make_session)()
    link = await database_sync_to_async(make_link)(session)
    comm, welcome = await connect(session, await database_sync_to_async(joined_cookie)(link, "Alice"))
    assert welcome["timer"]["ends_at"] is None
    fac, _ = await connect(session, await database_sync_to_async(facilitator_cookie)())
    ack = await send_op(fac, "timer.start", {"minutes": 5, "label": "Round 1"})
    frame = await next_of(comm, "timer")
    assert (frame["ends_at"], frame["label"]) == (ack["ends_at"], "Round 1")
    await send_op(fac, "message.send", {"text": "Five minutes"}, op_id="o2")
    message = await next_of(comm, "message")
    assert (message["text"], message["from"]) == ("Five minutes", "fac")
    await comm.disconnect()
    await fac.disconnect()


async def test_pause_resume_and_extend_reach_participants_and_a_late_joiner_sees_the_pause(any_layer):
    session = await database_sync_to_async(make_session)()
    link = await database_sync_to_async(make_link)(session)
    comm, _ = await connect(session, await database_sync_to_async(joined_cookie)(link, "Alice"))
    fac, _ = await connect(session, await database_sync_to_async(facilitator_cookie)())
    await send_op(fac, "timer.start", {"minutes": 5}, op_id="t1")
    await next_of(comm, "timer")
    ack = await send_op(fac, "timer.pause", {}, op_id="t2")
    paused = await next_of(comm, "timer")
    assert (paused["ends_at"], paused["paused_left"]) == (None, ack["paused_left"])
    assert 295 <= ack["paused_left"] <= 300
    late, welcome = await connect(session, await database_sync_to_async(joined_cookie)(link, "Late"))
    assert welcome["timer"]["paused_left"] == ack["paused_left"]
    extended = await send_op(fac, "timer.extend", {"minutes": 5}, op_id="t3")
    assert extended["paused_left"] == ack["paused_left"] + 300
    await next_of(comm, "timer")
    resumed = await send_op(fac, "timer.resume", {}, op_id="t4")
    frame = await next_of(comm, "timer")
    assert (frame["ends_at"], frame["paused_left"]) == (resumed["ends_at"], None)
    error = await send_op(fac, "timer.resume", {}, op_id="t5")  # not paused now
    assert (error["type"], error["code"]) == ("error", "conflict")
    error = await send_op(comm, "timer.pause", {}, op_id="t6")  # participants do not run the room
    assert (error["type"], error["code"]) == ("error", "forbidden")
    for ws in (comm, late, fac):
        await ws.disconnect()


async def test_the_ticker_calls_the_groups_back_when_a_recalling_timer_ends(any_layer, settings):
    settings.LIVE_TICK = 0.05
    session = await database_sync_to_async(make_session)()
    link = await database_sync_to_async(make_link)(session)
    comm, _ = await connect(session, await database_sync_to_async(joined_cookie)(link, "Alice"))
    fac, _ = await connect(session, await database_sync_to_async(facilitator_cookie)())

    def open_groups():
        round_ = services.create_round(session=session, agenda_item=None, strategy="random", n_groups=1)
        services.open_round(round_=round_)
    await database_sync_to_async(open_groups)()
    await next_of(comm, "groups.opened")
    await send_op(fac, "timer.start", {"minutes": 1, "recall": True}, op_id="r1")
    assert (await next_of(comm, "timer"))["recalls"] is True
    # A minute later (moved back here rather than waited for): the ticker calls them back.
    await database_sync_to_async(lambda: Session.objects.filter(pk=session.pk).update(
        timer_ends_at=timezone.now()))()
    assert (await next_of(comm, "groups.recalled", timeout=5))["type"] == "groups.recalled"
    assert await database_sync_to_async(lambda: Session.objects.get(pk=session.pk).groups_open)() is False
    await comm.disconnect()
    await fac.disconnect()


async def test_a_late_joiner_gets_the_last_message_in_the_welcome_until_the_facilitator_clears_it(any_layer):
    session = await database_sync_to_async(make_session)()
    link = await database_sync_to_async(make_link)(session)
    fac, welcome = await connect(session, await database_sync_to_async(facilitator_cookie)())
    assert welcome["message"] is None
    await send_op(fac, "message.send", {"text": "Rapporteurs: two minutes"})
    comm, welcome = await connect(session, await database_sync_to_async(joined_cookie)(link, "Late"))
    sent_at = await database_sync_to_async(lambda: Session.objects.get(pk=session.pk).message_at)()
    assert welcome["message"] == {"text": "Rapporteurs: two minutes", "from": "fac", "at": sent_at.isoformat()}

    ack = await send_op(fac, "message.clear", {}, op_id="o2")
    assert ack == {"type": "ack", "op_id": "o2", "seq": ack["seq"]}
    assert await next_of(comm, "message.cleared") == {"type": "message.cleared", "seq": 2}
    await comm.send_to(text_data=json.dumps({"type": "refresh"}))
    assert (await next_of(comm, "welcome"))["message"] is None
    await comm.disconnect()
    await fac.disconnect()


async def test_a_participant_may_not_clear_the_message():
    session = await database_sync_to_async(make_session)()
    link = await database_sync_to_async(make_link)(session)
    await database_sync_to_async(services.send_message)(session=session, text="Stay", sender="Anna")
    comm, _ = await connect(session, await database_sync_to_async(joined_cookie)(link, "Alice"))
    error = await send_op(comm, "message.clear", {})
    assert (error["code"], error["op_id"]) == ("forbidden", "o1")
    text = await database_sync_to_async(lambda: Session.objects.get(pk=session.pk).message_text)()
    assert text == "Stay"
    await comm.disconnect()


async def test_the_current_agenda_item_reaches_participants(any_layer):
    session = await database_sync_to_async(make_session)()
    item = await database_sync_to_async(make_item)(session, title="Panel", kind="panel")
    link = await database_sync_to_async(make_link)(session)
    comm, _ = await connect(session, await database_sync_to_async(joined_cookie)(link, "Alice"))
    fac, _ = await connect(session, await database_sync_to_async(facilitator_cookie)())
    await send_op(fac, "agenda.set_current", {"item": item.pk})
    frame = await next_of(comm, "agenda.current")
    assert frame["item"]["title"] == "Panel"
    await comm.disconnect()
    await fac.disconnect()


async def test_a_participant_may_not_run_the_session_and_the_connection_stays_open():
    session = await database_sync_to_async(make_session)()
    link = await database_sync_to_async(make_link)(session)
    comm, _ = await connect(session, await database_sync_to_async(joined_cookie)(link, "Alice"))
    error = await send_op(comm, "timer.start", {"minutes": 5})
    assert error == {"type": "error", "code": "forbidden", "message": "your role may not do this", "op_id": "o1"}
    await comm.send_to(text_data=json.dumps({"type": "ping"}))
    assert (await next_of(comm, "pong"))["type"] == "pong"
    await comm.disconnect()


async def test_bad_payloads_get_an_invalid_error_naming_the_field():
    session = await database_sync_to_async(make_session)()
    fac, _ = await connect(session, await database_sync_to_async(facilitator_cookie)())
    error = await send_op(fac, "timer.start", {"minutes": "ten"})
    assert (error["code"], error["fields"]) == ("invalid", {"minutes": "between 1 and 240"})
    error = await send_op(fac, "message.send", {"text": "   "}, op_id="o2")
    assert (error["code"], error["fields"]) == ("invalid", {"text": "must not be empty"})
    error = await send_op(fac, "group.move", {"participant": 999999, "group": None}, op_id="o3")
    assert error["code"] == "not_found"
    await fac.disconnect()


async def test_a_participant_signals_help_and_the_facilitator_sees_it_at_once(any_layer):
    session = await database_sync_to_async(make_session)()
    link = await database_sync_to_async(make_link)(session)
    cookie = await database_sync_to_async(joined_cookie)(link, "Alice")
    round_ = await database_sync_to_async(running_round)(session, 1)
    fac, _ = await connect(session, await database_sync_to_async(facilitator_cookie)())
    comm, _ = await connect(session, cookie)
    ack = await send_op(comm, "signal.help", {})
    group = await database_sync_to_async(round_.groups.get)()
    assert ack == {"type": "ack", "op_id": "o1", "group": group.pk, "seq": ack["seq"]}
    frame = await next_of(fac, "signal")
    assert (frame["group"], frame["signal"], frame["by"]) == (group.pk, "help", "Alice")
    await comm.disconnect()
    await fac.disconnect()


async def test_an_observer_cannot_signal():
    session = await database_sync_to_async(make_session)()
    link = await database_sync_to_async(make_link)(session, role="observer")
    comm, welcome = await connect(session, await database_sync_to_async(joined_cookie)(link, "Olga"))
    assert welcome["me"]["role"] == "observer"
    error = await send_op(comm, "signal.done", {})
    assert error["code"] == "forbidden"
    await comm.disconnect()


async def test_facilitators_see_presence_coalesced_and_participants_do_not(any_layer, settings):
    settings.LIVE_TICK = 0.1
    session = await database_sync_to_async(make_session)()
    link = await database_sync_to_async(make_link)(session)
    cookies = [await database_sync_to_async(joined_cookie)(link, name) for name in ("A", "B", "C")]
    fac, _ = await connect(session, await database_sync_to_async(facilitator_cookie)())
    socks = [(await connect(session, c))[0] for c in cookies]
    frame = await next_of(fac, "presence")
    while frame["count"] < 3:
        frame = await next_of(fac, "presence")
    # One shape: the session's whole roster online now, not a list of changes.
    assert (frame["session"], frame["board"], sorted(p["name"] for p in frame["people"])) == (
        session.pk, None, ["A", "B", "C"])
    # Three joins within the window travel in far fewer frames than one per join per socket.
    assert await socks[0].receive_nothing(timeout=1.3)
    for sock in socks:
        await sock.disconnect()
    await fac.disconnect()


async def test_a_socket_without_a_joined_participant_is_refused():
    session = await database_sync_to_async(make_session)()
    comm = WebsocketCommunicator(config.asgi.application, f"/ws/sessions/{session.uuid}/", headers=[ORIGIN])
    connected, _ = await comm.connect()
    assert connected
    frame = json.loads(await comm.receive_from(timeout=5))
    assert (frame["type"], frame["code"]) == ("error", "unauthenticated")
    assert (await comm.receive_output(timeout=5))["type"] == "websocket.close"


async def test_a_resent_op_id_is_not_applied_twice():
    session = await database_sync_to_async(make_session)()
    link = await database_sync_to_async(make_link)(session)
    comm, _ = await connect(session, await database_sync_to_async(joined_cookie)(link, "Alice"))
    fac, _ = await connect(session, await database_sync_to_async(facilitator_cookie)())
    first = await send_op(fac, "message.send", {"text": "Once"}, op_id="same")
    again = await send_op(fac, "message.send", {"text": "Once"}, op_id="same")
    assert first == again == {"type": "ack", "op_id": "same", "seq": first["seq"]}
    assert (await next_of(comm, "message"))["text"] == "Once"
    assert await comm.receive_nothing(timeout=0.5)
    await comm.disconnect()
    await fac.disconnect()


async def test_self_select_lets_a_participant_take_a_place_until_the_group_is_full():
    session = await database_sync_to_async(make_session)()
    link = await database_sync_to_async(make_link)(session)
    cookies = [await database_sync_to_async(joined_cookie)(link, n) for n in ("Alice", "Bob")]
    round_ = await database_sync_to_async(services.create_round)(
        session=session, agenda_item=None, strategy="self_select", n_groups=2, cap=1)
    group = await database_sync_to_async(lambda: round_.groups.order_by("order").first())()
    alice, welcome = await connect(session, cookies[0])
    assert [(c["name"], c["taken"], c["cap"]) for c in welcome["choices"]] == [("Group 1", 0, 1), ("Group 2", 0, 1)]
    ack = await send_op(alice, "group.choose", {"group": group.pk})
    assert ack == {"type": "ack", "op_id": "o1", "group": group.pk, "seq": ack["seq"]}
    bob, _ = await connect(session, cookies[1])
    error = await send_op(bob, "group.choose", {"group": group.pk})
    assert (error["code"], error["message"]) == ("conflict", "this group is full")
    await alice.disconnect()
    await bob.disconnect()
