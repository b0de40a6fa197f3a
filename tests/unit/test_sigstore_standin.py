"""The local Fulcio and Rekor serve the real sigstore client; PyPI's checks run on the result."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from pypi_attestations import Attestation, Distribution, GitHubPublisher
from sigstore.errors import VerificationError
from sigstore.oidc import IdentityToken
from sigstore.sign import SigningContext
from sigstore.verify import Verifier, policy

from tests.fixtures.sigstore import install_attestation_verifier
from tests.standins.dists import make_sdist, make_wheel
from tests.standins.github_oidc import GITHUB_ISSUER, GitHubOIDC
from tests.standins.pypi import PyPI
from tests.standins.pypi.state import GitHubPublisher as StoredPublisher
from tests.standins.pypi.state import StoredFile
from tests.standins.sigstore import Sigstore
from tests.standins.sigstore.merkle import MerkleTree, leaf_hash
from tests.standins.sigstore.verify import attestation_verifier, provenance

REPOSITORY = "octo-org/hello-trusted-publish"
PUBLISH = "https://docs.pypi.org/attestations/publish/v1"


def attest(sigstore: Sigstore, github: GitHubOIDC, *paths: Path) -> list[Attestation]:
    context = SigningContext.from_trust_config(sigstore.trust_config())
    with context.signer(IdentityToken(github.mint("sigstore"))) as signer:
        return [Attestation.sign(signer, Distribution.from_file(p)) for p in paths]


def publisher_policy(
    repository: str = REPOSITORY, workflow: str = "release.yml"
) -> policy.VerificationPolicy:
    return GitHubPublisher(repository=repository, workflow=workflow)._as_policy()


def csr_body() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .sign(key, hashes.SHA256())
    )
    pem = csr.public_bytes(serialization.Encoding.PEM)
    return json.dumps({"certificateSigningRequest": base64.b64encode(pem).decode()}).encode()


def ask_fulcio(sigstore: Sigstore, token: str, body: bytes | None = None) -> requests.Response:
    return requests.post(
        f"{sigstore.fulcio.url}/api/v2/signingCert",
        data=body or csr_body(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=10,
    )


# -- the real client against the stand-ins ----------------------------------------------


def test_real_client_signs_and_a_verifier_on_the_local_root_accepts(
    sigstore: Sigstore, github: GitHubOIDC, tmp_path: Path
) -> None:
    wheel = make_wheel(tmp_path)
    context = SigningContext.from_trust_config(sigstore.trust_config())
    with context.signer(IdentityToken(github.mint("sigstore"))) as signer:
        attestation = Attestation.sign(signer, Distribution.from_file(wheel))
        blob = signer.sign_artifact(b"some bytes")

    verifier = Verifier(trusted_root=sigstore.trusted_root)
    payload_type, payload = verifier.verify_dsse(attestation.to_bundle(), publisher_policy())
    identity = f"https://github.com/{REPOSITORY}/.github/workflows/release.yml@refs/tags/v1.0.0"
    verifier.verify_artifact(
        b"some bytes", blob, policy.Identity(identity=identity, issuer=GITHUB_ISSUER)
    )

    assert payload_type == "application/vnd.in-toto+json"
    assert (
        json.loads(payload)["subject"][0]["digest"]["sha256"]
        == hashlib.sha256(wheel.read_bytes()).hexdigest()
    )
    assert sigstore.fulcio.certificate_requests == 1
    assert [(e.kind, e.log_index) for e in sigstore.rekor.entries] == [
        ("dsse", 0),
        ("hashedrekord", 1),
    ]


def test_certificate_is_what_fulcio_issues_for_github_actions(
    sigstore: Sigstore, github: GitHubOIDC
) -> None:
    github.configure(environment="pypi")

    response = ask_fulcio(sigstore, github.mint("sigstore"))

    assert response.status_code == 201
    pems = response.json()["signedCertificateEmbeddedSct"]["chain"]["certificates"]
    leaf, intermediate, root = (x509.load_pem_x509_certificate(p.encode()) for p in pems)
    leaf.verify_directly_issued_by(intermediate)
    intermediate.verify_directly_issued_by(root)
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc == dt.timedelta(minutes=10)
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.critical
    assert san.value.get_values_for_type(x509.UniformResourceIdentifier) == [
        f"https://github.com/{REPOSITORY}/.github/workflows/release.yml@refs/tags/v1.0.0"
    ]
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert (
        ExtendedKeyUsageOID.CODE_SIGNING
        in leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    assert (
        len(
            leaf.extensions.get_extension_for_class(
                x509.PrecertificateSignedCertificateTimestamps
            ).value
        )
        == 1
    )
    claims = {
        e.oid.dotted_string: e.value.value
        for e in leaf.extensions
        if isinstance(e.value, x509.UnrecognizedExtension)
    }
    fulcio = "1.3.6.1.4.1.57264.1."
    assert claims[fulcio + "8"] == b"\x0c" + bytes([len(GITHUB_ISSUER)]) + GITHUB_ISSUER.encode()
    assert claims[fulcio + "12"].endswith(f"https://github.com/{REPOSITORY}".encode())
    assert claims[fulcio + "13"].endswith(github.identity.sha.encode())
    assert claims[fulcio + "14"].endswith(b"refs/tags/v1.0.0")
    assert claims[fulcio + "23"].endswith(b"pypi")
    assert claims[fulcio + "1"] == GITHUB_ISSUER.encode()  # deprecated form: raw bytes
    assert [c.claims["jti"] for c in sigstore.fulcio.issued] == [
        jwt.decode(github.issued[-1], options={"verify_signature": False})["jti"]
    ]


def test_build_config_names_the_top_level_workflow_of_a_reusable_one(
    sigstore: Sigstore, github: GitHubOIDC, tmp_path: Path
) -> None:
    github.configure(workflow="ci.yml", called_workflow="release.yml")
    [attestation] = attest(sigstore, github, make_wheel(tmp_path))

    claims = attestation.certificate_claims

    assert claims["1.3.6.1.4.1.57264.1.9"].endswith(
        "/.github/workflows/release.yml@refs/tags/v1.0.0"
    )
    assert claims["1.3.6.1.4.1.57264.1.18"].endswith("/.github/workflows/ci.yml@refs/tags/v1.0.0")


def test_wrong_publisher_is_rejected(
    sigstore: Sigstore, github: GitHubOIDC, tmp_path: Path
) -> None:
    [attestation] = attest(sigstore, github, make_wheel(tmp_path))
    verifier = Verifier(trusted_root=sigstore.trusted_root)

    with pytest.raises(VerificationError, match="OIDCSourceRepositoryURI does not match"):
        verifier.verify_dsse(attestation.to_bundle(), publisher_policy(repository="octo-org/other"))
    with pytest.raises(VerificationError, match="does not match expected Trusted Publisher"):
        verifier.verify_dsse(attestation.to_bundle(), publisher_policy(workflow="other.yml"))


def test_tampered_statement_is_rejected(
    sigstore: Sigstore, github: GitHubOIDC, tmp_path: Path
) -> None:
    [attestation] = attest(sigstore, github, make_wheel(tmp_path))
    statement = json.loads(attestation.envelope.statement)
    statement["subject"][0]["digest"]["sha256"] = "0" * 64
    attestation.envelope.statement = json.dumps(statement).encode()

    with pytest.raises(VerificationError):
        Verifier(trusted_root=sigstore.trusted_root).verify_dsse(
            attestation.to_bundle(), publisher_policy()
        )


# -- Fulcio refuses bad requests as Fulcio does --------------------------------------------

TOKEN_ERROR = {
    "code": 3,
    "message": "There was an error processing the identity token",
    "details": [],
}


def test_fulcio_refuses_a_token_for_another_audience(
    sigstore: Sigstore, github: GitHubOIDC
) -> None:
    response = ask_fulcio(sigstore, github.mint("pypi"))

    assert (response.status_code, response.json()) == (400, TOKEN_ERROR)
    assert sigstore.fulcio.issued == []


def test_fulcio_refuses_an_expired_token(sigstore: Sigstore, github: GitHubOIDC) -> None:
    github.clock_skew = -301

    response = ask_fulcio(sigstore, github.mint("sigstore"))

    assert (response.status_code, response.json()) == (400, TOKEN_ERROR)


def test_fulcio_refuses_a_token_with_a_bad_signature(
    sigstore: Sigstore, github: GitHubOIDC
) -> None:
    genuine = jwt.decode(github.mint("sigstore"), options={"verify_signature": False})
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(genuine, forger, algorithm="RS256", headers={"kid": github.kid})

    response = ask_fulcio(sigstore, forged)

    assert (response.status_code, response.json()) == (400, TOKEN_ERROR)


def test_fulcio_refuses_an_unparseable_csr(sigstore: Sigstore, github: GitHubOIDC) -> None:
    response = ask_fulcio(
        sigstore, github.mint("sigstore"), b'{"certificateSigningRequest": "not base64!"}'
    )

    assert response.status_code == 400
    assert response.json()["message"] == "The certificate signing request could not be parsed"


def test_fault_switches_answer_503_then_recover(
    sigstore: Sigstore, github: GitHubOIDC, tmp_path: Path
) -> None:
    sigstore.fulcio.faults.fail_next(1)
    sigstore.rekor.faults.fail_next(2)

    refused = ask_fulcio(sigstore, github.mint("sigstore"))
    entry = requests.post(f"{sigstore.rekor.url}/api/v1/log/entries", json={}, timeout=10)

    assert (refused.status_code, entry.status_code) == (503, 503)
    assert entry.json() == {"code": 503, "message": "service unavailable"}
    assert sigstore.rekor.faults.take() == 503  # one left
    assert len(attest(sigstore, github, make_wheel(tmp_path))) == 1


# -- Rekor's log -------------------------------------------------------------------------


def _reference_root(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(
        b"\x01" + _reference_root(leaves[:k]) + _reference_root(leaves[k:])
    ).digest()


def _root_from_proof(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2 verification."""
    node, last, result = index, size - 1, leaf_hash(leaf)
    for sibling in proof:
        if node % 2 == 1 or node == last:
            result = hashlib.sha256(b"\x01" + sibling + result).digest()
            while node % 2 == 0 and node != 0:
                node, last = node >> 1, last >> 1
        else:
            result = hashlib.sha256(b"\x01" + result + sibling).digest()
        node, last = node >> 1, last >> 1
    return result


