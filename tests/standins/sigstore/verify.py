"""PyPI's side of PEP 740: the checks Warehouse runs on uploaded attestations.

:func:`attestation_verifier` builds the ``PyPI.attestation_verifier`` callable:
Warehouse's ``IntegrityService.parse_attestations`` (parse, count, verify each,
predicate types) with its exact texts, where verifying is pypi-attestations'
``Attestation.verify`` step for step, but against a given trusted root instead
of the production one that pypi-attestations hard-codes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

import sigstore.errors
from packaging.utils import parse_sdist_filename, parse_wheel_filename
from pydantic import TypeAdapter, ValidationError
from pypi_attestations import (
    Attestation,
    AttestationBundle,
    AttestationType,
    Distribution,
    Provenance,
    VerificationError,
)
from pypi_attestations import GitHubPublisher as GitHubIdentity
from sigstore.dsse import _Statement
from sigstore.models import TrustedRoot
from sigstore.verify import Verifier

from tests.standins.pypi.state import GitHubPublisher, StoredFile

__all__ = ["attestation_verifier", "provenance", "verify_attestation"]

AttestationVerifier = Callable[[list[object], StoredFile, GitHubPublisher], str | None]
SUPPORTED_PREDICATE_TYPES = {AttestationType.PYPI_PUBLISH_V1, AttestationType.SLSA_PROVENANCE_V1}
_DSSE_PAYLOAD_TYPE = "application/vnd.in-toto+json"
_ATTESTATIONS = TypeAdapter(list[Attestation])


def attestation_verifier(trusted_root: TrustedRoot) -> AttestationVerifier:
    """The callable the PyPI stand-in asks; ``None`` means the attestations are accepted."""
    verifier = Verifier(trusted_root=trusted_root)

    def check(
        attestations: list[object], stored: StoredFile, publisher: GitHubPublisher
    ) -> str | None:
        return _parse_attestations(verifier, attestations, stored, publisher)

    return check


def identity(publisher: GitHubPublisher) -> GitHubIdentity:
    """Warehouse's ``attestation_identity`` for a GitHub trusted publisher."""
    return GitHubIdentity(
        repository=f"{publisher.owner}/{publisher.repository}",
        workflow=publisher.workflow,
        environment=publisher.environment or None,
    )


def provenance(
    attestations: Sequence[Mapping[str, object]], publisher: GitHubPublisher
) -> dict[str, object]:
    """The PEP 740 provenance object Warehouse stores for a file (for the integrity API)."""
    bundle = AttestationBundle(
        publisher=identity(publisher), attestations=_ATTESTATIONS.validate_python(attestations)
    )
    document: dict[str, object] = Provenance(attestation_bundles=[bundle]).model_dump(mode="json")
    return document


class _Invalid(Exception):
    """An ``AttestationUploadError``: its text follows PyPI's prefix verbatim."""


def _parse_attestations(
    verifier: Verifier, raw: list[object], stored: StoredFile, publisher: GitHubPublisher
) -> str | None:
    try:
        attestations = _extract(raw)
        _verify_each(verifier, attestations, stored, publisher)
    except _Invalid as exc:
        return str(exc)
    return None


def _extract(raw: list[object]) -> list[Attestation]:
    """``_extract_attestations_from_request`` after the trusted-publishing checks."""
    try:
        attestations = _ATTESTATIONS.validate_json(json.dumps(raw))
    except ValidationError as exc:
        raise _Invalid(f"Malformed attestations: {exc}") from exc
    if not attestations:
        raise _Invalid("Malformed attestations: an empty attestation set is not permitted")
    limit = len(SUPPORTED_PREDICATE_TYPES)
    if len(attestations) > limit:
        raise _Invalid(f"A maximum of {limit} attestations per file are supported")
    return attestations


def _verify_each(
    verifier: Verifier,
    attestations: list[Attestation],
    stored: StoredFile,
    publisher: GitHubPublisher,
) -> None:
    """``IntegrityService.parse_attestations``' loop."""
    expected = identity(publisher)
    distribution = Distribution(name=stored.filename, digest=stored.sha256)
    seen: set[str] = set()
    for attestation in attestations:
        try:
            predicate_type = verify_attestation(verifier, attestation, expected, distribution)
        except VerificationError as exc:
            raise _Invalid(
                f"Could not verify the uploaded artifact using the included attestation: {exc}"
            ) from exc
        except Exception as exc:  # Warehouse reports any other failure this way
            raise _Invalid(
                f"Unknown error while trying to verify included attestations: {exc}"
            ) from exc
        if predicate_type not in SUPPORTED_PREDICATE_TYPES:
            raise _Invalid(f"Attestation with unsupported predicate type: {predicate_type}")
        if predicate_type in seen:
            raise _Invalid(
                "Multiple attestations for the same file with the same predicate type "
                f"({predicate_type}) are not supported"
            )
        seen.add(predicate_type)


def verify_attestation(
    verifier: Verifier, attestation: Attestation, expected: GitHubIdentity, dist: Distribution
) -> str:
    """``Attestation.verify`` (pypi-attestations 0.0.30) with ``verifier``; the predicate type."""
    policy = expected._as_policy()
    bundle = attestation.to_bundle()  # ConversionError escapes, as it does there
    try:
        payload_type, payload = verifier.verify_dsse(bundle, policy)
    except sigstore.errors.VerificationError as err:
        raise VerificationError(str(err)) from err
    if payload_type != _DSSE_PAYLOAD_TYPE:
        raise VerificationError(f"expected JSON envelope, got {payload_type}")
    try:
        statement = _Statement.model_validate_json(payload)
    except ValidationError as exc:
        raise VerificationError(f"invalid statement: {exc!s}") from exc
    if len(statement.subjects) != 1:
        raise VerificationError("too many subjects in statement (must be exactly one)")
    subject = statement.subjects[0]
    if not subject.name:
        raise VerificationError("invalid subject: missing name")
    try:
        parsed_subject = _parse_filename(subject.name)
    except ValueError as exc:
        raise VerificationError(f"invalid subject: {exc!s}") from exc
    if parsed_subject != _parse_filename(dist.name):
        raise VerificationError(
            f"subject does not match distribution name: {subject.name} != {dist.name}"
        )
    digest = subject.digest.root.get("sha256")
    if digest is None or digest != dist.digest:
        raise VerificationError("subject does not match distribution digest")
    try:
        AttestationType(statement.predicate_type)
    except ValueError:
        raise VerificationError(f"unknown attestation type: {statement.predicate_type}") from None
    return statement.predicate_type


def _parse_filename(name: str) -> tuple[object, ...]:
    if name.endswith(".whl"):
        return parse_wheel_filename(name)
    if name.endswith((".tar.gz", ".zip")):
        return parse_sdist_filename(name)
    raise ValueError(f"unknown distribution format: {name}")
