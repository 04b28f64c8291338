"""The demo board content, the board pages and the HTTP op endpoint."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from mapping import demo, services
from mapping.models import Board, BoardEvent, Note, Vote
from workshops.demo import load_demo

from . import factories as f

pytestmark = pytest.mark.django_db


def test_board_demo_fills_both_sessions_and_is_idempotent():
    workshop = load_demo()
    boards = demo.load_board_demo(workshop)
    counts = (Board.objects.count(), Note.objects.count(), BoardEvent.objects.count(), Vote.objects.count())
    again = demo.load_board_demo(workshop)
    assert [b.pk for b in again] == [b.pk for b in boards]
    assert (Board.objects.count(), Note.objects.count(), BoardEvent.objects.count(), Vote.objects.count()) == counts
    titles = [(b.session.order, b.title, b.template, b.read_only_input) for b in boards]
    assert titles == [
        (1, demo.CONCEPT_MAP, "concept_map", False), (1, demo.REFLECTION, "reflection", False),
        (2, demo.PROPOSALS, "proposals", False), (2, demo.CONCEPT_MAP, "concept_map", True),
        (2, demo.REFLECTION, "reflection", True),
    ] + [(1, f"Group {i}", "concept_map", False) for i in (1, 2, 3)] + [
        (1, f"Group {i}", "reflection", False) for i in (1, 2, 3)]
    proposals = boards[2]
    cards = list(Note.objects.filter(board=proposals, parent__isnull=True).order_by("id").values_list("text",
                                                                                                       flat=True))
    assert cards == [c[1] for c in demo.PROPOSAL_CARDS]
    assert Note.objects.filter(board=proposals, parent__isnull=False).count() == 7
    assert Note.objects.filter(board=boards[0], text__startswith="Неравный").exists()
    assert Note.objects.filter(board=boards[3]).count() == len(demo.CONCEPT_NOTES)


def _board_with_note():
    sess = f.session()
    board = services.create_board(session=sess, template="concept_map", author_mode="anonymous")
    person = f.participant(sess.workshop, "Aigerim")
    services.apply_op(board=board, actor=f.actor(person), op="note.add", op_id="a", data={"text": "<b>bold</b>"})
    return board, person


def _client_for(person) -> Client:
    client = Client()
    session = client.session
    from participants.identity import remember_participant

    remember_participant(session, person)
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client


def test_board_page_renders_for_a_participant_and_404s_for_strangers():
    board, person = _board_with_note()
    page = _client_for(person).get(f"/boards/{board.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="board-config"' in html
    assert "<b>bold</b>" not in html
    assert "Aigerim" not in html.split('id="board-config"')[1]
    assert Client().get(f"/boards/{board.pk}/").status_code == 404
    other = f.participant(f.workshop())
    assert _client_for(other).get(f"/boards/{board.pk}/").status_code == 404


def test_http_op_runs_apply_op_and_maps_errors_to_statuses():
    board, person = _board_with_note()
    client = _client_for(person)
    url = f"/boards/{board.pk}/ops/"
    ok = client.post(url, json.dumps({"op": "note.add", "op_id": "h1", "data": {"text": "over http"}}),
                     content_type="application/json")
    assert ok.status_code == 200
    assert ok.json() == {"type": "ack", "op_id": "h1", "board": board.pk, "seq": 2, "id": ok.json()["id"]}
    bad = client.post(url, json.dumps({"op": "note.add", "op_id": "h2", "data": {"text": ""}}),
                      content_type="application/json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
    assert bad.json()["fields"] == {"text": "must not be empty"}
    forbidden = client.post(url, json.dumps({"op": "board.lock", "op_id": "h3", "data": {}}),
                            content_type="application/json")
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "forbidden")
    snapshot = client.get(f"/boards/{board.pk}/snapshot/")
    assert [n["text"] for n in snapshot.json()["notes"]] == ["<b>bold</b>", "over http"]
    assert [n["author"] for n in snapshot.json()["notes"]] == [{}, {}]


def test_synthesis_page_is_for_facilitators_only():
    sess = f.session()
    services.create_board(session=sess, template="concept_map")
    rnd, _ = f.breakout(sess, ["A", "B"])
    services.ensure_group_boards(round=rnd)
    client = Client()
    client.force_login(f.facilitator_user())
    page = client.get(f"/boards/synthesis/{sess.uuid}/")
    assert page.status_code == 200
    assert page.content.decode().count('class="synth-board') == 3
    person = f.participant(sess.workshop)
    assert _client_for(person).get(f"/boards/synthesis/{sess.uuid}/").status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_board_page_query_count_does_not_grow_with_notes(n, django_assert_num_queries):
    sess = f.session()
    board = services.create_board(session=sess, template="concept_map")
    person = f.participant(sess.workshop)
    for i in range(n):
        services.apply_op(board=board, actor=f.actor(person), op="note.add", op_id=f"q{i}", data={"text": str(i)})
    client = _client_for(person)
    # Reads make nothing: no "does the session have its boards" check any more; access
    # to a plenary board checks the person attends its session (one query each).
    with django_assert_num_queries(4):
        assert client.get(f"/boards/{board.pk}/").status_code == 200
    with django_assert_num_queries(13):  # + attendance check, + where its notes were pulled
        assert client.get(f"/boards/{board.pk}/snapshot/").status_code == 200


def test_every_board_string_has_a_russian_translation():
    import re

    from django.conf import settings

    base = settings.BASE_DIR
    catalogue = json.loads((base / "i18n" / "ru" / "mapping.json").read_text())
    found = set()
    for path in (base / "templates" / "mapping").glob("*.html"):
        text = path.read_text()
        found |= set(re.findall(r"""\{% translate "([^"]+)" """.strip(), text))
        found |= set(re.findall(r"""\{% translate '([^']+)' """.strip(), text))
    for path in [*(base / "static" / "js").glob("board*.js"), base / "static" / "js" / "synthesis.js"]:
        text = path.read_text()
        found |= set(re.findall(r"""\bt\("([^"]+)"\)""", text))
    found |= set(re.findall(r"""^\s+\w+: "([^"]+)",$""", (base / "static" / "js" / "board-ui.js").read_text(),
                            re.MULTILINE))
    assert sorted(found - set(catalogue)) == []
    assert all(catalogue.values())