def test_merkle_tree_roots_and_inclusion_proofs_follow_rfc_6962() -> None:
    tree = MerkleTree()
    leaves = [f"entry {i}".encode() for i in range(21)]
    for i, leaf in enumerate(leaves):
        assert tree.append(leaf) == i
        size = i + 1
        assert tree.root() == _reference_root(leaves[:size])
        for index in range(size):
            assert (
                _root_from_proof(index, size, leaves[index], tree.inclusion_proof(index))
                == tree.root()
            )


def test_rekor_refuses_an_envelope_whose_signature_does_not_verify(
    sigstore: Sigstore, github: GitHubOIDC
) -> None:
    certificate = ask_fulcio(sigstore, github.mint("sigstore")).json()[
        "signedCertificateEmbeddedSct"
    ]["chain"]["certificates"][0]
    envelope = {
        "payload": base64.b64encode(b"{}").decode(),
        "payloadType": "application/vnd.in-toto+json",
        "signatures": [{"sig": base64.b64encode(b"x" * 64).decode()}],
    }
    proposed = {
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "proposedContent": {
                "envelope": json.dumps(envelope),
                "verifiers": [base64.b64encode(certificate.encode()).decode()],
            }
        },
    }

    response = requests.post(f"{sigstore.rekor.url}/api/v1/log/entries", json=proposed, timeout=10)

    assert response.status_code == 400
    assert sigstore.rekor.entries == []


