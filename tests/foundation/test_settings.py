import asyncio
import os
import subprocess
import sys

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from tests.conftest import REDIS_URL


def _settings_in_subprocess(env_overrides: dict[str, str | None], expr: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({k: v for k, v in env_overrides.items() if v is not None})
    code = f"import django, os; django.setup(); from django.conf import settings as s; print({expr})"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.check_output([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, text=True).strip()


def test_without_services_settings_are_embedded():
    out = _settings_in_subprocess(
        {}, "s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'], "
        "s.CACHES['default']['BACKEND'], s.CELERY_TASK_ALWAYS_EAGER"
    )
    assert out == (
        "django.db.backends.sqlite3 channels.layers.InMemoryChannelLayer "
        "django.core.cache.backends.locmem.LocMemCache True"
    )


def test_with_urls_settings_use_postgres_and_redis():
    out = _settings_in_subprocess(
        {"DATABASE_URL": "postgres://u@127.0.0.1:5432/db", "REDIS_URL": "redis://127.0.0.1:6379/3"},
        "s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'], "
        "s.CACHES['default']['BACKEND'], s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER",
    )
    assert out == (
        "django.db.backends.postgresql channels_redis.pubsub.RedisPubSubChannelLayer "
        "django.core.cache.backends.redis.RedisCache redis://127.0.0.1:6379/3 False"
    )


def test_the_embedded_default_runs_without_debug_and_without_tls():
    out = _settings_in_subprocess({"DEBUG": None}, "s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
                                  "s.STORAGES['staticfiles']['BACKEND']")
    assert out == "False False False config.storage.StaticStorage"


def test_production_settings_pass_check_deploy():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"DEBUG": "0", "SECRET_KEY": "x" * 20 + "a-real-production-secret-1234567890!@#",
                "ALLOWED_HOSTS": "workshops.example.org", "SITE_URL": "https://workshops.example.org"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=settings.BASE_DIR, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("public", [{"SITE_URL": "https://workshops.example.org"},
                                    {"ALLOWED_HOSTS": "workshops.example.org"}])
def test_a_public_site_refuses_the_embedded_secret_key(public):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(public)
    result = subprocess.run([sys.executable, "manage.py", "check"], env=env, cwd=settings.BASE_DIR,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


@pytest.mark.redis
def test_redis_layer_delivers_a_message(redis_layer):
    layer = get_channel_layer()
    assert type(layer).__module__ == "channels_redis.pubsub"

    async def round_trip():
        channel = await layer.new_channel()
        await layer.group_add("foundation-test", channel)
        await layer.group_send("foundation-test", {"type": "hello", "text": "привет"})
        message = await asyncio.wait_for(layer.receive(channel), 5)
        await layer.flush()
        return message

    assert async_to_sync(round_trip)() == {"type": "hello", "text": "привет"}


def test_memory_layer_is_used_without_redis(memory_layer):
    layer = get_channel_layer()
    assert type(layer).__name__ == "InMemoryChannelLayer"

    async def round_trip():
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "hello"})
        return await layer.receive(channel)

    assert async_to_sync(round_trip)() == {"type": "hello"}


def test_redis_url_matches_ci_when_set():
    if not REDIS_URL:
        pytest.skip("REDIS_URL not set")
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
