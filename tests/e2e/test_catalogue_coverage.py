"""One end-to-end run per catalogue entry: the annotation has the entry's title and its fix.

Each scenario provokes its failure the way users meet it, through the stand-ins;
where the stand-in cannot reach a server state (a flag PyPI's admins set, a
reason Warehouse can no longer produce), the index's exact answer is injected.
A new catalogue entry without a scenario here fails ``test_every_entry_has_a_scenario``.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.e2e.harness import Job
from tests.standins.dists import make_sdist, make_wheel, metadata_text
from tests.standins.faults import Fault
from tests.standins.github_oidc import GitHubOIDC
from tests.standins.pypi import PyPI
from tests.standins.pypiserver import PypiServer
from tests.standins.sigstore import Sigstore
from trusted_publish.catalogue import CATALOGUE


@dataclass
class World:
    job: Job
    pypi: PyPI
    github: GitHubOIDC
    sigstore: Sigstore
    custom: PyPI
    pypiserver: PypiServer
    tmp: Path

    @property
    def dist(self) -> Path:
        return self.job.dist

    def publisher(self, **options: str) -> None:
        self.pypi.add_publisher("hello-trusted-publish", **options)


Inputs = dict[str, str]
Scenario = Callable[[World], "tuple[Inputs, Inputs] | Inputs"]
FAST = {"retries": "1", "request-timeout": "3"}


def _mint_answer(code: str, description: str) -> Fault:
    body = json.dumps(
        {"errors": [{"code": code, "description": description}], "message": "Token request failed"}
    )
    return Fault("mint_token", "answer", status=422, reason="Unprocessable Entity", body=body)


def _upload_answer(status: int, reason: str) -> Fault:
    return Fault(
        "legacy", "answer", status=status, reason=reason, body="", content_type="text/html"
    )


def _published(w: World) -> None:
    w.publisher()
    make_wheel(w.dist)


def _armed(fault: Fault, **inputs: str) -> Scenario:
    def scenario(w: World) -> Inputs:
        _published(w)
        w.pypi.faults.arm(fault)
        return {**FAST, **inputs}

    return scenario


def _without_oidc(w: World) -> Inputs:
    _published(w)
    for name in ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"):
        del w.job.runner_env[name]
    return {}


def _fork_pull_request(w: World) -> tuple[Inputs, Inputs]:
    _without_oidc(w)
    event = w.tmp / "event.json"
    event.write_text(json.dumps({"pull_request": {"head": {"repo": None}}}))
    return {}, {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)}


def _claims(**claims: object) -> Scenario:
    def scenario(w: World) -> Inputs:
        _published(w)
        w.github.extra_claims.update(claims)
        return {}

    return scenario


def _identity(**identity: object) -> Scenario:
    def scenario(w: World) -> Inputs:
        _published(w)
        w.github.configure(**identity)
        return {}

    return scenario


def _layout(make: Callable[[Path], object], **inputs: str) -> Scenario:
    def scenario(w: World) -> Inputs:
        w.publisher()
        make(w.dist)
        return dict(inputs)

    return scenario


def _reused_token(w: World) -> Inputs:
    """The job's OIDC token was already exchanged (by another tool in the job)."""
    _published(w)
    token = w.github.mint("pypi")
    spent = requests.post(f"{w.pypi.url}/_/oidc/mint-token", json={"token": token}, timeout=10)
    assert spent.ok
    answer = json.dumps({"value": token})
    w.github.faults.arm(Fault("token", "answer", status=200, reason="OK", body=answer))
    return {}


def _pending_for_existing_project(w: World) -> Inputs:
    w.pypi.add_project("hello-trusted-publish")
    w.pypi.add_pending_publisher("hello-trusted-publish")
    make_wheel(w.dist)
    return {}


def _pending_name(w: World) -> Inputs:
    w.pypi.add_pending_publisher("json")
    make_wheel(w.dist, name="json")
    return {}


def _no_publisher_project_elsewhere(w: World) -> Inputs:
    w.publisher()
    w.pypi.add_project("Other.Project")
    make_wheel(w.dist, name="Other.Project")
    return {}


def _pending_wrong_name(w: World) -> Inputs:
    w.pypi.add_pending_publisher("hello-trusted-publish")
    make_wheel(w.dist, name="hello-trusted-publisher")
    return {}


