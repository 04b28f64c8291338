"""Pulls are idempotent per source note and target board; the source board learns where
its notes went (`note.pulled`, and `pulled` in the snapshot)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mapping import selectors, services
from mapping.models import Board, BoardEvent, Cluster, Link, Note
from realtime.errors import DomainError

from . import factories as f

pytestmark = pytest.mark.django_db


def _group_and_plenary():
    """A group board with three notes (a -> b linked, a and b in cluster "Resources")
    and the session's plenary board."""
    sess = f.session()
    _, (group,) = f.breakout(sess, ["Group A"])
    source = services.create_board(session=sess, group=group, template="blank")
    plenary = services.create_board(session=sess, template="blank")

    def add(text):
        return services.apply_op(board=source, actor=None, op="note.add", op_id="", data={"text": text})["id"]

    a, b, c = add("a"), add("b"), add("c")
    services.apply_op(board=source, actor=None, op="link.add", op_id="", data={"source": a, "target": b,
                                                                               "label": "needs"})
    cluster = services.apply_op(board=source, actor=None, op="cluster.add", op_id="",
                                data={"name": "Resources", "notes": [a, b]})["id"]
    return source, plenary, (a, b, c), cluster


def _pull(plenary, source, **data):
    return services.apply_op(board=plenary, actor=f.facilitator_actor(), op="note.pull", op_id="",
                             data={"source_board": source.pk, **data})


def _event(board, seq):
    return BoardEvent.objects.get(board=board, seq=seq)


def test_second_pull_returns_existing_copy():
    source, plenary, (a, _, _), _ = _group_and_plenary()
    first = _pull(plenary, source, notes=[a])
    again = _pull(plenary, source, notes=[a])
    assert first["existing"] == []
    assert again["ids"] == first["ids"]
    assert again["existing"] == first["ids"]
    assert again["seq"] == first["seq"] + 1
    assert _event(plenary, again["seq"]).data == {"notes": [], "links": [], "cluster": None,
                                                 "existing": first["ids"]}
    assert list(Note.objects.filter(board=plenary).values_list("id", flat=True)) == first["ids"]


def test_second_pull_of_a_cluster_makes_no_new_note_link_or_cluster():
    source, plenary, _, cluster = _group_and_plenary()
    first = _pull(plenary, source, cluster=cluster)
    again = _pull(plenary, source, cluster=cluster)
    assert again["ids"] == first["ids"]
    assert again["existing"] == first["ids"]
    assert Note.objects.filter(board=plenary).count() == 2
    assert Link.objects.filter(board=plenary).count() == 1
    assert Cluster.objects.filter(board=plenary).count() == 1


def test_pull_of_a_mix_copies_only_the_notes_not_yet_there_and_links_them_once():
    source, plenary, (a, b, c), _ = _group_and_plenary()
    [copy_a] = _pull(plenary, source, notes=[a])["ids"]
    ack = _pull(plenary, source, notes=[c, a, b])
    copy_c, again_a, copy_b = ack["ids"]
    assert again_a == copy_a
    assert ack["existing"] == [copy_a]
    assert sorted(Note.objects.filter(board=plenary).values_list("source_note_id", flat=True)) == [a, b, c]
    event = _event(plenary, ack["seq"])
    assert [n["id"] for n in event.data["notes"]] == [copy_c, copy_b]
    assert event.data["existing"] == [copy_a]
    # The link a -> b came along once copy b existed, and is not doubled by a third pull.
    _pull(plenary, source, notes=[a, b])
    assert list(Link.objects.filter(board=plenary).values_list("source_id", "target_id", "label")) == [
        (copy_a, copy_b, "needs")]


def test_a_deleted_copy_may_be_pulled_again():
    source, plenary, (a, _, _), _ = _group_and_plenary()
    [copy] = _pull(plenary, source, notes=[a])["ids"]
    services.apply_op(board=plenary, actor=f.facilitator_actor(), op="note.delete", op_id="", data={"id": copy})
    ack = _pull(plenary, source, notes=[a])
    assert ack["existing"] == []
    assert ack["ids"] != [copy]
    assert Note.objects.filter(board=plenary, deleted_at__isnull=True).count() == 1


