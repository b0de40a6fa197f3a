"""Warehouse's legacy upload endpoint (``/legacy/``): its checks, in its order, with its texts.

Source of the rules and messages: ``shared/reference/pypi-server-and-github-oidc.md``
§5 (``warehouse/forklift/legacy.py`` and friends). Errors travel as the HTTP
reason phrase, exactly like Warehouse's ``_exc_with_message``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import re
import shutil
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    canonicalize_version,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from tests.standins.pypi.state import IssuedToken, Project, StoredFile

if TYPE_CHECKING:
    from werkzeug.datastructures import FileStorage
    from werkzeug.wrappers import Request

    from tests.standins.pypi.app import PyPI

__all__ = ["UploadRefused", "handle_upload"]

SUPPORTED_METADATA_VERSIONS = {"1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"}
CORE_METADATA_HELP = (
    "See https://packaging.python.org/specifications/core-metadata for more information."
)
NAME_RULE = (
    "Start and end with a letter or numeral containing only ASCII numeric and '.', '_' and '-'."
)
_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_HEX64 = re.compile(r"^[A-F0-9]{64}$", re.IGNORECASE)
_PEP527 = "See https://www.python.org/dev/peps/pep-0527"


@dataclass(frozen=True)
class UploadRefused(Exception):
    status: int
    message: str


class _Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def hexdigest(self) -> str: ...


def _bad(message: str) -> UploadRefused:
    return UploadRefused(400, message)


def _forbidden(message: str) -> UploadRefused:
    return UploadRefused(403, message)


def handle_upload(index: PyPI, request: Request) -> None:
    """Accept the upload or raise :class:`UploadRefused`; an identical re-upload is accepted."""
    form = {
        key: value for key, value in request.form.items(multi=False) if value.strip() != "UNKNOWN"
    }
    for field in request.files:
        if field not in {"content", "gpg_signature"}:
            raise _bad(f"{field}: Should not be a tuple.")
    token = _identity(index, request)
    if form.get("protocol_version", "1") != "1":
        raise _bad("Unknown protocol version.")
    _check_form(form)
    version = _check_metadata(form)
    content = request.files.get("content")
    if content is None:
        raise _bad("Upload payload does not have a file.")

    with index.lock:
        project = index.find_project(form["name"])
        if project is None:
            project = _create_project(index, token, form["name"])
        _check_permission(token, project)
        filename = content.filename or ""
        _check_filename(filename, form["filetype"])
        # A part without a Content-Type is text/plain (RFC 7578 §4.4), as Warehouse's
        # form parser sees it; uv publish sends its files that way.
        mimetype = content.mimetype or ("text/plain" if not content.content_type else "")
        if not mimetype or mimetype.startswith("image/"):
            raise _bad("Invalid distribution file.")
    stored = _receive(index, project, content, form)
    with index.lock:
        try:
            if _is_duplicate(index, project, stored):
                return
            _check_release_rules(index, project, stored, version)
            _check_archive(stored)
            _check_names(project, stored, version, form)
            stored.attestations = _check_attestations(index, token, stored, request)
            stored.publisher = token.publisher if stored.attestations else None
        except UploadRefused:
            stored.path.unlink(missing_ok=True)
            raise
        project.versions.setdefault(canonicalize_version(version), version)
        project.files.append(stored)


def _identity(index: PyPI, request: Request) -> IssuedToken:
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.partition(" ")
    secret = ""
    if scheme.lower() == "basic":
        try:
            username, _, secret = base64.b64decode(credential).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            username = ""
        if username != "__token__":
            raise _forbidden(
                "Username/Password authentication is no longer supported. Migrate to API "
                "Tokens or Trusted Publishers instead. See https://pypi.org/help/#apitoken "
                "and https://pypi.org/help/#trusted-publishers"
            )
    elif scheme.lower() in {"token", "bearer"}:
        secret = credential
    token = index.tokens.get(secret.strip())
    if token is None:
        raise _forbidden(
            "Invalid or non-existent authentication information. See "
            "https://pypi.org/help/#invalid-auth for more information."
        )
    return token


def _check_form(form: dict[str, str]) -> None:
    name = form.get("name", "")
    if name and not _NAME.match(name):
        shown = name if len(name) <= 60 else f"{name[:30]}...{name[-30:]}"
        raise _bad(
            f"{shown!r} is an invalid value for Name. Error: {NAME_RULE} {CORE_METADATA_HELP}"
        )
    filetype = form.get("filetype", "")
    if not filetype:
        raise _bad("Invalid value for filetype. Error: This field is required.")
    if filetype not in {"sdist", "bdist_wheel"}:
        raise _bad("Invalid value for filetype. Error: Use a known file type.")
    pyversion = form.get("pyversion", "")
    if filetype != "sdist" and not pyversion:
        raise _bad(
            "Invalid value for pyversion. Error: Python version is required for binary "
            "distribution uploads."
        )
    if filetype == "sdist" and pyversion not in {"", "source"}:
        raise _bad(
            "Invalid value for pyversion. Error: Use 'source' as Python version for an sdist."
        )
    for field, label in (("sha256_digest", "SHA256"), ("blake2_256_digest", "BLAKE2")):
        if form.get(field) and not _HEX64.match(form[field]):
            raise _bad(
                f"Invalid value for {field}. Error: Use a valid, hex-encoded, {label} "
                "message digest."
            )
    if not any(form.get(f) for f in ("md5_digest", "sha256_digest", "blake2_256_digest")):
        raise _bad("Error: Include at least one message digest.")


def _check_metadata(form: dict[str, str]) -> str:
    metadata_version = form.get("metadata_version")
    if metadata_version not in SUPPORTED_METADATA_VERSIONS:
        raise _bad(f"{metadata_version!r} is not a valid metadata version. {CORE_METADATA_HELP}")
    for field in ("name", "version"):
        if not form.get(field):
            raise _bad(f"{field!r} is a required field. {CORE_METADATA_HELP}")
    version = form["version"]
    try:
        parsed = Version(version)
    except InvalidVersion:
        raise _bad(f"{version!r} is invalid for 'version'. {CORE_METADATA_HELP}") from None
    if parsed.local is not None:
        raise _bad(
            f"The use of local versions in {version!r} is not allowed. See https://packaging."
            "python.org/en/latest/specifications/version-specifiers/#local-version-identifiers "
            "for more information."
        )
    return version


def _create_project(index: PyPI, token: IssuedToken, name: str) -> Project:
    if token.kind == "oidc":
        raise _bad(
            "Non-user identities cannot create new projects. This was probably caused by "
            "successfully using a pending publisher but specifying the project name "
            "incorrectly (either in the publisher or in your project's metadata). Please "
            "ensure that both match. See: https://docs.pypi.org/trusted-publishers/"
            "troubleshooting/"
        )
    project = Project(name)
    index.projects[project.normalized] = project
    return project


def _check_permission(token: IssuedToken, project: Project) -> None:
    failures: list[str] = []
    if token.projects is not None and project.normalized not in token.projects:
        if token.kind == "oidc":
            failures.append(f"OIDC scoped token is not valid for project {project.name!r}")
        failures.append(f"project-scoped token is not valid for project: {project.name!r}")
    now = time.time()
    if token.expires_at is not None and not (token.not_before or 0) <= now < token.expires_at:
        failures.append("token is expired")
    if failures:
        # Embedded caveats, then the same caveats stored in the database (warehouse#20364).
        raise _forbidden("Invalid API Token: " + ", ".join(failures + failures))


def _check_filename(filename: str, filetype: str) -> None:
    if any(ord(c) < 32 or ord(c) == 127 for c in filename):
        raise _bad(
            "Cannot upload a file with non-printable characters (ordinals 0-31) or the "
            "DEL character (ordinal 127) in the name."
        )
    if "/" in filename or "\\" in filename:
        raise _bad("Cannot upload a file with '/' or '\\' in the name.")
    extensions = {"sdist": (".tar.gz", ".zip"), "bdist_wheel": (".whl",)}
    if not filename.endswith((".tar.gz", ".zip", ".whl")):
        raise _bad(
            "Invalid file extension: Use .tar.gz, .whl or .zip extension. "
            f"{_PEP527} and https://peps.python.org/pep-0715/ for more information"
        )
    if not filename.endswith(extensions[filetype]):
        ext = ".tar.gz" if filename.endswith(".tar.gz") else Path(filename).suffix
        raise _bad(
            f"Invalid file extension: Extension {ext} is invalid for filetype "
            f"{filetype}. {_PEP527} for more information."
        )


def _receive(
    index: PyPI, project: Project, content: FileStorage, form: dict[str, str]
) -> StoredFile:
    """Stream the file to disk while hashing, enforcing the size limit as it arrives."""
    hashers: dict[str, _Hasher] = {
        "md5": hashlib.md5(usedforsecurity=False),
        "sha256": hashlib.sha256(),
        "blake2_256": hashlib.blake2b(digest_size=32),
    }
    limit = index.max_file_size
    size = 0
    with tempfile.NamedTemporaryFile(dir=index.storage, delete=False) as out:
        spool = Path(out.name)
        while chunk := content.stream.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                out.close()
                spool.unlink()
                raise _bad(
                    f"File too large. Limit for project {project.name!r} is "
                    f"{limit // (1024 * 1024)} MB. See https://docs.pypi.org/project-management/"
                    "storage-limits#requesting-a-file-size-limit-increase for more information."
                )
            out.write(chunk)
            for hasher in hashers.values():
                hasher.update(chunk)
    digests = {name: h.hexdigest() for name, h in hashers.items()}
    supplied = {name: form.get(f"{name}_digest", "") for name in digests}
    if not all(
        hmac.compare_digest(value.lower(), digests[name])
        for name, value in supplied.items()
        if value
    ):
        spool.unlink()
        raise _bad("The digest supplied does not match a digest calculated from the uploaded file.")
    filename = content.filename or ""
    stored = StoredFile(
        filename=filename,
        project=project.normalized,
        version=form["version"],
        packagetype=form["filetype"],
        python_version=form.get("pyversion") or "source",
        requires_python=form.get("requires_python") or None,
        size=size,
        md5=digests["md5"],
        sha256=digests["sha256"],
        blake2_256=digests["blake2_256"],
        path=index.storage / digests["blake2_256"] / filename,
        upload_time=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
    )
    stored.path.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(spool, stored.path)
    return stored


def _is_duplicate(index: PyPI, project: Project, stored: StoredFile) -> bool:
    """True for an identical re-upload (accepted as a no-op); raise for a conflict."""
    existing = [
        f
        for p in index.projects.values()
        for f in p.files
        if f.filename == stored.filename or f.blake2_256 == stored.blake2_256
    ]
    if not existing:
        return False
    if any(
        f.filename == stored.filename
        and f.sha256 == stored.sha256
        and f.blake2_256 == stored.blake2_256
        for f in existing
    ):
        if not any(f.path == stored.path for f in existing):
            stored.path.unlink(missing_ok=True)
        return True
    if all(f.path != stored.path for f in existing):
        stored.path.unlink(missing_ok=True)
    raise _bad(
        f"File already exists ({stored.filename!r}, with blake2_256 hash "
        f"{stored.blake2_256!r}). See https://pypi.org/help/#file-name-reuse for more "
        "information."
    )


def _check_release_rules(index: PyPI, project: Project, stored: StoredFile, version: str) -> None:
    if stored.filename in index.deleted_filenames:
        raise _bad(
            "This filename was previously used by a file that has since been deleted. "
            "Use a different version. See https://pypi.org/help/#file-name-reuse for "
            "more information."
        )
    if stored.packagetype == "sdist" and any(
        f.packagetype == "sdist" for f in project.release_files(version)
    ):
        raise _bad("Only one sdist may be uploaded per release.")


def _check_archive(stored: StoredFile) -> None:
    path = stored.path
    if stored.filename.endswith((".whl", ".zip")):
        if not zipfile.is_zipfile(path):
            raise _bad("Invalid distribution file. File is not a zipfile")
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        if stored.filename.endswith(".whl"):
            if not any(re.fullmatch(r"[^/]+\.dist-info/WHEEL", n) for n in names):
                raise _bad(
                    f"Invalid distribution file. WHEEL not found at {_dist_info(stored)}/WHEEL"
                )
            return
    else:
        try:
            with tarfile.open(path, "r:gz") as archive:
                names = archive.getnames()
        except (tarfile.TarError, OSError, EOFError):
            raise _bad("Invalid distribution file. File is not a tarfile") from None
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) != 1:
        raise _bad("Invalid distribution file. Incorrect number of top-level directories in sdist")
    top = tops.pop()
    if f"{top}/PKG-INFO" not in names:
        raise _bad(f"Invalid distribution file. PKG-INFO not found at {top}/PKG-INFO")


def _dist_info(stored: StoredFile) -> str:
    name, version, *_ = stored.filename.split("-")
    return f"{name}-{version}.dist-info"


def _check_names(project: Project, stored: StoredFile, version: str, form: dict[str, str]) -> None:
    filename = stored.filename
    meta_name = canonicalize_name(form["name"])
    expected_prefix = meta_name.replace("-", "_")
    if stored.packagetype == "sdist":
        try:
            file_name, file_version = parse_sdist_filename(filename)
        except InvalidSdistFilename:
            raise _bad(f"Invalid source distribution filename: {filename}") from None
        if file_name != project.normalized:
            raise _bad(f"Start filename for {project.name!r} with {expected_prefix!r}.")
        extension = ".tar.gz" if filename.endswith(".tar.gz") else ".zip"
        name_part, _, version_part = filename[: -len(extension)].rpartition("-")
        if name_part != expected_prefix:  # PEP 625: the name part must be normalized
            wanted = f"{expected_prefix}-{version_part}{extension}"
            raise _bad(f"Filename {filename!r} is invalid, should be {wanted!r}.")
    else:
        try:
            file_name, file_version, _, _ = parse_wheel_filename(filename)
        except InvalidWheelFilename as exc:
            raise _bad(str(exc)) from None
        if file_name != project.normalized:
            raise _bad(f"Start filename for {project.name!r} with {expected_prefix!r}.")
    if canonicalize_version(str(file_version)) != canonicalize_version(version):
        raise _bad(f"Version in filename should be {version!r} not {str(file_version)!r}.")


def _check_attestations(
    index: PyPI, token: IssuedToken, stored: StoredFile, request: Request
) -> list[dict[str, object]] | None:
    raw = request.form.get("attestations")
    if raw is None or index.attestations_disabled:
        return None
    prefix = "Invalid attestations supplied during upload: "
    if token.kind != "oidc" or token.publisher is None:
        raise _bad(prefix + "Attestations are only supported when using Trusted Publishing")
    try:
        attestations = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _bad(f"{prefix}Malformed attestations: {exc}") from None
    if not isinstance(attestations, list):
        raise _bad(f"{prefix}Malformed attestations: Input should be a valid array")
    if not attestations:
        raise _bad(f"{prefix}Malformed attestations: an empty attestation set is not permitted")
    if len(attestations) > 2:
        raise _bad(f"{prefix}A maximum of 2 attestations per file are supported")
    problem = index.verify_attestations(attestations, stored, token.publisher)
    if problem is not None:
        raise _bad(prefix + problem)
    return attestations
