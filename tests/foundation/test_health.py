import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_when_database_and_layer_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": True, "channel_layer": True}


def test_healthz_answers_503_when_the_channel_layer_is_unreachable(client, settings):
    from channels.layers import channel_layers

    layers = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                          "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}}
    with override_settings(CHANNEL_LAYERS=layers):
        channel_layers.backends.clear()
        response = client.get("/healthz")
    channel_layers.backends.clear()
    assert response.status_code == 503
    assert response.json()["channel_layer"] is False
    assert response.json()["database"] is True


def test_login_page_renders_in_russian(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert 'lang="ru"' in response.content.decode()
