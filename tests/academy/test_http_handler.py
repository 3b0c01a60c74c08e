"""At most ``HTTP_CONCURRENCY`` requests are inside Django at once; the
others wait their turn and are all answered."""

import asyncio

from asgiref.sync import async_to_sync
from django.core.handlers.asgi import ASGIHandler

from config.http_handler import BoundedASGIHandler


def _run(handler: ASGIHandler, requests: int, monkeypatch) -> tuple[int, list[int]]:
    inside = {"now": 0, "peak": 0}
    done: list[int] = []

    async def scenario() -> None:
        gate = asyncio.Event()

        async def django_work(self, request):
            inside["now"] += 1
            inside["peak"] = max(inside["peak"], inside["now"])
            await gate.wait()
            inside["now"] -= 1
            done.append(request)
            return request

        monkeypatch.setattr(ASGIHandler, "get_response_async", django_work)
        tasks = [asyncio.ensure_future(handler.get_response_async(n)) for n in range(requests)]
        for _ in range(20):  # let every request get as far as it may
            await asyncio.sleep(0)
        gate.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)

    async_to_sync(scenario)()
    return inside["peak"], done


def test_requests_beyond_the_bound_wait_their_turn(monkeypatch):
    peak, done = _run(BoundedASGIHandler(2), 5, monkeypatch)
    assert peak == 2
    assert sorted(done) == [0, 1, 2, 3, 4]


def test_zero_means_no_bound(monkeypatch):
    peak, done = _run(BoundedASGIHandler(0), 5, monkeypatch)
    assert peak == 5
    assert len(done) == 5


def test_the_web_server_uses_the_bounded_handler(settings):
    from config import asgi

    assert isinstance(asgi.django_asgi_app, BoundedASGIHandler)
    assert asgi.django_asgi_app.concurrency == settings.HTTP_CONCURRENCY > 0
