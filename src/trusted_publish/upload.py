"""Upload each distribution with twine's library code and classify the index's answer.

Every upload is safe to repeat: the index answers an identical re-upload with
success (PyPI) or "file exists" (other indexes), and a "file exists" answer is
settled by comparing hashes with what the index serves. So connection trouble
and server errors are retried, and a re-run of a half-finished release completes it.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from trusted_publish.catalogue import key_for_upload_error
from trusted_publish.errors import failure
from trusted_publish.http import (
    describe_exception,
    raise_if_retryable,
    reason_or_body,
    use_timeout,
)
from trusted_publish.index import IndexedFile, project_files
from trusted_publish.retry import Transient

if TYPE_CHECKING:
    import requests
    from twine.package import PackageFile
    from twine.repository import Repository

    from trusted_publish.credentials import Credential, CredentialSource
    from trusted_publish.distributions import LocalFile
    from trusted_publish.http import Client
    from trusted_publish.index import Index
    from trusted_publish.report import Reporter

__all__ = ["Status", "UploadResult", "Uploader", "find_on_index"]

Status = Literal["uploaded", "already-present", "skipped"]

# Until an upload has been timed, assume this throughput (bytes/s) when deciding
# whether the token will outlive the next upload; deliberately pessimistic.
_ASSUMED_THROUGHPUT = 1024 * 1024


@dataclass(frozen=True)
class UploadResult:
    file: LocalFile
    status: Status
    message: str


@dataclass
class Uploader:
    index: Index
    client: Client
    credentials: CredentialSource
    reporter: Reporter
    simple_url: str
    skip_existing: bool
    verbose: bool
    attestations: Mapping[str, Sequence[Path]]
    throughput: float = _ASSUMED_THROUGHPUT

    def upload_each(self, files: Sequence[LocalFile]) -> Iterator[UploadResult]:
        """Upload the files in order, yielding each result; raise on the first failure."""
        from twine.repository import Repository  # noqa: PLC0415 -- heavy, only when uploading

        first = self.credentials.current()
        repository = Repository(
            self.index.upload_url,
            first.username,
            first.password.reveal(),
            disable_progress_bar=True,
        )
        use_timeout(repository.session, self.client.timeout)
        try:
            for file in files:
                result = self._one(repository, file)
                if self.verbose or result.status != "uploaded":
                    self.reporter.info(f"  {result.status}: {result.message}")
                yield result
        finally:
            repository.close()

    def _one(self, repository: Repository, file: LocalFile) -> UploadResult:
        dist = file.distribution
        if self.skip_existing:
            present = find_on_index(self.client, self.simple_url, file)
            if present is not None:
                return self._settle_existing(file, present, skipped=True)
        self.reporter.info(f"Uploading {dist.filename} ({_size(dist.size)})")
        package = self._package(file)
        credential = self.credentials.current(upload_seconds=dist.size / self.throughput)
        _authenticate(repository, credential)
        started = time.monotonic()
        response = self._post(repository, package, file)
        if _token_expired(response):
            self.reporter.info("The index says the token expired; minting a fresh one.")
            _authenticate(repository, self.credentials.renew())
            response = self._post(repository, package, file)
        if response.status_code == 200:
            self._learn_throughput(dist.size, time.monotonic() - started)
            return UploadResult(file, "uploaded", f"{response.status_code} {response.reason}")
        return self._refused(file, response)

    def _package(self, file: LocalFile) -> PackageFile:
        from twine.exceptions import InvalidDistribution  # noqa: PLC0415
        from twine.package import PackageFile  # noqa: PLC0415

        dist = file.distribution
        try:
            package = PackageFile.from_filename(str(dist.path), comment=None)
            attestations = self.attestations.get(dist.filename)
            if attestations:
                package.add_attestations([str(p) for p in attestations])
        except InvalidDistribution as exc:
            raise failure("invalid-metadata", file=dist.filename, reason=exc) from exc
        return package

    def _post(
        self, repository: Repository, package: PackageFile, file: LocalFile
    ) -> requests.Response:
        """One upload, repeated on connection trouble and retryable answers."""
        import requests  # noqa: PLC0415

        filename = file.distribution.filename
        last: list[requests.Response] = []

        def attempt() -> requests.Response:
            try:
                # twine announces each file with rich.print; the reporter does that instead.
                with contextlib.redirect_stdout(io.StringIO()):
                    response = repository.upload(package, max_redirects=1)  # one attempt
            except requests.RequestException as exc:
                reason = describe_exception(exc)
                final = failure("upload-connection-failed", file=filename, reason=reason)
                raise Transient(final, f"uploading {filename}: {reason}") from exc
            last[:] = [response]
            reason = f"uploading {filename}: the index answered {response.status_code}"
            raise_if_retryable(response, None, reason)
            return response

        try:
            return self.client.retrying(attempt)
        except Transient:
            return last[0]

    def _refused(self, file: LocalFile, response: requests.Response) -> UploadResult:
        dist = file.distribution
        status = response.status_code
        if 300 <= status < 400:
            raise failure(
                "upload-redirected",
                file=dist.filename,
                status=status,
                location=response.headers.get("Location", "(none)"),
            )
        message = reason_or_body(status, response.reason or "", response.text)
        key = key_for_upload_error(status, message)
        if key == "upload-file-exists":
            present = find_on_index(self.client, self.simple_url, file)
            if present is not None:
                return self._settle_existing(file, present, skipped=False)
        raise failure(
            key,
            file=dist.filename,
            status=status,
            message=message,
            project=dist.project,
            metadata_name=dist.name,
            settings_url=self.index.publishing_settings_url(dist.project),
            pending_url=self.index.pending_publishers_url,
        )

    def _settle_existing(
        self, file: LocalFile, present: IndexedFile, *, skipped: bool
    ) -> UploadResult:
        """The index has a file of this name: identical is done, anything else is an error."""
        if present.sha256 == file.digests.sha256:
            status: Status = "skipped" if skipped else "already-present"
            return UploadResult(
                file, status, f"the index already has this exact file ({present.url})"
            )
        raise failure(
            "upload-conflicting-file",
            file=file.distribution.filename,
            local_sha256=file.digests.sha256,
            index_sha256=present.sha256,
            url=present.url,
        )

    def _learn_throughput(self, size: int, seconds: float) -> None:
        if size >= 64 * 1024 and seconds > 0:
            self.throughput = max(size / seconds, 64 * 1024)


def find_on_index(client: Client, simple_url: str, file: LocalFile) -> IndexedFile | None:
    """The file of the same name the index serves, if any (None also when it cannot tell)."""
    files = project_files(client, simple_url, file.distribution.name)
    return (files or {}).get(file.distribution.filename)


def _authenticate(repository: Repository, credential: Credential) -> None:
    repository.session.auth = (credential.username, credential.password.reveal())


def _token_expired(response: requests.Response) -> bool:
    return response.status_code == 403 and "token is expired" in (response.reason or "")


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