def test_the_database_refuses_a_second_live_copy():
    from django.db import IntegrityError, transaction

    source, plenary, (a, _, _), _ = _group_and_plenary()
    _pull(plenary, source, notes=[a])
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(board=plenary, text="dup", source_note_id=a)


def test_pull_tells_the_source_board_where_its_notes_went():
    source, plenary, (a, b, _), _ = _group_and_plenary()
    head = Board.objects.get(pk=source.pk).head_seq
    _pull(plenary, source, notes=[a, b])
    event = _event(source, head + 1)
    assert (event.op, event.data, event.actor_participant_id, event.actor_user_id) == (
        "note.pulled", {"notes": {str(a): [plenary.pk], str(b): [plenary.pk]}}, None, None)
    # Nothing new copied: nothing new to tell the source board.
    _pull(plenary, source, notes=[a])
    assert Board.objects.get(pk=source.pk).head_seq == head + 1


def test_pulled_field_in_snapshot():
    source, plenary, (a, b, c), _ = _group_and_plenary()
    other = services.create_board(session=source.session, template="blank", title="Second plenary")
    _pull(plenary, source, notes=[a, b])
    _pull(other, source, notes=[a])
    [copy_b] = Note.objects.filter(board=plenary, source_note_id=b).values_list("id", flat=True)
    services.apply_op(board=plenary, actor=f.facilitator_actor(), op="note.delete", op_id="", data={"id": copy_b})
    board = Board.objects.select_related("session").get(pk=source.pk)
    snap = selectors.snapshot(board, selectors.board_access(board, None))
    assert {n["id"]: n["pulled"] for n in snap["notes"]} == {a: [plenary.pk, other.pk], b: [], c: []}


def test_copies_on_input_boards_do_not_count_as_pulled():
    first = f.session()
    plenary = services.create_board(session=first, template="blank")
    note = services.apply_op(board=plenary, actor=None, op="note.add", op_id="", data={"text": "x"})["id"]
    second = f.session(first.workshop, builds_on=first)
    services.sync_input_boards(session=second)
    board = Board.objects.select_related("session").get(pk=plenary.pk)
    [shown] = selectors.snapshot(board, selectors.board_access(board, None))["notes"]
    assert (shown["id"], shown["pulled"]) == (note, [])


@pytest.mark.parametrize("n", [1, 3])
def test_snapshot_query_count_with_pulled_notes_does_not_grow(n):
    sess = f.session()
    _, (group,) = f.breakout(sess, ["A"])
    source = services.create_board(session=sess, group=group, template="blank")
    targets = [services.create_board(session=sess, template="blank", title=f"T{i}") for i in range(2)]
    ids = [services.apply_op(board=source, actor=None, op="note.add", op_id="", data={"text": str(i)})["id"]
           for i in range(n)]
    for target in targets:
        _pull(target, source, notes=ids)
    person = f.participant(sess.workshop)
    f.member(group, person)
    board = Board.objects.select_related("session").get(pk=source.pk)
    access = selectors.board_access(board, f.actor(person))
    with CaptureQueriesContext(connection) as queries:
        snap = selectors.snapshot(board, access)
    assert [n["pulled"] for n in snap["notes"]] == [[t.pk for t in targets]] * n
    assert len(queries) == 9  # a group board: + is this member its rapporteur


@pytest.mark.parametrize("op", ["note.pulled", "board.sync"])
def test_system_ops_are_refused_to_everyone_else(op):
    source, plenary, (a, _, _), _ = _group_and_plenary()
    data = {"notes": [a]} if op == "note.pulled" else {}
    person = f.participant(source.session.workshop)
    f.member(source.group, person)
    for actor in (f.facilitator_actor(), f.actor(person)):
        with pytest.raises(DomainError) as err:
            services.apply_op(board=source, actor=actor, op=op, op_id="", data=data)
        assert err.value.code == "forbidden"


def test_system_note_pulled_reannounces_where_notes_are():
    source, plenary, (a, b, _), _ = _group_and_plenary()
    _pull(plenary, source, notes=[a])
    ack = services.apply_op(board=source, actor=None, op="note.pulled", op_id="", data={"notes": [a, b]})
    assert _event(source, ack["seq"]).data == {"notes": {str(a): [plenary.pk], str(b): []}}
