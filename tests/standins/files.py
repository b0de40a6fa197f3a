"""files.pythonhosted.org on 127.0.0.1: serves wheels from a local folder at PyPI's file URLs.

The action downloads uv from the URL ``requirements/bootstrap.json`` records
(``https://files.pythonhosted.org/packages/<blake2b path>/<filename>``); with
the network guard's host map and the test CA, that request lands here and is
answered from the wheelhouse ``scripts/dev setup`` fills.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from tests.standins.server import Served

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["FILES_HOST", "FilesHost"]

FILES_HOST = "files.pythonhosted.org"


class FilesHost(Served):
    """Serves ``<folder>/<filename>`` for any ``/packages/.../<filename>``; records requests."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.requests: list[str] = []
        self.broken: set[str] = set()  # filenames answered with other bytes
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.broken.clear()

    def _wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        with self._lock:
            self.requests.append(request.path)
            broken = set(self.broken)
        filename = request.path.rsplit("/", 1)[-1]
        path = self.folder / filename
        if not request.path.startswith("/packages/") or "/" in filename or not path.is_file():
            response = Response("Not Found", status=404)
        elif filename in broken:
            response = Response(
                b"not the wheel you locked", content_type="application/octet-stream"
            )
        else:
            response = Response(path.read_bytes(), content_type="application/octet-stream")
        return response(environ, start_response)
