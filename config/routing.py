"""WebSocket URL patterns of every app, gathered in one list."""

from webinars.routing import websocket_urlpatterns as webinar_patterns

websocket_urlpatterns = [*webinar_patterns]
