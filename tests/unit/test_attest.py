"""Signing and pre-upload verification, with the real sigstore client against the stand-ins."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sigstore.models import ClientTrustConfig

from tests.standins.dists import make_sdist, make_wheel
from tests.standins.github_oidc import GitHubOIDC
from tests.standins.sigstore import Sigstore
from trusted_publish import attest
from trusted_publish.attest import AttestationFile, Publisher
from trusted_publish.errors import PublishError
from trusted_publish.secret import Secret

PUBLISHER = Publisher("octo-org/hello-trusted-publish", "release.yml")


@pytest.fixture
def trust_config(sigstore_trust_config: Path) -> ClientTrustConfig:
    return attest.load_trust_config(sigstore_trust_config)


@pytest.fixture
def packages(tmp_path: Path) -> Path:
    directory = tmp_path / "dist"
    directory.mkdir()
    make_wheel(directory)
    make_sdist(directory)
    return directory


def tokens_from(github: GitHubOIDC) -> Callable[[], Secret]:
    return lambda: Secret(github.mint("sigstore"))


def sign(
    packages: Path,
    trust_config: ClientTrustConfig,
    github: GitHubOIDC,
    on_signed: Callable[[AttestationFile], None] | None = None,
) -> list[AttestationFile]:
    files = sorted(packages.iterdir())
    out = packages.parent / "attestations"
    return attest.sign(files, out, tokens_from(github), trust_config, on_signed=on_signed)


def refusal(raised: pytest.ExceptionInfo[PublishError]) -> tuple[str, str, str]:
    diagnosis = raised.value.diagnosis
    return diagnosis.key, diagnosis.happened, diagnosis.fix


# -- signing ---------------------------------------------------------------------------


def test_every_file_signed_with_one_certificate(
    sigstore: Sigstore, github: GitHubOIDC, trust_config: ClientTrustConfig, tmp_path: Path
) -> None:
    packages = tmp_path / "dist"
    packages.mkdir()
    for version in range(12):
        make_wheel(packages, version=f"1.0.{version}")
    before = sorted(packages.iterdir())
    heard: list[AttestationFile] = []

    signed = sign(packages, trust_config, github, on_signed=heard.append)

    assert sigstore.fulcio.certificate_requests == 1
    assert len(github.issued) == 1
    assert heard == signed
    assert sorted(packages.iterdir()) == before  # nothing written next to the distributions
    assert [s.log_index for s in signed] == list(range(12))
    for result, distribution in zip(signed, before, strict=True):
        assert result.distribution == distribution
        assert result.path == tmp_path / "attestations" / f"{distribution.name}.publish.attestation"
        assert result.predicate_type == "https://docs.pypi.org/attestations/publish/v1"
        assert attest.verify(result.path, distribution, PUBLISHER, trust_config) == result
    assert sorted(p.name for p in (tmp_path / "attestations").iterdir()) == sorted(
        f"{d.name}.publish.attestation" for d in before
    )


def test_attestations_are_never_written_into_the_packages_directory(
    github: GitHubOIDC, trust_config: ClientTrustConfig, packages: Path
) -> None:
    with pytest.raises(ValueError, match="next to the distributions"):
        attest.sign(sorted(packages.iterdir()), packages, tokens_from(github), trust_config)


def test_expired_identity_token_is_replaced_when_the_certificate_runs_out(
    sigstore: Sigstore, github: GitHubOIDC, trust_config: ClientTrustConfig, packages: Path
) -> None:
    # A certificate with 31 s left is renewed 30 s before it expires, so it lasts for
    # one file; the token it was made with expires while that file is signed.
    sigstore.fulcio.certificate_lifetime = dt.timedelta(seconds=31)
    asked: list[tuple[float, int]] = []

    def short_lived_token() -> Secret:
        expires = int(time.time()) + 2
        github.extra_claims["exp"] = expires
        asked.append((time.time(), expires))
        return Secret(github.mint("sigstore"))

    def wait_for_the_token_to_expire(_: AttestationFile) -> None:
        if len(asked) == 1:
            time.sleep(asked[0][1] - time.time() + 0.05)

    signed = attest.sign(
        sorted(packages.iterdir()),
        packages.parent / "out",
        short_lived_token,
        trust_config,
        on_signed=wait_for_the_token_to_expire,
    )

    assert len(asked) == 2
    assert asked[1][0] > asked[0][1]  # the first token had expired when the second was asked for
    assert sigstore.fulcio.certificate_requests == 2
    jtis = {c.claims["jti"] for c in sigstore.fulcio.issued}
    assert len(jtis) == 2
    for result in signed:
        attest.verify(result.path, result.distribution, PUBLISHER, trust_config)


def test_certificate_found_expired_while_signing_is_renewed(
    sigstore: Sigstore, github: GitHubOIDC, trust_config: ClientTrustConfig, packages: Path
) -> None:
    sigstore.fulcio.issue_expired_next(1)  # sigstore notices only when it signs with it

    signed = sign(packages, trust_config, github)

    assert sigstore.fulcio.certificate_requests == 2
    assert [e.log_index for e in sigstore.rekor.entries] == [0, 1]
    for result in signed:
        attest.verify(result.path, result.distribution, PUBLISHER, trust_config)


def test_a_token_expired_on_arrival_is_asked_for_again(
    sigstore: Sigstore, github: GitHubOIDC, trust_config: ClientTrustConfig, packages: Path
) -> None:
    github.clock_skew = -400

    def token() -> Secret:
        minted = Secret(github.mint("sigstore"))
        github.clock_skew = 0
        return minted

    sign_all = attest.sign(sorted(packages.iterdir()), packages.parent / "out", token, trust_config)

    assert len(sign_all) == 2
    assert len(github.issued) == 2
    assert sigstore.fulcio.certificate_requests == 1


def test_tokens_that_are_always_expired_point_at_the_clock(
    sigstore: Sigstore, github: GitHubOIDC, trust_config: ClientTrustConfig, packages: Path
) -> None:
    github.clock_skew = -400

    with pytest.raises(PublishError) as raised:
        sign(packages, trust_config, github)

    key, happened, _ = refusal(raised)
    assert key == "attest-identity-token-failed"
    assert "the identity token expired at " in happened
    assert "is this machine's clock right?" in happened
    assert sigstore.fulcio.certificate_requests == 0


def test_a_token_for_the_wrong_audience_is_refused_without_showing_it(
    sigstore: Sigstore, github: GitHubOIDC, trust_config: ClientTrustConfig, packages: Path
) -> None:
    token = github.mint("pypi")

    with pytest.raises(PublishError) as raised:
        attest.sign(
            [*packages.iterdir()], packages.parent / "out", lambda: Secret(token), trust_config
        )

    key, happened, _ = refusal(raised)
    assert (key, happened) == (
        "attest-identity-token-failed",
        "Requesting the OIDC token for sigstore failed: its audience is 'pypi', sigstore needs "
        "'sigstore'",
    )
    assert token not in raised.value.diagnosis.as_text()
    assert sigstore.fulcio.certificate_requests == 0


@pytest.mark.parametrize(
    "refusal_case",
    [
        ("fulcio", "Fulcio refused the signing certificate (HTTP 503: service unavailable)"),
        ("rekor", "Rekor refused the transparency log entry (503: service unavailable)"),
    ],
)
def test_a_refusing_sigstore_service_fails_signing_clearly(
    sigstore: Sigstore,
    github: GitHubOIDC,
    trust_config: ClientTrustConfig,
    packages: Path,
    refusal_case: tuple[str, str],
) -> None:
    service, reason = refusal_case
    server = sigstore.fulcio if service == "fulcio" else sigstore.rekor
    server.faults.fail_next(1)

    with pytest.raises(PublishError) as raised:
        sign(packages, trust_config, github)

    key, happened, _ = refusal(raised)
    first = sorted(packages.iterdir())[0].name
    assert (key, happened) == (
        "attest-signing-failed",
        f"sigstore could not sign {first}: {reason}",
    )
    assert not (packages.parent / "attestations" / f"{first}.publish.attestation").exists()


def test_an_unreachable_sigstore_fails_signing_clearly(
    github: GitHubOIDC, sigstore: Sigstore, packages: Path, tmp_path: Path
) -> None:
    config = json.loads(sigstore.trust_config_json())
    config["signingConfig"]["caUrls"][0]["url"] = "http://127.0.0.1:9"  # discard: nothing listens
    path = tmp_path / "unreachable.json"
    path.write_text(json.dumps(config))

    with pytest.raises(PublishError) as raised:
        sign(packages, attest.load_trust_config(path), github)

    assert refusal(raised)[1].endswith("a sigstore service could not be reached (ConnectionError)")


# -- trust configuration ---------------------------------------------------------------


def test_trust_config_forces_rekor_v1(trust_config: ClientTrustConfig) -> None:
    assert trust_config.force_tlog_version == 1


def test_public_good_trust_root_out_of_reach_fails_signing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The real refresh, stopped by the network guard; TUF's cache goes to tmp_path.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    with pytest.raises(PublishError) as raised:
        attest.load_trust_config(None)

    assert refusal(raised)[:2] == (
        "attest-signing-failed",
        "sigstore could not sign the distributions: sigstore's trust root could not be "
        "refreshed (Failed to refresh TUF metadata)",
    )


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda c: "{not json", "Invalid JSON"),
        (
            lambda c: json.dumps(
                {**c, "signingConfig": {**c["signingConfig"], "rekorTlogUrls": []}}
            ),
            "No valid Rekor transparency log found in signing config; PyPI accepts Rekor v1 "
            "entries only, so it must list a v1 log",
        ),
    ],
)
def test_an_unusable_trust_config_is_refused(
    sigstore: Sigstore,
    tmp_path: Path,
    edit: Callable[[dict[str, dict[str, object]]], str],
    reason: str,
) -> None:
    path = tmp_path / "trust.json"
    path.write_text(edit(json.loads(sigstore.trust_config_json())))

    with pytest.raises(PublishError) as raised:
        attest.load_trust_config(path)

    key, happened, _ = refusal(raised)
    assert key == "sigstore-trust-config-invalid"
    assert happened.startswith(f"'{path}' is not a usable sigstore client trust configuration: ")
    assert reason in happened


# -- verification before upload -----------------------------------------------------------


@pytest.fixture
def signed(
    sigstore: Sigstore, github: GitHubOIDC, trust_config: ClientTrustConfig, packages: Path
) -> AttestationFile:
    return sign(packages, trust_config, github)[0]


@pytest.mark.parametrize(
    ("publisher", "difference"),
    [
        (
            Publisher("octo-org/other", "release.yml"),
            "repository: the certificate says 'octo-org/hello-trusted-publish', the upload is "
            "from 'octo-org/other'",
        ),
        (
            Publisher("octo-org/hello-trusted-publish", "publish.yml"),
            "workflow: the certificate says 'release.yml', the upload is from 'publish.yml'",
        ),
    ],
)
def test_verification_names_what_differs_from_the_publisher(
    signed: AttestationFile,
    trust_config: ClientTrustConfig,
    publisher: Publisher,
    difference: str,
) -> None:
    with pytest.raises(PublishError) as raised:
        attest.verify(signed.path, signed.distribution, publisher, trust_config)

    key, happened, fix = refusal(raised)
    assert key == "attest-verification-failed"
    assert happened == (
        f"{signed.path.name} does not verify for {signed.distribution.name}: {difference}"
    )
    assert fix.startswith("Let the action sign in this job")


def test_verification_accepts_another_environment_as_pypi_does(
    signed: AttestationFile, trust_config: ClientTrustConfig
) -> None:
    # Certificates name the environment (1.3.6.1.4.1.57264.1.23) but PyPI's policy
    # ignores it: refusing here would stop uploads PyPI accepts.
    publisher = Publisher("octo-org/hello-trusted-publish", "release.yml", "pypi")

    assert attest.verify(signed.path, signed.distribution, publisher, trust_config) == signed


def test_verification_explains_reusable_workflows(
    sigstore: Sigstore, github: GitHubOIDC, trust_config: ClientTrustConfig, packages: Path
) -> None:
    github.configure(workflow="ci.yml", called_workflow="release.yml")
    result = sign(packages, trust_config, github)[0]

    with pytest.raises(PublishError) as raised:
        attest.verify(result.path, result.distribution, PUBLISHER, trust_config)

    _, happened, fix = refusal(raised)
    assert happened.endswith(
        "workflow: the certificate says 'ci.yml', the upload is from 'release.yml'"
    )
    assert fix.startswith(
        "PyPI matches attestations to the workflow that started the run ('ci.yml'), but the "
        "upload to the reusable workflow it calls ('release.yml')"
    )


def test_verification_catches_a_file_changed_after_signing(
    signed: AttestationFile, trust_config: ClientTrustConfig
) -> None:
    signed_digest = hashlib.sha256(signed.distribution.read_bytes()).hexdigest()
    with signed.distribution.open("ab") as stream:
        stream.write(b"\0")
    digest = hashlib.sha256(signed.distribution.read_bytes()).hexdigest()

    with pytest.raises(PublishError) as raised:
        attest.verify(signed.path, signed.distribution, PUBLISHER, trust_config)

    _, happened, fix = refusal(raised)
    name = signed.distribution.name
    assert happened.endswith(f"it attests sha256 {signed_digest}, but {name} has sha256 {digest}")
    assert fix.startswith("The file changed after it was signed")


def test_verification_catches_a_tampered_signature(
    signed: AttestationFile, trust_config: ClientTrustConfig
) -> None:
    document = json.loads(signed.path.read_text())
    signature = bytearray(base64.b64decode(document["envelope"]["signature"]))
    signature[10] ^= 0xFF
    document["envelope"]["signature"] = base64.b64encode(bytes(signature)).decode()
    signed.path.write_text(json.dumps(document))

    with pytest.raises(PublishError) as raised:
        attest.verify(signed.path, signed.distribution, PUBLISHER, trust_config)

    _, happened, fix = refusal(raised)
    assert ": Verification failed: " in happened
    assert fix.startswith("It does not verify against the sigstore trust root in use")


# -- attestations made by an earlier job --------------------------------------------------


def test_existing_attestations_are_verified_as_they_are(
    signed: AttestationFile, trust_config: ClientTrustConfig
) -> None:
    found = attest.verify_existing(signed.distribution, [signed.path], PUBLISHER, trust_config)

    assert found == [signed]


def test_an_invalid_existing_attestation_is_refused(
    signed: AttestationFile, trust_config: ClientTrustConfig
) -> None:
    signed.path.write_text('{"version": 1}')

    with pytest.raises(PublishError) as raised:
        attest.verify_existing(signed.distribution, [signed.path], PUBLISHER, trust_config)

    key, happened, _ = refusal(raised)
    assert key == "attest-existing-invalid"
    assert happened == (
        f"{signed.path.name} cannot be used: it is not a PEP 740 attestation "
        "(verification_material: Field required, and 1 more problem)"
    )


def test_existing_attestations_follow_pypis_limits(
    signed: AttestationFile, trust_config: ClientTrustConfig, tmp_path: Path
) -> None:
    copies = []
    for n in range(3):
        copy = tmp_path / f"{signed.distribution.name}.copy{n}.attestation"
        copy.write_bytes(signed.path.read_bytes())
        copies.append(copy)

    with pytest.raises(PublishError) as too_many:
        attest.verify_existing(signed.distribution, copies, PUBLISHER, trust_config)
    with pytest.raises(PublishError) as same_kind:
        attest.verify_existing(signed.distribution, copies[:2], PUBLISHER, trust_config)

    assert "PyPI accepts at most 2 per file" in refusal(too_many)[1]
    assert "PyPI accepts one attestation per type" in refusal(same_kind)[1]


def test_publisher_from_token_claims(github: GitHubOIDC) -> None:
    from trusted_publish.oidc import decode_claims

    github.configure(environment="pypi")
    claims = decode_claims(Secret(github.mint("sigstore")))

    assert Publisher.from_claims(claims) == Publisher(
        "octo-org/hello-trusted-publish", "release.yml", "pypi"
    )
