"""Fulcio's certificate authority: a root, an intermediate, and short-lived leaf certificates.

Leaves carry what Fulcio puts into a GitHub Actions certificate (SAN URI, the
``1.3.6.1.4.1.57264.1.*`` claims, KeyUsage and EKU) and an embedded SCT from a
local CT log key, built as RFC 6962 describes: the log signs the certificate's
TBS without the SCT list, then the list is added as the last extension.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Mapping, Sequence

from cryptography import x509
from cryptography.hazmat import asn1
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.standins.sigstore.keys import SigningKey, signing_key

__all__ = ["CertificateAuthority", "MissingClaim", "github_extensions"]

GITHUB_URL = "https://github.com"
_SCT_LIST_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
_FULCIO = "1.3.6.1.4.1.57264.1."
# Deprecated GitHub extensions (raw bytes, no DER): still issued by Fulcio.
_RAW_CLAIMS = {
    "1": "iss",
    "2": "event_name",
    "3": "sha",
    "4": "workflow",
    "5": "repository",
    "6": "ref",
}


class MissingClaim(ValueError):
    """The token lacks a claim Fulcio needs for a GitHub Actions certificate."""


def github_extensions(claims: Mapping[str, object]) -> list[x509.Extension[x509.ExtensionType]]:
    """Fulcio's GitHub Actions claim extensions (``docs/oid-info.md`` mapping table)."""

    def claim(name: str) -> str:
        value = claims.get(name)
        if not isinstance(value, str) or not value:
            raise MissingClaim(name)
        return value

    runs = f"{claim('repository')}/actions/runs/{claim('run_id')}/attempts/{claim('run_attempt')}"
    utf8: dict[str, str] = {
        "8": claim("iss"),
        "9": f"{GITHUB_URL}/{claim('job_workflow_ref')}",
        "10": claim("job_workflow_sha"),
        "11": claim("runner_environment"),
        "12": f"{GITHUB_URL}/{claim('repository')}",
        "13": claim("sha"),
        "14": claim("ref"),
        "15": claim("repository_id"),
        "16": f"{GITHUB_URL}/{claim('repository_owner')}",
        "17": claim("repository_owner_id"),
        "18": f"{GITHUB_URL}/{claim('workflow_ref')}",  # the top-level workflow, not the job's
        "19": claim("workflow_sha"),
        "20": claim("event_name"),
        "21": f"{GITHUB_URL}/{runs}",
        "22": claim("repository_visibility"),
    }
    environment = claims.get("environment")
    if isinstance(environment, str) and environment:
        utf8["23"] = environment  # Deployment Environment
    extensions = [
        _extension(_FULCIO + arc, claim(name).encode()) for arc, name in _RAW_CLAIMS.items()
    ]
    extensions += [_extension(_FULCIO + arc, asn1.encode_der(v)) for arc, v in utf8.items()]
    return extensions


class CertificateAuthority:
    """Root and intermediate made once; :meth:`issue` signs leaves with an embedded SCT."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        now = now or dt.datetime.now(dt.timezone.utc)
        self.root_key = signing_key("fulcio-root")
        self.intermediate_key = signing_key("fulcio-intermediate")
        self.ct_log_key = signing_key("ct-log")
        self.valid_from = now - dt.timedelta(days=1)
        self.root = _ca_certificate(
            "sigstore-standin-root", self.root_key, self.root_key, None, self.valid_from, 1
        )
        self.intermediate = _ca_certificate(
            "sigstore-standin-intermediate",
            self.intermediate_key,
            self.root_key,
            self.root,
            self.valid_from,
            0,
        )

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """Intermediate first, root last: the order of Fulcio's answer and of trust roots."""
        return (self.intermediate, self.root)

    def issue(
        self,
        public_key: CertificatePublicKeyTypes,
        claims: Mapping[str, object],
        *,
        not_before: dt.datetime,
        lifetime: dt.timedelta,
    ) -> x509.Certificate:
        """A leaf for ``public_key`` describing the token's identity, valid for ``lifetime``."""
        extensions = _leaf_extensions(public_key, claims, self.intermediate_key)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.intermediate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_before + lifetime)
        )
        for extension in extensions:
            builder = builder.add_extension(extension.value, critical=extension.critical)
        precertificate = builder.sign(self.intermediate_key.private, hashes.SHA256())
        sct_list = self._sct_list(precertificate.tbs_certificate_bytes, not_before)
        leaf = builder.add_extension(
            x509.UnrecognizedExtension(_SCT_LIST_OID, asn1.encode_der(sct_list)), critical=False
        ).sign(self.intermediate_key.private, hashes.SHA256())
        assert leaf.tbs_precertificate_bytes == precertificate.tbs_certificate_bytes
        return leaf

    def _sct_list(self, tbs: bytes, when: dt.datetime) -> bytes:
        """A one-entry SignedCertificateTimestampList (RFC 6962 §3.2-3.3) for a precert."""
        # Whole seconds: sigstore rebuilds the signed timestamp from a float.
        timestamp = int(when.timestamp()) * 1000
        issuer_key_hash = self.intermediate_key.key_id
        signed = (
            struct.pack("!BBQH", 0, 0, timestamp, 1)  # v1, certificate_timestamp, precert_entry
            + issuer_key_hash
            + len(tbs).to_bytes(3, "big")
            + tbs
            + struct.pack("!H", 0)  # no extensions
        )
        signature = self.ct_log_key.sign(signed)
        sct = (
            struct.pack("!B", 0)
            + self.ct_log_key.key_id
            + struct.pack("!QH", timestamp, 0)
            + struct.pack("!BBH", 4, 3, len(signature))  # sha256, ecdsa
            + signature
        )
        return struct.pack("!HH", len(sct) + 2, len(sct)) + sct


def _extension(oid: str, value: bytes) -> x509.Extension[x509.ExtensionType]:
    identifier = x509.ObjectIdentifier(oid)
    return x509.Extension(identifier, False, x509.UnrecognizedExtension(identifier, value))


def _leaf_extensions(
    public_key: CertificatePublicKeyTypes, claims: Mapping[str, object], issuer: SigningKey
) -> Sequence[x509.Extension[x509.ExtensionType]]:
    job_workflow_ref = claims.get("job_workflow_ref")
    if not isinstance(job_workflow_ref, str) or not job_workflow_ref:
        raise MissingClaim("job_workflow_ref")
    san = x509.SubjectAlternativeName(
        [x509.UniformResourceIdentifier(f"{GITHUB_URL}/{job_workflow_ref}")]
    )
    fixed: list[tuple[x509.ExtensionType, bool]] = [
        (_key_usage(digital_signature=True), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False),
        (x509.SubjectKeyIdentifier.from_public_key(public_key), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public), False),
        (san, True),  # critical: the subject is empty
    ]
    return [x509.Extension(v.oid, critical, v) for v, critical in fixed] + github_extensions(claims)


def _ca_certificate(  # noqa: PLR0917
    name: str,
    key: SigningKey,
    issuer_key: SigningKey,
    issuer: x509.Certificate | None,
    valid_from: dt.datetime,
    path_length: int,
) -> x509.Certificate:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigstore.standin"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_from + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public), critical=False
        )
    )
    if issuer is not None:  # Fulcio's intermediate is restricted to code signing
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
        )
    return builder.sign(issuer_key.private, hashes.SHA256())


def _key_usage(
    *, digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )
