"""Make valid (or deliberately broken) wheels and sdists quickly, without a build backend."""

from __future__ import annotations

import base64
import hashlib
import io
import random
import tarfile
import zipfile
from pathlib import Path

from packaging.utils import canonicalize_name

__all__ = ["make_sdist", "make_wheel", "metadata_text"]


def _escaped(name: str) -> str:
    return canonicalize_name(name).replace("-", "_")


def metadata_text(
    name: str,
    version: str,
    *,
    metadata_version: str = "2.4",
    summary: str = "A test package",
    description: str | None = None,
    content_type: str = "text/markdown",
    extra_headers: dict[str, str] | None = None,
) -> str:
    lines = [f"Metadata-Version: {metadata_version}"]
    if name:
        lines.append(f"Name: {name}")
    if version:
        lines.append(f"Version: {version}")
    lines.append(f"Summary: {summary}")
    for key, value in (extra_headers or {}).items():
        lines.append(f"{key}: {value}")
    if description is not None:
        lines.append(f"Description-Content-Type: {content_type}")
        return "\n".join(lines) + "\n\n" + description
    return "\n".join(lines) + "\n"


def make_wheel(
    directory: Path,
    name: str = "hello-trusted-publish",
    version: str = "1.0.0",
    *,
    filename: str | None = None,
    metadata: str | None = None,
    payload_size: int = 0,
    metadata_version: str = "2.4",
    description: str | None = "# Hello\n",
) -> Path:
    """A pure-Python wheel whose METADATA says ``name``/``version`` (or ``metadata``)."""
    escaped = _escaped(name)
    filename = filename or f"{escaped}-{version}-py3-none-any.whl"
    dist_info = f"{escaped}-{version}.dist-info"
    files: dict[str, bytes] = {
        f"{escaped}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{dist_info}/METADATA": (
            metadata
            if metadata is not None
            else metadata_text(
                name, version, metadata_version=metadata_version, description=description
            )
        ).encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    if payload_size:
        # Incompressible bytes, so the file really has the requested size.
        files[f"{escaped}/payload.bin"] = _noise(payload_size)
    record = (
        "".join(f"{path},sha256={_record_hash(data)},{len(data)}\n" for path, data in files.items())
        + f"{dist_info}/RECORD,,\n"
    )
    files[f"{dist_info}/RECORD"] = record.encode()
    path = directory / filename
    directory.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    return path


def make_sdist(
    directory: Path,
    name: str = "hello-trusted-publish",
    version: str = "1.0.0",
    *,
    filename: str | None = None,
    metadata: str | None = None,
    metadata_version: str = "2.4",
    description: str | None = "# Hello\n",
) -> Path:
    """A .tar.gz sdist with a single top-level directory holding PKG-INFO."""
    escaped = _escaped(name)
    filename = filename or f"{escaped}-{version}.tar.gz"
    top = f"{escaped}-{version}"
    files = {
        f"{top}/PKG-INFO": (
            metadata
            if metadata is not None
            else metadata_text(
                name, version, metadata_version=metadata_version, description=description
            )
        ).encode(),
        f"{top}/pyproject.toml": f'[project]\nname = "{name}"\nversion = "{version}"\n'.encode(),
        f"{top}/{escaped}/__init__.py": f'__version__ = "{version}"\n'.encode(),
    }
    path = directory / filename
    directory.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        for member, data in files.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            info.mtime = 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
    return path


def _record_hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _noise(size: int) -> bytes:
    return random.Random(size).randbytes(size)
