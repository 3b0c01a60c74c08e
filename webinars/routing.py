"""WebSocket routes of the webinars app."""

from django.urls import path

from webinars.consumers import RoomConsumer

websocket_urlpatterns: list = [
    path("ws/webinars/<int:session_id>/", RoomConsumer.as_asgi()),
]
