"""The board in real Chromium: two people on one board see each other's note, link and
vote within a second; hostile note text stays text; screenshots of the concept map and of
the plenary synthesis view."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from playwright.sync_api import expect

from mapping import services
from mapping.models import Board, Note
from participants.identity import remember_participant
from tests.mapping import factories as f

pytestmark = pytest.mark.e2e

DESKTOP = {"viewport": {"width": 1280, "height": 1000}}


def _in_thread(fn):
    """Run set-up (services publish after commit through async_to_sync) in a thread
    without an event loop: Playwright's sync API keeps one running in this thread."""
    from django.db import connection

    def run():
        try:
            return fn()
        finally:
            connection.close()  # this thread's own connection; left open it blocks dropping the test database

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _participant_context(new_context, base: str, participant, **kwargs):
    store = SessionStore()
    remember_participant(store, participant)
    store.save()
    context = new_context(**kwargs)
    context.add_cookies([{"name": "sessionid", "value": store.session_key, "url": base}])
    return context


def _user_context(new_context, base: str, user, **kwargs):
    client = Client()
    client.force_login(user)
    context = new_context(**kwargs)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    return context


def _open(context, url: str, problems: list):
    page = context.new_page()
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(url)
    page.wait_for_selector("#board[data-ready='1']")
    return page


def _click_note_on_map(page, note_id: int) -> None:
    pos = page.evaluate(
        "(id) => { const cy = document.getElementById('map')._cy; const p = cy.getElementById('n' + id)"
        ".renderedPosition(); return {x: p.x, y: p.y}; }", note_id)
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])


def _note_id(page, text: str) -> int:
    card = page.locator(".note-card:not(.is-temp)", has=page.locator(".note-text", has_text=text))
    card.wait_for()
    return int(card.get_attribute("data-note"))


