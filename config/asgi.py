"""One ASGI application for HTTP and WebSocket."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# Django must be set up before anything imports models (consumers do).
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402

from config.http_handler import BoundedASGIHandler  # noqa: E402

django_asgi_app = BoundedASGIHandler(settings.HTTP_CONCURRENCY)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from academy.websocket_auth import AuthMiddlewareStack  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
