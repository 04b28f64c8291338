"""One settings module, read from environment variables, with safe embedded defaults.

Without DATABASE_URL the app runs on a SQLite file; without REDIS_URL it uses the
in-memory channel layer, a local-memory cache and eager Celery. That is the embedded
default `make run` starts. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY,
DEBUG=0 and ALLOWED_HOSTS (see README.md, "Configuration").
"""

import datetime as dt
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

# Off unless asked for (DEBUG=1): with it on, a wrong URL lists every route and an error
# shows its traceback, so even `make run` serves friendly pages and hashed static files.
DEBUG = env.bool("DEBUG", default=False)

_LOCAL_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=_LOCAL_HOSTS)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public origin used in join links and QR codes when no request is at hand
# (exports, management commands). Requests use their own host.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Served to the public behind TLS: HTTPS redirects, secure cookies, HSTS ("Security" below).
BEHIND_TLS = SITE_URL.startswith("https://")

_INSECURE_KEY = "django-insecure-embedded-default-key-change-me-in-production-0123456789"
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_KEY)
# The embedded key is public (it is in this file): fine on one's own machine, never once
# other hosts are served. It signs sessions, i.e. every participant's identity.
if SECRET_KEY == _INSECURE_KEY and (BEHIND_TLS or not set(ALLOWED_HOSTS) <= set(_LOCAL_HOSTS)):
    raise environ.ImproperlyConfigured(
        "Set SECRET_KEY: the embedded key is for this machine only (SITE_URL is https:// or ALLOWED_HOSTS "
        "names another host)."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "config.apps.StaticFiles",
    "channels",
    "participants",
    "workshops",
    "realtime",
    "mapping",
    "live",
    "reports",
    "axes",
]

MIDDLEWARE = [
    # Outermost: under ASGI a request's persistent DB connection is never reused (see it).
    "config.middleware.CloseDatabaseAfterRequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (static files come precompressed), above everything that writes a body.
    "config.middleware.CompressionMiddleware",
    "config.middleware.ImmutableNoVaryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.ViewerTimezoneMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "config.i18n.catalogue_context",
            ],
        },
    },
]

# --- Database: SQLite file by default, PostgreSQL (psycopg2) with DATABASE_URL ---
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads (ASGI server + sync_to_async) write; wait instead of failing.
    # IMMEDIATE: a transaction takes the write lock when it begins; a deferred one that
    # reads and then writes fails at once with "database is locked" whatever the timeout
    # (80 concurrent joins got HTTP 500s; see docs/performance.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not DATABASES["default"]["TEST"]["NAME"]:
    # A file, not memory: the end-to-end tests run the server in a subprocess that must see it.
    DATABASES["default"]["TEST"]["NAME"] = str(BASE_DIR / "var" / "test.sqlite3")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache and Celery; all embedded when REDIS_URL is unset ---
REDIS_URL = env.str("REDIS_URL", default="")
# Keeps several installations (or parallel test runs) on one Redis apart: pub/sub
# channels ignore the Redis database number.
CHANNELS_PREFIX = env.str("CHANNELS_PREFIX", default="ws")
if REDIS_URL:
    # The pub/sub layer sends one message per group_send, whatever the group's size;
    # the classic layer carries every member's channel name in each message.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNELS_PREFIX},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CHANNELS_PREFIX,
        }
    }
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
else:
    # One hub channel per process carries every frame, so give it room (default 100).
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 10000}}
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default=f"{CHANNELS_PREFIX}-celery")
CELERY_TASK_TRACK_STARTED = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Auth ---
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workshops:list"
LOGOUT_REDIRECT_URL = "home"

# --- Languages and times ---
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# The server's default zone; each workshop has its own home zone, each viewer their own.
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Rome")

# --- Static and media files ---
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Only the npm packages pages load (config.apps skips their unused builds); dev packages
# (eslint, axe-core) stay out of collectstatic.
_NPM = BASE_DIR / "node_modules"
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/cytoscape/dist", _NPM / "cytoscape" / "dist"),
                    ("vendor/elkjs/lib", _NPM / "elkjs" / "lib")]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Without DEBUG: hashed, precompressed, cached for a year (`make run` and the image
        # run collectstatic); tests/conftest.py renders tests' pages with plain names.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG else "config.storage.StaticStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Security ---
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 60  # participants come back for session two
CSRF_COOKIE_HTTPONLY = False  # the board module reads it for its few HTTP posts
# Lax: a join link opened from an e-mail or a chat still carries the session; a form
# posted from another site does not. Django leaves the language cookie without SameSite.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if BEHIND_TLS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Sign-in and join limits (docs/deployment.md, "Sign-in and join limits") ---
# Sign-in: after SIGNIN_FAILURE_LIMIT wrong passwords for one username, or from one
# address, that username (or address) is refused for SIGNIN_LOCKOUT_MINUTES, right
# password or not. Failures are rows in the database, so every web process agrees.
AXES_FAILURE_LIMIT = env.int("SIGNIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("SIGNIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True  # a few typos then the right password start the count again
AXES_DISABLE_ACCESS_LOG = True  # failures are kept (until the cool-off); successful sign-ins are not
# uvicorn --proxy-headers already puts the client's address in REMOTE_ADDR; never read
# X-Forwarded-For ourselves, which any client can write.
AXES_CLIENT_IP_CALLABLE = "participants.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "config.views.signin_locked_out"
# Joining (per client address, in the cache: Redis with REDIS_URL, else this process's
# memory). Guesses are wrong or withdrawn codes and unknown join or rejoin links;
# submissions are posts of the join form. Django-ratelimit rates: "20/m", "100/h".
JOIN_GUESS_RATE = env.str("JOIN_GUESS_RATE", default="20/m")
JOIN_SUBMIT_RATE = env.str("JOIN_SUBMIT_RATE", default="60/m")

# No inline script or style anywhere, so the policy can forbid both.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", "ws:", "wss:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# Video rooms are links we generate or paste; we build no video.
VIDEO_ROOM_BASE_URL = env.str("VIDEO_ROOM_BASE_URL", default="https://meet.jit.si/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
