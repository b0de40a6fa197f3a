"""The emulator's ${{ }} language against the runner's behaviour (src/Sdk/Expressions)."""

from __future__ import annotations

import pytest

from tests.runner.expressions import Scope, evaluate
from tests.runner.templates import evaluate_condition, render, render_string
from tests.runner.values import ExpressionError, Obj, Value, from_python, to_json

SCOPE = Scope(
    {
        "inputs": Obj({"Repository-URL": "", "user": "__token__", "count": "3"}),
        "github": from_python(
            {
                "repository": "octo-org/hello",
                "ref_name": "v1.0.0",
                "event": {
                    "commits": [{"id": "a1", "author": {"name": "Mona"}}, {"id": "b2"}],
                    "pull_request": None,
                },
            }
        ),
        "steps": Obj({"find": Obj({"outputs": Obj({"path": "/usr/bin/python3"})})}),
        "env": Obj({}),
    },
    {"success": lambda _: True, "failure": lambda _: False, "always": lambda _: True},
)


def value(text: str) -> Value:
    return evaluate(text, SCOPE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'it''s'", "it's"),
        ("null", None),
        ("true", True),
        ("0x1F", 31.0),
        ("-2.5", -2.5),
        # && and || return an operand, not a boolean
        (
            "inputs.repository-url || 'https://upload.pypi.org/legacy/'",
            "https://upload.pypi.org/legacy/",
        ),
        ("inputs.user || 'other'", "__token__"),
        ("'a' && 'b'", "b"),
        ("0 && 'b'", 0.0),
        ("!inputs.repository-url", True),
        # property names are case-insensitive; a missing one is null
        ("INPUTS.REPOSITORY-URL == ''", True),
        ("github.nope.deeper", None),
        ("github.event.commits[1].id", "b2"),
        ("github.event.commits[5]", None),
        ("github.event['commits'][0].author.name", "Mona"),
        ("steps.find.outputs.path", "/usr/bin/python3"),
    ],
)
def test_values(text: str, expected: Value) -> None:
    assert value(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'true' == true", False),  # NaN vs 1
        ("null == 0", True),
        ("'' == false", True),
        ("'ABC' == 'abc'", True),
        ("1 == '1'", True),
        ("' 1 ' == 1", True),
        ("NaN == NaN", False),
        ("inputs.count > 2", True),
        ("'b' > 'A'", True),
        ("github.event == github.event", True),
        ("github.event == github.event.commits", False),
        ("!true == false", True),  # ! binds tighter than ==
        ("true || false && false", True),  # && binds tighter than ||
        ("(true || false) && false", False),
    ],
)
def test_comparison_and_precedence(text: str, expected: bool) -> None:
    assert value(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("contains('Hello World', 'WORLD')", True),
        ("contains(github.event.commits.*.id, 'b2')", True),
        ("contains(github.event.commits.*.id, 'c3')", False),
        ("startsWith(github.ref_name, 'V1')", True),
        ("endsWith('release.yml', '.YML')", True),
        ("startsWith(github.event, 'x')", False),
        ("format('{0}/{1}', 'a', 'b')", "a/b"),
        ("format('{{0}} is {0}', 'x')", "{0} is x"),
        ("format('{0}', 3.10)", "3.1"),
        ("format('{0}', 1.0)", "1"),
        ("join(github.event.commits.*.id)", "a1,b2"),
        ("join(github.event.commits.*.id, ' ')", "a1 b2"),
        ("fromJSON('{\"a\": [1, 2]}').a[1]", 2.0),
        ("case(false, 'a', true, 'b', 'c')", "b"),
        ("case(false, 'a', false, 'b', 'c')", "c"),
    ],
)
def test_functions(text: str, expected: Value) -> None:
    assert value(text) == expected


def test_to_json_is_pretty_printed_like_the_runner() -> None:
    assert value('toJSON(fromJSON(\'{"a": 1, "b": [true, null]}\'))') == (
        '{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}'
    )
    assert to_json(Obj({})) == "{}"


def test_filters_map_over_arrays() -> None:
    assert value("github.event.commits.*.author.name") == ["Mona"]
    assert value("github.repository.*") == []


@pytest.mark.parametrize(
    "text",
    [
        "secrets.TOKEN",  # a context the place does not offer
        "nope('x')",
        "format('{1}', 'x')",
        "format('{', 'x')",
        "case(1, 'a', 'b')",
        '"double"',
        "'unclosed",
        "a ==",
        "contains('a')",
    ],
)
def test_errors(text: str) -> None:
    with pytest.raises(ExpressionError):
        value(text)


def test_a_whole_value_expression_keeps_its_type_and_templates_interpolate() -> None:
    assert render("${{ fromJSON('[1]') }}", SCOPE) == [1.0]
    assert render("${{ true }}", SCOPE) is True
    assert render("v=${{ true }} n=${{ 1.50 }} z=${{ null }}", SCOPE) == "v=true n=1.5 z="
    assert render_string("${{ github.event.commits[0] }}", SCOPE).startswith("{\n")
    # a }} inside a string literal does not close the expression
    assert render("${{ format('{0}}}', 'x') }}", SCOPE) == "x}"
    with pytest.raises(ExpressionError, match="not closed"):
        render("${{ 'x'", SCOPE)


def test_if_adds_success_unless_a_status_function_is_called() -> None:
    failed = Scope(SCOPE.contexts, {"success": lambda _: False, "failure": lambda _: True})
    assert evaluate_condition("true", SCOPE)
    assert not evaluate_condition("true", failed)
    assert evaluate_condition("failure()", failed)
    assert evaluate_condition("${{ failure() && true }}", failed)
    assert not evaluate_condition(None, failed)
    assert evaluate_condition(None, SCOPE)
    assert not evaluate_condition("${{ false }}", SCOPE)
    assert not evaluate_condition(False, SCOPE)


def test_text_around_an_expression_in_if_makes_an_always_true_string() -> None:
    """The classic mistake: `if: ${{ x }} == 'y'` is the string "... == 'y'"."""
    assert evaluate_condition("${{ github.ref_name }} == 'v9'", SCOPE)
