"""The expression language's built-in functions (src/Sdk/Expressions/Sdk/Functions)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from tests.runner.values import ExpressionError, Obj, Value, equal, from_python, to_json, to_string

__all__ = ["BUILTINS", "Function"]

Function = Callable[[Sequence[Value]], Value]


def _contains(arguments: Sequence[Value]) -> Value:
    haystack, needle = arguments
    if isinstance(haystack, list):
        return any(equal(item, needle) for item in haystack)
    if isinstance(haystack, Obj) or isinstance(needle, (Obj, list)):
        return False
    return to_string(needle).upper() in to_string(haystack).upper()


def _affix(check: Callable[[str, str], bool]) -> Function:
    def function(arguments: Sequence[Value]) -> Value:
        text, affix = arguments
        if isinstance(text, (Obj, list)) or isinstance(affix, (Obj, list)):
            return False
        return check(to_string(text).upper(), to_string(affix).upper())

    return function


def _format(arguments: Sequence[Value]) -> Value:
    template, values = to_string(arguments[0]), [to_string(v) for v in arguments[1:]]
    out: list[str] = []
    index = 0
    while index < len(template):
        char = template[index]
        if char == "{" and template.startswith("{{", index):
            out.append("{")
            index += 2
        elif char == "}" and template.startswith("}}", index):
            out.append("}")
            index += 2
        elif char == "{":
            close = template.find("}", index)
            spec = template[index + 1 : close] if close > 0 else ""
            if not spec.isdigit() or int(spec) >= len(values):
                raise ExpressionError(f"The following format string is invalid: '{template}'")
            out.append(values[int(spec)])
            index = close + 1
        elif char == "}":
            raise ExpressionError(f"The following format string is invalid: '{template}'")
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _join(arguments: Sequence[Value]) -> Value:
    separator = to_string(arguments[1]) if len(arguments) > 1 else ","
    items = arguments[0]
    if isinstance(items, list):
        return separator.join(to_string(i) if not isinstance(i, (Obj, list)) else "" for i in items)
    return to_string(items) if not isinstance(items, Obj) else ""


def _from_json(arguments: Sequence[Value]) -> Value:
    text = to_string(arguments[0])
    if not text.strip():
        raise ExpressionError("Empty input to fromJSON")
    try:
        return from_python(json.loads(text))
    except ValueError as exc:
        raise ExpressionError(f"Error parsing fromJson: {exc}") from exc


def _case(arguments: Sequence[Value]) -> Value:
    if len(arguments) % 2 == 0:
        raise ExpressionError("case() needs an odd number of arguments")
    for index in range(0, len(arguments) - 1, 2):
        predicate = arguments[index]
        if not isinstance(predicate, bool):
            raise ExpressionError("case() predicates must be booleans")
        if predicate:
            return arguments[index + 1]
    return arguments[-1]


BUILTINS: dict[str, Function] = {
    "contains": _contains,
    "startswith": _affix(str.startswith),
    "endswith": _affix(str.endswith),
    "format": _format,
    "join": _join,
    "tojson": lambda arguments: to_json(arguments[0]),
    "fromjson": _from_json,
    "case": _case,
}
