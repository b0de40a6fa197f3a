"""Pure reasoning about refused exchanges: each classic puzzle gets its sentence."""

from __future__ import annotations

from trusted_publish.diagnosis import expected_workflow_refs, publisher_hints
from trusted_publish.oidc import Claims

BASE = Claims(
    repository="octo-org/demo",
    repository_owner="octo-org",
    workflow_ref="octo-org/demo/.github/workflows/release.yml@refs/tags/v1",
    job_workflow_ref="octo-org/demo/.github/workflows/release.yml@refs/tags/v1",
    ref="refs/tags/v1",
    sha="abc",
)
MISMATCH = (
    "valid token, but no corresponding publisher (The job_workflow_ref claim does not match, "
    "expecting one of ['Octo-Org/demo/.github/workflows/release.yml@abc', "
    "'Octo-Org/demo/.github/workflows/release.yml@refs/tags/v1'], got "
    "'octo-org/demo/.github/workflows/release.yml@refs/tags/v1')"
)


def test_expected_refs_are_read_from_warehouses_message() -> None:
    assert expected_workflow_refs(MISMATCH) == [
        "Octo-Org/demo/.github/workflows/release.yml@abc",
        "Octo-Org/demo/.github/workflows/release.yml@refs/tags/v1",
    ]
    assert expected_workflow_refs("Publisher with matching claims was not found") == []


def test_letter_case() -> None:
    assert "letter case included" in publisher_hints(BASE, MISMATCH)


def test_no_hint_when_nothing_stands_out() -> None:
    assert publisher_hints(BASE, "valid token, but no corresponding publisher (x)") == ""


def test_reusable_workflow_in_the_same_repository() -> None:
    claims = Claims(
        repository="octo-org/demo",
        workflow_ref="octo-org/demo/.github/workflows/release.yml@refs/tags/v1",
        job_workflow_ref="octo-org/demo/.github/workflows/pypi.yml@refs/tags/v1",
    )

    hints = publisher_hints(claims, "Publisher with matching claims was not found")

    assert "the publisher names 'pypi.yml'" in hints


def test_missing_environment() -> None:
    hints = publisher_hints(BASE, "(Check failed for optional claim 'environment')")

    assert "this job has none" in hints
