import io

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from docx import Document

from participants.identity import remember_participant
from reports.models import Export, ReportDraft

pytestmark = pytest.mark.django_db


def _page(workshop_id: int) -> str:
    return f"/reports/w/{workshop_id}/"


def test_reports_page_asks_anonymous_visitors_to_sign_in(client, ws):
    response = client.get(_page(ws.w.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_reports_page_gives_the_same_404_to_users_without_export_right_and_for_missing_workshops(client, ws):
    user = get_user_model().objects.create_user("someone", password="pw-someone-1!")
    client.force_login(user)
    assert client.get(_page(ws.w.pk)).status_code == 404
    assert client.get(_page(999_999)).status_code == 404
    assert client.post(f"/reports/w/{ws.w.pk}/exports/", {"format": "md"}).status_code == 404
    assert Export.objects.count() == 0


def test_staff_accounts_may_export_without_being_facilitators(client, ws):
    staff = get_user_model().objects.create_user("staff", password="pw-staff-123!", is_staff=True)
    client.force_login(staff)
    assert client.get(_page(ws.w.pk)).status_code == 200


def test_facilitator_generates_edits_and_regenerates_the_draft(fac_client, ws):
    response = fac_client.post(f"/reports/w/{ws.w.pk}/generate/")
    assert response.status_code == 302
    page = fac_client.get(_page(ws.w.pk)).content.decode()
    assert 'id="section-outcomes_map"' in page
    assert "Unstable internet in rural colleges (votes: 3;" in page
    response = fac_client.post(f"/reports/w/{ws.w.pk}/sections/background/", {"body": "Our own background."})
    assert response["Location"] == f"/reports/w/{ws.w.pk}/#section-background"
    fac_client.post(f"/reports/w/{ws.w.pk}/generate/")
    assert ReportDraft.objects.get(workshop=ws.w).sections["background"] == {
        "title": "Background", "body": "Our own background.", "edited": True}
    fac_client.post(f"/reports/w/{ws.w.pk}/generate/", {"discard_edits": "1"})
    assert ReportDraft.objects.get(workshop=ws.w).sections["background"]["body"] == ws.w.background


def test_unknown_section_is_refused_with_a_message_and_nothing_changes(fac_client, ws):
    fac_client.post(f"/reports/w/{ws.w.pk}/generate/")
    before = ReportDraft.objects.get(workshop=ws.w).sections
    response = fac_client.post(f"/reports/w/{ws.w.pk}/sections/nope/", {"body": "x"}, follow=True)
    assert "Unknown section." in response.content.decode()
    assert ReportDraft.objects.get(workshop=ws.w).sections == before


def test_export_runs_after_commit_reports_progress_and_downloads_a_docx(fac_client, ws,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = fac_client.post(f"/reports/w/{ws.w.pk}/exports/", {"format": "docx"})
    assert response.status_code == 302
    export = Export.objects.get()
    status = fac_client.get(f"/reports/exports/{export.pk}/status/").json()
    assert status == {
        "id": export.pk, "format": "docx", "status": "done", "status_label": "Ready", "progress": 100,
        "step": "Ready", "error": "", "download_url": f"/reports/exports/{export.pk}/download/",
    }
    download = fac_client.get(status["download_url"])
    assert download["Content-Disposition"].startswith('attachment; filename="')
    document = Document(io.BytesIO(b"".join(download.streaming_content)))
    assert document.paragraphs[0].text == ws.w.title
    page = fac_client.get(_page(ws.w.pk)).content.decode()
    assert f'data-status-url="/reports/exports/{export.pk}/status/"' in page
    assert 'src="/static/js/reports.js"' in page


def test_unknown_export_format_is_refused_and_nothing_is_queued(fac_client, ws):
    response = fac_client.post(f"/reports/w/{ws.w.pk}/exports/", {"format": "exe"}, follow=True)
    assert "Unknown export format." in response.content.decode()
    assert Export.objects.count() == 0


def test_failed_export_says_why_and_offers_no_download(fac_client, ws):
    export = Export.objects.create(workshop=ws.w, format="bogus")
    from reports.services import run_export

    run_export(export_id=export.pk)
    status = fac_client.get(f"/reports/exports/{export.pk}/status/").json()
    assert (status["status"], status["download_url"], status["error"]) == (
        "failed", None, "ReportError: Unknown export format.")
    assert fac_client.get(f"/reports/exports/{export.pk}/download/").status_code == 404


def test_reports_page_takes_the_same_queries_for_one_or_three_exports(fac_client, ws):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert fac_client.get(_page(ws.w.pk)).status_code == 200
        return len(ctx.captured_queries)

    Export.objects.create(workshop=ws.w, format="md")
    one = count()
    Export.objects.create(workshop=ws.w, format="pdf")
    Export.objects.create(workshop=ws.w, format="csv")
    assert count() == one


def test_board_map_is_served_as_svg_and_png_to_facilitators(fac_client, client, ws):
    svg = fac_client.get(f"/reports/boards/{ws.cmap.pk}/map.svg")
    assert svg["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert svg["Content-Disposition"] == f'inline; filename="{ws.w.slug}-board-{ws.cmap.pk}.svg"'
    assert "Нехватка" in svg.content.decode()
    png = fac_client.get(f"/reports/boards/{ws.cmap.pk}/map.png")
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    other = get_user_model().objects.create_user("other", password="pw-other-123!")
    client.force_login(other)
    assert client.get(f"/reports/boards/{ws.cmap.pk}/map.svg").status_code == 404
    assert client.get("/reports/boards/999999/map.svg").status_code == 404


def _participant_client(person) -> Client:
    client = Client()
    session = client.session
    remember_participant(session, person)
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client


def test_each_board_page_links_its_picture_which_those_who_may_see_the_board_can_open(ws):
    member = _participant_client(ws.aigerim)  # group A, attends session 1
    page = member.get(f"/boards/{ws.group_board.pk}/").content.decode()
    for ext in ("svg", "png"):
        url = f"/reports/boards/{ws.group_board.pk}/map.{ext}"
        assert f'href="{url}"' in page
        assert member.get(url).status_code == 200
        assert member.get(f"/reports/boards/{ws.cmap.pk}/map.{ext}").status_code == 200
    # Not in group A, not at session 1, not signed in at all: the same 404 as a missing board.
    assert _participant_client(ws.bakyt).get(f"/reports/boards/{ws.group_board.pk}/map.svg").status_code == 404
    assert _participant_client(ws.yerlan).get(f"/reports/boards/{ws.cmap.pk}/map.png").status_code == 404
    assert Client().get(f"/reports/boards/{ws.cmap.pk}/map.svg").status_code == 404


def test_reports_page_has_no_inline_script_or_style(fac_client, ws):
    fac_client.post(f"/reports/w/{ws.w.pk}/generate/")
    page = fac_client.get(_page(ws.w.pk)).content.decode()
    assert "<script>" not in page
    assert "style=" not in page
    assert " onclick=" not in page


def test_export_remembers_the_language_it_was_asked_in(fac_client, ws, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fac_client.post(f"/reports/w/{ws.w.pk}/exports/", {"format": "md"}, HTTP_ACCEPT_LANGUAGE="ru")
    export = Export.objects.get()
    assert (export.language, export.status) == ("ru", "done")


def test_export_is_marked_failed_when_the_queue_cannot_be_reached(fac_client, ws, django_capture_on_commit_callbacks):
    from config.celery import app

    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.broker_transport_options = {"max_retries": 0}
    app._pool, app.amqp._producer_pool = None, None  # connections are cached per app: forget them
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = fac_client.post(f"/reports/w/{ws.w.pk}/exports/", {"format": "md"})
    finally:
        app.conf.task_always_eager, app.conf.broker_url = eager, broker
        app.conf.broker_transport_options = {}
        app._pool, app.amqp._producer_pool = None, None
    assert response.status_code == 302
    export = Export.objects.get()
    assert export.status == "failed"
    assert export.error.startswith("The export queue could not be reached: ")


def test_reports_page_renders_in_russian(fac_client, ws):
    fac_client.post(f"/reports/w/{ws.w.pk}/generate/")
    response = fac_client.get(_page(ws.w.pk), HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert 'lang="ru"' in response.content.decode()
