"""Parse and evaluate ``${{ }}`` expressions as the runner does (src/Sdk/Expressions).

Grammar, precedence and results follow the runner: ``&&``/``||`` return an
operand, comparisons coerce as ``AbstractEqual`` does, property names and
function names are case-insensitive, a missing property is ``null``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tests.runner.functions import BUILTINS, Function
from tests.runner.values import (
    ExpressionError,
    Filtered,
    Obj,
    Value,
    equal,
    less_than,
    to_number,
    truthy,
)

__all__ = ["STATUS_FUNCTIONS", "Expression", "Scope", "evaluate", "parse"]

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
        function = scope.function(self.name) or BUILTINS.get(self.name.lower())
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
