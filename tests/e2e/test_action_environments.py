"""Where the action must keep working: inside other composite actions, in container jobs,
on runners without a suitable Python, and with Windows-style interpreters on PATH."""

from __future__ import annotations

import json
import os
import shutil
import stat
import textwrap
from pathlib import Path

from tests.fixtures.action import ACTION, ROOT, ActionJob, base_interpreter
from tests.runner.job import JobResult
from tests.standins.dists import make_wheel
from tests.standins.pypi import PyPI

PROJECT = "hello-trusted-publish"
WRAPPER = """\
name: Release through our conventions
inputs:
  index:
    description: upload URL
    default: https://upload.pypi.org/legacy/
outputs:
  published:
    description: what the inner action reported
    value: ${{{{ steps.inner.outputs.files }}}}
runs:
  using: composite
  steps:
    - id: inner
      uses: {uses}
      with:
        repository-url: ${{{{ inputs.index }}}}
        attestations: "false"
    - shell: bash
      env:
        FILES: ${{{{ steps.inner.outputs.files }}}}
      run: echo "inner action published $FILES"
"""


def write_action(directory: Path, text: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "action.yml").write_text(text, encoding="utf-8")


def uploaded(result: JobResult, step: str) -> list[str]:
    files = json.loads(result.step(step).outputs["files"])
    return [f["filename"] for f in files if f["status"] == "uploaded"]


def test_called_from_another_composite_action(action_job: ActionJob, pypi: PyPI) -> None:
    """The anchor's #299: a wrapper action in the caller's repository uses ours."""
    pypi.add_publisher(PROJECT)
    wheel = make_wheel(action_job.dist)
    write_action(action_job.workspace / ".github/actions/release", WRAPPER.format(uses=ACTION))

    result = action_job.run([{"id": "release", "uses": "./.github/actions/release"}])

    assert result.conclusion == "success", result.text
    assert json.loads(result.step("release").outputs["published"])[0]["filename"] == wheel.name
    assert uploaded(result, "release/inner") == [wheel.name]
    assert [f.filename for f in pypi.files(PROJECT)] == [wheel.name]


def test_vendored_as_a_local_action_two_levels_deep(action_job: ActionJob, pypi: PyPI) -> None:
    """No github.action_repository/action_ref to go by (empty for local actions)."""
    pypi.add_publisher(PROJECT)
    wheel = make_wheel(action_job.dist)
    vendored = action_job.workspace / "vendor" / "trusted-publish"
    shutil.copytree(
        ROOT,
        vendored,
        ignore=shutil.ignore_patterns(".git", ".venv", "*_cache", "__pycache__", "tests"),
    )
    write_action(
        action_job.workspace / ".github/actions/release",
        WRAPPER.format(uses="./vendor/trusted-publish"),
    )

    result = action_job.run([{"id": "release", "uses": "./.github/actions/release"}])

    assert result.conclusion == "success", result.text
    assert uploaded(result, "release/inner") == [wheel.name]


def test_in_a_container_job_where_expressions_give_host_paths(
    action_job: ActionJob, pypi: PyPI
) -> None:
    """In a `container:` job ${{ github.action_path }} and ${{ runner.temp }} name host
    paths that do not exist in the container (actions/runner#2185); the action must only
    use $GITHUB_ACTION_PATH and $RUNNER_TEMP."""
    pypi.add_publisher(PROJECT)
    wheel = make_wheel(action_job.dist)
    action_job.container = True

    result = action_job.publish({"attestations": "false"})

    assert result.conclusion == "success", result.text
    assert uploaded(result, "publish") == [wheel.name]


def test_the_container_model_catches_an_action_that_uses_the_expression(
    action_job: ActionJob,
) -> None:
    """The check above can fail: an action reading ${{ github.action_path }} breaks here."""
    write_action(
        action_job.workspace / ".github/actions/naive",
        textwrap.dedent(
            """\
            name: naive
            runs:
              using: composite
              steps:
                - shell: bash
                  env:
                    HERE: ${{ github.action_path }}
                  run: test -f "$HERE/action.yml"
            """
        ),
    )
    action_job.container = True

    result = action_job.run([{"uses": "./.github/actions/naive"}])

    assert result.conclusion == "failure"