# -- PyPI's checks ---------------------------------------------------------------------


@pytest.fixture
def stored(tmp_path: Path) -> StoredFile:
    wheel = make_wheel(tmp_path)
    data = wheel.read_bytes()
    return StoredFile(
        filename=wheel.name,
        project=wheel.name.split("-")[0].replace("_", "-"),  # type: ignore[arg-type]
        version="1.0.0",
        packagetype="bdist_wheel",
        python_version="py3",
        requires_python=None,
        size=len(data),
        md5=hashlib.md5(data).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        blake2_256=hashlib.blake2b(data, digest_size=32).hexdigest(),
        path=wheel,
        upload_time=dt.datetime.now(dt.timezone.utc),
    )


PUBLISHER = StoredPublisher("octo-org", "hello-trusted-publish", "1342004", "release.yml")


def as_json(attestation: Attestation) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(attestation.model_dump_json())
    return document


def test_pypi_accepts_a_good_attestation(
    sigstore: Sigstore, github: GitHubOIDC, stored: StoredFile
) -> None:
    [attestation] = attest(sigstore, github, stored.path)

    assert (
        attestation_verifier(sigstore.trusted_root)([as_json(attestation)], stored, PUBLISHER)
        is None
    )


def test_pypi_explains_a_wrong_publisher(
    sigstore: Sigstore, github: GitHubOIDC, stored: StoredFile
) -> None:
    github.configure(repository_name="other")
    [attestation] = attest(sigstore, github, stored.path)

    problem = attestation_verifier(sigstore.trusted_root)([as_json(attestation)], stored, PUBLISHER)

    assert problem == (
        "Could not verify the uploaded artifact using the included attestation: Verification "
        "failed: Certificate's OIDCSourceRepositoryURI does not match (got "
        "https://github.com/octo-org/other, expected https://github.com/octo-org/hello-trusted-publish)"
    )


