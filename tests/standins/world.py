"""All the stand-ins a publish talks to, started together: for the demo and the benchmarks.

GitHub's OIDC issuer, sigstore (Fulcio + Rekor) and PyPI at its real addresses
(https://upload.pypi.org/legacy/, https://pypi.org) on 127.0.0.1. A child
process started with :meth:`World.job_environment` sees a GitHub Actions job
with `id-token: write`, reaches only these servers (the network guard refuses
everything else), and trusts only the throwaway CA.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from tests.netguard import sitecustomize as netguard
from tests.standins.github_oidc import GITHUB_ISSUER, GitHubOIDC
from tests.standins.pypi import PyPI
from tests.standins.sigstore import Sigstore
from tests.standins.sigstore.verify import attestation_verifier
from tests.standins.tls import TestCA

__all__ = ["NETGUARD_DIR", "World", "warehouse"]

NETGUARD_DIR = Path(netguard.__file__).parent
_CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


def warehouse(
    storage: Path,
    *,
    github: GitHubOIDC,
    sigstore: Sigstore,
    ca: TestCA | None = None,
    hosts: tuple[str, ...] = (),
    audience: str = "pypi",
    name: str = "PyPI",
) -> PyPI:
    """A served PyPI stand-in trusting ``github`` and checking attestations against
    ``sigstore``; with ``hosts`` (upload host first) it answers at those names over TLS."""
    storage.mkdir(parents=True, exist_ok=True)
    index = PyPI(
        storage,
        oidc_issuers={GITHUB_ISSUER: github.url},
        audience=audience,
        name=name,
        upload_host=hosts[0] if hosts else None,
        web_host=hosts[-1] if hosts else None,
    )
    index.attestation_verifier = attestation_verifier(sigstore.trusted_root)
    if not hosts:
        return index.serve()
    assert ca is not None, "a stand-in with public names needs the test CA"
    index.serve(tls=ca.server_context(hosts))
    for host in hosts:
        netguard.map_host(host, index.port)
    return index


class World:
    """Started on construction; ``stop()`` (or leaving the ``with`` block) ends it."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.ca = TestCA(scratch / "ca")
        self.github = GitHubOIDC().serve()
        self.sigstore = Sigstore({GITHUB_ISSUER: self.github.url}).serve()
        self.trust_config = self.sigstore.write_trust_config(scratch / "sigstore-trust-config.json")
        self.pypi = warehouse(
            scratch / "pypi",
            github=self.github,
            sigstore=self.sigstore,
            ca=self.ca,
            hosts=("upload.pypi.org", "pypi.org"),
        )
        # This process trusts the throwaway CA too, to read back what landed.
        os.environ.update(dict.fromkeys(_CA_VARIABLES, str(self.ca.bundle)))

    def stop(self) -> None:
        self.pypi.stop()
        self.sigstore.stop()
        self.github.stop()

    def __enter__(self) -> World:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def job_environment(self, workspace: Path, runner_temp: Path) -> dict[str, str]:
        """The environment of a GitHub Actions job step (id-token: write) in this world."""
        keep = ("PATH", "SYSTEMROOT", "TMPDIR", "LANG", "HOME")
        env = {name: os.environ[name] for name in keep if name in os.environ}
        env.update(
            {
                "PYTHONPATH": str(NETGUARD_DIR),
                netguard.HOSTS_VARIABLE: netguard.host_map_value(),
                **dict.fromkeys(_CA_VARIABLES, str(self.ca.bundle)),
                "PIP_CONFIG_FILE": os.devnull,
                "GITHUB_ACTIONS": "true",
                "CI": "true",
                "GITHUB_WORKSPACE": str(workspace),
                "GITHUB_REPOSITORY": "octo-org/hello-trusted-publish",
                "GITHUB_SERVER_URL": "https://github.com",
                "RUNNER_TEMP": str(runner_temp),
                "INPUT_SIGSTORE-TRUST-CONFIG": str(self.trust_config),
                **self.github.runner_environment(),
            }
        )
        return env
