"""PEP 740 attestations end to end: signed with the real sigstore client against the local
Fulcio and Rekor, verified before upload, and verified again by the PyPI stand-in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.e2e.harness import Job
from tests.standins.dists import make_sdist, make_wheel
from tests.standins.github_oidc import GitHubOIDC, Identity
from tests.standins.pypi import PyPI
from tests.standins.sigstore import Sigstore
from trusted_publish import attest
from trusted_publish.secret import Secret


def attestation_of(pypi: PyPI, filename: str) -> list[dict[str, object]] | None:
    [stored] = [f for f in pypi.files("hello-trusted-publish") if f.filename == filename]
    return stored.attestations


def sign_elsewhere(
    github: GitHubOIDC, trust_config: Path | None, dist_file: Path, out: Path, **identity: object
) -> Path:
    """An attestation made by another job (with another identity, if given)."""
    assert trust_config is not None
    github.configure(**identity)
    try:
        [made] = attest.sign(
            [dist_file],
            out,
            lambda: Secret(github.mint("sigstore")),
            attest.load_trust_config(trust_config),
        )
    finally:
        github.identity = Identity()
    return made.path


def test_every_file_is_signed_verified_and_stored_with_its_attestation(
    job: Job, pypi: PyPI, sigstore: Sigstore
) -> None:
    pypi.add_publisher("hello-trusted-publish")
    wheel, sdist = make_wheel(job.dist), make_sdist(job.dist)

    run = job.run()

    assert run.returncode == 0, run.log
    for dist in (wheel, sdist):
        stored = attestation_of(pypi, dist.name)
        assert stored is not None
        assert len(stored) == 1
    assert sigstore.fulcio.certificate_requests == 1
    assert len(sigstore.rekor.entries) == 2
    paths = [Path(p) for p in json.loads(run.outputs["attestations"])]
    assert sorted(p.name for p in paths) == sorted(
        f"{d.name}.publish.attestation" for d in (wheel, sdist)
    )
    assert all(p.is_file() and job.dist not in p.parents for p in paths)
    assert sorted(p.name for p in job.dist.iterdir()) == sorted([wheel.name, sdist.name])
    files = {f["filename"]: f for f in json.loads(run.outputs["files"])}
    assert {f["transparency-log-index"] for f in files.values()} == {0, 1}
    assert "publish.attestation (0)" in run.summary
    assert "publish.attestation (1)" in run.summary


def test_attestations_made_by_an_earlier_job_are_uploaded_as_they_are(
    job: Job, pypi: PyPI, github: GitHubOIDC, sigstore: Sigstore, tmp_path: Path
) -> None:
    pypi.add_publisher("hello-trusted-publish")
    wheel = make_wheel(job.dist)
    made = sign_elsewhere(github, job.trust_config, wheel, tmp_path / "build-job")
    shutil.copy(made, job.dist)

    run = job.run()

    assert run.returncode == 0, run.log
    assert sigstore.fulcio.certificate_requests == 1  # only the earlier job's
    assert attestation_of(pypi, wheel.name) == [json.loads(made.read_text())]


def test_a_tampered_attestation_is_refused_before_upload(
    job: Job, pypi: PyPI, github: GitHubOIDC, tmp_path: Path
) -> None:
    pypi.add_publisher("hello-trusted-publish")
    wheel = make_wheel(job.dist)
    made = sign_elsewhere(github, job.trust_config, wheel, tmp_path / "build-job")
    body = json.loads(made.read_text())
    body["envelope"]["signature"] = "A" * len(body["envelope"]["signature"])
    (job.dist / made.name).write_text(json.dumps(body))

    run = job.run()

    assert run.returncode == 1
    assert run.error.title == "An attestation next to the distributions is invalid"
    assert pypi.files("hello-trusted-publish") == []
    assert pypi.uploads_attempted() == 0


def test_an_attestation_from_another_repository_is_refused(
    job: Job, pypi: PyPI, github: GitHubOIDC, tmp_path: Path
) -> None:
    pypi.add_publisher("hello-trusted-publish")
    wheel = make_wheel(job.dist)
    made = sign_elsewhere(github, job.trust_config, wheel, tmp_path / "fork", owner="someone-else")
    shutil.copy(made, job.dist)

    run = job.run()

    assert run.returncode == 1
    assert run.error.title == "An attestation next to the distributions is invalid"
    assert "someone-else/hello-trusted-publish" in run.error.data
    assert pypi.uploads_attempted() == 0


def test_a_reusable_workflow_identity_is_caught_before_pypi_rejects_it(
    job: Job, pypi: PyPI, github: GitHubOIDC
) -> None:
    # PyPI matches the publisher by the called workflow (job_workflow_ref), but Fulcio
    # certifies the calling one (workflow_ref): PyPI would answer with an opaque 400.
    pypi.add_publisher("hello-trusted-publish", workflow="publish.yml")
    github.configure(called_workflow="publish.yml")
    make_wheel(job.dist)

    run = job.run()

    assert run.returncode == 1
    assert run.error.title == "An attestation does not match what will be uploaded"
    assert "release.yml" in run.error.data
    assert "publish.yml" in run.error.data
    assert pypi.uploads_attempted() == 0


def test_token_mode_makes_no_attestations_and_says_why(job: Job, pypi: PyPI) -> None:
    token = pypi.add_api_token()
    make_wheel(job.dist)

    run = job.run({"password": token})

    assert run.returncode == 0, run.log
    [notice] = [n for n in run.annotations("notice") if n.title == "No attestations were made"]
    assert "need trusted publishing" in notice.data
    assert attestation_of(pypi, "hello_trusted_publish-1.0.0-py3-none-any.whl") is None


def test_testpypi_then_pypi_in_one_job(job: Job, pypi: PyPI, testpypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    testpypi.add_publisher("hello-trusted-publish")
    wheel, sdist = make_wheel(job.dist), make_sdist(job.dist)

    first = job.run({"repository-url": "https://test.pypi.org/legacy/"})
    second = job.run()

    assert first.returncode == 0, first.log
    assert second.returncode == 0, second.log
    for index in (testpypi, pypi):
        stored = index.files("hello-trusted-publish")
        assert sorted(f.filename for f in stored) == sorted([wheel.name, sdist.name])
        assert all(f.attestations for f in stored)
    assert sorted(p.name for p in job.dist.iterdir()) == sorted([wheel.name, sdist.name])


def test_fifty_distributions_need_one_certificate(job: Job, pypi: PyPI, sigstore: Sigstore) -> None:
    pypi.add_publisher("hello-trusted-publish")
    for build in range(1, 51):
        make_wheel(
            job.dist,
            filename=f"hello_trusted_publish-1.0.0-{build}-py3-none-any.whl",
            description=f"# build {build}\n",  # distinct bytes: the index refuses duplicates
        )

    run = job.run({"print-hash": "false", "verify-metadata": "false"})

    assert run.returncode == 0, run.log
    assert sigstore.fulcio.certificate_requests == 1
    assert len(sigstore.rekor.entries) == 50
    assert len(pypi.files("hello-trusted-publish")) == 50


def test_an_expired_identity_token_is_replaced(
    job: Job, pypi: PyPI, github: GitHubOIDC, sigstore: Sigstore
) -> None:
    pypi.add_publisher("hello-trusted-publish")
    make_wheel(job.dist)
    github.expire_next("sigstore")

    run = job.run()

    assert run.returncode == 0, run.log
    assert len(github.issued) == 3  # pypi, an expired sigstore token, a fresh one
    assert sigstore.fulcio.certificate_requests == 1


def test_a_certificate_that_runs_out_mid_way_is_renewed(
    job: Job, pypi: PyPI, github: GitHubOIDC, sigstore: Sigstore
) -> None:
    pypi.add_publisher("hello-trusted-publish")
    make_wheel(job.dist)
    make_sdist(job.dist)
    sigstore.fulcio.issue_expired_next(1)

    run = job.run()

    assert run.returncode == 0, run.log
    assert sigstore.fulcio.certificate_requests == 2
    assert len(github.issued) == 3  # one token for pypi, one per certificate


def test_a_sigstore_outage_is_retried(job: Job, pypi: PyPI, sigstore: Sigstore) -> None:
    pypi.add_publisher("hello-trusted-publish")
    make_wheel(job.dist)
    sigstore.fulcio.faults.fail_next(1, status=503)
    sigstore.rekor.faults.fail_next(1, status=502)

    run = job.run()

    assert run.returncode == 0, run.log
    assert "Retrying in" in run.stdout
    assert attestation_of(pypi, "hello_trusted_publish-1.0.0-py3-none-any.whl")
