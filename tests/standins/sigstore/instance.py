"""One local sigstore instance: Fulcio and Rekor served side by side, and their trust config."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tests.standins.sigstore.ca import CertificateAuthority
from tests.standins.sigstore.fulcio import Fulcio
from tests.standins.sigstore.rekor import Rekor
from tests.standins.sigstore.trust import client_trust_config

if TYPE_CHECKING:
    from sigstore.models import ClientTrustConfig, TrustedRoot

__all__ = ["Sigstore"]


class Sigstore:
    """Fulcio + Rekor v1 on loopback; ``oidc_issuers`` maps issuer URL -> discovery base URL."""

    def __init__(self, oidc_issuers: Mapping[str, str]) -> None:
        self.ca = CertificateAuthority()
        self.fulcio = Fulcio(self.ca, oidc_issuers)
        self.rekor = Rekor()

    def serve(self) -> Sigstore:
        self.fulcio.serve()
        self.rekor.serve()
        return self

    def stop(self) -> None:
        self.fulcio.stop()
        self.rekor.stop()

    def reset(self) -> None:
        """Empty log, zero counters, no faults, default certificate lifetime."""
        self.fulcio.reset()
        self.rekor.reset()

    def trust_config_json(self) -> str:
        config = client_trust_config(self.ca, self.fulcio.url, self.rekor.key, self.rekor.url)
        return json.dumps(config, indent=2)

    def write_trust_config(self, path: Path) -> Path:
        path.write_text(self.trust_config_json(), encoding="utf-8")
        return path

    def trust_config(self) -> ClientTrustConfig:
        from sigstore.models import ClientTrustConfig

        return ClientTrustConfig.from_json(self.trust_config_json())

    @property
    def trusted_root(self) -> TrustedRoot:
        return self.trust_config().trusted_root
