"""Workflow commands, masks, file commands and shells, as the runner processes them."""

from __future__ import annotations

import base64
import json
import sys
import urllib.parse
from pathlib import Path

import pytest

from tests.runner.commands import parse_command, parse_commands
from tests.runner.files import FileCommandError, StepFiles, parse_key_values, parse_path_file
from tests.runner.log import LogRenderer
from tests.runner.masks import SecretMasker
from tests.runner.shells import ShellError, prepare_script
from tests.runner.workflow_commands import Annotation, JobLog, StepCommands


def feed(lines: list[str], **options: object) -> tuple[JobLog, StepCommands]:
    log = JobLog()
    commands = StepCommands(log, "step", Path("/work/repo"), **options)  # type: ignore[arg-type]
    for line in lines:
        commands.feed(line)
    return log, commands


# -- masks -----------------------------------------------------------------------------------


def test_a_mask_hides_the_value_its_lines_and_their_encodings() -> None:
    encoded = base64.b64encode(b"Bearer pypi-AgEIcHlwaS5vcmc").decode()
    log, _ = feed(
        [
            "::add-mask::pypi-AgEIcHlwaS5vcmc\nsecond-line",
            "token pypi-AgEIcHlwaS5vcmc and second-line",
            "json " + json.dumps({"t": "pypi-AgEIcHlwaS5vcmc"}),
            "url " + urllib.parse.quote("pypi-AgEIcHlwaS5vcmc/x", safe=""),
            "b64 " + encoded,
        ]
    )
    assert log.lines[:3] == ["token *** and ***", 'json {"t": "***"}', "url ***%2Fx"]
    # Only the characters that depend on the prefix "Bearer " stay visible.
    assert log.lines[3].startswith("b64 QmVhcmVy")
    assert log.lines[3].endswith("***")
    assert len(log.lines[3]) < len("b64 " + encoded) - 20


def test_masks_have_no_minimum_length_and_overlaps_merge() -> None:
    masker = SecretMasker()
    masker.add("abc")
    masker.add("bcd")
    assert masker.mask("xabcdx") == "x***x"
    masker.add("x")
    assert masker.mask("xyz") == "***yz"


def test_an_empty_mask_warns() -> None:
    log, _ = feed(["::add-mask::   "])
    assert [a.message for a in log.annotations] == [
        "Can't add secret mask for empty string in ##[add-mask] command."
    ]


# -- annotations and the other commands ---------------------------------------------------------


def test_annotations_take_their_properties_with_the_runners_fix_ups() -> None:
    log, _ = feed(
        [
            "::error title=Upload failed,file=/work/repo/dist/a.whl,endLine=3::no%0Aroom",
            "  ::warning col=2,endColumn=5,line=1,endLine=2::columns dropped",
            "::notice title=A%3A b%2C c::done",
        ]
    )
    assert log.annotations == [
        Annotation("error", "no\nroom", "Upload failed", "dist/a.whl", 3, step="step"),
        Annotation("warning", "columns dropped", line=1, end_line=2, step="step"),
        Annotation("notice", "done", "A: b, c", step="step"),
    ]
    assert log.lines == ["##[error]no", "room", "##[warning]columns dropped", "##[notice]done"]


def test_annotations_are_masked_and_limited_to_ten_per_type() -> None:
    log, _ = feed(["::add-mask::s3cret"] + [f"::warning::{i} s3cret" for i in range(12)])
    assert [a.message for a in log.annotations] == [f"{i} ***" for i in range(10)]
    assert len(log.lines) == 12  # the log still shows all of them


def test_the_legacy_form_is_a_command_anywhere_in_a_line() -> None:
    log, _ = feed(["untrusted text ##[error title=x]from a package"])
    assert [(a.level, a.message) for a in log.annotations] == [("error", "from a package")]
    assert parse_command(">>> ::warning::x") is None  # the :: form must start the line


def test_groups_debug_and_unknown_commands() -> None:
    log, _ = feed(["::group::Uploading", "::debug::hidden", "::endgroup::", "::unknown::kept"])
    assert log.lines == ["##[group]Uploading", "##[endgroup]", "::unknown::kept"]
    log, _ = feed(["::debug::one%0Atwo"], debug=True)
    assert log.lines == ["##[debug]one", "##[debug]two"]


