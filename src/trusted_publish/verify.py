"""After the upload: wait until the index serves every file, byte for byte, and its provenance.

Indexes publish asynchronously (PyPI purges its CDN after the upload), so the
simple API is polled, with growing pauses and a deadline, until each uploaded
file is listed with the same sha256; where attestations were uploaded, PyPI's
integrity API must then serve them, under this publisher.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from trusted_publish.errors import failure
from trusted_publish.index import project_files

if TYPE_CHECKING:
    from trusted_publish.distributions import LocalFile
    from trusted_publish.http import Client
    from trusted_publish.index import Index

__all__ = ["Expected", "Served", "wait_for_provenance", "wait_until_served"]

_FIRST_PAUSE = 1.0
_PARALLEL_READS = 8  # the integrity API is one request per file
_MAX_PAUSE = 15.0


@dataclass(frozen=True)
class Served:
    filename: str
    url: str
    seconds: float  # from the start of verification until it was seen


def wait_until_served(
    client: Client,
    simple_url: str,
    files: Sequence[LocalFile],
    *,
    timeout: float,
    on_wait: Callable[[float, Sequence[str]], None],
    now: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Served]:
    """Poll until every file is served with its sha256; raise when one differs or time runs out."""
    started = now()
    pending = {f.distribution.filename: f for f in files}
    served: list[Served] = []
    pause = _FIRST_PAUSE
    while True:
        for project in sorted({f.distribution.name for f in pending.values()}):
            listed = project_files(client, simple_url, project) or {}
            for filename, file in list(pending.items()):
                entry = listed.get(filename)
                if entry is None:
                    continue
                if entry.sha256 != file.digests.sha256:
                    raise failure(
                        "verify-mismatch",
                        file=filename,
                        url=entry.url,
                        local_sha256=file.digests.sha256,
                        index_sha256=entry.sha256,
                    )
                served.append(Served(filename, entry.url, now() - started))
                del pending[filename]
        if not pending:
            return served
        elapsed = now() - started
        if elapsed + pause > timeout:
            raise failure(
                "verify-timeout",
                files=", ".join(sorted(pending)),
                seconds=f"{timeout:g}",
                url=simple_url,
            )
        on_wait(pause, sorted(pending))
        sleep(pause)
        pause = min(pause * 2, _MAX_PAUSE)


@dataclass(frozen=True)
class Expected:
    """The provenance the index should serve for a file: our attestation, our publisher."""

    file: LocalFile
    attestation: Path
    repository: str
    workflow: str


def wait_for_provenance(
    client: Client,
    index: Index,
    expected: Sequence[Expected],
    *,
    timeout: float,
    on_wait: Callable[[float, Sequence[str]], None],
    now: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Poll PyPI's integrity API until each file's provenance is served and is ours."""
    started = now()
    pending = {e.file.distribution.filename: e for e in expected}
    pause = _FIRST_PAUSE
    while True:
        items = list(pending.values())
        with ThreadPoolExecutor(max_workers=min(len(items), _PARALLEL_READS)) as pool:
            served = list(pool.map(lambda item: _provenance_served(client, index, item), items))
        for item, done in zip(items, served, strict=True):
            if done:
                del pending[item.file.distribution.filename]
        if not pending:
            return
        if now() - started + pause > timeout:
            raise failure(
                "verify-provenance-missing",
                files=", ".join(sorted(pending)),
                seconds=f"{timeout:g}",
                index=index.name,
            )
        on_wait(pause, sorted(pending))
        sleep(pause)
        pause = min(pause * 2, _MAX_PAUSE)


def _provenance_served(client: Client, index: Index, item: Expected) -> bool:
    """True when served and matching; False when not served yet; raise when it differs."""
    dist = item.file.distribution
    url = (
        f"{index.web_url}/integrity/{quote(dist.project)}/{quote(dist.version)}/"
        f"{quote(dist.filename)}/provenance"
    )
    response = client.send("GET", url, headers={"Accept": _INTEGRITY_ACCEPT})
    if response.status_code != 200:
        return False
    try:
        bundles = response.json().get("attestation_bundles")
    except (ValueError, AttributeError):
        return False
    for bundle in bundles if isinstance(bundles, list) else []:
        if not isinstance(bundle, dict) or not _same_publisher(bundle.get("publisher"), item):
            continue
        attestations = bundle.get("attestations")
        if not isinstance(attestations, list):
            continue
        if any(_attests(a, item.file.digests.sha256) for a in attestations):
            return True
    raise failure(
        "verify-provenance-mismatch",
        file=dist.filename,
        url=url,
        repository=item.repository,
        workflow=item.workflow,
    )


def _attests(attestation: object, sha256: str) -> bool:
    """Whether an attestation's statement is about the file with this digest.

    An identical re-upload keeps the provenance of the first upload, so the served
    attestation need not be the one made in this run: it must be about this file,
    by this publisher (the index verified its signature when it accepted it).
    """
    try:
        statement = attestation["envelope"]["statement"]  # type: ignore[index]
        subjects = json.loads(base64.b64decode(statement))["subject"]
    except (KeyError, TypeError, ValueError):
        return False
    return any(
        isinstance(s, dict) and s.get("digest", {}).get("sha256") == sha256 for s in subjects
    )


def _same_publisher(publisher: object, item: Expected) -> bool:
    if not isinstance(publisher, dict):
        return False
    return (
        publisher.get("kind") == "GitHub"
        and str(publisher.get("repository", "")).lower() == item.repository.lower()
        and publisher.get("workflow") == item.workflow
    )


_INTEGRITY_ACCEPT = "application/vnd.pypi.integrity.v1+json"
