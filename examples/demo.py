"""The whole publish flow on this machine, with no network: `scripts/dev demo` runs it.

1. starts the local stand-ins: GitHub's OIDC issuer, sigstore (Fulcio + Rekor), and
   PyPI answering at its real addresses (https://upload.pypi.org/legacy/ and
   https://pypi.org resolve to 127.0.0.1 for the demo's processes only; a network
   guard refuses every other connection);
2. registers a pending trusted publisher for `hello-trusted-publish`;
3. builds the example package in `examples/hello-trusted-publish`;
4. runs `python -m trusted_publish` with the action's default inputs, exactly as
   `action.yml` does, in a job environment that has `id-token: write`, and shows its
   log as GitHub would (tokens masked);
5. reads back what landed through PyPI's JSON and integrity APIs.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests
from tests.runner.log import LogRenderer
from tests.standins.world import World

EXAMPLE = ROOT / "examples" / "hello-trusted-publish"
PROJECT = "hello-trusted-publish"


def main() -> int:
    with (
        tempfile.TemporaryDirectory(prefix="trusted-publish-demo-") as scratch,
        World(Path(scratch)) as world,
    ):
        return _demo(world, Path(scratch))


def _demo(world: World, scratch: Path) -> int:
    _say(f"GitHub OIDC issuer stand-in:  {world.github.url}")
    _say(
        f"sigstore stand-ins:           {world.sigstore.fulcio.url} (Fulcio), "
        f"{world.sigstore.rekor.url} (Rekor)"
    )
    _say(f"PyPI stand-in:                {world.pypi.upload_url} -> 127.0.0.1:{world.pypi.port}")
    world.pypi.add_pending_publisher(
        PROJECT, owner="octo-org", repository=PROJECT, workflow="release.yml"
    )
    _say(
        f"Pending trusted publisher:    octo-org/{PROJECT}, workflow release.yml "
        f"-> project {PROJECT} (does not exist yet)"
    )

    workspace, runner_temp = scratch / "workspace", scratch / "runner-temp"
    runner_temp.mkdir()
    dist = workspace / "dist"
    _say(f"\nBuilding {EXAMPLE.relative_to(ROOT)} ...")
    build = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(EXAMPLE)],
        check=False,
        capture_output=True,
        text=True,
        env=world.job_environment(workspace, runner_temp),
    )
    if build.returncode != 0:
        _say(build.stdout + build.stderr)
        return build.returncode
    built = sorted(dist.iterdir())
    _say("Built: " + ", ".join(p.name for p in built))

    _say("\nRunning the action's core with default inputs (log as GitHub shows it):\n")
    code = _run_action(world, workspace, runner_temp)
    if code != 0:
        _say(f"The action failed with exit code {code}.")
        return code
    return _show_what_landed(world, built)


def _run_action(world: World, workspace: Path, runner_temp: Path) -> int:
    summary, outputs = runner_temp / "step_summary.md", runner_temp / "github_output"
    summary.touch()
    outputs.touch()
    env = world.job_environment(workspace, runner_temp)
    env.update({"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)})
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
    _say("\nThe job summary the action wrote:\n")
    print("    " + summary.read_text().replace("\n", "\n    "))
    return child.returncode


def _show_what_landed(world: World, built: list[Path]) -> int:
    _say("What landed on PyPI (read back through its JSON and integrity APIs):")
    release = requests.get(f"{world.pypi.url}/pypi/{PROJECT}/1.0.0/json", timeout=10).json()
    local = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in built}
    for file in release["urls"]:
        served = requests.get(file["url"], timeout=10).content
        same = hashlib.sha256(served).hexdigest() == local.get(file["filename"])
        provenance = requests.get(
            f"{world.pypi.url}/integrity/{PROJECT}/1.0.0/{file['filename']}/provenance",
            timeout=10,
        ).json()
        publisher = provenance["attestation_bundles"][0]["publisher"]
        _say(
            f"  {file['filename']:46} {file['size']:>6} B  "
            f"{'bytes identical' if same else 'BYTES DIFFER'}; attested by "
            f"{publisher['repository']} ({publisher['workflow']})"
        )
    return 0 if {f["filename"] for f in release["urls"]} == set(local) else 1


def _say(message: str) -> None:
    print(message, flush=True)


if __name__ == "__main__":
    sys.exit(main())
