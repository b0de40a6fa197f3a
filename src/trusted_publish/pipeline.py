"""The publishing flow, stage by stage.

distributions -> checks -> credential -> (dry run | upload -> verify) -> results.
Everything that can be refused without the network is refused before it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from trusted_publish.catalogue import diagnose
from trusted_publish.credentials import Credential, CredentialSource
from trusted_publish.distributions import (
    Distribution,
    LocalFile,
    check_description,
    find_distributions,
    hash_all,
)
from trusted_publish.errors import PublishError, failure
from trusted_publish.http import Client
from trusted_publish.index import simple_url
from trusted_publish.inputs import Inputs, Runner
from trusted_publish.oidc import ambient_token
from trusted_publish.report import Reporter
from trusted_publish.retry import RetryPolicy
from trusted_publish.secret import Secret
from trusted_publish.summary import FileRecord, Outcome, outputs, summary_markdown
from trusted_publish.upload import Uploader, find_on_index
from trusted_publish.verify import Expected, wait_for_provenance, wait_until_served

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
    policy = RetryPolicy(attempts=inputs.retries)
    with Client(policy, on_retry, inputs.request_timeout) as client:
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
            if not credential.trusted and runner.github_actions:
                _nudge_to_trusted_publishing(inputs, runner, files, reporter)
            attestations = _attest(
                inputs,
                runner,
                client=client,
                credential=credential,
                existing=found.attestations,
                outcome=outcome,
                reporter=reporter,
            )
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
                attestations=attestations,
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


def _attest(
    inputs: Inputs,
    runner: Runner,
    *,
    client: Client,
    credential: Credential,
    existing: Mapping[str, Sequence[Path]],
    outcome: Outcome,
    reporter: Reporter,
) -> dict[str, list[Path]]:
    """PEP 740 attestations for every file: made here, or verified as found next to it."""
    if not inputs.attestations:
        return {}
    why_not = _why_no_attestations(inputs, credential)
    if why_not is not None:
        notice = diagnose("attestations-not-made", reason=why_not[0], fix=why_not[1])
        reporter.annotate("notice", notice.title, notice.as_text())
        outcome.notes.append(f"No attestations: {why_not[0]}")
        return {}
    assert credential.claims is not None  # trusted publishing always has claims
    from trusted_publish import attest  # noqa: PLC0415 -- sigstore is heavy; import when used

    trust = attest.load_trust_config(inputs.sigstore_trust_config)
    publisher = attest.Publisher.from_claims(credential.claims)

    def identity_token() -> Secret:
        try:
            token = ambient_token(attest.SIGSTORE_AUDIENCE, runner.job)
        except PublishError as exc:
            raise failure("attest-identity-token-failed", reason=exc.diagnosis.happened) from exc
        reporter.mask(token)
        return token

    def signed(made: attest.AttestationFile) -> None:
        record = outcome.record(made.distribution.name)
        record.attestation, record.log_index = made.path, made.log_index
        reporter.info(f"{made.path.name}: transparency log index {made.log_index}")

    with reporter.group("Attestations (PEP 740)"):
        to_sign = []
        for record in outcome.records:
            dist = record.file.distribution
            if dist.filename in existing:
                reporter.info(f"{dist.filename}: verifying the attestation found next to it")
                for made in attest.verify_existing(
                    dist.path, existing[dist.filename], publisher, trust, record.file.digests.sha256
                ):
                    signed(made)
            else:
                to_sign.append(dist.path)
        out_dir = _attestation_dir(runner, inputs)
        sha256 = {r.file.distribution.path: r.file.digests.sha256 for r in outcome.records}
        for made in attest.sign(
            to_sign,
            out_dir,
            identity_token,
            trust,
            on_signed=signed,
            retrying=client.retrying,
            sha256=sha256,
        ):
            attest.verify(made.path, made.distribution, publisher, trust, sha256[made.distribution])
    return {r.file.distribution.filename: [r.attestation] for r in outcome.records if r.attestation}


def _nudge_to_trusted_publishing(
    inputs: Inputs, runner: Runner, files: Sequence[LocalFile], reporter: Reporter
) -> None:
    """Token mode on GitHub Actions: show the exact publisher settings that replace it."""
    index = inputs.index
    if not (index.is_pypi or index.is_testpypi) or not files:
        return
    owner, _, repository = runner.job.repository.partition("/")
    workflow_path = runner.job.workflow_ref.partition("@")[0]
    project = files[0].distribution.project
    nudge = diagnose(
        "trusted-publishing-nudge",
        index=index.name,
        project=project,
        settings_url=index.publishing_settings_url(project),
        owner=owner or "(your GitHub owner)",
        repository_name=repository or "(your repository)",
        workflow=workflow_path.rsplit("/", 1)[-1] or "(this workflow's file name)",
    )
    reporter.annotate("notice", nudge.title, nudge.as_text())


def _why_no_attestations(inputs: Inputs, credential: Credential) -> tuple[str, str] | None:
    """Why attestations cannot be made for this upload, and what to do; None if they can."""
    if not credential.trusted:
        return (
            "this upload uses a password or API token, and attestations need trusted publishing.",
            "Remove `password` to publish through trusted publishing, or set "
            "`attestations: false`.",
        )
    if not (inputs.index.is_pypi or inputs.index.is_testpypi):
        return (
            f"{inputs.index.name} is not PyPI or TestPyPI, the indexes known to accept "
            "PEP 740 attestations.",
            "Set `attestations: false` to publish there without this notice.",
        )
    return None


def _attestation_dir(runner: Runner, inputs: Inputs) -> Path:
    """A private directory, never the packages directory (a second publish must not see it)."""
    base = runner.temp_dir or Path(tempfile.mkdtemp(prefix="trusted-publish-"))
    return base / "trusted-publish" / "attestations" / inputs.index.host


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
        expected = _expected_provenance(inputs, outcome)
        if expected:
            wait_for_provenance(
                client,
                inputs.index,
                expected,
                timeout=inputs.verify_timeout,
                on_wait=lambda pause, pending: reporter.info(
                    f"No provenance served yet for {', '.join(pending)}; again in {pause:.0f} s"
                ),
            )
            reporter.info(f"{inputs.index.name} serves this workflow's attestations for each file.")
        outcome.verified = True


def _expected_provenance(inputs: Inputs, outcome: Outcome) -> list[Expected]:
    """What PyPI's integrity API must serve; other indexes have no integrity API."""
    claims = outcome.claims
    if claims is None or not (inputs.index.is_pypi or inputs.index.is_testpypi):
        return []
    return [
        Expected(r.file, r.attestation, claims.repository, claims.workflow_filename)
        for r in outcome.records
        if r.attestation is not None and r.status == "uploaded"
    ]


def _write_results(outcome: Outcome, reporter: Reporter) -> None:
    for name, value in outputs(outcome).items():
        reporter.set_output(name, value)
    reporter.add_summary(summary_markdown(outcome))
