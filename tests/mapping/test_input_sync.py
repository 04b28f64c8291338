"""Input boards follow session one's plenary: sync_input_boards makes them once and
mirrors notes, clusters, links, comments and votes as they are now; the preview counts
what a sync would do; ops on the source board sync them after commit."""

from __future__ import annotations

import pytest

from mapping import selectors, services
from mapping.models import Board, BoardEvent, Cluster, Comment, Link, Note, Vote

from . import factories as f

pytestmark = pytest.mark.django_db

ZERO = dict.fromkeys(services.SYNC_KEYS, 0)


def _sessions():
    """Session one with a by-role concept-map plenary and two participants; session two
    builds on it."""
    first = f.session()
    plenary = services.create_board(session=first, template="concept_map", author_mode="by_role")
    p1 = f.participant(first.workshop, "Aigerim", country="KZ", stakeholder="teacher")
    p2 = f.participant(first.workshop, "Bakyt", country="KG", stakeholder="school_manager")
    second = f.session(first.workshop, builds_on=first)
    return first, plenary, p1, p2, second


def _op(board, who, op, data):
    return services.apply_op(board=board, actor=f.actor(who) if who else None, op=op, op_id="", data=data)


def _state(board):
    """The input board as a viewer sees it, ids replaced by the source's where they mirror."""
    board = Board.objects.select_related("session").get(pk=board.pk)
    snap = selectors.snapshot(board, selectors.board_access(board, None))
    src = dict(Note.objects.filter(board=board).values_list("id", "source_note_id"))
    clusters = dict(Cluster.objects.filter(board=board).values_list("id", "name"))
    return {
        "notes": sorted((src[n["id"]], n["text"], n["votes"], clusters.get(n["cluster"])) for n in snap["notes"]),
        "links": sorted((src[link["source"]], src[link["target"]], link["label"]) for link in snap["links"]),
        "comments": [(src[c["note"]], c["text"], c["author"]) for c in snap["comments"]],
    }


def _counts(sync, **nonzero):
    return sync.counts() == {**ZERO, **nonzero}


def test_input_board_created_once():
    first, plenary, p1, _, second = _sessions()
    note = _op(plenary, p1, "note.add", {"text": "Goal one", "category": plenary.categories.first().pk})["id"]
    [made] = services.sync_input_boards(session=second)
    [again] = services.sync_input_boards(session=second)
    assert (made.created, again.created, made.board.pk) == (True, False, again.board.pk)
    assert made.counts() == {**ZERO, "added": 1}
    assert again.counts() == ZERO
    board = made.board
    assert (board.read_only_input, board.source_board_id, board.session_id, board.template, board.title,
            board.author_mode) == (True, plenary.pk, second.pk, "concept_map", plenary.title, "by_role")
    assert list(board.categories.values_list("name", flat=True)) == list(
        plenary.categories.values_list("name", flat=True))
    [copy] = Note.objects.filter(board=board)
    assert (copy.text, copy.category.name, copy.source_note_id, copy.author_id) == (
        "Goal one", "Goals & Vision", note, None)
    assert Board.objects.filter(session=second, read_only_input=True).count() == 1


def test_provenance_kept():
    first, plenary, p1, _, second = _sessions()
    note = _op(plenary, p1, "note.add", {"text": "Goal one"})["id"]
    [sync] = services.sync_input_boards(session=second)
    [copy] = Note.objects.filter(board=sync.board)
    assert copy.provenance == {"board": plenary.pk, "note": note, "session": first.pk, "session_title": first.title,
                               "country": "KZ", "stakeholder": "teacher"}
    # Pulled on into session two's own plenary, the provenance travels along.
    own = services.create_board(session=second, template="concept_map")
    ack = services.apply_op(board=own, actor=f.facilitator_actor(), op="note.pull", op_id="",
                            data={"source_board": sync.board.pk, "notes": [copy.pk]})
    assert Note.objects.get(pk=ack["ids"][0]).provenance == copy.provenance


def test_sync_follows_an_edit_and_a_delete():
    first, plenary, p1, _, second = _sessions()
    cats = list(plenary.categories.order_by("order"))
    kept = _op(plenary, p1, "note.add", {"text": "Goal", "category": cats[0].pk})["id"]
    gone = _op(plenary, p1, "note.add", {"text": "Gone soon"})["id"]
    [sync] = services.sync_input_boards(session=second)
    _op(plenary, p1, "note.edit", {"id": kept, "text": "Goal, edited", "category": cats[2].pk,
                                   "colour": "#ff0000"})
    _op(plenary, p1, "note.move", {"id": kept, "x": 5.0, "y": 6.0})
    _op(plenary, p1, "note.delete", {"id": gone})
    [sync] = services.sync_input_boards(session=second)
    assert _counts(sync, updated=1, removed=1)
    [copy] = Note.objects.filter(board=sync.board, deleted_at__isnull=True)
    assert (copy.source_note_id, copy.text, copy.category.name, copy.colour, copy.x, copy.y) == (
        kept, "Goal, edited", "Threats", "#ff0000", 5.0, 6.0)


