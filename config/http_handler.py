"""Django's ASGI handler, with a bound on the requests it works on at once.

Django runs each request's sync view in a thread of its own, however many
arrive: thirty people signing in at once meant thirty threads fighting for
two cores, the GIL and SQLite's one write lock, so every request took as
long as all of them (sign-in p95 of 5 s on the embedded default). Here at
most ``HTTP_CONCURRENCY`` requests are inside Django at once; the others
wait their turn, first come first served, on the event loop (which is not
blocked meanwhile: WebSocket traffic goes on). Reading the request body and
sending the response, however slow the client's link, happen outside the
bound.
"""

import asyncio

from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class BoundedASGIHandler(ASGIHandler):
    def __init__(self, concurrency: int) -> None:
        super().__init__()
        self.concurrency = concurrency
        self._slots: asyncio.Semaphore | None = None

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        if self.concurrency <= 0:
            return await super().get_response_async(request)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        async with self._slots:
            return await super().get_response_async(request)
