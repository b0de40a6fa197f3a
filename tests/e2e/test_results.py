"""What users act on: job summary and outputs, dry run, and verification after upload."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from tests.e2e.harness import ActionRun, Job
from tests.standins.dists import make_sdist, make_wheel
from tests.standins.pypi import PyPI


def files_output(run: ActionRun) -> dict[str, dict[str, object]]:
    return {f["filename"]: f for f in json.loads(run.outputs["files"])}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- summary and outputs ---------------------------------------------------------------


def test_outputs_after_a_failure_before_any_upload(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish", environment="pypi")
    wheel = make_wheel(job.dist)

    run = job.run()

    assert run.returncode == 1  # the job has no environment: the publisher requires one
    assert run.error.title == "No trusted publisher matches this workflow"
    files = files_output(run)
    assert files[wheel.name]["status"] == "not-uploaded"
    assert "not uploaded" in run.summary


def test_summary_lists_each_file_with_its_status_and_the_publisher(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    wheel, sdist = make_wheel(job.dist), make_sdist(job.dist)

    run = job.run()

    assert run.returncode == 0, run.log
    assert "Published 2 files to PyPI" in run.summary
    for dist in (wheel, sdist):
        assert sha256(dist) in run.summary
    assert "- Release: <https://pypi.org/project/hello-trusted-publish/1.0.0/>" in run.summary
    assert "trusted publisher `octo-org/hello-trusted-publish`, workflow `release.yml`" in (
        run.summary
    )
    assert json.loads(run.outputs["release-urls"]) == [
        "https://pypi.org/project/hello-trusted-publish/1.0.0/"
    ]
    files = files_output(run)
    assert files[wheel.name]["sha256"] == sha256(wheel)
    assert files[wheel.name]["status"] == "uploaded"
    assert str(files[wheel.name]["url"]).startswith("https://pypi.org/packages/")
    assert run.outputs["dry-run"] == "false"


def test_summary_and_outputs_after_a_partial_skip(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    wheel = make_wheel(job.dist)
    assert job.run().returncode == 0
    sdist = make_sdist(job.dist)

    run = job.run({"skip-existing": "true"})

    assert run.returncode == 0, run.log
    files = files_output(run)
    assert files[wheel.name]["status"] == "skipped"
    assert files[sdist.name]["status"] == "uploaded"
    assert "skipped (identical file on the index)" in run.summary
    assert pypi.uploads_attempted() == 2  # the wheel once, then only the sdist


def test_summary_and_outputs_after_a_failure_mid_way(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    wheel = make_wheel(job.dist)
    noise = random.Random(1).randbytes(20_000).hex()  # incompressible: the sdist stays big
    sdist = make_sdist(job.dist, description=noise)
    pypi.max_file_size = wheel.stat().st_size  # the wheel fits, the sdist does not
    assert sdist.stat().st_size > pypi.max_file_size

    run = job.run()

    assert run.returncode == 1
    assert run.error.title == "File too large for the index"
    files = files_output(run)
    assert files[wheel.name]["status"] == "uploaded"
    assert files[sdist.name]["status"] == "not-uploaded"
    assert "Published 1 of 2 files to PyPI" in run.summary
    assert "File too large for the index" in run.summary


# -- dry run ---------------------------------------------------------------------------


def test_dry_run_reports_new_and_identical_files_and_uploads_nothing(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    wheel = make_wheel(job.dist)
    assert job.run().returncode == 0
    sdist = make_sdist(job.dist)
    uploads_before = pypi.uploads_attempted()

    run = job.run({"dry-run": "true"})

    assert run.returncode == 0, run.log
    assert pypi.uploads_attempted() == uploads_before
    files = files_output(run)
    assert files[wheel.name]["status"] == "identical"
    assert files[sdist.name]["status"] == "new"
    assert run.outputs["dry-run"] == "true"
    assert "Dry run against PyPI: nothing was uploaded" in run.summary
    assert "would upload" in run.summary
    assert len(pypi.tokens) == 2  # the exchange really happened (and proved the publisher)


def test_dry_run_with_a_conflicting_file_fails_like_the_real_run(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    make_wheel(job.dist, description="# first build\n")
    assert job.run().returncode == 0
    make_wheel(job.dist, description="# rebuilt\n")

    run = job.run({"dry-run": "true"})

    assert run.returncode == 1
    assert run.error.title == "A different file with this name is already on the index"
    assert "conflict" in run.summary


def test_dry_run_with_a_misconfigured_publisher(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish", workflow="publish.yml")
    make_wheel(job.dist)

    run = job.run({"dry-run": "true"})

    assert run.returncode == 1
    assert run.error.title == "No trusted publisher matches this workflow"
    assert pypi.uploads_attempted() == 0


def test_dry_run_against_testpypi(job: Job, testpypi: PyPI) -> None:
    testpypi.add_publisher("hello-trusted-publish")
    make_wheel(job.dist)

    run = job.run({"dry-run": "true", "repository-url": "https://test.pypi.org/legacy/"})

    assert run.returncode == 0, run.log
    assert "Dry run against TestPyPI" in run.summary
    assert testpypi.uploads_attempted() == 0


# -- verify after upload -----------------------------------------------------------------


def test_verify_waits_for_delayed_availability(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    pypi.visible_after = 2.0
    make_wheel(job.dist)

    run = job.run()

    assert run.returncode == 0, run.log
    assert "Not served yet" in run.stdout
    assert "serves this workflow's attestations" in run.stdout
    assert "Verified: the index serves every file with the same sha256." in run.summary


def test_verify_catches_a_hash_mismatch(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    wheel = make_wheel(job.dist)
    pypi.tampered.add(wheel.name)

    run = job.run()

    assert run.returncode == 1
    assert run.error.title == "The index serves a different file"
    assert sha256(wheel) in run.error.data


def test_verify_times_out_clearly(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    pypi.visible_after = 600
    wheel = make_wheel(job.dist)

    run = job.run({"verify-timeout": "3"})

    assert run.returncode == 1
    assert run.error.title == "Uploaded files are not served yet"
    assert wheel.name in run.error.data
    assert len(pypi.files("hello-trusted-publish")) == 1


def test_verify_can_be_switched_off(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    pypi.visible_after = 600
    make_wheel(job.dist)

    run = job.run({"verify": "false"})

    assert run.returncode == 0, run.log
    assert "Verified" not in run.summary
