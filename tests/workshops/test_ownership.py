"""Facilitators see and change only the workshops they own or co-facilitate: lists,
workshop and session pages, consoles, boards, the live socket and reports. Another's
workshop answers 404, as a missing one does."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from mapping import services as board_services
from mapping.models import Board
from reports.models import Export
from tests.mapping import factories as mf
from tests.mapping.wsclient import connect
from tests.workshops.factories import make_item, make_link, make_session
from workshops import services
from workshops.models import AgendaItem, JoinLink, Session, Workshop


def _facilitator(username: str):
    user = mf.facilitator_user(username)
    user.groups.get(name="facilitators").permissions.add(
        *Permission.objects.filter(codename__in=["facilitate", "export"]))
    return user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _world():
    """Anna owns workshop A (Carla co-facilitates it), Boris owns workshop B; each has a
    session with an agenda item, a join link and a plenary board."""
    anna, boris, carla = (_facilitator(n) for n in ("anna", "boris", "carla"))
    a = Workshop.objects.create(title="A", slug="a", created_by=anna)
    a.co_facilitators.add(carla)
    b = Workshop.objects.create(title="B", slug="b", created_by=boris)
    sessions = {w.slug: make_session(w) for w in (a, b)}
    for session in sessions.values():
        make_item(session)
        make_link(session)
        board_services.ensure_plenary_board(session=session)
    return anna, boris, carla, a, b, sessions


def _pages(workshop: Workshop, session: Session) -> list[str]:
    item = AgendaItem.objects.filter(session=session).first()
    link = JoinLink.objects.filter(session=session).first()
    board = Board.objects.get(session=session)
    return [
        f"/w/{workshop.slug}/", f"/w/{workshop.slug}/edit/", f"/w/{workshop.slug}/sessions/new/",
        f"/w/{workshop.slug}/sessions/{session.uuid}/edit/", f"/w/s/{session.uuid}/",
        f"/w/s/{session.uuid}/agenda/{item.pk}/", f"/w/s/{session.uuid}/links/{link.pk}/qr.svg",
        f"/w/s/{session.uuid}/console/", f"/w/s/{session.uuid}/console/panel/",
        f"/boards/{board.pk}/", f"/boards/{board.pk}/snapshot/", f"/boards/synthesis/{session.uuid}/",
        f"/boards/plenary/{session.uuid}/", f"/reports/w/{workshop.pk}/", f"/reports/boards/{board.pk}/map.svg",
    ]


@pytest.mark.django_db
def test_each_facilitator_lists_only_the_workshops_they_own_or_co_facilitate():
    anna, boris, carla, *_ = _world()
    listed = {user.username: [w.title for w in _client(user).get("/w/").context["workshops"]]
              for user in (anna, boris, carla)}
    assert listed == {"anna": ["A"], "boris": ["B"], "carla": ["A"]}


@pytest.mark.django_db
def test_every_page_of_another_facilitators_workshop_is_not_found():
    anna, boris, carla, a, b, sessions = _world()
    mine = _pages(a, sessions["a"])
    theirs = _pages(b, sessions["b"])
    for user in (anna, carla):
        client = _client(user)
        assert {p: client.get(p).status_code for p in mine} == {
            p: 302 if p.startswith("/boards/plenary/") else 200 for p in mine}
        assert {p: client.get(p).status_code for p in theirs} == dict.fromkeys(theirs, 404)


@pytest.mark.django_db
def test_another_facilitators_workshop_cannot_be_changed():
    _anna, boris, _carla, a, _b, sessions = _world()
    session = sessions["a"]
    item = AgendaItem.objects.get(session=session)
    link = JoinLink.objects.get(session=session)
    board = Board.objects.get(session=session)
    client = _client(boris)
    answers = [
        client.post(f"/w/{a.slug}/edit/", {"title": "Taken", "home_timezone": "Europe/Rome", "home_city": "Turin",
                                           "languages": ["en"], "default_author_mode": "named"}),
        client.post(f"/w/{a.slug}/sessions/new/", {"title": "S", "date": "2026-11-18", "start": "10:00",
                                                   "end": "11:00"}),
        client.post(f"/w/s/{session.uuid}/agenda/new/", {"title": "X", "kind": "panel", "planned_minutes": 5}),
        client.post(f"/w/s/{session.uuid}/agenda/{item.pk}/delete/"),
        client.post(f"/w/s/{session.uuid}/links/new/", {"role": "participant"}),
        client.post(f"/w/s/{session.uuid}/links/{link.pk}/revoke/"),
        client.post(f"/w/s/{session.uuid}/rounds/new/", {"strategy": "mixed_countries", "n_groups": 2}),
        client.post(f"/boards/{board.pk}/ops/", {"op": "note.add", "op_id": "x", "data": {"text": "mine now"}},
                    content_type="application/json"),
        client.post(f"/reports/w/{a.pk}/exports/", {"format": "md"}),
    ]
    assert [r.status_code for r in answers] == [404] * len(answers)
    a.refresh_from_db()
    assert (a.title, a.sessions.count(), AgendaItem.objects.filter(session=session).count(),
            JoinLink.objects.get(pk=link.pk).revoked_at, JoinLink.objects.filter(session=session).count(),
            board.notes.count(), Export.objects.filter(workshop=a).count()) == ("A", 1, 1, None, 1, 0, 0)


@pytest.mark.django_db
def test_the_owner_invites_a_co_facilitator_and_can_take_them_off_again():
    anna, boris, _carla, a, _b, _sessions = _world()
    form = {"title": "A", "home_timezone": "Europe/Rome", "home_city": "Turin", "languages": ["en"],
            "default_author_mode": "by_role"}
    owner = _client(anna)
    assert list(owner.get(f"/w/{a.slug}/edit/").context["form"].fields["co_facilitators"].queryset.values_list(
        "username", flat=True)) == ["boris", "carla"]
    owner.post(f"/w/{a.slug}/edit/", {**form, "co_facilitators": [boris.pk]})
    colleague = _client(boris)
    assert (colleague.get(f"/w/{a.slug}/").status_code, sorted(a.co_facilitators.values_list("username", flat=True))
            ) == (200, ["boris"])
    owner.post(f"/w/{a.slug}/edit/", form)
    assert colleague.get(f"/w/{a.slug}/").status_code == 404


@pytest.mark.django_db
def test_a_new_workshop_belongs_to_whoever_made_it():
    anna = _facilitator("anna")
    services.save_workshop(workshop=None, created_by=anna, fields={"title": "Mine", "languages": ["en"]})
    assert [w.title for w in _client(_facilitator("boris")).get("/w/").context["workshops"]] == []
    assert [w.title for w in _client(anna).get("/w/").context["workshops"]] == ["Mine"]


@pytest.mark.django_db
def test_ownerless_workshops_are_open_to_every_facilitator_and_superusers_see_all():
    _anna, boris, *_ = _world()
    Workshop.objects.create(title="Imported", slug="imported")
    root = get_user_model().objects.create_superuser("root", password=None)
    assert [w.title for w in _client(boris).get("/w/").context["workshops"]] == ["Imported", "B"]
    assert sorted(w.title for w in _client(root).get("/w/").context["workshops"]) == ["A", "B", "Imported"]


@pytest.mark.django_db(transaction=True)
async def test_the_live_socket_of_another_facilitators_session_is_refused():
    anna, boris, _carla, _a, _b, sessions = await sync_to_async(_world)()
    cookies = {u.username: await sync_to_async(mf.user_cookie)(u) for u in (anna, boris)}
    ws, welcome = await connect(sessions["a"].uuid, cookies["anna"])
    await ws.close()
    assert welcome["type"] == "welcome"
    ws, first = await connect(sessions["a"].uuid, cookies["boris"], expect_welcome=False)
    assert first == {"type": "error", "code": "unauthenticated", "message": "join the session first"}
    await ws.close()
