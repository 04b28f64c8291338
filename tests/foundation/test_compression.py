"""Weak connections (issue 11): pages, JSON and the JavaScript catalogue are gzip'd;
streaming responses are not; the catalogue has a per-language URL cached for a year."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory

from config.middleware import CompressionMiddleware
from mapping import services
from participants.identity import remember_participant
from tests.mapping import factories as f

pytestmark = pytest.mark.django_db
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def _unzipped(response) -> bytes:
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    return gzip.decompress(response.content)


def test_the_join_page_is_gzipped_and_reads_the_same(client):
    plain = client.get("/")
    zipped = client.get("/", **GZIP)
    assert not plain.has_header("Content-Encoding")
    assert len(zipped.content) < len(plain.content)
    # The CSRF token is masked anew in every response; the rest is the same page.
    assert re.sub(rb'value="[^"]{64}"', b"", _unzipped(zipped)) == re.sub(rb'value="[^"]{64}"', b"", plain.content)


def test_a_board_snapshot_is_gzipped_json():
    sess = f.session()
    board = services.create_board(session=sess, template="concept_map")
    person = f.participant(sess.workshop, "Aigerim")
    for i in range(5):
        services.apply_op(board=board, actor=f.actor(person), op="note.add", op_id=f"n{i}", data={"text": f"note {i}"})
    client = Client()
    session = client.session
    remember_participant(session, person)
    session.save()
    client.cookies["sessionid"] = session.session_key
    response = client.get(f"/boards/{board.pk}/snapshot/", **GZIP)
    assert response["Content-Type"] == "application/json"
    assert [n["text"] for n in json.loads(_unzipped(response))["notes"]] == [f"note {i}" for i in range(5)]


def test_streaming_and_binary_responses_pass_untouched():
    request = RequestFactory().get("/", **GZIP)
    body = b"PK\x03\x04" + b"x" * 5000
    middleware = CompressionMiddleware(lambda r: None)
    streamed = middleware.process_response(request, StreamingHttpResponse(iter([body]), content_type="text/csv"))
    assert not streamed.has_header("Content-Encoding")
    assert b"".join(streamed.streaming_content) == body
    binary = middleware.process_response(request, HttpResponse(body, content_type="application/zip"))
    assert (binary.has_header("Content-Encoding"), binary.content) == (False, body)
    text = middleware.process_response(request, HttpResponse(b"x" * 5000, content_type="text/html"))
    assert gzip.decompress(text.content) == b"x" * 5000


def test_pages_load_the_catalogue_of_their_language_at_a_url_cached_for_a_year(client):
    for language in ("en", "ru"):
        page = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        url = re.search(r'<script src="(/jsi18n/[^"]+)"', page)[1]
        assert re.fullmatch(rf"/jsi18n/{language}/[0-9a-f]{{12}}\.js", url)
        versioned = client.get(url, **GZIP)
        assert versioned["Cache-Control"] == "public, max-age=31536000, immutable"
        assert versioned["Vary"] == "Accept-Encoding"  # not Cookie: a new cookie must not refetch it
        negotiated = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE=language)
        assert _unzipped(versioned) == negotiated.content
    russian = client.get(re.search(r'src="(/jsi18n/ru/[^"]+)"', client.get("/", HTTP_ACCEPT_LANGUAGE="ru")
                                   .content.decode())[1])
    assert json.dumps("сохранение…")[1:-1] in russian.content.decode()


def test_an_old_catalogue_version_gets_the_current_one_briefly_and_unknown_languages_404(client):
    current = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="ru").content
    old = client.get("/jsi18n/ru/000000000000.js")
    assert (old.content, old["Cache-Control"]) == (current, "public, max-age=300")
    assert client.get("/jsi18n/xx/000000000000.js").status_code == 404