def test_sync_follows_votes_comments_clusters_and_links_made_after_the_first_sync():
    first, plenary, p1, p2, second = _sessions()
    a = _op(plenary, p1, "note.add", {"text": "a"})["id"]
    b = _op(plenary, p2, "note.add", {"text": "b"})["id"]
    [sync] = services.sync_input_boards(session=second)
    assert _state(sync.board) == {"notes": [(a, "a", 0, None), (b, "b", 0, None)], "links": [], "comments": []}
    _op(plenary, p1, "vote.add", {"note": b})
    _op(plenary, p2, "vote.add", {"note": b})
    _op(plenary, p2, "comment.add", {"note": a, "text": "Also in Naryn"})
    _op(plenary, p1, "cluster.add", {"name": "Access", "notes": [a, b]})
    _op(plenary, p1, "link.add", {"source": a, "target": b, "label": "leads to"})
    [sync] = services.sync_input_boards(session=second)
    assert _counts(sync, updated=2, links=1, comments=1, votes=2, clusters=1)
    assert _state(sync.board) == {
        "notes": [(a, "a", 0, "Access"), (b, "b", 2, "Access")],
        "links": [(a, b, "leads to")],
        "comments": [(a, "Also in Naryn", {"country": "KG", "stakeholder": "school_manager"})],
    }
    copy_b = Note.objects.get(board=sync.board, source_note_id=b)
    assert sorted(Vote.objects.filter(note=copy_b).values_list("voter_id", flat=True)) == sorted([p1.pk, p2.pk])
    assert Comment.objects.get(note__board=sync.board).author_id == p2.pk
    # Taken back in session one: taken back on the input board too.
    link = Link.objects.get(board=plenary)
    _op(plenary, p1, "vote.remove", {"note": b})
    _op(plenary, p1, "link.edit", {"id": link.pk, "label": "enables"})
    _op(plenary, p1, "cluster.rename", {"id": Cluster.objects.get(board=plenary).pk, "name": "Connectivity"})
    [sync] = services.sync_input_boards(session=second)
    assert _counts(sync, links=1, votes=1, clusters=1)
    assert _state(sync.board) == {
        "notes": [(a, "a", 0, "Connectivity"), (b, "b", 1, "Connectivity")],
        "links": [(a, b, "enables")],
        "comments": [(a, "Also in Naryn", {"country": "KG", "stakeholder": "school_manager"})],
    }


def test_private_notes_stay_out_until_revealed():
    first, plenary, p1, _, second = _sessions()
    services.apply_op(board=plenary, actor=f.facilitator_actor(), op="board.settings", op_id="",
                      data={"private_until_reveal": True})
    _op(plenary, p1, "note.add", {"text": "secret"})
    [sync] = services.sync_input_boards(session=second)
    assert (sync.counts(), Note.objects.filter(board=sync.board).count()) == (ZERO, 0)
    services.apply_op(board=plenary, actor=f.facilitator_actor(), op="board.reveal", op_id="", data={})
    [sync] = services.sync_input_boards(session=second)
    assert _counts(sync, added=1)


def test_preview_counts_equal_the_applied_counts():
    first, plenary, p1, p2, second = _sessions()
    a = _op(plenary, p1, "note.add", {"text": "a"})["id"]
    b = _op(plenary, p2, "note.add", {"text": "b"})["id"]
    _op(plenary, p1, "link.add", {"source": a, "target": b})
    _op(plenary, p1, "vote.add", {"note": a})
    [before] = services.preview_input_sync(session=second)
    assert (before.board, before.created, before.counts()) == (None, True, {**ZERO, "added": 2, "links": 1,
                                                                             "votes": 1})
    [applied] = services.sync_input_boards(session=second)
    assert applied.counts() == before.counts()
    c = _op(plenary, p2, "note.add", {"text": "c"})["id"]
    _op(plenary, p1, "note.edit", {"id": a, "text": "a2"})
    _op(plenary, p2, "note.delete", {"id": b})
    _op(plenary, p2, "comment.add", {"note": c, "text": "yes"})
    [preview] = services.preview_input_sync(session=second)
    assert (preview.board.pk, preview.created) == (applied.board.pk, False)
    assert preview.counts() == {**ZERO, "added": 1, "updated": 1, "removed": 1, "links": 1, "comments": 1}
    head = Board.objects.get(pk=applied.board.pk).head_seq
    assert BoardEvent.objects.filter(board=applied.board).count() == 1
    [applied] = services.sync_input_boards(session=second)
    assert applied.counts() == preview.counts()
    assert services.preview_input_sync(session=second)[0].counts() == ZERO
    event = BoardEvent.objects.get(board=applied.board, seq=head + 1)
    assert (event.op, event.data, event.actor_participant_id, event.actor_user_id) == (
        "board.sync", preview.counts(), None, None)
    assert Board.objects.get(pk=applied.board.pk).mode_changed_seq == head + 1


