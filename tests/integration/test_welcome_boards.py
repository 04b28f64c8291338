"""Over the socket, rights follow the present without the client asking: when groups
open, when a person is moved and when everyone is called back, the server itself re-reads
the person's rights, sends a new welcome with the boards they should see, and stops
sending a board they may no longer see (`unsubscribed`, reason `revoked`) -- a moved
participant receives nothing more of their old group's board, not even after `refresh`."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from live import services as live_services
from mapping import services
from mapping.models import Board
from tests.mapping import factories as f
from tests.mapping.wsclient import connect
from workshops import services as workshop_services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _kinds(welcome):
    return [(b["kind"], b["group"]) for b in welcome["boards"]]


async def test_the_welcomes_boards_follow_groups_opening_a_move_and_the_recall(any_layer):
    def setup():
        sess = f.session()
        services.ensure_plenary_board(session=sess)
        rnd, (ga, gb) = f.breakout(sess, ["A", "B"], open_groups=False)
        person, other = f.participant(sess.workshop), f.participant(sess.workshop)
        f.member(ga, person)
        f.member(ga, other)
        return sess, rnd, ga, gb, person, f.participant_cookie(person), other

    sess, rnd, ga, gb, person, cookie, other = await sync_to_async(setup)()
    ws, welcome = await connect(sess.uuid, cookie)
    try:
        plenary = await sync_to_async(Board.objects.get)(session=sess, group__isnull=True)
        assert _kinds(welcome) == [("plenary", None)]
        assert welcome["boards"][0]["plenary"] == plenary.pk

        await sync_to_async(live_services.open_round)(round_=rnd)
        pushed = await ws.next("welcome")  # no refresh sent: the server re-read the rights
        assert _kinds(pushed) == [("group", ga.pk)]
        board_a = pushed["boards"][0]["id"]
        assert (await ws.subscribe(board_a))[0]["type"] == "snapshot"

        await sync_to_async(workshop_services.move_participant)(round_=rnd, participant=person, group=gb)
        assert await ws.next("unsubscribed") == {"type": "unsubscribed", "board": board_a, "reason": "revoked"}
        assert _kinds(await ws.next("welcome")) == [("group", gb.pk)]
        # Group A goes on writing: the person moved out sees none of it, even after refresh.
        await sync_to_async(services.apply_op)(board=board_a, actor=f.actor(other), op="note.add", op_id="a1",
                                               data={"text": "only for group A"})
        await ws.send({"type": "refresh"})
        await ws.next("welcome")
        await ws.nothing_more(lambda fr: fr.get("board") == board_a and fr["type"] in {"event", "snapshot"})
        again = await ws.subscribe(board_a)
        assert (again[0]["type"], again[0]["code"]) == ("error", "not_found")

        await sync_to_async(workshop_services.recall)(session=await sync_to_async(lambda: rnd.session)())
        assert _kinds(await ws.next("welcome")) == [("plenary", None)]
    finally:
        await ws.close()


async def test_a_board_added_from_the_console_is_offered_to_everyone_without_a_reload(any_layer):
    def setup():
        sess = f.session()
        services.ensure_plenary_board(session=sess)
        person = f.participant(sess.workshop)
        return sess, f.participant_cookie(person)

    sess, cookie = await sync_to_async(setup)()
    ws, welcome = await connect(sess.uuid, cookie)
    try:
        assert _kinds(welcome) == [("plenary", None)]
        board = await sync_to_async(live_services.add_board)(session=sess, template="reflection", title="Reflection")
        pushed = await ws.next("welcome")  # no refresh sent
        assert [(b["id"], b["kind"], b["template"]) for b in pushed["boards"]][1:] == [
            (board.pk, "plenary", "reflection")]
        assert (await ws.subscribe(board.pk))[0]["type"] == "snapshot"
    finally:
        await ws.close()
