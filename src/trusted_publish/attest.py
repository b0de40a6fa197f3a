"""PEP 740 attestations: sign every distribution in one sigstore session, verify before upload.

Signing asks Fulcio for one certificate and logs one Rekor v1 entry per file;
the certificate is renewed, with a fresh identity token, only when it is about
to expire. Verification repeats what PyPI does with an upload's attestations
(pypi-attestations' checks against the trusted publisher and the file's digest)
before anything is sent, and says precisely what differs.

sigstore and pypi-attestations are imported inside the functions that use them:
importing them costs a quarter of a second that ``--help`` should not pay.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from trusted_publish.errors import PublishError, failure
from trusted_publish.retry import RETRYABLE_STATUSES, Transient
from trusted_publish.secret import Secret

if TYPE_CHECKING:
    from cryptography import x509
    from pypi_attestations import Attestation, Distribution
    from sigstore.models import ClientTrustConfig
    from sigstore.oidc import IdentityToken
    from sigstore.sign import Signer, SigningContext
    from sigstore.verify import Verifier

    from trusted_publish.oidc import Claims

__all__ = [
    "PUBLISH_SUFFIX",
    "SIGSTORE_AUDIENCE",
    "AttestationFile",
    "Publisher",
    "Retrying",
    "load_trust_config",
    "sign",
    "verify",
    "verify_existing",
]

T = TypeVar("T")


class Retrying(Protocol):
    """Runs an attempt that raises ``Transient`` when worth repeating (``Client.retrying``)."""

    def __call__(self, attempt: Callable[[], T], /) -> T: ...


SIGSTORE_AUDIENCE = "sigstore"
PUBLISH_SUFFIX = ".publish.attestation"
PUBLISH_PREDICATE = "https://docs.pypi.org/attestations/publish/v1"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
_REKOR_VERSION = 1  # PyPI accepts Rekor v1 (dsse 0.0.1) entries only, so far
_RENEW_BEFORE_EXPIRY = dt.timedelta(seconds=30)  # so no log entry outlives its certificate
_MAX_PER_FILE = 2  # PyPI: one attestation per supported predicate type
_IN_TOTO = "application/vnd.in-toto+json"
_CLAIM = "1.3.6.1.4.1.57264.1."  # Fulcio's certificate extensions
_WORKFLOW_URI = re.compile(r"^https://github\.com/[^/]+/[^/]+/\.github/workflows/([^@]+)@")
_FIX_SIGN_HERE = (
    "Let the action sign in this job (remove the attestation files made elsewhere), or "
    "upload from the workflow that made them; to upload without attestations set "
    "`attestations: false`."
)
_FIX_STALE = (
    "The file changed after it was signed (rebuilt, or taken from another build). Attest "
    "the exact files you upload: remove the stale attestation, or rebuild and sign again."
)
_FIX_UNVERIFIABLE = (
    "It does not verify against the sigstore trust root in use: it was modified, or made "
    "with another sigstore instance. Let the action sign again, or set `attestations: false`."
)


@dataclass(frozen=True)
class Publisher:
    """The trusted publisher an upload is matched to; PyPI checks attestations against it."""

    repository: str  # owner/name
    workflow: str  # the workflow's file name, as PyPI takes it from job_workflow_ref
    environment: str | None = None  # recorded by PyPI, but not part of the check

    @classmethod
    def from_claims(cls, claims: Claims) -> Publisher:
        return cls(claims.repository, claims.workflow_filename, claims.environment or None)


@dataclass(frozen=True)
class AttestationFile:
    """A verified attestation for ``distribution``, stored at ``path``."""

    distribution: Path
    path: Path
    log_index: int  # its entry in the Rekor transparency log
    predicate_type: str


class _Rejected(Exception):
    """Why an attestation would not pass PyPI's checks, and what to do about it."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.reason, self.fix = reason, fix


# -- trust configuration ---------------------------------------------------------------


