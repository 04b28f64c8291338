"""Every workshops service: its rows and the exact frames it publishes after commit."""

import datetime as dt

import pytest
from django.utils import timezone

from participants.models import Attendance, Role
from realtime.errors import DomainError
from tests.workshops.factories import Listener, make_item, make_participant, make_session, make_workshop
from workshops import selectors, services
from workshops.models import AgendaItem, BreakoutRound, GroupMembership, JoinLink, Session, SessionEvent, Workshop

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_layer")]
COUNTRIES = ["KZ", "KG", "TJ", "UZ", "TM", "KZ", "KG"]


def test_save_workshop_gives_a_new_workshop_a_unique_slug_from_its_title():
    first = services.save_workshop(workshop=None, created_by=None, fields={"title": "Online learning"})
    second = services.save_workshop(workshop=None, created_by=None, fields={"title": "Online learning"})
    assert (first.slug, second.slug) == ("online-learning", "online-learning-2")
    services.save_workshop(workshop=first, created_by=None, fields={"title": "Renamed", "home_city": "Brussels"})
    first.refresh_from_db()
    assert (first.title, first.home_city, first.slug) == ("Renamed", "Brussels", "online-learning")


def test_save_session_appends_in_order_with_a_join_link_and_can_build_on_an_earlier_one():
    workshop = make_workshop()
    start = timezone.now()
    one = services.save_session(workshop=workshop, session=None, fields={
        "title": "One", "starts_at": start, "ends_at": start + dt.timedelta(hours=2), "audience": ["teacher"]})
    two = services.save_session(workshop=workshop, session=None, fields={
        "title": "Two", "starts_at": start, "ends_at": start + dt.timedelta(hours=2), "builds_on": one})
    assert [(s.order, s.title, s.builds_on_id) for s in Session.objects.order_by("order")] == [
        (1, "One", None), (2, "Two", one.pk)]
    assert JoinLink.objects.filter(session=two).count() == 1


def test_save_session_refuses_building_on_another_workshops_session_or_ending_before_it_starts():
    other = make_session()
    start = timezone.now()
    with pytest.raises(DomainError, match="same workshop"):
        services.save_session(workshop=make_workshop(), session=None, fields={
            "title": "X", "starts_at": start, "ends_at": start + dt.timedelta(hours=1), "builds_on": other})
    with pytest.raises(DomainError, match="end after"):
        services.save_session(workshop=make_workshop(), session=None, fields={
            "title": "X", "starts_at": start, "ends_at": start})


def test_agenda_items_are_added_at_the_end_moved_and_deleted():
    session = make_session()
    a = services.save_agenda_item(session=session, item=None, fields={"title": "A", "kind": "panel",
                                                                      "planned_minutes": 30})
    b = services.save_agenda_item(session=session, item=None, fields={"title": "B", "kind": "group_work",
                                                                      "planned_minutes": 45})
    services.move_agenda_item(item=b, up=True)
    assert list(AgendaItem.objects.order_by("order").values_list("title", "order")) == [("B", 1), ("A", 2)]
    services.delete_agenda_item(item=a)
    assert list(AgendaItem.objects.values_list("title", flat=True)) == ["B"]


