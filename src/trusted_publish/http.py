"""The one place HTTP sessions are made: user agent and timeouts for every call."""

from __future__ import annotations

import platform
from html.parser import HTMLParser
from http import HTTPStatus
from typing import TYPE_CHECKING

from trusted_publish import __version__

if TYPE_CHECKING:
    import requests

__all__ = ["TIMEOUT", "USER_AGENT", "new_session", "reason_or_body"]

USER_AGENT = (
    f"trusted-publish/{__version__} "
    f"({platform.python_implementation()} {platform.python_version()})"
)
# (connect, read) seconds; uploads stream the body, so the read timeout only
# bounds how long the index may stay silent, not the whole transfer.
TIMEOUT = (15.0, 120.0)
_MAX_BODY_SHOWN = 1000


def new_session() -> requests.Session:
    import requests  # noqa: PLC0415 -- keeps `--help` and `--version` fast

    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


def reason_or_body(status: int, reason: str, body: str) -> str:
    """The index's own words for a response: Warehouse puts them in the reason phrase.

    Other servers keep the standard phrase and explain in the body, which is
    shortened and stripped of HTML markup.
    """
    try:
        standard = HTTPStatus(status).phrase
    except ValueError:
        standard = ""
    if reason and reason != standard:
        return reason
    text = _strip_tags(body).strip()
    if not text:
        return reason or standard
    return text if len(text) <= _MAX_BODY_SHOWN else text[:_MAX_BODY_SHOWN] + "…"


def _strip_tags(text: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(text)
        extractor.close()
    except AssertionError:  # html.parser gives up on some malformed markup
        return " ".join(text.split())
    return " ".join(" ".join(extractor.parts).split())


class _TextExtractor(HTMLParser):
    """The visible text of an error page: no tags, scripts or styles; entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"style", "script", "head"}:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"style", "script", "head"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)
