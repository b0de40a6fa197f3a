"""The whole publish flow on this machine, with no network: `scripts/dev demo` runs it.

1. starts a GitHub OIDC issuer and a PyPI stand-in on 127.0.0.1;
2. registers a pending trusted publisher for `hello-trusted-publish` on the stand-in;
3. builds the example package in `examples/hello-trusted-publish`;
4. runs `python -m trusted_publish` exactly as `action.yml` does, in a job environment
   that has `id-token: write`, and shows its log as GitHub would (masks applied);
5. reads back what landed through the index's JSON API and compares the hashes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests
from tests.runner.log import LogRenderer
from tests.standins.github_oidc import GITHUB_ISSUER, GitHubOIDC
from tests.standins.pypi import PyPI

NETGUARD = ROOT / "tests" / "netguard"
EXAMPLE = ROOT / "examples" / "hello-trusted-publish"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="trusted-publish-demo-") as scratch:
        return _demo(Path(scratch))


def _demo(scratch: Path) -> int:
    (scratch / "index").mkdir()
    github = GitHubOIDC().serve()
    pypi = PyPI(scratch / "index", oidc_issuers={GITHUB_ISSUER: github.url}).serve()
    try:
        _say(f"GitHub OIDC issuer stand-in: {github.url}")
        _say(f"PyPI stand-in:               {pypi.url}  (upload URL {pypi.upload_url})")
        pypi.add_pending_publisher(
            "hello-trusted-publish",
            owner="octo-org",
            repository="hello-trusted-publish",
            workflow="release.yml",
        )
        _say(
            "Pending trusted publisher:   octo-org/hello-trusted-publish, workflow "
            "release.yml -> project hello-trusted-publish (not created yet)"
        )

        workspace = scratch / "workspace"
        dist = workspace / "dist"
        _say("Building examples/hello-trusted-publish ...")
        build = subprocess.run(
            [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(EXAMPLE)],
            check=False,
            capture_output=True,
            text=True,
            env=_env({}),
        )
        if build.returncode != 0:
            _say(build.stdout + build.stderr)
            return build.returncode
        built = sorted(dist.iterdir())
        _say("Built: " + ", ".join(p.name for p in built))

        _say("Running the action's core, as action.yml does (log as GitHub shows it):\n")
        code = _run_action(workspace, scratch, github, pypi)
        if code != 0:
            _say(f"The action failed with exit code {code}.")
            return code

        _say("\nWhat landed on the index (read back through its JSON API):")
        body = requests.get(f"{pypi.url}/pypi/hello-trusted-publish/1.0.0/json", timeout=10).json()
        local = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in built}
        for file in body["urls"]:
            served = requests.get(file["url"], timeout=10).content
            same = hashlib.sha256(served).hexdigest() == local.get(file["filename"])
            _say(
                f"  {file['filename']:48} {file['size']:>7} bytes  sha256 "
                f"{file['digests']['sha256'][:16]}…  {'identical' if same else 'DIFFERENT'}"
            )
        return 0 if {f["filename"] for f in body["urls"]} == set(local) else 1
    finally:
        pypi.stop()
        github.stop()


def _run_action(workspace: Path, scratch: Path, github: GitHubOIDC, pypi: PyPI) -> int:
    summary, outputs = scratch / "summary.md", scratch / "outputs"
    summary.touch()
    outputs.touch()
    env = _env(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(outputs),
            "GITHUB_REPOSITORY": "octo-org/hello-trusted-publish",
            "RUNNER_TEMP": str(scratch),
            "INPUT_REPOSITORY-URL": pypi.upload_url,
            **github.runner_environment(),
        }
    )
    renderer = LogRenderer()
    with subprocess.Popen(
        [sys.executable, "-m", "trusted_publish"],
        cwd=workspace,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as child:
        assert child.stdout is not None
        for raw in child.stdout:
            shown = renderer.line(raw.rstrip("\n"))
            if shown is not None:
                print("    " + shown.replace("\n", "\n    "))
    _say("\nJob summary the action wrote:\n")
    print("    " + summary.read_text().replace("\n", "\n    "))
    return child.returncode


def _env(extra: dict[str, str]) -> dict[str, str]:
    keep = ("PATH", "SYSTEMROOT", "TMPDIR", "LANG", "HOME")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env["PYTHONPATH"] = str(NETGUARD)  # any connection off this machine fails loudly
    env.update(extra)
    return env


def _say(message: str) -> None:
    print(message, flush=True)


if __name__ == "__main__":
    sys.exit(main())
