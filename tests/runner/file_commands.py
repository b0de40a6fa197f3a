"""Apply a step's file commands to the job (FileCommandManager.cs): GITHUB_ENV for later steps
(NODE_OPTIONS refused), GITHUB_PATH prepended newest first, GITHUB_OUTPUT as the step's
outputs, GITHUB_STEP_SUMMARY masked and size-checked."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.runner.files import (
    SUMMARY_LIMIT,
    FileCommandError,
    StepFiles,
    parse_key_values,
    parse_path_file,
)
from tests.runner.masks import SecretMasker
from tests.runner.workflow_commands import StepCommands

__all__ = ["JobState", "apply_file_commands"]


@dataclass
class JobState:
    """What file commands change for the rest of the job."""

    env: dict[str, str] = field(default_factory=dict)  # the env context (GITHUB_ENV)
    path: list[str] = field(default_factory=list)  # GITHUB_PATH entries, newest first
    summaries: list[str] = field(default_factory=list)


def apply_file_commands(
    files: StepFiles,
    commands: StepCommands,
    state: JobState,
    masker: SecretMasker,
    *,
    windows: bool,
) -> dict[str, str]:
    """Read the step's files into ``state``; return its outputs. Errors fail the step."""
    try:
        environment = parse_key_values(files.read("GITHUB_ENV"), windows=windows)
    except FileCommandError as exc:
        _failure(commands, "env", exc)
        environment = {}
    for name, value in environment.items():
        if name.upper() == "NODE_OPTIONS":
            commands.error("Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.")
            continue
        state.env[name] = value
    for directory in parse_path_file(files.read("GITHUB_PATH")):
        state.path.insert(0, directory)
    try:
        outputs = parse_key_values(files.read("GITHUB_OUTPUT"), windows=windows)
    except FileCommandError as exc:
        _failure(commands, "output", exc)
        outputs = {}
    summary = _summary(files.read("GITHUB_STEP_SUMMARY"), commands, masker)
    if summary:
        state.summaries.append(summary)
    files.remove()
    return outputs


def _failure(commands: StepCommands, kind: str, exc: Exception) -> None:
    commands.failures.append(f"Unable to process file command '{kind}' successfully.")
    commands.error(f"Unable to process file command '{kind}' successfully.")
    commands.error(str(exc))


def _summary(text: str, commands: StepCommands, masker: SecretMasker) -> str:
    if not text:
        return ""
    size = len(text.encode("utf-8"))
    if size > SUMMARY_LIMIT:
        commands.error(
            "$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k, "
            f"got {size // 1024}k. For more information see: https://docs.github.com/"
            "actions/using-workflows/workflow-commands-for-github-actions#adding-a-markdown-summary"
        )
        return ""
    return masker.mask(text)
