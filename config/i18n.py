"""The JavaScript catalogue at a per-language, versioned URL that browsers keep for a year.

`/jsi18n/` answers in whatever language the request negotiates, so no cache may keep it
and every page used to fetch it again (34 KB in Russian). base.html instead loads
`/jsi18n/<language>/<version>.js`, where the version is a digest of that catalogue's own
bytes: a new translation is a new URL, an unchanged one is never fetched twice.
"""

from __future__ import annotations

import hashlib
from functools import cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation.trans_real import DjangoTranslation
from django.views.i18n import JavaScriptCatalog

YEAR = 60 * 60 * 24 * 365


@cache
def _catalogue(language: str) -> tuple[bytes, str]:
    """The rendered catalogue of `language` and its version, once per process (like
    gettext's own catalogues, a new translation needs a restart)."""
    view = JavaScriptCatalog()
    with translation.override(language):  # the formats part follows the active language
        view.translation = DjangoTranslation(language, domain=view.domain)
        body = view.render_to_response(view.get_context_data()).content
    return body, hashlib.sha256(body).hexdigest()[:12]


def catalogue_url(language: str) -> str:
    return reverse("javascript-catalog-versioned", args=[language, _catalogue(language)[1]])


def javascript_catalogue(request: HttpRequest, language: str, version: str) -> HttpResponse:
    """The catalogue; immutable for a year at its current version. An old version (a page
    cached across a deploy) gets the current catalogue, briefly cacheable."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    body, current = _catalogue(language)
    response = HttpResponse(body, content_type='text/javascript; charset="utf-8"')
    if version == current:
        patch_cache_control(response, public=True, max_age=YEAR, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=300)
    return response


def catalogue_context(request: HttpRequest) -> dict[str, str]:
    """Context processor: `jsi18n_url`, the catalogue of the active language."""
    language = translation.get_language()
    return {"jsi18n_url": catalogue_url(language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE)}
