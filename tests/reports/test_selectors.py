import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mapping.models import Board, Comment, Link
from reports.selectors import visible_notes, workshop_data
from tests.reports.factories import make_board, make_note, make_participant, make_session, make_workshop

pytestmark = pytest.mark.django_db


def _workshop_with(n: int):
    w = make_workshop()
    s = make_session(w, 1)
    people = [make_participant(w, f"P{i}", sessions=[s]) for i in range(n)]
    boards = [make_board(s, f"B{i}", categories=("Threats",)) for i in range(n)]
    for i in range(n):
        threats = boards[i].categories.order_by("pk").first()
        note = make_note(boards[i], f"note {i}", people[i], category=threats, votes=people)
        other = make_note(boards[i], f"other {i}", people[i])
        Link.objects.create(board=boards[i], source=note, target=other)
        Comment.objects.create(note=note, author=people[i], text="c")
    return w


def _count(workshop_id: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        workshop_data(workshop_id=workshop_id)
    return len(ctx.captured_queries)


def test_reading_a_workshop_takes_the_same_queries_for_one_or_three_of_everything():
    one, three = _workshop_with(1), _workshop_with(3)
    assert _count(one.pk) == _count(three.pk) == 15


def test_report_data_leaves_out_deleted_and_unrevealed_private_notes(ws):
    data = workshop_data(workshop_id=ws.w.pk)
    texts = {n.text for n in data.notes}
    assert "A note someone deleted" not in texts
    assert "Still private draft" not in texts
    Board.objects.filter(pk=ws.group_board.pk).update(revealed_at=ws.deleted.deleted_at)
    assert visible_notes(ws.group_board.notes.order_by("pk")).filter(text="Still private draft").count() == 1


def test_report_data_counts_votes_comments_and_links_per_note(ws):
    data = workshop_data(workshop_id=ws.w.pk)
    assert data.votes[ws.top_threat.pk] == 3
    assert data.comments[ws.top_threat.pk] == 2
    assert data.links_count(ws.top_threat.pk) == 1
    assert data.links_count(ws.practice.pk) == 1
    assert [n.text for n in data.children[ws.policy_proposal.pk]] == ["Donors co-fund hosting",
                                                                      "Shared quality criteria"]


def test_a_note_and_its_pulled_and_carried_copies_are_one_item_shown_once(wsc):
    data = workshop_data(workshop_id=wsc.w.pk)
    notes = {n.pk: n for n in data.notes}
    item = sorted((n for n in data.notes if data.root_id(n) == wsc.group_note.pk), key=lambda n: n.pk)
    assert [(data.boards_by_id[n.board_id].title, data.shows(n)) for n in item] == [
        ("Group A map", False), ("Concept map of online learning", True), ("Concept map of online learning", False),
    ]  # the group's note, its plenary copy (shown), the copy carried into session two
    assert data.item_votes(notes[wsc.group_note.pk]) == 2 + 1  # the carried copy's mirrored vote not again
    threat = [n for n in data.notes if data.root_id(n) == wsc.top_threat.pk]
    assert [n.pk for n in threat if data.shows(n)] == [wsc.top_threat.pk]
    assert {data.item_votes(n) for n in threat} == {3 + 1}
    assert len(threat) == 3  # original, input-board copy, copy pulled into the proposals board


def test_observers_and_facilitators_are_not_counted_as_participants(wsc):
    data = workshop_data(workshop_id=wsc.w.pk)
    assert wsc.observer.pk not in set().union(*data.attendance.values())
    assert data.attendance_apart[wsc.s1.pk] == {"observer": {wsc.observer.pk}, "facilitator": {wsc.facilitator.pk}}
    assert data.attendance_apart[wsc.s2.pk] == {"observer": {wsc.observer.pk}}


def test_links_are_counted_once_per_pair_of_items_by_category(wsc):
    from reports.selectors import LinkCount, link_summary

    data = workshop_data(workshop_id=wsc.w.pk)
    maps = [b for b in data.boards if b.template == Board.Template.CONCEPT_MAP]
    assert link_summary(data, maps) == [LinkCount("Threats", "Threats", 2), LinkCount("Enablers", "Obstacles", 1)]
