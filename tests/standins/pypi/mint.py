"""Warehouse's mint-token rules: JWT verification, publisher matching, pending publishers.

The order of checks, the error codes and the descriptions are Warehouse's
(``warehouse/oidc/views.py``, ``services.py``, ``models/github.py``), as
recorded in ``shared/reference/pypi-server-and-github-oidc.md`` §2-4.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import jwt
from pydantic import BaseModel, StrictStr, ValidationError

from tests.standins import secrets as secrets_record
from tests.standins.pypi.state import GitHubPublisher, IssuedToken, PendingPublisher, Project

if TYPE_CHECKING:
    from tests.standins.pypi.app import PyPI

__all__ = ["MintError", "mint"]

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
JWT_LEEWAY = 30
_WORKFLOW_FILENAME = re.compile(r"([^/]+\.(yml|yaml))(?=@)")
_PROJECT_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
# Iterated in this fixed order (Warehouse iterates a set, so its order varies by process).
_REQUIRED_CLAIMS = (
    "repository",
    "repository_owner",
    "repository_owner_id",
    "job_workflow_ref",
    "jti",
    "event_name",
    "ref",
    "sha",
)
_PROJECT_HELP = "https://pypi.org/help/#project-name"


@dataclass(frozen=True)
class MintError(Exception):
    code: str
    description: str


class _InvalidPublisher(Exception):
    pass


class _ReusedToken(Exception):
    pass


class TokenPayload(BaseModel):
    token: StrictStr


def mint(
    index: PyPI, body: bytes, fetch_jwks: Callable[[str], Mapping[str, object]]
) -> IssuedToken:
    """Run the mint-token view; raise :class:`MintError` with Warehouse's code/description."""
    try:
        token = TokenPayload.model_validate_json(body).token
    except ValidationError as exc:
        raise MintError("invalid-payload", str(exc)) from exc
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise MintError("invalid-payload", "malformed JWT") from exc
    issuer = unverified.get("iss")
    if not issuer:
        raise MintError("invalid-payload", "malformed JWT")
    if issuer not in index.oidc_issuers:
        raise MintError("invalid-payload", "unknown trusted publishing issuer")
    if not index.oidc_enabled:
        raise MintError("not-enabled", "github trusted publishing functionality not enabled")
    claims = _verify(token, issuer, index.audience, index.oidc_issuers[issuer], fetch_jwks)

    with index.lock:
        pending = _find_pending(index, claims)
        if pending is not None:
            _reify(index, pending)
        try:
            publisher = _find_publisher(index, claims)
        except _ReusedToken as exc:
            raise MintError("invalid-reuse-token", "invalid token: already used") from exc
        except _InvalidPublisher as exc:
            raise MintError(
                "invalid-publisher", f"valid token, but no corresponding publisher ({exc})"
            ) from exc
        index.used_jtis.add(str(claims["jti"]))
        now = time.time()
        issued = IssuedToken(
            value=IssuedToken.new_value(),
            kind="oidc",
            projects=set(publisher.projects),
            not_before=now,
            expires_at=now + index.token_lifetime,
            publisher=publisher,
        )
        index.tokens[issued.value] = issued
        secrets_record.record(issued.value)
        return issued


