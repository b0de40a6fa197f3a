"""Password / API-token mode against a real independent index (pypiserver)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from tests.conftest import child_environment, python_executable
from tests.e2e.harness import Job
from tests.standins.dists import make_sdist, make_wheel
from tests.standins.pypi import PyPI
from tests.standins.pypiserver import PypiServer


def test_password_upload_to_pypiserver_serves_the_same_bytes(
    job: Job, pypiserver: PypiServer, pypi: PyPI, tmp_path: Path
) -> None:
    wheel = make_wheel(job.dist, name="password-mode-demo", version="2.0.1")
    sdist = make_sdist(job.dist, name="password-mode-demo", version="2.0.1")

    run = job.run(
        {
            "repository-url": pypiserver.upload_url,
            "user": pypiserver.username,
            "password": pypiserver.password,
        }
    )

    assert run.returncode == 0, run.log
    assert {p.name for p in pypiserver.files()} == {wheel.name, sdist.name}
    assert pypiserver.password not in run.log.replace(f"::add-mask::{pypiserver.password}", "")
    assert pypi.requests == []  # no trusted-publishing exchange in password mode
    downloads = tmp_path / "downloads"
    subprocess.run(
        [
            python_executable(),
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-cache-dir",
            "--index-url",
            pypiserver.simple_url,
            "--dest",
            str(downloads),
            "--only-binary",
            ":all:",
            "password-mode-demo==2.0.1",
        ],
        env=child_environment({"HOME": str(tmp_path)}),
        check=True,
        capture_output=True,
        timeout=120,
    )
    [fetched] = downloads.iterdir()
    assert fetched.name == wheel.name
    assert (
        hashlib.sha256(fetched.read_bytes()).digest() == hashlib.sha256(wheel.read_bytes()).digest()
    )


def test_wrong_password_is_explained(job: Job, pypiserver: PypiServer) -> None:
    make_wheel(job.dist, name="password-mode-wrong", version="1.0")

    run = job.run(
        {
            "repository-url": pypiserver.upload_url,
            "user": pypiserver.username,
            "password": "not-the-password",
        }
    )

    assert run.returncode == 1
    assert run.error.title == "The index did not accept the credentials"
    assert not any(p.name.startswith("password_mode_wrong") for p in pypiserver.files())


def test_rerun_and_skip_existing_work_on_an_index_other_than_pypi(
    job: Job, pypiserver: PypiServer
) -> None:
    # twine refuses --skip-existing off PyPI; pypiserver answers a re-upload "already exists".
    wheel = make_wheel(job.dist, name="rerun-demo", version="3.0")
    inputs = {
        "repository-url": pypiserver.upload_url,
        "user": pypiserver.username,
        "password": pypiserver.password,
        "attestations": "false",
    }
    assert job.run(inputs).returncode == 0

    rerun = job.run(inputs)
    skipping = job.run({**inputs, "skip-existing": "true"})

    assert rerun.returncode == 0, rerun.log
    assert "already-present" in rerun.outputs["files"]
    assert skipping.returncode == 0, skipping.log
    assert '"status": "skipped"' in skipping.outputs["files"]
    assert [p.name for p in pypiserver.files() if p.name.startswith("rerun_demo")] == [wheel.name]


def test_a_rebuilt_file_is_refused_with_both_hashes_on_another_index(
    job: Job, pypiserver: PypiServer
) -> None:
    first = make_wheel(job.dist, name="rebuilt-demo", version="1.0", description="# one\n")
    first_hash = hashlib.sha256(first.read_bytes()).hexdigest()
    inputs = {
        "repository-url": pypiserver.upload_url,
        "user": pypiserver.username,
        "password": pypiserver.password,
        "attestations": "false",
        "skip-existing": "true",
    }
    assert job.run(inputs).returncode == 0
    rebuilt = make_wheel(job.dist, name="rebuilt-demo", version="1.0", description="# two\n")

    run = job.run(inputs)

    assert run.returncode == 1
    assert run.error.title == "A different file with this name is already on the index"
    assert first_hash in run.error.data
    assert hashlib.sha256(rebuilt.read_bytes()).hexdigest() in run.error.data
