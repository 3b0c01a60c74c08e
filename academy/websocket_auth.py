"""Signing in WebSocket connections: Channels' ``AuthMiddlewareStack``, with
the sign-in session and the person read in threads of their own.

Channels reads them in its one thread for the database
(``database_sync_to_async`` is thread-sensitive): when a thousand people
open the live room together, every connection's two reads wait in that
thread behind all the others. Here they run side by side in a pool of
``WEBSOCKET_AUTH_THREADS`` threads (``0`` keeps Channels' one thread: the
test profile on SQLite's in-memory database). The checks are Channels' own
(``channels.auth.get_user``: the session's user, its backend, the session's
auth hash), so a signed-out session or a changed password is refused as
before."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.auth import AuthMiddleware, get_user
from channels.db import DatabaseSyncToAsync
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings

_executors: dict[int, ThreadPoolExecutor] = {}


def _user_reader() -> Any:
    threads = settings.WEBSOCKET_AUTH_THREADS
    if threads <= 0:
        return get_user
    executor = _executors.get(threads)
    if executor is None:
        executor = _executors[threads] = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="websocket-auth"
        )
    return DatabaseSyncToAsync(get_user.func, thread_sensitive=False, executor=executor)


class PooledAuthMiddleware(AuthMiddleware):
    """``scope["user"]`` from the Django session, read in the pool."""

    async def resolve_scope(self, scope: Any) -> None:
        scope["user"]._wrapped = await _user_reader()(scope)


def AuthMiddlewareStack(inner: Any) -> Any:
    """Cookies, session and user for ``inner``, as Channels' stack of that name."""
    return CookieMiddleware(SessionMiddleware(PooledAuthMiddleware(inner)))