def test_pypi_explains_a_tampered_attestation(
    sigstore: Sigstore, github: GitHubOIDC, stored: StoredFile
) -> None:
    [attestation] = attest(sigstore, github, stored.path)
    raw = as_json(attestation)
    signature = bytearray(base64.b64decode(raw["envelope"]["signature"]))
    signature[-1] ^= 1
    raw["envelope"]["signature"] = base64.b64encode(bytes(signature)).decode()

    problem = attestation_verifier(sigstore.trusted_root)([raw], stored, PUBLISHER)

    assert problem is not None
    assert problem.startswith(
        "Could not verify the uploaded artifact using the included attestation: "
        "Verification failed: "
    )


def test_pypi_explains_a_digest_mismatch(
    sigstore: Sigstore, github: GitHubOIDC, stored: StoredFile, tmp_path: Path
) -> None:
    [attestation] = attest(sigstore, github, make_sdist(tmp_path))
    other = StoredFile(
        **{**stored.__dict__, "filename": attestation.statement["subject"][0]["name"]}
    )

    problem = attestation_verifier(sigstore.trusted_root)([as_json(attestation)], other, PUBLISHER)

    assert problem == (
        "Could not verify the uploaded artifact using the included attestation: "
        "Verification failed: subject does not match distribution digest"
    )


