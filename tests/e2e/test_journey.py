"""The facilitator's and the participant's journey in real Chromium: the participant joins
by code on a phone, fills the profile and lands in their breakout group; the facilitator,
in another browser context, moves them to another group, starts a timer and sends
and clears a message; the phone follows without reloading. A refused op shows words for
its error code."""

import re

import pytest
from playwright.sync_api import expect

from participants.models import Participant
from tests.e2e.conftest import PHONE
from tests.workshops.factories import make_facilitator, make_item, make_link, make_participant, make_session
from workshops import services
from workshops.models import GroupMembership

pytestmark = pytest.mark.e2e


def sign_in(page, base_url: str, username: str, password: str) -> None:
    # Not tests/e2e/conftest.py's login_context: its "button[type=submit]" picks the
    # header's language switch (also a submit button) before the login form's.
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/w/")


def fill_profile(phone, name: str) -> None:
    phone.fill("#id_display_name", name)
    phone.select_option("#id_country", "TJ")
    phone.select_option("#id_stakeholder", "vet_student")
    phone.fill("#id_organisation", "College of Dushanbe")
    phone.select_option("#id_language", "en")
    phone.fill("#id_timezone_name", "Asia/Dushanbe")
    phone.check("#id_consent")


def enter_room(phone) -> None:
    phone.click("text=Join the session")
    phone.wait_for_url(re.compile(r"/room/$"))
    phone.wait_for_selector("#room[data-live=online]")


def propose_and_open(console, groups: int = 2) -> None:
    """On the console: propose `groups` random groups and open them."""
    console.select_option("#id_strategy", "random")
    console.fill("#id_n_groups", str(groups))
    console.click("text=Propose groups")
    console.wait_for_selector("#console[data-live=online]")
    console.click("button[data-op='groups.open']")
    expect(console.locator(".pill.ok", has_text="Groups are running")).to_be_visible()


def csp_watch(page, sink):
    page.on("console", lambda msg: sink.append(msg.text) if "Content Security Policy" in msg.text else None)


