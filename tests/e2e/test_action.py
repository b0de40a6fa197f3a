"""The real action.yml, run by the runner emulator against the PyPI, GitHub and sigstore stand-ins.

Every test goes through the same path a GitHub job takes: the composite's
steps in bash, the bootstrap into a private venv under RUNNER_TEMP, the core
reading INPUT_* and writing GITHUB_OUTPUT, the outputs read back through the
action's ``outputs:`` expressions.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from tests.fixtures.action import ACTION, ROOT, ActionJob
from tests.runner.job import JobResult
from tests.standins.dists import make_sdist, make_wheel
from tests.standins.github_oidc import GitHubOIDC
from tests.standins.pypi import PyPI

PROJECT = "hello-trusted-publish"
DEPRECATION = (
    "Input '{alias}' has been deprecated with message: The inputs have been normalized to "
    "use kebab-case. Use `{name}` instead."
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def declared_outputs() -> set[str]:
    manifest = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return set(manifest["outputs"])


def assert_success(result: JobResult) -> None:
    assert result.conclusion == "success", result.text


def test_default_inputs_publish_to_pypi_through_trusted_publishing_and_sign(
    action_job: ActionJob, pypi: PyPI, sigstore_trust_config: Path
) -> None:
    # Only the sigstore instance is not the default: the public one is not reachable here.
    pypi.add_publisher(PROJECT)
    wheel, sdist = make_wheel(action_job.dist), make_sdist(action_job.dist)

    result = action_job.publish({"sigstore-trust-config": str(sigstore_trust_config)})

    assert_success(result)
    stored = {f.filename: f for f in pypi.files(PROJECT)}
    assert {name: f.sha256 for name, f in stored.items()} == {
        wheel.name: sha256(wheel),
        sdist.name: sha256(sdist),
    }
    assert all(f.attestations for f in stored.values())
    outputs = result.step("publish").outputs
    assert set(outputs) == declared_outputs()
    files = json.loads(outputs["files"])
    assert {(f["filename"], f["sha256"], f["size"], f["status"]) for f in files} == {
        (wheel.name, sha256(wheel), wheel.stat().st_size, "uploaded"),
        (sdist.name, sha256(sdist), sdist.stat().st_size, "uploaded"),
    }
    assert json.loads(outputs["release-urls"]) == [f"https://pypi.org/project/{PROJECT}/1.0.0/"]
    assert len(json.loads(outputs["attestations"])) == 2
    assert outputs["dry-run"] == "false"
    assert result.errors == []
    assert result.warnings == []


def test_the_core_writes_exactly_the_declared_outputs(
    action_job: ActionJob, pypi: PyPI, sigstore_trust_config: Path
) -> None:
    pypi.add_publisher(PROJECT)
    make_wheel(action_job.dist)

    result = action_job.publish({"sigstore-trust-config": str(sigstore_trust_config)})

    assert_success(result)
    inner = result.step("publish/publish").outputs
    assert set(inner) == declared_outputs()
    assert result.step("publish").outputs == inner


def test_with_no_inputs_at_all_it_signs_with_the_public_sigstore(
    action_job: ActionJob, pypi: PyPI, github: GitHubOIDC
) -> None:
    """Defaults only: PyPI (the stand-in at its real address) mints a token, then signing
    goes to the public sigstore, which the network guard refuses; nothing is uploaded."""
    pypi.add_publisher(PROJECT)
    make_wheel(action_job.dist)

    result = action_job.publish()

    assert result.conclusion == "failure"
    assert len(github.issued) >= 1
    assert len(pypi.tokens) == 1
    assert pypi.files(PROJECT) == []
    titles = [e.title for e in result.errors]
    assert "Signing the attestations failed" in titles, result.text


def test_every_input_reaches_the_core(action_job: ActionJob) -> None:
    """Invalid values for every validated input: the core names each of them, so each one
    arrived as its INPUT_<NAME>."""
    make_wheel(action_job.dist)
    bad = {
        "repository-url": "ftp://example.com/legacy/",
        "verify-metadata": "maybe",
        "skip-existing": "maybe",
        "verbose": "maybe",
        "print-hash": "maybe",
        "attestations": "maybe",
        "trusted-publishing": "perhaps",
        "dry-run": "maybe",
        "verify": "maybe",
        "verify-timeout": "soon",
        "check-url": "ftp://example.com/simple/",
        "request-timeout": "soon",
        "retries": "many",
    }

    result = action_job.publish(bad)

    assert result.conclusion == "failure"
    [error, *_] = result.errors
    for name, value in bad.items():
        named = (f"`{name}` is {value!r}", f"`{name}` {value!r}")  # booleans, URLs, ...
        assert any(text in error.message for text in named), (name, error.message)


def test_every_input_changes_what_happens(
    action_job: ActionJob, testpypi: PyPI, sigstore_trust_config: Path
) -> None:
    testpypi.add_publisher(PROJECT)
    out = action_job.workspace / "out"
    wheel = make_wheel(out)
    inputs = {
        "user": "__token__",
        "password": "",
        "repository-url": "https://test.pypi.org/legacy/",
        "packages-dir": "out",
        "verify-metadata": "false",
        "skip-existing": "true",
        "verbose": "false",
        "print-hash": "false",
        "attestations": "false",
        "trusted-publishing": "true",
        "dry-run": "false",
        "verify": "true",
        "verify-timeout": "30",
        "check-url": "https://test.pypi.org/simple/",
        "request-timeout": "30",
        "retries": "2",
        "sigstore-trust-config": str(sigstore_trust_config),
    }

    result = action_job.publish(inputs)

    assert_success(result)
    [stored] = testpypi.files(PROJECT)
    assert (stored.filename, stored.sha256, stored.attestations) == (
        wheel.name,
        sha256(wheel),
        None,
    )
    assert "blake2b-256" not in result.text  # print-hash: false
    assert "Checking metadata" not in result.text  # verify-metadata: false
    assert json.loads(result.step("publish").outputs["attestations"]) == []


def test_every_deprecated_alias_warns_and_still_works(
    action_job: ActionJob, testpypi: PyPI
) -> None:
    testpypi.add_publisher(PROJECT)
    wheel = make_wheel(action_job.workspace / "out")
    aliases = {
        "repository_url": ("repository-url", "https://test.pypi.org/legacy/"),
        "packages_dir": ("packages-dir", "out"),
        "verify_metadata": ("verify-metadata", "false"),
        "skip_existing": ("skip-existing", "true"),
        "print_hash": ("print-hash", "false"),
    }

    result = action_job.publish(
        {"attestations": "false", **{alias: value for alias, (_, value) in aliases.items()}}
    )

    assert_success(result)
    assert [w.message for w in result.warnings] == [
        DEPRECATION.format(alias=alias, name=name) for alias, (name, _) in aliases.items()
    ]
    assert [f.filename for f in testpypi.files(PROJECT)] == [wheel.name]
    assert "blake2b-256" not in result.text
    assert "Checking metadata" not in result.text


def test_a_secret_password_never_shows_in_the_log(action_job: ActionJob, pypi: PyPI) -> None:
    token = pypi.add_api_token()
    wheel = make_wheel(action_job.dist)
    step = {
        "id": "publish",
        "uses": ACTION,
        "with": {"password": "${{ secrets.PYPI_API_TOKEN }}", "attestations": "false"},
    }
    job = action_job.job()
    job.secrets["PYPI_API_TOKEN"] = token
    job.log.masker.add(token)

    result = job.run([step])

    assert_success(result)
    assert [f.filename for f in pypi.files(PROJECT)] == [wheel.name]
    assert token not in result.text
    assert '"password": "***"' in result.text  # the step's env, as the log shows it
    assert token not in result.summary
