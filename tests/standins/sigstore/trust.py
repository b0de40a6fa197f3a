"""The ClientTrustConfig JSON that points sigstore-python at the local Fulcio and Rekor.

Shape: ``sigstore_models.trustroot.v1.ClientTrustConfig`` (a trusted root with
the Rekor log key, the CA chain and the CT log key; a v0.2 signing config with
one CA, one Rekor v1 log and no timestamp authority).
"""

from __future__ import annotations

import base64
import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.standins.sigstore.ca import CertificateAuthority
from tests.standins.sigstore.keys import SigningKey

__all__ = ["client_trust_config"]

CLIENT_TRUST_CONFIG = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
TRUSTED_ROOT = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
SIGNING_CONFIG = "application/vnd.dev.sigstore.signingconfig.v0.2+json"
OPERATOR = "sigstore.standin"


def client_trust_config(
    ca: CertificateAuthority, fulcio_url: str, rekor_key: SigningKey, rekor_url: str
) -> dict[str, object]:
    valid_for = {"start": _timestamp(ca.valid_from)}
    return {
        "mediaType": CLIENT_TRUST_CONFIG,
        "trustedRoot": {
            "mediaType": TRUSTED_ROOT,
            "tlogs": [_log(rekor_url, rekor_key, valid_for)],
            "certificateAuthorities": [
                {
                    "subject": {"organization": "sigstore.standin", "commonName": "sigstore"},
                    "uri": fulcio_url,
                    "certChain": {"certificates": [{"rawBytes": _der(c)} for c in ca.chain]},
                    "validFor": valid_for,
                }
            ],
            "ctlogs": [_log(fulcio_url, ca.ct_log_key, valid_for)],
            "timestampAuthorities": [],
        },
        "signingConfig": {
            "mediaType": SIGNING_CONFIG,
            "caUrls": [_service(fulcio_url, valid_for)],
            "oidcUrls": [],
            "rekorTlogUrls": [_service(rekor_url, valid_for)],
            "tsaUrls": [],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaConfig": {"selector": "ANY"},
        },
    }


def _log(url: str, key: SigningKey, valid_for: dict[str, str]) -> dict[str, object]:
    return {
        "baseUrl": url,
        "hashAlgorithm": "SHA2_256",
        "publicKey": {
            "rawBytes": base64.b64encode(key.spki).decode(),
            "keyDetails": "PKIX_ECDSA_P256_SHA_256",
            "validFor": valid_for,
        },
        "logId": {"keyId": base64.b64encode(key.key_id).decode()},
    }


def _service(url: str, valid_for: dict[str, str]) -> dict[str, object]:
    return {"url": url, "majorApiVersion": 1, "validFor": valid_for, "operator": OPERATOR}


def _der(certificate: x509.Certificate) -> str:
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def _timestamp(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