@pytest.mark.django_db(transaction=True)
def test_join_by_code_on_a_phone_and_follow_a_move_and_a_timer_live(live_url, new_context, artifacts_dir):
    session = make_session(title="Session 1: practitioners' experience")
    make_item(session, title="Welcome and objectives", kind="plenary", planned_minutes=10)
    make_item(session, title="Group work: concept map", kind="group_work", planned_minutes=45)
    link = make_link(session)
    for name, country in [("Aigerim", "KZ"), ("Bakyt", "KG"), ("Farrukh", "TJ"), ("Gulnora", "UZ")]:
        make_participant(session, name, country=country)
    make_facilitator("anna", "pw-12345-x")
    violations: list[str] = []

    # The facilitator proposes two groups and opens them.
    fac_ctx = new_context(viewport={"width": 1280, "height": 1000})
    console = fac_ctx.new_page()
    sign_in(console, live_url, "anna", "pw-12345-x")
    csp_watch(console, violations)
    console.goto(f"{live_url}/w/s/{session.uuid}/console/")
    console.wait_for_selector("#console[data-live=online]")
    propose_and_open(console)
    console.fill("#message-text", "Rapporteurs: note three key points")
    console.click("text=Send to all groups")
    expect(console.locator(".sb-message-text")).to_have_text("Rapporteurs: note three key points")

    # The participant joins by code on a phone and lands in the group the strategy chose.
    phone = new_context(**PHONE).new_page()
    csp_watch(phone, violations)
    phone.goto(live_url + "/")
    phone.fill("#code", link.code.lower())
    phone.click("button[type=submit].primary")
    phone.wait_for_url(re.compile(r"/j/[^/]+/$"))
    fill_profile(phone, "Madina")
    phone.screenshot(path=str(artifacts_dir / "join.png"), full_page=True)
    enter_room(phone)
    madina = Participant.objects.get(display_name="Madina")
    placed = GroupMembership.objects.select_related("group").get(participant=madina).group
    expect(phone.locator(".sb-group-name")).to_have_text(placed.name)
    # She joined late, yet sees the message sent before she came.
    expect(phone.locator(".sb-message-text")).to_have_text("Rapporteurs: note three key points")
    phone.evaluate("window.__sameDocument = true")

    # The facilitator sees her in the roster and moves her to the other group.
    other = placed.round.groups.exclude(pk=placed.pk).get()
    move = console.locator(f"select.move[data-participant='{madina.pk}']")
    expect(move).to_be_visible()
    expect(console.locator(f".dot.on[data-presence='{madina.pk}']").first).to_be_visible()
    move.select_option(str(other.pk))
    expect(phone.locator(".sb-group-name")).to_have_text(other.name)
    expect(phone.locator(".sb-notice")).to_have_text(f"You were moved to {other.name}.")
    expect(phone.locator(".sb-video")).to_have_attribute("href", other.video_url)

    # ... and starts a ten-minute timer for the round.
    console.fill("#timer-minutes", "10")
    console.click("#timer-start")
    expect(phone.locator(".sb-timer-value")).to_have_text(re.compile(r"^(10:00|09:5\d)$"))
    # A speaker overruns: paused, it stands still on the phone; five more minutes; resumed.
    console.click("#timer-pause")
    expect(phone.locator(".sb-timer-label")).to_contain_text("Paused")
    expect(console.locator("#timer-resume")).to_be_visible()
    console.click("#timer-extend")
    expect(phone.locator(".sb-timer-value")).to_have_text(re.compile(r"^(15:00|14:5\d)$"))
    console.click("#timer-resume")
    expect(phone.locator(".sb-timer-label")).not_to_contain_text("Paused")
    expect(console.locator("#timer-pause")).to_be_visible()
    assert phone.evaluate("window.__sameDocument") is True  # followed without a reload
    expect(console.locator(f".group-col[data-group='{other.pk}'] .name", has_text="Madina")).to_be_visible()

    # The group signals "we need help"; the console shows it at once.
    phone.click("button[data-signal='help']")
    expect(console.locator("#signals .signal-help")).to_contain_text(other.name)

    console.screenshot(path=str(artifacts_dir / "facilitator-console.png"), full_page=True)
    phone.screenshot(path=str(artifacts_dir / "group-view.png"), full_page=True)

    # The facilitator takes the message down; it goes from the phone too.
    console.click("#message-clear")
    expect(phone.locator(".sb-message")).to_be_hidden()

    # A refused op is told in the console's words for its code, not the server's English.
    console.evaluate("""(group) => {
        const b = document.createElement("button");
        Object.assign(b.dataset, {op: "group.rapporteur", group, participant: "999999"});
        b.id = "stale";
        document.getElementById("signals").append(b);
    }""", str(other.pk))
    console.click("#stale")
    expect(console.locator("#signals li.error[data-code=not_found]")).to_have_text(
        "This person is not in the group any more.")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360  # nothing wider than the phone
    assert violations == []


@pytest.mark.django_db(transaction=True)
def test_self_select_on_a_phone_a_full_group_is_refused_in_words_and_another_can_be_chosen(
        live_url, new_context, artifacts_dir):
    session = make_session(title="Session 2: policy")
    link = make_link(session)
    rival = make_participant(session, "Bakyt", country="KG")
    round_ = services.create_round(session=session, agenda_item=None, strategy="self_select", n_groups=2, cap=1)
    services.open_round(round_=round_)
    first, second = round_.groups.order_by("order")
    violations: list[str] = []

    phone = new_context(**PHONE).new_page()
    csp_watch(phone, violations)
    phone.goto(f"{live_url}/j/{link.token}/")
    fill_profile(phone, "Madina")
    enter_room(phone)
    expect(phone.locator(".sb-notice")).to_have_text("Groups are open: choose your group below.")
    expect(phone.locator("#choose-list button")).to_have_text([f"{first.name} (0/1)", f"{second.name} (0/1)"])

    # Someone else takes the first group's only place; the phone still offers it.
    services.choose_group(round_=round_, participant=rival, group=first)
    phone.click(f"#choose-list button:has-text('{first.name}')")
    expect(phone.locator("#choose-status")).to_have_text(
        "This group is full, or choosing has closed. Pick another group.")
    expect(phone.locator("#choose-list button").first).to_be_disabled()  # places re-read

    phone.click(f"#choose-list button:has-text('{second.name}')")
    expect(phone.locator(".sb-group-name")).to_have_text(second.name)
    phone.screenshot(path=str(artifacts_dir / "self-select.png"), full_page=True)
    assert violations == []
