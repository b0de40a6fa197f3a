"""Fulcio's ``POST /api/v2/signingCert`` on 127.0.0.1, as sigstore-python calls it.

The bearer token is verified the way Fulcio verifies it (issuer known, signature
against the issuer's JWKS found through its discovery document, ``aud`` equal to
``sigstore``, not expired); failures answer with Fulcio's gRPC-gateway error
JSON and its message texts (``pkg/server/error.go``). A valid request gets a
leaf certificate for the CSR's key with an embedded SCT, and the chain.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.standins.server import Served
from tests.standins.sigstore.ca import CertificateAuthority, MissingClaim
from tests.standins.sigstore.faults import Faults

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["Fulcio", "IssuedCertificate"]

CLIENT_ID = "sigstore"
CERTIFICATE_LIFETIME = dt.timedelta(minutes=10)
# pkg/server/error.go
INVALID_IDENTITY_TOKEN = "There was an error processing the identity token"
INVALID_CSR = "The certificate signing request could not be parsed"
INVALID_SIGNATURE = "The signature supplied in the request could not be verified"
INSECURE_PUBLIC_KEY = "The public key supplied in the request is insecure"
_INVALID_ARGUMENT = 3  # gRPC codes, as the gateway puts them into the JSON body
_UNAVAILABLE = 14


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: x509.Certificate
    claims: Mapping[str, object]  # the verified token's claims (jti, exp, ...)


class _Refused(Exception):
    def __init__(self, message: str, status: int = 400, code: int = _INVALID_ARGUMENT) -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


class Fulcio(Served):
    """The CA's HTTP face plus what tests inspect: requests seen, certificates issued."""

    def __init__(
        self,
        ca: CertificateAuthority,
        oidc_issuers: Mapping[str, str],
        *,
        fetch_jwks: Callable[[str], Mapping[str, object]] | None = None,
    ) -> None:
        self.ca = ca
        # issuer URL -> base URL where its discovery document is served.
        self.oidc_issuers = dict(oidc_issuers)
        self._fetch_jwks = fetch_jwks or _fetch_jwks
        self.faults = Faults()
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.certificate_requests = 0
            self.issued: list[IssuedCertificate] = []
            self.certificate_lifetime = CERTIFICATE_LIFETIME
            self._expired_next = 0
        self.faults.clear()

    def issue_expired_next(self, count: int = 1) -> None:
        """Make the next ``count`` certificates already expired when they are handed out."""
        with self._lock:
            self._expired_next += count

    # -- serving ------------------------------------------------------------------
    def _wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        try:
            _ROUTES.bind_to_environ(environ).match()
            response = self._on_signing_cert(request)
        except HTTPException as exc:
            response = _error(exc.description or "", exc.code or 500, 5)
        except _Refused as exc:
            response = _error(exc.message, exc.status, exc.code)
        return response(environ, start_response)

    def _on_signing_cert(self, request: Request) -> Response:
        with self._lock:
            self.certificate_requests += 1
        status = self.faults.take()
        if status is not None:
            raise _Refused("service unavailable", status, _UNAVAILABLE)
        claims = self._authenticate(request.headers.get("Authorization", ""))
        public_key = _public_key_from(request.get_data())
        try:
            certificate = self.ca.issue(
                public_key,
                claims,
                not_before=self._not_before(),
                lifetime=self.certificate_lifetime,
            )
        except MissingClaim as exc:  # Fulcio's GitHub principal needs these claims
            raise _Refused(INVALID_IDENTITY_TOKEN) from exc
        with self._lock:
            self.issued.append(IssuedCertificate(certificate, claims))
        chain = [certificate, *self.ca.chain]
        pems = [c.public_bytes(serialization.Encoding.PEM).decode() for c in chain]
        body = {"signedCertificateEmbeddedSct": {"chain": {"certificates": pems}}}
        return Response(json.dumps(body), status=201, content_type="application/json")

    def _not_before(self) -> dt.datetime:
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        with self._lock:
            if self._expired_next:
                self._expired_next -= 1
                return now - self.certificate_lifetime - dt.timedelta(minutes=1)
        return now

    def _authenticate(self, authorization: str) -> dict[str, object]:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _Refused(INVALID_IDENTITY_TOKEN)
        return _verify_token(token.strip(), self.oidc_issuers, self._fetch_jwks)


def _verify_token(
    token: str,
    issuers: Mapping[str, str],
    fetch_jwks: Callable[[str], Mapping[str, object]],
) -> dict[str, object]:
    """go-oidc's checks: known issuer, signature by a key of its JWKS, audience, expiry."""
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        if not isinstance(issuer, str) or issuer not in issuers:
            raise _Refused(INVALID_IDENTITY_TOKEN)
        kid = jwt.get_unverified_header(token).get("kid")
        keys = fetch_jwks(issuers[issuer]).get("keys")
        if not isinstance(keys, list):
            raise _Refused(INVALID_IDENTITY_TOKEN)
        matching = [k for k in keys if isinstance(k, dict) and k.get("kid") == kid]
        if not matching:
            raise _Refused(INVALID_IDENTITY_TOKEN)
        claims: dict[str, object] = jwt.decode(
            token,
            key=jwt.PyJWK(matching[0]),
            algorithms=["RS256", "ES256"],
            audience=CLIENT_ID,
            issuer=issuer,
            options={"require": ["iss", "sub", "aud", "exp", "iat"], "strict_aud": False},
        )
    except (jwt.PyJWTError, ValueError, OSError) as exc:
        raise _Refused(INVALID_IDENTITY_TOKEN) from exc
    return claims


def _public_key_from(body: bytes) -> ec.EllipticCurvePublicKey | rsa.RSAPublicKey:
    try:
        encoded = json.loads(body)["certificateSigningRequest"]
        csr = x509.load_pem_x509_csr(base64.b64decode(encoded, validate=True))
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise _Refused(INVALID_CSR) from exc
    key = csr.public_key()
    secure = isinstance(key, ec.EllipticCurvePublicKey) or (
        isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048
    )
    if not secure:
        raise _Refused(INSECURE_PUBLIC_KEY)
    if not csr.is_signature_valid:
        raise _Refused(INVALID_SIGNATURE)
    assert isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey)
    return key


def _fetch_jwks(discovery_base: str) -> Mapping[str, object]:
    with requests.Session() as session:
        session.trust_env = False
        config = session.get(f"{discovery_base}/.well-known/openid-configuration", timeout=5)
        jwks: Mapping[str, object] = session.get(config.json()["jwks_uri"], timeout=5).json()
        return jwks


def _error(message: str, status: int, code: int) -> Response:
    body = json.dumps({"code": code, "message": message, "details": []})
    return Response(body, status=status, content_type="application/json")


_ROUTES = Map([Rule("/api/v2/signingCert", endpoint="signing_cert", methods=["POST"])])
