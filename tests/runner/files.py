"""The runner's file commands (FileCommandManager.cs): GITHUB_OUTPUT, ENV, PATH, STEP_SUMMARY.

Before every step the runner creates fresh empty files under
``$RUNNER_TEMP/_runner_file_commands/`` and reads them after the process exits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "SUMMARY_LIMIT",
    "FileCommandError",
    "StepFiles",
    "parse_key_values",
    "parse_path_file",
]

SUMMARY_LIMIT = 1024 * 1024
_PREFIXES = {
    "GITHUB_PATH": "add_path_",
    "GITHUB_ENV": "set_env_",
    "GITHUB_STEP_SUMMARY": "step_summary_",
    "GITHUB_STATE": "save_state_",
    "GITHUB_OUTPUT": "set_output_",
}


class FileCommandError(ValueError):
    pass


def _lines(text: str, windows: bool) -> list[tuple[str, bool]]:
    """Each line with whether a newline ended it (LF; CRLF only on Windows)."""
    result: list[tuple[str, bool]] = []
    for piece in text.split("\n"):
        result.append((piece[:-1] if windows and piece.endswith("\r") else piece, True))
    last, _ = result.pop()
    if last:
        result.append((last, False))
    return result


def parse_key_values(text: str, *, windows: bool = False) -> dict[str, str]:
    """``NAME=VALUE`` and ``NAME<<DELIMITER`` blocks; raise as the runner would refuse them."""
    values: dict[str, str] = {}
    lines = _lines(text, windows)
    index = 0
    while index < len(lines):
        line, _ = lines[index]
        index += 1
        if not line:
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            name, value = line.split("=", 1)
            values[name] = value
            continue
        if heredoc < 0:
            raise FileCommandError(f"Invalid format '{line}'")
        name, delimiter = line[:heredoc], line[heredoc + 2 :]
        if not name or not delimiter:
            raise FileCommandError(
                f"Invalid format '{line}'. Name must not be empty and delimiter must not be empty"
            )
        body: list[str] = []
        while True:
            if index >= len(lines):
                raise FileCommandError(f"Invalid value. Matching delimiter not found '{delimiter}'")
            current, ended = lines[index]
            index += 1
            if current == delimiter:
                break
            if not ended:
                raise FileCommandError("Invalid value. EOF marker missing new line.")
            body.append(current)
        values[name] = "\n".join(body)
    return values


def parse_path_file(text: str) -> list[str]:
    """GITHUB_PATH: one directory per non-empty line."""
    return [line.rstrip("\r") for line in text.split("\n") if line.strip()]


@dataclass(frozen=True)
class StepFiles:
    """The five files one step gets; ``environment()`` names them for the process."""

    paths: dict[str, Path]

    @classmethod
    def create(cls, runner_temp: Path) -> StepFiles:
        directory = runner_temp / "_runner_file_commands"
        directory.mkdir(parents=True, exist_ok=True)
        paths = {}
        for variable, prefix in _PREFIXES.items():
            path = directory / f"{prefix}{uuid.uuid4()}"
            path.write_bytes(b"")
            paths[variable] = path
        return cls(paths)

    def environment(self) -> dict[str, str]:
        return {variable: str(path) for variable, path in self.paths.items()}

    def read(self, variable: str) -> str:
        path = self.paths[variable]
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def remove(self) -> None:
        for path in self.paths.values():
            path.unlink(missing_ok=True)
