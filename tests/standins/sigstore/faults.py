"""Fault switches for the stand-ins: answer with an error for the next N requests."""

from __future__ import annotations

import threading

__all__ = ["Faults"]


class Faults:
    """A thread-safe countdown of HTTP statuses to answer instead of the real response."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[int] = []

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        with self._lock:
            self._pending.extend([status] * count)

    def take(self) -> int | None:
        """The status to fail this request with, or ``None`` to answer normally."""
        with self._lock:
            return self._pending.pop(0) if self._pending else None

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
