"""The whole trusted-publishing flow through the CLI, against the GitHub and PyPI stand-ins."""

from __future__ import annotations

import hashlib
import json

from tests.e2e.harness import Job
from tests.standins.dists import make_sdist, make_wheel
from tests.standins.github_oidc import GitHubOIDC
from tests.standins.pypi import PyPI


def sha256(path: object) -> str:
    from pathlib import Path

    assert isinstance(path, Path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publishes_wheel_and_sdist_through_trusted_publishing(
    job: Job, pypi: PyPI, github: GitHubOIDC
) -> None:
    pypi.add_publisher("hello-trusted-publish")
    wheel, sdist = make_wheel(job.dist), make_sdist(job.dist)

    run = job.run()

    assert run.returncode == 0, run.log
    stored = {f.filename: f.sha256 for f in pypi.files("hello-trusted-publish")}
    assert stored == {wheel.name: sha256(wheel), sdist.name: sha256(sdist)}
    assert run.errors == []
    # Wheels go first, as twine and the anchor do.
    uploads = [line for line in run.stdout.splitlines() if line.startswith("Uploading ")]
    assert uploads[0].startswith(f"Uploading {wheel.name}")
    files = json.loads(run.outputs["files"])
    assert {(f["filename"], f["sha256"], f["status"]) for f in files} == {
        (wheel.name, sha256(wheel), "uploaded"),
        (sdist.name, sha256(sdist), "uploaded"),
    }


def test_masks_every_token_before_anything_shows_it(
    job: Job, pypi: PyPI, github: GitHubOIDC
) -> None:
    pypi.add_publisher("hello-trusted-publish")
    make_wheel(job.dist)

    run = job.run()

    assert run.returncode == 0, run.log
    pypi_oidc, sigstore_oidc = github.issued  # audience "pypi", then "sigstore" for signing
    [minted] = pypi.tokens
    masks = [c.data for c in run.commands if c.name == "add-mask"]
    assert masks == [pypi_oidc, minted, sigstore_oidc]
    lines = run.stdout.splitlines()
    for secret in masks:
        mask_line = lines.index(f"::add-mask::{secret}")
        assert all(secret not in line for line in lines[mask_line + 1 :])
        assert all(secret not in line for line in lines[:mask_line])
        assert secret not in run.stderr
        assert secret not in run.summary
        assert all(secret not in value for value in run.outputs.values())


def test_pending_publisher_creates_the_project(job: Job, pypi: PyPI) -> None:
    pypi.add_pending_publisher("hello-trusted-publish")
    wheel = make_wheel(job.dist)

    run = job.run()

    assert run.returncode == 0, run.log
    assert [f.filename for f in pypi.files("hello-trusted-publish")] == [wheel.name]
    assert pypi.pending_publishers == []
    assert pypi.publishers[0].projects == {"hello-trusted-publish"}


def test_missing_id_token_permission_explains_the_permissions_block(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    make_wheel(job.dist)
    for name in ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"):
        del job.runner_env[name]

    run = job.run()

    assert run.returncode == 1
    assert run.error.title == "OIDC token not available: missing `id-token: write`"
    assert "permissions:\n  id-token: write" in run.error.data
    assert pypi.files("hello-trusted-publish") == []
    assert not any(r.path.endswith("mint-token") for r in pypi.requests)


def test_invalid_publisher_shows_the_claims_and_what_to_configure(
    job: Job, pypi: PyPI, github: GitHubOIDC
) -> None:
    pypi.add_publisher("hello-trusted-publish", workflow="publish.yml")
    make_wheel(job.dist)

    run = job.run()

    assert run.returncode == 1
    error = run.error
    assert error.title == "No trusted publisher matches this workflow"
    assert (
        "`invalid-publisher`: valid token, but no corresponding publisher (Publisher with "
        "matching claims was not found)"
    ) in error.data
    assert "workflow file (from job_workflow_ref): release.yml" in error.data
    assert (
        "  owner:       octo-org\n  repository:  hello-trusted-publish\n"
        "  workflow:    release.yml\n  environment: (leave empty)\n"
    ) in error.data
    assert "https://pypi.org/manage/project/hello-trusted-publish/settings/publishing/" in (
        error.data
    )
    assert pypi.files("hello-trusted-publish") == []
    assert "No trusted publisher matches this workflow" in run.summary


def test_expired_minted_token_says_to_rerun(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    pypi.token_lifetime = 0  # the token is already expired when the upload starts
    make_wheel(job.dist)

    run = job.run()

    assert run.returncode == 1
    assert run.error.title == "The upload token expired"
    assert "Invalid API Token: token is expired" in run.error.data
    assert pypi.files("hello-trusted-publish") == []


def test_file_already_exists_with_other_contents(job: Job, pypi: PyPI, tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    pypi.add_publisher("hello-trusted-publish")
    earlier = make_wheel(job.dist, description="# the first build\n")
    earlier_hash = sha256(earlier)
    assert job.run().returncode == 0
    rebuilt = make_wheel(job.dist, description="# a different build, same version\n")

    run = job.run()

    assert run.returncode == 1
    assert run.error.title == "A different file with this name is already on the index"
    assert f"already on the index with sha256 {earlier_hash}" in run.error.data
    assert f"the local file has sha256 {sha256(rebuilt)}" in run.error.data
    assert [f.sha256 for f in pypi.files("hello-trusted-publish")] == [earlier_hash]


def test_identical_reupload_succeeds(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    make_wheel(job.dist)
    assert job.run().returncode == 0

    run = job.run()

    assert run.returncode == 0, run.log
    assert len(pypi.files("hello-trusted-publish")) == 1


def test_publisher_registered_for_another_project(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    pypi.add_project("Other.Project")
    make_wheel(job.dist, name="Other.Project")

    run = job.run()

    assert run.returncode == 1
    error = run.error
    assert error.title == "The trusted publisher is registered for another project"
    assert "OIDC scoped token is not valid for project 'Other.Project'" in error.data
    assert "metadata name 'Other.Project', normalized 'other-project'" in error.data
    assert pypi.files("Other.Project") == []


def test_pending_publisher_name_differs_from_metadata(job: Job, pypi: PyPI) -> None:
    pypi.add_pending_publisher("hello-trusted-publish")
    make_wheel(job.dist, name="hello-trusted-publisher")

    run = job.run()

    assert run.returncode == 1
    error = run.error
    assert error.title == "Trusted publishing cannot create this project"
    assert "Non-user identities cannot create new projects" in error.data
    assert "('hello-trusted-publisher', normalized 'hello-trusted-publisher')" in error.data
    assert pypi.files("hello-trusted-publisher") == []
