"""The README's workflows, run as written by the emulated runner against the stand-ins.

Two things differ from GitHub, both outside the workflows: the public sigstore is not
reachable, so every use of the action also gets ``sigstore-trust-config`` (the local
sigstore's); and ``pipx run build`` is the runner image's tool, played here by the test
environment's ``build`` without network.
"""

from __future__ import annotations

import re
import shutil
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from tests.fixtures.action import ACTION, ROOT, make_resolver, with_current_host_map
from tests.runner.actions import ActionResolver, Stub
from tests.runner.contexts import GitHubFacts, Machine
from tests.runner.stubs import checkout
from tests.runner.workflow import JobIdentity, WorkflowResult, WorkflowRun
from tests.runner.yamlfile import load_yaml
from tests.standins.github_oidc import GitHubOIDC
from tests.standins.pypi import PyPI

PROJECT = "hello-trusted-publish"
EXAMPLE = re.compile(
    r"<!-- example (?P<set>[\w-]+): (?P<file>[\w.-]+) -->\n```yaml\n(?P<body>.*?)```", re.S
)
ANCHOR = "pypa/gh-action-pypi-publish@release/v1"
TAG = GitHubFacts(event_name="push", ref="refs/tags/v1.0.0")


def readme_examples() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for match in EXAMPLE.finditer((ROOT / "README.md").read_text(encoding="utf-8")):
        found.setdefault(match["set"], {})[match["file"]] = match["body"]
    return found


def with_local_sigstore(body: str, trust_config: Path) -> str:
    """The workflow with ``sigstore-trust-config`` added wherever it uses the action."""
    document = load_yaml(body)
    assert isinstance(document, dict)
    for job in document["jobs"].values():
        for step in job.get("steps", []):
            if step.get("uses") == ACTION:
                step.setdefault("with", {})["sigstore-trust-config"] = str(trust_config)
    return yaml.safe_dump(document, sort_keys=False)


