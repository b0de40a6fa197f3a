"""Find the distributions to publish, read their names, versions and core metadata.

Everything here runs before any network call: a directory the index would
reject is refused with a precise reason, and nothing is uploaded.
"""

from __future__ import annotations

import email.message
import hashlib
import io
import os
import re
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from packaging.metadata import ExceptionGroup, InvalidMetadata, Metadata, parse_email
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    canonicalize_version,
    parse_sdist_filename,
    parse_wheel_filename,
)

from trusted_publish.errors import failure

__all__ = [
    "DescriptionCheck",
    "Digests",
    "Distribution",
    "Found",
    "LocalFile",
    "check_description",
    "digests",
    "find_distributions",
    "hash_all",
]

Kind = Literal["wheel", "sdist"]

# The metadata versions PyPI accepts (warehouse SUPPORTED_METADATA_VERSIONS).
SUPPORTED_METADATA_VERSIONS = ("1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5")
ATTESTATION_SUFFIX = ".attestation"
_METADATA_SIZE_LIMIT = 16 * 1024 * 1024
_SDIST_SUFFIXES = (".tar.gz", ".zip")


@dataclass(frozen=True)
class Distribution:
    """One file to upload and what its metadata says."""

    path: Path
    kind: Kind
    name: str
    version: str
    metadata_version: str
    size: int
    description: str | None = None
    description_content_type: str | None = None

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def project(self) -> NormalizedName:
        return canonicalize_name(self.name)


@dataclass(frozen=True)
class Found:
    """The distributions in upload order, and attestation files found next to them."""

    distributions: tuple[Distribution, ...]
    attestations: dict[str, tuple[Path, ...]]


@dataclass(frozen=True)
class Digests:
    sha256: str
    md5: str
    blake2b_256: str


def digests(path: Path) -> Digests:
    """Hash a file once for the three digests indexes use."""
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    blake2 = hashlib.blake2b(digest_size=32)
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            sha256.update(chunk)
            md5.update(chunk)
            blake2.update(chunk)
    return Digests(sha256.hexdigest(), md5.hexdigest(), blake2.hexdigest())


def find_distributions(directory: Path) -> Found:
    """Return the wheels and sdists in ``directory``, wheels first; refuse anything else."""
    if not directory.exists():
        raise failure("packages-dir-missing", path=directory)
    if not directory.is_dir():
        raise failure("packages-dir-not-a-directory", path=directory)

    dist_paths, attestation_paths, unknown = _classify(directory)
    if unknown:
        raise failure(
            "not-a-distribution", path=directory, files=", ".join(f"'{n}'" for n in unknown)
        )
    if not dist_paths:
        raise failure("packages-dir-empty", path=directory)

    distributions = sorted(
        (_read(path) for path in dist_paths),
        key=lambda d: (d.kind != "wheel", d.filename),
    )
    _refuse_mixed_releases(directory, distributions)
    return Found(tuple(distributions), _pair_attestations(directory, dist_paths, attestation_paths))


def _refuse_mixed_releases(directory: Path, distributions: Sequence[Distribution]) -> None:
    """One version per project, one sdist per release: what a single release looks like.

    Several projects are fine (a monorepo publishing together); each must be
    authorized for the publisher on the index.
    """
    versions: dict[str, dict[str, str]] = {}  # project -> canonical version -> as written
    sdists: dict[tuple[str, str], list[Distribution]] = {}
    for dist in distributions:
        version = canonicalize_version(dist.version)
        versions.setdefault(dist.project, {}).setdefault(version, dist.version)
        if dist.kind == "sdist":
            sdists.setdefault((dist.project, version), []).append(dist)
    for project, found in versions.items():
        if len(found) > 1:
            raise failure(
                "several-versions",
                path=directory,
                project=project,
                versions=", ".join(sorted(found.values())),
            )
    for same_release in sdists.values():
        if len(same_release) > 1:
            raise failure(
                "several-sdists",
                files=" and ".join(d.filename for d in same_release),
                project=same_release[0].name,
                version=same_release[0].version,
            )


@dataclass(frozen=True)
class LocalFile:
    """A distribution and its digests: what is compared with what the index serves."""

    distribution: Distribution
    digests: Digests


def hash_all(distributions: Sequence[Distribution]) -> list[LocalFile]:
    """Hash the files side by side: hashlib and file reads let other threads run."""
    workers = min(len(distributions), os.cpu_count() or 1) or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda d: LocalFile(d, digests(d.path)), distributions))