@pytest.mark.django_db(transaction=True)
def test_two_people_see_each_others_note_link_and_vote_within_a_second(live_url, new_context, artifacts_dir):
    def setup():
        sess = f.session(f.workshop(default_author_mode="named"))  # names are what this test reads
        board = services.create_board(session=sess, template=Board.Template.CONCEPT_MAP)
        cats = list(board.categories.order_by("order"))
        alice = f.participant(sess.workshop, "Aigerim", country="KZ", stakeholder="teacher")
        bob = f.participant(sess.workshop, "Bakyt", country="KG", stakeholder="school_manager")
        for text, cat, x, y in [
            ("Regional platform for open and distance learning", 0, 120, 80),
            ("Online pedagogy training for teachers", 4, 430, 90),
            ("Unstable internet in rural colleges", 3, 140, 330),
            ("Donor coordination at national and regional level", 4, 520, 320),
        ]:
            services.apply_op(board=board, actor=f.actor(bob), op="note.add", op_id="",
                              data={"text": text, "category": cats[cat].pk, "x": x, "y": y})
        return board, cats, alice, bob

    board, cats, alice, bob = _in_thread(setup)
    problems: list[str] = []
    url = f"{live_url}/boards/{board.pk}/"
    page_a = _open(_participant_context(new_context, live_url, alice, **DESKTOP), url, problems)
    page_b = _open(_participant_context(new_context, live_url, bob, **DESKTOP), url, problems)
    page_b.click("#show-list")
    # Who is here, one person after another (LIVE_TICK coalesces presence, so allow a few seconds).
    expect(page_b.locator("#presence")).to_have_text(re.compile(r"^2 here now: (Aigerim · Bakyt|Bakyt · Aigerim)$"),
                                                     timeout=6000)

    # A note made by A appears for B within one second.
    page_a.fill("#note-text", "Better use of existing resources")
    page_a.select_option("#note-category", str(cats[4].pk))
    started = time.monotonic()
    page_a.click("#add-note button[type=submit]")
    page_b.locator(".note-card .note-text", has_text="Better use of existing resources").wait_for(timeout=1000)
    assert time.monotonic() - started < 1.0
    new_id = _note_id(page_b, "Better use of existing resources")

    # A link drawn on A's map, with a label, appears in B's list within one second.
    page_a.wait_for_function("(id) => !document.getElementById('map')._cy.getElementById('n' + id).empty()",
                             arg=new_id)
    target = _note_id(page_b, "Online pedagogy training for teachers")
    page_a.click("#fit")
    page_a.locator("#map").scroll_into_view_if_needed()
    page_a.click("#draw-link")
    page_a.fill("#link-label", "leads to")
    _click_note_on_map(page_a, new_id)
    started = time.monotonic()
    _click_note_on_map(page_a, target)
    b_card = page_b.locator(f".note-card[data-note='{new_id}'] .note-links")
    b_card.filter(has_text="leads to: Online pedagogy training").wait_for(timeout=1000)
    assert time.monotonic() - started < 1.5

    # A vote made with the keyboard in A's list view reaches B within one second.
    page_a.click("#show-list")
    vote = page_a.locator(f".note-card[data-note='{target}'] button.vote")
    vote.focus()
    started = time.monotonic()
    page_a.keyboard.press("Enter")
    page_b.locator(f".note-card[data-note='{target}'] button.vote", has_text="(1)").wait_for(timeout=1000)
    assert time.monotonic() - started < 1.0
    page_a.locator("#votes-left", has_text="4").wait_for()

    # Hostile text is shown as text, and no dialog fires.
    hostile = "<img src=x onerror=alert(1)>"
    page_a.fill("#note-text", hostile)
    page_a.keyboard.press("Control+Enter")
    shown = page_b.locator(".note-card .note-text", has_text=hostile)
    shown.wait_for(timeout=1000)
    assert shown.inner_text() == hostile
    assert page_b.locator(".note-card img").count() == 0
    page_b.wait_for_timeout(300)

    page_a.click("#show-map")
    page_a.click("#fit")
    page_a.wait_for_timeout(300)
    page_a.screenshot(path=str(artifacts_dir / "concept-map.png"), full_page=True)
    page_b.screenshot(path=str(artifacts_dir / "board-list.png"), full_page=True)

    # A refused op is rolled back with the error shown and nothing typed lost.
    page_a.fill("#note-text", "x" * 10)
    page_a.evaluate("() => { document.getElementById('note-text').removeAttribute('maxlength'); }")
    page_a.fill("#note-text", "y" * 501)
    page_a.click("#add-note button[type=submit]")
    page_a.locator("#board-error", has_text="at most 500 characters").wait_for(timeout=2000)
    assert page_a.input_value("#note-text") == "y" * 501

    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_plenary_side_by_side_pulls_a_cluster_with_provenance(live_url, new_context, artifacts_dir):
    def setup():
        sess = f.session()
        plenary = services.create_board(session=sess, template=Board.Template.CONCEPT_MAP)
        rnd, groups = f.breakout(sess, ["Group A", "Group B", "Group C"])
        boards = services.ensure_group_boards(round=rnd)
        people = [f.participant(sess.workshop, name, country=c, stakeholder=s) for name, c, s in [
            ("Aigerim", "KZ", "teacher"), ("Bakyt", "KG", "school_manager"), ("Farrukh", "TJ", "inservice_trainer")]]
        for group, person in zip(groups, people, strict=True):
            f.member(group, person)
        texts = [
            ["Teachers need online pedagogy", "Learners lack devices", "Shared open resources"],
            ["Donor coordination", "Competency framework for learners"],
            ["Cooperation in distance learning", "Connectivity in rural areas"],
        ]
        for board, person, notes in zip(boards, people, texts, strict=True):
            ids = [services.apply_op(board=board, actor=f.actor(person), op="note.add", op_id="",
                                     data={"text": t})["id"] for t in notes]
            services.apply_op(board=board, actor=f.actor(person), op="cluster.add", op_id="",
                              data={"name": "Key points", "notes": ids[:2]})
        return sess, plenary, boards, people

    sess, plenary, boards, people = _in_thread(setup)
    fac = f.facilitator_user()
    problems: list[str] = []
    page = _user_context(new_context, live_url, fac, **DESKTOP).new_page()
    page.on("dialog", lambda d: (problems.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{live_url}/boards/synthesis/{sess.uuid}/")
    group_a = page.locator(f".synth-board[data-board='{boards[0].pk}']")
    group_a.locator(".note-text", has_text="Shared open resources").wait_for()
    group_a.locator(".pull-cluster").click()
    plenary_col = page.locator(f".synth-board[data-board='{plenary.pk}']")
    plenary_col.locator(".note-text", has_text="Teachers need online pedagogy").wait_for(timeout=2000)
    meta = plenary_col.locator(".note-card", has_text="Teachers need online pedagogy").locator(".note-meta")
    assert "Group A" in meta.inner_text()
    # A note added on a group board by one of its members appears in the side-by-side view live.
    member_page = _open(_participant_context(new_context, live_url, people[1], **DESKTOP),
                        f"{live_url}/boards/{boards[1].pk}/", problems)
    member_page.fill("#note-text", "Better use of existing resources")
    member_page.click("#add-note button[type=submit]")
    page.locator(f".synth-board[data-board='{boards[1].pk}'] .note-text",
                 has_text="Better use of existing resources").wait_for(timeout=2000)
    page.screenshot(path=str(artifacts_dir / "plenary-side-by-side.png"), full_page=True)
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_board_on_a_phone_starts_in_the_list_view_and_adds_a_note(live_url, new_context, artifacts_dir):
    from tests.e2e.conftest import PHONE

    sess = f.session()
    board = services.create_board(session=sess, template=Board.Template.REFLECTION)
    person = f.participant(sess.workshop, "Madina", country="TJ", stakeholder="vet_student")
    problems: list[str] = []
    page = _open(_participant_context(new_context, live_url, person, **PHONE), f"{live_url}/boards/{board.pk}/",
                 problems)
    assert page.locator("#list").is_visible()
    assert not page.locator("#map-wrap").is_visible()
    page.fill("#note-text", "Recorded lessons helped")
    page.select_option("#note-category", label="What worked well")
    page.click("#add-note button[type=submit]")
    page.locator(".board-column", has_text="What worked well").locator(
        ".note-text", has_text="Recorded lessons helped").wait_for()
    # A link without the map, by keyboard: "Link…", choose the other note, Enter.
    page.fill("#note-text", "Training teachers first")
    page.select_option("#note-category", label="What could have helped")
    page.keyboard.press("Control+Enter")
    first = _note_id(page, "Recorded lessons helped")
    _note_id(page, "Training teachers first")  # the real card, not the "saving…" placeholder
    page.locator(f".note-card[data-note='{first}'] button.connect").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("needs")
    page.keyboard.press("Enter")
    page.locator(f".note-card[data-note='{first}'] .note-links", has_text="needs: Training teachers first").wait_for()
    # ...and group it into a new cluster the same way.
    page.locator(f".note-card[data-note='{first}'] button.connect").click()
    page.locator(f".note-card[data-note='{first}'] .cluster-form input").fill("Lessons")
    page.locator(f".note-card[data-note='{first}'] .cluster-form button[type=submit]").click()
    page.locator(f".note-card[data-note='{first}'] .note-meta", has_text="cluster: Lessons").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts_dir / "board-phone.png"), full_page=True)
    assert problems == []


