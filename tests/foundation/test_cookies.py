"""Cookies in production (DEBUG=0, an https:// SITE_URL): session, CSRF and language are all
Secure and SameSite=Lax.
The cookie settings are read from a subprocess started as production starts, then applied here
to the real views that set each cookie."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from tests.workshops.factories import make_link, make_session

COOKIE_SETTINGS = [f"{name}_COOKIE_{attr}" for name in ("SESSION", "CSRF", "LANGUAGE")
                   for attr in ("SECURE", "SAMESITE", "HTTPONLY")]


def _production_cookie_settings() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"DEBUG": "0", "SECRET_KEY": "x" * 20 + "a-real-production-secret-1234567890!@#",
                "ALLOWED_HOSTS": "workshops.example.org", "SITE_URL": "https://workshops.example.org",
                "DJANGO_SETTINGS_MODULE": "config.settings"})
    code = ("import json, django; django.setup(); from django.conf import settings as s; "
            f"print(json.dumps({{n: getattr(s, n) for n in {COOKIE_SETTINGS!r}}}))")
    out = subprocess.check_output([sys.executable, "-c", code], env=env, cwd=django_settings.BASE_DIR, text=True)
    return json.loads(out.strip().splitlines()[-1])


def test_production_marks_every_cookie_secure_and_same_site_lax():
    assert _production_cookie_settings() == {
        "SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_SAMESITE": "Lax", "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True, "CSRF_COOKIE_SAMESITE": "Lax", "CSRF_COOKIE_HTTPONLY": False,
        "LANGUAGE_COOKIE_SECURE": True, "LANGUAGE_COOKIE_SAMESITE": "Lax", "LANGUAGE_COOKIE_HTTPONLY": False,
    }


@pytest.mark.django_db
def test_the_views_that_set_cookies_follow_the_production_settings(client, settings):
    for name, value in _production_cookie_settings().items():
        setattr(settings, name, value)
    link = make_link(make_session())
    client.get(f"/j/{link.token}/", secure=True)  # the join form: CSRF cookie
    client.post(f"/j/{link.token}/", {"display_name": "Aigerim", "country": "KZ", "stakeholder": "teacher",
                                      "language": "ru", "timezone_name": "Asia/Almaty", "consent": "on"},
                secure=True)  # joining: session and language cookies
    joined = {name: (c["secure"], c["samesite"]) for name, c in client.cookies.items()}
    client.cookies.clear()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True)
    assert response.status_code == 302
    switched = client.cookies["django_language"]
    assert (joined, (switched["secure"], switched["samesite"])) == (
        {"csrftoken": (True, "Lax"), "sessionid": (True, "Lax"), "django_language": (True, "Lax")}, (True, "Lax"))
