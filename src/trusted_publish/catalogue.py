"""Every failure the action knows, as data: what happened, why, and the exact fix.

Raise sites name an entry by key and pass the facts they have; answers from the
index are matched to an entry by code, status and message text. A new server
message is one new entry (and one matcher row) plus one test.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "CATALOGUE",
    "Diagnosis",
    "Entry",
    "diagnose",
    "key_for_mint_error",
    "key_for_upload_error",
]

TROUBLESHOOTING = "https://docs.pypi.org/trusted-publishers/troubleshooting/"
ADDING_PUBLISHER = "https://docs.pypi.org/trusted-publishers/adding-a-publisher/"
CREATING_PROJECT = "https://docs.pypi.org/trusted-publishers/creating-a-project-through-oidc/"
GITHUB_OIDC_PERMISSIONS = (
    "https://docs.github.com/en/actions/reference/security/oidc#required-permissions"
)
CORE_METADATA = "https://packaging.python.org/specifications/core-metadata/"
DIST_FORMATS = "https://packaging.python.org/specifications/binary-distribution-format/"
FILE_NAME_REUSE = "https://pypi.org/help/#file-name-reuse"
STORAGE_LIMITS = "https://docs.pypi.org/project-management/storage-limits/"
ATTESTATIONS = "https://docs.pypi.org/attestations/"

PERMISSIONS_SNIPPET = "permissions:\n  id-token: write"
_CONFIGURE_EXACTLY = (
    "Configure the trusted publisher on {index} with exactly these values:\n"
    "  owner:       {owner}\n"
    "  repository:  {repository_name}\n"
    "  workflow:    {workflow}\n"
    "  environment: {environment}\n"
    "{where}"
)


@dataclass(frozen=True)
class Entry:
    """Templates for one kind of failure; ``{name}`` fields come from the raise site."""

    title: str
    happened: str
    cause: str
    fix: str
    link: str = ""


@dataclass(frozen=True)
class Diagnosis:
    """One failure explained; everything the report needs to show it."""

    key: str
    title: str
    happened: str
    cause: str
    fix: str
    link: str = ""
    facts: tuple[tuple[str, str], ...] = ()

    def as_text(self) -> str:
        parts = [self.happened, f"Why: {self.cause}", f"Fix: {self.fix}"]
        parts.extend(f"  {name}: {value}" for name, value in self.facts)
        if self.link:
            parts.append(f"See {self.link}")
        return "\n".join(parts)


CATALOGUE: Mapping[str, Entry] = {
    # -- inputs --------------------------------------------------------------
    "invalid-inputs": Entry(
        title="Invalid action inputs",
        happened="The action's inputs could not be used:\n{problems}",
        cause="An input has a value the action does not understand, or two inputs contradict "
        "each other. Nothing was uploaded.",
        fix="Correct the inputs listed above in the step's `with:` block and re-run the job.",
    ),
    # -- distributions ------------------------------------------------------
    "packages-dir-missing": Entry(
        title="Packages directory not found",
        happened="The packages directory '{path}' does not exist.",
        cause="The build step did not run in this job, wrote to another directory, or the "
        "artifact was downloaded elsewhere.",
        fix="Build the distributions (for example `python -m build`) or download the artifact "
        "into '{path}' before this step, or set `packages-dir` to where they are.",
    ),
    "packages-dir-not-a-directory": Entry(
        title="Packages directory is not a directory",
        happened="'{path}' is a file, not a directory.",
        cause="`packages-dir` must name the directory that holds the distributions.",
        fix="Set `packages-dir` to the directory that contains the .whl and .tar.gz files.",
    ),
    "packages-dir-empty": Entry(
        title="No distributions to upload",
        happened="The packages directory '{path}' holds no wheels or source distributions.",
        cause="The build produced nothing, or the artifact was not downloaded into this job.",
        fix="Make sure the build step writes .whl/.tar.gz files into '{path}' before this step.",
    ),
    "not-a-distribution": Entry(
        title="Unexpected files in the packages directory",
        happened="These files in '{path}' are not wheels or source distributions: {files}.",
        cause="Only .whl, .tar.gz and .zip source distributions can be uploaded; anything else "
        "in the directory is most likely a mistake that would be silently ignored.",
        fix="Remove the listed files from '{path}', or build into a clean directory.",
        link=DIST_FORMATS,
    ),
    "nested-artifact-directory": Entry(
        title="Distributions are nested one directory too deep",
        happened="'{file}' is a directory, not a file.",
        cause="actions/download-artifact with several artifacts, or a `path:` that names the "
        "file, puts each file into a directory of the same name.",
        fix="Download with `merge-multiple: true`, or point `packages-dir` at the directory "
        "that directly contains the files.",
    ),
    "symlink-outside": Entry(
        title="A distribution is a link out of the packages directory",
        happened="'{file}' is a symbolic link to '{target}', outside '{path}'.",
        cause="Following links out of the packages directory could upload files that were "
        "never meant to be published.",
        fix="Copy the real file into '{path}' instead of linking to it.",
    ),
    "invalid-filename": Entry(
        title="Invalid distribution filename",
        happened="'{file}' is not a valid {kind} filename: {reason}",
        cause="Build tools produce normalized names such as 'my_project-1.0-py3-none-any.whl'; "
        "a renamed or hand-made file does not follow the naming rules.",
        fix="Rebuild the distribution with a current build tool instead of renaming files.",
        link=DIST_FORMATS,
    ),
    "corrupt-distribution": Entry(
        title="Corrupt distribution",
        happened="'{file}' cannot be read: {reason}",
        cause="The archive is damaged (an interrupted download or upload of the artifact) or "
        "is not an archive at all.",
        fix="Rebuild the distribution, or re-download the artifact.",
    ),
    "invalid-metadata": Entry(
        title="Invalid package metadata",
        happened="The core metadata of '{file}' is invalid: {reason}",
        cause="The index rejects distributions whose metadata is incomplete or malformed.",
        fix="Fix the project metadata (usually `[project]` in pyproject.toml) and rebuild; "
        "upgrading the build backend helps with newer metadata versions.",
        link=CORE_METADATA,
    ),
    "filename-metadata-mismatch": Entry(
        title="Filename and metadata disagree",
        happened="'{file}' is named for {file_value!r} but its metadata says {meta_value!r}.",
        cause="The file was renamed after it was built, or a stale file is in the directory.",
        fix="Rebuild into a clean directory instead of renaming files.",
    ),
    "several-versions": Entry(
        title="Several versions of one project",
        happened="'{path}' holds {project} in versions {versions}.",
        cause="A release publishes one version; files of another version are almost always "
        "left over from an earlier build and would be published by mistake.",
        fix="Build into a clean directory (delete '{path}' before building), or publish each "
        "version in its own step.",
    ),
    "several-sdists": Entry(
        title="Two source distributions for one release",
        happened="{files} are both source distributions of {project} {version}.",
        cause="An index accepts only one sdist per release, so the second would fail after "
        "the first was already published.",
        fix="Keep one of them (the .tar.gz, PEP 625) and rebuild into a clean directory.",
    ),
    "description-will-not-render": Entry(
        title="Long description will not render on the index",
        happened="The long description of '{file}' has markup errors:\n{reason}",
        cause="The index refuses descriptions that do not render (twine check failed).",
        fix="Fix the README markup (or set the right content type) and rebuild; set "
        "`verify-metadata: false` to skip this check.",
        link="https://packaging.python.org/guides/making-a-pypi-friendly-readme/",
    ),
    # -- credentials -------------------------------------------------------
    "index-unreachable": Entry(
        title="The package index could not be reached",
        happened="Connecting to {url} failed: {reason}",
        cause="The index is down, the URL is wrong, or the runner has no route to it.",
        fix="Check `repository-url` and re-run the job; the run is safe to repeat.",
    ),
    "audience-disabled": Entry(
        title="Trusted publishing is disabled on the index",
        happened="{url} answered 403: {message}",
        cause="The index has switched trusted publishing off, usually for a short time.",
        fix="Re-run the job later. If it persists, check the index's status page.",
        link=TROUBLESHOOTING,
    ),
    "audience-unsupported": Entry(
        title="The index does not support trusted publishing",
        happened="{url} answered 404, so {index} has no trusted publishing endpoint.",
        cause="Only PyPI and TestPyPI (and Warehouse-based indexes) support trusted "
        "publishing; `repository-url` may also point at the wrong host.",
        fix="Check `repository-url`. For an index without trusted publishing, pass an API "
        "token as `password` from a secret.",
    ),
    "audience-bad-response": Entry(
        title="Unexpected answer from the index's audience endpoint",
        happened="{url} answered {status} with a body that is not the expected JSON: {body}",
        cause="A proxy, captive portal or a non-Warehouse server answered instead of the index.",
        fix="Check `repository-url` and re-run the job.",
    ),
    "oidc-permission-missing": Entry(
        title="OIDC token not available: missing `id-token: write`",
        happened="GitHub did not provide an OIDC token to this job ({reason}).",
        cause="Trusted publishing needs the job to be allowed to request an OIDC token; "
        "without the `id-token: write` permission GitHub does not provide one.",
        fix="Add this to the publishing job (or the workflow):\n"
        + PERMISSIONS_SNIPPET
        + "\nFor a reusable workflow, grant it in the calling job as well.",
        link=GITHUB_OIDC_PERMISSIONS,
    ),
    "oidc-fork-pull-request": Entry(
        title="No OIDC token in a pull request from a fork",
        happened="GitHub gives no OIDC token to workflows run for pull requests from forks "
        "({reason}).",
        cause="A fork's code must not be able to publish as {repository}, so GitHub withholds "
        "`id-token: write` (and secrets) from these runs, whatever the workflow asks for.",
        fix="Publish from a workflow triggered by a tag push, a release, or workflow_dispatch "
        "in {repository} itself, not from `pull_request`.",
        link=GITHUB_OIDC_PERMISSIONS,
    ),
    "oidc-audience-mismatch": Entry(
        title="The OIDC token is for another audience",
        happened="The token's audience is {got}, but the index asked for {expected}.",
        cause="Something between the job and GitHub's token service (a proxy, or a custom "
        "ACTIONS_ID_TOKEN_REQUEST_URL) returned a token for a different audience.",
        fix="Do not override ACTIONS_ID_TOKEN_REQUEST_URL; re-run the job.",
        link=TROUBLESHOOTING,
    ),
    "audience-reserved": Entry(
        title="Refusing to send a PyPI token to another index",
        happened="{index} asked for OIDC tokens with the audience '{audience}', which belongs "
        "to {owner}.",
        cause="A token for that audience is accepted by {owner}; sent to any other host it "
        "could be replayed there to publish as this workflow. Only {owner}'s own hosts may "
        "receive it.",
        fix="Check `repository-url`: use https://upload.pypi.org/legacy/ for PyPI or "
        "https://test.pypi.org/legacy/ for TestPyPI. A private index must use its own "
        "audience.",
        link=TROUBLESHOOTING,
    ),
    "oidc-no-ambient-credential": Entry(
        title="No OIDC credential: not running on a supported CI",
        happened="No ambient OIDC credential was found in this environment.",
        cause="Trusted publishing works from GitHub Actions (and a few other CI providers); "
        "outside of them there is no identity to exchange.",
        fix="Run this action in a GitHub Actions job with `id-token: write`, or pass an API "
        "token as `password`.",
        link=TROUBLESHOOTING,
    ),
    "oidc-request-failed": Entry(
        title="Requesting the OIDC token failed",
        happened="The CI provider refused or failed the OIDC token request: {reason}",
        cause="GitHub's token service was unavailable, or the job's token request credentials "
        "were rejected.",
        fix="Re-run the job; the run is safe to repeat.",
        link=TROUBLESHOOTING,
    ),
    "trusted-publishing-nudge": Entry(
        title="Publish without a long-lived token: use trusted publishing",
        happened="This job uploads to {index} with a password or API token.",
        cause="A stored token works from anywhere until it is revoked; trusted publishing "
        "gives each run a token that lives 15 minutes, needs no secret, and adds "
        "attestations.",
        fix="On {index}, add a trusted publisher to '{project}' ({settings_url}):\n"
        "  owner:       {owner}\n"
        "  repository:  {repository_name}\n"
        "  workflow:    {workflow}\n"
        "  environment: the job's `environment:`, if it has one\n"
        "then give the job `permissions: id-token: write`, remove `password`, and delete the "
        "token on {index}.",
        link=ADDING_PUBLISHER,
    ),
    # -- token exchange (mint-token) -----------------------------------------
    "mint-not-enabled": Entry(
        title="Trusted publishing is disabled on the index",
        happened="The index refused the token exchange: {description}",
        cause="The index has temporarily switched trusted publishing off for this CI provider.",
        fix="Re-run the job later.",
        link=TROUBLESHOOTING,
    ),
    "mint-invalid-payload": Entry(
        title="The index refused the token exchange request",
        happened="The index answered `invalid-payload`: {description}",
        cause="The OIDC token was malformed, came from an issuer the index does not know, or "
        "(with a pending publisher) the project name cannot be registered.",
        fix="If the message names a project, choose another name for the pending publisher "
        "and in the package metadata; otherwise re-run the job.",
        link=TROUBLESHOOTING,
    ),
    "mint-invalid-token": Entry(
        title="The index could not verify the OIDC token",
        happened="The index answered `invalid-token`: {description}",
        cause="The token expired before it reached the index (a slow or retried job), its "
        "audience is not this index's, or the runner's clock is off.",
        fix="Re-run the job. If it persists, check that `repository-url` is the index the "
        "publisher is configured on.",
        link=TROUBLESHOOTING,
    ),
    "mint-invalid-pending-publisher": Entry(
        title="Pending publisher refers to a project that already exists",
        happened="The index answered `invalid-pending-publisher`: {description}",
        cause="A pending publisher can only create a new project; '{project}' already exists, "
        "so the index deleted the pending publisher.",
        fix="Add a (non-pending) trusted publisher on the existing project's publishing "
        "settings: {settings_url}",
        link=ADDING_PUBLISHER,
    ),
    "mint-invalid-reuse-token": Entry(
        title="OIDC token was already used",
        happened="The index answered `invalid-reuse-token`: {description}",
        cause="Each OIDC token can be exchanged only once; something else in this job "
        "(another publishing step or tool) already used it.",
        fix="Re-run the job; avoid running two publishing tools with the same token.",
        link=TROUBLESHOOTING,
    ),
    "mint-invalid-publisher": Entry(
        title="No trusted publisher matches this workflow",
        happened="The index answered `invalid-publisher`: {description}",
        cause="The index has no trusted publisher whose owner, repository, workflow filename "
        "and environment all equal this job's identity (below).{hints}",
        fix=_CONFIGURE_EXACTLY,
        link=TROUBLESHOOTING,
    ),
    "publisher-workflow-ref-mismatch": Entry(
        title="The trusted publisher names another repository, workflow or ref",
        happened="The index answered `invalid-publisher`: {description}",
        cause="A publisher with this workflow file exists, but the workflow path it expects "
        "differs from this job's job_workflow_ref (compared exactly).{hints}",
        fix=_CONFIGURE_EXACTLY,
        link=TROUBLESHOOTING,
    ),
    "publisher-environment-mismatch": Entry(
        title="The trusted publisher requires another environment",
        happened="The index answered `invalid-publisher`: {description}",
        cause="The publisher names a GitHub environment, and this job runs in "
        "{environment_shown}.{hints}",
        fix="Run the publishing job in the environment the publisher names (`environment: "
        "<name>` on the job), or change the publisher's environment. {settings_url}",
        link=TROUBLESHOOTING,
    ),
    "publisher-pull-request-target": Entry(
        title="Publishing from pull_request_target is refused",
        happened="The index answered `invalid-publisher`: {description}",
        cause="`pull_request_target` runs with the base repository's permissions on behalf "
        "of pull requests from anyone, so PyPI refuses tokens from it.",
        fix="Publish from a workflow triggered by a tag push, a release or "
        "workflow_dispatch instead.",
        link=TROUBLESHOOTING,
    ),
    "publisher-missing-claim": Entry(
        title="The OIDC token lacks a claim PyPI needs",
        happened="The index answered `invalid-publisher`: {description}",
        cause="The token did not come from a standard GitHub-hosted job; GitHub Enterprise "
        "or a customized OIDC subject can leave claims out.",
        fix="Publish from a job on github.com with the default OIDC claims.",
        link=TROUBLESHOOTING,
    ),
    "publisher-no-workflow-file": Entry(
        title="PyPI could not read the workflow file from the token",
        happened="The index answered `invalid-publisher`: {description}",
        cause="job_workflow_ref ({job_workflow_ref}) does not end in a .yml or .yaml file "
        "reference, which PyPI needs to match the publisher.",
        fix="Publish from a workflow file in .github/workflows/ (not a dynamic or generated "
        "workflow).",
        link=TROUBLESHOOTING,
    ),
    "publisher-ref-missing": Entry(
        title="The OIDC token has neither a ref nor a commit",
        happened="The index answered `invalid-publisher`: {description}",
        cause="PyPI checks the workflow at the job's ref or commit; this token has neither.",
        fix="Publish from a workflow triggered by a push, tag, release or workflow_dispatch.",
        link=TROUBLESHOOTING,
    ),
    "mint-unknown-issuer": Entry(
        title="The index does not accept tokens from this CI",
        happened="The index answered `invalid-payload`: {description}",
        cause="The OIDC token was issued by {issuer}. PyPI accepts GitHub.com "
        "(https://token.actions.githubusercontent.com), gitlab.com, Google Cloud and "
        "ActiveState; GitHub Enterprise Server runners have their own issuer that PyPI does "
        "not trust.",
        fix="Publish from a github.com workflow, or use an API token as `password` from a "
        "secret for this runner.",
        link=TROUBLESHOOTING,
    ),
    "mint-pending-name-refused": Entry(
        title="The index will not create this project",
        happened="The index answered `invalid-payload`: {description}",
        cause="A pending publisher creates its project on first use, and the index refuses "
        "that name.",
        fix="Pick another project name: change it in the pending publisher ({pending_url}) "
        "and in the package metadata.",
        link=CREATING_PROJECT,
    ),
    "mint-bad-response": Entry(
        title="Unexpected answer from the index's token exchange",
        happened="{url} answered {status}: {body}",
        cause="The index had an internal error, or something other than the index answered.",
        fix="Re-run the job; the run is safe to repeat.",
        link=TROUBLESHOOTING,
    ),
    # -- attestations (PEP 740) ----------------------------------------------
    "attestations-not-made": Entry(
        title="No attestations were made",
        happened="Attestations were not created for this upload: {reason}",
        cause="PEP 740 attestations are tied to a trusted publisher's identity, so they need "
        "trusted publishing to an index that accepts them (PyPI or TestPyPI).",
        fix="{fix}",
        link=ATTESTATIONS,
    ),
    "attest-identity-token-failed": Entry(
        title="Could not get an identity token for signing",
        happened="Requesting the OIDC token for sigstore failed: {reason}",
        cause="Signing needs a second OIDC token (audience 'sigstore') from the CI provider.",
        fix="Re-run the job; to publish without attestations set `attestations: false`.",
        link=ATTESTATIONS,
    ),
    "attest-signing-failed": Entry(
        title="Signing the attestations failed",
        happened="sigstore could not sign {file}: {reason}",
        cause="The sigstore services (Fulcio certificate authority or Rekor transparency log) "
        "refused or did not answer.",
        fix="Re-run the job; the run is safe to repeat. To publish without attestations set "
        "`attestations: false`.",
        link=ATTESTATIONS,
    ),
    "attest-verification-failed": Entry(
        title="An attestation does not match what will be uploaded",
        happened="{attestation} does not verify for {file}: {reason}",
        cause="The index checks each attestation against the trusted publisher (repository "
        "{repository}, workflow {workflow}, environment {environment}) and the file's "
        "digest; this one would be rejected.",
        fix="{fix}",
        link=ATTESTATIONS,
    ),
    "attest-existing-invalid": Entry(
        title="An attestation next to the distributions is invalid",
        happened="{attestation} cannot be used: {reason}",
        cause="Attestation files found in the packages directory are uploaded as they are, "
        "so they must be valid PEP 740 attestations for those exact files.",
        fix="Remove the stale attestation files from the packages directory so the action "
        "signs the distributions itself, or regenerate them for these files.",
        link=ATTESTATIONS,
    ),
    "sigstore-trust-config-invalid": Entry(
        title="The sigstore trust configuration cannot be used",
        happened="'{path}' is not a usable sigstore client trust configuration: {reason}",
        cause="`sigstore-trust-config` must name a ClientTrustConfig JSON file.",
        fix="Point `sigstore-trust-config` at a valid file, or remove it to use the public "
        "sigstore instance.",
    ),
    # -- upload ---------------------------------------------------------------
    "upload-file-exists": Entry(
        title="File already exists on the index",
        happened="{file}: the index answered {status}: {message}",
        cause="A file with this name, but different contents, was already uploaded. An index "
        "never lets a filename be reused, even after deletion.",
        fix="Bump the version and rebuild. If this is a re-run of a release whose files are "
        "already published, set `skip-existing: true`.",
        link=FILE_NAME_REUSE,
    ),
    "upload-conflicting-file": Entry(
        title="A different file with this name is already on the index",
        happened="{file} is already on the index with sha256 {index_sha256}, but the local file "
        "has sha256 {local_sha256} ({url}).",
        cause="The distributions were rebuilt after this version was published (builds are "
        "rarely reproducible), and an index never lets a filename be reused.",
        fix="Bump the version and rebuild. To finish a half-published release, publish the "
        "original artifacts of the first run instead of a rebuild.",
        link=FILE_NAME_REUSE,
    ),
    "upload-non-user-identity": Entry(
        title="Trusted publishing cannot create this project",
        happened="{file}: the index answered {status}: {message}",
        cause="The project '{project}' does not exist on the index, and a trusted publisher "
        "cannot create it unless a pending publisher registered exactly that name. This "
        "usually means the pending publisher and the package metadata name different "
        "projects.",
        fix="Make the pending publisher's project name and the `name` in the package metadata "
        "('{metadata_name}', normalized '{project}') identical, then re-run. Pending "
        "publishers: {pending_url}",
        link=CREATING_PROJECT,
    ),
    "upload-token-expired": Entry(
        title="The upload token expired",
        happened="{file}: the index answered {status}: {message}",
        cause="Tokens minted through trusted publishing are valid for 15 minutes; the "
        "upload started after that.",
        fix="Re-run the job; files already uploaded are kept and identical re-uploads succeed.",
        link=TROUBLESHOOTING,
    ),
    "upload-token-wrong-project": Entry(
        title="The trusted publisher is registered for another project",
        happened="{file}: the index answered {status}: {message}",
        cause="The publisher that issued the token belongs to a different project than the "
        "one these distributions are for: metadata name '{metadata_name}', normalized "
        "'{project}'. Names that differ only in '-', '_', '.' or case are the same project.",
        fix="Add this workflow as a trusted publisher of '{project}' ({settings_url}), or "
        "correct `name` in the package metadata if it names the wrong project.",
        link=TROUBLESHOOTING,
    ),
    "upload-invalid-api-token": Entry(
        title="The index refused the API token",
        happened="{file}: the index answered {status}: {message}",
        cause="The token is not valid for this project or has a restriction that failed.",
        fix="Create a new API token scoped to '{project}' and store it as the secret passed "
        "to `password`, or switch to trusted publishing.",
    ),
    "upload-password-unsupported": Entry(
        title="Username/password uploads are not supported",
        happened="{file}: the index answered {status}: {message}",
        cause="PyPI only accepts API tokens (user `__token__`) and trusted publishing.",
        fix="Remove `user` and `password` to use trusted publishing, or set `user: __token__` "
        "and pass an API token as `password`.",
        link="https://pypi.org/help/#apitoken",
    ),
    "upload-invalid-auth": Entry(
        title="The index did not accept the credentials",
        happened="{file}: the index answered {status}: {message}",
        cause="The token or password is wrong, revoked, or for another index (a TestPyPI "
        "token does not work on PyPI).",
        fix="Check the secret passed to `password`, or remove it to use trusted publishing.",
        link="https://pypi.org/help/#invalid-auth",
    ),
    "upload-index-read-only": Entry(
        title="The index is not accepting uploads right now",
        happened="{file}: the index answered {status}: {message}",
        cause="The index's administrators have paused uploads, usually for maintenance or an "
        "incident.",
        fix="Re-run the job later; files already uploaded are kept.",
    ),
    "upload-too-large": Entry(
        title="File too large for the index",
        happened="{file}: the index answered {status}: {message}",
        cause="The file exceeds the project's file size limit.",
        fix="Make the distribution smaller, or request a limit increase for the project.",
        link=STORAGE_LIMITS,
    ),
    "upload-filename-mismatch": Entry(
        title="The index rejected the distribution's name or version",
        happened="{file}: the index answered {status}: {message}",
        cause="The filename does not match the project name or version in its metadata.",
        fix="Rebuild with a current build backend instead of renaming files.",
        link=DIST_FORMATS,
    ),
    "upload-invalid-metadata": Entry(
        title="The index rejected the package metadata",
        happened="{file}: the index answered {status}: {message}",
        cause="The core metadata breaks one of the index's rules.",
        fix="Fix the metadata named in the message and rebuild.",
        link=CORE_METADATA,
    ),
    "upload-invalid-attestations": Entry(
        title="The index rejected the attestations",
        happened="{file}: the index answered {status}: {message}",
        cause="The attestation does not verify against this file, or was made by another "
        "identity than the trusted publisher.",
        fix="Let the action sign the files in the publishing job, or set `attestations: false`.",
        link=ATTESTATIONS,
    ),
    "upload-server-error": Entry(
        title="The index failed while receiving the upload",
        happened="{file}: the index answered {status}: {message}",
        cause="A temporary problem on the index.",
        fix="Re-run the job; files already uploaded are kept and identical re-uploads succeed.",
    ),
    "upload-rejected": Entry(
        title="The index rejected the upload",
        happened="{file}: the index answered {status}: {message}",
        cause="The index refused this file for the reason it gives above.",
        fix="Correct what the message names and re-run.",
    ),
    "upload-redirected": Entry(
        title="The upload URL redirects",
        happened="{file}: the index answered {status} and redirects to {location}",
        cause="Uploads are not followed through redirects, so the configured URL must be the "
        "final one (a missing trailing slash, or http instead of https, is the usual cause).",
        fix="Set `repository-url` to {location}",
    ),
    "upload-connection-failed": Entry(
        title="The upload connection failed",
        happened="{file}: {reason}",
        cause="The connection to the index broke or timed out.",
        fix="Re-run the job; files already uploaded are kept and identical re-uploads succeed.",
    ),
    # -- after the upload ----------------------------------------------------
    "verify-mismatch": Entry(
        title="The index serves a different file",
        happened="{file} is served with sha256 {index_sha256} ({url}), but the uploaded file "
        "has sha256 {local_sha256}.",
        cause="The index holds another file under this name: an earlier upload of a "
        "different build, or something between the job and the index changed the bytes.",
        fix="Compare the two files; if the published one is wrong, yank the release and "
        "publish a new version.",
    ),
    "verify-timeout": Entry(
        title="Uploaded files are not served yet",
        happened="After {seconds} s, {url} still does not list: {files}.",
        cause="The index accepted the upload but has not published it yet (a delayed CDN "
        "purge), or `check-url` points at a different index.",
        fix="Check the project page in a few minutes. Raise `verify-timeout`, set "
        "`check-url` to the index's simple URL, or set `verify: false` to skip this check.",
    ),
    "verify-provenance-missing": Entry(
        title="The attestations are not served yet",
        happened="After {seconds} s, {index} serves no provenance for: {files}.",
        cause="The files were accepted with their attestations, but the integrity API does "
        "not show them yet (a delayed CDN purge).",
        fix="Check the file's provenance on the index in a few minutes; raise "
        "`verify-timeout`, or set `verify: false` to skip this check.",
        link=ATTESTATIONS,
    ),
    "verify-provenance-mismatch": Entry(
        title="The index serves provenance that is not this workflow's",
        happened="{url} does not list an attestation of this file by the publisher "
        "{repository}, workflow {workflow}.",
        cause="The index recorded another publisher or other attestations for this file.",
        fix="Compare the provenance on the index with this job; if it is wrong, yank the "
        "release and report it to the index's administrators.",
        link=ATTESTATIONS,
    ),
    "unexpected": Entry(
        title="Unexpected internal error",
        happened="{reason}",
        cause="A bug in the action.",
        fix="Re-run the job; if it fails again, report the issue with this log.",
    ),
}


# (mint-token error code, description pattern or None for any) -> entry key
_MINT_MATCHERS: tuple[tuple[str, str | None, str], ...] = (
    ("not-enabled", None, "mint-not-enabled"),
    ("invalid-payload", r"unknown trusted publishing issuer", "mint-unknown-issuer"),
    (
        "invalid-payload",
        r"^The name '.*' (is invalid|isn't allowed|conflicts|is too similar)",
        "mint-pending-name-refused",
    ),
    ("invalid-payload", None, "mint-invalid-payload"),
    ("invalid-token", None, "mint-invalid-token"),
    ("invalid-pending-publisher", None, "mint-invalid-pending-publisher"),
    ("invalid-reuse-token", None, "mint-invalid-reuse-token"),
    (
        "invalid-publisher",
        r"job_workflow_ref claim does not match",
        "publisher-workflow-ref-mismatch",
    ),
    ("invalid-publisher", r"optional claim 'environment'", "publisher-environment-mismatch"),
    (
        "invalid-publisher",
        r"'pull_request_target' is not supported",
        "publisher-pull-request-target",
    ),
    ("invalid-publisher", r"\(Missing claim '", "publisher-missing-claim"),
    ("invalid-publisher", r"extract workflow filename", "publisher-no-workflow-file"),
    ("invalid-publisher", r"ref and sha claims are empty", "publisher-ref-missing"),
    ("invalid-publisher", None, "mint-invalid-publisher"),
)

# (HTTP status or None for any, reason-phrase pattern) -> entry key; first match wins.
_UPLOAD_MATCHERS: tuple[tuple[int | None, str, str], ...] = (
    (None, r"^File already exists|already exists", "upload-file-exists"),
    (400, r"^Non-user identities cannot create new projects", "upload-non-user-identity"),
    (403, r"^Invalid API Token: .*token is expired", "upload-token-expired"),
    (
        403,
        r"^Invalid API Token: .*OIDC scoped token is not valid for project",
        "upload-token-wrong-project",
    ),
    (403, r"^Invalid API Token:", "upload-invalid-api-token"),
    (403, r"^The given token isn't allowed to upload to project", "upload-token-wrong-project"),
    (
        403,
        r"^Username/Password authentication is no longer supported",
        "upload-password-unsupported",
    ),
    (None, r"^Invalid or non-existent authentication", "upload-invalid-auth"),
    (401, r"", "upload-invalid-auth"),
    (400, r"^(File|Project size) too large", "upload-too-large"),
    (413, r"", "upload-too-large"),
    (
        400,
        r"^(Start filename for|Version in filename|Filename .* (is invalid|should contain)"
        r"|Invalid source distribution filename|Invalid wheel filename)",
        "upload-filename-mismatch",
    ),
    (
        400,
        r"See https://packaging\.python\.org/specifications/core-metadata|is an invalid value"
        r"|is not a valid metadata version|is a required field|local versions",
        "upload-invalid-metadata",
    ),
    (400, r"^Invalid attestations supplied during upload", "upload-invalid-attestations"),
    (403, r"^(Read-only mode|New uploads are temporarily disabled)", "upload-index-read-only"),
    # Other indexes answer a bad password with a bare 401 or 403 and an HTML page.
    (403, r"", "upload-invalid-auth"),
)


def key_for_mint_error(code: str, description: str) -> str:
    for matcher_code, pattern, key in _MINT_MATCHERS:
        if code == matcher_code and (pattern is None or re.search(pattern, description)):
            return key
    return "mint-bad-response"


def key_for_upload_error(status: int, message: str) -> str:
    for matcher_status, pattern, key in _UPLOAD_MATCHERS:
        if matcher_status in (None, status) and re.search(pattern, message):
            return key
    if status >= 500:
        return "upload-server-error"
    return "upload-rejected"


class _Fields(dict[str, object]):
    """Template fields; a field the raise site did not know renders as '(unknown)'."""

    def __missing__(self, key: str) -> str:
        return "(unknown)"


def _fill(template: str, fields: _Fields) -> str:
    return string.Formatter().vformat(template, (), fields)


def diagnose(
    key: str, /, *, facts: tuple[tuple[str, str], ...] = (), **fields: object
) -> Diagnosis:
    """Render catalogue entry ``key`` with the facts known at the raise site."""
    entry = CATALOGUE[key]
    values = _Fields(fields)
    return Diagnosis(
        key=key,
        title=_fill(entry.title, values),
        happened=_fill(entry.happened, values),
        cause=_fill(entry.cause, values),
        fix=_fill(entry.fix, values),
        link=entry.link,
        facts=facts,
    )
