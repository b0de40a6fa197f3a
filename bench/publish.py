"""One publish by one tool against the stand-ins, from an empty index, checked afterwards.

All three tools upload the same files to the same PyPI stand-in (one Warehouse-faithful
server, TLS with a throwaway CA) from the same GitHub Actions job environment:

* ours: ``python -m trusted_publish`` with the action's default inputs: trusted
  publishing (OIDC -> mint-token), PEP 740 attestations signed on the sigstore
  stand-ins and verified before upload, metadata checks, and verification
  afterwards that the index serves every file and its provenance ("ours-lean", shown
  for information only: the same with ``attestations: false`` and ``verify: false``);
* twine: ``twine upload`` with a static API token, to https://upload.pypi.org/legacy/
  (the network guard resolves it to the stand-in);
* uv: ``uv publish`` with the same kind of token, to the stand-in's own port
  (``https://127.0.0.1:<port>/legacy/``; uv cannot use the guard's host map), trusting
  the throwaway CA through ``SSL_CERT_FILE`` and with every non-loopback connection
  sent to :class:`~bench.tools.GuardProxy`.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tests.standins.pypi import GitHubPublisher, StoredFile
from tests.standins.world import World

from bench.dists import PROJECT
from bench.measure import Measured, RunFailed, run
from bench.tools import GuardProxy, Tools

__all__ = ["LEAN", "TOOLS", "Release", "Stage", "Tool", "ours_phases"]

Tool = Literal["ours", "ours-lean", "twine", "uv"]
TOOLS: tuple[Tool, ...] = ("ours", "twine", "uv")
# Informative only: ours without the two stages twine and uv do not have.
LEAN: Tool = "ours-lean"
_LEAN_INPUTS = {"INPUT_ATTESTATIONS": "false", "INPUT_VERIFY": "false"}


@dataclass(frozen=True)
class Release:
    """Files to publish: ``workspace/dist/*``, and their sha256."""

    workspace: Path
    files: tuple[Path, ...]
    sha256: dict[str, str]
    size: int  # bytes, all files together

    @classmethod
    def of(cls, workspace: Path) -> Release:
        files = tuple(sorted((workspace / "dist").iterdir()))
        size = sum(f.stat().st_size for f in files)
        return cls(workspace, files, {f.name: _sha256(f) for f in files}, size)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(4 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class Stage:
    """The world, the tools and the guard; :meth:`publish` runs one measured upload."""

    def __init__(self, world: World, tools: Tools, guard: GuardProxy, scratch: Path) -> None:
        self.world = world
        self.tools = tools
        self.guard = guard
        self.scratch = scratch
        self.home = scratch / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self._runs = 0
        self.index_attestation_seconds = 0.0  # the index checking attestations, last run
        verifier = world.pypi.attestation_verifier
        assert verifier is not None

        def timed(
            attestations: list[object], stored: StoredFile, publisher: GitHubPublisher
        ) -> str | None:
            started = time.perf_counter()
            try:
                return verifier(attestations, stored, publisher)
            finally:
                self.index_attestation_seconds += time.perf_counter() - started

        world.pypi.attestation_verifier = timed

    def empty_index(self) -> None:
        """No projects, no tokens, and no stored files left on disk."""
        pypi = self.world.pypi
        pypi.reset()
        for child in pypi.storage.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()

    def _fresh_index(self, max_file_size: int) -> str:
        """Empty index and log; the project with our trusted publisher; a token for the others."""
        pypi = self.world.pypi
        self.empty_index()
        pypi.max_file_size = max_file_size
        self.world.sigstore.reset()
        pypi.add_publisher(PROJECT)
        return pypi.add_api_token()

    def command(
        self, tool: Tool, release: Release, runner_temp: Path, token: str
    ) -> tuple[list[str], dict[str, str]]:
        env = self.world.job_environment(release.workspace, runner_temp)
        env["HOME"] = str(self.home)  # no ~/.pypirc, no uv.toml, no keyring of this machine
        files = [str(f.relative_to(release.workspace)) for f in release.files]
        if tool in {"ours", LEAN}:
            if tool == LEAN:
                env.update(_LEAN_INPUTS)
            env["GITHUB_OUTPUT"] = str(runner_temp / "github_output")
            env["GITHUB_STEP_SUMMARY"] = str(runner_temp / "step_summary.md")
            return [str(self.tools.ours), "-m", "trusted_publish"], self.tools.ours_environment(env)
        if tool == "twine":
            return [
                str(self.tools.twine),
                "upload",
                "--non-interactive",
                "--disable-progress-bar",
                "--repository-url",
                self.world.pypi.upload_url,
                "-u",
                "__token__",
                "-p",
                token,
                *files,
            ], env
        env.update(self.guard.environment())
        env["UV_CACHE_DIR"] = str(self.scratch / "uv-cache")
        return [
            str(self.tools.uv),
            "publish",
            "--no-config",
            "--no-progress",
            "--trusted-publishing",
            "never",
            "--publish-url",
            f"https://127.0.0.1:{self.world.pypi.port}/legacy/",
            "--token",
            token,
            *files,
        ], env

    def publish(
        self,
        tool: Tool,
        release: Release,
        *,
        log: Path,
        max_file_size: int = 100 * 1024 * 1024,
        poll_interval: float = 0.02,
        profile: Path | None = None,
    ) -> Measured:
        """Publish ``release`` with ``tool`` to an empty index; raise unless all of it landed.

        ``profile``: run ours under cProfile, its statistics written there.
        """
        self._runs += 1
        runner_temp = self.scratch / f"runner-temp-{self._runs}"
        runner_temp.mkdir(parents=True)
        try:
            token = self._fresh_index(max_file_size)
            self.index_attestation_seconds = 0.0
            argv, env = self.command(tool, release, runner_temp, token)
            if profile is not None and tool == "ours":
                argv[1:1] = ["-m", "cProfile", "-o", str(profile)]
            for name in ("github_output", "step_summary.md"):
                (runner_temp / name).touch()
            measured = run(
                argv,
                env=env,
                cwd=release.workspace,
                log=log,
                poll_interval=poll_interval,
                check=f"{tool} publishing {len(release.files)} files",
            )
            self._check_landed(tool, release, measured)
            return measured
        finally:
            shutil.rmtree(runner_temp, ignore_errors=True)

    def _check_landed(self, tool: Tool, release: Release, measured: Measured) -> None:
        stored = {f.filename: f for f in self.world.pypi.files(PROJECT)}
        problems = [
            f"{name}: {'missing' if name not in stored else 'sha256 differs'}"
            for name, digest in release.sha256.items()
            if name not in stored or stored[name].sha256 != digest
        ]
        if tool == "ours":
            problems += [f"{n}: no attestation" for n, f in stored.items() if not f.attestations]
            if "Verifying that" not in measured.output:
                problems.append("the run did not verify the upload")
        if problems:
            raise RunFailed(f"{tool}: not everything landed ({'; '.join(problems)})", measured)


# -- the phases of our run, from the ::group:: lines of its log ----------------------------

_PHASES = (
    ("Distributions in", "list the files and their hashes"),
    ("Checking metadata", "metadata and README checks"),
    ("Authenticating", "OIDC token, mint-token exchange"),
    ("Attestations", "sign and verify attestations"),
    ("Uploading", "upload"),
    ("Verifying", "verify: served, sha256, provenance"),
)
START_PHASE = "start-up, imports, find and hash the files"
BETWEEN_PHASE = "between stages (lazy imports, HTTP session, trust config)"
END_PHASE = "results, summary, exit"


def ours_phases(measured: Measured) -> dict[str, float]:
    """Seconds spent in each stage of our run, from the time-stamped ``::group::`` lines.

    A stage runs from its ``::group::`` line to its ``::endgroup::``; time between
    stages (imports done lazily, the HTTP session, the trust config) is summed apart.
    """
    phases: dict[str, float] = {}
    opened: tuple[float, str] | None = None
    last = 0.0
    for line in measured.lines:
        if line.text.startswith("::group::") and opened is None:
            title = line.text.removeprefix("::group::")
            name = next((label for prefix, label in _PHASES if title.startswith(prefix)), title)
            gap = START_PHASE if not phases else BETWEEN_PHASE
            phases[gap] = phases.get(gap, 0.0) + line.seconds - last
            opened = (line.seconds, name)
        elif line.text.startswith("::endgroup::") and opened is not None:
            started, name = opened
            phases[name] = phases.get(name, 0.0) + line.seconds - started
            opened, last = None, line.seconds
    if not phases:
        return {}
    phases.setdefault(BETWEEN_PHASE, 0.0)
    phases[END_PHASE] = measured.seconds - last
    return phases


def phase_names() -> Sequence[str]:
    return [START_PHASE, *(label for _, label in _PHASES), BETWEEN_PHASE, END_PHASE]