def _classify(directory: Path) -> tuple[list[Path], list[Path], list[str]]:
    dists: list[Path] = []
    attestations: list[Path] = []
    unknown: list[str] = []
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith("."):
            continue  # .gitignore written by build tools, editor files
        _refuse_links_outside(entry, directory)
        if entry.is_dir():
            if _looks_like_distribution(entry.name):
                raise failure("nested-artifact-directory", file=entry)
            unknown.append(entry.name + "/")
        elif entry.name.endswith(ATTESTATION_SUFFIX):
            attestations.append(entry)
        elif _looks_like_distribution(entry.name):
            dists.append(entry)
        else:
            unknown.append(entry.name)
    return dists, attestations, unknown


def _looks_like_distribution(name: str) -> bool:
    return name.endswith((".whl", *_SDIST_SUFFIXES))


def _refuse_links_outside(entry: Path, directory: Path) -> None:
    if not entry.is_symlink():
        return
    target = entry.resolve()
    if not target.is_relative_to(directory.resolve()):
        raise failure("symlink-outside", file=entry, target=target, path=directory)


def _pair_attestations(
    directory: Path, dists: Iterable[Path], attestations: Iterable[Path]
) -> dict[str, tuple[Path, ...]]:
    names = {d.name for d in dists}
    paired: dict[str, list[Path]] = {}
    orphans: list[str] = []
    for path in attestations:
        # <dist filename>.<kind>.attestation, e.g. foo-1.0.tar.gz.publish.attestation
        stem = path.name[: -len(ATTESTATION_SUFFIX)].rsplit(".", 1)[0]
        if stem in names:
            paired.setdefault(stem, []).append(path)
        else:
            orphans.append(path.name)
    if orphans:
        raise failure(
            "not-a-distribution", path=directory, files=", ".join(f"'{n}'" for n in orphans)
        )
    return {name: tuple(paths) for name, paths in paired.items()}


def _read(path: Path) -> Distribution:
    kind: Kind = "wheel" if path.name.endswith(".whl") else "sdist"
    file_name, file_version = _parse_filename(path, kind)
    raw_metadata = _read_wheel_metadata(path) if kind == "wheel" else _read_sdist_metadata(path)
    metadata = _parse_metadata(path, raw_metadata)
    if canonicalize_name(metadata.name) != file_name:
        raise failure(
            "filename-metadata-mismatch",
            file=path.name,
            file_value=str(file_name),
            meta_value=metadata.name,
        )
    if canonicalize_version(str(metadata.version)) != canonicalize_version(file_version):
        raise failure(
            "filename-metadata-mismatch",
            file=path.name,
            file_value=file_version,
            meta_value=str(metadata.version),
        )
    return Distribution(
        path=path,
        kind=kind,
        name=metadata.name,
        version=str(metadata.version),
        metadata_version=metadata.metadata_version,
        size=path.stat().st_size,
        description=metadata.description,
        description_content_type=metadata.description_content_type,
    )


def _parse_filename(path: Path, kind: Kind) -> tuple[NormalizedName, str]:
    try:
        if kind == "wheel":
            name, version, _build, _tags = parse_wheel_filename(path.name)
        else:
            name, version = parse_sdist_filename(path.name)
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise failure("invalid-filename", file=path.name, kind=kind, reason=exc) from exc
    return name, str(version)


