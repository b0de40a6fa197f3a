"""Inputs: drop-in names and aliases, typed values, every problem reported before any I/O."""

from __future__ import annotations

from pathlib import Path

import pytest

from trusted_publish.errors import PublishError
from trusted_publish.index import PYPI_UPLOAD_URL
from trusted_publish.inputs import load


def test_defaults_match_the_anchor_action() -> None:
    inputs = load([], {})

    assert inputs.user == "__token__"
    assert inputs.password is None
    assert inputs.index.upload_url == PYPI_UPLOAD_URL
    assert inputs.packages_dir == Path("dist")
    assert (inputs.verify_metadata, inputs.skip_existing, inputs.verbose) == (True, False, True)
    assert (inputs.print_hash, inputs.attestations) == (True, True)
    assert inputs.trusted_publishing


def test_kebab_names_keep_their_hyphens_in_the_environment() -> None:
    inputs = load(
        [],
        {
            "INPUT_REPOSITORY-URL": "https://test.pypi.org/legacy/",
            "INPUT_PACKAGES-DIR": "out",
            "INPUT_SKIP-EXISTING": "true",
            "INPUT_PRINT-HASH": "false",
        },
    )

    assert inputs.index.is_testpypi
    assert inputs.packages_dir == Path("out")
    assert inputs.skip_existing
    assert not inputs.print_hash


@pytest.mark.parametrize(
    ("variable", "attribute", "value", "expected"),
    [
        ("INPUT_REPOSITORY_URL", "index", "https://test.pypi.org/legacy/", "test.pypi.org"),
        ("INPUT_PACKAGES_DIR", "packages_dir", "wheelhouse", Path("wheelhouse")),
        ("INPUT_VERIFY_METADATA", "verify_metadata", "false", False),
        ("INPUT_SKIP_EXISTING", "skip_existing", "true", True),
        ("INPUT_PRINT_HASH", "print_hash", "false", False),
    ],
)
def test_deprecated_snake_case_aliases_still_work(
    variable: str, attribute: str, value: str, expected: object
) -> None:
    inputs = load([], {variable: value})

    actual = getattr(inputs, attribute)
    assert (actual.host if attribute == "index" else actual) == expected


def test_alias_and_name_disagreeing_is_refused() -> None:
    with pytest.raises(PublishError) as caught:
        load([], {"INPUT_PACKAGES-DIR": "a", "INPUT_PACKAGES_DIR": "b"})

    assert "`packages-dir` and its deprecated alias `packages_dir`" in (
        caught.value.diagnosis.happened
    )


def test_flags_override_the_environment() -> None:
    inputs = load(["--packages-dir", "cli", "--no-verbose"], {"INPUT_PACKAGES-DIR": "env"})

    assert inputs.packages_dir == Path("cli")
    assert not inputs.verbose


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(PublishError) as caught:
        load(
            [],
            {
                "INPUT_VERBOSE": "maybe",
                "INPUT_ATTESTATIONS": "treu",
                "INPUT_REPOSITORY-URL": "ftp://example.com/legacy/",
            },
        )

    happened = caught.value.diagnosis.happened
    assert "`verbose` is 'maybe'" in happened
    assert "`attestations` is 'treu'" in happened
    assert "must be an https:// URL" in happened
    assert caught.value.diagnosis.title == "Invalid action inputs"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://pypi.example.com/legacy/", "plain http"),
        ("https://user:hunter2@pypi.example.com/legacy/", "carries credentials"),
        ("https://pypi.example.com:notaport/", "not a valid URL"),
        ("https:///legacy/", "must be an https:// URL"),
        ("https://pypi.example.com/legacy/?x=1", "query or fragment"),
    ],
)
def test_repository_url_problems(url: str, problem: str) -> None:
    with pytest.raises(PublishError) as caught:
        load([], {"INPUT_REPOSITORY-URL": url})

    assert problem in caught.value.diagnosis.happened
    assert "hunter2" not in caught.value.diagnosis.happened


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/legacy/", "http://localhost/", "http://[::1]:3141/"]
)
def test_plain_http_is_fine_on_loopback(url: str) -> None:
    assert load([], {"INPUT_REPOSITORY-URL": url}).index.upload_url == url


@pytest.mark.parametrize("spelling", ["true", "True", "TRUE", "yes", "on", "1"])
def test_boolean_spellings(spelling: str) -> None:
    assert load([], {"INPUT_SKIP-EXISTING": spelling}).skip_existing


def test_password_selects_token_mode_and_is_never_shown() -> None:
    inputs = load([], {"INPUT_PASSWORD": "pypi-secret-value"})

    assert not inputs.trusted_publishing
    assert "pypi-secret-value" not in repr(inputs)


def test_username_without_password_is_refused() -> None:
    with pytest.raises(PublishError) as caught:
        load([], {"INPUT_USER": "alice"})

    assert "`user` is 'alice' but `password` is empty" in caught.value.diagnosis.happened
