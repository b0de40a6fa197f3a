"""Every failure explained where the user looks: one annotation, the cause, the exact fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.harness import Job
from tests.runner.commands import parse_commands
from tests.standins.dists import make_wheel
from tests.standins.faults import Fault
from tests.standins.github_oidc import GitHubOIDC
from tests.standins.pypi import PyPI


def test_reusable_workflow_from_the_same_repository_is_explained(
    job: Job, pypi: PyPI, github: GitHubOIDC
) -> None:
    pypi.add_publisher("hello-trusted-publish")  # configured with the caller, release.yml
    github.configure(called_workflow="pypi.yml")
    make_wheel(job.dist)

    run = job.run()

    assert run.returncode == 1
    assert run.error.title == "No trusted publisher matches this workflow"
    assert "This job runs a reusable workflow" in run.error.data
    assert "the publisher names 'pypi.yml'" in run.error.data
    assert "  workflow:    pypi.yml\n" in run.error.data


def test_reusable_workflow_from_another_repository_is_explained(
    job: Job, pypi: PyPI, github: GitHubOIDC
) -> None:
    pypi.add_publisher("hello-trusted-publish")
    github.extra_claims["job_workflow_ref"] = (
        "octo-org/shared-workflows/.github/workflows/pypi.yml@refs/heads/main"
    )
    make_wheel(job.dist)

    run = job.run()

    assert run.returncode == 1
    assert "from another repository" in run.error.data
    assert "warehouse#11096" in run.error.data


def test_publisher_with_an_environment_and_a_job_without_one(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish", environment="pypi")
    make_wheel(job.dist)

    run = job.run()

    assert run.returncode == 1
    assert "This job has no `environment:`" in run.error.data


def test_job_in_another_environment_than_the_publishers(
    job: Job, pypi: PyPI, github: GitHubOIDC
) -> None:
    pypi.add_publisher("hello-trusted-publish", environment="pypi")
    github.configure(environment="staging")
    make_wheel(job.dist)

    run = job.run()

    assert run.returncode == 1
    assert run.error.title == "No trusted publisher matches this workflow"
    assert "  environment: staging\n" in run.error.data  # what to configure, exactly


def test_renamed_repository_is_hinted(job: Job, pypi: PyPI) -> None:
    pypi.add_publisher("hello-trusted-publish", repository="old-name")
    make_wheel(job.dist)

    run = job.run()

    assert run.returncode == 1
    assert "Publisher with matching claims was not found" in run.error.data
    assert "renamed or transferred repository" in run.error.data


def test_workflow_in_another_repository_is_spotted(
    job: Job, pypi: PyPI, github: GitHubOIDC
) -> None:
    pypi.add_publisher("hello-trusted-publish")
    github.extra_claims["job_workflow_ref"] = (
        "octo-org/new-name/.github/workflows/release.yml@refs/tags/v1.0.0"
    )
    make_wheel(job.dist)

    run = job.run()

    assert run.error.title == "The trusted publisher names another repository, workflow or ref"
    assert "it runs from 'octo-org/new-name'" in run.error.data


def test_letter_case_difference_is_spotted(job: Job, pypi: PyPI, github: GitHubOIDC) -> None:
    pypi.add_publisher("hello-trusted-publish", repository="Hello-Trusted-Publish")
    github.configure(repository_name="Hello-Trusted-Publish")
    github.extra_claims["job_workflow_ref"] = (
        "octo-org/hello-trusted-publish/.github/workflows/release.yml@refs/tags/v1.0.0"
    )
    make_wheel(job.dist)

    run = job.run()

    assert run.returncode == 1
    assert "letter case included" in run.error.data


def test_pull_request_target_is_refused_with_the_reason(
    job: Job, pypi: PyPI, github: GitHubOIDC
) -> None:
    pypi.add_publisher("hello-trusted-publish")
    github.configure(event_name="pull_request_target")
    make_wheel(job.dist)

    run = job.run()

    assert run.error.title == "Publishing from pull_request_target is refused"


def test_fork_pull_request_gets_no_token(job: Job, pypi: PyPI, tmp_path: Path) -> None:
    pypi.add_publisher("hello-trusted-publish")
    make_wheel(job.dist)
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"head": {"repo": {"full_name": "someone/fork"}}}})
    )
    for name in ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"):
        del job.runner_env[name]

    run = job.run(env={"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)})

    assert run.error.title == "No OIDC token in a pull request from a fork"


def test_github_enterprise_issuer(job: Job, pypi: PyPI, github: GitHubOIDC) -> None:
    pypi.add_publisher("hello-trusted-publish")
    github.issuer = "https://ghe.example.com/_services/token"
    try:
        make_wheel(job.dist)
        run = job.run()
    finally:
        github.issuer = "https://token.actions.githubusercontent.com"

    assert run.error.title == "The index does not accept tokens from this CI"
    assert "https://ghe.example.com/_services/token" in run.error.data


def test_pending_publisher_name_the_index_refuses(job: Job, pypi: PyPI) -> None:
    pypi.add_pending_publisher("json")
    make_wheel(job.dist, name="json")

    run = job.run()

    assert run.error.title == "The index will not create this project"
    assert "conflict with Python Standard Library module name" in run.error.data


def test_no_publisher_and_no_project_points_at_the_pending_publisher_form(
    job: Job, pypi: PyPI
) -> None:
    make_wheel(job.dist)

    run = job.run()

    assert run.error.title == "No trusted publisher matches this workflow"
    assert "does not exist on PyPI yet: add a *pending* publisher" in run.error.data
    assert "https://pypi.org/manage/account/publishing/" in run.error.data


def test_reserved_audience_is_never_sent_to_another_index(
    job: Job, custom_index: PyPI, github: GitHubOIDC
) -> None:
    custom_index.audience = "pypi"  # a hostile index asking for PyPI's audience
    make_wheel(job.dist)

    run = job.run({"repository-url": custom_index.upload_url})

    assert run.returncode == 1
    assert run.error.title == "Refusing to send a PyPI token to another index"
    assert github.issued == []  # no token was even requested


def test_a_custom_index_with_its_own_audience_works(job: Job, custom_index: PyPI) -> None:
    custom_index.add_publisher("hello-trusted-publish")
    make_wheel(job.dist)

    run = job.run({"repository-url": custom_index.upload_url})

    assert run.returncode == 0, run.log
    [notice] = run.annotations("notice")
    assert notice.title == "No attestations were made"
    assert len(custom_index.files("hello-trusted-publish")) == 1


def test_token_mode_on_github_suggests_the_exact_publisher(job: Job, pypi: PyPI) -> None:
    token = pypi.add_api_token()
    make_wheel(job.dist)

    run = job.run(
        {"password": token, "attestations": "false"},
        env={
            "GITHUB_WORKFLOW_REF": "octo-org/hello-trusted-publish/.github/workflows/"
            "publish.yml@refs/tags/v1.0.0"
        },
    )

    assert run.returncode == 0, run.log
    [nudge] = run.annotations("notice")
    assert nudge.title == "Publish without a long-lived token: use trusted publishing"
    assert "  workflow:    publish.yml\n" in nudge.data
    assert "  repository:  hello-trusted-publish\n" in nudge.data
    assert token not in run.log.replace(f"::add-mask::{token}", "")


HOSTILE = "evil\r\n::error title=x::injected 100%0A ##[warning]legacy, title=y: z"


@pytest.mark.parametrize("where", ["claim", "index message"])
def test_hostile_values_never_reach_the_runner_unescaped(
    job: Job, pypi: PyPI, github: GitHubOIDC, where: str
) -> None:
    make_wheel(job.dist)
    if where == "claim":
        github.configure(environment=HOSTILE)  # no publisher: invalid-publisher lists it
    else:
        pypi.add_publisher("hello-trusted-publish")
        # A status line cannot carry a line break; the rest arrives as the index's words.
        reason = HOSTILE.replace("\r\n", " ")
        pypi.faults.arm(Fault("legacy", "status", status=400, reason=reason))

    run = job.run()

    assert run.returncode == 1
    commands = parse_commands(run.stdout)
    assert [c.name for c in commands if c.name in {"error", "warning", "notice"}] == ["error"]
    shown = run.error.data + run.error.title
    assert "::error title=x::injected" in shown  # arrived as text, inside the one annotation
    assert "%0A" in shown  # the index's literal "%0A" was escaped, not decoded into a newline
    for line in run.stdout.splitlines():
        if "injected" in line:
            assert line.startswith("::error ")
    assert "\n::error title=x" not in run.summary
    assert "\\r\\n::error title=x" in run.summary or where != "claim"
