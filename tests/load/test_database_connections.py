"""Under ASGI every HTTP request runs in a thread of its own, so a persistent database
connection is never reused: without config.middleware.CloseDatabaseAfterRequestMiddleware
each request left one idle PostgreSQL connection behind until PostgreSQL refused new
clients. The server runs as in production (uvicorn subprocess, CONN_MAX_AGE=60)."""

import concurrent.futures
import time
import urllib.request

import pytest
from django.db import connection

from tests.conftest import ON_POSTGRES
from tests.servers import start_server, subprocess_database_url

pytestmark = [
    pytest.mark.load,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not ON_POSTGRES, reason="counts PostgreSQL backends"),
]


APP_NAME = "leak-check"


def server_connections() -> int:
    """Backends the server under test opened (tagged with its application_name: other
    tests' servers and worker threads may hold connections of their own). A backend whose client closed the
    connection leaves pg_stat_activity a few milliseconds later, so wait up to 3 s for
    the count to fall to zero; a leaked connection stays (it is open and idle)."""
    deadline = time.monotonic() + 3
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND application_name = %s", [APP_NAME])
            count = cursor.fetchone()[0]
        if count == 0 or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def fetch(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


def test_http_requests_leave_no_idle_database_connections_behind(monkeypatch):
    monkeypatch.setenv("CONN_MAX_AGE", "60")
    server = start_server(database_url=f"{subprocess_database_url()}?application_name={APP_NAME}")
    try:
        before = server_connections()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(fetch, [server.base_url + "/healthz"] * 40))
        after = server_connections()
    finally:
        server.stop()

    assert statuses == [200] * 40
    assert (before, after) == (0, 0)