def load_trust_config(path: Path | None) -> ClientTrustConfig:
    """The sigstore instance to use: ``path``'s ClientTrustConfig, or the public-good one.

    The public-good configuration is refreshed from sigstore's TUF repository, a
    network call: load it only once attestations will really be made.
    """
    from sigstore.errors import Error as SigstoreError  # noqa: PLC0415

    shown = str(path) if path else "(public-good instance)"
    try:
        config = _read_trust_config(path)
        config.force_tlog_version = _REKOR_VERSION
        config.signing_config  # noqa: B018 - selecting the services finds unusable configs
        config.trusted_root  # noqa: B018
    except (OSError, ValueError, SigstoreError) as exc:
        reason = _summary(exc)
        if "Rekor" in reason:
            reason += "; PyPI accepts Rekor v1 entries only, so it must list a v1 log"
        raise failure("sigstore-trust-config-invalid", path=shown, reason=reason) from exc
    return config


def _read_trust_config(path: Path | None) -> ClientTrustConfig:
    from sigstore.errors import Error as SigstoreError  # noqa: PLC0415
    from sigstore.models import ClientTrustConfig  # noqa: PLC0415

    if path is not None:
        return ClientTrustConfig.from_json(path.read_text(encoding="utf-8"))
    try:
        return ClientTrustConfig.production()
    except SigstoreError as exc:  # its TUF repository could not be reached
        reason = f"sigstore's trust root could not be refreshed ({_summary(exc)})"
        raise failure("attest-signing-failed", file="the distributions", reason=reason) from exc


# -- signing ---------------------------------------------------------------------------


def sign(
    distributions: Sequence[Path],
    out_dir: Path,
    identity_token: Callable[[], Secret],
    trust_config: ClientTrustConfig,
    *,
    on_signed: Callable[[AttestationFile], None] | None = None,
    retrying: Retrying | None = None,
    sha256: Mapping[Path, str] | None = None,
) -> list[AttestationFile]:
    """Attest each distribution; write ``<file>.publish.attestation`` into ``out_dir``.

    ``identity_token`` returns an OIDC token for audience ``sigstore``. It is
    called for each certificate: once, unless signing outlasts the certificate's
    10 minutes (the token itself is only checked when the certificate is made).
    ``on_signed`` hears about each file as soon as it is written; ``retrying``
    repeats sigstore calls that failed for a reason another attempt may not have;
    ``sha256`` gives digests already computed, so large files are not read again.
    """
    from sigstore.sign import SigningContext  # noqa: PLC0415

    if any(path.parent.resolve() == out_dir.resolve() for path in distributions):
        msg = "attestations must not be written next to the distributions"
        raise ValueError(msg)
    out_dir.mkdir(parents=True, exist_ok=True)
    session = _SigningSession(
        SigningContext.from_trust_config(trust_config), identity_token, retrying or _once
    )
    results: list[AttestationFile] = []
    known = sha256 or {}
    for path in distributions:
        attestation = session.attest(path, known.get(path))
        target = out_dir / f"{path.name}{PUBLISH_SUFFIX}"
        _write_atomically(target, attestation.model_dump_json())
        result = AttestationFile(path, target, _log_index(attestation), PUBLISH_PREDICATE)
        results.append(result)
        if on_signed is not None:
            on_signed(result)
    return results


