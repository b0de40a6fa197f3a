"""Fidelity fixes to the PyPI stand-in that the benchmark needs, applied in its own process only.

``uv publish`` sends the ``content`` part of its upload form without a Content-Type
header. RFC 7578 §4.4 says such a part is ``text/plain``, and that is what Warehouse
sees (WebOb's cgi-style FieldStorage: ``ctype = "text/plain"`` for a part without one),
so PyPI accepts uv's uploads. The stand-in reads the part with werkzeug, which leaves
the type empty, and then refuses the upload with Warehouse's "Invalid distribution file."
(the check is meant for image/* uploads). Until ``tests/standins/pypi/forklift.py``
applies the RFC's default itself, :func:`apply` does it in front of the stand-in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.standins.pypi import app, forklift

if TYPE_CHECKING:
    from tests.standins.pypi.app import PyPI
    from werkzeug.wrappers import Request

__all__ = ["apply"]

_original = forklift.handle_upload  # what app.py imported and calls


def _handle_upload(index: PyPI, request: Request) -> None:
    content = request.files.get("content")
    if content is not None and not content.content_type:
        content.headers["Content-Type"] = "text/plain"  # RFC 7578 §4.4's default
    _original(index, request)


def apply() -> None:
    """Idempotent."""
    vars(app)["handle_upload"] = _handle_upload
