"""Workflow commands are escaped as GitHub specifies, and secrets never reach the stream."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.runner.commands import parse_command, parse_commands
from tests.runner.files import parse_key_values
from trusted_publish.catalogue import diagnose
from trusted_publish.report import Reporter, escape_data, escape_property, workflow_command
from trusted_publish.secret import Secret

HOSTILE = "50% done\r\n::error::injected\n##[warning]legacy, title=x: y"


def test_data_and_property_escaping_follow_the_toolkit() -> None:
    assert escape_data("a%b\rc\nd") == "a%25b%0Dc%0Ad"
    assert escape_property("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad%3Ae%2Cf"


def test_hostile_values_round_trip_as_one_command() -> None:
    line = workflow_command("error", HOSTILE, title=HOSTILE)

    assert "\n" not in line
    assert "\r" not in line
    [command] = parse_commands(line)
    assert command.name == "error"
    # The legacy ##[ form is neutralised, the rest arrives exactly.
    assert command.data == HOSTILE.replace("##[", "#\u200d#[")
    assert command.title == HOSTILE.replace("##[", "#\u200d#[")


def test_free_text_cannot_become_a_command() -> None:
    stream = io.StringIO()
    reporter = Reporter(github=True, stream=stream)

    reporter.info("::error::not really\n  ::warning title=x::nor this\nok ##[error]legacy")

    assert [parse_command(line) for line in stream.getvalue().splitlines()] == [None] * 3


def test_secret_is_masked_first_then_redacted_everywhere(tmp_path: Path) -> None:
    stream = io.StringIO()
    outputs, summary = tmp_path / "out", tmp_path / "summary"
    reporter = Reporter(github=True, stream=stream, output_file=outputs, summary_file=summary)
    secret = Secret("pypi-s3cr3t%value")

    reporter.mask(secret)
    reporter.info("token is pypi-s3cr3t%value")
    reporter.annotate("warning", "pypi-s3cr3t%value", "it was pypi-s3cr3t%value")
    reporter.set_output("leak", "pypi-s3cr3t%value")
    reporter.add_summary("| pypi-s3cr3t%value |")

    first, *rest = stream.getvalue().splitlines()
    assert parse_command(first) is not None
    assert parse_command(first).data == "pypi-s3cr3t%value"  # type: ignore[union-attr]
    assert all("s3cr3t" not in line for line in rest)
    assert "s3cr3t" not in outputs.read_text()
    assert "s3cr3t" not in summary.read_text()


def test_plain_mode_never_prints_masks() -> None:
    stream = io.StringIO()
    reporter = Reporter(github=False, stream=stream)

    reporter.mask(Secret("hunter2-token"))
    reporter.info("using hunter2-token")

    assert "hunter2-token" not in stream.getvalue()
    assert "::" not in stream.getvalue()


def test_outputs_use_a_delimiter_the_runner_parses(tmp_path: Path) -> None:
    outputs = tmp_path / "out"
    reporter = Reporter(github=True, stream=io.StringIO(), output_file=outputs)

    reporter.set_output("files", '[{"a": "multi\nline"}]\nEOF\n')
    reporter.set_output("second", "x=y")

    assert parse_key_values(outputs.read_text()) == {
        "files": '[{"a": "multi\nline"}]\nEOF\n',
        "second": "x=y",
    }


@pytest.mark.parametrize("level", ["error", "warning", "notice"])
def test_annotations_carry_a_title(level: str) -> None:
    stream = io.StringIO()
    Reporter(github=True, stream=stream).annotate(level, "Title", "Body")  # type: ignore[arg-type]

    assert parse_commands(stream.getvalue())[0].properties == {"title": "Title"}


def test_error_annotation_text_has_what_why_fix() -> None:
    stream = io.StringIO()
    diagnosis = diagnose("packages-dir-missing", path="out")

    Reporter(github=True, stream=stream).error(diagnosis)

    [command] = parse_commands(stream.getvalue())
    assert command.title == "Packages directory not found"
    assert command.data.splitlines()[0] == "The packages directory 'out' does not exist."
    assert "\nWhy: " in command.data
    assert "\nFix: " in command.data
