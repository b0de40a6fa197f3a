"""The action's inputs and the runner's environment, read once into typed, validated data.

Inputs arrive as ``INPUT_<NAME>`` environment variables (upper-cased, hyphens
kept: ``INPUT_REPOSITORY-URL``), the convention GitHub uses for Docker and
JavaScript actions and that ``action.yml`` reproduces for this composite
action; command-line flags override them for local use. This is the only
module that reads ``os.environ``.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from trusted_publish import __version__
from trusted_publish.errors import failure
from trusted_publish.index import PYPI_UPLOAD_URL, Index
from trusted_publish.secret import Secret

__all__ = ["INPUTS", "InputSpec", "Inputs", "Job", "Runner", "load", "parse_inputs", "read_runner"]

TOKEN_USER = "__token__"  # noqa: S105 -- the username indexes expect with API tokens


Kind = Literal["text", "boolean", "choice", "seconds", "count", "url"]


@dataclass(frozen=True)
class InputSpec:
    """One action input: its name, deprecated alias, default, kind and help text."""

    name: str
    default: str
    help: str
    alias: str | None = None
    kind: Kind = "text"
    choices: tuple[str, ...] = ()

    @property
    def boolean(self) -> bool:
        return self.kind == "boolean"

    @property
    def env_names(self) -> tuple[str, ...]:
        names = [self.name] + ([self.alias] if self.alias else [])
        return tuple(f"INPUT_{n.replace(' ', '_').upper()}" for n in names)


# A drop-in superset of pypa/gh-action-pypi-publish's inputs (the first nine and their
# snake_case aliases). `action.yml` declares the same names; a test keeps them in step.
INPUTS: tuple[InputSpec, ...] = (
    InputSpec("user", TOKEN_USER, "Username for the index; only used with `password`."),
    InputSpec("password", "", "Password or API token; leave empty for trusted publishing."),
    InputSpec(
        "repository-url",
        PYPI_UPLOAD_URL,
        "Legacy upload URL of the index.",
        alias="repository_url",
        kind="url",
    ),
    InputSpec("packages-dir", "dist", "Directory holding the distributions.", alias="packages_dir"),
    InputSpec(
        "verify-metadata",
        "true",
        "Check metadata before uploading.",
        alias="verify_metadata",
        kind="boolean",
    ),
    InputSpec(
        "skip-existing",
        "false",
        "Skip files the index already has (identical ones; a different file of the same "
        "name is an error).",
        alias="skip_existing",
        kind="boolean",
    ),
    InputSpec("verbose", "true", "Show the index's responses.", kind="boolean"),
    InputSpec(
        "print-hash",
        "true",
        "Print each file's sha256, md5 and blake2b-256.",
        alias="print_hash",
        kind="boolean",
    ),
    InputSpec("attestations", "true", "Sign and upload PEP 740 attestations.", kind="boolean"),
    InputSpec(
        "trusted-publishing",
        "auto",
        "'auto': trusted publishing unless `password` is set; 'true': require it; "
        "'false': require `password`.",
        kind="choice",
        choices=("auto", "true", "false"),
    ),
    InputSpec(
        "dry-run",
        "false",
        "Do everything except upload: checks, token exchange, signing, and a report of "
        "what the index already has.",
        kind="boolean",
    ),
    InputSpec(
        "verify",
        "true",
        "After uploading, wait until the index serves every file with the same sha256.",
        kind="boolean",
    ),
    InputSpec(
        "verify-timeout", "300", "Seconds to wait for the index to serve the files.", kind="seconds"
    ),
    InputSpec(
        "check-url",
        "",
        "Simple-index URL to look files up in (default: the index's own /simple/).",
        kind="url",
    ),
    InputSpec(
        "retries",
        "5",
        "Attempts per request when the index or network fails transiently (1 = no retries).",
        kind="count",
    ),
    InputSpec(
        "request-timeout",
        "120",
        "Seconds any single request may wait for the index to answer before it is retried.",
        kind="seconds",
    ),
    InputSpec(
        "sigstore-trust-config",
        "",
        "Path to a sigstore ClientTrustConfig JSON (default: the public sigstore).",
    ),
)

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
_MAX_SECONDS = 3600.0
_MAX_ATTEMPTS = 20


@dataclass(frozen=True)
class Inputs:
    """Everything the user asked for, validated."""

    user: str
    password: Secret | None
    index: Index
    packages_dir: Path
    verify_metadata: bool
    skip_existing: bool
    verbose: bool
    print_hash: bool
    attestations: bool
    dry_run: bool = False
    verify: bool = True
    verify_timeout: float = 300.0
    request_timeout: float = 120.0
    retries: int = 5
    check_url: str | None = None
    sigstore_trust_config: Path | None = None

    @property
    def trusted_publishing(self) -> bool:
        return self.password is None


@dataclass(frozen=True)
class Job:
    """What the CI tells about the job being run (GitHub's variables)."""

    server_url: str = "https://github.com"
    repository: str = ""
    workflow_ref: str = ""
    event_name: str = ""
    from_fork: bool = False


@dataclass(frozen=True)
class Runner:
    """Where the runner wants results written, and the job it runs."""

    github_actions: bool
    output_file: Path | None
    summary_file: Path | None
    temp_dir: Path | None
    job: Job


def load(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Inputs:
    """Read flags and environment into validated inputs; raise ``PublishError`` if invalid."""
    from_flags = _raw_from_flags(argv)  # first, so --help and --version always work
    raw = _raw_from_environment(os.environ if environ is None else environ)
    raw.update(from_flags)
    return parse_inputs(raw)


def read_runner(environ: Mapping[str, str] | None = None) -> Runner:
    """What the runner says about the job; never fails."""
    env = os.environ if environ is None else environ

    def path(name: str) -> Path | None:
        value = env.get(name, "")
        return Path(value) if value else None

    repository = env.get("GITHUB_REPOSITORY", "")
    job = Job(
        server_url=env.get("GITHUB_SERVER_URL", "https://github.com"),
        repository=repository,
        workflow_ref=env.get("GITHUB_WORKFLOW_REF", ""),
        event_name=env.get("GITHUB_EVENT_NAME", ""),
        from_fork=_from_fork(path("GITHUB_EVENT_PATH"), repository),
    )
    return Runner(
        github_actions=env.get("GITHUB_ACTIONS") == "true",
        output_file=path("GITHUB_OUTPUT"),
        summary_file=path("GITHUB_STEP_SUMMARY"),
        temp_dir=path("RUNNER_TEMP"),
        job=job,
    )


def _from_fork(event_path: Path | None, repository: str) -> bool:
    """True when the event is a pull request whose head lives in another repository."""
    if event_path is None:
        return False
    try:
        event = json.loads(event_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    pull_request = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pull_request, dict):
        return False
    head = pull_request.get("head")
    head_repo = head.get("repo") if isinstance(head, dict) else None
    if not isinstance(head_repo, dict):
        return True  # a deleted fork has no head repository
    return head_repo.get("full_name") != repository


def _raw_from_environment(env: Mapping[str, str]) -> dict[str, str]:
    raw: dict[str, str] = {}
    problems: list[str] = []
    for spec in INPUTS:
        given = {n: env[n].strip() for n in spec.env_names if env.get(n, "").strip()}
        values = set(given.values())
        if len(values) > 1:
            problems.append(
                f"`{spec.name}` and its deprecated alias `{spec.alias}` are both set, to "
                "different values; keep only `" + spec.name + "`."
            )
        elif values:
            raw[spec.name] = values.pop()
    if problems:
        raise failure("invalid-inputs", problems=_bullets(problems))
    return raw


def _raw_from_flags(argv: Sequence[str] | None) -> dict[str, str]:
    parser = argparse.ArgumentParser(
        prog="trusted-publish",
        description="Publish the distributions in a directory to a package index through "
        "trusted publishing. Every flag can also be given as the action input "
        "INPUT_<NAME> in the environment; flags win.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    for spec in INPUTS:
        if spec.name == "password":
            continue  # Never on a command line: it would show in process listings.
        flag = f"--{spec.name}"
        if spec.kind == "boolean":
            parser.add_argument(
                flag,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=f"{spec.help} (default: {spec.default})",
            )
        else:
            parser.add_argument(flag, default=None, help=f"{spec.help} (default: {spec.default})")
    namespace = vars(parser.parse_args(argv))
    raw: dict[str, str] = {}
    for spec in INPUTS:
        value = namespace.get(spec.name.replace("-", "_"))
        if value is not None:
            raw[spec.name] = ("true" if value else "false") if spec.boolean else str(value)
    return raw


def parse_inputs(raw: Mapping[str, str]) -> Inputs:
    """Turn input strings (by canonical name) into ``Inputs``; report every problem at once."""
    values = {spec.name: raw.get(spec.name, "") or spec.default for spec in INPUTS}
    problems: list[str] = []
    flags = {s.name: _boolean(s, values[s.name], problems) for s in INPUTS if s.boolean}
    for spec in INPUTS:
        if spec.kind == "url" and values[spec.name]:
            problems.extend(filter(None, [_check_url(spec.name, values[spec.name])]))
        if spec.kind == "choice" and values[spec.name].lower() not in spec.choices:
            shown = "', '".join(spec.choices)
            problems.append(f"`{spec.name}` is {values[spec.name]!r}; use '{shown}'.")
    verify_timeout = _seconds("verify-timeout", values["verify-timeout"], problems)
    request_timeout = _seconds("request-timeout", values["request-timeout"], problems)
    retries = _count("retries", values["retries"], problems)
    password, user = values["password"], values["user"]
    _check_credentials(password, user, values["trusted-publishing"].lower(), problems)
    if problems:
        raise failure("invalid-inputs", problems=_bullets(problems))
    trust_config = values["sigstore-trust-config"]
    return Inputs(
        user=user,
        password=Secret(password) if password else None,
        index=Index(values["repository-url"]),
        packages_dir=Path(values["packages-dir"]),
        verify_metadata=flags["verify-metadata"],
        skip_existing=flags["skip-existing"],
        verbose=flags["verbose"],
        print_hash=flags["print-hash"],
        attestations=flags["attestations"],
        dry_run=flags["dry-run"],
        verify=flags["verify"],
        verify_timeout=verify_timeout,
        request_timeout=request_timeout,
        retries=retries,
        check_url=values["check-url"] or None,
        sigstore_trust_config=Path(trust_config) if trust_config else None,
    )


def _boolean(spec: InputSpec, value: str, problems: list[str]) -> bool:
    parsed = _parse_bool(value)
    if parsed is None:
        problems.append(f"`{spec.name}` is {value!r}; use 'true' or 'false'.")
    return bool(parsed)


def _seconds(name: str, value: str, problems: list[str]) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= _MAX_SECONDS:
        problems.append(f"`{name}` is {value!r}; use a number of seconds up to 3600.")
        return 0.0
    return seconds


def _count(name: str, value: str, problems: list[str]) -> int:
    if not value.isdigit() or not 1 <= int(value) <= _MAX_ATTEMPTS:
        problems.append(f"`{name}` is {value!r}; use a whole number from 1 to {_MAX_ATTEMPTS}.")
        return 1
    return int(value)


def _check_credentials(password: str, user: str, trusted: str, problems: list[str]) -> None:
    if password and trusted == "true":
        problems.append(
            "`trusted-publishing` is 'true' but `password` is set too; remove `password` "
            "(and its secret) to publish through trusted publishing."
        )
    if not password and trusted == "false":
        problems.append(
            "`trusted-publishing` is 'false' but `password` is empty; pass the API token as "
            "`password` from a secret."
        )
    if not password and user != TOKEN_USER:
        problems.append(
            f"`user` is {user!r} but `password` is empty. Remove `user` to publish through "
            "trusted publishing, or pass the API token as `password` from a secret."
        )


def _parse_bool(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


def _check_url(name: str, url: str) -> str | None:
    """Return what is wrong with ``url`` as an index URL, or ``None``."""
    shown = _without_credentials(url)
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError for a malformed port
    except ValueError:
        return f"`{name}` {shown!r} is not a valid URL."
    if parts.scheme not in {"https", "http"} or not host:
        return f"`{name}` {shown!r} must be an https:// URL such as {PYPI_UPLOAD_URL!r}."
    if parts.username is not None or parts.password is not None:
        return (
            f"`{name}` {shown!r} carries credentials; pass them as `user` and "
            "`password` (from a secret) instead, so they are masked."
        )
    if parts.scheme == "http" and not _is_loopback(host):
        return (
            f"`{name}` {shown!r} uses plain http, which would send the token "
            "unencrypted; use https (plain http is only accepted for loopback addresses)."
        )
    if parts.query or parts.fragment:
        return f"`{name}` {shown!r} must not have a query or fragment."
    return None


def _without_credentials(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)