def test_set_current_item_marks_it_started_and_tells_the_whole_session(django_capture_on_commit_callbacks):
    session = make_session()
    item = make_item(session, title="Panel", kind="panel", planned_minutes=30)
    listener = Listener(f"session.{session.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        services.set_current_item(session=session, item=item)
    item.refresh_from_db()
    assert item.started_at is not None
    assert listener.frames() == [(f"session.{session.pk}", {"type": "agenda.current", "item": {
        "id": item.pk, "title": "Panel", "kind": "panel", "kind_label": "Panel discussion", "planned_minutes": 30},
        "seq": 1})]


def test_a_timer_is_one_frame_with_its_end_and_stopping_clears_it(django_capture_on_commit_callbacks):
    session = make_session()
    listener = Listener(f"session.{session.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        services.start_timer(session=session, minutes=10, label="Group work")
    session.refresh_from_db()
    [(stream, frame)] = listener.frames()
    assert (frame["type"], frame["ends_at"], frame["label"]) == ("timer", session.timer_ends_at.isoformat(),
                                                                 "Group work")
    with django_capture_on_commit_callbacks(execute=True):
        services.stop_timer(session=session)
    [(stream, frame)] = listener.frames()
    assert (frame["ends_at"], frame["label"]) == (None, "")


def test_a_paused_timer_keeps_what_it_had_left_resumes_from_there_and_can_be_extended():
    session = make_session()
    services.start_timer(session=session, minutes=10, label="Group work")
    session.timer_ends_at = timezone.now() + dt.timedelta(minutes=4, seconds=30)  # it ran 5.5 minutes
    session.save()
    services.pause_timer(session=session)
    session.refresh_from_db()
    assert (session.timer_ends_at, session.timer_paused_left) == (None, 270)
    assert selectors.timer_frame(session)["paused_left"] == 270
    services.extend_timer(session=session, minutes=5)
    assert Session.objects.get(pk=session.pk).timer_paused_left == 570
    before = timezone.now()
    services.resume_timer(session=session)
    session.refresh_from_db()
    assert session.timer_paused_left is None
    assert before + dt.timedelta(seconds=569) <= session.timer_ends_at <= timezone.now() + dt.timedelta(seconds=570)
    # Ran out meanwhile: extending starts again from now, not from the past end.
    session.timer_ends_at = timezone.now() - dt.timedelta(minutes=3)
    session.save()
    services.extend_timer(session=session, minutes=2)
    session.refresh_from_db()
    assert session.timer_ends_at > timezone.now() + dt.timedelta(seconds=110)
    assert SessionEvent.objects.filter(session=session, type="timer").count() == 5


def test_pausing_or_extending_no_timer_is_refused_and_writes_nothing():
    session = make_session()
    for call in (lambda: services.pause_timer(session=session), lambda: services.resume_timer(session=session),
                 lambda: services.extend_timer(session=session, minutes=5)):
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.code == "conflict"
    assert not SessionEvent.objects.filter(session=session).exists()


def test_a_recalling_timer_calls_the_groups_back_once_when_it_ends_and_not_before():
    session = make_session()
    for i in range(4):
        make_participant(session, f"P{i}")
    round_ = services.create_round(session=session, agenda_item=None, strategy="random", n_groups=2)
    services.open_round(round_=round_)
    session.refresh_from_db()
    services.start_timer(session=session, minutes=10, recall=True)
    ends = Session.objects.get(pk=session.pk).timer_ends_at
    assert services.recall_when_due(now=ends - dt.timedelta(seconds=1)) == []
    assert Session.objects.get(pk=session.pk).groups_open is True
    assert services.recall_when_due(now=ends) == [session.pk]
    assert services.recall_when_due(now=ends + dt.timedelta(seconds=5)) == []  # once
    session.refresh_from_db()
    round_.refresh_from_db()
    assert (session.groups_open, session.timer_recalls, round_.closed_at is not None) == (False, False, True)
    assert SessionEvent.objects.filter(session=session, type="groups.recalled").count() == 1


def test_a_paused_or_plain_timer_and_a_timer_started_in_plenary_recall_nothing():
    session = make_session()
    make_participant(session, "P")
    services.start_timer(session=session, minutes=1, recall=True)  # in plenary: nothing to call back
    assert Session.objects.get(pk=session.pk).timer_recalls is False
    round_ = services.create_round(session=session, agenda_item=None, strategy="random", n_groups=1)
    services.open_round(round_=round_)
    session.refresh_from_db()
    services.start_timer(session=session, minutes=1)  # a plain timer
    later = timezone.now() + dt.timedelta(minutes=5)
    assert services.recall_when_due(now=later) == []
    services.start_timer(session=session, minutes=1, recall=True)
    services.pause_timer(session=session)
    assert services.recall_when_due(now=later) == []
    assert Session.objects.get(pk=session.pk).groups_open is True


def test_a_message_goes_to_everyone_in_the_session_and_is_kept_until_the_next_one(django_capture_on_commit_callbacks):
    session = make_session()
    listener = Listener(f"session.{session.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        services.send_message(session=session, text="Five minutes left", sender="Anna")
    [(_, frame)] = listener.frames()
    session.refresh_from_db()
    assert frame == {"type": "message", "text": "Five minutes left", "from": "Anna",
                     "at": session.message_at.isoformat(), "seq": 1}
    assert (session.message_text, session.message_from) == ("Five minutes left", "Anna")
    with django_capture_on_commit_callbacks(execute=True):
        services.send_message(session=session, text="Back in plenary at 11:00", sender="Boris")
    session.refresh_from_db()
    assert (session.message_text, session.message_from) == ("Back in plenary at 11:00", "Boris")


def test_clearing_the_message_forgets_it_and_tells_everyone(django_capture_on_commit_callbacks):
    session = make_session()
    services.send_message(session=session, text="Five minutes left", sender="Anna")
    listener = Listener(f"session.{session.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        services.clear_message(session=session)
    assert listener.frames() == [(f"session.{session.pk}", {"type": "message.cleared", "seq": 2})]
    session.refresh_from_db()
    assert (session.message_text, session.message_from, session.message_at) == ("", "", None)


def test_create_round_proposes_balanced_groups_with_video_links_and_leaves_observers_out(settings):
    settings.VIDEO_ROOM_BASE_URL = "https://meet.example.org/"
    session = make_session()
    people = [make_participant(session, f"P{i}", country=c) for i, c in enumerate(COUNTRIES)]
    make_participant(session, "Watcher", role=Role.OBSERVER)
    round_ = services.create_round(session=session, agenda_item=None, strategy="mixed_countries", n_groups=3)
    groups = list(round_.groups.order_by("order"))
    assert [g.name for g in groups] == ["Group 1", "Group 2", "Group 3"]
    assert groups[0].video_url == (
        f"https://meet.example.org/{session.workshop.slug}-{session.uuid.hex[:8]}-group-1")
    assert sorted(g.memberships.count() for g in groups) == [2, 2, 3]
    assert set(round_.memberships.values_list("participant_id", flat=True)) == {p.pk for p in people}
    assert (round_.opened_at, session.groups_open) == (None, False)


def test_a_new_round_closes_the_previous_one():
    session = make_session()
    first = services.create_round(session=session, agenda_item=None, strategy="random", n_groups=2)
    services.open_round(round_=first)
    services.create_round(session=session, agenda_item=None, strategy="random", n_groups=2)
    first.refresh_from_db()
    session.refresh_from_db()
    assert first.closed_at is not None
    assert session.groups_open is False


def test_no_repeat_round_separates_people_who_met_in_session_one():
    one = make_session()
    two = make_session(one.workshop)
    people = [make_participant(one, f"P{i}") for i in range(8)]
    for p in people:
        Attendance.objects.create(participant=p, session=two)
    first = services.create_round(session=one, agenda_item=None, strategy="random", n_groups=2, seed=3)
    services.recall(session=one)
    BreakoutRound.objects.filter(pk=first.pk).update(closed_at=timezone.now())
    second = services.create_round(session=two, agenda_item=None, strategy="no_repeat", n_groups=4, seed=4)
    met = {frozenset(pair) for g in first.groups.all()
           for pair in _pairs(g.memberships.values_list("participant_id", flat=True))}
    now = {frozenset(pair) for g in second.groups.all()
           for pair in _pairs(g.memberships.values_list("participant_id", flat=True))}
    assert met & now == set()


def _pairs(ids):
    ids = list(ids)
    return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]


def test_opening_and_recalling_groups_tell_the_session(django_capture_on_commit_callbacks):
    session = make_session()
    round_ = services.create_round(session=session, agenda_item=None, strategy="random", n_groups=2)
    listener = Listener(f"session.{session.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        services.open_round(round_=round_)
    with django_capture_on_commit_callbacks(execute=True):
        services.recall(session=session)
    assert [f for _, f in listener.frames()] == [{"type": "groups.opened", "round": round_.pk, "seq": 2},
                                                 {"type": "groups.recalled", "seq": 3}]
    round_.refresh_from_db()
    assert round_.closed_at is not None
    with pytest.raises(DomainError):
        services.open_round(round_=round_)


def test_moving_a_person_in_a_running_round_tells_them_and_the_facilitators(django_capture_on_commit_callbacks):
    session = make_session()
    alice = make_participant(session, "Alice")
    make_participant(session, "Bob")
    round_ = services.create_round(session=session, agenda_item=None, strategy="random", n_groups=2, seed=0)
    services.open_round(round_=round_)
    mine = GroupMembership.objects.get(participant=alice).group
    other = round_.groups.exclude(pk=mine.pk).get()
    listener = Listener(f"session.{session.pk}", f"participant.{alice.pk}", f"facilitators.{session.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        services.move_participant(round_=round_, participant=alice, group=other)
    frame = {"type": "moved", "participant": alice.pk, "group": {
        "id": other.pk, "name": other.name, "video_url": other.video_url, "is_rapporteur": False}}
    [(_, hidden), *full] = listener.frames()
    seq = hidden["seq"]
    # Everyone else in the session learns only that seq was used; the person and the
    # facilitators get the move itself.
    assert (hidden, sorted(full)) == ({"type": "session.hidden", "seq": seq}, sorted([
        (f"facilitators.{session.pk}", {**frame, "seq": seq}), (f"participant.{alice.pk}", {**frame, "seq": seq})]))
    assert GroupMembership.objects.get(participant=alice).group == other


def test_moving_to_the_waiting_list_removes_the_membership():
    session = make_session()
    alice = make_participant(session, "Alice")
    round_ = services.create_round(session=session, agenda_item=None, strategy="random", n_groups=1)
    services.move_participant(round_=round_, participant=alice, group=None)
    assert GroupMembership.objects.count() == 0


def test_self_select_takes_places_until_the_cap():
    session = make_session()
    a, b = make_participant(session, "A"), make_participant(session, "B")
    round_ = services.create_round(session=session, agenda_item=None, strategy="self_select", n_groups=2, cap=1)
    group = round_.groups.order_by("order").first()
    services.choose_group(round_=round_, participant=a, group=group)
    with pytest.raises(DomainError, match="full"):
        services.choose_group(round_=round_, participant=b, group=group)
    assert list(group.memberships.values_list("participant_id", flat=True)) == [a.pk]


def test_one_rapporteur_per_group_marked_on_the_membership_not_the_role():
    session = make_session()
    a, b = make_participant(session, "A"), make_participant(session, "B")
    round_ = services.create_round(session=session, agenda_item=None, strategy="random", n_groups=1)
    group = round_.groups.get()
    services.set_rapporteur(group=group, participant=a)
    services.set_rapporteur(group=group, participant=b)
    a.refresh_from_db()
    b.refresh_from_db()
    # The mark is on the round's membership; nobody's role changes.
    assert (a.role, b.role) == ("participant", "participant")
    assert list(group.memberships.filter(is_rapporteur=True).values_list("participant_id", flat=True)) == [b.pk]


def test_signals_reach_the_facilitators_and_the_group_and_clear(django_capture_on_commit_callbacks):
    session = make_session()
    make_participant(session, "A")
    round_ = services.create_round(session=session, agenda_item=None, strategy="random", n_groups=1)
    group = round_.groups.get()
    listener = Listener(f"facilitators.{session.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        services.signal_group(group=group, signal="help", by="A")
    [(_, frame)] = listener.frames()
    assert (frame["type"], frame["group"], frame["signal"], frame["by"]) == ("signal", group.pk, "help", "A")
    group.refresh_from_db()
    assert group.help_requested_at is not None
    services.signal_group(group=group, signal="clear", by="Facilitator")
    group.refresh_from_db()
    assert (group.help_requested_at, group.done_at) == (None, None)


def test_join_session_refuses_a_link_revoked_meanwhile():
    session = make_session()
    link = JoinLink.objects.create(session=session)
    stale = JoinLink.objects.get(pk=link.pk)
    services.revoke_join_link(link=link)
    with pytest.raises(services.JoinRefused):
        services.join_session(link=stale, profile={"display_name": "X", "country": "KZ", "stakeholder": "teacher",
                                                   "consent": True})
    assert Workshop.objects.get().participants.count() == 0