def _existing_different_file(w: World) -> Inputs:
    w.publisher()
    make_wheel(w.dist, description="# first\n")
    w.job.run()
    make_wheel(w.dist, description="# rebuilt\n")
    return {}


def _second_sdist_format(w: World) -> Inputs:
    """A .zip sdist of a release that already has its .tar.gz on the index."""
    w.publisher()
    make_sdist(w.dist)
    w.job.run()
    (w.dist / "hello_trusted_publish-1.0.0.tar.gz").unlink()
    _zip_sdist(w.dist)
    return {}


def _zip_sdist(directory: Path) -> None:
    top = "hello_trusted_publish-1.0.0"
    with zipfile.ZipFile(directory / f"{top}.zip", "w") as archive:
        archive.writestr(f"{top}/PKG-INFO", metadata_text("hello-trusted-publish", "1.0.0"))
        archive.writestr(f"{top}/pyproject.toml", "[project]\nname = 'hello-trusted-publish'\n")


def _tampered_attestation(w: World) -> Inputs:
    from trusted_publish import attest
    from trusted_publish.secret import Secret

    w.publisher()
    wheel = make_wheel(w.dist)
    assert w.job.trust_config is not None
    [made] = attest.sign(
        [wheel],
        w.tmp / "elsewhere",
        lambda: Secret(w.github.mint("sigstore")),
        attest.load_trust_config(w.job.trust_config),
    )
    body = json.loads(made.path.read_text())
    body["envelope"]["signature"] = "A" * len(body["envelope"]["signature"])
    (w.dist / made.path.name).write_text(json.dumps(body))
    return {}


def _output_file_is_a_directory(w: World) -> tuple[Inputs, Inputs]:
    _published(w)
    broken = w.tmp / "output-is-a-directory"
    broken.mkdir()
    return {}, {"GITHUB_OUTPUT": str(broken)}


def _bad_trust_config(w: World) -> Inputs:
    _published(w)
    config = w.tmp / "trust.json"
    config.write_text("{not json")
    return {"sigstore-trust-config": str(config)}


def _provenance_by_someone_else(w: World) -> Inputs:
    _published(w)
    body = json.dumps(
        {
            "version": 1,
            "attestation_bundles": [
                {
                    "publisher": {
                        "kind": "GitHub",
                        "repository": "mallory/evil",
                        "workflow": "x.yml",
                    },
                    "attestations": [],
                }
            ],
        }
    )
    w.pypi.faults.arm(Fault("provenance", "answer", status=200, reason="OK", body=body))
    return {}


def _two_sdists(d: Path) -> None:
    make_sdist(d)
    _zip_sdist(d)


def _audience_unsupported(w: World) -> Inputs:
    make_wheel(w.dist)
    return {"repository-url": w.pypiserver.upload_url}  # an index without trusted publishing


def _reusable_workflow(w: World) -> Inputs:
    w.publisher(workflow="pypi.yml")  # PyPI matches the called workflow...
    w.github.configure(called_workflow="pypi.yml")  # ...Fulcio certifies the caller
    make_wheel(w.dist)
    return {}


def _reserved_audience(w: World) -> Inputs:
    make_wheel(w.dist)
    w.custom.audience = "pypi"  # a hostile index asking for PyPI's audience
    return {"repository-url": w.custom.upload_url}


def _token_mode(**inputs: str) -> Scenario:
    def scenario(w: World) -> Inputs:
        make_wheel(w.dist)
        return {"password": w.pypi.add_api_token(), **inputs}

    return scenario


def _scoped_token_for_another_project(w: World) -> Inputs:
    make_wheel(w.dist)
    w.pypi.add_project("hello-trusted-publish")
    token = w.pypi.add_api_token(["some-other-project"])
    return {"password": token, "attestations": "false"}


ENVIRONMENT_REASON = (
    "valid token, but no corresponding publisher (Check failed for optional claim 'environment')"
)


def _when(
    prepare: Callable[[World], object] = lambda w: None,
    *,
    publisher: bool = True,
    env: Inputs | None = None,
    **inputs: str,
) -> Scenario:
    """A wheel in dist/ (and a publisher for it, unless told not to), then ``prepare``."""

    def scenario(w: World) -> tuple[Inputs, Inputs]:
        if publisher:
            w.publisher()
        make_wheel(w.dist)
        prepare(w)
        return {k.replace("_", "-"): v for k, v in inputs.items()}, dict(env or {})

    return scenario


