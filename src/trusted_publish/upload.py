"""Upload each distribution with twine's library code and classify the index's answer."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from trusted_publish.catalogue import key_for_upload_error
from trusted_publish.errors import failure
from trusted_publish.http import reason_or_body

if TYPE_CHECKING:
    from twine.repository import Repository

    from trusted_publish.credentials import Credential
    from trusted_publish.distributions import Distribution
    from trusted_publish.index import Index
    from trusted_publish.report import Reporter

__all__ = ["Status", "UploadResult", "upload_each"]

Status = Literal["uploaded", "skipped"]


@dataclass(frozen=True)
class UploadResult:
    distribution: Distribution
    status: Status
    http_status: int
    message: str


def upload_each(
    distributions: Sequence[Distribution],
    credential: Credential,
    index: Index,
    reporter: Reporter,
    *,
    skip_existing: bool,
    verbose: bool,
) -> Iterator[UploadResult]:
    """Upload the files in order, yielding each result; raise on the first failure."""
    from twine.repository import Repository  # noqa: PLC0415 -- heavy import, only when uploading

    repository = Repository(
        index.upload_url,
        credential.username,
        credential.password.reveal(),
        disable_progress_bar=True,
    )
    try:
        for distribution in distributions:
            reporter.info(f"Uploading {distribution.filename} ({_size(distribution.size)})")
            result = _upload_one(repository, distribution, index, skip_existing=skip_existing)
            if verbose:
                reporter.info(f"  {index.name} answered {result.http_status}: {result.message}")
            if result.status == "skipped":
                reporter.annotate(
                    "warning",
                    "Skipped a file that already exists",
                    f"{distribution.filename}: {result.message}",
                )
            yield result
    finally:
        repository.close()


def _upload_one(
    repository: Repository, distribution: Distribution, index: Index, *, skip_existing: bool
) -> UploadResult:
    import requests  # noqa: PLC0415
    from twine.exceptions import InvalidDistribution  # noqa: PLC0415
    from twine.package import PackageFile  # noqa: PLC0415

    try:
        package = PackageFile.from_filename(str(distribution.path), comment=None)
    except InvalidDistribution as exc:
        raise failure("invalid-metadata", file=distribution.filename, reason=exc) from exc
    try:
        # twine announces each file with rich.print; the reporter does that instead.
        with contextlib.redirect_stdout(io.StringIO()):
            response = repository.upload(package, max_redirects=1)  # one attempt per call
    except requests.RequestException as exc:
        raise failure(
            "upload-connection-failed",
            file=distribution.filename,
            reason=f"{type(exc).__name__}: {exc}",
        ) from exc

    status = response.status_code
    if status == 200:
        return UploadResult(distribution, "uploaded", status, response.reason or "OK")
    message = reason_or_body(status, response.reason or "", response.text)
    if 300 <= status < 400:
        raise failure(
            "upload-redirected",
            file=distribution.filename,
            status=status,
            location=response.headers.get("Location", "(none)"),
        )
    key = key_for_upload_error(status, message)
    if key == "upload-file-exists" and skip_existing:
        return UploadResult(distribution, "skipped", status, message)
    raise failure(
        key,
        file=distribution.filename,
        status=status,
        message=message,
        project=distribution.project,
        metadata_name=distribution.name,
        settings_url=index.publishing_settings_url(distribution.project),
        pending_url=index.pending_publishers_url,
    )


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