def test_a_sync_with_no_changes_appends_no_event():
    first, plenary, p1, _, second = _sessions()
    _op(plenary, p1, "note.add", {"text": "a"})
    [sync] = services.sync_input_boards(session=second)
    head = Board.objects.get(pk=sync.board.pk).head_seq
    assert head == 1
    [again] = services.sync_input_boards(session=second)
    assert again.counts() == ZERO
    assert Board.objects.get(pk=sync.board.pk).head_seq == head
    assert BoardEvent.objects.filter(board=sync.board).count() == 1


def test_an_empty_source_makes_an_empty_input_board_and_no_event():
    first, plenary, p1, _, second = _sessions()
    [sync] = services.sync_input_boards(session=second)
    assert (sync.created, sync.counts(), sync.board.head_seq) == (True, ZERO, 0)


def test_a_session_building_on_nothing_gets_no_input_boards():
    first, *_ = _sessions()
    assert services.sync_input_boards(session=first) == []
    assert services.preview_input_sync(session=first) == []


def test_an_op_on_the_source_board_syncs_its_input_boards_after_commit(django_capture_on_commit_callbacks):
    first, plenary, p1, _, second = _sessions()
    [sync] = services.sync_input_boards(session=second)
    with django_capture_on_commit_callbacks(execute=True):
        note = _op(plenary, p1, "note.add", {"text": "late idea"})["id"]
    assert list(Note.objects.filter(board=sync.board).values_list("source_note_id", "text")) == [
        (note, "late idea")]
    # Locking the source board changes nothing mirrored: no sync queued.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.apply_op(board=plenary, actor=f.facilitator_actor(), op="board.lock", op_id="", data={})
    assert [cb.__qualname__ for cb in callbacks] == ["publish.<locals>.<lambda>"]  # the event frame only


def test_ops_on_a_board_without_input_boards_queue_nothing(django_capture_on_commit_callbacks):
    first, plenary, p1, _, second = _sessions()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _op(plenary, p1, "note.add", {"text": "x"})
    assert [cb.__qualname__ for cb in callbacks] == ["publish.<locals>.<lambda>"]  # the event frame only


def test_task_syncs_the_boards_carried_from_a_board():
    from mapping.tasks import task_sync_input_board

    first, plenary, p1, _, second = _sessions()
    [sync] = services.sync_input_boards(session=second)
    _op(plenary, p1, "note.add", {"text": "x"})
    assert task_sync_input_board.delay(plenary.pk).get() == [{"board": sync.board.pk, **ZERO, "added": 1}]


def test_support_ideas_keep_their_card():
    first = f.session()
    board = services.create_board(session=first, template="proposals")
    card = _op(board, None, "note.add", {"text": "Card"})["id"]
    idea = _op(board, None, "note.add", {"text": "Idea", "parent": card})["id"]
    second = f.session(first.workshop, builds_on=first)
    [sync] = services.sync_input_boards(session=second)
    copies = {n.source_note_id: n for n in Note.objects.filter(board=sync.board)}
    assert copies[idea].parent_id == copies[card].pk


def test_author_mode_followed_and_names_dropped_from_provenance():
    first = f.session()
    plenary = services.create_board(session=first, template="blank", author_mode="named")
    p1 = f.participant(first.workshop, "Aigerim")
    _op(plenary, p1, "note.add", {"text": "a"})
    second = f.session(first.workshop, builds_on=first)
    [sync] = services.sync_input_boards(session=second)
    assert Note.objects.get(board=sync.board).provenance["name"] == "Aigerim"
    services.apply_op(board=plenary, actor=f.facilitator_actor(), op="board.settings", op_id="",
                      data={"author_mode": "anonymous"})
    [sync] = services.sync_input_boards(session=second)
    assert _counts(sync, updated=1, settings=1)
    assert Board.objects.get(pk=sync.board.pk).author_mode == "anonymous"
    assert "name" not in Note.objects.get(board=sync.board).provenance
