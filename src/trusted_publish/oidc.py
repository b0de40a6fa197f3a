"""The CI's OIDC identity: which audience the index wants, the token, and its claims."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trusted_publish.errors import PublishError, failure
from trusted_publish.http import describe_exception, index_unreachable, raise_if_retryable
from trusted_publish.retry import RETRYABLE_STATUSES, Transient
from trusted_publish.secret import Secret

if TYPE_CHECKING:
    import requests

    from trusted_publish.http import Client
    from trusted_publish.index import Index
    from trusted_publish.inputs import Job

__all__ = ["Claims", "ambient_token", "decode_claims", "discover_audience"]

# Warehouse takes the workflow filename from job_workflow_ref with this pattern.
_WORKFLOW_FILENAME = re.compile(r"([^/]+\.(yml|yaml))(?=@)")


@dataclass(frozen=True)
class Claims:
    """The claims of a GitHub Actions OIDC token that trusted publishing matches on.

    Decoded without verifying the signature: they only explain failures and
    describe the identity; the index is what verifies them.
    """

    issuer: str = ""
    repository: str = ""
    repository_owner: str = ""
    repository_owner_id: str = ""
    workflow_ref: str = ""
    job_workflow_ref: str = ""
    ref: str = ""
    sha: str = ""
    environment: str = ""
    event_name: str = ""

    @property
    def repository_name(self) -> str:
        return self.repository.partition("/")[2]

    @property
    def workflow_filename(self) -> str:
        match = _WORKFLOW_FILENAME.search(self.job_workflow_ref)
        return match.group(1) if match else ""

    def facts(self) -> tuple[tuple[str, str], ...]:
        return (
            ("repository", self.repository or "(missing)"),
            ("owner", self.repository_owner or "(missing)"),
            ("owner id", self.repository_owner_id or "(missing)"),
            ("workflow file (from job_workflow_ref)", self.workflow_filename or "(missing)"),
            ("job_workflow_ref", self.job_workflow_ref or "(missing)"),
            ("ref", self.ref or "(missing)"),
            ("sha", self.sha or "(missing)"),
            ("environment", self.environment or "(none)"),
            ("event", self.event_name or "(missing)"),
        )


def decode_claims(token: Secret) -> Claims:
    """Read the token's payload; a malformed token gives empty claims."""
    try:
        payload_b64 = token.reveal().split(".")[1]
        padded = payload_b64 + "=" * (-len(payload_b64) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded))
    except (IndexError, ValueError):
        return Claims()
    if not isinstance(payload, dict):
        return Claims()

    def claim(name: str) -> str:
        value = payload.get(name)
        return _visible(value) if isinstance(value, str) else ""

    return Claims(
        issuer=claim("iss"),
        repository=claim("repository"),
        repository_owner=claim("repository_owner"),
        repository_owner_id=claim("repository_owner_id"),
        workflow_ref=claim("workflow_ref"),
        job_workflow_ref=claim("job_workflow_ref"),
        ref=claim("ref"),
        sha=claim("sha"),
        environment=claim("environment"),
        event_name=claim("event_name"),
    )


def _visible(value: str) -> str:
    """Claims are shown to people: control characters appear escaped, never act."""
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in value
    )


def discover_audience(client: Client, index: Index) -> str:
    """Ask the index which audience its trusted-publishing tokens must carry."""
    return client.retrying(lambda: _audience_once(client, index))


def _audience_once(client: Client, index: Index) -> str:
    import requests  # noqa: PLC0415

    url = index.audience_url
    try:
        response = client.session.get(url)
    except requests.RequestException as exc:
        reason = describe_exception(exc)
        raise Transient(index_unreachable(url)(reason), reason) from exc
    status, body = response.status_code, response.text[:300]
    if status == 403:
        raise failure("audience-disabled", url=url, message=_json_message(response))
    if status == 404:
        raise failure("audience-unsupported", url=url, index=index.name)
    bad_response = failure("audience-bad-response", url=url, status=status, body=body)
    raise_if_retryable(response, bad_response, f"{url} answered {status}")
    try:
        audience = response.json().get("audience") if status == 200 else None
    except (ValueError, AttributeError):
        # A cut or garbled answer from a proxy on the way; asking again usually helps.
        raise Transient(bad_response, f"{url} answered with a body that is not JSON") from None
    if not isinstance(audience, str) or not audience:
        raise bad_response
    return audience


def _json_message(response: requests.Response) -> str:
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return message if isinstance(message, str) else response.text[:300]


def ambient_token(audience: str, job: Job) -> Secret:
    """The CI's OIDC token for ``audience``, through the `id` package.

    Raises ``Transient`` for failures another request may not have (timeouts, 5xx).
    """
    import id as ambient  # noqa: PLC0415

    try:
        token = ambient.detect_credential(audience)
    except ambient.GitHubOidcPermissionCredentialError as exc:
        raise _permission_failure(exc, job) from exc
    except ambient.IdentityError as exc:
        raise _request_failure(str(exc), audience) from exc
    if token is None:
        raise failure("oidc-no-ambient-credential")
    return Secret(token)


def _permission_failure(exc: Exception, job: Job) -> PublishError:
    if job.event_name == "pull_request" and job.from_fork:
        return failure("oidc-fork-pull-request", reason=exc, repository=job.repository)
    return failure("oidc-permission-missing", reason=exc)


def _request_failure(message: str, audience: str) -> PublishError | Transient:
    mismatch = _AUDIENCE_MISMATCH.search(message)
    if mismatch:
        return failure("oidc-audience-mismatch", expected=audience, got=mismatch.group("got"))
    status = _FAILED_STATUS.search(message)
    final = failure("oidc-request-failed", reason=message)
    garbled = "malformed or incomplete JSON" in message
    if "timed out" in message or garbled or (status and int(status.group(1)) in RETRYABLE_STATUSES):
        return Transient(final, f"OIDC token request: {message}")
    return final


_AUDIENCE_MISMATCH = re.compile(r"audience claim mismatch \(expected .*, got (?P<got>.*)\)")
_FAILED_STATUS = re.compile(r"code=(\d+)")
