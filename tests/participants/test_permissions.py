"""The whole role x action matrix: every role, every action, allowed and refused; and for a
facilitator account, own vs co-facilitated vs another's workshop."""

import pytest
from django.contrib.auth.models import Group, Permission

from participants import permissions as p
from participants.identity import Actor, actor_for
from participants.models import Participant, Role
from tests.mapping.factories import facilitator_user
from workshops.models import Workshop

EXPECTED = {
    Role.OBSERVER: {p.SESSION_VIEW, p.BOARD_VIEW},
    Role.PARTICIPANT: {p.SESSION_VIEW, p.GROUP_SIGNAL, p.GROUP_CHOOSE, p.BOARD_VIEW, p.BOARD_WRITE, p.BOARD_VOTE},
    Role.RAPPORTEUR: {p.SESSION_VIEW, p.GROUP_SIGNAL, p.GROUP_CHOOSE, p.BOARD_VIEW, p.BOARD_WRITE, p.BOARD_VOTE,
                      p.BOARD_PULL},
    Role.FACILITATOR: {p.SESSION_VIEW, p.SESSION_RUN, p.GROUP_SIGNAL, p.BOARD_VIEW, p.BOARD_WRITE, p.BOARD_MODERATE,
                       p.BOARD_PULL,
                       p.REPORT_EXPORT},
}


def actor_with(role: str) -> Actor:
    if role == Role.FACILITATOR:
        return Actor(user_id=1, is_facilitator=True)
    return Actor(participant=Participant(pk=7, role=role))


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("action", p.ACTIONS)
def test_each_role_is_allowed_exactly_the_actions_of_the_matrix(role, action):
    assert p.can(actor_with(role), action) is (action in EXPECTED[role])


def test_the_matrix_covers_every_role_and_every_action():
    assert set(EXPECTED) == set(Role.values)
    assert set(p.ACTIONS) == {
        "session.view", "session.run", "group.signal", "group.choose", "board.view", "board.write", "board.vote",
        "board.moderate", "board.pull", "report.export",
    }


@pytest.mark.parametrize("action", p.ACTIONS)
def test_anonymous_and_missing_actors_may_do_nothing(action):
    assert p.can(None, action) is False
    assert p.can(Actor(), action) is False


def test_a_staff_account_without_facilitation_may_export_but_not_run_sessions():
    staff = Actor(user_id=3, is_staff=True)
    assert p.can(staff, p.REPORT_EXPORT) is True
    assert p.can(staff, p.SESSION_RUN) is False


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown action"):
        p.can(actor_with(Role.PARTICIPANT), "session.destroy")


@pytest.mark.django_db
@pytest.mark.parametrize("action", p.ACTIONS)
@pytest.mark.parametrize(("whose", "runs"), [("own", True), ("co-facilitated", True), ("another's", False)])
def test_a_facilitator_has_the_facilitator_row_only_in_workshops_they_run(action, whose, runs):
    me, other = facilitator_user("me"), facilitator_user("other")
    Group.objects.get(name="facilitators").permissions.add(Permission.objects.get(codename="facilitate"))
    workshop = Workshop.objects.create(title="W", slug="w", created_by=me if whose == "own" else other)
    if whose == "co-facilitated":
        workshop.co_facilitators.add(me)
    actor = actor_for(user=me, session={}, workshop_id=workshop.pk)
    assert (actor.is_facilitator, p.can(actor, action)) == (runs, runs and action in EXPECTED[Role.FACILITATOR])
