"""Boards come into being when needed: the plenary board, group boards when groups
open, session two's carried-forward input board; once, cheaply, whoever asks first."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mapping import live, services
from mapping.models import Board
from tests.mapping import factories as f
from workshops import services as workshop_services
from workshops.live import _connection
from workshops.models import AgendaItem, BreakoutRound, Session

pytestmark = pytest.mark.django_db


def _offered(actor, sess):
    sess = Session.objects.get(pk=sess.pk)
    return [(b["kind"], b["template"], b["group"]) for b in live.boards_for(_connection(actor, sess))]


def test_a_socket_of_a_new_session_gets_a_plenary_concept_map_made_once():
    sess = f.session()
    p = f.participant(sess.workshop)
    assert _offered(f.actor(p), sess) == [("plenary", "concept_map", None)]
    assert _offered(f.actor(p), sess) == [("plenary", "concept_map", None)]
    assert Board.objects.filter(session=sess).count() == 1


def test_when_nothing_is_missing_the_check_is_one_query():
    sess = f.session()
    services.ensure_session_boards(session_id=sess.pk)
    with CaptureQueriesContext(connection) as queries:
        made = services.ensure_session_boards(session_id=sess.pk)
    assert (made, len(queries)) == (False, 1)


def test_group_boards_appear_when_groups_open_with_the_agenda_items_template():
    sess = f.session()
    services.ensure_session_boards(session_id=sess.pk)
    item = AgendaItem.objects.create(session=sess, kind="group_work", title="Group work: what worked, what did not")
    rnd, (ga, gb) = f.breakout(sess, ["A", "B"], open_groups=False)
    rnd.agenda_item = item
    rnd.save()
    p = f.participant(sess.workshop)
    f.member(gb, p)
    assert _offered(f.actor(p), sess) == [("plenary", "concept_map", None)]
    rnd.opened_at = sess.starts_at
    rnd.save()
    Session.objects.filter(pk=sess.pk).update(groups_open=True)
    assert _offered(f.actor(p), sess) == [("group", "reflection", gb.pk)]
    assert sorted(Board.objects.filter(group__isnull=False).values_list("group_id", "template")) == [
        (ga.pk, "reflection"), (gb.pk, "reflection")]
    assert _offered(f.actor(p), sess) == [("group", "reflection", gb.pk)]
    assert Board.objects.filter(session=sess).count() == 3


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


def test_session_two_gets_session_ones_plenary_as_read_only_input_by_itself():
    first = f.session()
    services.ensure_session_boards(session_id=first.pk)
    second = f.session(first.workshop, builds_on=first)
    p = f.participant(first.workshop)
    assert _offered(f.actor(p), second) == [("plenary", "concept_map", None), ("input", "concept_map", None)]
    assert Board.objects.get(session=second, read_only_input=True).source_board.session_id == first.pk
    with CaptureQueriesContext(connection) as queries:
        services.ensure_session_boards(session_id=second.pk)
    assert len(queries) == 1


def test_the_synthesis_page_makes_the_group_boards_and_the_plenary_link_the_plenary_board():
    sess = f.session()
    f.breakout(sess, ["A", "B"])
    client = Client()
    client.force_login(f.facilitator_user())
    assert client.get(f"/boards/synthesis/{sess.uuid}/").status_code == 200
    assert Board.objects.filter(session=sess, group__isnull=False).count() == 2
    plenary = Board.objects.get(session=sess, group__isnull=True)
    response = client.get(f"/boards/plenary/{sess.uuid}/")
    assert (response.status_code, response["Location"]) == (302, f"/boards/{plenary.pk}/")


def test_the_plenary_link_is_not_for_strangers():
    sess = f.session()
    assert Client().get(f"/boards/plenary/{sess.uuid}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_callers_make_each_board_once():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock is a PostgreSQL matter")
    sess = f.session()
    f.breakout(sess, ["A", "B", "C"])
    barrier = threading.Barrier(6)
    errors = []

    def call():
        try:
            barrier.wait()
            services.ensure_session_boards(session_id=sess.pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert (Board.objects.filter(session=sess, group__isnull=True).count(),
            Board.objects.filter(session=sess, group__isnull=False).count()) == (1, 3)


def test_a_connecting_socket_costs_two_queries_for_its_boards_once_they_exist():
    first = f.session()
    second = f.session(first.workshop, builds_on=first)
    rnd, (ga, _) = f.breakout(second, ["A", "B"])
    p = f.participant(first.workshop)
    f.member(ga, p)
    services.ensure_session_boards(session_id=first.pk)
    services.ensure_session_boards(session_id=second.pk)
    conn = _connection(f.actor(p), Session.objects.get(pk=second.pk))
    with CaptureQueriesContext(connection) as queries:
        offered = live.boards_for(conn)
    assert ([b["kind"] for b in offered], len(queries)) == (["group", "input"], 2)


def test_the_side_by_side_view_shows_the_newest_rounds_groups_and_links_earlier_ones():
    sess = f.session()
    old_round, old_groups = f.breakout(sess, ["Old A", "Old B"])
    services.ensure_group_boards(round=old_round)
    old_round.closed_at = sess.starts_at
    old_round.save()
    f.breakout(sess, ["New A", "New B", "New C"])
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
    workshop_services.open_round(round_=rnd)
    services.ensure_session_boards(session_id=sess.pk)
    assert list(Board.objects.filter(group__round=rnd).values_list("template", flat=True)) == ["proposals"] * 2
