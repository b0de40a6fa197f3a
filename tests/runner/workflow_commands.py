"""What the runner does with each line a step prints (ActionCommandManager.cs).

Both streams are fed here line by line. A registered command has its effect
(mask, annotation, group, ...); anything else goes to the log, masked.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from tests.runner.commands import WorkflowCommand, parse_command
from tests.runner.masks import SecretMasker

__all__ = ["Annotation", "JobLog", "StepCommands"]

ANNOTATION_LIMIT = 10
MESSAGE_LIMIT = 4096
_REGISTERED = frozenset(
    {
        "error",
        "warning",
        "notice",
        "group",
        "endgroup",
        "debug",
        "add-mask",
        "stop-commands",
        "echo",
        "add-matcher",
        "remove-matcher",
        "set-env",
        "add-path",
        "set-output",
        "save-state",
    }
)
_SET_OUTPUT_DEPRECATED = (
    "The `{name}` command is deprecated and will be disabled soon. Please upgrade to using "
    "Environment Files. For more information see: https://github.blog/changelog/"
    "2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/"
)
_DISABLED = (
    "The `{name}` command is disabled. Please upgrade to using Environment Files or opt into "
    "unsecure command execution by setting the `ACTIONS_ALLOW_UNSECURE_COMMANDS` environment "
    "variable to `true`. For more information see: https://github.blog/changelog/"
    "2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/"
)


@dataclass(frozen=True)
class Annotation:
    level: str  # "error", "warning" or "notice"
    message: str
    title: str = ""
    file: str = ""
    line: int | None = None
    end_line: int | None = None
    col: int | None = None
    end_column: int | None = None
    step: str = ""


@dataclass
class JobLog:
    """The job's log lines (masked, as stored by GitHub), annotations and masks."""

    masker: SecretMasker = field(default_factory=SecretMasker)
    lines: list[str] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, text: str) -> None:
        masked = self.masker.mask(text)
        with self._lock:
            self.lines.extend(masked.split("\n"))

    def annotate(self, annotation: Annotation) -> None:
        with self._lock:
            self.annotations.append(annotation)

    @property
    def text(self) -> str:
        with self._lock:
            return "\n".join(self.lines)


def _number(properties: dict[str, str], key: str) -> int | None:
    value = properties.get(key.lower(), "").strip()
    return int(value) if value.isdigit() else None


def _annotation(
    level: str, message: str, properties: dict[str, str], step: str, workspace: Path | None
) -> Annotation:
    line, end_line = _number(properties, "line"), _number(properties, "endLine")
    col, end_column = _number(properties, "col"), _number(properties, "endColumn")
    if line is None and end_line is not None:
        line, end_line = end_line, None
    if col is None and end_column is not None:
        col, end_column = end_column, None
    if line is None or (end_line is not None and end_line != line):
        col = end_column = None
    if line is not None and end_line is not None and end_line < line:
        line = end_line = None
    if col is not None and end_column is not None and end_column < col:
        col = end_column = None
    file = properties.get("file", "")
    if file and workspace is not None:
        with contextlib.suppress(ValueError):  # outside the workspace: kept as given
            file = Path(file).resolve().relative_to(workspace.resolve()).as_posix()
    return Annotation(
        level,
        message[:MESSAGE_LIMIT],
        properties.get("title", ""),
        file,
        line,
        end_line,
        col,
        end_column,
        step,
    )


@dataclass
class StepCommands:
    """Processes one step's output; its outputs and failures are read after the step ends."""

    log: JobLog
    step: str
    workspace: Path | None = None
    debug: bool = False
    allow_unsecure: bool = False
    outputs: dict[str, str] = field(default_factory=dict)
    state: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    echo: bool = False
    _stop_token: str | None = None
    _counts: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def feed(self, raw: str) -> None:
        with self._lock:
            self._feed(raw)

    def _feed(self, raw: str) -> None:
        command = parse_command(raw) if ("::" in raw or "##[" in raw) else None
        if self._stop_token is not None:
            if command is not None and command.name == self._stop_token.lower():
                self._stop_token = None
                return
            self.log.write(raw)
            return
        if command is None or command.name not in _REGISTERED:
            self.log.write(raw)
            return
        if self.echo and command.name not in {"add-mask", "debug", "error", "warning", "notice"}:
            self.log.write(raw)
        getattr(self, "_on_" + command.name.replace("-", "_"))(command)

    def _annotate(self, command: WorkflowCommand) -> None:
        count = self._counts.get(command.name, 0) + 1
        self._counts[command.name] = count
        message = self.log.masker.mask(command.data)
        self.log.write(f"##[{command.name}]{message}")
        if count <= ANNOTATION_LIMIT:
            properties = {k: self.log.masker.mask(v) for k, v in command.properties.items()}
            self.log.annotate(
                _annotation(command.name, message, properties, self.step, self.workspace)
            )

    _on_error = _on_warning = _on_notice = _annotate

    def error(self, message: str) -> None:
        """An error the runner itself reports for this step."""
        self._annotate(WorkflowCommand("error", message))

    def warning(self, message: str) -> None:
        self._annotate(WorkflowCommand("warning", message))

    def _on_group(self, command: WorkflowCommand) -> None:
        self.log.write(f"##[group]{command.data}")

    def _on_endgroup(self, command: WorkflowCommand) -> None:
        self.log.write("##[endgroup]")

    def _on_debug(self, command: WorkflowCommand) -> None:
        if self.debug:
            for line in command.data.splitlines() or [""]:
                self.log.write(f"##[debug]{line}")

    def _on_add_mask(self, command: WorkflowCommand) -> None:
        if not command.data.strip():
            self.warning("Can't add secret mask for empty string in ##[add-mask] command.")
            return
        self.log.masker.add(command.data)
        if self.echo:
            self.log.write("::add-mask::***")

    def _on_stop_commands(self, command: WorkflowCommand) -> None:
        token = command.data
        refused = not token or token == "pause-logging" or token.lower() in _REGISTERED
        if refused and not self.allow_unsecure:
            self.failures.append(f"Unable to process command '::stop-commands::{token}'")
            self.error(
                "Invalid stop-commands token: the token must not be empty, 'pause-logging' "
                "or a command name"
            )
            return
        if len(token) > 6:
            self.log.masker.add(token)
        self._stop_token = token

    def _on_echo(self, command: WorkflowCommand) -> None:
        value = command.data.strip().lower()
        if value not in {"on", "off"}:
            self.failures.append(f"Invalid echo command value: '{command.data}'")
            return
        self.echo = value == "on"

    def _on_add_matcher(self, command: WorkflowCommand) -> None:
        pass

    _on_remove_matcher = _on_add_matcher

    def _on_set_env(self, command: WorkflowCommand) -> None:
        self._disabled(command)

    _on_add_path = _on_set_env

    def _disabled(self, command: WorkflowCommand) -> None:
        if not self.allow_unsecure:
            self.failures.append(f"Unable to process command '::{command.name}' successfully.")
            self.error(_DISABLED.format(name=command.name))

    def _on_set_output(self, command: WorkflowCommand) -> None:
        self.warning(_SET_OUTPUT_DEPRECATED.format(name="set-output"))
        if command.properties.get("name"):
            self.outputs[command.properties["name"]] = command.data

    def _on_save_state(self, command: WorkflowCommand) -> None:
        self.warning(_SET_OUTPUT_DEPRECATED.format(name="save-state"))
        if command.properties.get("name"):
            self.state[command.properties["name"]] = command.data
