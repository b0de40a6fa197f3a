from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import Job
from tests.standins.github_oidc import GitHubOIDC
from tests.standins.pypi import PyPI


@pytest.fixture
def job(tmp_path: Path, github: GitHubOIDC, pypi: PyPI) -> Job:
    """A job with `id-token: write` and an empty dist/; with default inputs it publishes to
    https://upload.pypi.org/legacy/, which is the PyPI stand-in."""
    workspace = tmp_path / "workspace"
    (workspace / "dist").mkdir(parents=True)
    return Job(workspace, runner_env=github.runner_environment())
