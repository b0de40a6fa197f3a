"""Releases of a given shape: wheels and an sdist of a given size, each with different bytes.

The payload is random (incompressible), so a file really is as large as asked, and
seeded per file, so no two files of a release are identical (the index refuses a file
whose blake2 it already has). Wheels store the payload uncompressed (compressing noise
only costs time) and are written in chunks, so a 1 GiB wheel never sits in memory.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import random
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["PROJECT", "VERSION", "make_release", "make_sdist", "make_wheel"]

PROJECT = "bench-release"
VERSION = "1.0.0"
_CHUNK = 4 * 1024 * 1024
_DESCRIPTION = (
    "# bench-release\n\nA release made by `bench/run.py`: its files are random bytes of a "
    "chosen size.\n\n* one\n* two\n\n```python\nimport bench_release\n```\n"
)
_PYTHONS = ("cp310", "cp311", "cp312", "cp313", "cp314")
_PLATFORMS = (
    "manylinux_2_17_x86_64.manylinux2014_x86_64",
    "manylinux_2_17_aarch64.manylinux2014_aarch64",
    "musllinux_1_2_x86_64",
    "macosx_11_0_arm64",
    "win_amd64",
    "manylinux_2_28_x86_64",
    "manylinux_2_28_aarch64",
    "musllinux_1_2_aarch64",
    "macosx_10_12_x86_64",
    "win_arm64",
)


def _metadata(name: str, version: str) -> str:
    return (
        f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n"
        "Summary: Random bytes of a chosen size, for benchmarks\n"
        "Requires-Python: >=3.10\nDescription-Content-Type: text/markdown\n\n" + _DESCRIPTION
    )


def _noise(size: int, seed: int) -> Iterator[bytes]:
    generator = random.Random(seed)
    left = size
    while left > 0:
        n = min(_CHUNK, left)
        yield generator.randbytes(n)
        left -= n


def _record_hash(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_wheel(
    directory: Path, tag: str, size: int, *, seed: int, name: str = PROJECT, version: str = VERSION
) -> Path:
    """A wheel of about ``size`` bytes for ``tag`` (e.g. ``cp312-cp312-win_amd64``)."""
    escaped = name.replace("-", "_")
    dist_info = f"{escaped}-{version}.dist-info"
    path = directory / f"{escaped}-{version}-{tag}.whl"
    directory.mkdir(parents=True, exist_ok=True)
    small = {
        f"{escaped}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{dist_info}/METADATA": _metadata(name, version).encode(),
        f"{dist_info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: false\nTag: {tag}\n"
        ).encode(),
    }
    record = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in small.items():
            archive.writestr(member, data)
            record.append(
                f"{member},sha256={_record_hash(hashlib.sha256(data).digest())},{len(data)}"
            )
        payload = f"{escaped}/payload.bin"
        digest = hashlib.sha256()
        with archive.open(
            zipfile.ZipInfo(payload, date_time=(2024, 1, 1, 0, 0, 0)), "w", force_zip64=True
        ) as out:
            for chunk in _noise(size, seed):
                digest.update(chunk)
                out.write(chunk)
        record.append(f"{payload},sha256={_record_hash(digest.digest())},{size}")
        record.append(f"{dist_info}/RECORD,,")
        archive.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return path


def make_sdist(
    directory: Path, size: int, *, seed: int, name: str = PROJECT, version: str = VERSION
) -> Path:
    """A .tar.gz sdist of about ``size`` bytes (PKG-INFO, pyproject.toml and a payload)."""
    escaped = name.replace("-", "_")
    top = f"{escaped}-{version}"
    path = directory / f"{top}.tar.gz"
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        f"{top}/PKG-INFO": _metadata(name, version).encode(),
        f"{top}/pyproject.toml": f'[project]\nname = "{name}"\nversion = "{version}"\n'.encode(),
        f"{top}/{escaped}/__init__.py": f'__version__ = "{version}"\n'.encode(),
    }
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        for member, data in files.items():
            info = tarfile.TarInfo(member)
            info.size, info.mtime = len(data), 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo(f"{top}/{escaped}/payload.bin")
        info.size, info.mtime = size, 1_700_000_000
        archive.addfile(info, _Stream(_noise(size, seed)))
    return path


class _Stream(io.RawIOBase):
    """A readable stream over chunks, for tarfile.addfile (which wants exact reads)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._current = memoryview(b"")

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while size < 0 or len(out) < size:
            if not self._current:
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._current = memoryview(chunk)
            take = len(self._current) if size < 0 else min(size - len(out), len(self._current))
            out += self._current[:take]
            self._current = self._current[take:]
        return bytes(out)


def make_release(
    directory: Path, *, wheels: int, sdists: int, size: int, seed: int = 0
) -> list[Path]:
    """``sdists`` (0 or 1) sdist and ``wheels`` wheels of ``size`` bytes each, in ``directory``."""
    if sdists not in {0, 1} or wheels > len(_PYTHONS) * len(_PLATFORMS):
        msg = f"cannot make {sdists} sdists and {wheels} wheels"
        raise ValueError(msg)
    tags = (f"{py}-{py}-{plat}" for plat, py in itertools.product(_PLATFORMS, _PYTHONS))
    made = [
        make_wheel(directory, tag, size, seed=seed + i)
        for i, tag in zip(range(wheels), tags, strict=False)
    ]
    if sdists:
        made.append(make_sdist(directory, size, seed=seed + wheels))
    return sorted(made)
