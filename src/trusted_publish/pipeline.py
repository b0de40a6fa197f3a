"""The publishing flow, stage by stage.

distributions -> checks -> credential -> (dry run | upload -> verify) -> results.
Everything that can be refused without the network is refused before it.
"""

from __future__ import annotations

from collections.abc import Sequence

from trusted_publish.credentials import CredentialSource
from trusted_publish.distributions import (
    Distribution,
    LocalFile,
    check_description,
    find_distributions,
    hash_all,
)
from trusted_publish.errors import failure
from trusted_publish.http import Client
from trusted_publish.index import simple_url
from trusted_publish.inputs import Inputs, Runner
from trusted_publish.report import Reporter
from trusted_publish.retry import RetryPolicy
from trusted_publish.summary import FileRecord, Outcome, outputs, summary_markdown
from trusted_publish.upload import Uploader, find_on_index
from trusted_publish.verify import wait_until_served

__all__ = ["run"]


def run(inputs: Inputs, runner: Runner, reporter: Reporter) -> None:
    """Publish the distributions in ``inputs.packages_dir``; raise ``PublishError`` on failure."""
    found = find_distributions(inputs.packages_dir)
    files = hash_all(found.distributions)
    _announce(files, inputs, reporter)
    if inputs.verify_metadata:
        _check_descriptions(found.distributions, reporter)

    outcome = Outcome(inputs.index, [FileRecord(f) for f in files], dry_run=inputs.dry_run)

    def on_retry(retry: int, delay: float, reason: str) -> None:
        outcome.retries += 1
        reporter.info(f"Retrying in {delay:.1f} s (retry {retry}): {reason}")

    lookup_url = simple_url(inputs.index, inputs.check_url)
    with Client(RetryPolicy(), on_retry, inputs.request_timeout) as client:
        credentials = CredentialSource(
            inputs=inputs,
            job=runner.job,
            client=client,
            reporter=reporter,
            projects=sorted({f.distribution.project for f in files}),
        )
        try:
            with reporter.group("Authenticating"):
                credential = credentials.current()
                outcome.claims, outcome.user = credential.claims, credential.username
                how = (
                    "trusted publishing" if credential.trusted else f"user '{credential.username}'"
                )
                reporter.info(f"Authenticated to {inputs.index.name} with {how}.")
            if inputs.dry_run:
                _dry_run(client, lookup_url, outcome, reporter)
                return
            uploader = Uploader(
                index=inputs.index,
                client=client,
                credentials=credentials,
                reporter=reporter,
                simple_url=lookup_url,
                skip_existing=inputs.skip_existing,
                verbose=inputs.verbose,
                attestations=found.attestations,
            )
            with reporter.group(f"Uploading to {inputs.index.upload_url}"):
                for result in uploader.upload_each(files):
                    outcome.record(result.file.distribution.filename).status = result.status
            if inputs.verify:
                _verify(client, lookup_url, inputs, outcome, reporter)
        finally:
            _write_results(outcome, reporter)
    uploaded = sum(r.status == "uploaded" for r in outcome.records)
    reporter.info(f"Published {uploaded} new of {len(files)} files to {inputs.index.name}.")


def _announce(files: Sequence[LocalFile], inputs: Inputs, reporter: Reporter) -> None:
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


def _dry_run(client: Client, lookup_url: str, outcome: Outcome, reporter: Reporter) -> None:
    """Compare each file with what the index holds; a real run would fail on a conflict."""
    with reporter.group("Dry run: what the index already holds"):
        for record in outcome.records:
            present = find_on_index(client, lookup_url, record.file)
            if present is None:
                record.status = "new"
            elif present.sha256 == record.file.digests.sha256:
                record.status, record.url = "identical", present.url
            else:
                record.status, record.url = "conflicting", present.url
            reporter.info(f"{record.file.distribution.filename}: {record.status}")
    conflicts = [r for r in outcome.records if r.status == "conflicting"]
    if conflicts:
        first = conflicts[0]
        raise failure(
            "upload-conflicting-file",
            file=first.file.distribution.filename,
            local_sha256=first.file.digests.sha256,
            index_sha256="(another hash)",
            url=first.url,
        )
    new = sum(r.status == "new" for r in outcome.records)
    reporter.info(f"Dry run: {new} of {len(outcome.records)} files would be uploaded.")


def _verify(
    client: Client, lookup_url: str, inputs: Inputs, outcome: Outcome, reporter: Reporter
) -> None:
    with reporter.group(f"Verifying that {inputs.index.name} serves the files"):
        served = wait_until_served(
            client,
            lookup_url,
            [r.file for r in outcome.records],
            timeout=inputs.verify_timeout,
            on_wait=lambda pause, pending: reporter.info(
                f"Not served yet: {', '.join(pending)}; checking again in {pause:.0f} s"
            ),
        )
        for item in served:
            outcome.record(item.filename).url = item.url
            reporter.info(f"{item.filename}: served, sha256 matches ({item.url})")
        outcome.verified = True


def _write_results(outcome: Outcome, reporter: Reporter) -> None:
    for name, value in outputs(outcome).items():
        reporter.set_output(name, value)
    reporter.add_summary(summary_markdown(outcome))
