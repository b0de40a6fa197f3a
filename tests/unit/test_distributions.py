"""Finding and reading distributions: everything the index would refuse is refused first."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from tests.standins.dists import make_sdist, make_wheel, metadata_text
from trusted_publish.distributions import check_description, digests, find_distributions
from trusted_publish.errors import PublishError


def refused(directory: Path) -> str:
    with pytest.raises(PublishError) as caught:
        find_distributions(directory)
    return caught.value.diagnosis.key


def test_wheels_come_first_then_sdists(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, "zeta", "1.0")
    wheel_b = make_wheel(tmp_path, "beta", "1.0")
    wheel_a = make_wheel(tmp_path, "alpha", "1.0")

    found = find_distributions(tmp_path)

    assert [d.path for d in found.distributions] == [wheel_a, wheel_b, sdist]
    assert [d.kind for d in found.distributions] == ["wheel", "wheel", "sdist"]


def test_reads_name_version_and_metadata_version(tmp_path: Path) -> None:
    make_wheel(tmp_path, "Hello.World", "1.0.post1", metadata_version="2.1")

    [dist] = find_distributions(tmp_path).distributions

    assert (dist.name, dist.version, dist.metadata_version) == ("Hello.World", "1.0.post1", "2.1")
    assert dist.project == "hello-world"


@pytest.mark.parametrize(
    "metadata_version", ["1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"]
)
def test_every_metadata_version_the_index_accepts(tmp_path: Path, metadata_version: str) -> None:
    make_sdist(tmp_path, "demo", "1.0", metadata_version=metadata_version, description=None)

    assert find_distributions(tmp_path).distributions[0].metadata_version == metadata_version


def test_metadata_version_the_index_refuses(tmp_path: Path) -> None:
    make_wheel(tmp_path, "demo", "1.0", metadata_version="2.6")

    assert refused(tmp_path) == "invalid-metadata"


def test_zip_sdist_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "demo-1.0.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("demo-1.0/PKG-INFO", metadata_text("demo", "1.0"))

    assert find_distributions(tmp_path).distributions[0].kind == "sdist"


def test_hidden_files_are_ignored(tmp_path: Path) -> None:
    make_wheel(tmp_path)
    (tmp_path / ".gitignore").write_text("*\n")

    assert len(find_distributions(tmp_path).distributions) == 1


def test_missing_directory(tmp_path: Path) -> None:
    assert refused(tmp_path / "nope") == "packages-dir-missing"


def test_a_file_instead_of_a_directory(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path)

    assert refused(wheel) == "packages-dir-not-a-directory"


def test_empty_directory(tmp_path: Path) -> None:
    assert refused(tmp_path) == "packages-dir-empty"


def test_unknown_files_are_named(tmp_path: Path) -> None:
    make_wheel(tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "demo-1.0.egg").write_text("x")

    with pytest.raises(PublishError) as caught:
        find_distributions(tmp_path)

    assert "'demo-1.0.egg', 'notes.txt'" in caught.value.diagnosis.happened


def test_download_artifact_nesting_is_explained(tmp_path: Path) -> None:
    make_wheel(tmp_path / "hello_trusted_publish-1.0.0-py3-none-any.whl")

    assert refused(tmp_path) == "nested-artifact-directory"


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_symlink_out_of_the_directory(tmp_path: Path) -> None:
    outside = make_wheel(tmp_path / "elsewhere")
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / outside.name).symlink_to(outside)

    assert refused(dist) == "symlink-outside"


def test_corrupt_wheel(tmp_path: Path) -> None:
    (tmp_path / "demo-1.0-py3-none-any.whl").write_bytes(b"PK\x03\x04 not really a zip")

    assert refused(tmp_path) == "corrupt-distribution"


def test_truncated_sdist(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path)
    sdist.write_bytes(sdist.read_bytes()[:40])

    assert refused(tmp_path) == "corrupt-distribution"


def test_wheel_without_metadata(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "demo-1.0-py3-none-any.whl", "w") as archive:
        archive.writestr("demo/__init__.py", "")

    assert refused(tmp_path) == "corrupt-distribution"


@pytest.mark.parametrize(("name", "version"), [("", "1.0"), ("demo", "")])
def test_metadata_without_name_or_version(tmp_path: Path, name: str, version: str) -> None:
    make_wheel(tmp_path, "demo", "1.0", metadata=metadata_text(name, version))

    assert refused(tmp_path) == "invalid-metadata"


def test_invalid_filename(tmp_path: Path) -> None:
    make_wheel(tmp_path, filename="demo-1.0.whl")

    assert refused(tmp_path) == "invalid-filename"


@pytest.mark.parametrize("filename", ["other-1.0-py3-none-any.whl", "demo-2.0-py3-none-any.whl"])
def test_filename_and_metadata_disagree(tmp_path: Path, filename: str) -> None:
    make_wheel(tmp_path, "demo", "1.0", filename=filename)

    assert refused(tmp_path) == "filename-metadata-mismatch"


def test_attestations_next_to_distributions_are_paired(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path)
    attestation = tmp_path / f"{wheel.name}.publish.attestation"
    attestation.write_text("{}")

    assert find_distributions(tmp_path).attestations == {wheel.name: (attestation,)}


def test_attestation_without_its_distribution(tmp_path: Path) -> None:
    make_wheel(tmp_path)
    (tmp_path / "other-1.0.tar.gz.publish.attestation").write_text("{}")

    assert refused(tmp_path) == "not-a-distribution"


def test_digests(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc")

    result = digests(path)

    assert result.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert result.md5 == "900150983cd24fb0d6963f7d28e17f72"
    assert result.blake2b_256.startswith("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262")


def test_description_that_will_not_render(tmp_path: Path) -> None:
    make_wheel(
        tmp_path,
        "demo",
        "1.0",
        metadata=metadata_text(
            "demo",
            "1.0",
            description="Title\n=====\n\n.. broken:: directive\n   :x:\n\n`unclosed",
            content_type="text/x-rst",
        ),
    )
    [dist] = find_distributions(tmp_path).distributions

    assert check_description(dist).error is not None


def test_markdown_description_passes(tmp_path: Path) -> None:
    make_wheel(tmp_path, "demo", "1.0")
    [dist] = find_distributions(tmp_path).distributions

    assert check_description(dist).error is None
