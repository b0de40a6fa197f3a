"""The token exchange: an OIDC token in, a short-lived upload token out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trusted_publish.errors import failure
from trusted_publish.http import describe_exception, index_unreachable, raise_if_retryable
from trusted_publish.retry import Transient
from trusted_publish.secret import Secret

if TYPE_CHECKING:
    from trusted_publish.http import Client
    from trusted_publish.index import Index

__all__ = ["MintedToken", "Refusal", "mint_token"]


@dataclass(frozen=True)
class MintedToken:
    token: Secret
    expires_at: int | None  # Unix time; older indexes do not say


@dataclass(frozen=True)
class Refusal:
    """The index's documented refusal: one error code and its description."""

    code: str
    description: str


def mint_token(client: Client, index: Index, oidc_token: Secret) -> MintedToken | Refusal:
    """POST the OIDC token to the index's mint-token endpoint, once.

    Connection trouble and retryable statuses raise ``Transient``: the caller
    retries with a new OIDC token, since this one may already be spent.
    """
    import requests  # noqa: PLC0415

    url = index.mint_token_url
    try:
        response = client.session.post(url, json={"token": oidc_token.reveal()})
    except requests.RequestException as exc:
        reason = describe_exception(exc)
        raise Transient(index_unreachable(url)(reason), reason) from exc
    status = response.status_code
    if status != 200:  # a 200 body holds the token: it never goes into an error
        bad_response = failure(
            "mint-bad-response", url=url, status=status, body=response.text[:300]
        )
        raise_if_retryable(response, bad_response, f"{url} answered {status}")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        # A 200 body may hold a token in an unexpected shape: never echo it.
        shown = "(not a JSON object)" if response.ok else response.text[:300]
        final = failure("mint-bad-response", url=url, status=response.status_code, body=shown)
        if response.ok:  # cut or garbled on the way; a new exchange usually works
            raise Transient(final, f"{url} answered with a body that is not JSON")
        raise final
    if response.status_code == 200:
        return _minted(url, body)
    refusal = _refusal(body)
    if refusal is None:
        raise failure(
            "mint-bad-response", url=url, status=response.status_code, body=json.dumps(body)[:300]
        )
    return refusal


def _minted(url: str, body: dict[str, object]) -> MintedToken:
    token = body.get("token")
    if not isinstance(token, str) or not token:
        raise failure(
            "mint-bad-response", url=url, status=200, body="the JSON answer has no 'token' string"
        )
    expires = body.get("expires")
    expires_at = expires if isinstance(expires, int) and not isinstance(expires, bool) else None
    return MintedToken(Secret(token), expires_at)


def _refusal(body: dict[str, object]) -> Refusal | None:
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return None
    code, description = errors[0].get("code"), errors[0].get("description")
    if not isinstance(code, str):
        return None
    return Refusal(code, description if isinstance(description, str) else "")
