"""``${{ }}`` inside YAML values: templates, and ``if:`` conditions (the runner's
TemplateEvaluator and the implicit ``success() &&`` of WorkflowTemplateConverter)."""

from __future__ import annotations

from tests.runner.expressions import Scope, evaluate, parse
from tests.runner.values import ExpressionError, Obj, Value, to_json, to_string, truthy

__all__ = ["evaluate_condition", "render", "render_string"]


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
