"""The suite-wide leak check catches a secret wherever it shows, except in its own mask."""

from __future__ import annotations

import pytest

from tests.e2e.harness import ActionRun, assert_no_secret_leaks

SECRET = "pypi-AgEIcHlwaS5vcmcSECRET"


def run_with(**changes: object) -> ActionRun:
    values: dict[str, object] = {
        "returncode": 0,
        "stdout": f"::add-mask::{SECRET}\nok\n",
        "stderr": "",
        "outputs": {"files": "[]"},
        "summary": "done",
    }
    values.update(changes)
    return ActionRun(**values)  # type: ignore[arg-type]


def test_the_mask_command_itself_is_allowed() -> None:
    assert_no_secret_leaks(run_with(), [SECRET])


@pytest.mark.parametrize(
    "changes",
    [
        {"stdout": f"::add-mask::{SECRET}\nusing {SECRET}\n"},
        {"stderr": f"Traceback: token={SECRET}"},
        {"summary": f"| {SECRET} |"},
        {"outputs": {"token": SECRET}},
    ],
)
def test_a_leak_anywhere_fails(changes: dict[str, object]) -> None:
    with pytest.raises(AssertionError, match="a secret leaked"):
        assert_no_secret_leaks(run_with(**changes), [SECRET])