FAKE_LIVE = """
async () => {
  const { followBoard } = await import('/static/js/board-state.js');
  const handlers = {};
  const sent = [];
  const live = {
    on: (type, fn) => { (handlers[type] = handlers[type] || []).push(fn); },
    send: (frame) => sent.push(frame),
    subscribeBoard: (board, since) => sent.push({type: 'subscribe', board, since: since()}),
  };
  const emit = (frame) => (handlers[frame.type] || []).forEach((fn) => fn(frame));
  const applied = [];
  const state = followBoard(live, 7, (s, why) => applied.push([why, s.seq]));
  const note = (id, text) => ({id, text, category: null, cluster: null, parent: null, colour: '', x: 0, y: 0,
                               author: {}, private: false, provenance: {}, votes: 0});
  emit({type: 'snapshot', board: 7, seq: 10, info: {}, categories: [], clusters: [], notes: [], links: [],
        comments: [], me: {notes: [], votes: {}, votes_left: 5, may: {}}});
  // 12 arrives before 11: held, then both applied in order.
  emit({type: 'event', board: 7, seq: 12, op: 'note.add', data: {note: note(2, 'second')}});
  emit({type: 'event', board: 7, seq: 11, op: 'note.add', data: {note: note(1, 'first')}});
  // A placeholder first, then the full event for the same seq (an author's own private note).
  emit({type: 'event', board: 7, seq: 13, op: 'hidden'});
  emit({type: 'event', board: 7, seq: 13, op: 'note.add', data: {note: note(3, 'mine')}});
  emit({type: 'event', board: 7, seq: 12, op: 'note.add', data: {note: note(2, 'second')}});
  const before = sent.length;
  // 15 without 14: after the wait, ask for replay from 13.
  emit({type: 'event', board: 7, seq: 15, op: 'note.add', data: {note: note(5, 'late')}});
  await new Promise((r) => setTimeout(r, 900));
  return {applied, seq: state.seq, texts: [...state.notes.values()].map((n) => n.text),
          resubscribe: sent.slice(before)};
}
"""


@pytest.mark.django_db(transaction=True)
def test_board_state_reorders_early_events_and_asks_for_replay_when_a_gap_stays(live_url, new_context):
    page = new_context().new_page()
    page.goto(live_url + "/")
    result = page.evaluate(FAKE_LIVE)
    assert result == {
        "applied": [["snapshot", 10], ["note.add", 11], ["note.add", 12], ["note.add", 13]],
        "seq": 13,
        "texts": ["first", "second", "mine"],
        "resubscribe": [{"type": "subscribe", "board": 7, "since": 13}],
    }


