from django.urls import path

from .consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/sessions/<uuid:session_uuid>/", LiveConsumer.as_asgi()),
]
