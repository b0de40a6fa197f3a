"""The expression language's values and their conversions (actions/runner src/Sdk/Expressions).

Values are ``None``, ``bool``, ``float`` (every number is a double), ``str``,
:class:`Obj` (an object whose keys compare case-insensitively) and ``list``.
:class:`Filtered` is the list a ``*`` filter produces.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from typing import Union

__all__ = [
    "ExpressionError",
    "Filtered",
    "Obj",
    "Value",
    "equal",
    "from_python",
    "less_than",
    "to_json",
    "to_number",
    "to_string",
    "truthy",
]

Value = Union[None, bool, float, str, "Obj", list["Value"]]


class ExpressionError(ValueError):
    """An expression that the runner would refuse to parse or evaluate."""


class Obj(Mapping[str, Value]):
    """A read-only object whose keys are matched case-insensitively, keeping their spelling."""

    def __init__(self, items: Mapping[str, Value] | None = None) -> None:
        self._items: dict[str, tuple[str, Value]] = {}
        for key, value in (items or {}).items():
            self._items[key.lower()] = (key, value)

    def __getitem__(self, key: str) -> Value:
        return self._items[key.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Obj({dict(self.items())!r})"


class Filtered(list[Value]):
    """The result of a ``*`` filter: further property access maps over its items."""


def from_python(value: object) -> Value:
    """Turn JSON-like Python data (dicts, lists, ints, ...) into expression values."""
    if value is None or isinstance(value, (bool, str, float)):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, Obj):
        return value
    if isinstance(value, Mapping):
        return Obj({str(k): from_python(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return [from_python(v) for v in value]
    raise ExpressionError(f"cannot use {type(value).__name__} in an expression")


def truthy(value: Value) -> bool:
    """Falsy are null, false, 0, -0, NaN and ''; everything else (objects too) is truthy."""
    if value is None or value is False:
        return False
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def to_number(value: Value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        return _parse_number(value.strip()) if value.strip() else 0.0
    return math.nan


def _parse_number(text: str) -> float:
    lowered = text.lower()
    try:
        if lowered.startswith(("0x", "-0x")):
            return float(int(text, 16))
        if lowered.startswith(("0o", "-0o")):
            return float(int(text, 8))
    except ValueError:
        return math.nan
    if text in {"NaN", "Infinity", "-Infinity", "+Infinity"}:
        return float(text.replace("Infinity", "inf"))
    try:
        parsed = json.loads(text)
    except ValueError:
        return math.nan
    return (
        float(parsed)
        if isinstance(parsed, (int, float)) and not isinstance(parsed, bool)
        else math.nan
    )


def to_string(value: Value) -> str:
    """The runner's ConvertToString; objects and arrays cannot be converted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _format_number(value)
    if isinstance(value, str):
        return value
    kind = "Object" if isinstance(value, Obj) else "Array"
    raise ExpressionError(f"An {kind} cannot be converted to a string")


def _format_number(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    return format(number, ".15g").replace("e+", "E+").replace("e-", "E-")


def _primitive(value: Value) -> bool:
    return value is None or isinstance(value, (bool, float, str))


def _coerce(left: Value, right: Value) -> tuple[Value, Value] | None:
    """CoerceTypes: bring both sides to one kind, or None when they cannot be compared."""
    if isinstance(left, bool) or left is None:
        left = to_number(left)
    if isinstance(right, bool) or right is None:
        right = to_number(right)
    if type(left) is type(right):
        return left, right
    if isinstance(left, float) and isinstance(right, str):
        return left, to_number(right)
    if isinstance(left, str) and isinstance(right, float):
        return to_number(left), right
    return None


def equal(left: Value, right: Value) -> bool:
    """AbstractEqual: strings ordinal case-insensitive, NaN never equal, objects by reference."""
    if not (_primitive(left) and _primitive(right)):
        return left is right
    pair = _coerce(left, right)
    if pair is None:
        return False
    a, b = pair
    if isinstance(a, str) and isinstance(b, str):
        return a.upper() == b.upper()
    return a == b


def less_than(left: Value, right: Value) -> bool:
    if not (_primitive(left) and _primitive(right)):
        return False
    pair = _coerce(left, right)
    if pair is None:
        return False
    a, b = pair
    if isinstance(a, str) and isinstance(b, str):
        return a.upper() < b.upper()
    if isinstance(a, float) and isinstance(b, float):
        return a < b
    return False


def to_json(value: Value, indent: int = 0) -> str:
    """toJSON: pretty-printed with two spaces and \\n, as the runner writes it."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, Obj):
        if not value:
            return "{}"
        body = ",\n".join(
            f"{inner}{json.dumps(k)}: {to_json(v, indent + 1)}" for k, v in value.items()
        )
        return "{\n" + body + "\n" + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + to_json(v, indent + 1) for v in value) + "\n" + pad + "]"
    if isinstance(value, float):
        return (
            _format_number(value) if value.is_integer() or not math.isfinite(value) else repr(value)
        )
    return json.dumps(value)
