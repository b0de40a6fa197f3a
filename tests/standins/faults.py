"""Fault injection for the stand-ins: what real networks and indexes do to a release.

A test arms faults on a stand-in (``index.faults.arm(Fault("upload", "reset"))``);
the next matching requests suffer them, then the stand-in behaves again.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["Fault", "FaultKind", "Faults"]

FaultKind = Literal[
    "status",  # answer with `status` (and Retry-After) instead of handling the request
    "reset",  # close the connection without answering
    "reset-mid-body",  # read part of the request body, then close the connection
    "lost-answer",  # handle the request fully, then close the connection unanswered
    "slow",  # wait `delay` seconds before handling the request
    "truncated",  # handle the request, but send only half of the answer's body
    "non-json",  # answer 200 with an HTML page where JSON is expected
    "answer",  # answer with `status`, `reason` and `body`: what the stand-in cannot reach
]


@dataclass
class Fault:
    route: str
    kind: FaultKind
    times: int = 1
    status: int = 503
    retry_after: str | None = "0"
    delay: float = 0.0
    reason: str = "injected fault"  # the status line's reason phrase
    body: str = ""
    content_type: str = "application/json"


class _Abort(Exception):
    """The connection was closed on purpose; there is no response to send."""


class Faults:
    """The armed faults of one stand-in, consumed in order per route."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[Fault] = []
        self.injected: list[tuple[str, str]] = []

    def arm(self, *faults: Fault) -> None:
        with self._lock:
            self._armed.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
            self.injected.clear()

    def _take(self, route: str) -> Fault | None:
        with self._lock:
            for fault in self._armed:
                if fault.route == route and fault.times > 0:
                    fault.times -= 1
                    self.injected.append((route, fault.kind))
                    return fault
        return None

    def wrap(
        self,
        route: str,
        environ: WSGIEnvironment,
        handle: Callable[[], Response],
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        """Run ``handle`` for this request, unless a fault for ``route`` is armed."""
        fault = self._take(route)
        if fault is None:
            return handle()(environ, start_response)
        try:
            return _apply(fault, environ, handle)(environ, start_response)
        except _Abort:
            return []


def _apply(fault: Fault, environ: WSGIEnvironment, handle: Callable[[], Response]) -> Response:
    match fault.kind:
        case "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return Response(
                f"{fault.status} {fault.reason}\n",
                status=f"{fault.status} {fault.reason}",
                headers=headers,
                content_type="text/plain",
            )
        case "reset":
            _close(environ)
        case "reset-mid-body":
            stream = environ["wsgi.input"]
            stream.read(min(int(environ.get("CONTENT_LENGTH") or 0) // 2, 64 * 1024))
            _close(environ)
        case "lost-answer":
            handle()
            _close(environ)
        case "slow":
            time.sleep(fault.delay)
            return handle()
        case "truncated":
            response = handle()
            body = response.get_data()
            response.set_data(body[: len(body) // 2])
            return response
        case "answer":
            return Response(
                fault.body, status=f"{fault.status} {fault.reason}", content_type=fault.content_type
            )
        case "non-json":
            return Response(
                "<html><body>Service temporarily unavailable</body></html>",
                status=200,
                content_type="text/html",
            )
    raise _Abort


def _close(environ: WSGIEnvironment) -> None:
    connection = environ.get("werkzeug.socket")
    if isinstance(connection, socket.socket):
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
        connection.close()
    raise _Abort
