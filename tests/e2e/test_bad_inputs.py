"""Bad input is refused before any network call, with a clear annotation; nothing is sent.

Decisions recorded here: several *projects* in one directory are published together
(a monorepo release); several *versions* of one project are refused as stale files.
"""

from __future__ import annotations

import os
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.harness import Job
from tests.standins.dists import make_sdist, make_wheel, metadata_text
from tests.standins.github_oidc import GitHubOIDC
from tests.standins.pypi import PyPI

Setup = Callable[[Path], dict[str, str]]


@dataclass(frozen=True)
class BadInput:
    name: str
    setup: Setup
    title: str
    says: str

    def __str__(self) -> str:
        return self.name


def _only(make: Callable[[Path], object]) -> Setup:
    """Lay out the packages directory with ``make``; all inputs stay at their defaults."""

    def setup(dist: Path) -> dict[str, str]:
        make(dist)
        return {}

    return setup


def _wheel_and(extra: Callable[[Path], object]) -> Setup:
    def setup(dist: Path) -> dict[str, str]:
        make_wheel(dist)
        extra(dist)
        return {}

    return setup


def _inputs(values: dict[str, str], with_wheel: bool = True) -> Setup:
    def setup(dist: Path) -> dict[str, str]:
        if with_wheel:
            make_wheel(dist)
        return values

    return setup


def _missing_dir(dist: Path) -> dict[str, str]:
    return {"packages-dir": "no-such-dir"}


def _dir_is_a_file(dist: Path) -> dict[str, str]:
    return {"packages-dir": str(make_wheel(dist))}


def _corrupt_zip_sdist(dist: Path) -> dict[str, str]:
    (dist / "hello_trusted_publish-1.0.0.zip").write_bytes(b"PK\x05\x06" + b"\0" * 10)
    return {}


def _tarball_without_pkg_info(dist: Path) -> dict[str, str]:
    with tarfile.open(dist / "hello_trusted_publish-1.0.0.tar.gz", "w:gz") as archive:
        archive.addfile(tarfile.TarInfo("hello_trusted_publish-1.0.0/setup.py"))
    return {}


def _wheel_without_metadata(dist: Path) -> dict[str, str]:
    with zipfile.ZipFile(dist / "hello_trusted_publish-1.0.0-py3-none-any.whl", "w") as archive:
        archive.writestr("hello_trusted_publish/__init__.py", "")
    return {}


def _symlink_outside(dist: Path) -> dict[str, str]:
    target = make_wheel(dist.parent / "elsewhere")
    (dist / target.name).symlink_to(target)
    return {}


def _two_sdists(dist: Path) -> dict[str, str]:
    make_sdist(dist)
    with zipfile.ZipFile(dist / "hello_trusted_publish-1.0.0.zip", "w") as archive:
        archive.writestr(
            "hello_trusted_publish-1.0.0/PKG-INFO", metadata_text("hello-trusted-publish", "1.0.0")
        )
    return {}


