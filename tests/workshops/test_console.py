"""The console follows the room: the projected join card is the participants' link,
observers are kept out of grouping, and the next round starts from the last one."""

import pytest

from realtime.errors import DomainError
from tests.workshops.factories import make_facilitator, make_link, make_participant, make_session
from workshops import selectors, services
from workshops.models import GroupMembership

pytestmark = pytest.mark.django_db


@pytest.fixture
def fac(client):
    client.force_login(make_facilitator())
    return client


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
