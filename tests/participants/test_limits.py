"""Sign-in lockout (django-axes) and join limits (cache counts per client address), over the
real login form and join views. The join limits run on local memory and, when REDIS_URL is
set, on Redis, as the settings choose between them."""

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import AsyncClient, Client

from participants.models import Participant
from tests.conftest import REDIS_URL
from tests.workshops.factories import make_facilitator, make_link, make_session

pytestmark = pytest.mark.django_db

PROFILE = {"display_name": "Aigerim", "country": "KZ", "stakeholder": "teacher", "organisation": "",
           "language": "en", "timezone_name": "Asia/Almaty", "consent": "on"}


@pytest.fixture(params=["locmem", "redis"])
def limits_cache(request, settings):
    """The cache as config/settings.py builds it without and with REDIS_URL. Rates per hour,
    so that a test never straddles the end of a counting window."""
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("REDIS_URL not set")
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": REDIS_URL, "KEY_PREFIX": settings.CHANNELS_PREFIX}}
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                       "LOCATION": "join-limits-test"}}
    settings.JOIN_GUESS_RATE = "3/h"
    settings.JOIN_SUBMIT_RATE = "2/h"
    return request.param


def test_the_limits_have_the_documented_defaults():
    limits = {name: getattr(django_settings, name)
              for name in ("JOIN_GUESS_RATE", "JOIN_SUBMIT_RATE", "AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME")}
    assert limits == {"JOIN_GUESS_RATE": "20/m", "JOIN_SUBMIT_RATE": "60/m", "AXES_FAILURE_LIMIT": 5,
                      "AXES_COOLOFF_TIME": dt.timedelta(minutes=15)}


def test_wrong_codes_beyond_the_limit_pause_joining_from_that_address_in_its_language(limits_cache):
    link = make_link(make_session())
    guesser = Client(REMOTE_ADDR="203.0.113.7", HTTP_ACCEPT_LANGUAGE="ru")
    answers = [guesser.get("/j/code/", {"code": code}).status_code for code in ("QQQQQQ", "WWWWWW", "EEEEEE")]
    paused = guesser.get("/j/code/", {"code": link.code})
    assert (answers, paused.status_code, paused["Retry-After"].isdigit()) == ([302, 302, 302], 429, True)
    assert "Слишком много попыток" in paused.content.decode()
    assert "Из вашей сети было введено слишком много неверных кодов" in paused.content.decode()
    neighbour = Client(REMOTE_ADDR="203.0.113.8")
    assert neighbour.get("/j/code/", {"code": link.code})["Location"] == f"/j/{link.token}/"


def test_right_codes_do_not_count_as_guesses(limits_cache):
    link = make_link(make_session())
    office = Client(REMOTE_ADDR="198.51.100.1")
    assert {office.get("/j/code/", {"code": link.code}).status_code for _ in range(10)} == {302}


def test_unknown_join_and_rejoin_links_count_as_guesses(limits_cache):
    link = make_link(make_session())
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    answers = [guesser.get(path).status_code for path in ("/j/nosuchtoken/", "/j/r/nosuchtoken/", "/j/another/")]
    assert answers == [404, 404, 404]
    paused = guesser.get(f"/j/{link.token}/")
    assert paused.status_code == 429
    assert "Too many wrong codes or links were tried from your network" in paused.content.decode()
    assert guesser.get("/j/r/yetanother/").status_code == 429


def test_join_submissions_beyond_the_limit_are_refused_and_save_nothing(limits_cache):
    link = make_link(make_session())
    names = ["Aigerim", "Bakyt", "Dilnoza"]
    answers = [Client(REMOTE_ADDR="192.0.2.5").post(f"/j/{link.token}/", {**PROFILE, "display_name": name})
               for name in names]
    assert [a.status_code for a in answers] == [302, 302, 429]
    assert "Too many people have joined from your network in a short time." in answers[2].content.decode()
    assert sorted(Participant.objects.values_list("display_name", flat=True)) == ["Aigerim", "Bakyt"]
    other = Client(REMOTE_ADDR="192.0.2.6").post(f"/j/{link.token}/", {**PROFILE, "display_name": "Dilnoza"})
    assert other.status_code == 302


def _sign_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_wrong_passwords_lock_the_account_even_against_the_right_one():
    make_facilitator("amina", "right-pass-123")
    attacker = Client(REMOTE_ADDR="203.0.113.20")
    answers = [_sign_in(attacker, "amina", f"guess-{n}").status_code for n in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    for client in (attacker, Client(REMOTE_ADDR="198.51.100.30", HTTP_ACCEPT_LANGUAGE="ru")):
        response = _sign_in(client, "amina", "right-pass-123")
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
    assert "Слишком много неверных паролей" in response.content.decode()
    assert "Подождите 15 минут и попробуйте снова." in response.content.decode()


def test_a_locked_out_address_may_not_try_other_accounts():
    make_facilitator("amina", "right-pass-123")
    make_facilitator("bakyt", "right-pass-456")
    attacker = Client(REMOTE_ADDR="203.0.113.21")
    for n in range(5):
        _sign_in(attacker, f"user{n}", "guess")
    assert _sign_in(attacker, "bakyt", "right-pass-456").status_code == 429
    colleague = Client(REMOTE_ADDR="198.51.100.31")
    assert _sign_in(colleague, "bakyt", "right-pass-456")["Location"] == "/w/"


def test_sign_in_works_again_after_the_cool_off():
    make_facilitator("amina", "right-pass-123")
    client = Client(REMOTE_ADDR="203.0.113.22")
    for n in range(5):
        _sign_in(client, "amina", f"guess-{n}")
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - django_settings.AXES_COOLOFF_TIME
                                 - dt.timedelta(seconds=1))
    assert _sign_in(client, "amina", "right-pass-123")["Location"] == "/w/"


def test_a_right_password_starts_the_count_again():
    make_facilitator("amina", "right-pass-123")
    client = Client(REMOTE_ADDR="203.0.113.23")
    for _round in range(2):
        assert [_sign_in(client, "amina", f"typo-{n}").status_code for n in range(4)] == [200] * 4
        assert _sign_in(client, "amina", "right-pass-123")["Location"] == "/w/"
        client.post("/accounts/logout/")


@pytest.mark.django_db(transaction=True)
async def test_the_lockout_holds_under_asgi_as_uvicorn_serves_it():
    await sync_to_async(make_facilitator)("amina", "right-pass-123")
    client = AsyncClient(REMOTE_ADDR="203.0.113.24")
    answers = [(await client.post("/accounts/login/", {"username": "amina", "password": f"guess-{n}"})).status_code
               for n in range(5)]
    right = await client.post("/accounts/login/", {"username": "amina", "password": "right-pass-123"})
    assert (answers, right.status_code) == ([200, 200, 200, 200, 429], 429)
    assert "Too many wrong passwords" in right.content.decode()