@pytest.mark.django_db(transaction=True)
def test_rapporteur_pulls_a_note_from_the_group_board_into_plenary(live_url, new_context):
    from mapping.models import Note

    def setup():
        sess = f.session(f.workshop(default_author_mode="named"))  # the pulled copy keeps the name
        plenary = services.create_board(session=sess, template=Board.Template.CONCEPT_MAP)
        rnd, (group,) = f.breakout(sess, ["Group A"])
        [board] = services.ensure_group_boards(round=rnd)
        rapporteur = f.participant(sess.workshop, "Cholpon", country="KG", stakeholder="teacher")
        f.member(group, rapporteur, rapporteur=True)
        services.apply_op(board=board, actor=f.actor(rapporteur), op="note.add", op_id="",
                          data={"text": "Peer support networks"})
        return plenary, board, rapporteur

    plenary, board, rapporteur = _in_thread(setup)
    problems: list[str] = []
    page = _open(_participant_context(new_context, live_url, rapporteur, **DESKTOP), f"{live_url}/boards/{board.pk}/",
                 problems)
    page.click("#show-list")
    button = page.locator(".note-card", has_text="Peer support networks").locator("button.pull")
    button.click()
    page.locator("button.pull", has_text="Pulled into plenary").wait_for()
    copy = Note.objects.get(board=plenary)
    assert (copy.text, copy.provenance["group"], copy.provenance["name"]) == (
        "Peer support networks", "Group A", "Cholpon")
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_arrange_lays_the_map_out_by_category_without_overlaps_for_everyone(live_url, new_context, artifacts_dir):
    def setup():
        sess = f.session()
        board = services.create_board(session=sess, template=Board.Template.CONCEPT_MAP)
        cats = list(board.categories.order_by("order"))
        alice = f.participant(sess.workshop, "Aigerim")
        bob = f.participant(sess.workshop, "Bakyt")
        ids = []
        for i in range(14):  # piled up where they were dropped: one spot, overlapping
            ids.append(services.apply_op(board=board, actor=f.actor(bob), op="note.add", op_id="", data={
                "text": f"Idea {i}: " + "word " * (i % 4), "category": cats[i % 3].pk, "x": 300 + i * 5, "y": 200,
            })["id"])
        for a, b in [(0, 3), (3, 6), (1, 4), (2, 9)]:
            services.apply_op(board=board, actor=f.actor(bob), op="link.add", op_id="",
                              data={"source": ids[a], "target": ids[b], "label": "leads to"})
        return board, alice, bob, ids

    board, alice, bob, ids = _in_thread(setup)
    problems: list[str] = []
    url = f"{live_url}/boards/{board.pk}/"
    page_a = _open(_participant_context(new_context, live_url, alice, **DESKTOP), url, problems)
    page_b = _open(_participant_context(new_context, live_url, bob, **DESKTOP), url, problems)
    page_a.wait_for_function("() => document.getElementById('map')._cy")
    before = int(page_a.get_attribute("#board", "data-seq"))
    page_a.click("#arrange")
    page_a.locator("#map-hint", has_text="14").wait_for(timeout=15000)
    page_a.wait_for_function("() => !document.querySelector('#saving').textContent", timeout=10000)

    # B's map shows the new layout, as the server holds it, and no two notes' boxes meet.
    seq = page_a.get_attribute("#board", "data-seq")
    assert int(seq) == before + 1  # the whole arrangement is one op, one event (note.arrange)
    page_b.wait_for_selector(f"#board[data-seq='{seq}']", timeout=5000)
    boxes = page_b.evaluate(
        "() => document.getElementById('map')._cy.nodes().map((n) => { const b = n.boundingBox();"
        " return [+n.id().slice(1), n.position('x'), n.position('y'), b.x1, b.x2, b.y1, b.y2]; })")
    stored = _in_thread(lambda: {n.pk: (n.x, n.y) for n in Note.objects.filter(board=board)})
    assert {b[0]: (b[1], b[2]) for b in boxes} == stored
    assert len({y for _, y in stored.values()}) > 1, "the pile was spread out"
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = max(a[3] - b[4], b[3] - a[4], a[5] - b[6], b[5] - a[6])
            assert apart >= 30, (a, b)
    page_b.screenshot(path=str(artifacts_dir / "concept-map-arranged.png"), full_page=True)
    assert problems == []
