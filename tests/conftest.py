"""Shared fixtures: the stand-ins (one per session, reset per test) and a hermetic process env."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netguard import sitecustomize as netguard
from tests.standins.github_oidc import GitHubOIDC
from tests.standins.pypi import PyPI
from tests.standins.pypiserver import PypiServer
from tests.standins.sigstore import Sigstore
from tests.standins.tls import TestCA
from tests.standins.world import warehouse

NETGUARD_DIR = Path(netguard.__file__).parent
pytest_plugins = ["tests.fixtures.sigstore", "tests.fixtures.action"]

netguard.install()

_CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")
# Variables from a developer's machine or a real runner that would change what the
# code under test does; every test starts without them.
_LEAKY_PREFIXES = ("GITHUB_", "ACTIONS_", "INPUT_", "RUNNER_", "TWINE_", "PYPI_", "SIGSTORE_")


@pytest.fixture(autouse=True)
def _hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(_LEAKY_PREFIXES) or name in {
            "CI",
            "GITLAB_CI",
            "BUILDKITE",
            "CIRCLECI",
        }:
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def github_server() -> Iterator[GitHubOIDC]:
    issuer = GitHubOIDC().serve()
    yield issuer
    issuer.stop()


@pytest.fixture
def github(github_server: GitHubOIDC) -> GitHubOIDC:
    """The GitHub OIDC issuer, with the default identity for each test."""
    github_server.reset()
    return github_server


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestCA]:
    """A CA trusted by the test process and its children, and by nothing else."""
    ca = TestCA(tmp_path_factory.mktemp("ca"))
    saved = {name: os.environ.get(name) for name in _CA_VARIABLES}
    os.environ.update(dict.fromkeys(_CA_VARIABLES, str(ca.bundle)))
    yield ca
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def pypi_server(
    github_server: GitHubOIDC,
    sigstore_server: Sigstore,
    test_ca: TestCA,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PyPI]:
    """PyPI at its real addresses: https://upload.pypi.org/legacy/ and https://pypi.org."""
    index = warehouse(
        tmp_path_factory.mktemp("pypi-storage"),
        github=github_server,
        sigstore=sigstore_server,
        ca=test_ca,
        hosts=("upload.pypi.org", "pypi.org"),
    )
    yield index
    index.stop()


@pytest.fixture
def pypi(pypi_server: PyPI) -> PyPI:
    """The PyPI stand-in, empty at the start of each test."""
    pypi_server.reset()
    return pypi_server


@pytest.fixture(scope="session")
def testpypi_server(
    github_server: GitHubOIDC,
    sigstore_server: Sigstore,
    test_ca: TestCA,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PyPI]:
    """TestPyPI at https://test.pypi.org, with its own audience."""
    index = warehouse(
        tmp_path_factory.mktemp("testpypi-storage"),
        github=github_server,
        sigstore=sigstore_server,
        ca=test_ca,
        hosts=("test.pypi.org",),
        audience="testpypi",
        name="TestPyPI",
    )
    yield index
    index.stop()


@pytest.fixture
def testpypi(testpypi_server: PyPI) -> PyPI:
    testpypi_server.reset()
    return testpypi_server


@pytest.fixture(scope="session")
def custom_index_server(
    github_server: GitHubOIDC, sigstore_server: Sigstore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PyPI]:
    """A Warehouse-based index of one's own, on plain http over loopback."""
    index = warehouse(
        tmp_path_factory.mktemp("custom-index-storage"),
        github=github_server,
        sigstore=sigstore_server,
        audience="custom-index",
        name="custom index",
    )
    yield index
    index.stop()


@pytest.fixture
def custom_index(custom_index_server: PyPI) -> PyPI:
    custom_index_server.reset()
    return custom_index_server


@pytest.fixture(scope="session")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PypiServer]:
    server = PypiServer(tmp_path_factory.mktemp("pypiserver")).start()
    yield server
    server.stop()


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """The environment for a process under test: minimal, guarded, no user config."""
    keep = ("PATH", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP", "LANG", "LC_ALL")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env["PYTHONPATH"] = str(NETGUARD_DIR)
    env[netguard.HOSTS_VARIABLE] = netguard.host_map_value()
    env.update({name: os.environ[name] for name in _CA_VARIABLES if name in os.environ})
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PYTHONUTF8"] = "1"
    env.update(extra)
    return env


def python_executable() -> str:
    return sys.executable
