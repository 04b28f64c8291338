"""Shared fixtures. Tests touching data run on PostgreSQL and Redis when DATABASE_URL and
REDIS_URL are set (CI does both), else on SQLite and the in-memory layer."""

import os

import pytest
from django.conf import settings

# Consumer tests call sync ORM code from the event loop through database_sync_to_async;
# the e2e tests run the server in a subprocess, so nothing here needs async-unsafe mode.
ARTIFACTS = settings.BASE_DIR / "test-artifacts"

REDIS_URL = os.environ.get("REDIS_URL", "")
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture
def artifacts_dir():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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
