"""Privacy by default: new boards take their workshop's default attribution, and a copied
note (pulled, or carried into a later session) shows its author only as the boards it is
on and came from allow now. Every check reads the boards back from the database."""

from __future__ import annotations

import json

import pytest

from mapping import selectors, services
from mapping.models import Board, BoardEvent
from workshops.models import Workshop

from . import factories as f

pytestmark = pytest.mark.django_db


def _snapshot(board: Board) -> dict:
    fresh = Board.objects.select_related("session").get(pk=board.pk)
    return selectors.snapshot(fresh, selectors.board_access(fresh, None))


def _mode(board: Board, mode: str) -> None:
    services.apply_op(board=board, actor=f.facilitator_actor(), op="board.settings", op_id="",
                      data={"author_mode": mode})


def _named_group_note():
    """A named group board with Aigerim's note, and the session's plenary board."""
    sess = f.session(f.workshop(default_author_mode="named"))
    _, (group,) = f.breakout(sess, ["Group A"])
    aigerim = f.participant(sess.workshop, "Aigerim", country="KZ", stakeholder="teacher")
    f.member(group, aigerim)
    group_board = services.create_board(session=sess, group=group, template="blank")
    note = services.apply_op(board=group_board, actor=f.actor(aigerim), op="note.add", op_id="",
                             data={"text": "Open resources"})["id"]
    return sess, group_board, note


def _pull(target: Board, source: Board, notes: list[int]) -> dict:
    return services.apply_op(board=target, actor=f.facilitator_actor(), op="note.pull", op_id="",
                             data={"source_board": source.pk, "notes": notes})


def test_a_new_workshop_attributes_by_country_and_role(client):
    client.force_login(f.facilitator_user())
    form = client.get("/w/new/").context["form"]
    assert (form["default_author_mode"].value(), Workshop.objects.create(title="W", slug="w").default_author_mode) == (
        "by_role", "by_role")


def test_new_boards_take_the_workshops_default_unless_told_otherwise():
    ws = f.workshop(default_author_mode="anonymous")
    sess = f.session(ws)
    rnd, _groups = f.breakout(sess, ["Group A", "Group B"])
    plenary = services.ensure_plenary_board(session=sess)
    group_boards = services.ensure_group_boards(round=rnd)
    named = services.create_board(session=sess, template="blank", author_mode="named")
    modes = dict(Board.objects.values_list("pk", "author_mode"))
    assert ([modes[plenary.pk]], [modes[b.pk] for b in group_boards], modes[named.pk]) == (
        ["anonymous"], ["anonymous", "anonymous"], "named")


def test_an_input_board_follows_its_source_not_the_workshops_default():
    ws = f.workshop(default_author_mode="anonymous")
    first = f.session(ws)
    services.create_board(session=first, template="blank", author_mode="named")
    second = f.session(ws, builds_on=first)
    [sync] = services.sync_input_boards(session=second)
    assert Board.objects.get(pk=sync.board.pk).author_mode == "named"


def test_a_pulled_note_loses_the_name_when_its_group_board_becomes_anonymous():
    sess, group_board, note = _named_group_note()
    plenary = services.create_board(session=sess, template="blank", author_mode="named")
    [copy] = _pull(plenary, group_board, [note])["ids"]
    assert _snapshot(plenary)["notes"][0]["provenance"]["name"] == "Aigerim"
    _mode(group_board, "by_role")
    assert {k: _snapshot(plenary)["notes"][0]["provenance"].get(k) for k in ("name", "country")} == {
        "name": None, "country": "KZ"}
    _mode(group_board, "anonymous")
    [shown] = _snapshot(plenary)["notes"]
    assert (shown["id"], shown["author"], shown["provenance"]) == (copy, {}, {
        "board": group_board.pk, "note": note, "session": sess.pk, "session_title": sess.title, "group": "Group A"})
    assert "Aigerim" not in json.dumps(_snapshot(plenary))


def test_a_copy_on_an_anonymous_plenary_never_shows_a_name_or_role():
    sess, group_board, note = _named_group_note()
    plenary = services.create_board(session=sess, template="blank", author_mode="anonymous")
    ack = _pull(plenary, group_board, [note])
    shown = _snapshot(plenary)
    assert [(n["author"], sorted(n["provenance"])) for n in shown["notes"]] == [
        ({}, ["board", "group", "note", "session", "session_title"])]
    assert "Aigerim" not in json.dumps([shown, BoardEvent.objects.get(board=plenary, seq=ack["seq"]).data])
    # Made named again, the plenary shows the name, as its origin is still named.
    _mode(plenary, "named")
    assert _snapshot(plenary)["notes"][0]["provenance"]["name"] == "Aigerim"


def test_carried_and_re_pulled_copies_follow_the_boards_they_came_from():
    sess, group_board, note = _named_group_note()
    plenary = services.create_board(session=sess, template="blank", author_mode="named")
    _pull(plenary, group_board, [note])
    second = f.session(sess.workshop, builds_on=sess)
    [sync] = services.sync_input_boards(session=second)
    [carried] = _snapshot(sync.board)["notes"]
    own = services.create_board(session=second, template="blank", author_mode="named")
    _pull(own, sync.board, [carried["id"]])
    assert [_snapshot(b)["notes"][0]["provenance"].get("name") for b in (sync.board, own)] == ["Aigerim", "Aigerim"]
    # The group board where the note was written becomes anonymous: no copy names her.
    _mode(group_board, "anonymous")
    for board in (plenary, sync.board, own):
        assert "Aigerim" not in json.dumps(_snapshot(board))
    # Session one's plenary goes by role: its input board follows, so does the copy pulled from it.
    _mode(group_board, "named")
    _mode(plenary, "by_role")
    services.sync_input_boards(session=second)
    assert [_snapshot(b)["notes"][0]["provenance"].get("name") for b in (sync.board, own)] == [None, None]
    assert _snapshot(own)["notes"][0]["provenance"]["country"] == "KZ"