def pipx_stand_in(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "pipx"
    script.write_text(
        "#!/usr/bin/env bash\n"
        "# The runner image's pipx, for `pipx run build ...` only: build, offline.\n"
        '[ "$1" = run ] && [ "$2" = build ] || { echo "only pipx run build" >&2; exit 2; }\n'
        "shift 2\n"
        f'exec "{sys.executable}" -m build --no-isolation "$@"\n',
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return directory


def oidc_for(github: GitHubOIDC) -> Callable[[JobIdentity], Mapping[str, str]]:
    def provide(identity: JobIdentity) -> Mapping[str, str]:
        github.configure(
            workflow=identity.workflow_file,
            called_workflow=identity.called_workflow,
            environment=identity.environment,
            ref=identity.ref,
            event_name=identity.event_name,
        )
        return github.runner_environment()

    return provide


class Examples:
    """Runs one README example set in a repository holding the example package."""

    def __init__(
        self, tmp_path: Path, machine: Machine, github: GitHubOIDC, trust_config: Path
    ) -> None:
        self.repository = tmp_path / "repository"
        shutil.copytree(ROOT / "examples" / "hello-trusted-publish", self.repository)
        tools = pipx_stand_in(tmp_path / "runner-tools")
        machine = with_current_host_map(machine)
        env = {**machine.base_env, "PATH": f"{tools}:{machine.base_env['PATH']}"}
        self.machine = replace(machine, base_env=env)
        self.github = github
        self.trust_config = trust_config
        self.run_dir = tmp_path / "run"

    def resolver(self) -> ActionResolver:
        resolver = make_resolver(self.machine)
        resolver.add_stub("actions/checkout", Stub(checkout(self.repository)))
        return resolver

    def write(self, files: Mapping[str, str]) -> None:
        workflows = self.repository / ".github" / "workflows"
        workflows.mkdir(parents=True, exist_ok=True)
        for name, body in files.items():
            (workflows / name).write_text(
                with_local_sigstore(body, self.trust_config), encoding="utf-8"
            )

    def run(self, workflow: str, facts: GitHubFacts) -> WorkflowResult:
        run = WorkflowRun(
            self.machine,
            self.repository,
            self.resolver,
            facts,
            oidc=oidc_for(self.github),
            run_dir=self.run_dir,
        )
        return run.run(workflow)


@pytest.fixture
def examples(
    tmp_path: Path, runner_machine: Machine, github: GitHubOIDC, sigstore_trust_config: Path
) -> Examples:
    return Examples(tmp_path, runner_machine, github, sigstore_trust_config)


def stored(index: PyPI) -> dict[str, bool]:
    """Filename -> whether it came with attestations."""
    return {f.filename: bool(f.attestations) for f in index.files(PROJECT)}


BUILT = {
    "hello_trusted_publish-1.0.0-py3-none-any.whl": True,
    "hello_trusted_publish-1.0.0.tar.gz": True,
}


def test_every_example_set_is_tested() -> None:
    assert set(readme_examples()) == {"release", "testpypi", "reusable", "matrix", "migration"}


def test_release_on_a_tag_builds_then_publishes_from_the_pypi_environment(
    examples: Examples, pypi: PyPI
) -> None:
    pypi.add_publisher(PROJECT, workflow="release.yml", environment="pypi")
    examples.write(readme_examples()["release"])

    result = examples.run("release.yml", TAG)

    assert result.conclusion == "success", result.text
    assert list(result.jobs) == ["build", "pypi"]
    assert stored(pypi) == BUILT


def test_testpypi_rehearsal(examples: Examples, testpypi: PyPI, pypi: PyPI) -> None:
    testpypi.add_publisher(PROJECT, workflow="testpypi.yml", environment="testpypi")
    examples.write(readme_examples()["testpypi"])

    result = examples.run(
        "testpypi.yml", GitHubFacts(event_name="workflow_dispatch", ref="refs/heads/main")
    )

    assert result.conclusion == "success", result.text
    assert stored(testpypi) == BUILT
    assert stored(pypi) == {}


def test_reusable_workflow_with_the_publisher_the_readme_says_to_register(
    examples: Examples, pypi: PyPI
) -> None:
    pypi.add_publisher(PROJECT, workflow="publish.yml", environment="pypi")
    examples.write(readme_examples()["reusable"])

    result = examples.run("release.yml", TAG)

    assert result.conclusion == "success", result.text
    assert list(result.jobs) == ["build", "publish / pypi"]
    assert stored(pypi) == dict.fromkeys(BUILT, False)  # attestations: false, as explained


def test_reusable_workflow_with_attestations_stops_before_uploading(
    examples: Examples, pypi: PyPI
) -> None:
    """What the README says about attestations from a reusable workflow."""
    pypi.add_publisher(PROJECT, workflow="publish.yml", environment="pypi")
    files = readme_examples()["reusable"]
    with_attestations = files["publish.yml"].replace("attestations: false", "attestations: true")
    assert with_attestations != files["publish.yml"]
    examples.write({**files, "publish.yml": with_attestations})

    result = examples.run("release.yml", TAG)

    assert result.conclusion == "failure"
    assert stored(pypi) == {}
    [error, *_] = result.job("publish / pypi").errors
    assert "attestations: false" in error.message


def test_reusable_workflow_is_refused_for_a_publisher_naming_only_the_caller(
    examples: Examples, pypi: PyPI
) -> None:
    """Why the README says to register publish.yml: PyPI goes by job_workflow_ref."""
    pypi.add_publisher(PROJECT, workflow="release.yml", environment="pypi")
    examples.write(readme_examples()["reusable"])

    result = examples.run("release.yml", TAG)

    assert result.conclusion == "failure"
    assert stored(pypi) == {}
    errors = result.job("publish / pypi").errors
    assert any("publish.yml" in e.message for e in errors), result.text


def test_matrix_builds_are_gathered_and_published_once(examples: Examples, pypi: PyPI) -> None:
    pypi.add_publisher(PROJECT, workflow="release.yml", environment="pypi")
    examples.write(readme_examples()["matrix"])

    result = examples.run("release.yml", TAG)

    assert result.conclusion == "success", result.text
    assert sorted(result.jobs) == [
        "pypi",
        "sdist",
        "wheels (macos-latest)",
        "wheels (ubuntu-latest)",
        "wheels (windows-latest)",
    ]
    assert stored(pypi) == BUILT


def test_migration_is_the_one_line_the_readme_shows(examples: Examples, pypi: PyPI) -> None:
    pypi.add_publisher(PROJECT, workflow="release.yml", environment="pypi")
    [before] = readme_examples()["migration"].values()
    after = before.replace(ANCHOR, ACTION)
    changed = [
        (old, new)
        for old, new in zip(before.splitlines(), after.splitlines(), strict=True)
        if old != new
    ]
    assert changed == [(f"      - uses: {ANCHOR}", f"      - uses: {ACTION}")]
    examples.write({"release.yml": after})

    result = examples.run("release.yml", GitHubFacts(event_name="release", ref="refs/tags/v1.0.0"))

    assert result.conclusion == "success", result.text
    assert stored(pypi) == BUILT
    assert [w.message for w in result.job("pypi").warnings] == [
        "Input 'packages_dir' has been deprecated with message: The inputs have been "
        "normalized to use kebab-case. Use `packages-dir` instead."
    ]