SCENARIOS: dict[str, Scenario] = {
    "invalid-inputs": lambda w: {"verbose": "maybe"},
    "packages-dir-missing": lambda w: {"packages-dir": "nowhere"},
    "packages-dir-not-a-directory": lambda w: {"packages-dir": str(make_wheel(w.dist))},
    "packages-dir-empty": lambda w: {},
    "not-a-distribution": _layout(lambda d: (make_wheel(d), (d / "x.txt").write_text(""))),
    "nested-artifact-directory": _layout(lambda d: make_wheel(d / "demo-1.0-py3-none-any.whl")),
    "symlink-outside": _layout(
        lambda d: (d / "link-1.0-py3-none-any.whl").symlink_to(make_wheel(d.parent / "else"))
    ),
    "invalid-filename": _layout(lambda d: make_wheel(d, filename="demo-1.0.whl")),
    "corrupt-distribution": _layout(lambda d: (d / "demo-1.0-py3-none-any.whl").write_text("")),
    "invalid-metadata": _layout(lambda d: make_wheel(d, metadata_version="2.6")),
    "filename-metadata-mismatch": _layout(
        lambda d: make_wheel(d, filename="other-1.0.0-py3-none-any.whl")
    ),
    "several-versions": _layout(lambda d: (make_wheel(d, version="1"), make_wheel(d, version="2"))),
    "several-sdists": _layout(_two_sdists),
    "description-will-not-render": _layout(
        lambda d: make_wheel(
            d,
            metadata=metadata_text(
                "hello-trusted-publish",
                "1.0.0",
                description=".. broken::\n   :x:\n\n`open",
                content_type="text/x-rst",
            ),
        )
    ),
    "index-unreachable": _when(
        publisher=False, repository_url="http://127.0.0.1:9/legacy/", retries="1"
    ),
    "audience-disabled": _when(lambda w: setattr(w.pypi, "trusted_publishing_enabled", False)),
    "audience-unsupported": _audience_unsupported,
    "audience-bad-response": _armed(Fault("audience", "status", status=503, times=5)),
    "oidc-permission-missing": _without_oidc,
    "oidc-fork-pull-request": _fork_pull_request,
    "oidc-audience-mismatch": _claims(aud="something-else"),
    "audience-reserved": _reserved_audience,
    "oidc-no-ambient-credential": _when(env={"GITHUB_ACTIONS": ""}),
    "oidc-request-failed": _when(
        lambda w: w.github.faults.arm(Fault("token", "status", status=403, reason="Forbidden"))
    ),
    "trusted-publishing-nudge": _token_mode(attestations="false"),
    "mint-not-enabled": _when(lambda w: setattr(w.pypi, "oidc_enabled", False)),
    "mint-invalid-payload": _claims(iss=None),
    "mint-invalid-token": _when(lambda w: setattr(w.github, "clock_skew", -400)),
    "mint-invalid-pending-publisher": _pending_for_existing_project,
    "mint-invalid-reuse-token": _reused_token,
    "mint-invalid-publisher": _when(publisher=False),
    "publisher-workflow-ref-mismatch": _claims(
        job_workflow_ref="octo-org/elsewhere/.github/workflows/release.yml@refs/tags/v1.0.0"
    ),
    "publisher-environment-mismatch": _armed(_mint_answer("invalid-publisher", ENVIRONMENT_REASON)),
    "publisher-pull-request-target": _identity(event_name="pull_request_target"),
    "publisher-missing-claim": _claims(event_name=None),
    "publisher-no-workflow-file": _claims(
        job_workflow_ref="octo-org/hello-trusted-publish/.github/workflows/release@refs/tags/v1"
    ),
    "publisher-ref-missing": _claims(ref="", sha=""),
    "mint-unknown-issuer": _when(
        lambda w: setattr(w.github, "issuer", "https://ghe.example.com/_services/token")
    ),
    "mint-pending-name-refused": _pending_name,
    "mint-bad-response": _armed(Fault("mint_token", "status", status=500, times=5)),
    "attestations-not-made": _token_mode(),
    "attest-identity-token-failed": _when(lambda w: w.github.expire_next("sigstore", 10)),
    "attest-signing-failed": _when(lambda w: w.sigstore.fulcio.faults.fail_next(5, status=400)),
    "attest-verification-failed": _reusable_workflow,
    "attest-existing-invalid": _tampered_attestation,
    "sigstore-trust-config-invalid": _bad_trust_config,
    "upload-conflicting-file": _existing_different_file,
    "upload-file-exists": _armed(
        _upload_answer(
            400,
            "File already exists ('x', with blake2_256 hash 'ab'). See "
            "https://pypi.org/help/#file-name-reuse for more information.",
        )
    ),
    "upload-non-user-identity": _pending_wrong_name,
    "upload-token-expired": _when(lambda w: setattr(w.pypi, "token_lifetime", 0)),
    "upload-token-wrong-project": _no_publisher_project_elsewhere,
    "upload-invalid-api-token": _scoped_token_for_another_project,
    "upload-password-unsupported": _when(
        publisher=False, user="alice", password="hunter2", attestations="false"
    ),
    "upload-invalid-auth": _when(
        publisher=False, password="pypi-not-a-token", attestations="false"
    ),
    "upload-index-read-only": _armed(
        _upload_answer(403, "Read-only mode: Uploads are temporarily disabled.")
    ),
    "upload-too-large": _when(lambda w: setattr(w.pypi, "max_file_size", 100)),
    "upload-filename-mismatch": _layout(
        lambda d: make_sdist(d, filename="Hello_Trusted_Publish-1.0.0.tar.gz")
    ),
    "upload-invalid-metadata": _layout(lambda d: make_wheel(d, version="1.0.0+local")),
    "upload-invalid-attestations": _armed(
        _upload_answer(
            400,
            "Invalid attestations supplied during upload: A maximum of 2 attestations per "
            "file are supported",
        )
    ),
    "upload-server-error": _armed(Fault("legacy", "status", status=503, times=5)),
    "upload-rejected": _second_sdist_format,
    "upload-redirected": _when(repository_url="https://upload.pypi.org/legacy"),
    "upload-connection-failed": _armed(Fault("legacy", "reset", times=5)),
    "verify-mismatch": _when(
        lambda w: w.pypi.tampered.add("hello_trusted_publish-1.0.0-py3-none-any.whl")
    ),
    "verify-timeout": _when(lambda w: setattr(w.pypi, "visible_after", 600), verify_timeout="2"),
    "verify-provenance-missing": _when(
        lambda w: setattr(w.pypi, "attestations_disabled", True), verify_timeout="2"
    ),
    "verify-provenance-mismatch": _provenance_by_someone_else,
    "unexpected": _output_file_is_a_directory,
}


