"""The upload credential: a token minted through trusted publishing, or the user's own.

A minted token lives 15 minutes; :class:`CredentialSource` mints a fresh one
(with a fresh OIDC token) before the current one would expire during an upload.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trusted_publish.catalogue import key_for_mint_error
from trusted_publish.diagnosis import publisher_hints, where_to_configure
from trusted_publish.errors import PublishError, failure
from trusted_publish.exchange import Refusal, mint_token
from trusted_publish.index import project_exists, simple_url
from trusted_publish.inputs import TOKEN_USER
from trusted_publish.oidc import Claims, ambient_token, decode_claims, discover_audience

if TYPE_CHECKING:
    from trusted_publish.http import Client
    from trusted_publish.index import Index
    from trusted_publish.inputs import Inputs, Job
    from trusted_publish.report import Reporter
    from trusted_publish.secret import Secret

__all__ = ["Credential", "CredentialSource"]

DEFAULT_TOKEN_LIFETIME = 15 * 60
# Re-mint when less than this is left before the upload starts; the index checks the
# token once the whole file has arrived, so slow uploads add their expected duration.
RENEWAL_MARGIN = 90.0
# Audiences of PyPI's own tokens; they must never be sent anywhere else (a custom index
# claiming them could replay the OIDC token against PyPI).
_RESERVED_AUDIENCES = {"pypi": "is_pypi", "testpypi": "is_testpypi"}


@dataclass(frozen=True)
class Credential:
    username: str
    password: Secret
    trusted: bool
    expires_at: float | None = None
    claims: Claims | None = None


class CredentialSource:
    """Hands out a credential that will still be valid when an upload finishes."""

    def __init__(
        self,
        *,
        inputs: Inputs,
        job: Job,
        client: Client,
        reporter: Reporter,
        projects: Sequence[str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._inputs = inputs
        self._job = job
        self._client = client
        self._reporter = reporter
        self._projects = projects
        self._clock = clock
        self._audience: str | None = None
        self._simple_url = simple_url(inputs.index, inputs.check_url)
        self._credential: Credential | None = None
        self.mints = 0

    @property
    def index(self) -> Index:
        return self._inputs.index

    def current(self, *, upload_seconds: float = 0.0) -> Credential:
        """The credential to use now, renewed if it would expire within the upload."""
        credential = self._credential
        if credential is None:
            credential = self._obtain()
        elif credential.expires_at is not None:
            left = credential.expires_at - self._clock()
            if left < RENEWAL_MARGIN + upload_seconds:
                self._reporter.info(
                    f"The upload token expires in {max(left, 0):.0f} s; minting a fresh one."
                )
                credential = self._mint()
        self._credential = credential
        return credential

    def renew(self) -> Credential:
        """A new credential after the index said the current one expired."""
        if not self._inputs.trusted_publishing:
            return self.current()
        self._credential = self._mint()
        return self._credential

    # -- obtaining ----------------------------------------------------------------
    def _obtain(self) -> Credential:
        password = self._inputs.password
        if password is not None:
            self._reporter.mask(password)
            return Credential(self._inputs.user, password, trusted=False)
        return self._mint()

    def _mint(self) -> Credential:
        audience = self._audience or self._discover_audience()
        credential = self._client.retrying(lambda: self._mint_once(audience))
        self.mints += 1
        return credential

    def _discover_audience(self) -> str:
        audience = discover_audience(self._client, self.index)
        required_host = _RESERVED_AUDIENCES.get(audience)
        if required_host is not None and not getattr(self.index, required_host):
            raise failure("audience-reserved", index=self.index.host, audience=audience)
        self._audience = audience
        return audience

    def _project_exists(self, project: str) -> bool | None:
        """Whether the index knows ``project``: it decides which settings page to link."""
        return project_exists(self._client, self._simple_url, project)

    def _mint_once(self, audience: str) -> Credential:
        # A fresh OIDC token on every attempt: the index accepts each token once, so
        # one whose exchange answer was lost can never be exchanged again.
        oidc_token = ambient_token(audience, self._job)
        self._reporter.mask(oidc_token)
        claims = decode_claims(oidc_token)
        result = mint_token(self._client, self.index, oidc_token)
        if isinstance(result, Refusal):
            raise _refused(result, claims, self.index, self._projects, self._project_exists)
        self._reporter.mask(result.token)
        expires_at = result.expires_at or self._clock() + DEFAULT_TOKEN_LIFETIME
        return Credential(
            TOKEN_USER, result.token, trusted=True, expires_at=expires_at, claims=claims
        )


def _refused(
    refusal: Refusal,
    claims: Claims,
    index: Index,
    projects: Sequence[str],
    project_exists: Callable[[str], bool | None],
) -> PublishError:
    project = projects[0] if projects else ""
    settings_url = index.publishing_settings_url(project) if project else ""
    where = where_to_configure(
        index.name,
        project,
        project_exists(project) if project else None,
        settings_url,
        index.pending_publishers_url,
    )
    return failure(
        key_for_mint_error(refusal.code, refusal.description),
        facts=claims.facts(),
        description=refusal.description,
        hints=publisher_hints(claims, refusal.description),
        index=index.name,
        project=project,
        owner=claims.repository_owner,
        repository_name=claims.repository_name,
        workflow=claims.workflow_filename,
        environment=claims.environment or "(leave empty)",
        environment_shown=f"the environment '{claims.environment}'"
        if claims.environment
        else "no environment",
        issuer=claims.issuer or "(unknown)",
        job_workflow_ref=claims.job_workflow_ref or "(missing)",
        settings_url=settings_url,
        pending_url=index.pending_publishers_url,
        where=where,
    )
