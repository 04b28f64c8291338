"""The staff reports page in real Chromium on a phone: a queued export's progress bar
advances as a worker builds it, then the download link appears and downloads the file."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model

from reports import services
from reports.models import Export
from tests.e2e.conftest import PHONE, browser, live_server_process, live_url, new_context  # noqa: F401
from tests.reports.factories import full_workshop

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_progress_bar_advances_and_download_link_appears_on_a_phone(live_url, new_context, artifacts_dir,  # noqa: F811
                                                                     settings):
    # The server subprocess stores and serves files from its own MEDIA_ROOT; the "worker"
    # here (this test process) must write there too.
    settings.MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", django_settings.BASE_DIR / "media"))
    ws = full_workshop()
    get_user_model().objects.create_user("e2e-staff", password="pw-e2e-staff-1!", is_staff=True)
    export = Export.objects.create(workshop=ws.w, format="md", step="Waiting for a worker")
    context = new_context(**PHONE, accept_downloads=True)
    page = context.new_page()
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(f"{live_url}/reports/w/{ws.w.pk}/")  # -> the login form, then back here
    page.fill("input[name=username]", "e2e-staff")
    page.fill("input[name=password]", "pw-e2e-staff-1!")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_url}/reports/w/{ws.w.pk}/")
    item = page.locator(f'.export-item[data-status-url="/reports/exports/{export.pk}/status/"]')
    assert item.locator(".export-status").inner_text() == "Waiting"
    assert item.locator("progress").evaluate("el => el.value") == 0
    assert item.locator(".export-download").is_hidden()
    page.screenshot(path=str(artifacts_dir / "reports-phone-waiting.png"), full_page=True)

    services.run_export(export_id=export.pk)  # what the worker does

    item.locator(".export-download").wait_for(state="visible", timeout=10000)
    assert item.locator("progress").evaluate("el => el.value") == 100
    assert item.locator(".export-status").inner_text() == "Ready"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts_dir / "reports-phone-ready.png"), full_page=True)
    with page.expect_download() as info:
        item.locator(".export-download").click()
    content = Path(info.value.path()).read_text(encoding="utf-8")
    assert content.startswith(f"# {ws.w.title}\n")
    assert violations == []
    Export.objects.get(pk=export.pk).file.delete(save=False)


@pytest.mark.django_db(transaction=True)
def test_staff_edit_a_section_on_a_phone_and_regenerating_keeps_it(live_url, new_context, artifacts_dir):  # noqa: F811
    ws = full_workshop()
    get_user_model().objects.create_user("e2e-editor", password="pw-e2e-editor-1!", is_staff=True)
    page = new_context(**PHONE).new_page()
    page.goto(f"{live_url}/reports/w/{ws.w.pk}/")
    page.fill("input[name=username]", "e2e-editor")
    page.fill("input[name=password]", "pw-e2e-editor-1!")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_url}/reports/w/{ws.w.pk}/")
    page.click("text=Generate the draft")
    box = page.locator("#body-conclusions")
    assert box.input_value().startswith("The items that gathered most support:")
    box.fill("### Our conclusions\n- Keep the regional platform going")
    page.locator("#section-conclusions button[type=submit]").click()
    page.wait_for_url(f"{live_url}/reports/w/{ws.w.pk}/#section-conclusions")
    assert page.locator("#section-conclusions .badge").inner_text() == "edited"
    page.click("text=Regenerate the draft")
    page.wait_for_load_state()
    assert page.locator("#body-conclusions").input_value() == "### Our conclusions\n- Keep the regional platform going"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("#section-conclusions").screenshot(path=str(artifacts_dir / "reports-phone-edited-section.png"))
