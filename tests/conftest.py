"""Shared fixtures. Tests touching data run on PostgreSQL and Redis when DATABASE_URL and
REDIS_URL are set (CI does both), else on SQLite and the in-memory layer."""

import os
import uuid

import pytest
from django.conf import settings

# Consumer tests call sync ORM code from the event loop through database_sync_to_async;
# the e2e tests run the server in a subprocess, so nothing here needs async-unsafe mode.
ARTIFACTS = settings.BASE_DIR / "test-artifacts"

# Tests render pages without collectstatic: plain static names, found by the finders, as
# with DEBUG=1 (tests/e2e/test_budgets.py serves the hashed, compressed files).
settings.STORAGES = {**settings.STORAGES,
                     "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
settings.WHITENOISE_USE_FINDERS = True

REDIS_URL = os.environ.get("REDIS_URL", "")
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture
def fac(client, db):
    """The test client, signed in as a facilitator."""
    from tests.workshops.factories import make_facilitator

    client.force_login(make_facilitator())
    return client


@pytest.fixture
def artifacts_dir():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Unit tests run Celery tasks (exports, input-board syncs) in-process (Celery's
    eager mode), even when REDIS_URL is set; tests marked `worker` use a real worker."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _english():
    """Generated text follows the active language; a Russian request in an earlier test
    (LocaleMiddleware activates per thread) must not leak into this one."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_join_limits(settings):
    """Join limits count per client address in the cache, which outlives a test (and on
    Redis the run): a prefix of its own gives each test fresh counts under the real rates."""
    settings.RATELIMIT_CACHE_PREFIX = f"rl:{uuid.uuid4().hex}:"


@pytest.fixture
def redis_layer(settings):
    """Switch the channel layer to channels-redis for one test (skips without Redis)."""
    if not REDIS_URL:
        pytest.skip("REDIS_URL not set")
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": settings.CHANNELS_PREFIX + "t"},
        }
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def memory_layer(settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 10000}}
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(params=["memory", "redis"])
def any_layer(request):
    """Run a test once per channel layer: in-memory, and Redis when reachable."""
    request.getfixturevalue(f"{request.param}_layer")
    return request.param


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup, django_db_blocker):
    """Consumer tests run ORM code in asgiref's worker threads, whose connections outlive
    the tests; on PostgreSQL they would keep the test database from being dropped."""
    yield
    if not ON_POSTGRES:
        return
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
