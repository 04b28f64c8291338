"""The console follows the room: the projected join card is the participants' link,
observers are kept out of grouping, and the next round starts from the last one."""

import pytest

from realtime.errors import DomainError
from tests.workshops.factories import make_link, make_participant, make_session
from workshops import selectors, services
from workshops.models import GroupMembership, SessionEvent

pytestmark = pytest.mark.django_db


def test_the_join_card_shows_the_participant_link_even_after_an_observer_link_was_made(fac):
    session = make_session()
    participants = make_link(session)
    observers = make_link(session, role="observer")  # newer, as the facilitator guide suggests
    page = fac.get(f"/w/s/{session.uuid}/console/")
    assert page.context["link"] == participants
    html = page.content.decode()
    assert f'id="join-code">{participants.code}<' in html
    other = f'<li data-role="observer"><strong>Observer</strong>: <span class="join-code">{observers.code}</span>'
    assert other in html


def test_with_only_an_observer_link_the_card_says_there_is_none_for_participants(fac):
    session = make_session()
    make_link(session, role="observer")
    page = fac.get(f"/w/s/{session.uuid}/console/")
    assert page.context["link"] is None
    assert "No open join link for participants." in page.content.decode()


def test_observers_are_neither_grouped_nor_waiting_and_cannot_be_moved_into_a_group():
    session = make_session()
    people = [make_participant(session, f"P{i}") for i in range(4)]
    watcher = make_participant(session, "Donor", role="observer")
    round_ = services.create_round(session=session, agenda_item=None, strategy="random", n_groups=2)
    assert not GroupMembership.objects.filter(participant=watcher).exists()
    services.move_participant(round_=round_, participant=people[0], group=None)  # to the waiting list
    roster = selectors.roster(session, online=set())
    assert [r["participant"] for r in roster.waiting] == [people[0]]
    assert [r["participant"] for r in roster.observers] == [watcher]
    with pytest.raises(DomainError) as refused:
        services.move_participant(round_=round_, participant=watcher, group=round_.groups.first())
    assert refused.value.code == "invalid"
    assert not GroupMembership.objects.filter(participant=watcher).exists()


def test_the_next_round_form_starts_from_the_last_round(fac):
    session = make_session()
    for i in range(6):
        make_participant(session, f"P{i}")
    services.create_round(session=session, agenda_item=None, strategy="random", n_groups=3)
    form = fac.get(f"/w/s/{session.uuid}/console/").context["round_form"]
    assert (form["n_groups"].initial, form["strategy"].initial) == (3, "random")


def test_an_empty_group_is_removed_with_its_empty_board_but_never_one_with_people_or_notes(fac):
    from live import services as live_services
    from mapping import services as board_services
    from mapping.models import Board
    from tests.mapping import factories as f

    session = make_session()
    people = [make_participant(session, f"P{i}") for i in range(2)]
    round_ = services.create_round(session=session, agenda_item=None, strategy="random", n_groups=4)
    live_services.open_round(round_=round_)
    empty = [g for g in round_.groups.all() if not g.memberships.exists()]
    full = [g for g in round_.groups.all() if g.memberships.exists()]
    assert len(empty) >= 2
    assert full
    html = fac.get(f"/w/s/{session.uuid}/console/panel/").content.decode()
    assert html.count('data-op="group.remove"') == len(empty)

    live_services.remove_group(group=empty[0])
    assert not round_.groups.filter(pk=empty[0].pk).exists()
    assert not Board.objects.filter(group_id=empty[0].pk).exists()
    assert SessionEvent.objects.filter(session=session, type="group.removed").count() == 1

    board = Board.objects.get(group=empty[1])
    board_services.apply_op(board=board, actor=f.facilitator_actor(), op="note.add", op_id="n", data={"text": "kept"})
    for group in (empty[1], full[0]):
        with pytest.raises(DomainError) as refused:
            live_services.remove_group(group=group)
        assert refused.value.code == "conflict"
    assert round_.groups.filter(pk__in=[empty[1].pk, full[0].pk]).count() == 2
    assert GroupMembership.objects.filter(participant__in=people).count() == 2  # everyone still placed