def _verify(
    token: str,
    issuer: str,
    audience: str,
    discovery_base: str,
    fetch_jwks: Callable[[str], Mapping[str, object]],
) -> dict[str, object]:
    """Verify like Warehouse: RS256, kid required, strict audience, 30 s leeway."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        keys = fetch_jwks(discovery_base).get("keys")
        if not kid or not isinstance(keys, list):
            raise MintError("invalid-token", "malformed or invalid token")
        matching = [k for k in keys if isinstance(k, dict) and k.get("kid") == kid]
        if not matching:
            raise MintError("invalid-token", "malformed or invalid token")
        key = jwt.PyJWK(matching[0], algorithm="RS256")
        claims: dict[str, object] = jwt.decode(
            token,
            key=key,
            algorithms=["RS256"],
            options={
                "verify_signature": True,
                "require": ["iss", "iat", "exp", "aud"],
                "verify_iss": True,
                "verify_iat": True,
                "verify_exp": True,
                "verify_aud": True,
                "verify_nbf": True,
                "strict_aud": True,
            },
            issuer=issuer,
            audience=audience,
            leeway=JWT_LEEWAY,
        )
    except (jwt.PyJWTError, ValueError, OSError) as exc:
        raise MintError("invalid-token", "malformed or invalid token") from exc
    return claims


# -- publisher matching (warehouse/oidc/models/github.py) ------------------------


def _find_publisher(index: PyPI, claims: Mapping[str, object]) -> GitHubPublisher:
    return _match(claims, index.publishers, index.used_jtis)


def _find_pending(index: PyPI, claims: Mapping[str, object]) -> PendingPublisher | None:
    try:
        return _match(claims, index.pending_publishers, index.used_jtis)
    except _InvalidPublisher:
        return None  # Warehouse swallows these and falls through to normal publishers.


_P = TypeVar("_P", GitHubPublisher, PendingPublisher)


def _match(claims: Mapping[str, object], candidates: list[_P], used_jtis: set[str]) -> _P:
    if claims.get("iss") != GITHUB_ISSUER:
        raise _InvalidPublisher(
            f"JWT issuer {claims.get('iss')!r} does not match expected issuer {GITHUB_ISSUER!r}"
        )
    for name in _REQUIRED_CLAIMS:
        if claims.get(name) is None:
            raise _InvalidPublisher(f"Missing claim {name!r}")
    owner, repository = str(claims["repository"]).split("/", 1)  # no "/" -> a 500, as upstream
    workflow_match = _WORKFLOW_FILENAME.search(str(claims["job_workflow_ref"]))
    if workflow_match is None:
        raise _InvalidPublisher("Could not job extract workflow filename from OIDC claims")
    workflow = workflow_match.group(1)
    found = [
        p
        for p in candidates
        if p.repository == repository
        and p.owner == owner
        and p.owner_id == claims["repository_owner_id"]
        and p.workflow == workflow
    ]
    environment = str(claims.get("environment") or "").lower()
    chosen = next((p for p in found if p.environment == environment), None) or next(
        (p for p in found if p.environment == ""), None
    )
    if chosen is None:
        raise _InvalidPublisher("Publisher with matching claims was not found")
    _verify_claims(chosen, claims, used_jtis)
    return chosen


def _verify_claims(
    publisher: GitHubPublisher | PendingPublisher,
    claims: Mapping[str, object],
    used_jtis: set[str],
) -> None:
    repository = str(claims["repository"])
    if not repository or repository.lower() != f"{publisher.owner}/{publisher.repository}".lower():
        raise _InvalidPublisher("Check failed for required claim 'repository'")
    if claims["repository_owner"] != publisher.owner:
        raise _InvalidPublisher("Check failed for required claim 'repository_owner'")
    if claims["repository_owner_id"] != publisher.owner_id:
        raise _InvalidPublisher("Check failed for required claim 'repository_owner_id'")
    _check_job_workflow_ref(publisher, claims)
    if str(claims["jti"]) in used_jtis:
        raise _ReusedToken
    if claims["event_name"] == "pull_request_target":
        raise _InvalidPublisher(
            "Publishing from a workflow invoked via 'pull_request_target' is not supported."
        )
    if publisher.environment:
        environment = str(claims.get("environment") or "")
        if not environment or environment.lower() != publisher.environment:
            raise _InvalidPublisher("Check failed for optional claim 'environment'")


def _check_job_workflow_ref(
    publisher: GitHubPublisher | PendingPublisher, claims: Mapping[str, object]
) -> None:
    signed = str(claims["job_workflow_ref"])
    if not signed:
        raise _InvalidPublisher("The job_workflow_ref claim is empty")
    ref, sha = str(claims.get("ref") or ""), str(claims.get("sha") or "")
    if not ref and not sha:
        raise _InvalidPublisher("The ref and sha claims are empty")
    base = f"{publisher.owner}/{publisher.repository}/.github/workflows/{publisher.workflow}"
    expected = {f"{base}@{value}" for value in (ref, sha) if value}
    if signed not in expected:
        raise _InvalidPublisher(
            "The job_workflow_ref claim does not match, expecting one of "
            f"{sorted(expected)!r}, got {signed!r}"
        )


# -- pending publishers (views.py L200-276, packaging/services.py create_project) ------


def _reify(index: PyPI, pending: PendingPublisher) -> None:
    name = pending.project_name
    if index.find_project(name) is not None:
        index.pending_publishers.remove(pending)
        raise MintError("invalid-pending-publisher", "valid token, but project already exists")
    problem = _project_name_problem(index, name)
    if problem is not None:
        raise MintError("invalid-payload", problem)
    project = Project(name)
    index.projects[project.normalized] = project
    publisher = next(
        (
            p
            for p in index.publishers
            if (p.owner, p.repository, p.owner_id, p.workflow, p.environment)
            == (
                pending.owner,
                pending.repository,
                pending.owner_id,
                pending.workflow,
                pending.environment,
            )
        ),
        None,
    )
    if publisher is None:
        publisher = GitHubPublisher(
            pending.owner,
            pending.repository,
            pending.owner_id,
            pending.workflow,
            pending.environment,
        )
        index.publishers.append(publisher)
    publisher.projects.add(project.normalized)
    index.pending_publishers.remove(pending)


def _project_name_problem(index: PyPI, name: str) -> str | None:
    if not _PROJECT_NAME.match(name):
        return f"The name {name!r} is invalid."
    normalized = name.lower().replace("-", "_").replace(".", "_")
    if normalized in sys.stdlib_module_names:
        return (
            f"The name {name!r} isn't allowed (conflict with Python Standard Library "
            f"module name). See {_PROJECT_HELP} for more information."
        )
    if name.lower() in index.prohibited_names:
        return f"The name {name!r} isn't allowed. See {_PROJECT_HELP} for more information."
    return None
