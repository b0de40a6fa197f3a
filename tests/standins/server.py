"""Serve a WSGI app on 127.0.0.1 in a background thread, quietly."""

from __future__ import annotations

import ssl
import threading
from types import TracebackType
from typing import TYPE_CHECKING

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["LocalServer"]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class LocalServer:
    """A real HTTP server on a free loopback port; use as a context manager or start/stop."""

    def __init__(
        self, app: WSGIApplication, *, tls: ssl.SSLContext | None = None, port: int = 0
    ) -> None:
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", port, app, threaded=True, request_handler=_QuietHandler, ssl_context=tls
        )
        self._scheme = "https" if tls else "http"
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name=f"standin-{self._server.port}"
        )

    @property
    def url(self) -> str:
        return f"{self._scheme}://{self._server.host}:{self._server.port}"

    @property
    def port(self) -> int:
        return self._server.port

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
