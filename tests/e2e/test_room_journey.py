"""The whole journey in real Chromium, on demo-like data: the facilitator opens the
groups; a participant's phone room shows their group's board by itself; they add a note;
the facilitator's side-by-side view shows it live; the facilitator pulls it into plenary
and calls everyone back; the participant's room now shows the plenary board with the
pulled note. One socket per tab throughout."""

from __future__ import annotations

import pytest

from mapping import services as mapping_services
from mapping.models import Board
from tests.e2e.conftest import PHONE
from tests.e2e.test_board import DESKTOP, _in_thread, _participant_context, _user_context
from tests.mapping import factories as f
from workshops import services as workshop_services
from workshops.models import AgendaItem

pytestmark = pytest.mark.e2e

NOTE = "Короткие видеоуроки для мастеров производственного обучения"


def _watch(page, problems: list) -> None:
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)


@pytest.mark.django_db(transaction=True)
def test_a_participant_follows_the_session_from_plenary_to_group_board_and_back(live_url, new_context,
                                                                                 artifacts_dir):
    def setup():
        ws = f.workshop(title="Exploring distance and online learning in Central Asia", default_author_mode="named")
        sess = f.session(ws, title="Session 1: practitioners")
        mapping_services.ensure_plenary_board(session=sess)  # as saving the session's form does
        item = AgendaItem.objects.create(session=sess, kind="group_work", order=1, planned_minutes=40,
                                         title="Group work: concept map of digital and online learning")
        people = [f.participant(ws, name, country=c, stakeholder=s) for name, c, s in [
            ("Aigerim", "KZ", "teacher"), ("Bakyt", "KG", "school_manager"), ("Farrukh", "TJ", "inservice_trainer"),
            ("Gulnora", "UZ", "teacher")]]
        workshop_services.create_round(session=sess, agenda_item=item, strategy="mixed_countries", n_groups=2,
                                       seed=18)
        return sess, people[0]

    sess, aigerim = _in_thread(setup)
    fac = f.facilitator_user()
    problems: list[str] = []

    room = _participant_context(new_context, live_url, aigerim, **PHONE).new_page()
    _watch(room, problems)
    room.goto(f"{live_url}/w/s/{sess.uuid}/room/")
    room.wait_for_selector("#room-board[data-kind='plenary'] .board[data-ready='1']")

    fac_context = _user_context(new_context, live_url, fac, **DESKTOP)
    console = fac_context.new_page()
    _watch(console, problems)
    console.goto(f"{live_url}/w/s/{sess.uuid}/console/")
    console.click("[data-op='groups.open']")

    # The room switches to the group's board by itself, in the list view on a phone.
    room.wait_for_selector("#room-board[data-kind='group'] .board[data-ready='1']")
    group_board = int(room.get_attribute("#room-board", "data-board"))
    assert Board.objects.get(pk=group_board).template == "concept_map"
    assert (room.is_visible("#room-board #list"), room.is_visible("#room-board #map-wrap")) == (True, False)

    synthesis = fac_context.new_page()
    _watch(synthesis, problems)
    synthesis.goto(f"{live_url}/boards/synthesis/{sess.uuid}/")
    column = synthesis.locator(f".synth-board[data-board='{group_board}']")
    column.wait_for()
    synthesis.wait_for_timeout(300)  # subscribed

    room.fill("#room-board #note-text", NOTE)
    room.click("#room-board #add-note button[type=submit]")
    room.locator("#room-board .note-card:not(.is-temp) .note-text", has_text=NOTE).wait_for()
    room.wait_for_timeout(200)
    room.screenshot(path=str(artifacts_dir / "room-group-board.png"), full_page=True)

    # Live in the side-by-side view; pulled into plenary from there.
    card = column.locator(".note-card", has=synthesis.locator(".note-text", has_text=NOTE))
    card.wait_for(timeout=2000)
    card.locator("button.pull").click()
    plenary = synthesis.locator(".synth-board[data-kind='plenary']")
    plenary.locator(".note-text", has_text=NOTE).wait_for(timeout=2000)

    console.click("[data-op='groups.recall']")
    room.wait_for_selector("#room-board[data-kind='plenary'] .board[data-ready='1']")
    pulled = room.locator("#room-board .note-card .note-text", has_text=NOTE)
    pulled.wait_for(timeout=2000)
    meta = room.locator("#room-board .note-card", has=room.locator(".note-text", has_text=NOTE)).locator(".note-meta")
    assert "(Aigerim (Kazakhstan, Teacher))" in meta.inner_text()  # provenance: who wrote it, in which group
    room.wait_for_timeout(200)
    room.screenshot(path=str(artifacts_dir / "room-plenary-board.png"), full_page=True)
    assert problems == []
