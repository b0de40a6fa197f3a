"""Local sigstore stand-ins: Fulcio, Rekor v1, their trust config, and PyPI's attestation checks."""

from tests.standins.sigstore.fulcio import Fulcio, IssuedCertificate
from tests.standins.sigstore.instance import Sigstore
from tests.standins.sigstore.rekor import LogEntry, Rekor

__all__ = ["Fulcio", "IssuedCertificate", "LogEntry", "Rekor", "Sigstore"]
