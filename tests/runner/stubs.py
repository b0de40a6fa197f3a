"""Python stand-ins for the JavaScript actions the examples and the action itself use.

Each receives its inputs as ``INPUT_*`` (as a node action does) and answers
through the file commands, like ``@actions/core``. They do what the real
action does on the paths our tests take, with no network: checkout copies a
local tree, setup-python hands out a local interpreter, the artifact actions
keep files in the emulated run's artifact store.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.runner.contexts import Machine
from tests.runner.files import StepFiles

__all__ = [
    "StubCall",
    "StubFailure",
    "checkout",
    "download_artifact",
    "setup_python",
    "upload_artifact",
]


class StubFailure(RuntimeError):
    """core.setFailed(): an error annotation and a failed step."""


@dataclass
class StubCall:
    env: dict[str, str]
    workspace: Path
    machine: Machine
    artifacts: Path
    files: StepFiles
    emit: Callable[[str], None]

    def input(self, name: str) -> str:
        return self.env.get(f"INPUT_{name.replace(' ', '_').upper()}", "").strip()

    def boolean(self, name: str) -> bool:
        value = self.input(name)
        if value in {"true", "True", "TRUE"}:
            return True
        if value in {"false", "False", "FALSE"}:
            return False
        msg = (
            f'Input does not meet YAML 1.2 "Core Schema" specification: {name}\n'
            "Support boolean input list: `true | True | TRUE | false | False | FALSE`"
        )
        raise StubFailure(msg)

    def _append(self, variable: str, name: str, value: str) -> None:
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        with self.files.paths[variable].open("a", encoding="utf-8") as handle:
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")

    def set_output(self, name: str, value: str) -> None:
        self._append("GITHUB_OUTPUT", name, value)

    def export(self, name: str, value: str) -> None:
        self._append("GITHUB_ENV", name, value)

    def add_path(self, directory: str) -> None:
        with self.files.paths["GITHUB_PATH"].open("a", encoding="utf-8") as handle:
            handle.write(directory + "\n")

    def info(self, line: str) -> None:
        self.emit(line)


def checkout(source: Path) -> Callable[[StubCall], None]:
    """actions/checkout: the repository's files (from ``source``) into the workspace."""

    def run(call: StubCall) -> None:
        target = call.workspace / call.input("path") if call.input("path") else call.workspace
        shutil.copytree(
            source,
            target,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(".git", "__pycache__", ".venv", "dist"),
        )
        call.info(f"Copied {source.name} into {target}")

    return run


def setup_python(interpreters: Mapping[str, str]) -> Callable[[StubCall], None]:
    """actions/setup-python: ``interpreters`` maps version prefixes ('3.12') to executables."""

    def run(call: StubCall) -> None:
        wanted = call.input("python-version") or "3.x"
        executable = _pick_interpreter(wanted, interpreters)
        if executable is None:
            msg = f"The version '{wanted}' with architecture 'x64' was not found for this runner."
            raise StubFailure(msg)
        version = next(k for k, v in interpreters.items() if v == executable)
        call.set_output("python-version", version)
        call.set_output("python-path", executable)
        call.set_output("cache-hit", "false")
        call.info(f"Successfully set up CPython ({version})")
        if call.boolean("update-environment"):
            directory = str(Path(executable).parent)
            call.export("pythonLocation", directory)
            call.export("Python_ROOT_DIR", directory)
            call.add_path(directory)

    return run


def _pick_interpreter(wanted: str, interpreters: Mapping[str, str]) -> str | None:
    prefix = wanted.strip().removesuffix(".x").removesuffix("x")
    for version, executable in sorted(interpreters.items(), reverse=True):
        if version == wanted or version.startswith(prefix) or wanted.startswith(version):
            return executable
    return None


def default_interpreters() -> dict[str, str]:
    """The interpreter running the tests, under its version."""
    return {f"{sys.version_info.major}.{sys.version_info.minor}": sys.executable}


def upload_artifact(call: StubCall) -> None:
    """actions/upload-artifact v4+: immutable named artifacts, paths below the common root."""
    name = call.input("name") or "artifact"
    destination = call.artifacts / name
    if destination.exists() and not call.boolean("overwrite"):
        msg = (
            "Failed to CreateArtifact: Received non-retryable error: Failed request: (409) "
            "Conflict: an artifact with this name already exists on the workflow run"
        )
        raise StubFailure(msg)
    patterns = [p.strip() for p in call.input("path").splitlines() if p.strip()]
    found: dict[Path, Path] = {}
    roots: list[Path] = []
    for pattern in patterns:
        base = call.workspace / _static_prefix(pattern)
        roots.append(base if base.is_dir() else base.parent)
        for path in _expand(call.workspace, pattern):
            found[path] = path
    if not found:
        if call.input("if-no-files-found") == "error":
            raise StubFailure(f"No files were found with the provided path: {call.input('path')}")
        call.emit(f"::warning::No files were found with the provided path: {call.input('path')}")
        return
    root = Path(os.path.commonpath([str(r) for r in roots]))
    shutil.rmtree(destination, ignore_errors=True)
    for path in found:
        target = destination / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    call.info(f"Artifact {name} has been successfully uploaded! ({len(found)} files)")
    call.set_output("artifact-id", str(abs(hash(name)) % 10**9))


def _static_prefix(pattern: str) -> str:
    parts: list[str] = []
    for part in Path(pattern).parts:
        if any(c in part for c in "*?["):
            break
        parts.append(part)
    return str(Path(*parts)) if parts else "."


def _expand(workspace: Path, pattern: str) -> list[Path]:
    candidate = workspace / pattern
    if candidate.is_dir():
        return sorted(p for p in candidate.rglob("*") if p.is_file())
    if candidate.is_file():
        return [candidate]
    return sorted(p for p in workspace.glob(pattern) if p.is_file())


def download_artifact(call: StubCall) -> None:
    """actions/download-artifact v4+: by name, or all (``pattern``, ``merge-multiple``)."""
    target = call.workspace / call.input("path") if call.input("path") else call.workspace
    name = call.input("name")
    if name:
        if not (call.artifacts / name).exists():
            raise StubFailure(
                f"Unable to download artifact(s): Artifact not found for name: {name}"
            )
        shutil.copytree(call.artifacts / name, target, dirs_exist_ok=True)
    else:
        pattern = call.input("pattern") or "*"
        merge = call.boolean("merge-multiple")
        names = sorted(
            p.name for p in call.artifacts.glob("*") if fnmatch.fnmatchcase(p.name, pattern)
        )
        for artifact in names:
            shutil.copytree(
                call.artifacts / artifact,
                target if merge else target / artifact,
                dirs_exist_ok=True,
            )
    call.set_output("download-path", str(target))


UPLOAD_DEFAULTS = {"name": "artifact", "if-no-files-found": "warn", "overwrite": "false"}
DOWNLOAD_DEFAULTS = {"merge-multiple": "false"}
SETUP_PYTHON_DEFAULTS = {"update-environment": "true", "check-latest": "false"}