def test_stop_commands_pauses_processing_until_its_token() -> None:
    log, _ = feed(
        [
            "::stop-commands::pause-token-123",
            "::error::not an error",
            "::pause-token-123::",
            "::error::an error",
        ]
    )
    assert [a.message for a in log.annotations] == ["an error"]
    assert "::error::not an error" in log.lines


def test_disabled_and_deprecated_commands() -> None:
    _, commands = feed(["::set-env name=X::1"])
    assert commands.failures
    log, commands = feed(["::set-output name=files::[]"])
    assert commands.outputs == {"files": "[]"}
    assert "deprecated" in log.annotations[0].message


def test_the_original_parsers_still_work() -> None:
    assert [c.name for c in parse_commands("a\n::error::x\n##[warning]y")] == ["error", "warning"]
    renderer = LogRenderer()
    assert renderer.line("::add-mask::tok") is None
    assert renderer.line("the tok") == "the ***"


# -- file commands ----------------------------------------------------------------------------


def test_key_values_and_heredocs() -> None:
    text = "a=1=2\nempty=\n\nfiles<<EOF\n[\n  1\n]\nEOF\nb<<x=y\nline\nx=y\n"
    assert parse_key_values(text) == {"a": "1=2", "empty": "", "files": "[\n  1\n]", "b": "line"}


def test_carriage_returns_stay_except_on_windows() -> None:
    assert parse_key_values("a=1\r\n") == {"a": "1\r"}
    assert parse_key_values("a=1\r\n", windows=True) == {"a": "1"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("novalue\n", "Invalid format 'novalue'"),
        ("<<EOF\nx\nEOF\n", "Name must not be empty"),
        ("a<<EOF\nx\n", "Matching delimiter not found 'EOF'"),
        ("a<<EOF\nx", "EOF marker missing new line"),
    ],
)
def test_malformed_files_are_refused(text: str, message: str) -> None:
    with pytest.raises(FileCommandError, match=message):
        parse_key_values(text)


def test_path_file_and_step_files(tmp_path: Path) -> None:
    assert parse_path_file("/a\n\n/b\r\n") == ["/a", "/b"]
    files = StepFiles.create(tmp_path)
    names = files.environment()
    assert set(names) == {
        "GITHUB_ENV",
        "GITHUB_OUTPUT",
        "GITHUB_PATH",
        "GITHUB_STATE",
        "GITHUB_STEP_SUMMARY",
    }
    assert all(Path(p).parent == tmp_path / "_runner_file_commands" for p in names.values())
    assert Path(names["GITHUB_OUTPUT"]).name.startswith("set_output_")
    files.remove()
    assert list((tmp_path / "_runner_file_commands").iterdir()) == []


# -- shells -------------------------------------------------------------------------------------

posix_shells = pytest.mark.skipif(sys.platform == "win32", reason="bash and /usr/bin are POSIX")


@posix_shells
def test_bash_gets_the_runners_arguments(tmp_path: Path) -> None:
    script = prepare_script("echo hi", "bash", runner_temp=tmp_path, search_path="/usr/bin:/bin")
    assert script.argv[1:] == ["--noprofile", "--norc", "-e", "-o", "pipefail", str(script.path)]
    assert script.path.suffix == ".sh"
    assert script.path.read_text() == "echo hi"


@posix_shells
def test_without_a_shell_bash_runs_with_e_only(tmp_path: Path) -> None:
    script = prepare_script("true", None, runner_temp=tmp_path, search_path="/usr/bin:/bin")
    assert script.argv[1:] == ["-e", str(script.path)]


@posix_shells
def test_custom_shells_need_the_placeholder(tmp_path: Path) -> None:
    script = prepare_script("pass", "python3 -u {0}", runner_temp=tmp_path, search_path="/usr/bin")
    assert script.argv[1:] == ["-u", str(script.path)]
    assert script.path.suffix == ""
    with pytest.raises(ShellError, match="format string containing"):
        prepare_script("pass", "python3 -u", runner_temp=tmp_path, search_path="/usr/bin")


def test_powershell_scripts_stop_on_errors_and_keep_the_exit_code(tmp_path: Path) -> None:
    with pytest.raises(ShellError, match="not found"):  # no pwsh here, but the file is written
        prepare_script("exit 3", "pwsh", runner_temp=tmp_path, search_path=str(tmp_path))
    [written] = tmp_path.glob("*.ps1")
    text = written.read_text()
    assert text.startswith("$ErrorActionPreference = 'stop'\n")
    assert text.endswith("exit $LASTEXITCODE }")