INVALID = "Invalid action inputs"
BAD_INPUTS: tuple[BadInput, ...] = (
    BadInput("packages-dir missing", _missing_dir, "Packages directory not found", "no-such-dir"),
    BadInput("packages-dir empty", lambda d: {}, "No distributions to upload", "holds no wheels"),
    BadInput(
        "packages-dir is a file",
        _dir_is_a_file,
        "Packages directory is not a directory",
        "is a file",
    ),
    BadInput(
        "not a distribution",
        _wheel_and(lambda d: (d / "notes.txt").write_text("x")),
        "Unexpected files in the packages directory",
        "'notes.txt'",
    ),
    BadInput(
        "legacy egg",
        _wheel_and(lambda d: (d / "hello-1.0-py3.11.egg").write_text("x")),
        "Unexpected files in the packages directory",
        "hello-1.0-py3.11.egg",
    ),
    BadInput(
        "corrupt wheel",
        _only(lambda d: (d / "hello_trusted_publish-1.0.0-py3-none-any.whl").write_bytes(b"junk")),
        "Corrupt distribution",
        "cannot be read",
    ),
    BadInput("corrupt zip sdist", _corrupt_zip_sdist, "Corrupt distribution", "cannot be read"),
    BadInput(
        "truncated tarball",
        _only(
            lambda d: (d / "hello_trusted_publish-1.0.0.tar.gz").write_bytes(
                make_sdist(d.parent / "t").read_bytes()[:60]
            )
        ),
        "Corrupt distribution",
        "cannot be read",
    ),
    BadInput(
        "tarball without PKG-INFO",
        _tarball_without_pkg_info,
        "Corrupt distribution",
        "no PKG-INFO",
    ),
    BadInput("wheel without METADATA", _wheel_without_metadata, "Corrupt distribution", "METADATA"),
    BadInput(
        "metadata without name",
        _only(lambda d: make_wheel(d, metadata=metadata_text("", "1.0.0"))),
        "Invalid package metadata",
        "name",
    ),
    BadInput(
        "metadata without version",
        _only(lambda d: make_wheel(d, metadata=metadata_text("hello-trusted-publish", ""))),
        "Invalid package metadata",
        "version",
    ),
    BadInput(
        "filename and metadata name disagree",
        _only(lambda d: make_wheel(d, filename="other_name-1.0.0-py3-none-any.whl")),
        "Filename and metadata disagree",
        "'other-name'",
    ),
    BadInput(
        "filename and metadata version disagree",
        _only(lambda d: make_wheel(d, filename="hello_trusted_publish-2.0-py3-none-any.whl")),
        "Filename and metadata disagree",
        "'2.0'",
    ),
    BadInput(
        "two sdists for one release",
        _two_sdists,
        "Two source distributions for one release",
        "are both source distributions",
    ),
    BadInput(
        "two versions of one project",
        _only(lambda d: (make_wheel(d, version="1.0.0"), make_wheel(d, version="1.1.0"))),
        "Several versions of one project",
        "1.0.0, 1.1.0",
    ),
    BadInput(
        "symlink out of the directory",
        _symlink_outside,
        "A distribution is a link out of the packages directory",
        "outside",
    ),
    BadInput(
        "repository-url over plain http",
        _inputs({"repository-url": "http://pypi.example.com/legacy/"}),
        INVALID,
        "plain http",
    ),
    BadInput(
        "repository-url malformed",
        _inputs({"repository-url": "https://[pypi.example.com/legacy/"}),
        INVALID,
        "not a valid URL",
    ),
    BadInput(
        "repository-url without scheme",
        _inputs({"repository-url": "upload.pypi.org/legacy/"}),
        INVALID,
        "must be an https:// URL",
    ),
    BadInput(
        "repository-url with credentials",
        _inputs({"repository-url": "https://me:hunter2@upload.pypi.org/legacy/"}),
        INVALID,
        "carries credentials",
    ),
    BadInput("boolean 'yes please'", _inputs({"verbose": "yes please"}), INVALID, "'yes please'"),
    BadInput("boolean 'treu'", _inputs({"skip-existing": "treu"}), INVALID, "'treu'"),
    BadInput(
        "password with trusted-publishing: true",
        _inputs({"password": "pypi-hunter2", "trusted-publishing": "true"}),
        INVALID,
        "`trusted-publishing` is 'true' but `password` is set",
    ),
    BadInput(
        "trusted-publishing: false without password",
        _inputs({"trusted-publishing": "false"}),
        INVALID,
        "`trusted-publishing` is 'false' but `password` is empty",
    ),
    BadInput(
        "alias and input disagree",
        _inputs({"packages-dir": "dist", "packages_dir": "other"}),
        INVALID,
        "both set, to different values",
    ),
    BadInput("verify-timeout not a number", _inputs({"verify-timeout": "soon"}), INVALID, "'soon'"),
)


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=str)
def test_bad_input_is_refused_before_any_network_call(
    job: Job, pypi: PyPI, github: GitHubOIDC, bad: BadInput
) -> None:
    if bad.name.startswith("symlink") and os.name == "nt":
        pytest.skip("symlinks need privileges on Windows")
    pypi.add_publisher("hello-trusted-publish")
    inputs = bad.setup(job.dist)

    run = job.run(inputs)

    assert run.returncode == 1
    assert run.error.title == bad.title
    assert bad.says in run.error.data
    assert pypi.requests == []
    assert github.issued == []
    assert "hunter2" not in run.log
