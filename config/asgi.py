"""ASGI entry point: HTTP through Django, websockets through Channels, behind origin
validation (ALLOWED_HOSTS) and session/auth middleware."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from live.routing import refuse_when_database_down, websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            refuse_when_database_down(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
