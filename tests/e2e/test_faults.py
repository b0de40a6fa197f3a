"""Fault injection at every stage: each run survives or fails clearly, nothing is lost.

After every fault the run either succeeds (the fault was transient and retried)
or fails with one clear annotation; the index then holds exactly the intended
files (never a partial or duplicate one), and a re-run completes the release.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.e2e.harness import Job
from tests.standins.dists import make_sdist, make_wheel
from tests.standins.faults import Fault
from tests.standins.github_oidc import GitHubOIDC
from tests.standins.pypi import PyPI

# Short timeouts, so "slower than the timeout" costs seconds, not minutes.
TIMEOUT_INPUTS = {"request-timeout": "2"}


@dataclass(frozen=True)
class FaultCase:
    name: str
    server: str  # "pypi" or "github"
    fault: Fault
    survives: bool
    error_title: str = ""

    def __str__(self) -> str:
        return self.name


def _case(name: str, server: str, route: str, kind: str, **options: object) -> FaultCase:
    survives = bool(options.pop("survives", True))
    title = str(options.pop("error_title", ""))
    return FaultCase(name, server, Fault(route, kind, **options), survives, title)  # type: ignore[arg-type]


FAULT_MATRIX: tuple[FaultCase, ...] = (
    # GitHub's OIDC token service
    _case("oidc-token 503", "github", "token", "status", status=503),
    _case("oidc-token 500", "github", "token", "status", status=500),
    _case("oidc-token reset", "github", "token", "reset"),
    _case("oidc-token non-json", "github", "token", "non-json"),
    _case("oidc-token truncated", "github", "token", "truncated"),
    _case(
        "oidc-token down",
        "github",
        "token",
        "status",
        status=503,
        times=20,
        survives=False,
        error_title="Requesting the OIDC token failed",
    ),
    # PyPI's audience endpoint
    _case("audience 503", "pypi", "audience", "status", status=503),
    _case("audience 502", "pypi", "audience", "status", status=502),
    _case("audience 429", "pypi", "audience", "status", status=429, retry_after="1"),
    _case("audience reset", "pypi", "audience", "reset"),
    _case("audience slow", "pypi", "audience", "slow", delay=3.0),
    _case("audience truncated", "pypi", "audience", "truncated"),
    _case("audience non-json", "pypi", "audience", "non-json"),
    _case(
        "audience down",
        "pypi",
        "audience",
        "status",
        status=503,
        times=20,
        survives=False,
        error_title="Unexpected answer from the index's audience endpoint",
    ),
    # PyPI's token exchange
    _case("mint 503", "pypi", "mint_token", "status", status=503),
    _case("mint 500", "pypi", "mint_token", "status", status=500),
    _case("mint 429", "pypi", "mint_token", "status", status=429),
    _case("mint reset", "pypi", "mint_token", "reset"),
    _case("mint answer lost", "pypi", "mint_token", "lost-answer"),
    _case("mint slow", "pypi", "mint_token", "slow", delay=3.0),
    _case("mint truncated", "pypi", "mint_token", "truncated"),
    _case("mint non-json", "pypi", "mint_token", "non-json"),
    _case(
        "mint down",
        "pypi",
        "mint_token",
        "status",
        status=502,
        times=20,
        survives=False,
        error_title="Unexpected answer from the index's token exchange",
    ),
    # the upload itself
    _case("upload 503", "pypi", "legacy", "status", status=503),
    _case("upload 502", "pypi", "legacy", "status", status=502),
    _case("upload 500", "pypi", "legacy", "status", status=500),
    _case("upload 429", "pypi", "legacy", "status", status=429),
    _case("upload reset mid-body", "pypi", "legacy", "reset-mid-body"),
    _case("upload reset before answer", "pypi", "legacy", "reset"),
    _case("upload stored, answer lost", "pypi", "legacy", "lost-answer"),
    _case("upload slow", "pypi", "legacy", "slow", delay=3.0),
    _case("upload truncated answer", "pypi", "legacy", "truncated"),
    _case(
        "upload down",
        "pypi",
        "legacy",
        "status",
        status=503,
        times=40,
        survives=False,
        error_title="The index failed while receiving the upload",
    ),
    # the simple API (verification after the upload)
    _case("simple 503", "pypi", "simple", "status", status=503),
    _case("simple reset", "pypi", "simple", "reset"),
    _case("simple truncated", "pypi", "simple", "truncated"),
    _case("simple non-json", "pypi", "simple", "non-json"),
)


@pytest.mark.parametrize("case", FAULT_MATRIX, ids=str)
def test_fault(job: Job, pypi: PyPI, github: GitHubOIDC, case: FaultCase) -> None:
    pypi.add_publisher("hello-trusted-publish")
    wheel, sdist = make_wheel(job.dist), make_sdist(job.dist)
    (pypi if case.server == "pypi" else github).faults.arm(case.fault)

    # Runs that cannot survive need not wait through every retry to show how they fail.
    run = job.run(TIMEOUT_INPUTS if case.survives else {**TIMEOUT_INPUTS, "retries": "2"})

    injected = (pypi if case.server == "pypi" else github).faults.injected
    assert injected, f"the fault was never triggered: {case}"
    stored = sorted(f.filename for f in pypi.files("hello-trusted-publish"))
    if case.survives:
        assert run.returncode == 0, run.log
        assert run.errors == []
        assert stored == sorted([wheel.name, sdist.name])
    else:
        assert run.returncode == 1
        assert run.error.title == case.error_title
        # Never a partial or duplicated file: only whole files that were accepted.
        assert len(stored) == len(set(stored))
        assert set(stored) <= {wheel.name, sdist.name}

    pypi.faults.clear()
    github.faults.clear()
    rerun = job.run(TIMEOUT_INPUTS)

    assert rerun.returncode == 0, rerun.log
    files = pypi.files("hello-trusted-publish")
    assert sorted(f.filename for f in files) == sorted([wheel.name, sdist.name])


def test_token_is_reminted_before_it_expires_during_a_slow_release(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    pypi.token_lifetime = 95  # just above the renewal margin: fine for the first file only
    make_wheel(job.dist)
    make_sdist(job.dist)
    pypi.faults.arm(Fault("legacy", "slow", delay=6.0))

    run = job.run({"request-timeout": "30"})

    assert run.returncode == 0, run.log
    assert "minting a fresh one" in run.stdout
    assert sum(t.kind == "oidc" for t in pypi.tokens.values()) == 2
    assert len(pypi.files("hello-trusted-publish")) == 2


def test_token_that_expires_mid_upload_is_renewed(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    pypi.token_lifetime = 1
    pypi.expires_skew = 600  # the index claims a longer life than it enforces
    make_wheel(job.dist)
    pypi.faults.arm(Fault("legacy", "slow", delay=1.5))

    run = job.run()

    assert run.returncode == 0, run.log
    assert "The index says the token expired" in run.stdout
    assert len(pypi.files("hello-trusted-publish")) == 1


def test_expired_oidc_token_fails_clearly_and_a_rerun_completes(
    job: Job, pypi: PyPI, github: GitHubOIDC
) -> None:
    pypi.add_publisher("hello-trusted-publish")
    make_wheel(job.dist)
    github.clock_skew = -400  # the runner hands out a token that expired already

    run = job.run()

    assert run.returncode == 1
    assert run.error.title == "The index could not verify the OIDC token"
    assert pypi.files("hello-trusted-publish") == []
    github.clock_skew = 0
    assert job.run().returncode == 0
    assert len(pypi.files("hello-trusted-publish")) == 1


def test_files_that_appear_late_are_waited_for(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish")
    pypi.visible_after = 2.5
    make_wheel(job.dist)

    run = job.run()

    assert run.returncode == 0, run.log
    assert "Not served yet" in run.stdout
    assert "Verified: the index serves every file" in run.summary
