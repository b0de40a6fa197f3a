"""The stand-ins' signing keys: one P-256 key per role, made once per test process."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

__all__ = ["Role", "SigningKey", "signing_key"]

Role = Literal["fulcio-root", "fulcio-intermediate", "ct-log", "rekor"]


@dataclass(frozen=True)
class SigningKey:
    """An ECDSA P-256 key, named the way sigstore names log keys (sha256 of the SPKI)."""

    private: ec.EllipticCurvePrivateKey

    @property
    def public(self) -> ec.EllipticCurvePublicKey:
        return self.private.public_key()

    @property
    def spki(self) -> bytes:
        """DER SubjectPublicKeyInfo, as a trust root's ``publicKey.rawBytes`` holds it."""
        return self.public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def key_id(self) -> bytes:
        """RFC 6962 key ID: the log ID in SCTs and Rekor entries."""
        return hashlib.sha256(self.spki).digest()

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data, ec.ECDSA(hashes.SHA256()))


@functools.cache
def signing_key(role: Role) -> SigningKey:
    """The key for ``role``; the same object for the whole test session."""
    return SigningKey(ec.generate_private_key(ec.SECP256R1()))
