"""Run the CLI the way action.yml runs it: INPUT_* and runner variables in a fresh process."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import child_environment, python_executable
from tests.runner.commands import WorkflowCommand, parse_commands
from tests.runner.files import parse_key_values
from tests.standins.secrets import handed_out

__all__ = ["ActionRun", "Job", "assert_no_secret_leaks"]


@dataclass(frozen=True)
class ActionRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str

    @property
    def commands(self) -> list[WorkflowCommand]:
        return parse_commands(self.stdout + "\n" + self.stderr)

    def annotations(self, level: str) -> list[WorkflowCommand]:
        return [c for c in self.commands if c.name == level]

    @property
    def errors(self) -> list[WorkflowCommand]:
        return self.annotations("error")

    @property
    def error(self) -> WorkflowCommand:
        """The single error annotation a failed run must produce."""
        errors = self.errors
        assert len(errors) == 1, f"expected one error annotation, got {errors}\n{self.stdout}"
        return errors[0]

    @property
    def log(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Job:
    """A GitHub Actions job's workspace and runner variables."""

    workspace: Path
    runner_env: dict[str, str] = field(default_factory=dict)
    trust_config: Path | None = None  # the sigstore stand-ins' client trust configuration

    @property
    def dist(self) -> Path:
        return self.workspace / "dist"

    def run(
        self,
        inputs: dict[str, str] | None = None,
        *,
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
        timeout: float = 120,
    ) -> ActionRun:
        temp = self.workspace.parent / "runner-temp"
        temp.mkdir(exist_ok=True)
        output_file = temp / "github_output"
        summary_file = temp / "step_summary"
        output_file.write_text("")
        summary_file.write_text("")
        variables = {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
            "GITHUB_REPOSITORY": "octo-org/hello-trusted-publish",
            "GITHUB_SERVER_URL": "https://github.com",
            "RUNNER_TEMP": str(temp),
            "HOME": str(self.workspace.parent / "home"),
            **self.runner_env,
        }
        for name, value in (inputs or {}).items():
            variables[f"INPUT_{name.upper()}"] = value
        variables.update(env or {})
        process = subprocess.run(
            [python_executable(), "-m", "trusted_publish", *args],
            cwd=self.workspace,
            env=child_environment(variables),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        run = ActionRun(
            returncode=process.returncode,
            stdout=process.stdout,
            stderr=process.stderr,
            outputs=parse_key_values(output_file.read_text()),
            summary=summary_file.read_text(),
        )
        passwords = {v for k, v in variables.items() if k.startswith("INPUT_PASSWORD") and v}
        assert_no_secret_leaks(run, handed_out() | passwords)
        return run


def assert_no_secret_leaks(run: ActionRun, secrets: Iterable[str]) -> None:
    """No token or password anywhere a person or a later step could read it.

    The only place a secret may appear is the `::add-mask::` command that hides it,
    which the runner consumes instead of printing.
    """
    visible = [line for line in run.stdout.splitlines() if not line.startswith("::add-mask::")]
    places = {
        "stdout": "\n".join(visible),
        "stderr": run.stderr,
        "job summary": run.summary,
        "outputs": "\n".join(run.outputs.values()),
    }
    for secret in secrets:
        for place, text in places.items():
            assert secret not in text, f"a secret leaked into the {place}"