class _SigningSession:
    """One Signer (an ephemeral key and its certificate) for as many files as it lasts."""

    def __init__(
        self,
        context: SigningContext,
        identity_token: Callable[[], Secret],
        retrying: Retrying,
    ) -> None:
        self._context = context
        self._identity_token = identity_token
        self._retrying = retrying
        self._signer: Signer | None = None
        self._expires: dt.datetime | None = None

    def attest(self, path: Path, sha256: str | None) -> Attestation:
        from pypi_attestations import Attestation, AttestationError  # noqa: PLC0415
        from sigstore._internal.fulcio import ExpiredCertificate  # noqa: PLC0415
        from sigstore.oidc import ExpiredIdentity  # noqa: PLC0415

        try:
            dist = _distribution(path, sha256)
        except OSError as exc:
            raise failure("attest-signing-failed", file=path.name, reason=exc.strerror) from exc
        try:
            signer = self._current(path.name)
            attestation = self._call(path.name, lambda: Attestation.sign(signer, dist))
        except AttestationError as exc:
            # Signer._signing_cert found the cached certificate expired after all.
            if not isinstance(exc.__context__, ExpiredCertificate | ExpiredIdentity):
                raise failure("attest-signing-failed", file=path.name, reason=str(exc)) from exc
            signer = self._renew(path.name)
            try:
                attestation = self._call(path.name, lambda: Attestation.sign(signer, dist))
            except AttestationError as again:
                reason = "the new certificate had expired before it was used; is the clock right?"
                raise failure("attest-signing-failed", file=path.name, reason=reason) from again
        self._expires = _certificate(attestation).not_valid_after_utc
        return attestation

    def _current(self, file: str) -> Signer:
        now = dt.datetime.now(dt.timezone.utc)
        if self._signer is None or (
            self._expires is not None and now + _RENEW_BEFORE_EXPIRY >= self._expires
        ):
            return self._renew(file)
        return self._signer

    def _renew(self, file: str) -> Signer:
        """A new ephemeral key and certificate, requested with a fresh identity token."""
        from sigstore.oidc import ExpiredIdentity  # noqa: PLC0415
        from sigstore.sign import Signer  # noqa: PLC0415

        self._signer, self._expires = None, None
        for attempt in range(2):
            token = _identity(self._identity_token)
            try:
                self._signer = self._call(file, functools.partial(Signer, token, self._context))
            except ExpiredIdentity:  # it expired between sigstore's two checks
                if attempt:
                    reason = "every token had expired before Fulcio was asked"
                    raise failure("attest-identity-token-failed", reason=reason) from None
                continue
            return self._signer
        raise AssertionError  # pragma: no cover - the loop returns or raises

    def _call(self, file: str, call: Callable[[], T]) -> T:
        return self._retrying(lambda: _sigstore_call(file, call))


def _once(attempt: Callable[[], T]) -> T:
    """No retries: a transient failure is final at once."""
    try:
        return attempt()
    except Transient as transient:
        if transient.final is None:
            raise
        raise transient.final from transient


def _identity(identity_token: Callable[[], Secret]) -> IdentityToken:
    """sigstore's IdentityToken for a fresh token; one more token if the first was expired."""
    from sigstore.oidc import IdentityError, IdentityToken  # noqa: PLC0415

    problem = ""
    for _ in range(2):
        secret = identity_token()
        problem = _validity_problem(secret)
        if problem:
            continue
        try:
            return IdentityToken(secret.reveal())
        except IdentityError as exc:  # its messages never quote the token
            raise failure(
                "attest-identity-token-failed", reason=_token_problem(secret, exc)
            ) from None
    reason = f"the identity token {problem}; is this machine's clock right?"
    raise failure("attest-identity-token-failed", reason=reason)


def _sigstore_call(file: str, call: Callable[[], T]) -> T:
    """Run a sigstore call; refusals by Fulcio or Rekor and network errors become failures."""
    import requests  # noqa: PLC0415
    from pypi_attestations import AttestationError  # noqa: PLC0415
    from sigstore._internal.fulcio.client import FulcioClientError  # noqa: PLC0415
    from sigstore._internal.rekor import RekorClientError  # noqa: PLC0415
    from sigstore.errors import Error as SigstoreError  # noqa: PLC0415

    try:
        return call()
    except AttestationError:
        raise  # the caller knows which of these is an expired certificate
    except FulcioClientError as exc:
        reason = f"Fulcio refused the signing certificate ({_http_detail(exc)})"
        raise _maybe_transient(
            exc, failure("attest-signing-failed", file=file, reason=reason)
        ) from exc
    except RekorClientError as exc:
        reason = f"Rekor refused the transparency log entry ({exc})"
        raise _maybe_transient(
            exc, failure("attest-signing-failed", file=file, reason=reason)
        ) from exc
    except requests.RequestException as exc:
        reason = f"a sigstore service could not be reached ({type(exc).__name__})"
        final = failure("attest-signing-failed", file=file, reason=reason)
        raise Transient(final, f"signing {file}: {reason}") from exc
    except (SigstoreError, ValueError, KeyError) as exc:
        reason = f"unexpected answer from a sigstore service ({_summary(exc)})"
        raise failure("attest-signing-failed", file=file, reason=reason) from exc


