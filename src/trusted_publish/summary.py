"""What a run did, as step outputs (JSON) and a job-summary table (Markdown).

Pure functions over an :class:`Outcome`; the pipeline fills the outcome as the
stages run and hands the rendered text to the reporter, after success and after
failure alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from trusted_publish.report import markdown_escape, markdown_table

if TYPE_CHECKING:
    from trusted_publish.distributions import LocalFile
    from trusted_publish.index import Index
    from trusted_publish.oidc import Claims

__all__ = ["FileRecord", "FileStatus", "Outcome", "outputs", "summary_markdown"]

FileStatus = Literal[
    "not-uploaded",
    "uploaded",
    "already-present",
    "skipped",
    # dry run: what the index holds
    "new",
    "identical",
    "conflicting",
]

_STATUS_TEXT: dict[str, str] = {
    "not-uploaded": "not uploaded",
    "uploaded": "uploaded",
    "already-present": "already present (identical)",
    "skipped": "skipped (identical file on the index)",
    "new": "would upload",
    "identical": "would skip (identical file on the index)",
    "conflicting": "conflict: another file with this name is on the index",
}


@dataclass
class FileRecord:
    file: LocalFile
    status: FileStatus = "not-uploaded"
    attestation: Path | None = None
    log_index: int | None = None
    url: str | None = None


@dataclass
class Outcome:
    index: Index
    records: list[FileRecord]
    dry_run: bool = False
    claims: Claims | None = None
    user: str | None = None
    verified: bool = False
    retries: int = 0
    notes: list[str] = field(default_factory=list)

    def record(self, filename: str) -> FileRecord:
        return next(r for r in self.records if r.file.distribution.filename == filename)

    @property
    def release_urls(self) -> list[str]:
        return sorted(
            {
                self.index.project_url(r.file.distribution.name, r.file.distribution.version)
                for r in self.records
            }
        )


def outputs(outcome: Outcome) -> dict[str, str]:
    files = [
        {
            "filename": r.file.distribution.filename,
            "project": r.file.distribution.name,
            "version": r.file.distribution.version,
            "size": r.file.distribution.size,
            "sha256": r.file.digests.sha256,
            "status": r.status,
            "url": r.url,
            "attestation": str(r.attestation) if r.attestation else None,
            "transparency-log-index": r.log_index,
        }
        for r in outcome.records
    ]
    attestations = [str(r.attestation) for r in outcome.records if r.attestation]
    return {
        "files": json.dumps(files),
        "release-urls": json.dumps(outcome.release_urls),
        "attestations": json.dumps(attestations),
        "dry-run": "true" if outcome.dry_run else "false",
    }


def summary_markdown(outcome: Outcome) -> str:
    done = sum(r.status in {"uploaded", "already-present", "skipped"} for r in outcome.records)
    name = outcome.index.name
    if outcome.dry_run:
        heading = f"### Dry run against {name}: nothing was uploaded"
    elif done == len(outcome.records):
        heading = f"### :white_check_mark: Published {done} files to {name}"
    else:
        heading = f"### Published {done} of {len(outcome.records)} files to {name}"
    table = markdown_table(
        ("File", "Size", "sha256", "Status", "Attestation (log index)"),
        [_row(r) for r in outcome.records],
    )
    parts = [heading, "", table, ""]
    parts += [f"- Release: <{url}>" for url in outcome.release_urls]
    parts.append(f"- Published as: {_identity(outcome)}")
    if outcome.verified:
        parts.append("- Verified: the index serves every file with the same sha256.")
    if outcome.retries:
        parts.append(f"- Transient failures retried: {outcome.retries}")
    parts += [f"- {markdown_escape(note)}" for note in outcome.notes]
    return "\n".join(parts) + "\n"


def _row(record: FileRecord) -> tuple[str, str, str, str, str]:
    dist = record.file.distribution
    attestation = (
        f"{record.attestation.name} ({record.log_index})"
        if record.attestation and record.log_index is not None
        else record.attestation.name
        if record.attestation
        else "none"
    )
    return (
        dist.filename,
        f"{dist.size:,} B",
        record.file.digests.sha256,
        _STATUS_TEXT[record.status],
        attestation,
    )


def _identity(outcome: Outcome) -> str:
    claims = outcome.claims
    if claims is not None:
        environment = claims.environment or "(none)"
        return (
            f"trusted publisher {_code(claims.repository)}, workflow "
            f"{_code(claims.workflow_filename)}, environment {_code(environment)}"
        )
    if outcome.user is not None:
        return f"user {_code(outcome.user)} with a password or API token"
    return "(not authenticated)"


def _code(value: str) -> str:
    """An outside value as a Markdown code span (which renders everything literally)."""
    return "`" + " ".join(value.replace("`", "'").split()) + "`"
