"""Every credential the stand-ins ever hand out, for the suite-wide leak check."""

from __future__ import annotations

import threading

__all__ = ["handed_out", "record"]

_lock = threading.Lock()
_values: set[str] = set()


def record(value: str) -> None:
    with _lock:
        _values.add(value)


def handed_out() -> frozenset[str]:
    with _lock:
        return frozenset(_values)
