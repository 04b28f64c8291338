"""No Docker engine runs here: check that docker-compose.yml parses and agrees with the
settings and the README."""

import re

import yaml
from django.conf import settings

COMPOSE = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
SETTINGS_SOURCE = (settings.BASE_DIR / "config" / "settings.py").read_text()
README = (settings.BASE_DIR / "README.md").read_text()


def test_compose_names_the_production_services():
    assert {"postgres", "redis", "web", "worker"} <= set(COMPOSE["services"])


def test_every_app_service_has_a_health_check_or_is_one_shot():
    for name, service in COMPOSE["services"].items():
        assert "healthcheck" in service or name == "migrate", name


def test_web_runs_the_asgi_app_with_uvicorn_and_worker_runs_celery():
    web = COMPOSE["services"]["web"]["command"]
    assert web[:2] == ["uvicorn", "config.asgi:application"]
    assert "--ws-per-message-deflate" in web
    assert COMPOSE["services"]["worker"]["command"][:3] == ["celery", "-A", "config"]


def test_app_environment_is_what_the_settings_read():
    env_keys = set(COMPOSE["services"]["web"]["environment"])
    read = set(re.findall(r'env\.(?:str|bool|int|list|db_url)\(\s*"([A-Z_]+)"', SETTINGS_SOURCE))
    assert env_keys <= read, env_keys - read
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"} <= env_keys


def test_readme_documents_every_setting_and_service():
    read = set(re.findall(r'env\.(?:str|bool|int|list|db_url)\(\s*"([A-Z_]+)"', SETTINGS_SOURCE))
    for key in read:
        assert f"`{key}`" in README, f"README does not document {key}"
    for service in ("web", "worker", "postgres", "redis"):
        assert f"`{service}`" in README, service


def test_volumes_are_declared():
    assert {"pgdata", "media"} <= set(COMPOSE["volumes"])
