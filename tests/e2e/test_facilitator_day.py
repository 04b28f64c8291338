"""The facilitator's day in real Chromium, as issue 8 asks it to be tried: the facilitator
opens groups, makes someone rapporteur, moves them, calls everyone back, runs a second
round and then session two. At every step the moved person's screens (the room on a
phone, a board page on a laptop), the rapporteur's rights and session two's input board
are what the present says -- the server pushes each change; nobody reloads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from live import services as live_services
from mapping.models import Board, Note
from tests.e2e.conftest import PHONE
from tests.e2e.test_board import DESKTOP, _in_thread, _participant_context, _user_context
from tests.e2e.test_journey import propose_and_open
from tests.mapping import factories as f
from workshops.models import GroupMembership

pytestmark = pytest.mark.e2e

IDEA = "Teachers need training in online pedagogy"
LATER = "Mobile data costs too much for students"


def _watch(page, problems: list) -> None:
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)


def _setup():
    """A workshop made as the session form makes it: each session comes with its plenary
    board; session two builds on session one, so it has session one's plenary as input."""
    ws = f.workshop(title="Exploring distance and online learning in Central Asia")
    start = timezone.now()
    one = live_services.save_session(workshop=ws, session=None, fields={
        "title": "Session 1: practitioners", "starts_at": start, "ends_at": start + dt.timedelta(hours=3)})
    two = live_services.save_session(workshop=ws, session=None, fields={
        "title": "Session 2: policy makers", "starts_at": start + dt.timedelta(days=1),
        "ends_at": start + dt.timedelta(days=1, hours=3), "builds_on": one})
    people = [f.participant(ws, name, country=c) for name, c in
              [("Aigerim", "KZ"), ("Bakyt", "KG"), ("Farrukh", "TJ"), ("Gulnora", "UZ")]]
    return one, two, people


def _group_of(person) -> GroupMembership:
    return GroupMembership.objects.select_related("group", "round").filter(
        participant=person, round__closed_at__isnull=True).get()


def _card(page, scope: str, text: str):
    return page.locator(f"{scope} .note-card:not(.is-temp)", has=page.locator(".note-text", has_text=text))


