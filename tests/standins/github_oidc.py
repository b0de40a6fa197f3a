"""A GitHub Actions OIDC issuer on 127.0.0.1: the runtime token endpoint, discovery and JWKS.

Tokens are RS256 JWTs with a ``kid``, GitHub's full claim set and
``exp = iat + 300``, exactly as a job with ``id-token: write`` receives them.
The identity (repository, workflow, ref, environment, ...) is configurable per
test; ``extra_claims`` overrides or (with ``None``) removes single claims.
"""

from __future__ import annotations

import functools
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from werkzeug.exceptions import HTTPException, NotFound, Unauthorized
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.standins import secrets as secrets_record
from tests.standins.faults import Faults
from tests.standins.server import Served

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["GITHUB_ISSUER", "GitHubOIDC", "Identity"]

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
TOKEN_LIFETIME = 300
_TOKEN_PATH = "/_apis/distributedtask/hubs/Actions/plans/{plan}/jobs/{job}/idtoken"


@dataclass(frozen=True)
class Identity:
    """Who the job is: the facts GitHub puts into the token's claims."""

    owner: str = "octo-org"
    owner_id: str = "1342004"
    repository_name: str = "hello-trusted-publish"
    repository_id: str = "736284111"
    workflow: str = "release.yml"
    ref: str = "refs/tags/v1.0.0"
    sha: str = "8c13517721d6ae11cac357e58b9c81e988dc86e4"
    environment: str | None = None
    event_name: str = "push"
    # A reusable workflow: job_workflow_ref names the called file, workflow_ref the caller.
    called_workflow: str | None = None

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.repository_name}"

    def claims(self, audience: str, issuer: str, now: int) -> dict[str, object]:
        workflow_ref = f"{self.repository}/.github/workflows/{self.workflow}@{self.ref}"
        job_workflow_ref = (
            f"{self.repository}/.github/workflows/{self.called_workflow}@{self.ref}"
            if self.called_workflow
            else workflow_ref
        )
        ref_type = "tag" if self.ref.startswith("refs/tags/") else "branch"
        sub_tail = (
            f"environment:{self.environment}"
            if self.environment
            else "pull_request"
            if self.event_name == "pull_request"
            else f"ref:{self.ref}"
        )
        claims: dict[str, object] = {
            "actor": "octocat",
            "actor_id": "583231",
            "aud": audience,
            "base_ref": "",
            "check_run_id": "62125561706",
            "event_name": self.event_name,
            "exp": now + TOKEN_LIFETIME,
            "head_ref": "",
            "iat": now,
            "iss": issuer,
            "job_workflow_ref": job_workflow_ref,
            "job_workflow_sha": self.sha,
            "jti": str(uuid.uuid4()),
            "nbf": now - 300,
            "ref": self.ref,
            "ref_protected": "true",
            "ref_type": ref_type,
            "repository": self.repository,
            "repository_id": self.repository_id,
            "repository_owner": self.owner,
            "repository_owner_id": self.owner_id,
            "repository_visibility": "public",
            "run_attempt": "1",
            "run_id": "21561244697",
            "run_number": "42",
            "runner_environment": "github-hosted",
            "sha": self.sha,
            "sub": f"repo:{self.repository}:{sub_tail}",
            "workflow": "Release",
            "workflow_ref": workflow_ref,
            "workflow_sha": self.sha,
        }
        if self.environment:
            claims["environment"] = self.environment
            claims["environment_node_id"] = "EN_kwDOK9Z4cs8AAAAB"
        return claims


