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
