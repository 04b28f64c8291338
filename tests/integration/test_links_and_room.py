"""The pieces reach each other: the console and the workshops pages link to the plenary
board, the side-by-side view and the reports; the room carries the board's markup and
settings for the inline board."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from mapping import services
from mapping.models import Board
from participants.identity import remember_participant
from tests.mapping import factories as f

pytestmark = pytest.mark.django_db


def _facilitator_client() -> Client:
    client = Client()
    client.force_login(f.facilitator_user())
    return client


def test_the_console_links_to_the_plenary_board_the_side_by_side_view_and_the_reports():
    sess = f.session()
    html = _facilitator_client().get(f"/w/s/{sess.uuid}/console/").content.decode()
    assert f'id="plenary-board-link" href="/boards/plenary/{sess.uuid}/"' in html
    assert f'id="synthesis-link" href="/boards/synthesis/{sess.uuid}/"' in html
    assert f'id="reports-link" href="/reports/w/{sess.workshop_id}/"' in html


def test_the_workshops_list_and_a_workshops_page_link_to_its_reports():
    sess = f.session()
    client = _facilitator_client()
    assert f'href="/reports/w/{sess.workshop_id}/"' in client.get("/w/").content.decode()
    assert f'href="/reports/w/{sess.workshop_id}/"' in client.get(f"/w/{sess.workshop.slug}/").content.decode()


def test_the_console_link_opens_the_sessions_plenary_board():
    sess = f.session()
    services.ensure_plenary_board(session=sess)  # as live.services.save_session does
    client = _facilitator_client()
    response = client.get(f"/boards/plenary/{sess.uuid}/", follow=True)
    board = Board.objects.get(session=sess)
    assert (response.status_code, response.redirect_chain[-1][0], board.group_id) == (200, f"/boards/{board.pk}/",
                                                                                      None)


def test_the_room_carries_the_board_markup_and_its_settings_for_the_inline_board():
    sess = f.session()
    person = f.participant(sess.workshop)
    client = Client()
    session = client.session
    remember_participant(session, person)
    session.save()
    client.cookies["sessionid"] = session.session_key
    page = client.get(f"/w/s/{sess.uuid}/room/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<template id="board-template"><section class="board" id="board">' in html.replace("\n", "").replace(
        "{# ", "")
    config = json.loads(html.split('<script id="room-board-config" type="application/json">')[1].split("</script>")[0])
    assert config["cytoscape"] == "/static/vendor/cytoscape/dist/cytoscape.esm.min.mjs"
    assert config["labels"]["countries"]["KZ"] == "Kazakhstan"
    assert 'data-autostart' not in html