@functools.cache
def _signing_key() -> rsa.RSAPrivateKey:
    # One key per test process: generating RSA keys is the slow part of starting.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class GitHubOIDC(Served):
    """The issuer's state; :meth:`serve` puts it on a loopback port."""

    issuer: str = GITHUB_ISSUER
    identity: Identity = field(default_factory=Identity)
    extra_claims: dict[str, object | None] = field(default_factory=dict)
    request_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    kid: str = field(default_factory=lambda: str(uuid.uuid4()))
    issued: list[str] = field(default_factory=list)
    plan: str = field(default_factory=lambda: str(uuid.uuid4()))
    job: str = field(default_factory=lambda: str(uuid.uuid4()))
    clock_skew: int = 0
    faults: Faults = field(default_factory=Faults)
    _expire_next: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- configuration --------------------------------------------------------
    def reset(self) -> None:
        self.identity = Identity()
        self.extra_claims = {}
        self.clock_skew = 0
        self.faults.clear()
        with self._lock:
            self._expire_next.clear()
            self.issued.clear()

    def configure(self, **changes: object) -> Identity:
        self.identity = replace(self.identity, **changes)  # type: ignore[arg-type]
        return self.identity

    # -- tokens ---------------------------------------------------------------
    def expire_next(self, audience: str, count: int = 1) -> None:
        """Issue the next ``count`` tokens for ``audience`` already expired."""
        with self._lock:
            self._expire_next[audience] = self._expire_next.get(audience, 0) + count

    def mint(self, audience: str) -> str:
        now = int(time.time()) + self.clock_skew
        with self._lock:
            if self._expire_next.get(audience):
                self._expire_next[audience] -= 1
                now -= TOKEN_LIFETIME + 60
        claims = self.identity.claims(audience, self.issuer, now)
        for name, value in self.extra_claims.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        token = jwt.encode(
            claims,
            _signing_key(),
            algorithm="RS256",
            headers={"kid": self.kid, "x5t": self.kid[:27]},
        )
        with self._lock:
            self.issued.append(token)
        secrets_record.record(token)
        return token

    def jwks(self) -> dict[str, object]:
        jwk = RSAAlgorithm.to_jwk(_signing_key().public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    # -- serving --------------------------------------------------------------
    @property
    def request_url(self) -> str:
        """What the runner puts in ACTIONS_ID_TOKEN_REQUEST_URL (it already has a query)."""
        return self.url + _TOKEN_PATH.format(plan=self.plan, job=self.job) + "?api-version=2.0"

    def runner_environment(self) -> dict[str, str]:
        """The variables a job with ``id-token: write`` gets."""
        return {
            "ACTIONS_ID_TOKEN_REQUEST_URL": self.request_url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": self.request_token,
        }

    def _wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, _ = _ROUTES.bind_to_environ(environ).match()
        except HTTPException as exc:
            return _json({"message": exc.description}, exc.code or 500)(environ, start_response)

        def handle() -> Response:
            try:
                response: Response = getattr(self, f"_on_{endpoint}")(request)
            except HTTPException as exc:
                response = _json({"message": exc.description}, exc.code or 500)
            return response

        return self.faults.wrap(endpoint, environ, handle, start_response)

    def _on_token(self, request: Request) -> Response:
        scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            credential.strip(), self.request_token
        ):
            raise Unauthorized("Bad credentials for the OIDC token request")
        if request.args.get("api-version") != "2.0":
            raise NotFound("unsupported api-version")
        audience = request.args.get("audience") or f"https://github.com/{self.identity.owner}"
        return _json({"count": 1, "value": self.mint(audience)})

    def _on_discovery(self, request: Request) -> Response:
        return _json(
            {
                "issuer": self.issuer,
                "jwks_uri": f"{self.url}/.well-known/jwks",
                "subject_types_supported": ["public", "pairwise"],
                "response_types_supported": ["id_token"],
                "claims_supported": [
                    "sub",
                    "aud",
                    "exp",
                    "iat",
                    "iss",
                    "jti",
                    "nbf",
                    "ref",
                    "repository",
                    "repository_id",
                    "repository_owner",
                    "repository_owner_id",
                    "run_id",
                    "run_number",
                    "run_attempt",
                    "actor",
                    "actor_id",
                    "workflow",
                    "workflow_ref",
                    "workflow_sha",
                    "head_ref",
                    "base_ref",
                    "event_name",
                    "ref_type",
                    "environment",
                    "environment_node_id",
                    "job_workflow_ref",
                    "job_workflow_sha",
                    "repository_visibility",
                    "runner_environment",
                    "check_run_id",
                ],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid"],
            }
        )

    def _on_jwks(self, request: Request) -> Response:
        return _json(self.jwks())


_ROUTES = Map(
    [
        Rule(
            _TOKEN_PATH.replace("{plan}", "<plan>").replace("{job}", "<job>"),
            endpoint="token",
            methods=["GET"],
        ),
        Rule("/.well-known/openid-configuration", endpoint="discovery", methods=["GET"]),
        Rule("/.well-known/jwks", endpoint="jwks", methods=["GET"]),
    ]
)


def _json(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
