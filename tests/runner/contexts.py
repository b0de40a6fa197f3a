"""The runner machine and the ``github``/``runner`` facts a job starts with (GitHubContext.cs)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tests.runner.values import Value, from_python, to_string

__all__ = ["GitHubFacts", "Machine", "hash_files"]


@dataclass(frozen=True)
class Machine:
    """The runner host: its own process environment and directories."""

    root: Path
    base_env: dict[str, str]
    os: str = "Linux"  # runner.os: Linux | Windows | macOS
    arch: str = "X64"
    name: str = "GitHub Actions 1000000001"
    environment: str = "github-hosted"

    @property
    def temp(self) -> Path:
        return self.root / "_temp"

    @property
    def tool_cache(self) -> Path:
        return self.root / "_tool"

    @property
    def work(self) -> Path:
        return self.root / "_work"

    @property
    def actions_dir(self) -> Path:
        return self.work / "_actions"

    def prepare(self) -> Machine:
        for directory in (self.temp, self.tool_cache, self.actions_dir):
            directory.mkdir(parents=True, exist_ok=True)
        return self

    def runner_context(self, temp: str, workspace: str, debug: bool) -> dict[str, str]:
        context = {
            "os": self.os,
            "arch": self.arch,
            "name": self.name,
            "environment": self.environment,
            "temp": temp,
            "tool_cache": str(self.tool_cache),
            "workspace": workspace,
        }
        if debug:
            context["debug"] = "1"
        return context


@dataclass(frozen=True)
class GitHubFacts:
    """What GitHub knows about the run: repository, event, ref, workflow."""

    repository: str = "octo-org/hello-trusted-publish"
    repository_id: str = "736284111"
    repository_owner_id: str = "1342004"
    event_name: str = "push"
    ref: str = "refs/tags/v1.0.0"
    sha: str = "8c13517721d6ae11cac357e58b9c81e988dc86e4"
    workflow: str = "Release"
    workflow_file: str = "release.yml"
    run_id: str = "21561244697"
    run_number: str = "42"
    run_attempt: str = "1"
    actor: str = "octocat"
    actor_id: str = "583231"
    server_url: str = "https://github.com"
    event: dict[str, object] = field(default_factory=dict)

    def with_changes(self, **changes: object) -> GitHubFacts:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]

    @property
    def workflow_ref(self) -> str:
        return f"{self.repository}/.github/workflows/{self.workflow_file}@{self.ref}"

    def context(self, **extra: str) -> dict[str, Value]:
        """The ``github`` context (strings, plus ``event``)."""
        ref_type = "tag" if self.ref.startswith("refs/tags/") else "branch"
        ref_name = self.ref.split("/", 2)[2] if self.ref.count("/") >= 2 else self.ref
        if self.ref.startswith("refs/pull/"):
            ref_name = self.ref.removeprefix("refs/pull/")
        pull = self.event.get("pull_request")
        base_ref = head_ref = ""
        if self.event_name in {"pull_request", "pull_request_target"} and isinstance(pull, dict):
            base_ref = str(pull.get("base", {}).get("ref", ""))
            head_ref = str(pull.get("head", {}).get("ref", ""))
        context: dict[str, Value] = {
            "action": "",
            "action_path": "",
            "action_ref": "",
            "action_repository": "",
            "actor": self.actor,
            "actor_id": self.actor_id,
            "api_url": "https://api.github.com",
            "base_ref": base_ref,
            "event_name": self.event_name,
            "graphql_url": "https://api.github.com/graphql",
            "head_ref": head_ref,
            "job": "",
            "ref": self.ref,
            "ref_name": ref_name,
            "ref_protected": "false",
            "ref_type": ref_type,
            "repository": self.repository,
            "repository_id": self.repository_id,
            "repository_owner": self.owner,
            "repository_owner_id": self.repository_owner_id,
            "retention_days": "90",
            "run_attempt": self.run_attempt,
            "run_id": self.run_id,
            "run_number": self.run_number,
            "server_url": self.server_url,
            "sha": self.sha,
            "triggering_actor": self.actor,
            "workflow": self.workflow,
            "workflow_ref": self.workflow_ref,
            "workflow_sha": self.sha,
        }
        context.update(extra)
        context["event"] = from_python(self.event)
        return context

    def write_event(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "event.json"
        path.write_text(json.dumps(self.event), encoding="utf-8")
        return path


def hash_files(workspace: Path, patterns: Sequence[Value]) -> Value:
    """hashFiles(): sha256 over the sha256 of each matching file under the workspace, sorted;
    '' when nothing matches (HashFilesFunction.cs)."""
    texts = [to_string(p) for p in patterns]
    if texts and texts[0] == "--follow-symbolic-links":
        texts = texts[1:]
    included: set[Path] = set()
    for pattern in texts:
        negate = pattern.startswith("!")
        matches = {p for p in workspace.glob(pattern.lstrip("!")) if p.is_file()}
        included = included - matches if negate else included | matches
    if not included:
        return ""
    total = hashlib.sha256()
    for path in sorted(included):
        total.update(hashlib.sha256(path.read_bytes()).digest())
    return total.hexdigest()
