"""Serve a WSGI app on 127.0.0.1 in a background thread, quietly."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["LocalServer", "Served"]


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


_S = TypeVar("_S", bound="Served")


class Served:
    """``serve()``, ``stop()``, ``url`` and ``port`` for a stand-in whose app is ``_wsgi``."""

    _server: LocalServer | None = None

    def _wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raise NotImplementedError

    def serve(self: _S, tls: ssl.SSLContext | None = None) -> _S:
        self._server = LocalServer(self._wsgi, tls=tls).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def local_url(self) -> str:
        assert self._server is not None, "serve() first"
        return self._server.url

    @property
    def url(self) -> str:
        return self.local_url

    @property
    def port(self) -> int:
        assert self._server is not None, "serve() first"
        return self._server.port
