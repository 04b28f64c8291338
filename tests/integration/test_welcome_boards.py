"""Over the socket: the welcome's "boards" follow the session after a `refresh` -- the
plenary board at first, the person's group board (made then) when groups open and when
they are moved, the plenary board again when everyone is called back."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

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
        rnd, (ga, gb) = f.breakout(sess, ["A", "B"], open_groups=False)
        person = f.participant(sess.workshop)
        f.member(ga, person)
        return sess, rnd, ga, gb, person, f.participant_cookie(person)

    sess, rnd, ga, gb, person, cookie = await sync_to_async(setup)()
    ws, welcome = await connect(sess.uuid, cookie)
    try:
        plenary = await sync_to_async(Board.objects.get)(session=sess, group__isnull=True)
        assert _kinds(welcome) == [("plenary", None)]
        assert welcome["boards"][0]["plenary"] == plenary.pk

        await sync_to_async(workshop_services.open_round)(round_=rnd)
        await ws.next("groups.opened")
        await ws.send({"type": "refresh"})
        assert _kinds(await ws.next("welcome")) == [("group", ga.pk)]

        await sync_to_async(workshop_services.move_participant)(round_=rnd, participant=person, group=gb)
        await ws.next("moved")
        await ws.send({"type": "refresh"})
        assert _kinds(await ws.next("welcome")) == [("group", gb.pk)]

        await sync_to_async(workshop_services.recall)(session=await sync_to_async(lambda: rnd.session)())
        await ws.next("groups.recalled")
        await ws.send({"type": "refresh"})
        assert _kinds(await ws.next("welcome")) == [("plenary", None)]
    finally:
        await ws.close()
