"""Parse and evaluate ``${{ }}`` expressions as the runner does (src/Sdk/Expressions).

Grammar, precedence and results follow the runner: ``&&``/``||`` return an
operand, comparisons coerce as ``AbstractEqual`` does, property names and
function names are case-insensitive, a missing property is ``null``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tests.runner.values import (
    ExpressionError,
    Filtered,
    Obj,
    Value,
    equal,
    from_python,
    less_than,
    to_json,
    to_number,
    to_string,
    truthy,
)

__all__ = [
    "STATUS_FUNCTIONS",
    "Expression",
    "Scope",
    "evaluate",
    "evaluate_condition",
    "parse",
    "render",
    "render_string",
]

Function = Callable[[Sequence[Value]], Value]
STATUS_FUNCTIONS = frozenset({"success", "failure", "cancelled", "always"})
MAX_LENGTH = 21_000
MAX_DEPTH = 50


@dataclass(frozen=True)
class Scope:
    """What an expression may see: the named contexts and the extra (runner-side) functions."""

    contexts: Mapping[str, Value]
    functions: Mapping[str, Function] = field(default_factory=dict)

    def context(self, name: str) -> Value:
        for key, value in self.contexts.items():
            if key.lower() == name.lower():
                return value
        raise ExpressionError(f"Unrecognized named-value: '{name}'")

    def function(self, name: str) -> Function | None:
        for key, value in self.functions.items():
            if key.lower() == name.lower():
                return value
        return None


# -- lexer --------------------------------------------------------------------------------

_PUNCTUATION = (
    "!=",
    "==",
    "<=",
    ">=",
    "&&",
    "||",
    "(",
    ")",
    "[",
    "]",
    ".",
    ",",
    "!",
    "<",
    ">",
    "*",
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUMBER_END = re.compile(r"[\s()\[\],!=<>&|]")


@dataclass(frozen=True)
class _Token:
    kind: str  # punctuation text, "string", "number", "name", "keyword" or "end"
    text: str
    value: Value = None


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char == "'":
            index = _string(text, index, tokens)
        elif char.isdigit() or (
            char in "-+." and index + 1 < len(text) and text[index + 1].isdigit()
        ):
            end = _NUMBER_END.search(text, index)
            raw = text[index : end.start() if end else len(text)]
            number = to_number(raw)
            if math.isnan(number) and raw != "NaN":
                raise ExpressionError(f"Unexpected symbol: '{raw}'")
            tokens.append(_Token("number", raw, number))
            index += len(raw)
        elif match := _NAME.match(text, index):
            word = match.group()
            if word in {"true", "false", "null", "NaN", "Infinity"}:
                literal: Value = {"true": True, "false": False, "null": None}.get(
                    word, to_number(word)
                )
                tokens.append(_Token("keyword", word, literal))
            else:
                tokens.append(_Token("name", word))
            index = match.end()
        else:
            punct = next((p for p in _PUNCTUATION if text.startswith(p, index)), None)
            if punct is None:
                raise ExpressionError(f"Unexpected symbol: '{text[index:]}'")
            tokens.append(_Token(punct, punct))
            index += len(punct)
    tokens.append(_Token("end", ""))
    return tokens


def _string(text: str, start: int, tokens: list[_Token]) -> int:
    chars: list[str] = []
    index = start + 1
    while index < len(text):
        if text[index] == "'":
            if text.startswith("''", index):
                chars.append("'")
                index += 2
                continue
            value = "".join(chars)
            tokens.append(_Token("string", text[start : index + 1], value))
            return index + 1
        chars.append(text[index])
        index += 1
    raise ExpressionError(f"Unexpected symbol: '{text[start:]}'")


# -- syntax tree --------------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    """A parsed expression; ``uses_status`` says if it calls success()/failure()/... itself."""

    node: _Node
    uses_status: bool

    def evaluate(self, scope: Scope) -> Value:
        return self.node.evaluate(scope)


class _Node:
    def evaluate(self, scope: Scope) -> Value:
        raise NotImplementedError


@dataclass(frozen=True)
class _Literal(_Node):
    value: Value

    def evaluate(self, scope: Scope) -> Value:
        return self.value


@dataclass(frozen=True)
class _Named(_Node):
    name: str

    def evaluate(self, scope: Scope) -> Value:
        return scope.context(self.name)


@dataclass(frozen=True)
class _Wildcard(_Node):
    def evaluate(self, scope: Scope) -> Value:  # only meaningful as an index
        return None


@dataclass(frozen=True)
class _Index(_Node):
    target: _Node
    key: _Node

    def evaluate(self, scope: Scope) -> Value:
        target = self.target.evaluate(scope)
        if isinstance(self.key, _Wildcard):
            return _wildcard(target)
        key = self.key.evaluate(scope)
        if isinstance(target, Filtered):
            found = (_index(item, key) for item in target)
            return Filtered(item for item in found if item is not None)
        return _index(target, key)


def _wildcard(target: Value) -> Filtered:
    if isinstance(target, Filtered):
        result = Filtered()
        for item in target:
            result.extend(_wildcard(item))
        return result
    if isinstance(target, list):
        return Filtered(target)
    if isinstance(target, Obj):
        return Filtered(target.values())
    return Filtered()


def _index(target: Value, key: Value) -> Value:
    if isinstance(target, Obj) and isinstance(key, str):
        return target.get(key)
    if isinstance(target, list):
        number = to_number(key)
        if math.isnan(number) or number < 0 or math.floor(number) >= len(target):
            return None
        return target[math.floor(number)]
    return None


@dataclass(frozen=True)
class _Not(_Node):
    operand: _Node

    def evaluate(self, scope: Scope) -> Value:
        return not truthy(self.operand.evaluate(scope))


@dataclass(frozen=True)
class _Binary(_Node):
    operator: str
    left: _Node
    right: _Node

    def evaluate(self, scope: Scope) -> Value:
        left = self.left.evaluate(scope)
        if self.operator == "&&":
            return self.right.evaluate(scope) if truthy(left) else left
        if self.operator == "||":
            return left if truthy(left) else self.right.evaluate(scope)
        right = self.right.evaluate(scope)
        comparisons: dict[str, Callable[[], bool]] = {
            "==": lambda: equal(left, right),
            "!=": lambda: not equal(left, right),
            "<": lambda: less_than(left, right),
            ">": lambda: less_than(right, left),
            "<=": lambda: less_than(left, right) or equal(left, right),
            ">=": lambda: less_than(right, left) or equal(left, right),
        }
        return comparisons[self.operator]()


@dataclass(frozen=True)
class _Call(_Node):
    name: str
    arguments: tuple[_Node, ...]

    def evaluate(self, scope: Scope) -> Value:
        arguments = [argument.evaluate(scope) for argument in self.arguments]
        function = scope.function(self.name) or _BUILTINS.get(self.name.lower())
        if function is None:
            raise ExpressionError(f"Unrecognized function: '{self.name}'")
        return function(arguments)


# -- parser -------------------------------------------------------------------------------

_BINARY = {"||": 5, "&&": 6, "==": 10, "!=": 10, "<": 11, "<=": 11, ">": 11, ">=": 11}
_ARITY = {
    "contains": (2, 2),
    "startswith": (2, 2),
    "endswith": (2, 2),
    "format": (1, 255),
    "join": (1, 2),
    "tojson": (1, 1),
    "fromjson": (1, 1),
    "case": (3, 255),
    "hashfiles": (1, 255),
    "success": (0, 0),
    "failure": (0, 0),
    "cancelled": (0, 0),
    "always": (0, 0),
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.position = 0
        self.uses_status = False

    def peek(self) -> _Token:
        return self.tokens[self.position]

    def take(self, kind: str | None = None) -> _Token:
        token = self.tokens[self.position]
        if kind is not None and token.kind != kind:
            raise ExpressionError(f"Unexpected symbol: '{token.text or 'end of expression'}'")
        self.position += 1
        return token

    def expression(self, depth: int = 0, min_precedence: int = 0) -> _Node:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"Exceeded max expression depth {MAX_DEPTH}")
        left = self.unary(depth)
        while True:
            operator = self.peek().kind
            precedence = _BINARY.get(operator)
            if precedence is None or precedence <= min_precedence:
                return left
            self.take()
            right = self.expression(depth + 1, precedence)
            left = _Binary(operator, left, right)

    def unary(self, depth: int) -> _Node:
        token = self.take()
        node: _Node
        if token.kind == "!":
            return _Not(self.postfix(self.unary(depth + 1), depth))
        if token.kind in {"string", "number", "keyword"}:
            node = _Literal(token.value)
        elif token.kind == "(":
            node = self.expression(depth + 1)
            self.take(")")
        elif token.kind == "name" and self.peek().kind == "(":
            node = self.call(token.text, depth)
        elif token.kind == "name":
            node = _Named(token.text)
        else:
            raise ExpressionError(f"Unexpected symbol: '{token.text or 'end of expression'}'")
        return self.postfix(node, depth)

    def call(self, name: str, depth: int) -> _Node:
        self.take("(")
        arguments: list[_Node] = []
        if self.peek().kind != ")":
            arguments.append(self.expression(depth + 1))
            while self.peek().kind == ",":
                self.take()
                arguments.append(self.expression(depth + 1))
        self.take(")")
        lowered = name.lower()
        if lowered not in _ARITY:
            raise ExpressionError(f"Unrecognized function: '{name}'")
        low, high = _ARITY[lowered]
        if not low <= len(arguments) <= high:
            raise ExpressionError(f"Wrong number of arguments for '{name}'")
        if lowered in STATUS_FUNCTIONS:
            self.uses_status = True
        return _Call(name, tuple(arguments))

    def postfix(self, node: _Node, depth: int) -> _Node:
        while self.peek().kind in {".", "["}:
            if self.take().kind == ".":
                token = self.take()
                if token.kind == "*":
                    node = _Index(node, _Wildcard())
                elif token.kind in {"name", "keyword"}:
                    node = _Index(node, _Literal(token.text))
                else:
                    raise ExpressionError(f"Unexpected symbol: '{token.text}'")
            else:
                if self.peek().kind == "*":
                    self.take()
                    key: _Node = _Wildcard()
                else:
                    key = self.expression(depth + 1)
                self.take("]")
                node = _Index(node, key)
        return node


def parse(text: str) -> Expression:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"Exceeded max expression length {MAX_LENGTH}")
    parser = _Parser(text)
    node = parser.expression()
    parser.take("end")
    return Expression(node, parser.uses_status)


def evaluate(text: str, scope: Scope) -> Value:
    return parse(text).evaluate(scope)


# -- functions ----------------------------------------------------------------------------


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


_BUILTINS: dict[str, Function] = {
    "contains": _contains,
    "startswith": _affix(str.startswith),
    "endswith": _affix(str.endswith),
    "format": _format,
    "join": _join,
    "tojson": lambda arguments: to_json(arguments[0]),
    "fromjson": _from_json,
    "case": _case,
}


# -- templates ----------------------------------------------------------------------------


def _segments(text: str) -> list[tuple[bool, str]]:
    """Split ``text`` into literal pieces and ``${{ }}`` bodies (a ``}}`` in a string is kept)."""
    pieces: list[tuple[bool, str]] = []
    index = 0
    while True:
        start = text.find("${{", index)
        if start < 0:
            if index < len(text):
                pieces.append((False, text[index:]))
            return pieces
        if start > index:
            pieces.append((False, text[index:start]))
        cursor, quoted = start + 3, False
        while cursor < len(text):
            if text[cursor] == "'":
                quoted = not quoted
            elif not quoted and text.startswith("}}", cursor):
                break
            cursor += 1
        else:
            msg = (
                "The expression is not closed. An unescaped ${{ sequence was found, but the "
                f"closing }}}} sequence was not found: {text}"
            )
            raise ExpressionError(msg)
        pieces.append((True, text[start + 3 : cursor]))
        index = cursor + 2


def render(text: str, scope: Scope) -> Value:
    """Evaluate a template; a value that is exactly one ``${{ }}`` keeps its type."""
    pieces = _segments(text)
    if len(pieces) == 1 and pieces[0][0]:
        return evaluate(pieces[0][1], scope)
    return "".join(
        to_string(evaluate(body, scope)) if is_expr else body for is_expr, body in pieces
    )


def render_string(text: str, scope: Scope) -> str:
    value = render(text, scope)
    if isinstance(value, (Obj, list)):
        return to_json(value)
    return to_string(value)


def evaluate_condition(condition: str | bool | None, scope: Scope) -> bool:
    """An ``if:``: implicit ``success() &&`` unless a status function is called."""
    if condition is None or condition == "":
        text = "success()"
    elif isinstance(condition, bool):
        text = "true" if condition else "false"
    else:
        text = condition.strip()
        pieces = _segments(text)
        if len(pieces) == 1 and pieces[0][0]:
            text = pieces[0][1]
        elif any(is_expr for is_expr, _ in pieces):
            # Text around ${{ }} makes the whole thing a (truthy) string, as on GitHub.
            return truthy(render(text, scope)) and truthy(evaluate("success()", scope))
    expression = parse(text)
    if not expression.uses_status:
        expression = parse(f"success() && ({text})")
    return truthy(expression.evaluate(scope))
