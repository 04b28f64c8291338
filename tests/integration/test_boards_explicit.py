"""Boards are written explicitly, never on a read: a new session comes with its plenary
board (and, building on an earlier session, its input board); opening a round makes its
groups' boards in the same transaction. A welcome, a refresh or a page view makes
nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from live import services as live_services
from live.connection import boards_for, read_connection
from mapping import services
from mapping.models import Board
from tests.mapping import factories as f
from workshops.models import AgendaItem, BreakoutRound, Session

pytestmark = pytest.mark.django_db


def _offered(actor, sess):
    return [(b["kind"], b["template"], b["group"]) for b in read_connection(actor, sess.pk).welcome["boards"]]


def _new_session(workshop=None, **fields):
    workshop = workshop or f.workshop()
    start = timezone.now()
    return live_services.save_session(workshop=workshop, session=None, fields={
        "title": "Session", "starts_at": start, "ends_at": start + dt.timedelta(hours=2), **fields})


def test_a_new_session_comes_with_its_plenary_concept_map():
    sess = _new_session()
    p = f.participant(sess.workshop)
    assert _offered(f.actor(p), sess) == [("plenary", "concept_map", None)]
    assert Board.objects.filter(session=sess).count() == 1


def test_the_session_form_makes_the_plenary_board():
    workshop = f.workshop()
    client = Client()
    client.force_login(f.facilitator_user())
    response = client.post(f"/w/{workshop.slug}/sessions/new/", {
        "title": "Session one", "date": "2026-11-18", "start": "10:00", "end": "13:00", "audience": ["teacher"]})
    assert response.status_code == 302, response.content[:500]
    sess = workshop.sessions.get()
    assert list(Board.objects.filter(session=sess).values_list("group", "template")) == [(None, "concept_map")]


def test_no_read_creates_a_board():
    sess = f.session()  # a session written before boards came with sessions: no plenary
    rnd, (ga, _) = f.breakout(sess, ["A", "B"], open_groups=False)
    rnd.opened_at = timezone.now()  # opened behind the services' back: no group boards
    rnd.save()
    Session.objects.filter(pk=sess.pk).update(groups_open=True)
    p = f.participant(sess.workshop)
    f.member(ga, p)
    client = Client()
    client.force_login(f.facilitator_user())
    read_connection(f.actor(p), sess.pk)
    read_connection(f.facilitator_actor(), sess.pk)
    assert client.get(f"/boards/synthesis/{sess.uuid}/").status_code == 200
    assert client.get(f"/boards/plenary/{sess.uuid}/").status_code == 404
    assert Board.objects.count() == 0


def test_opening_a_round_makes_its_group_boards_with_the_agenda_items_template():
    sess = _new_session()
    item = AgendaItem.objects.create(session=sess, kind="group_work", title="Group work: what worked, what did not")
    rnd, (ga, gb) = f.breakout(sess, ["A", "B"], open_groups=False)
    rnd.agenda_item = item
    rnd.save()
    p = f.participant(sess.workshop)
    f.member(gb, p)
    assert _offered(f.actor(p), sess) == [("plenary", "concept_map", None)]
    live_services.open_round(round_=rnd)
    assert _offered(f.actor(p), sess) == [("group", "reflection", gb.pk)]
    assert sorted(Board.objects.filter(group__isnull=False).values_list("group_id", "template")) == [
        (ga.pk, "reflection"), (gb.pk, "reflection")]


@pytest.mark.parametrize(("title", "template"), [
    ("Group work: concept map of digital and online learning", "concept_map"),
    ("Group work: proposals for regional cooperation", "proposals"),
    ("Работа в группах: рефлексия", "reflection"),
    ("Breakout", "blank"),
])
def test_a_rounds_board_template_follows_its_agenda_item_else_the_plenary_board(title, template):
    sess = f.session()
    services.create_board(session=sess, template="blank")
    rnd, _ = f.breakout(sess, ["A"])
    rnd.agenda_item = AgendaItem.objects.create(session=sess, kind="group_work", title=title)
    assert services.template_for_round(rnd) == template


def test_session_two_gets_session_ones_plenary_as_read_only_input_when_it_is_created():
    first = _new_session()
    second = _new_session(first.workshop, builds_on=first)
    p = f.participant(first.workshop)
    assert _offered(f.actor(p), second) == [("plenary", "concept_map", None), ("input", "concept_map", None)]
    assert Board.objects.get(session=second, read_only_input=True).source_board.session_id == first.pk


def test_the_synthesis_page_shows_the_boards_and_the_plenary_link_the_plenary_board():
    sess = _new_session()
    rnd, _ = f.breakout(sess, ["A", "B"], open_groups=False)
    live_services.open_round(round_=rnd)
    client = Client()
    client.force_login(f.facilitator_user())
    assert client.get(f"/boards/synthesis/{sess.uuid}/").status_code == 200
    plenary = Board.objects.get(session=sess, group__isnull=True)
    response = client.get(f"/boards/plenary/{sess.uuid}/")
    assert (response.status_code, response["Location"]) == (302, f"/boards/{plenary.pk}/")


def test_the_plenary_link_is_not_for_strangers():
    sess = _new_session()
    assert Client().get(f"/boards/plenary/{sess.uuid}/").status_code == 404


def test_a_connecting_socket_costs_two_queries_for_its_boards():
    first = _new_session()
    second = _new_session(first.workshop, builds_on=first)
    rnd, (ga, _) = f.breakout(second, ["A", "B"], open_groups=False)
    p = f.participant(first.workshop)
    f.member(ga, p)
    live_services.open_round(round_=rnd)
    with CaptureQueriesContext(connection) as queries:
        offered = boards_for(f.actor(p), second.pk, ga.pk)
    assert ([b["kind"] for b in offered], len(queries)) == (["group", "input"], 1)


def test_the_side_by_side_view_shows_the_newest_rounds_groups_and_links_earlier_ones():
    sess = f.session()
    old_round, old_groups = f.breakout(sess, ["Old A", "Old B"])
    services.ensure_group_boards(round=old_round)
    old_round.closed_at = sess.starts_at
    old_round.save()
    new_round, _ = f.breakout(sess, ["New A", "New B", "New C"])
    services.ensure_group_boards(round=new_round)
    services.ensure_plenary_board(session=sess)
    client = Client()
    client.force_login(f.facilitator_user())
    html = client.get(f"/boards/synthesis/{sess.uuid}/").content.decode()
    assert (html.count('class="synth-board'), html.count("New "), html.count('class="synth-earlier"')) == (4, 3, 1)
    old = Board.objects.get(group=old_groups[0])
    assert f'<li><a href="/boards/{old.pk}/">Old A</a></li>' in html


def test_the_round_template_choices_are_the_board_templates():
    choices = [value for value, _ in BreakoutRound._meta.get_field("board_template").choices if value]
    assert sorted(choices) == sorted(Board.Template.values)


def test_a_template_the_facilitator_picks_for_a_round_beats_the_agenda_item():
    sess = f.session()
    item = AgendaItem.objects.create(session=sess, kind="group_work", title="Group work: concept map")
    f.participant(sess.workshop)
    client = Client()
    client.force_login(f.facilitator_user())
    response = client.post(f"/w/s/{sess.uuid}/rounds/new/", {
        "agenda_item": item.pk, "n_groups": 2, "strategy": "random", "board_template": "proposals"})
    assert response.status_code == 302
    rnd = sess.rounds.get()
    live_services.open_round(round_=rnd)
    assert list(Board.objects.filter(group__round=rnd).values_list("template", flat=True)) == ["proposals"] * 2
