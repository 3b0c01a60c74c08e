"""WebSocket routes of the webinars app."""

websocket_urlpatterns: list = []
