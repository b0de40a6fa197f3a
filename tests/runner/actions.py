"""Finding the action a ``uses:`` names, as the runner downloads and prepares it (ActionManager.cs).

``./path`` is relative to the workspace (also inside a composite action).
``owner/repo[/path]@ref`` is looked up in a table of local directories, which
are copied into ``_work/_actions/owner/repo/ref`` as the runner downloads them,
or in a table of Python stand-ins for JavaScript actions (checkout,
setup-python, artifacts), which get their inputs as ``INPUT_*`` like a node
action does.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.runner.stubs import StubCall

__all__ = ["ActionResolver", "ResolvedAction", "StubAction", "UsesError", "parse_uses"]

StubAction = Callable[["StubCall"], None]
_REMOTE = re.compile(
    r"^(?P<owner>[^/@\s]+)/(?P<repo>[^/@\s]+)(?P<path>(?:/[^@\s]+)?)@(?P<ref>\S+)$"
)
_COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "*.egg-info"
)


class UsesError(ValueError):
    pass


@dataclass(frozen=True)
class Stub:
    """A JavaScript action stood in for by Python: its declared input defaults and body."""

    run: StubAction
    defaults: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ResolvedAction:
    uses: str
    repository: str  # "owner/repo", "" for a local action
    ref: str
    directory: Path | None = None  # composite or other action.yml
    stub: Stub | None = None


@dataclass(frozen=True)
class Uses:
    owner: str
    repo: str
    path: str
    ref: str

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.repo}"


def parse_uses(uses: str) -> Uses | None:
    """``owner/repo[/path]@ref``, or None for a local or docker reference."""
    match = _REMOTE.match(uses)
    if match is None:
        return None
    return Uses(match["owner"], match["repo"], match["path"].lstrip("/"), match["ref"])


@dataclass
class ActionResolver:
    """Where each ``owner/repo`` comes from on this machine."""

    actions_dir: Path  # the runner's _work/_actions
    repositories: dict[str, Path] = field(default_factory=dict)
    stubs: dict[str, Stub] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)

    def add_repository(self, repository: str, directory: Path) -> None:
        self.repositories[repository.lower()] = directory

    def add_stub(self, repository: str, stub: Stub) -> None:
        self.stubs[repository.lower()] = stub

    def resolve(self, uses: str, workspace: Path) -> ResolvedAction:
        uses = uses.strip()
        if uses.startswith("docker://"):
            raise UsesError(f"docker:// actions are not supported by this emulator: {uses}")
        if uses.startswith("./") or uses == ".":
            directory = (workspace / uses).resolve()
            return ResolvedAction(uses, "", "", directory=directory)
        parsed = parse_uses(uses)
        if parsed is None:
            raise UsesError(f"Expected format {{org}}/{{repo}}[/path]@ref. Actual '{uses}'")
        key = parsed.repository.lower()
        if key in self.stubs:
            return ResolvedAction(uses, parsed.repository, parsed.ref, stub=self.stubs[key])
        if key not in self.repositories:
            raise UsesError(
                f"Unable to resolve action `{parsed.repository}@{parsed.ref}`, repository not found"
            )
        target = self.actions_dir / parsed.owner / parsed.repo / parsed.ref
        if not target.exists():
            shutil.copytree(self.repositories[key], target, ignore=_COPY_IGNORE, symlinks=True)
            self.downloads.append(f"{parsed.repository}@{parsed.ref}")
        directory = target / parsed.path if parsed.path else target
        return ResolvedAction(uses, parsed.repository, parsed.ref, directory=directory)
