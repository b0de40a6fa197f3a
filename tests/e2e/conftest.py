from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import Job
from tests.standins.github_oidc import GitHubOIDC
from tests.standins.pypi import PyPI


@pytest.fixture
def job(tmp_path: Path, github: GitHubOIDC, pypi: PyPI, sigstore_trust_config: Path) -> Job:
    """A job with `id-token: write` and an empty dist/; with default inputs it publishes to
    https://upload.pypi.org/legacy/, which is the PyPI stand-in, and signs with the local
    sigstore stand-ins."""
    workspace = tmp_path / "workspace"
    (workspace / "dist").mkdir(parents=True)
    return Job(
        workspace,
        runner_env={
            **github.runner_environment(),
            "INPUT_SIGSTORE-TRUST-CONFIG": str(sigstore_trust_config),
        },
        trust_config=sigstore_trust_config,
    )