NOTICES = {"trusted-publishing-nudge", "attestations-not-made"}


def test_every_entry_has_a_scenario() -> None:
    assert set(SCENARIOS) == set(CATALOGUE)


@pytest.mark.parametrize("key", sorted(SCENARIOS))
def test_entry(
    key: str,
    job: Job,
    pypi: PyPI,
    github: GitHubOIDC,
    sigstore: Sigstore,
    custom_index: PyPI,
    pypiserver: PypiServer,
    tmp_path: Path,
) -> None:
    if key == "symlink-outside" and os.name == "nt":
        pytest.skip("symlinks need privileges on Windows")
    world = World(job, pypi, github, sigstore, custom_index, pypiserver, tmp_path)
    setup = SCENARIOS[key](world)
    inputs, env = setup if isinstance(setup, tuple) else (setup, {})
    try:
        run = job.run(inputs, env=env)
    finally:
        github.issuer = "https://token.actions.githubusercontent.com"

    entry = CATALOGUE[key]
    fix_start = entry.fix.split("{", 1)[0].strip()[:40]
    if key == "oidc-no-ambient-credential":  # outside GitHub Actions: plain text, no commands
        assert run.returncode == 1
        assert f"error: {entry.title}" in run.stdout
        assert fix_start in run.stdout
        return
    level = "notice" if key in NOTICES else "error"
    matching = [a for a in run.annotations(level) if a.title == entry.title]
    assert matching, f"no {level} titled {entry.title!r}:\n{run.log}"
    assert fix_start in matching[0].data
    assert run.returncode == (0 if key in NOTICES else 1)
