"""axe-core (from npm, node_modules/axe-core) on every screen (issue 11): the join page, the
profile, the room, a board as list and as map, the console, the side-by-side view and the
reports page, in English and Russian: no serious or critical violations. Every violation
found (of any impact) is printed, so the minor ones stay in sight.

axe is injected with add_script_tag, i.e. as an inline script, which the site's
Content-Security-Policy forbids: these contexts bypass the CSP (the CSP itself is checked
by the other browser tests)."""

from __future__ import annotations

import pytest

from mapping import services as mapping_services
from tests.e2e.test_board import _in_thread, _participant_context, _user_context
from tests.mapping import factories as f
from tests.servers import ROOT
from tests.workshops.factories import make_link
from workshops import services as workshop_services
from workshops.models import AgendaItem

pytestmark = pytest.mark.e2e

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
LAPTOP = {"viewport": {"width": 1366, "height": 800}}
LANGUAGES = {"en": {}, "ru": {"locale": "ru-RU", "extra_http_headers": {"Accept-Language": "ru"}}}
BLOCKING = ("serious", "critical")


def _axe(page) -> dict:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
      const r = await axe.run(document);
      return {passed: r.passes.length, violations: r.violations.map((v) => ({id: v.id, impact: v.impact,
        help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5), count: v.nodes.length}))};
    }""")


def _setup():
    ws = f.workshop(title="Exploring distance and online learning in Central Asia")
    sess = f.session(ws, title="Session 1: practitioners")
    board = mapping_services.ensure_plenary_board(session=sess)
    people = [f.participant(ws, name, country=c, stakeholder=s) for name, c, s in [
        ("Aigerim", "KZ", "teacher"), ("Bakyt", "KG", "school_manager"), ("Farrukh", "TJ", "inservice_trainer"),
        ("Gulnora", "UZ", "teacher")]]
    cats = list(board.categories.order_by("order"))
    actor = f.actor(people[0])
    ids = [mapping_services.apply_op(board=board, actor=actor, op="note.add", op_id="", data={
        "text": text, "category": cats[i % len(cats)].pk, "x": 120 + i * 240, "y": 120})["id"]
        for i, text in enumerate(["Unequal internet access", "Free LMS from the ministry", "Short video lessons"])]
    mapping_services.apply_op(board=board, actor=actor, op="link.add", op_id="",
                              data={"source": ids[0], "target": ids[1], "label": "needs"})
    mapping_services.apply_op(board=board, actor=f.actor(people[1]), op="vote.add", op_id="", data={"note": ids[1]})
    item = AgendaItem.objects.create(session=sess, kind="group_work", order=1, planned_minutes=40,
                                     title="Group work: concept map")
    workshop_services.create_round(session=sess, agenda_item=item, strategy="mixed_countries", n_groups=2, seed=18)
    make_link(sess)
    return ws, sess, board, people[0]


@pytest.mark.django_db(transaction=True)
def test_no_serious_or_critical_axe_violations_on_any_screen(live_url, new_context, capsys):
    ws, sess, board, person = _in_thread(_setup)
    fac = f.facilitator_user()
    link = sess.join_links.get()
    found: dict[str, list[dict]] = {}

    def check(name: str, page) -> None:
        result = _axe(page)
        assert result["passed"] >= 10, f"axe checked almost nothing on {name}"  # it really ran on the page
        found[name] = result["violations"]

    for lang, extra in LANGUAGES.items():
        # A newcomer's phone: the join page (and the refusal of an empty form).
        join = new_context(**PHONE, **extra, bypass_csp=True).new_page()
        join.goto(f"{live_url}/j/{link.token}/")
        check(f"{lang} join", join)
        join.click("main form button[type=submit].primary")
        join.wait_for_selector(".errorlist")
        check(f"{lang} join, refused", join)

        phone = _participant_context(new_context, live_url, person, **PHONE, **extra, bypass_csp=True)
        profile = phone.new_page()
        profile.goto(f"{live_url}/j/s/{sess.uuid}/profile/")
        check(f"{lang} profile", profile)
        room = phone.new_page()
        room.goto(f"{live_url}/w/s/{sess.uuid}/room/")
        room.wait_for_selector("#room-board .board[data-ready='1']")
        check(f"{lang} room", room)

        laptop = _participant_context(new_context, live_url, person, **LAPTOP, **extra, bypass_csp=True)
        page = laptop.new_page()
        page.goto(f"{live_url}/boards/{board.pk}/")
        page.wait_for_function("() => { const m = document.getElementById('map'); "
                               "return m && m._cy && m._cy.nodes().length > 0; }")
        check(f"{lang} board, map", page)
        page.click("#show-list")
        page.locator("#list").wait_for(state="visible")
        check(f"{lang} board, list", page)

        staff = _user_context(new_context, live_url, fac, **LAPTOP, **extra, bypass_csp=True)
        console = staff.new_page()
        console.goto(f"{live_url}/w/s/{sess.uuid}/console/")
        console.wait_for_selector("#console[data-live=online]")
        check(f"{lang} console", console)
        synthesis = staff.new_page()
        synthesis.goto(f"{live_url}/boards/synthesis/{sess.uuid}/")
        synthesis.locator(".synth-board").first.wait_for()
        synthesis.wait_for_load_state("networkidle")
        check(f"{lang} side by side", synthesis)
        reports = staff.new_page()
        reports.goto(f"{live_url}/reports/w/{ws.pk}/")
        reports.wait_for_load_state("networkidle")
        check(f"{lang} reports", reports)

    with capsys.disabled():
        print()
        for name, violations in found.items():
            listed = "; ".join(f"{v['impact']} {v['id']} x{v['count']} ({', '.join(v['nodes'][:2])})"
                               for v in violations) or "none"
            print(f"axe {name}: {listed}")
    blocking = {name: [f"{v['id']}: {v['help']} at {v['nodes']}" for v in vs if v["impact"] in BLOCKING]
                for name, vs in found.items()}
    assert {name: vs for name, vs in blocking.items() if vs} == {}
