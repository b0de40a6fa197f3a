"""The action's setup step, cold and warm, on an emulated runner: where uv comes from, what is
reused, and that nothing is written outside RUNNER_TEMP."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.action import ActionJob
from tests.runner.contexts import Machine
from tests.standins.dists import make_wheel
from tests.standins.files import FilesHost
from tests.standins.github_oidc import GitHubOIDC
from tests.standins.pypi import PyPI

PROJECT = "hello-trusted-publish"
NO_ATTESTATIONS = {"attestations": "false"}


def tree(directory: Path) -> dict[str, int]:
    return {
        str(p.relative_to(directory)): p.stat().st_size
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def uv_downloads(files_host: FilesHost) -> list[str]:
    return [path for path in files_host.requests if path.rsplit("/", 1)[-1].startswith("uv-")]


def make_job(machine: Machine, tmp_path: Path, github: GitHubOIDC, name: str) -> ActionJob:
    workspace = tmp_path / name
    (workspace / "dist").mkdir(parents=True)
    return ActionJob(machine, workspace, github)


def test_cold_start_downloads_uv_directly_and_a_second_run_reuses_everything(
    fresh_machine: Machine,
    files_host: FilesHost,
    tmp_path: Path,
    github: GitHubOIDC,
    pypi: PyPI,
    testpypi: PyPI,
) -> None:
    """TestPyPI then PyPI in one job: the second call finds the environment ready."""
    pypi.add_publisher(PROJECT)
    testpypi.add_publisher(PROJECT)
    job = make_job(fresh_machine, tmp_path, github, "workspace")
    wheel = make_wheel(job.dist)

    first = job.publish({**NO_ATTESTATIONS, "repository-url": "https://test.pypi.org/legacy/"})
    second = job.publish(NO_ATTESTATIONS)

    assert first.conclusion == second.conclusion == "success", first.text + second.text
    assert "(direct, sha256 verified)" in first.text
    assert "environment set up in" in first.text
    assert "reused from an earlier step of this job" in second.text
    assert len(uv_downloads(files_host)) == 1
    assert [f.filename for f in testpypi.files(PROJECT)] == [wheel.name]
    assert [f.filename for f in pypi.files(PROJECT)] == [wheel.name]


def test_a_tampered_uv_download_is_refused_and_pip_installs_the_locked_one(
    fresh_machine: Machine,
    files_host: FilesHost,
    wheelhouse: Path,
    tmp_path: Path,
    github: GitHubOIDC,
    pypi: PyPI,
) -> None:
    pypi.add_publisher(PROJECT)
    [uv_wheel] = wheelhouse.glob("uv-*.whl")
    files_host.broken.add(uv_wheel.name)
    # pip finds uv in the wheelhouse through a config file, so the direct path is still tried.
    config = tmp_path / "pip.conf"
    config.write_text(f"[global]\nno-index = true\nfind-links = {wheelhouse}\n", encoding="utf-8")
    job = make_job(fresh_machine, tmp_path, github, "workspace")
    job.env["PIP_CONFIG_FILE"] = str(config)
    make_wheel(job.dist)

    result = job.publish(NO_ATTESTATIONS)

    assert result.conclusion == "success", result.text
    assert "Direct download of uv" in result.text
    assert "expected" in result.text  # the sha256 mismatch is named
    assert "(pip, sha256 verified)" in result.text
    assert len(pypi.files(PROJECT)) == 1


def test_a_pip_mirror_is_used_instead_of_the_direct_download(
    fresh_machine: Machine,
    files_host: FilesHost,
    wheelhouse: Path,
    tmp_path: Path,
    github: GitHubOIDC,
    pypi: PyPI,
) -> None:
    pypi.add_publisher(PROJECT)
    job = make_job(fresh_machine, tmp_path, github, "workspace")
    job.env.update({"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse)})
    make_wheel(job.dist)

    result = job.publish(NO_ATTESTATIONS)

    assert result.conclusion == "success", result.text
    assert "(pip, sha256 verified)" in result.text
    assert uv_downloads(files_host) == []


def test_nothing_is_written_to_the_workspace_or_the_action(
    fresh_machine: Machine, tmp_path: Path, github: GitHubOIDC, pypi: PyPI
) -> None:
    pypi.add_publisher(PROJECT)
    job = make_job(fresh_machine, tmp_path, github, "workspace")
    make_wheel(job.dist)
    before = tree(job.workspace)

    result = job.publish(NO_ATTESTATIONS)

    assert result.conclusion == "success", result.text
    assert tree(job.workspace) == before
    actions = fresh_machine.actions_dir
    action_dir = actions / "octo-org" / "trusted-publish" / "v1"
    assert not any(action_dir.rglob("__pycache__"))
    home = fresh_machine.root / "home"
    assert tree(home) == {}  # no user-level caches or config either
    environments = list((fresh_machine.temp / "trusted-publish").iterdir())
    assert len(environments) == 1


def test_uv_settings_that_change_what_gets_installed_are_ignored(
    fresh_machine: Machine, tmp_path: Path, github: GitHubOIDC, pypi: PyPI
) -> None:
    """A job may set UV_* for its own use; the publisher's environment stays the lock."""
    pypi.add_publisher(PROJECT)
    job = make_job(fresh_machine, tmp_path, github, "workspace")
    job.env.update(
        {
            "UV_CACHE_DIR": str(job.workspace / "uv-cache"),
            "UV_NO_VERIFY_HASHES": "1",
            "UV_PYTHON": "/nonexistent/python",
            "UV_CONSTRAINT": str(tmp_path / "missing-constraints.txt"),
        }
    )
    make_wheel(job.dist)

    result = job.publish(NO_ATTESTATIONS)

    assert result.conclusion == "success", result.text
    assert not (job.workspace / "uv-cache").exists()