GOOD_SHAPE = {
    "version": 1,
    "verification_material": {"certificate": "AAAA", "transparency_entries": [{}]},
    "envelope": {"statement": "AAAA", "signature": "AAAA"},
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            [{}],
            "Malformed attestations: 3 validation errors for list[Attestation]\n0.version\n"
            "  Field required",
        ),
        (
            [{**GOOD_SHAPE, "version": 2}],
            "Malformed attestations: 1 validation error for list[Attestation]\n0.version\n"
            "  Input should be 1",
        ),
        (
            [
                {
                    **GOOD_SHAPE,
                    "verification_material": {"certificate": "", "transparency_entries": []},
                }
            ],
            "Malformed attestations: 1 validation error for list[Attestation]\n"
            "0.verification_material.transparency_entries\n  List should have at least 1 item",
        ),
        (
            [GOOD_SHAPE],
            "Unknown error while trying to verify included attestations: invalid X.509 certificate",
        ),
    ],
)
def test_pypi_explains_malformed_attestations(
    sigstore: Sigstore, stored: StoredFile, raw: list[object], expected: str
) -> None:
    problem = attestation_verifier(sigstore.trusted_root)(raw, stored, PUBLISHER)

    assert problem is not None
    assert problem.startswith(expected)


def test_pypi_limits_the_number_and_kinds_of_attestations(
    sigstore: Sigstore, github: GitHubOIDC, stored: StoredFile
) -> None:
    first, second, third = (
        as_json(a) for a in attest(sigstore, github, stored.path, stored.path, stored.path)
    )
    check = attestation_verifier(sigstore.trusted_root)

    assert (
        check([first, second, third], stored, PUBLISHER)
        == "A maximum of 2 attestations per file are supported"
    )
    assert check([first, second], stored, PUBLISHER) == (
        "Multiple attestations for the same file with the same predicate type "
        f"({PUBLISH}) are not supported"
    )


def test_provenance_is_warehouses_shape(
    sigstore: Sigstore, github: GitHubOIDC, stored: StoredFile
) -> None:
    [attestation] = attest(sigstore, github, stored.path)

    document = provenance([as_json(attestation)], PUBLISHER)

    assert document["version"] == 1
    bundles = document["attestation_bundles"]
    assert isinstance(bundles, list)
    [bundle] = bundles
    assert bundle["publisher"] == {
        "kind": "GitHub",
        "repository": REPOSITORY,
        "workflow": "release.yml",
        "environment": None,
    }
    assert bundle["attestations"] == [as_json(attestation)]


def test_the_pypi_standin_checks_uploaded_attestations(
    pypi: PyPI, sigstore: Sigstore, github: GitHubOIDC, tmp_path: Path
) -> None:
    install_attestation_verifier(pypi, sigstore)
    pypi.add_publisher("hello-trusted-publish")
    wheel = make_wheel(tmp_path)
    [good] = attest(sigstore, github, wheel)
    github.configure(workflow="other.yml")
    [wrong] = attest(sigstore, github, wheel)

    def upload(attestation: Attestation) -> requests.Response:
        minted = requests.post(
            f"{pypi.url}/_/oidc/mint-token", json={"token": github.mint("pypi")}, timeout=10
        )
        data = {
            ":action": "file_upload",
            "protocol_version": "1",
            "metadata_version": "2.4",
            "name": "hello-trusted-publish",
            "version": "1.0.0",
            "filetype": "bdist_wheel",
            "pyversion": "py3",
            "sha256_digest": hashlib.sha256(wheel.read_bytes()).hexdigest(),
            "attestations": json.dumps([as_json(attestation)]),
        }
        with wheel.open("rb") as stream:
            return requests.post(
                pypi.upload_url,
                data=data,
                files={"content": (wheel.name, stream, "application/octet-stream")},
                auth=("__token__", minted.json()["token"]),
                timeout=10,
            )

    github.configure(workflow="release.yml")
    refused = upload(wrong)
    accepted = upload(good)

    assert refused.status_code == 400
    assert refused.reason.startswith(
        "Invalid attestations supplied during upload: Could not verify the uploaded artifact "
        "using the included attestation: Verification failed: Certificate's Build Config URI"
    )
    assert accepted.status_code == 200
    [stored_file] = pypi.files("hello-trusted-publish")
    assert stored_file.attestations == [as_json(good)]
