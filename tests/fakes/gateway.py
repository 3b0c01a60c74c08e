"""What the fake messaging gateways share: a threaded HTTP server on
127.0.0.1 (a free port) run by ``with``, the faults queued for the next
requests (``fail_next``), and posting a callback form to a Django test client."""

import threading
from abc import ABC, abstractmethod
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlencode, urlsplit


class FakeGateway(ABC):
    def __init__(self) -> None:
        self.requests: list[tuple[str, int]] = []
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @abstractmethod
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler that answers as the provider does."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, status: int, count: int = 1) -> None:
        """Answer the next ``count`` requests with ``status`` (429, 500, 503…)."""
        with self._lock:
            self._failures.extend([status] * count)

    def _next_failure(self) -> int | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _record(self, path: str, status: int) -> None:
        with self._lock:
            self.requests.append((urlsplit(path).path, status))


def form_post(client: Any, url: str, params: dict[str, str], headers: dict[str, str] | None = None) -> Any:
    """POST ``params`` as a form to ``url`` (its path and query) through a Django test client."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return client.post(
        path, urlencode(params), content_type="application/x-www-form-urlencoded", headers=headers or {}
    )