def _fake_interpreter(directory: Path, name: str, script: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_without_a_suitable_python_it_sets_one_up_for_itself_only(
    action_job: ActionJob, pypi: PyPI, tmp_path: Path
) -> None:
    """A self-hosted runner whose python3 and python are 3.8: actions/setup-python (the
    emulator's stand-in) provides one, with update-environment: false."""
    pypi.add_publisher(PROJECT)
    wheel = make_wheel(action_job.dist)
    old = tmp_path / "old-python"
    for name in ("python3", "python"):
        _fake_interpreter(old, name, 'echo "Python 3.8.18"; exit 1')
    action_job.env["PATH"] = os.pathsep.join([str(old), os.environ["PATH"]])

    result = action_job.run(
        [
            {"id": "publish", "uses": ACTION, "with": {"attestations": "false"}},
            {"id": "after", "run": 'echo "python3=$(command -v python3)" >> "$GITHUB_OUTPUT"'},
        ]
    )

    assert result.conclusion == "success", result.text
    assert result.step("publish/setup-python").outcome == "success"
    assert json.loads(result.step("publish").outputs["files"])[0]["filename"] == wheel.name
    assert f"TP_BASE_PYTHON: {base_interpreter()}" in result.text
    # The job's own Python is untouched: setup-python did not change PATH or the env.
    assert result.step("after").outputs["python3"] == str(old / "python3")
    assert "pythonLocation" not in result.env


def test_with_a_suitable_python_setup_python_is_skipped(action_job: ActionJob, pypi: PyPI) -> None:
    pypi.add_publisher(PROJECT)
    make_wheel(action_job.dist)

    result = action_job.publish({"attestations": "false"})

    assert result.conclusion == "success", result.text
    assert result.step("publish/setup-python").outcome == "skipped"


def test_a_broken_python3_alias_falls_through_to_python(
    action_job: ActionJob, pypi: PyPI, tmp_path: Path
) -> None:
    """Windows runners: `python3` may be the Microsoft Store alias (exit 9009, no output)
    and the real interpreter is `python`."""
    pypi.add_publisher(PROJECT)
    make_wheel(action_job.dist)
    stubs, real = tmp_path / "windowsapps", tmp_path / "toolcache"
    _fake_interpreter(stubs, "python3", "exit 9009")
    real.mkdir()
    (real / "python").symlink_to(base_interpreter())
    action_job.env["PATH"] = os.pathsep.join([str(stubs), str(real), os.environ["PATH"]])

    result = action_job.publish({"attestations": "false"})

    assert result.conclusion == "success", result.text
    assert result.step("publish/setup-python").outcome == "skipped"
    assert f"TP_BASE_PYTHON: {real / 'python'}" in result.text


def test_only_the_py_launcher_is_left(action_job: ActionJob, pypi: PyPI, tmp_path: Path) -> None:
    """Windows runners without python3/python on PATH still have `py -3`."""
    pypi.add_publisher(PROJECT)
    make_wheel(action_job.dist)
    stubs = tmp_path / "windowsapps"
    _fake_interpreter(stubs, "python3", "exit 9009")
    _fake_interpreter(stubs, "python", "exit 9009")
    _fake_interpreter(
        stubs, "py", f'[ "$1" = -3 ] || exit 2; shift; exec "{base_interpreter()}" "$@"'
    )
    action_job.env["PATH"] = os.pathsep.join([str(stubs), os.environ["PATH"]])

    result = action_job.publish({"attestations": "false"})

    assert result.conclusion == "success", result.text
    assert result.step("publish/setup-python").outcome == "skipped"
    assert f"TP_BASE_PYTHON: {base_interpreter()}" in result.text
