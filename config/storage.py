"""Static files as production and `make run` serve them (DEBUG off, after collectstatic)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed names, which WhiteNoise serves with a year's `immutable` max-age; gzip and
    brotli copies made once at collectstatic; and the ES modules' own
    `import … from "./x.js"` rewritten to the hashed names, so a module graph is cached
    whole and a changed module is a new URL all the way up (Django's ES-module support)."""

    support_js_module_import_aggregation = True
