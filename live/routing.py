from django.urls import path, re_path

from .consumers import LiveConsumer, RefuseConsumer, refuse_when_database_down

websocket_urlpatterns = [
    path("ws/sessions/<uuid:session_uuid>/", LiveConsumer.as_asgi()),
    re_path(r"", RefuseConsumer.as_asgi()),
]

__all__ = ["refuse_when_database_down", "websocket_urlpatterns"]
