"""Facilitator pages: access, CRUD through the forms, the QR code, list-page and roster
query counts with 1 and 3 items, and the demo workshop."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from participants.models import Attendance, Participant
from tests.workshops.factories import make_facilitator, make_participant, make_session, make_workshop
from workshops import demo
from workshops.models import AgendaItem, BreakoutGroup, BreakoutRound, GroupMembership, Session, Workshop
from workshops.models import JoinLink as JoinLinkModel

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in_and_participants_get_not_found(client, django_user_model):
    session = make_session()
    assert client.get("/w/")["Location"] == "/accounts/login/?next=/w/"
    client.force_login(django_user_model.objects.create_user("someone"))
    assert client.get("/w/").status_code == 404
    assert client.get(f"/w/s/{session.uuid}/console/").status_code == 404


def test_a_facilitator_lands_on_the_workshop_list_after_sign_in(client):
    make_facilitator("anna", "pw-12345-x")
    response = client.post("/accounts/login/", {"username": "anna", "password": "pw-12345-x"})
    assert response["Location"] == "/w/"


def test_a_facilitator_creates_a_workshop_a_session_in_home_time_and_an_agenda(fac):
    response = fac.post("/w/new/", {"title": "Online learning", "home_timezone": "Europe/Rome",
                                    "home_city": "Turin", "languages": ["en", "ru"], "objectives": "Share",
                                    "default_author_mode": "anonymous"})
    workshop = Workshop.objects.get()
    assert (response["Location"], workshop.default_author_mode) == (f"/w/{workshop.slug}/", "anonymous")
    response = fac.post(f"/w/{workshop.slug}/sessions/new/", {
        "title": "Session 1", "date": "2026-11-18", "start": "10:00", "end": "13:00", "audience": ["teacher"]})
    session = Session.objects.get()
    assert response["Location"] == f"/w/s/{session.uuid}/"
    assert (session.starts_at.isoformat(), session.ends_at.isoformat()) == (
        "2026-11-18T09:00:00+00:00", "2026-11-18T12:00:00+00:00")
    fac.post(f"/w/s/{session.uuid}/agenda/new/", {"title": "Panel", "kind": "panel", "planned_minutes": 30})
    fac.post(f"/w/s/{session.uuid}/agenda/new/", {"title": "Groups", "kind": "group_work", "planned_minutes": 45})
    assert list(AgendaItem.objects.values_list("order", "title", "kind")) == [
        (1, "Panel", "panel"), (2, "Groups", "group_work")]
    page = fac.get(f"/w/{workshop.slug}/")
    assert "10:00 Turin" in page.content.decode()


def test_a_session_ending_before_it_starts_is_refused_with_a_message(fac):
    workshop = make_workshop()
    response = fac.post(f"/w/{workshop.slug}/sessions/new/", {
        "title": "S", "date": "2026-11-18", "start": "13:00", "end": "10:00"})
    assert response.context["form"].errors == {"end": ["The session must end after it starts."]}
    assert Session.objects.count() == 0


def test_join_links_are_created_with_an_expiry_and_revoked_from_the_session_page(fac):
    session = make_session()
    fac.post(f"/w/s/{session.uuid}/links/new/", {"role": "observer", "expires_in_hours": "2"})
    link = session.join_links.get()
    assert (link.role, link.expires_at is not None) == ("observer", True)
    fac.post(f"/w/s/{session.uuid}/links/{link.pk}/revoke/")
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_the_qr_code_is_an_svg_of_the_join_link_without_inline_style(fac):
    session = make_session()
    fac.post(f"/w/s/{session.uuid}/links/new/", {"role": "participant"})
    link = session.join_links.get()
    response = fac.get(f"/w/s/{session.uuid}/links/{link.pk}/qr.svg")
    body = response.content.decode()
    assert (response["Content-Type"], body.startswith("<svg"), "style=" in body) == ("image/svg+xml", True, False)


def test_proposing_groups_from_the_console_and_renaming_one(fac):
    session = make_session()
    for i in range(5):
        make_participant(session, f"P{i}")
    fac.post(f"/w/s/{session.uuid}/rounds/new/", {"n_groups": "2", "strategy": "random"})
    round_ = BreakoutRound.objects.get()
    assert sorted(g.memberships.count() for g in round_.groups.all()) == [2, 3]
    group = round_.groups.order_by("order").first()
    fac.post(f"/w/s/{session.uuid}/groups/{group.pk}/", {"name": "Kazakh VET", "video_url": "https://bbb.example/r"})
    group.refresh_from_db()
    assert (group.name, group.video_url) == ("Kazakh VET", "https://bbb.example/r")


@pytest.mark.parametrize("count", [1, 3])
def test_the_workshop_list_takes_the_same_queries_for_1_and_3_workshops(fac, count):
    for _ in range(count):
        make_session(make_workshop())
    with CaptureQueriesContext(connection) as ctx:
        assert fac.get("/w/").status_code == 200
    assert len(ctx.captured_queries) == QUERIES["list"]


def populate(session, count: int):
    people = [make_participant(session, f"P{i}", country=["KZ", "KG", "TJ"][i % 3]) for i in range(count)]
    from workshops import services

    round_ = services.create_round(session=session, agenda_item=None, strategy="mixed_countries", n_groups=2)
    first = GroupMembership.objects.filter(round=round_).select_related("group", "participant").first()
    services.set_rapporteur(group=first.group, participant=first.participant)
    return people


@pytest.mark.parametrize("count", [1, 3])
def test_the_console_panel_takes_the_same_queries_for_1_and_3_participants(fac, count):
    session = make_session()
    populate(session, count)
    with CaptureQueriesContext(connection) as ctx:
        response = fac.get(f"/w/s/{session.uuid}/console/panel/")
    assert response.status_code == 200
    assert len(ctx.captured_queries) == QUERIES["panel"]


@pytest.mark.parametrize("count", [1, 3])
def test_the_workshop_page_takes_the_same_queries_for_1_and_3_sessions(fac, count):
    workshop = make_workshop()
    for _ in range(count):
        make_participant(make_session(workshop))
    with CaptureQueriesContext(connection) as ctx:
        assert fac.get(f"/w/{workshop.slug}/").status_code == 200
    assert len(ctx.captured_queries) == QUERIES["detail"]


# Session + auth + facilitator check, then the page's own reads.
QUERIES = {"list": 5, "panel": 10, "detail": 6}  # panel: + who is online (live.presence)


def test_the_demo_shows_rounds_groups_rapporteurs_and_people_attending_both_sessions_and_is_idempotent():
    workshop = demo.load_demo()
    demo.load_demo()
    assert Workshop.objects.filter(slug=demo.DEMO_SLUG).count() == 1
    s1, s2 = workshop.sessions.order_by("order")
    assert s2.builds_on == s1
    assert BreakoutRound.objects.filter(session=s1).count() == 2
    assert BreakoutRound.objects.filter(session=s2, opened_at__isnull=True).count() == 1
    assert BreakoutGroup.objects.filter(round__session=s1).count() == 6
    assert GroupMembership.objects.filter(round__session=s1, is_rapporteur=True).count() == 3
    both = Participant.objects.filter(attendances__session=s1).filter(attendances__session=s2)
    assert sorted(both.values_list("display_name", flat=True)) == sorted(demo.BOTH_SESSIONS)
    assert Attendance.objects.filter(session=s2).count() == 9


def test_the_admin_lists_workshop_data_and_revokes_join_links_through_the_service(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-12345-x"))
    demo.load_demo()
    for path in ["workshop", "session", "joinlink", "breakoutround", "groupmembership"]:
        assert client.get(f"/admin/workshops/{path}/").status_code == 200
    assert client.get("/admin/participants/participant/").status_code == 200
    link = JoinLinkModel.objects.first()
    client.post("/admin/workshops/joinlink/", {"action": "revoke", "_selected_action": [link.pk]})
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_every_form_page_shows_its_heading_a_way_back_and_a_save_button(fac):
    session = make_session()
    workshop = session.workshop
    item = AgendaItem.objects.create(session=session, title="Panel", kind="panel", planned_minutes=30)
    round_ = BreakoutRound.objects.create(session=session, strategy="manual")
    group = BreakoutGroup.objects.create(round=round_, order=1, name="Group 1")
    pages = {
        "/w/new/": ("New workshop", None),
        f"/w/{workshop.slug}/edit/": ("Edit workshop", None),
        f"/w/{workshop.slug}/sessions/new/": ("New session", f"/w/{workshop.slug}/"),
        f"/w/{workshop.slug}/sessions/{session.uuid}/edit/": ("Edit session", f"/w/{workshop.slug}/"),
        f"/w/s/{session.uuid}/agenda/new/": ("New agenda item", f"/w/s/{session.uuid}/"),
        f"/w/s/{session.uuid}/agenda/{item.pk}/": ("Edit agenda item", f"/w/s/{session.uuid}/"),
        f"/w/s/{session.uuid}/groups/{group.pk}/": ("Breakout group", f"/w/s/{session.uuid}/console/"),
    }
    seen = {}
    for url, (heading, back) in pages.items():
        page = fac.get(url).content.decode()
        seen[url] = (f"<h1>{heading}</h1>" in page, back is None or f'<a href="{back}">' in page,
                     '<button type="submit" class="primary">Save</button>' in page)
    assert seen == dict.fromkeys(pages, (True, True, True))