def _read_wheel_metadata(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            candidates = [
                info
                for info in archive.infolist()
                if _is_top_level_file(info.filename, ".dist-info", "METADATA")
            ]
            if len(candidates) != 1:
                reason = f"expected one *.dist-info/METADATA, found {len(candidates)}"
                raise failure("corrupt-distribution", file=path.name, reason=reason)
            return _bounded_read(path, candidates[0].file_size, lambda: archive.read(candidates[0]))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise failure("corrupt-distribution", file=path.name, reason=exc) from exc


def _read_sdist_metadata(path: Path) -> bytes:
    try:
        if path.name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                infos = [
                    i for i in archive.infolist() if _is_top_level_file(i.filename, "", "PKG-INFO")
                ]
                if len(infos) == 1:
                    return _bounded_read(path, infos[0].file_size, lambda: archive.read(infos[0]))
        else:
            with tarfile.open(path, "r:gz") as archive:
                members = [
                    m
                    for m in archive.getmembers()
                    if m.isfile() and _is_top_level_file(m.name, "", "PKG-INFO")
                ]
                if len(members) == 1:
                    stream = archive.extractfile(members[0])
                    if stream is not None:
                        return _bounded_read(path, members[0].size, stream.read)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise failure("corrupt-distribution", file=path.name, reason=exc) from exc
    raise failure(
        "corrupt-distribution",
        file=path.name,
        reason="no PKG-INFO in the archive's single top-level directory",
    )


def _is_top_level_file(member: str, directory_suffix: str, filename: str) -> bool:
    parts = PurePosixPath(member).parts
    return len(parts) == 2 and parts[0].endswith(directory_suffix) and parts[1] == filename


def _bounded_read(path: Path, size: int, read: Callable[[], bytes]) -> bytes:
    if size > _METADATA_SIZE_LIMIT:
        raise failure(
            "corrupt-distribution",
            file=path.name,
            reason=f"its metadata file is {size} bytes, more than any real one",
        )
    return read()


def _parse_metadata(path: Path, data: bytes) -> Metadata:
    raw, unparsed = parse_email(data)
    declared = raw.get("metadata_version")
    if declared not in SUPPORTED_METADATA_VERSIONS:
        reason = (
            f"Metadata-Version {declared!r} is not one the index accepts "
            f"({', '.join(SUPPORTED_METADATA_VERSIONS)})"
        )
        raise failure("invalid-metadata", file=path.name, reason=reason)
    if declared in SUPPORTED_METADATA_VERSIONS[: SUPPORTED_METADATA_VERSIONS.index("2.4")]:
        # setuptools writes License-File under Metadata-Version 2.1, before the field
        # existed; twine drops it before upload and the index never sees it.
        raw.pop("license_files", None)
        unparsed.pop("license-file", None)
    if unparsed:
        fields = ", ".join(sorted(unparsed))
        raise failure(
            "invalid-metadata", file=path.name, reason=f"unrecognized or malformed fields: {fields}"
        )
    try:
        return Metadata.from_raw(raw)
    except ExceptionGroup as group:
        reasons = "; ".join(sorted(str(e) for e in group.exceptions))
        raise failure("invalid-metadata", file=path.name, reason=reasons) from group
    except InvalidMetadata as exc:
        raise failure("invalid-metadata", file=path.name, reason=exc) from exc


@dataclass(frozen=True)
class DescriptionCheck:
    """What ``twine check`` says about a distribution's long description."""

    warnings: tuple[str, ...]
    error: str | None


def check_description(distribution: Distribution) -> DescriptionCheck:
    """The check PyPI applies on upload (as ``twine check``): the description must render.

    Works on the metadata already read, so large files are not read again.
    """
    warnings: list[str] = []
    content_type = distribution.description_content_type
    if content_type is None:
        warnings.append("`long_description_content_type` missing. defaulting to `text/x-rst`.")
        content_type = "text/x-rst"
    description = distribution.description
    if not description or description.rstrip() == "UNKNOWN":
        warnings.append("`long_description` missing.")
        return DescriptionCheck(tuple(warnings), None)
    media_type, params = _parse_content_type(content_type)
    if media_type in {"text/plain", "text/markdown"}:
        return DescriptionCheck(tuple(warnings), None)  # these always render
    import readme_renderer.rst  # noqa: PLC0415 -- docutils is heavy; only for reST

    stream = io.StringIO()
    rendered = readme_renderer.rst.render(description, stream=stream, **params)
    error = None if rendered is not None else _docutils_report(stream.getvalue())
    return DescriptionCheck(tuple(warnings), error)


def _parse_content_type(value: str) -> tuple[str, dict[str, str]]:
    message = email.message.EmailMessage()
    message["content-type"] = value
    return message.get_content_type(), dict(message["content-type"].params)


def _docutils_report(text: str) -> str:
    """docutils' report lines, as ``line N: Level: message``."""
    lines = []
    for match in _REPORT.finditer(text):
        level = match.group("level").capitalize()
        lines.append(f"line {match.group('line')}: {level}: {match.group('message').strip()}")
    return "\n".join(lines) or text.strip() or "the description does not render"


_REPORT = re.compile(
    r"^<string>:(?P<line>\d*): \((?P<level>DEBUG|INFO|WARNING|ERROR|SEVERE)/\d+\) "
    r"(?P<message>.*)$",
    re.MULTILINE,
)
