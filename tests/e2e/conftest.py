"""End-to-end fixtures: the app served by uvicorn in a subprocess (as `make run` serves
it) on the test database, and Debian's Chromium driven by Playwright.

Tests using `live_url` must be `@pytest.mark.django_db(transaction=True)` so the rows they
create are committed and visible to the server process. Screenshots go to test-artifacts/.
"""

import os
import shutil
import uuid

import pytest

from tests.conftest import REDIS_URL
from tests.servers import start_server, start_worker, subprocess_database_url

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server_process(django_db_setup, django_db_blocker):
    """uvicorn serving config.asgi on the test database; yields its base URL. With Redis
    (REDIS_URL set, as in production) Celery tasks are not run eagerly, so a real worker
    runs beside it (session two's input boards follow session one through it)."""
    database_url = subprocess_database_url()  # NAME is the test database by now
    # A queue of their own: the worker test's worker (another MEDIA_ROOT) must not take
    # the e2e server's tasks, nor this worker the worker test's.
    own = {"CELERY_QUEUE": f"e2e-{uuid.uuid4().hex[:8]}-celery"}
    server = start_server(database_url=database_url, env_extra=own)
    worker = start_worker(database_url=database_url, name=f"e2e-{uuid.uuid4().hex[:6]}",
                          env_extra=own) if REDIS_URL else None
    yield server.base_url
    server.stop()
    if worker is not None:
        worker.stop()


@pytest.fixture
def live_url(live_server_process, transactional_db):
    return live_server_process


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module.

    Playwright's sync API keeps an event loop running in this thread, beside which
    Django's ORM refuses to run; the ORM calls in e2e tests are plain setup and teardown
    on a committed database, so the guard is lifted for exactly the browser's lifetime
    (module scope, so the rest of the suite keeps the guard).
    """
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (make test installs it when run as root)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(browser):
    """Factory for isolated browser contexts (separate cookies: one per person)."""
    contexts = []

    def make(**kwargs):
        context = browser.new_context(**kwargs)
        context.set_default_timeout(10000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


def login_context(context, base_url: str, username: str, password: str) -> None:
    """Sign a browser context in through the real login form."""
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.close()
