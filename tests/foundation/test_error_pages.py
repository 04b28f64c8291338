"""Friendly error pages in the reader's language (issue 11): a wrong URL, a refused page,
an expired form and a server error show the site's own page, never Django's debug page."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as site_urls

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.foundation.test_error_pages")]


def _boom(request):
    raise RuntimeError("a bug")


def _refused(request):
    raise PermissionDenied


urlpatterns = [path("boom/", _boom), path("refused/", _refused), *site_urls]


def _page(response) -> str:
    html = response.content.decode()
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html  # the site's own chrome
    assert [w for w in ("Django", "Traceback", "urlpatterns") if w in html] == []
    return html


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["Page not found", "Back to the start page"]),
    ("ru", ["Страница не найдена", "На начальную страницу", '<html lang="ru">']),
])
def test_a_wrong_url_shows_the_friendly_404_in_the_readers_language(client, language, words):
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    html = _page(response)
    assert [w in html for w in words] == [True] * len(words)


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["No access to this page", "Facilitator sign-in"]),
    ("ru", ["Нет доступа к этой странице", "Вход для модераторов"]),
])
def test_a_refused_page_shows_the_friendly_403(client, language, words):
    response = client.get("/refused/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    html = _page(response)
    assert [w in html for w in words] == [True] * len(words)


def test_an_expired_form_shows_the_friendly_403_in_russian():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 403
    assert "Срок действия страницы истёк" in _page(response)


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["Something went wrong on our side", "tell the facilitator"]),
    ("ru", ["Что-то пошло не так на нашей стороне", "сообщите модератору"]),
])
def test_a_server_error_shows_the_friendly_500(language, words):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 500
    html = _page(response)
    assert [w in html for w in words] == [True] * len(words)
