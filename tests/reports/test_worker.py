"""A real Celery worker (a subprocess) against Redis builds an export; the test downloads
it through the view and opens it. Skipped without REDIS_URL."""

import io
import time
import uuid

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from pypdf import PdfReader

from reports.models import Export
from tests.conftest import REDIS_URL
from tests.reports.factories import RUSSIAN_NOTE, full_workshop
from tests.servers import start_worker, subprocess_database_url

pytestmark = [pytest.mark.worker, pytest.mark.redis]


@pytest.fixture
def celery_worker_process(transactional_db):
    if not REDIS_URL:
        pytest.skip("REDIS_URL not set")
    worker = start_worker(database_url=subprocess_database_url(), name=f"reports-test-{uuid.uuid4().hex[:6]}",
                          env_extra={"REDIS_URL": REDIS_URL, "CHANNELS_PREFIX": settings.CHANNELS_PREFIX,
                                     "MEDIA_ROOT": str(settings.MEDIA_ROOT)})
    yield worker.proc
    worker.stop()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_pdf_and_the_view_serves_it(client, celery_worker_process):
    from config.celery import app

    assert app.conf.task_always_eager is False
    ws = full_workshop()
    staff = get_user_model().objects.create_user("staff-worker", password="pw-staff-123!", is_staff=True)
    client.force_login(staff)
    response = client.post(f"/reports/w/{ws.w.pk}/exports/", {"format": "pdf"})
    assert response.status_code == 302
    export = Export.objects.get()
    seen = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status = client.get(f"/reports/exports/{export.pk}/status/").json()
        seen.append(status["progress"])
        if status["status"] in ("done", "failed"):
            break
        assert celery_worker_process.poll() is None, "the worker exited"
        time.sleep(0.2)
    assert status["status"] == "done", status
    assert seen == sorted(seen)
    download = client.get(status["download_url"])
    assert download.status_code == 200
    reader = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert RUSSIAN_NOTE in text
    assert ws.w.title in text
