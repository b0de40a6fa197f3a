"""What the PyPI stand-in knows: projects, files, trusted publishers and issued tokens."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from packaging.utils import NormalizedName, canonicalize_name, canonicalize_version

__all__ = [
    "GitHubPublisher",
    "IssuedToken",
    "PendingPublisher",
    "Project",
    "StoredFile",
]


@dataclass
class GitHubPublisher:
    """A trusted publisher as stored by Warehouse (owner and names exactly as configured)."""

    owner: str
    repository: str
    owner_id: str
    workflow: str
    environment: str = ""  # stored lowercased, "" = any environment
    projects: set[NormalizedName] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.environment = self.environment.lower()


@dataclass
class PendingPublisher:
    """A publisher registered for a project that does not exist yet."""

    project_name: str
    owner: str
    repository: str
    owner_id: str
    workflow: str
    environment: str = ""

    def __post_init__(self) -> None:
        self.environment = self.environment.lower()


@dataclass
class StoredFile:
    filename: str
    project: NormalizedName
    version: str
    packagetype: str
    python_version: str
    requires_python: str | None
    size: int
    md5: str
    sha256: str
    blake2_256: str
    path: Path
    upload_time: dt.datetime
    attestations: list[dict[str, object]] | None = None
    publisher: GitHubPublisher | None = None  # who made the attestations (provenance)

    @property
    def url_path(self) -> str:
        digest = self.blake2_256
        return f"/packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{self.filename}"


@dataclass
class Project:
    name: str  # as first registered
    files: list[StoredFile] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)  # canonical -> as uploaded first

    @property
    def normalized(self) -> NormalizedName:
        return canonicalize_name(self.name)

    def release_files(self, version: str) -> list[StoredFile]:
        canonical = canonicalize_version(version)
        return [f for f in self.files if canonicalize_version(f.version) == canonical]


@dataclass
class IssuedToken:
    """A minted (OIDC) or user API token, with the caveats Warehouse would check."""

    value: str
    kind: Literal["oidc", "user"]
    projects: set[NormalizedName] | None  # None: every project of the user
    expires_at: float | None = None
    not_before: float | None = None
    publisher: GitHubPublisher | None = None

    @staticmethod
    def new_value() -> str:
        # Shaped like a real macaroon: "pypi-" + base64 that starts with the location.
        return "pypi-AgEIcHlwaS5vcmc" + secrets.token_urlsafe(96)
