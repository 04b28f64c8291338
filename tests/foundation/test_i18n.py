import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.utils import translation


def test_russian_catalogues_have_no_missing_or_fuzzy_entries():
    result = subprocess.run(
        [sys.executable, "scripts/translations.py", "--check"], cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_compiled_russian_catalogue_is_used():
    with translation.override("ru"):
        assert translation.gettext("Join a workshop") == "Присоединиться к семинару"


@pytest.mark.django_db
def test_javascript_catalogue_serves_russian(client):
    response = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert b"django.gettext" in response.content


@pytest.mark.django_db
def test_board_module_strings_reach_the_javascript_catalogue(client):
    # board-ui.js calls gettext through a short alias t("..."); makemessages extracts it.
    response = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="ru")
    assert json.dumps("сохранение…")[1:-1] in response.content.decode()  # the catalogue is JSON-escaped
