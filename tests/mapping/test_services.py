"""Board services without the socket: templates, group boards, input boards, pulls and
their provenance, merges, what each socket is offered, snapshot query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from live import boards as live_boards
from live.connection import read_connection
from mapping import selectors, services
from mapping.models import Board, BoardEvent, Link, Note, Vote

from . import factories as f

pytestmark = pytest.mark.django_db


def test_templates_create_the_seed_categories():
    sess = f.session()
    names = {
        t: [c.name for c in services.create_board(session=sess, template=t).categories.order_by("order")]
        for t in Board.Template.values
    }
    assert names == {
        "concept_map": ["Goals & Vision", "Envisaging digital and online learning", "Threats", "Obstacles",
                        "Enablers"],
        "reflection": ["What worked well", "What worked less well", "What did not work at all",
                       "What could have helped"],
        "proposals": ["Proposals for regional cooperation"],
        "blank": [],
    }


def test_ensure_plenary_board_is_idempotent_and_ignores_group_and_input_boards():
    sess = f.session()
    _, (group,) = f.breakout(sess, ["A"])
    services.create_board(session=sess, group=group, template="reflection")
    board = services.ensure_plenary_board(session=sess, template="proposals")
    assert services.ensure_plenary_board(session=sess) == board
    assert (board.template, board.group_id, board.title) == ("proposals", None, "Regional cooperation proposals")


def test_ensure_group_boards_makes_one_board_per_group_once():
    sess = f.session()
    services.create_board(session=sess, template=Board.Template.REFLECTION)
    rnd, groups = f.breakout(sess, ["A", "B", "C"])
    first = services.ensure_group_boards(round=rnd)
    again = services.ensure_group_boards(round=rnd)
    assert [b.pk for b in first] == [b.pk for b in again]
    assert [(b.title, b.template, b.group_id) for b in first] == [
        ("A", "reflection", groups[0].pk), ("B", "reflection", groups[1].pk), ("C", "reflection", groups[2].pk)]


def _named_board_with_notes(mode: str):
    sess = f.session()
    rnd, (group,) = f.breakout(sess, ["Group A"])
    author = f.participant(sess.workshop, "Aigerim", country="KZ", stakeholder="teacher")
    f.member(group, author)
    board = services.create_board(session=sess, group=group, template="concept_map", author_mode=mode)
    note = services.apply_op(board=board, actor=f.actor(author), op="note.add", op_id="a",
                             data={"text": "Open resources", "category": board.categories.first().pk})["id"]
    plenary = services.create_board(session=sess, template="concept_map")
    return sess, board, plenary, note


@pytest.mark.parametrize(("mode", "expected_extra"), [
    ("named", {"country": "KZ", "stakeholder": "teacher", "name": "Aigerim"}),
    ("by_role", {"country": "KZ", "stakeholder": "teacher"}),
    ("anonymous", {}),
])
def test_pulled_note_keeps_provenance_without_names_unless_the_source_was_named(mode, expected_extra):
    sess, source, plenary, note = _named_board_with_notes(mode)
    fac = f.facilitator_actor()
    ack = services.apply_op(board=plenary, actor=fac, op="note.pull", op_id="p",
                            data={"source_board": source.pk, "notes": [note]})
    copy = Note.objects.get(pk=ack["ids"][0])
    assert copy.provenance == {"board": source.pk, "note": note, "session": sess.pk, "session_title": sess.title,
                               "group": "Group A", **expected_extra}
    assert copy.author_id is None
    assert copy.category.name == "Goals & Vision"
    assert copy.source_note_id == note


def test_provenance_name_is_hidden_on_a_board_that_is_not_named():
    sess, source, plenary, note = _named_board_with_notes("named")
    fac = f.facilitator_actor()
    services.apply_op(board=plenary, actor=fac, op="note.pull", op_id="p", data={"source_board": source.pk,
                                                                                 "notes": [note]})
    services.apply_op(board=plenary, actor=fac, op="board.settings", op_id="s", data={"author_mode": "by_role"})
    plenary.refresh_from_db()
    [shown] = selectors.snapshot(plenary, selectors.board_access(plenary, fac))["notes"]
    assert "name" not in shown["provenance"]
    assert shown["provenance"]["country"] == "KZ"


def test_pulling_a_cluster_copies_its_name_notes_and_inner_links():
    sess, source, plenary, note = _named_board_with_notes("named")
    other = services.apply_op(board=source, actor=None, op="note.add", op_id="", data={"text": "Platform"})["id"]
    services.apply_op(board=source, actor=None, op="link.add", op_id="", data={"source": note, "target": other,
                                                                               "label": "needs"})
    cluster = services.apply_op(board=source, actor=None, op="cluster.add", op_id="",
                                data={"name": "Resources", "notes": [note, other]})["id"]
    ack = services.apply_op(board=plenary, actor=f.facilitator_actor(), op="note.pull", op_id="c",
                            data={"source_board": source.pk, "cluster": cluster})
    copies = list(Note.objects.filter(pk__in=ack["ids"]).order_by("id"))
    assert [n.text for n in copies] == ["Open resources", "Platform"]
    assert {n.cluster.name for n in copies} == {"Resources"}
    assert list(Link.objects.filter(board=plenary).values_list("source_id", "target_id", "label")) == [
        (copies[0].pk, copies[1].pk, "needs")]


def test_sync_input_boards_copies_the_plenary_board_into_a_read_only_input_board_once():
    first = f.session()
    plenary = services.create_board(session=first, template="concept_map", author_mode="by_role")
    p = f.participant(first.workshop, "Aigerim")
    services.apply_op(board=plenary, actor=f.actor(p), op="note.add", op_id="1",
                      data={"text": "Goal one", "category": plenary.categories.first().pk})
    services.apply_op(board=plenary, actor=f.actor(p), op="note.add", op_id="2", data={"text": "Gone"})
    services.apply_op(board=plenary, actor=f.actor(p), op="note.delete", op_id="3",
                      data={"id": Note.objects.get(text="Gone").pk})
    second = f.session(first.workshop, builds_on=first)
    [input_board] = [s.board for s in services.sync_input_boards(session=second)]
    assert [s.board for s in services.sync_input_boards(session=second)] == [input_board]
    assert (input_board.read_only_input, input_board.source_board_id, input_board.session_id) == (
        True, plenary.pk, second.pk)
    [copied] = Note.objects.filter(board=input_board)
    assert copied.text == "Goal one"
    assert copied.category.name == "Goals & Vision"
    assert copied.provenance == {"board": plenary.pk, "note": copied.source_note_id, "session": first.pk,
                                 "session_title": first.title, "country": "KZ", "stakeholder": "teacher"}
    # Its notes can be pulled into the new session's own boards, provenance kept.
    new_plenary = services.create_board(session=second, template="concept_map")
    ack = services.apply_op(board=new_plenary, actor=f.facilitator_actor(), op="note.pull", op_id="x",
                            data={"source_board": input_board.pk, "notes": [copied.pk]})
    assert Note.objects.get(pk=ack["ids"][0]).provenance == copied.provenance


def test_merge_moves_votes_comments_and_links_and_drops_duplicates():
    sess = f.session()
    board = services.create_board(session=sess, template="blank")
    p = f.participant(sess.workshop)
    add = lambda text: services.apply_op(board=board, actor=f.actor(p), op="note.add", op_id="", data={"text": text})["id"]  # noqa: E731,E501
    a, b, c = add("a"), add("b"), add("c")
    for source, target in ((a, c), (b, c), (a, b)):
        services.apply_op(board=board, actor=None, op="link.add", op_id="", data={"source": source, "target": target})
    services.apply_op(board=board, actor=f.actor(p), op="vote.add", op_id="", data={"note": b})
    services.apply_op(board=board, actor=f.actor(p), op="comment.add", op_id="", data={"note": b, "text": "hm"})
    services.apply_op(board=board, actor=f.facilitator_actor(), op="note.merge", op_id="m",
                      data={"into": a, "from": b})
    assert Vote.objects.filter(note_id=a).count() == 1
    assert Note.objects.get(pk=a).comments.count() == 1
    assert Note.objects.get(pk=b).deleted_at is not None
    assert sorted(Link.objects.filter(board=board).values_list("source_id", "target_id")) == [(a, c)]


def test_boards_for_offers_the_group_board_while_groups_run_else_plenary_plus_input():
    first = f.session()
    services.create_board(session=first, template="concept_map")
    sess = f.session(first.workshop, builds_on=first)
    plenary = services.create_board(session=sess, template="proposals")
    [input_board] = [s.board for s in services.sync_input_boards(session=sess)]
    rnd, (ga, gb) = f.breakout(sess, ["A", "B"], open_groups=False)
    p = f.participant(sess.workshop)
    f.member(ga, p)
    board_a, board_b = services.ensure_group_boards(round=rnd)
    sess.refresh_from_db()

    def offered(actor):
        return [(b["id"], b["kind"]) for b in read_connection(actor, sess.pk).welcome["boards"]]

    assert offered(f.actor(p)) == [(plenary.pk, "plenary"), (input_board.pk, "input")]
    rnd.opened_at = sess.starts_at
    rnd.save()
    sess.groups_open = True
    sess.save()
    assert offered(f.actor(p)) == [(board_a.pk, "group"), (input_board.pk, "input")]
    assert offered(f.facilitator_actor()) == [
        (plenary.pk, "plenary"), (board_a.pk, "group"), (board_b.pk, "group"), (input_board.pk, "input")]


@pytest.mark.parametrize("n", [1, 3])
def test_snapshot_query_count_does_not_grow_with_notes(n):
    sess = f.session()
    board = services.create_board(session=sess, template="concept_map")
    p = f.participant(sess.workshop)
    ids = []
    for i in range(n):
        ids.append(services.apply_op(board=board, actor=f.actor(p), op="note.add", op_id=f"n{i}",
                                     data={"text": f"note {i}", "category": board.categories.first().pk})["id"])
        services.apply_op(board=board, actor=f.actor(p), op="vote.add", op_id=f"v{i}", data={"note": ids[-1]})
        services.apply_op(board=board, actor=f.actor(p), op="comment.add", op_id=f"c{i}",
                          data={"note": ids[-1], "text": "yes"})
    if n > 1:
        services.apply_op(board=board, actor=f.actor(p), op="link.add", op_id="l",
                          data={"source": ids[0], "target": ids[1]})
    board = Board.objects.select_related("session").get(pk=board.pk)
    access = selectors.board_access(board, f.actor(p))
    with CaptureQueriesContext(connection) as queries:
        snap = selectors.snapshot(board, access)
    assert len(snap["notes"]) == n
    assert len(queries) == 8


def test_heads_for_many_boards_take_one_query():
    sess = f.session()
    boards = [services.create_board(session=sess, template="blank") for _ in range(3)]
    services.apply_op(board=boards[1], actor=None, op="note.add", op_id="", data={"text": "x"})
    with CaptureQueriesContext(connection) as queries:
        heads = live_boards.heads([b.pk for b in boards])
    assert heads == {str(boards[0].pk): 0, str(boards[1].pk): 1, str(boards[2].pk): 0}
    assert len(queries) == 1


def test_arrange_places_many_notes_in_one_event_and_refuses_bad_moves_whole():
    from realtime.errors import DomainError

    sess = f.session()
    board = services.create_board(session=sess, template="concept_map")
    person = f.participant(sess.workshop)
    actor = f.actor(person)
    ids = [services.apply_op(board=board, actor=actor, op="note.add", op_id="", data={"text": f"n{i}"})["id"]
           for i in range(3)]
    secret = services.apply_op(board=board, actor=actor, op="note.add", op_id="", data={"text": "mine"})["id"]
    Note.objects.filter(pk=secret).update(private=True)
    head = Board.objects.get(pk=board.pk).head_seq
    untouched = Note.objects.get(pk=ids[1]).x
    ack = services.apply_op(board=board, actor=actor, op="note.arrange", op_id="a1",
                            data={"moves": [[ids[2], 10, 20], [ids[0], -5.5, 7]]})
    assert ack["seq"] == head + 1
    xs = dict(Note.objects.filter(pk__in=ids).values_list("pk", "x"))
    assert xs == {ids[0]: -5.5, ids[1]: untouched, ids[2]: 10.0}
    event = BoardEvent.objects.get(board=board, seq=head + 1)
    assert (event.op, event.data) == ("note.arrange", {"moves": [[ids[0], -5.5, 7.0], [ids[2], 10.0, 20.0]]})
    for moves, code in [([[ids[0], 1, 1], [999999, 1, 1]], "not_found"), ([[secret, 1, 1]], "invalid"),
                        ([[ids[0], 1, 1], [ids[0], 2, 2]], "invalid"), ([[ids[0], float("inf"), 1]], "invalid"),
                        ([[ids[0], 1]], "invalid"), ([], "invalid"), ([[i, 0, 0] for i in range(201)], "invalid")]:
        with pytest.raises(DomainError) as refused:
            services.apply_op(board=board, actor=actor, op="note.arrange", op_id="", data={"moves": moves})
        assert refused.value.code == code, moves
    assert Note.objects.get(pk=ids[0]).x == -5.5  # nothing of a refused arrangement was applied
    assert Board.objects.get(pk=board.pk).head_seq == head + 1