@pytest.mark.django_db(transaction=True)
def test_groups_a_rapporteur_a_move_a_recall_and_a_second_round_each_seen_where_they_should_be(
        live_url, new_context, artifacts_dir):
    one, two, (aigerim, *_) = _in_thread(_setup)
    plenary = Board.objects.get(session=one, group__isnull=True)
    problems: list[str] = []

    fac = f.facilitator_user()
    console = _user_context(new_context, live_url, fac, **DESKTOP).new_page()
    _watch(console, problems)
    console.goto(f"{live_url}/w/s/{one.uuid}/console/")
    console.wait_for_selector("#console[data-live=online]")

    phone = _participant_context(new_context, live_url, aigerim, **PHONE).new_page()
    _watch(phone, problems)
    phone.goto(f"{live_url}/w/s/{one.uuid}/room/")
    phone.wait_for_selector("#room-board[data-kind='plenary'] .board[data-ready='1']")
    phone.evaluate("window.__sameDocument = true")

    # Round one: the groups open, and the phone goes to Aigerim's group board by itself.
    propose_and_open(console)
    first = _group_of(aigerim)
    board_a = Board.objects.get(group=first.group)
    phone.wait_for_selector(f"#room-board[data-kind='group'][data-board='{board_a.pk}'] .board[data-ready='1']")
    phone.fill("#room-board #note-text", IDEA)
    phone.click("#room-board #add-note button[type=submit]")
    mine = _card(phone, "#room-board", IDEA)
    mine.wait_for()
    expect(mine.locator("button.pull")).to_be_hidden()  # not the rapporteur (yet)

    # She opened her group's board on her laptop too.
    laptop = _participant_context(new_context, live_url, aigerim, **DESKTOP).new_page()
    _watch(laptop, problems)
    laptop.goto(f"{live_url}/boards/{board_a.pk}/")
    laptop.wait_for_selector("#board[data-ready='1']")
    laptop.click("#show-list")
    expect(_card(laptop, "#board", IDEA)).to_be_visible()

    # Made rapporteur: the pull button appears on the board she is already looking at.
    console.click(f"button[data-op='group.rapporteur'][data-participant='{aigerim.pk}']")
    expect(mine.locator("button.pull")).to_be_visible()
    mine.locator("button.pull").click()
    expect(mine.locator("button.pull")).to_have_text("Pulled into plenary")
    assert list(Note.objects.filter(board=plenary).values_list("text", flat=True)) == [IDEA]
    # Pulling again changes nothing: the copy she made is the one there.
    mine.locator("button.pull").click()
    expect(mine.locator("button.pull")).to_have_text("Pulled into plenary")
    phone.wait_for_timeout(300)
    assert Note.objects.filter(board=plenary).count() == 1

    # Moved to the other group: the phone follows, she is nobody's rapporteur there, and
    # the laptop's board page tells her the old group's board is closed to her.
    other = first.round.groups.exclude(pk=first.group_id).get()
    board_b = Board.objects.get(group=other)
    console.locator(f"select.move[data-participant='{aigerim.pk}']").select_option(str(other.pk))
    expect(phone.locator(".sb-group-name")).to_have_text(other.name)
    phone.wait_for_selector(f"#room-board[data-kind='group'][data-board='{board_b.pk}'] .board[data-ready='1']")
    expect(laptop.locator("#board-error")).to_contain_text("no longer open to you")
    expect(laptop.locator("#add-note")).to_be_hidden()
    for button in ("edit", "delete", "pull"):  # what she may no longer do there
        expect(_card(laptop, "#board", IDEA).locator(f"button.{button}")).to_be_hidden()
    assert GroupMembership.objects.get(pk=first.pk).is_rapporteur is False
    phone.fill("#room-board #note-text", "Group B idea")
    phone.click("#room-board #add-note button[type=submit]")
    expect(_card(phone, "#room-board", "Group B idea").locator("button.pull")).to_be_hidden()
    phone.screenshot(path=str(artifacts_dir / "day-moved-phone.png"), full_page=True)
    laptop.screenshot(path=str(artifacts_dir / "day-revoked-laptop.png"), full_page=True)

    # Everyone back: the plenary board, with the pulled note and where it came from.
    console.click("[data-op='groups.recall']")
    phone.wait_for_selector(f"#room-board[data-kind='plenary'][data-board='{plenary.pk}'] .board[data-ready='1']")
    expect(_card(phone, "#room-board", IDEA)).to_be_visible()

    # Round two: new groups; last round's rapporteur pulls nothing now.
    propose_and_open(console)
    second = _group_of(aigerim)
    assert second.round_id != first.round_id
    board_c = Board.objects.get(group=second.group)
    phone.wait_for_selector(f"#room-board[data-kind='group'][data-board='{board_c.pk}'] .board[data-ready='1']")
    phone.fill("#room-board #note-text", "Round two idea")
    phone.click("#room-board #add-note button[type=submit]")
    expect(_card(phone, "#room-board", "Round two idea").locator("button.pull")).to_be_hidden()
    assert phone.evaluate("window.__sameDocument") is True  # all of it without a reload
    phone.screenshot(path=str(artifacts_dir / "day-round-two-phone.png"), full_page=True)
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_session_two_input_follows_session_one_plenary_as_it_changes(live_url, new_context, artifacts_dir):
    one, two, (aigerim, bakyt, *_) = _in_thread(_setup)
    plenary = Board.objects.get(session=one, group__isnull=True)
    problems: list[str] = []

    # Session one's plenary already holds a note from yesterday, with a vote.
    def yesterday():
        from mapping import services

        note = services.apply_op(board=plenary, actor=f.actor(bakyt), op="note.add", op_id="y1",
                                 data={"text": IDEA})["id"]
        services.apply_op(board=plenary, actor=f.actor(bakyt), op="vote.add", op_id="y2", data={"note": note})
    _in_thread(yesterday)

    # A session-two participant opens session two's room: the input board is one tap away
    # and shows what session one's plenary holds, votes included.
    room = _participant_context(new_context, live_url, aigerim, **DESKTOP).new_page()
    _watch(room, problems)
    room.goto(f"{live_url}/w/s/{two.uuid}/room/")
    room.wait_for_selector("#room-board[data-kind='plenary'] .board[data-ready='1']")
    room.click("#boards button[data-kind='input']")
    room.wait_for_selector("#room-board[data-kind='input'] .board[data-ready='1']")
    room.click("#room-board #show-list")
    carried = _card(room, "#room-board", IDEA)
    expect(carried).to_be_visible()
    expect(carried.locator(".vote")).to_have_text("Vote (1)")
    expect(room.locator("#room-board #add-note")).to_be_hidden()  # read-only input

    # Session one goes on: a new note on its plenary board reaches the open input board.
    session_one = _participant_context(new_context, live_url, bakyt, **DESKTOP).new_page()
    _watch(session_one, problems)
    session_one.goto(f"{live_url}/boards/{plenary.pk}/")
    session_one.wait_for_selector("#board[data-ready='1']")
    session_one.click("#show-list")
    session_one.fill("#note-text", LATER)
    session_one.click("#add-note button[type=submit]")
    _card(session_one, "#board", LATER).wait_for()
    expect(_card(room, "#room-board", LATER)).to_be_visible()
    room.screenshot(path=str(artifacts_dir / "day-session-two-input.png"), full_page=True)
    assert problems == []