def _maybe_transient(exc: BaseException, final: PublishError) -> PublishError | Transient:
    """A sigstore service's 429/5xx is worth another attempt; other refusals are final."""
    import requests  # noqa: PLC0415

    http_error = exc.__cause__ or exc.__context__
    if isinstance(http_error, requests.HTTPError) and http_error.response is not None:
        status = http_error.response.status_code
        if status in RETRYABLE_STATUSES:
            return Transient(final, f"a sigstore service answered {status}")
    return final


def _write_atomically(target: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(temporary).replace(target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        reason = f"could not write {target}: {exc.strerror}"
        raise failure("attest-signing-failed", file=target.name, reason=reason) from exc


# -- verification ------------------------------------------------------------------------


def verify(
    attestation_file: Path,
    distribution: Path,
    publisher: Publisher,
    trust_config: ClientTrustConfig,
    sha256: str | None = None,
) -> AttestationFile:
    """Check ``attestation_file`` as PyPI will for ``distribution`` uploaded by ``publisher``."""
    try:
        return _check(attestation_file, distribution, publisher, _verifier(trust_config), sha256)
    except _Rejected as exc:
        raise failure(
            "attest-verification-failed",
            attestation=attestation_file.name,
            file=distribution.name,
            reason=exc.reason,
            repository=publisher.repository,
            workflow=publisher.workflow,
            environment=publisher.environment or "(none)",
            fix=exc.fix,
        ) from exc


def verify_existing(
    distribution: Path,
    attestation_files: Sequence[Path],
    publisher: Publisher,
    trust_config: ClientTrustConfig,
    sha256: str | None = None,
) -> list[AttestationFile]:
    """Attestations made by an earlier job, checked as they are; any flaw refuses them."""
    names = ", ".join(p.name for p in attestation_files)
    if len(attestation_files) > _MAX_PER_FILE:
        count = len(attestation_files)
        reason = f"PyPI accepts at most {_MAX_PER_FILE} per file, {distribution.name} has {count}"
        raise failure("attest-existing-invalid", attestation=names, reason=reason)
    verifier = _verifier(trust_config)
    results: list[AttestationFile] = []
    for path in attestation_files:
        try:
            result = _check(path, distribution, publisher, verifier, sha256)
        except _Rejected as exc:
            raise failure(
                "attest-existing-invalid", attestation=path.name, reason=exc.reason
            ) from exc
        if any(r.predicate_type == result.predicate_type for r in results):
            reason = (
                f"PyPI accepts one attestation per type, these are both {result.predicate_type}"
            )
            raise failure("attest-existing-invalid", attestation=names, reason=reason)
        results.append(result)
    return results


def _distribution(path: Path, sha256: str | None) -> Distribution:
    """pypi-attestations' view of a file; hashed here only when no digest is known."""
    from pypi_attestations import Distribution  # noqa: PLC0415

    if sha256 is None:
        return Distribution.from_file(path)
    return Distribution(name=path.name, digest=sha256)


def _verifier(trust_config: ClientTrustConfig) -> Verifier:
    from sigstore.verify import Verifier  # noqa: PLC0415

    return Verifier(trusted_root=trust_config.trusted_root)


def _check(
    path: Path,
    distribution: Path,
    publisher: Publisher,
    verifier: Verifier,
    sha256: str | None,
) -> AttestationFile:
    """Name every difference PyPI would find, then verify exactly as PyPI does."""
    attestation = _load(path)
    dist = _distribution(distribution, sha256)
    differences = [
        *_subject_differences(attestation, dist),
        *_identity_differences(attestation, publisher),
    ]
    if differences:
        raise _Rejected("; ".join(text for text, _ in differences), differences[0][1])
    predicate_type = _verify_as_pypi(verifier, attestation, publisher, dist)
    return AttestationFile(distribution, path, _log_index(attestation), predicate_type)


def _load(path: Path) -> Attestation:
    from pydantic import ValidationError  # noqa: PLC0415
    from pypi_attestations import Attestation  # noqa: PLC0415

    try:
        return Attestation.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise _Rejected(f"it cannot be read ({exc.strerror})", _FIX_SIGN_HERE) from exc
    except ValidationError as exc:
        reason = f"it is not a PEP 740 attestation ({_summary(exc)})"
        raise _Rejected(reason, _FIX_SIGN_HERE) from exc


def _subject_differences(attestation: Attestation, dist: Distribution) -> list[tuple[str, str]]:
    """The (not yet verified) statement against the file; the full check follows."""
    try:
        subjects = json.loads(attestation.envelope.statement)["subject"]
        [subject] = subjects
        name, digest = subject["name"], subject["digest"]["sha256"]
    except (ValueError, KeyError, TypeError):
        return []  # malformed: the full check explains
    differences = []
    if not _same_distribution(name, dist.name):
        differences.append((f"it is for '{name}', not '{dist.name}'", _FIX_STALE))
    if digest != dist.digest:
        text = f"it attests sha256 {digest}, but {dist.name} has sha256 {dist.digest}"
        differences.append((text, _FIX_STALE))
    return differences


def _identity_differences(attestation: Attestation, publisher: Publisher) -> list[tuple[str, str]]:
    """What the certificate says about the signer, against the trusted publisher."""
    try:
        claims = attestation.certificate_claims
    except ValueError:
        return []  # not a certificate: the full check explains
    differences = []
    issuer = claims.get(_CLAIM + "8", "(none)")
    if issuer != GITHUB_ISSUER:
        differences.append(
            (f"it was signed by an identity from {issuer}, not GitHub Actions", _FIX_SIGN_HERE)
        )
    repository = claims.get(_CLAIM + "12", "").removeprefix("https://github.com/")
    if repository != publisher.repository:
        text = (
            f"repository: the certificate says '{repository}', "
            f"the upload is from '{publisher.repository}'"
        )
        differences.append((text, _FIX_SIGN_HERE))
    started = _workflow_file(claims.get(_CLAIM + "18", ""))  # the run's top-level workflow
    if started is not None and started != publisher.workflow:
        text = (
            f"workflow: the certificate says '{started}', the upload is from '{publisher.workflow}'"
        )
        signer = _workflow_file(claims.get(_CLAIM + "9", ""))  # the job's (reusable) workflow
        fix = (
            _reusable_fix(started, publisher.workflow)
            if signer == publisher.workflow
            else _FIX_SIGN_HERE
        )
        differences.append((text, fix))
    return differences


def _reusable_fix(started: str, reusable: str) -> str:
    return (
        f"PyPI matches attestations to the workflow that started the run ('{started}'), but "
        f"the upload to the reusable workflow it calls ('{reusable}'), so it would reject "
        "them. Publish from the top-level workflow, or set `attestations: false`."
    )


def _verify_as_pypi(
    verifier: Verifier, attestation: Attestation, publisher: Publisher, dist: Distribution
) -> str:
    """pypi-attestations' ``Attestation.verify`` (0.0.30), with ``verifier`` for production's.

    Its texts, so the reason matches what PyPI would answer; returns the predicate type.
    """
    from pypi_attestations import AttestationType, GitHubPublisher  # noqa: PLC0415
    from sigstore.dsse import _Statement  # noqa: PLC0415
    from sigstore.errors import Error as SigstoreError  # noqa: PLC0415
    from sigstore.errors import VerificationError  # noqa: PLC0415

    def failed(problem: str) -> _Rejected:
        return _Rejected(f"Verification failed: {problem}", _FIX_UNVERIFIABLE)

    policy = GitHubPublisher(repository=publisher.repository, workflow=publisher.workflow)
    try:
        payload_type, payload = verifier.verify_dsse(attestation.to_bundle(), policy._as_policy())
    except VerificationError as exc:
        raise failed(str(exc)) from exc
    except (SigstoreError, ValueError) as exc:  # not a bundle at all (ConversionError, ...)
        raise _Rejected(_summary(exc), _FIX_UNVERIFIABLE) from exc
    if payload_type != _IN_TOTO:
        raise failed(f"expected JSON envelope, got {payload_type}")
    try:
        statement = _Statement.model_validate_json(payload)
    except ValueError as exc:
        raise failed(f"invalid statement: {_summary(exc)}") from exc
    if len(statement.subjects) != 1:
        raise failed("too many subjects in statement (must be exactly one)")
    [subject] = statement.subjects
    if not subject.name or not _same_distribution(subject.name, dist.name):
        raise failed(f"subject does not match distribution name: {subject.name} != {dist.name}")
    if subject.digest.root.get("sha256") != dist.digest:
        raise failed("subject does not match distribution digest")
    try:
        return AttestationType(statement.predicate_type).value
    except ValueError:
        raise failed(f"unknown attestation type: {statement.predicate_type}") from None


# -- small helpers -----------------------------------------------------------------------


def _same_distribution(subject: str, filename: str) -> bool:
    """Equal as parsed filenames, as pypi-attestations compares them."""
    try:
        return _parse_filename(subject) == _parse_filename(filename)
    except ValueError:
        return subject == filename


def _parse_filename(name: str) -> tuple[object, ...]:
    from packaging.utils import parse_sdist_filename, parse_wheel_filename  # noqa: PLC0415

    if name.endswith(".whl"):
        return parse_wheel_filename(name)
    if name.endswith((".tar.gz", ".zip")):
        return parse_sdist_filename(name)
    msg = f"unknown distribution format: {name}"
    raise ValueError(msg)


def _workflow_file(uri: str) -> str | None:
    match = _WORKFLOW_URI.match(uri)
    return match.group(1) if match else None


def _log_index(attestation: Attestation) -> int:
    return int(attestation.verification_material.transparency_entries[0]["logIndex"])


def _certificate(attestation: Attestation) -> x509.Certificate:
    from cryptography import x509  # noqa: PLC0415

    return x509.load_der_x509_certificate(attestation.verification_material.certificate)


def _unverified_claims(token: Secret) -> dict[str, object]:
    try:
        payload = token.reveal().split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}


def _validity_problem(token: Secret) -> str:
    """Why sigstore would call the token expired (or not yet valid); empty if it would not."""
    claims = _unverified_claims(token)
    now = dt.datetime.now(dt.timezone.utc)
    expires, not_before = claims.get("exp"), claims.get("nbf")
    if isinstance(expires, int | float) and now.timestamp() >= expires:
        return f"expired at {_utc(expires)} (it is {_utc(now.timestamp())})"
    if isinstance(not_before, int | float) and now.timestamp() < not_before:
        return f"is not valid before {_utc(not_before)} (it is {_utc(now.timestamp())})"
    return ""


def _token_problem(token: Secret, exc: Exception) -> str:
    audience = _unverified_claims(token).get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if SIGSTORE_AUDIENCE not in audiences:
        return f"its audience is {audience!r}, sigstore needs {SIGSTORE_AUDIENCE!r}"
    return str(exc)


def _utc(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%H:%M:%S UTC")


def _http_detail(exc: BaseException) -> str:
    """Status and message of the HTTP error behind ``exc`` (sigstore drops Fulcio's message)."""
    import requests  # noqa: PLC0415

    cause = exc.__cause__
    if isinstance(cause, requests.HTTPError) and cause.response is not None:
        response = cause.response
        try:
            message = response.json().get("message")
        except (ValueError, AttributeError):
            message = None
        return f"HTTP {response.status_code}: {message or response.reason}"
    return _summary(exc)


def _summary(exc: BaseException) -> str:
    """One line: a validation error's first problem and where it is, else the first line."""
    from pydantic import ValidationError  # noqa: PLC0415

    if isinstance(exc, ValidationError) and exc.error_count():
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the document"
        more = exc.error_count() - 1
        more_text = f", and {more} more problem{'s' if more > 1 else ''}" if more else ""
        return f"{where}: {first['msg']}{more_text}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
