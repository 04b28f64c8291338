"""Joining without an account: by code, by link, revocation, expiry, rejoin, session two."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from participants.models import Attendance, Participant
from tests.workshops.factories import make_link, make_participant, make_session
from workshops import services

pytestmark = pytest.mark.django_db

PROFILE = {"display_name": "Aigerim", "country": "KZ", "stakeholder": "teacher", "organisation": "College 3",
           "language": "ru", "timezone_name": "Asia/Almaty", "consent": "on"}


def test_a_typed_code_in_any_case_with_spaces_leads_to_the_join_page(client):
    link = make_link(make_session())
    typed = f" {link.code[:3].lower()}-{link.code[3:]} "
    response = client.get("/j/code/", {"code": typed})
    assert (response.status_code, response["Location"]) == (302, f"/j/{link.token}/")


def test_an_unknown_code_returns_home_with_a_message(client):
    response = client.get("/j/code/", {"code": "QQQQQQ"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "No open session has that code. Check it and try again."
    ]


def test_joining_by_link_creates_the_participant_their_attendance_and_remembers_them(client):
    session = make_session()
    link = make_link(session)
    response = client.post(f"/j/{link.token}/", PROFILE)
    person = Participant.objects.get()
    assert response["Location"] == f"/w/s/{session.uuid}/room/"
    assert (person.display_name, person.country, person.stakeholder, person.organisation, person.language,
            person.timezone, person.role) == ("Aigerim", "KZ", "teacher", "College 3", "ru", "Asia/Almaty",
                                              "participant")
    assert person.consent_at is not None
    assert list(Attendance.objects.values_list("participant_id", "session_id")) == [(person.pk, session.pk)]
    assert client.get(f"/w/s/{session.uuid}/room/").status_code == 200
    assert client.cookies["django_language"].value == "ru"


def test_a_profile_without_consent_or_with_a_bad_time_zone_saves_nothing_and_says_why(client):
    link = make_link(make_session())
    response = client.post(f"/j/{link.token}/", {**PROFILE, "consent": "", "timezone_name": "Mars/Olympus"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "consent": ["This field is required."], "timezone_name": ["Unknown time zone, e.g. Asia/Almaty."],
    }
    assert Participant.objects.count() == 0


def test_a_revoked_link_and_its_code_let_nobody_new_in(client):
    link = make_link(make_session())
    services.revoke_join_link(link=link)
    assert client.get(f"/j/{link.token}/").status_code == 404
    assert client.post(f"/j/{link.token}/", PROFILE).status_code == 404
    assert client.get("/j/code/", {"code": link.code})["Location"] == "/"
    assert Participant.objects.count() == 0


def test_an_expired_link_is_refused_like_a_revoked_one(client):
    link = make_link(make_session(), expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert client.get(f"/j/{link.token}/").status_code == 404
    assert client.get("/j/code/", {"code": link.code})["Location"] == "/"


def test_an_observer_link_makes_observers(client):
    link = make_link(make_session(), role="observer")
    client.post(f"/j/{link.token}/", PROFILE)
    assert Participant.objects.get().role == "observer"


def test_the_personal_rejoin_link_continues_as_the_same_person_on_another_device(client):
    session = make_session()
    client.post(f"/j/{make_link(session).token}/", {**PROFILE, "language": "en"})
    person = Participant.objects.get()
    other_device = Client()
    response = other_device.get(f"/j/r/{person.rejoin_token}/")
    assert response["Location"] == f"/w/s/{session.uuid}/room/"
    room = other_device.get(response["Location"])
    assert room.context["participant"] == person


def test_an_unknown_rejoin_token_is_not_found(client):
    assert client.get("/j/r/not-a-token/").status_code == 404


def test_a_session_one_participant_is_recognised_in_session_two_and_attends_both(client):
    one = make_session()
    two = make_session(one.workshop, builds_on=one)
    client.post(f"/j/{make_link(one).token}/", PROFILE)
    page = client.get(f"/j/{make_link(two).token}/")
    assert page.context["known"].display_name == "Aigerim"
    assert page.context["show_form"] is False
    client.post(f"/j/{two.join_links.get().token}/", {"as_known": "1"})
    person = Participant.objects.get()
    assert sorted(person.attendances.values_list("session_id", flat=True)) == [one.pk, two.pk]


def test_someone_else_on_a_known_browser_can_join_as_a_new_person(client):
    session = make_session()
    link = make_link(session)
    client.post(f"/j/{link.token}/", PROFILE)
    assert client.get(f"/j/{link.token}/?new=1").context["show_form"] is True
    client.post(f"/j/{link.token}/", {**PROFILE, "display_name": "Nurlan"})
    assert sorted(Participant.objects.values_list("display_name", flat=True)) == ["Aigerim", "Nurlan"]


def test_the_room_page_shows_the_facilitators_last_message_to_a_late_joiner(client):
    session = make_session()
    services.send_message(session=session, text="Groups start at 10:30", sender="Anna")
    client.post(f"/j/{make_link(session).token}/", {**PROFILE, "language": "en"})
    page = client.get(f"/w/s/{session.uuid}/room/").content.decode()
    assert ('<span class="sb-message-text">Groups start at 10:30</span>' in page,
            "Message from Anna" in page) == (True, True)
    services.clear_message(session=session)
    assert "sb-message-text" not in client.get(f"/w/s/{session.uuid}/room/").content.decode()


def test_the_room_is_only_for_people_who_joined_that_session(client):
    session = make_session()
    assert client.get(f"/w/s/{session.uuid}/room/")["Location"] == "/"


def test_editing_the_profile_keeps_role_and_rejoin_token(client):
    session = make_session()
    client.post(f"/j/{make_link(session).token}/", {**PROFILE, "language": "en"})
    before = Participant.objects.get()
    client.post(f"/j/s/{session.uuid}/profile/", {**PROFILE, "display_name": "Aigerim B.", "language": "en"})
    after = Participant.objects.get()
    assert (after.display_name, after.language, after.role, after.rejoin_token) == (
        "Aigerim B.", "en", before.role, before.rejoin_token)


def test_a_late_joiner_is_placed_by_the_running_rounds_strategy(client):
    session = make_session()
    for name, country in [("A", "KZ"), ("B", "KG"), ("C", "TJ"), ("D", "UZ")]:
        make_participant(session, name, country=country)
    round_ = services.create_round(session=session, agenda_item=None, strategy="mixed_countries", n_groups=2,
                                   seed=1)
    services.open_round(round_=round_)
    client.post(f"/j/{make_link(session).token}/", {**PROFILE, "display_name": "Late"})
    late = Participant.objects.get(display_name="Late")
    sizes = sorted(g.memberships.count() for g in round_.groups.all())
    assert sizes == [2, 3]
    assert round_.memberships.filter(participant=late).count() == 1


def test_a_late_joiner_in_a_manual_round_waits_for_the_facilitator(client):
    session = make_session()
    make_participant(session, "A")
    round_ = services.create_round(session=session, agenda_item=None, strategy="manual", n_groups=2)
    client.post(f"/j/{make_link(session).token}/", {**PROFILE, "language": "en"})
    assert round_.memberships.count() == 0


@pytest.mark.parametrize(("accept_language", "expected"), [("ru", "ru"), ("en", "en")])
def test_the_join_form_offers_the_language_the_page_is_read_in(client, accept_language, expected):
    link = make_link(make_session())
    response = client.get(f"/j/{link.token}/", HTTP_ACCEPT_LANGUAGE=accept_language)
    assert response.context["form"]["language"].value() == expected


def test_country_and_stakeholder_start_unchosen_and_must_be_chosen(client):
    link = make_link(make_session())
    page = client.get(f"/j/{link.token}/", HTTP_ACCEPT_LANGUAGE="ru")
    form = page.context["form"]
    assert (form["country"].value(), form["stakeholder"].value()) == (None, None)
    html = page.content.decode()
    assert '<option value="" selected>Выберите…</option>' in html
    assert html.count(" selected>") == 3  # the two empty choices and the page's language
    response = client.post(f"/j/{link.token}/", {**PROFILE, "country": "", "stakeholder": ""})
    assert response.context["form"].errors == {
        "country": ["Please choose your country."], "stakeholder": ["Please choose your stakeholder group."],
    }
    assert Participant.objects.count() == 0


def test_a_returning_person_finds_their_last_answers_in_another_workshop(client):
    client.post(f"/j/{make_link(make_session()).token}/", {**PROFILE, "country": "TJ", "stakeholder": "policy_maker"})
    other = make_link(make_session())  # another workshop: not "known" there, but remembered
    form = client.get(f"/j/{other.token}/").context["form"]
    assert {name: form[name].value() for name in ("display_name", "country", "stakeholder", "organisation")} == {
        "display_name": "Aigerim", "country": "TJ", "stakeholder": "policy_maker", "organisation": "College 3"}
    # Someone else on the same browser, in the same workshop, starts blank.
    same = client.get(f"/j/{other.token}/").context["form"]
    client.post(f"/j/{other.token}/", {**PROFILE, "country": "TJ"})
    blank = client.get(f"/j/{other.token}/?new=1").context["form"]
    assert (same["country"].value(), blank["country"].value(), blank["display_name"].value()) == ("TJ", None, None)
