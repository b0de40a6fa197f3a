"""Reasoning about a refused token exchange: what in this job differs from the publisher.

Pure functions over the token's claims and the index's words. They turn the
classic trusted-publishing puzzles (reusable workflows, a missing environment,
a renamed repository, letter case) into sentences for the catalogue's ``{hints}``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from trusted_publish.oidc import Claims

__all__ = ["expected_workflow_refs", "publisher_hints", "where_to_configure"]

_EXPECTED = re.compile(r"expecting one of (?P<expected>\[.*?\]), got")
_WORKFLOW_PATH = re.compile(
    r"^(?P<repo>[^/]+/[^/]+)/\.github/workflows/(?P<file>[^@]+)@(?P<ref>.+)$"
)


def expected_workflow_refs(description: str) -> list[str]:
    """The workflow refs a publisher would accept, from Warehouse's mismatch message."""
    match = _EXPECTED.search(description)
    if match is None:
        return []
    try:
        value = ast.literal_eval(match.group("expected"))
    except (ValueError, SyntaxError):
        return []
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def publisher_hints(claims: Claims, description: str) -> str:
    """Sentences explaining the likely difference, or "" when nothing stands out."""
    hints = [
        *_reusable_workflow(claims),
        *_environment(claims, description),
        *_repository_differs(claims, expected_workflow_refs(description)),
    ]
    return "".join(f"\n- {hint}" for hint in hints)


def where_to_configure(
    index_name: str,
    project: str,
    project_exists: bool | None,
    settings_url: str,
    pending_url: str,
) -> str:
    if project_exists is False:
        return (
            f"'{project}' does not exist on {index_name} yet: add a *pending* publisher with "
            f"project name '{project}' at {pending_url}"
        )
    return f"Publishing settings of '{project}': {settings_url}"


def _reusable_workflow(claims: Claims) -> Sequence[str]:
    called, caller = claims.job_workflow_ref, claims.workflow_ref
    if not called or not caller or called == caller:
        return []
    called_file = _WORKFLOW_PATH.match(called)
    caller_file = _WORKFLOW_PATH.match(caller)
    hint = (
        f"This job runs a reusable workflow: PyPI matches the publisher against the called "
        f"workflow ({called}), not the calling one ({caller})."
    )
    if called_file and caller_file and called_file["repo"] == caller_file["repo"]:
        hint += (
            f" Today that works when the publisher names '{called_file['file']}' and the "
            "reusable workflow is called from the same repository at the same ref "
            "(`uses: ./.github/workflows/...`)."
        )
    else:
        hint += (
            " A reusable workflow from another repository (or another ref) cannot be used "
            "as a trusted publisher today (warehouse#11096): move the publishing job into "
            "this repository."
        )
    return [hint]


def _environment(claims: Claims, description: str) -> Sequence[str]:
    if "optional claim 'environment'" in description:
        if not claims.environment:
            return [
                "The publisher names an environment, but this job has none: add "
                "`environment: <name>` to the job (the name the publisher shows)."
            ]
        return [
            f"This job's environment is '{claims.environment}'; the publisher names another "
            "one (environments are compared without regard to case)."
        ]
    if "matching claims was not found" not in description:
        return []
    hints = [
        "Owner, repository and workflow file are compared exactly, letter case included; "
        "a renamed or transferred repository needs its publisher updated."
    ]
    if not claims.environment:
        hints.append(
            "This job has no `environment:`. If the publisher names one, add it to the job "
            "or remove it from the publisher."
        )
    return hints


def _repository_differs(claims: Claims, expected: Sequence[str]) -> Sequence[str]:
    """Compare the workflow path the publisher expects with the one this job runs."""
    got = _WORKFLOW_PATH.match(claims.job_workflow_ref)
    wanted = next(filter(None, (_WORKFLOW_PATH.match(ref) for ref in expected)), None)
    if got is None or wanted is None:
        return []
    if got["repo"] != wanted["repo"] and got["repo"].lower() == wanted["repo"].lower():
        return [
            f"The publisher spells the repository '{wanted['repo']}', the workflow runs from "
            f"'{got['repo']}': names are compared exactly, letter case included."
        ]
    if got["repo"] != wanted["repo"]:
        return [
            f"The publisher expects the workflow in '{wanted['repo']}', but it runs from "
            f"'{got['repo']}'. Was the repository renamed or transferred? Update the publisher."
        ]
    if got["file"] == wanted["file"]:
        return [
            f"The workflow ran at {got['ref']}, which is neither this job's ref nor its "
            "commit: call the workflow at the same ref that triggered the run."
        ]
    return []
