"""Retrying transient failures: exponential backoff with jitter, Retry-After, a time budget.

An attempt signals "worth trying again" by raising :class:`Transient`, which
carries the error to raise if no attempt is left. Everything else propagates at
once. Clock, sleep and randomness are injectable so the policy is testable.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

from trusted_publish.errors import PublishError

__all__ = [
    "RETRYABLE_STATUSES",
    "Clock",
    "RetryPolicy",
    "Transient",
    "call_with_retries",
    "retry_after_seconds",
]

T = TypeVar("T")

# Statuses that mean "not now" rather than "not this": rate limits and server trouble.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class Transient(Exception):
    """A failure that another attempt may not have.

    When no attempt is left, ``final`` is raised, or with ``final=None`` this
    exception itself, for callers that turn the last answer into their own error.
    """

    def __init__(
        self, final: PublishError | None, reason: str, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.final = final
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0
    budget: float = 180.0  # seconds of waiting, over all attempts of one operation

    def delay(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        if retry_after is not None:
            return max(0.0, retry_after)
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)  # "equal jitter"


@dataclass(frozen=True)
class Clock:
    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = random.Random()  # noqa: RUF009, S311 -- jitter, not cryptography


_REAL_CLOCK = Clock()


def call_with_retries(
    attempt: Callable[[], T],
    *,
    policy: RetryPolicy,
    on_retry: Callable[[int, float, str], None],
    clock: Clock = _REAL_CLOCK,
) -> T:
    """Run ``attempt`` until it returns, raises a non-transient error, or retries run out.

    ``on_retry(retry_number, delay, reason)`` is told before each wait.
    """
    waited = 0.0
    retry = 0
    while True:
        try:
            return attempt()
        except Transient as transient:
            retry += 1
            delay = policy.delay(retry, transient.retry_after, clock.rng)
            if retry >= policy.attempts or waited + delay > policy.budget:
                if transient.final is None:
                    raise
                raise transient.final from transient
            on_retry(retry, delay, transient.reason)
            clock.sleep(delay)
            waited += delay


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Parse a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - now())
