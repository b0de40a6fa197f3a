"""Shared fixtures: the stand-ins (one per session, reset per test) and a hermetic process env."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netguard import sitecustomize as netguard
from tests.standins.github_oidc import GITHUB_ISSUER, GitHubOIDC
from tests.standins.pypi import PyPI
from tests.standins.pypiserver import PypiServer
from tests.standins.sigstore import Sigstore
from tests.standins.sigstore.verify import attestation_verifier
from tests.standins.tls import TestCA

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


def install_attestation_verifier(index: PyPI, sigstore: Sigstore) -> None:
    """Let ``index`` check uploaded attestations as Warehouse does, against the stand-ins' root."""
    index.attestation_verifier = attestation_verifier(sigstore.trusted_root)


def _serve_at(index: PyPI, ca: TestCA, sigstore: Sigstore, *hosts: str) -> PyPI:
    install_attestation_verifier(index, sigstore)
    index.serve(tls=ca.server_context(hosts))
    for host in hosts:
        netguard.map_host(host, index.port)
    return index


@pytest.fixture(scope="session")
def pypi_server(
    github_server: GitHubOIDC,
    sigstore_server: Sigstore,
    test_ca: TestCA,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PyPI]:
    """PyPI at its real addresses: https://upload.pypi.org/legacy/ and https://pypi.org."""
    index = PyPI(
        tmp_path_factory.mktemp("pypi-storage"),
        oidc_issuers={GITHUB_ISSUER: github_server.url},
        upload_host="upload.pypi.org",
        web_host="pypi.org",
    )
    yield _serve_at(index, test_ca, sigstore_server, "upload.pypi.org", "pypi.org")
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
    index = PyPI(
        tmp_path_factory.mktemp("testpypi-storage"),
        oidc_issuers={GITHUB_ISSUER: github_server.url},
        audience="testpypi",
        name="TestPyPI",
        upload_host="test.pypi.org",
        web_host="test.pypi.org",
    )
    yield _serve_at(index, test_ca, sigstore_server, "test.pypi.org")
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
    index = PyPI(
        tmp_path_factory.mktemp("custom-index-storage"),
        oidc_issuers={GITHUB_ISSUER: github_server.url},
        audience="custom-index",
        name="custom index",
    )
    install_attestation_verifier(index, sigstore_server)
    index.serve()
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
