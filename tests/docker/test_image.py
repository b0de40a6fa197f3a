"""The Dockerfile, built once on a local Debian base image with no network, then used to
publish through trusted publishing against the stand-ins.

The engine is whatever answers at DOCKER_HOST or /var/run/docker.sock, else Debian's
dockerd started for this module (as root). The base image is made with debootstrap and
kept in the engine's data root ($TRUSTED_PUBLISH_DOCKER_ROOT, default
~/.cache/trusted-publish/docker), so only the first run on a machine pays for it. The
test is skipped, saying why, only when no engine can be had.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import NETGUARD_DIR
from tests.docker.engine import (
    Engine,
    EngineUnavailable,
    exclusive,
    make_base_image,
    start_engine,
)
from tests.fixtures.action import ROOT
from tests.netguard import sitecustomize as netguard
from tests.runner.files import parse_key_values
from tests.standins.dists import make_sdist, make_wheel
from tests.standins.github_oidc import GitHubOIDC
from tests.standins.pypi import PyPI
from tests.standins.tls import TestCA

pytestmark = pytest.mark.slow

IMAGE = "local/trusted-publish:test"
PROJECT = "hello-trusted-publish"


def _data_root() -> Path:
    configured = os.environ.get("TRUSTED_PUBLISH_DOCKER_ROOT")
    return Path(configured) if configured else Path.home() / ".cache" / "trusted-publish" / "docker"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    data_root = _data_root()
    # One dockerd per data root: test runs on the same machine take turns.
    with exclusive(data_root.parent / f"{data_root.name}.lock", timeout=900):
        try:
            engine = start_engine(tmp_path_factory.mktemp("dockerd"), data_root)
        except EngineUnavailable as exc:
            pytest.skip(f"no Docker engine: {exc}")
        yield engine
        engine.stop()


def build_context(directory: Path, wheelhouse: Path) -> Path:
    """What `docker build .` sends, plus the wheelhouse so that the build needs no network."""
    shutil.copy2(ROOT / "Dockerfile", directory / "Dockerfile")
    shutil.copy2(ROOT / ".dockerignore", directory / ".dockerignore")
    shutil.copytree(ROOT / "requirements", directory / "requirements")
    shutil.copytree(
        ROOT / "src" / "trusted_publish",
        directory / "src" / "trusted_publish",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(wheelhouse, directory / "requirements" / "wheelhouse")
    return directory


@pytest.fixture(scope="module")
def image(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path
) -> Iterator[str]:
    try:
        base = make_base_image(engine, tmp_path_factory.mktemp("base"))
    except EngineUnavailable as exc:
        pytest.skip(f"no base image: {exc}")
    context = build_context(tmp_path_factory.mktemp("context"), wheelhouse)
    wheels = "/build/requirements/wheelhouse"
    result = engine.docker(
        "build",
        "--no-cache",
        "--network", "none",  # the build gets nothing from the network
        "--build-arg", f"BASE={base}",
        "--build-arg", "PIP_NO_INDEX=1",
        "--build-arg", f"PIP_FIND_LINKS={wheels}",
        "--build-arg", "UV_OFFLINE=1",
        "--build-arg", f"UV_FIND_LINKS={wheels}",
        "--tag", IMAGE,
        str(context),
        timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    yield IMAGE
    # Leave the engine as found: our image and, on our own engine, the build stage's layers.
    engine.docker("image", "rm", "--force", IMAGE)
    if engine.process is not None:
        engine.docker("image", "prune", "--force")


def test_the_image_runs_as_a_user_and_holds_only_the_locked_environment(
    engine: Engine, image: str
) -> None:
    assert engine.docker(
        "image", "inspect", image, "--format", "{{.Config.User}}"
    ).stdout.strip() == ("10001:10001")
    probe = engine.docker(
        "run", "--rm", "--network", "none", "--entrypoint", "/bin/sh", image, "-c",
        "id -u; ls /opt/trusted-publish/bin; command -v gcc cc || true",
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    uid, *listing = probe.stdout.split()
    assert uid == "10001"
    assert "python" in listing
    assert not {"uv", "uvx", "pip", "pip3"} & set(listing)  # no installer in the venv
    assert [entry for entry in listing if entry.startswith("/")] == []  # no compiler


def test_publishes_through_the_container_with_trusted_publishing_and_attestations(
    engine: Engine,
    image: str,
    tmp_path: Path,
    pypi: PyPI,
    github: GitHubOIDC,
    sigstore_trust_config: Path,
    test_ca: TestCA,
) -> None:
    pypi.add_publisher(PROJECT)
    dist, out = tmp_path / "dist", tmp_path / "out"
    dist.mkdir()
    out.mkdir()
    out.chmod(0o777)
    wheel, sdist = make_wheel(dist), make_sdist(dist)
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "octo-org/hello-trusted-publish",
        "GITHUB_OUTPUT": "/out/output",
        "GITHUB_STEP_SUMMARY": "/out/summary.md",
        "INPUT_SIGSTORE-TRUST-CONFIG": "/config/sigstore.json",
        "PYTHONPATH": "/netguard",  # the same guard and host map as every test process
        netguard.HOSTS_VARIABLE: netguard.host_map_value(),
        "REQUESTS_CA_BUNDLE": "/config/ca.pem",
        "SSL_CERT_FILE": "/config/ca.pem",
        **github.runner_environment(),
    }
    mounts = {
        str(dist): "/work/dist:ro",
        str(out): "/out",
        str(NETGUARD_DIR): "/netguard:ro",
        str(test_ca.bundle): "/config/ca.pem:ro",
        str(sigstore_trust_config): "/config/sigstore.json:ro",
    }
    arguments = ["run", "--rm", "--network", "host"]
    for source, target in mounts.items():
        arguments += ["--volume", f"{source}:{target}"]
    for name, value in env.items():
        arguments += ["--env", f"{name}={value}"]

    result = engine.docker(*arguments, image, timeout=300)

    assert result.returncode == 0, result.stdout + result.stderr
    stored = {f.filename: bool(f.attestations) for f in pypi.files(PROJECT)}
    assert stored == {wheel.name: True, sdist.name: True}
    files = json.loads(parse_key_values((out / "output").read_text())["files"])
    assert {(f["filename"], f["status"]) for f in files} == {
        (wheel.name, "uploaded"),
        (sdist.name, "uploaded"),
    }
