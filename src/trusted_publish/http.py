"""The one place HTTP sessions are made: user agent, timeouts and retries for every call."""

from __future__ import annotations

import platform
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar

from trusted_publish import __version__
from trusted_publish.errors import PublishError, failure
from trusted_publish.retry import (
    RETRYABLE_STATUSES,
    RetryPolicy,
    Transient,
    call_with_retries,
    retry_after_seconds,
)

if TYPE_CHECKING:
    import requests

__all__ = [
    "CONNECT_TIMEOUT",
    "USER_AGENT",
    "Client",
    "describe_exception",
    "index_unreachable",
    "new_session",
    "raise_if_retryable",
    "reason_or_body",
    "use_timeout",
]

T = TypeVar("T")

USER_AGENT = (
    f"trusted-publish/{__version__} "
    f"({platform.python_implementation()} {platform.python_version()})"
)
# Seconds to connect; the read timeout (the `request-timeout` input) only bounds how
# long the index may stay silent, not a whole upload, whose body is streamed.
CONNECT_TIMEOUT = 15.0
_MAX_BODY_SHOWN = 1000

OnRetry = Callable[[int, float, str], None]


def new_session() -> requests.Session:
    import requests  # noqa: PLC0415 -- keeps `--help` and `--version` fast

    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


class Client:
    """A session plus the retry policy; ``send`` retries what is worth retrying."""

    def __init__(self, policy: RetryPolicy, on_retry: OnRetry, read_timeout: float) -> None:
        self.session = new_session()
        self.policy = policy
        self.on_retry = on_retry
        self.timeout = (min(CONNECT_TIMEOUT, read_timeout), read_timeout)
        use_timeout(self.session, self.timeout)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.session.close()

    def retrying(self, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` (which raises ``Transient`` when worth repeating) under the policy."""
        return call_with_retries(attempt, policy=self.policy, on_retry=self.on_retry)

    def send(
        self,
        method: str,
        url: str,
        *,
        unreachable: Callable[[str], PublishError] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One request, repeated on connection trouble, timeouts, 429 and 5xx.

        A request that never got an answer raises ``unreachable(reason)`` (by default
        the catalogue's index-unreachable); when
        the index keeps answering with a retryable status, its last answer is
        returned for the caller to explain.
        """
        import requests  # noqa: PLC0415

        last: list[requests.Response] = []
        give_up = unreachable or index_unreachable(url)

        def attempt() -> requests.Response:
            try:
                response = self.session.request(method, url, **kwargs)
            except requests.RequestException as exc:
                reason = describe_exception(exc)
                raise Transient(give_up(reason), reason) from exc
            last[:] = [response]
            raise_if_retryable(response, None, f"{url} answered {response.status_code}")
            return response

        try:
            return self.retrying(attempt)
        except Transient:
            return last[0]


def index_unreachable(url: str) -> Callable[[str], PublishError]:
    """The failure for a request to ``url`` that never got an answer, given the reason."""
    return lambda reason: failure("index-unreachable", url=url, reason=reason)


def raise_if_retryable(
    response: requests.Response, final: PublishError | None, reason: str
) -> None:
    """Raise ``Transient`` when the answer's status is worth another attempt (429, 5xx)."""
    if response.status_code in RETRYABLE_STATUSES:
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        raise Transient(final, reason, retry_after)


def use_timeout(session: requests.Session, timeout: tuple[float, float]) -> None:
    """Give every request of ``session`` a timeout, also those made by libraries (twine)."""
    from requests.adapters import HTTPAdapter  # noqa: PLC0415

    class _TimeoutAdapter(HTTPAdapter):
        def send(  # noqa: PLR0917 -- HTTPAdapter.send's own signature
            self,
            request: requests.PreparedRequest,
            stream: bool = False,
            timeout: float | tuple[float, float] | tuple[float, None] | None = None,
            verify: bool | str = True,
            cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
            proxies: Mapping[str, str] | None = None,
        ) -> requests.Response:
            return super().send(
                request,
                stream=stream,
                timeout=default if timeout is None else timeout,
                verify=verify,
                cert=cert,
                proxies=proxies,
            )

    default = timeout

    for prefix in ("https://", "http://"):
        session.mount(prefix, _TimeoutAdapter())


def describe_exception(exc: BaseException) -> str:
    """A short, secret-free description of a network failure."""
    import requests  # noqa: PLC0415

    if isinstance(exc, requests.Timeout):
        return "the index did not answer in time (timeout)"
    if isinstance(exc, requests.ConnectionError):
        return f"the connection failed ({type(exc).__name__})"
    return type(exc).__name__


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
