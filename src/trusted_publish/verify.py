"""After the upload: wait until the index serves every file, byte for byte.

Indexes publish asynchronously (PyPI purges its CDN after the upload), so the
simple API is polled, with growing pauses and a deadline, until each uploaded
file is listed with the same sha256.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trusted_publish.errors import failure
from trusted_publish.index import project_files

if TYPE_CHECKING:
    from trusted_publish.distributions import LocalFile
    from trusted_publish.http import Client

__all__ = ["Served", "wait_until_served"]

_FIRST_PAUSE = 1.0
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
