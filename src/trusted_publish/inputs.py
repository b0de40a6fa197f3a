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
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from trusted_publish import __version__
from trusted_publish.errors import failure
from trusted_publish.index import PYPI_UPLOAD_URL, Index
from trusted_publish.secret import Secret

__all__ = ["INPUTS", "InputSpec", "Inputs", "Runner", "load", "parse_inputs", "read_runner"]

TOKEN_USER = "__token__"  # noqa: S105 -- the username indexes expect with API tokens


@dataclass(frozen=True)
class InputSpec:
    """One action input: its name, deprecated alias, default and help text."""

    name: str
    default: str
    help: str
    alias: str | None = None
    boolean: bool = False

    @property
    def env_names(self) -> tuple[str, ...]:
        names = [self.name] + ([self.alias] if self.alias else [])
        return tuple(f"INPUT_{n.replace(' ', '_').upper()}" for n in names)


# The drop-in superset of pypa/gh-action-pypi-publish's inputs. `action.yml`
# declares the same names; a test keeps the two in step.
INPUTS: tuple[InputSpec, ...] = (
    InputSpec("user", TOKEN_USER, "Username for the index; only used with `password`."),
    InputSpec("password", "", "Password or API token; leave empty for trusted publishing."),
    InputSpec(
        "repository-url", PYPI_UPLOAD_URL, "Legacy upload URL of the index.", alias="repository_url"
    ),
    InputSpec("packages-dir", "dist", "Directory holding the distributions.", alias="packages_dir"),
    InputSpec(
        "verify-metadata",
        "true",
        "Check metadata before uploading.",
        alias="verify_metadata",
        boolean=True,
    ),
    InputSpec(
        "skip-existing",
        "false",
        "Skip files the index already has.",
        alias="skip_existing",
        boolean=True,
    ),
    InputSpec("verbose", "true", "Show the index's responses.", boolean=True),
    InputSpec(
        "print-hash",
        "true",
        "Print each file's sha256, md5 and blake2b-256.",
        alias="print_hash",
        boolean=True,
    ),
    InputSpec("attestations", "true", "Sign and upload PEP 740 attestations.", boolean=True),
)

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


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

    @property
    def trusted_publishing(self) -> bool:
        return self.password is None


@dataclass(frozen=True)
class Runner:
    """What the CI runner tells about the job (GitHub's variable names)."""

    github_actions: bool
    output_file: Path | None
    summary_file: Path | None
    server_url: str
    repository: str


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

    return Runner(
        github_actions=env.get("GITHUB_ACTIONS") == "true",
        output_file=path("GITHUB_OUTPUT"),
        summary_file=path("GITHUB_STEP_SUMMARY"),
        server_url=env.get("GITHUB_SERVER_URL", "https://github.com"),
        repository=env.get("GITHUB_REPOSITORY", ""),
    )


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
        if spec.boolean:
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
    flags: dict[str, bool] = {}
    for spec in INPUTS:
        if spec.boolean:
            parsed = _parse_bool(values[spec.name])
            if parsed is None:
                problems.append(f"`{spec.name}` is {values[spec.name]!r}; use 'true' or 'false'.")
            flags[spec.name] = bool(parsed)
    url_problem = _check_repository_url(values["repository-url"])
    if url_problem:
        problems.append(url_problem)
    password = values["password"]
    user = values["user"]
    if not password and user != TOKEN_USER:
        problems.append(
            f"`user` is {user!r} but `password` is empty. Remove `user` to publish through "
            "trusted publishing, or pass the API token as `password` from a secret."
        )
    if problems:
        raise failure("invalid-inputs", problems=_bullets(problems))
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
    )


def _parse_bool(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


def _check_repository_url(url: str) -> str | None:
    """Return what is wrong with ``url`` as an upload URL, or ``None``."""
    shown = _without_credentials(url)
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError for a malformed port
    except ValueError:
        return f"`repository-url` {shown!r} is not a valid URL."
    if parts.scheme not in {"https", "http"} or not host:
        return f"`repository-url` {shown!r} must be an https:// URL such as {PYPI_UPLOAD_URL!r}."
    if parts.username is not None or parts.password is not None:
        return (
            f"`repository-url` {shown!r} carries credentials; pass them as `user` and "
            "`password` (from a secret) instead, so they are masked."
        )
    if parts.scheme == "http" and not _is_loopback(host):
        return (
            f"`repository-url` {shown!r} uses plain http, which would send the token "
            "unencrypted; use https (plain http is only accepted for loopback addresses)."
        )
    if parts.query or parts.fragment:
        return f"`repository-url` {shown!r} must not have a query or fragment."
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
