"""Child process of the signing benchmark: sign and verify every file in a directory, as the
publish step does, and print the time of each stage as one JSON line.

Run with the project venv's python in a job environment (``World.job_environment``):
``python bench/sign_driver.py <dist dir> <attestation dir>``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main(dist_dir: Path, out_dir: Path) -> int:
    started = time.perf_counter()
    import pypi_attestations  # noqa: F401 -- timed with the rest of the signing path
    import sigstore.sign  # noqa: F401

    from trusted_publish import attest
    from trusted_publish.inputs import read_runner
    from trusted_publish.oidc import ambient_token, decode_claims
    from trusted_publish.secret import Secret

    imported = time.perf_counter()
    trust = attest.load_trust_config(Path(os.environ["INPUT_SIGSTORE-TRUST-CONFIG"]))
    trusted = time.perf_counter()
    job = read_runner().job

    def identity_token() -> Secret:
        return ambient_token(attest.SIGSTORE_AUDIENCE, job)

    publisher = attest.Publisher.from_claims(decode_claims(identity_token()))
    files = sorted(dist_dir.iterdir())
    before_signing = time.perf_counter()
    made = attest.sign(files, out_dir, identity_token, trust)
    signed = time.perf_counter()
    for attestation in made:
        attest.verify(attestation.path, attestation.distribution, publisher, trust)
    verified = time.perf_counter()
    if len(made) != len(files):
        print(f"signed {len(made)} of {len(files)} files", file=sys.stderr)
        return 1
    stages = {
        "import": imported - started,
        "trust": trusted - imported,
        "sign": signed - before_signing,
        "verify": verified - signed,
    }
    print(json.dumps(stages), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
