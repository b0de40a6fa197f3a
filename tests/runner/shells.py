"""How the runner turns a ``run:`` script and its ``shell:`` into a process (ScriptHandler*.cs)."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Script", "ShellError", "prepare_script"]

_BUILTIN: dict[str, tuple[str, str]] = {
    # shell: (argument template, script extension)
    "bash": ("--noprofile --norc -e -o pipefail {0}", ".sh"),
    "sh": ("-e {0}", ".sh"),
    "pwsh": ("-command \". '{0}'\"", ".ps1"),
    "powershell": ("-command \". '{0}'\"", ".ps1"),
    "python": ("{0}", ".py"),
    "cmd": ('/D /E:ON /V:OFF /S /C "CALL "{0}""', ".cmd"),
}
_PWSH_PREFIX = "$ErrorActionPreference = 'stop'\n"
_PWSH_SUFFIX = "\nif ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }"


class ShellError(ValueError):
    pass


@dataclass(frozen=True)
class Script:
    argv: list[str]
    path: Path
    shell_line: str  # what the log shows after "shell:"


def _split_template(template: str) -> list[str]:
    """Split the runner's argument template the way .NET passes it to a process (quotes)."""
    arguments: list[str] = []
    current: list[str] = []
    quoted = False
    for char in template:
        if char == '"':
            quoted = not quoted
            continue
        if char == " " and not quoted:
            if current:
                arguments.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        arguments.append("".join(current))
    return arguments


def _resolve(shell: str | None, windows: bool, search_path: str) -> tuple[str, str, str]:
    """(program, argument template, extension) for ``shell``, as the runner picks them."""
    if not shell:
        if windows:
            program = "pwsh" if shutil.which("pwsh", path=search_path) else "powershell"
            return program, *_BUILTIN[program]
        if shutil.which("bash", path=search_path):
            return "bash", "-e {0}", ".sh"
        return "sh", *_BUILTIN["sh"]
    if shell in _BUILTIN:
        return shell, *_BUILTIN[shell]
    program, _, arguments = shell.strip().partition(" ")
    if "{0}" not in arguments:
        raise ShellError(
            "Invalid shell option. Shell must be a valid built-in (bash, sh, cmd, powershell, "
            "pwsh) or a format string containing '{0}'"
        )
    return program, arguments, ""


def prepare_script(
    body: str,
    shell: str | None,
    *,
    runner_temp: Path,
    search_path: str,
    windows: bool = False,
) -> Script:
    """Write the script file as the runner does and return the command that runs it."""
    program, template, extension = _resolve(shell, windows, search_path)
    if program in {"pwsh", "powershell"}:
        body = _PWSH_PREFIX + body + _PWSH_SUFFIX
    elif program == "cmd":
        body = "@echo off\n" + body
    path = runner_temp / f"{uuid.uuid4()}{extension}"
    newline = "\r\n" if windows else "\n"
    path.write_bytes(body.replace("\n", newline).encode("utf-8"))
    resolved = shutil.which(program, path=search_path)
    if resolved is None:
        raise ShellError(f"{program}: command not found")
    quoted = str(path).replace('"', '\\"')
    arguments = [a.replace("{0}", quoted) for a in _split_template(template)]
    return Script([resolved, *arguments], path, f"{resolved} {template}")
