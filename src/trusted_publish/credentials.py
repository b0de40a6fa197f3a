"""The upload credential: a token minted through trusted publishing, or the user's own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trusted_publish.catalogue import key_for_mint_error
from trusted_publish.errors import PublishError, failure
from trusted_publish.exchange import Refusal, mint_token
from trusted_publish.inputs import TOKEN_USER
from trusted_publish.oidc import Claims, ambient_token, decode_claims, discover_audience

if TYPE_CHECKING:
    import requests

    from trusted_publish.index import Index
    from trusted_publish.inputs import Inputs
    from trusted_publish.report import Reporter
    from trusted_publish.secret import Secret

__all__ = ["Credential", "obtain_credential"]


@dataclass(frozen=True)
class Credential:
    username: str
    password: Secret
    trusted: bool
    expires_at: int | None = None
    claims: Claims | None = None


def obtain_credential(
    inputs: Inputs, session: requests.Session, reporter: Reporter, projects: Sequence[str]
) -> Credential:
    """Mask and return the credential to upload with."""
    if inputs.password is not None:
        reporter.mask(inputs.password)
        return Credential(inputs.user, inputs.password, trusted=False)
    return _trusted_publishing(inputs.index, session, reporter, projects)


def _trusted_publishing(
    index: Index, session: requests.Session, reporter: Reporter, projects: Sequence[str]
) -> Credential:
    audience = discover_audience(session, index)
    oidc_token = ambient_token(audience)
    reporter.mask(oidc_token)
    claims = decode_claims(oidc_token)
    result = mint_token(session, index, oidc_token)
    if isinstance(result, Refusal):
        raise _refused(result, claims, index, projects)
    reporter.mask(result.token)
    return Credential(
        TOKEN_USER, result.token, trusted=True, expires_at=result.expires_at, claims=claims
    )


def _refused(
    refusal: Refusal, claims: Claims, index: Index, projects: Sequence[str]
) -> PublishError:
    project = projects[0] if projects else ""
    return failure(
        key_for_mint_error(refusal.code, refusal.description),
        facts=claims.facts(),
        description=refusal.description,
        project=project,
        owner=claims.repository_owner,
        repository_name=claims.repository_name,
        workflow=claims.workflow_filename,
        environment=claims.environment or "(leave empty)",
        settings_url=index.publishing_settings_url(project)
        if project
        else index.pending_publishers_url,
    )
