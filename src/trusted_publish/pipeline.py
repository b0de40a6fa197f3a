"""The publishing flow, stage by stage: distributions, checks, credential, upload, results."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from trusted_publish.credentials import obtain_credential
from trusted_publish.distributions import (
    Digests,
    Distribution,
    check_description,
    digests,
    find_distributions,
)
from trusted_publish.errors import failure
from trusted_publish.http import new_session
from trusted_publish.inputs import Inputs
from trusted_publish.report import Reporter, markdown_table
from trusted_publish.upload import UploadResult, upload_each

__all__ = ["run"]


@dataclass(frozen=True)
class _File:
    distribution: Distribution
    digests: Digests


def run(inputs: Inputs, reporter: Reporter) -> None:
    """Publish the distributions in ``inputs.packages_dir``; raise ``PublishError`` on failure."""
    found = find_distributions(inputs.packages_dir)
    files = [_File(d, digests(d.path)) for d in found.distributions]
    _announce(files, inputs, reporter)
    if inputs.verify_metadata:
        _check_descriptions(found.distributions, reporter)

    projects = sorted({d.project for d in found.distributions})
    results: list[UploadResult] = []
    with new_session() as session:
        with reporter.group("Authenticating"):
            credential = obtain_credential(inputs, session, reporter, projects)
            how = "trusted publishing" if credential.trusted else f"user '{credential.username}'"
            reporter.info(f"Authenticated to {inputs.index.name} with {how}.")
        try:
            with reporter.group(f"Uploading to {inputs.index.upload_url}"):
                results.extend(
                    upload_each(
                        found.distributions,
                        credential,
                        inputs.index,
                        reporter,
                        skip_existing=inputs.skip_existing,
                        verbose=inputs.verbose,
                    )
                )
        finally:
            _write_results(files, results, inputs, reporter)
    uploaded = sum(r.status == "uploaded" for r in results)
    reporter.info(f"Published {uploaded} of {len(files)} files to {inputs.index.name}.")


def _announce(files: Sequence[_File], inputs: Inputs, reporter: Reporter) -> None:
    with reporter.group(f"Distributions in {inputs.packages_dir}"):
        for file in files:
            dist = file.distribution
            reporter.info(
                f"{dist.filename}: {dist.name} {dist.version} "
                f"(metadata {dist.metadata_version}, {dist.size} bytes)"
            )
            if inputs.print_hash:
                reporter.info(f"  sha256:      {file.digests.sha256}")
                reporter.info(f"  md5:         {file.digests.md5}")
                reporter.info(f"  blake2b-256: {file.digests.blake2b_256}")


def _check_descriptions(distributions: Sequence[Distribution], reporter: Reporter) -> None:
    with reporter.group("Checking metadata"):
        for distribution in distributions:
            check = check_description(distribution)
            if check.error is not None:
                raise failure(
                    "description-will-not-render", file=distribution.filename, reason=check.error
                )
            verdict = "PASSED with warnings" if check.warnings else "PASSED"
            reporter.info(f"{distribution.filename}: {verdict}")
            for warning in check.warnings:
                reporter.info(f"  {warning}")


def _write_results(
    files: Sequence[_File], results: Sequence[UploadResult], inputs: Inputs, reporter: Reporter
) -> None:
    status = {r.distribution.filename: r.status for r in results}
    rows: list[dict[str, str | int]] = [
        {
            "filename": f.distribution.filename,
            "project": f.distribution.name,
            "version": f.distribution.version,
            "size": f.distribution.size,
            "sha256": f.digests.sha256,
            "status": status.get(f.distribution.filename, "not-uploaded"),
        }
        for f in files
    ]
    releases = sorted(
        {inputs.index.project_url(f.distribution.name, f.distribution.version) for f in files}
    )
    reporter.set_output("files", json.dumps(rows))
    reporter.set_output("release-urls", json.dumps(releases))
    table = markdown_table(
        ("File", "Size", "sha256", "Status"),
        [(str(r["filename"]), str(r["size"]), str(r["sha256"]), str(r["status"])) for r in rows],
    )
    links = "\n".join(f"- <{url}>" for url in releases)
    reporter.add_summary(f"### Published to {inputs.index.name}\n\n{table}\n\n{links}\n")
