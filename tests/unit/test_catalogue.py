"""The error catalogue: server answers map to the right entry; every entry renders."""

from __future__ import annotations

import string

import pytest

from trusted_publish.catalogue import (
    CATALOGUE,
    diagnose,
    key_for_mint_error,
    key_for_upload_error,
)


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_entry_renders_with_title_cause_and_fix(key: str) -> None:
    entry = CATALOGUE[key]
    fields = {
        name
        for text in (entry.title, entry.happened, entry.cause, entry.fix)
        for _, name, _, _ in string.Formatter().parse(text)
        if name
    }

    values = {name: f"<{name}>" for name in fields}
    diagnosis = diagnose(key, **values)  # type: ignore[arg-type]  # mypy: could be `facts`

    assert diagnosis.title
    assert diagnosis.cause
    assert diagnosis.fix
    assert "(unknown)" not in diagnosis.as_text()


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("not-enabled", "mint-not-enabled"),
        ("invalid-payload", "mint-invalid-payload"),
        ("invalid-token", "mint-invalid-token"),
        ("invalid-pending-publisher", "mint-invalid-pending-publisher"),
        ("invalid-reuse-token", "mint-invalid-reuse-token"),
        ("invalid-publisher", "mint-invalid-publisher"),
        ("something-new", "mint-bad-response"),
    ],
)
def test_mint_codes(code: str, key: str) -> None:
    assert key_for_mint_error(code, "whatever") == key


@pytest.mark.parametrize(
    ("status", "message", "key"),
    [
        (
            400,
            "File already exists ('a-1.0.tar.gz', with blake2_256 hash 'ab'). See "
            "https://pypi.org/help/#file-name-reuse for more information.",
            "upload-file-exists",
        ),
        (409, "Package 'a-1.0.tar.gz' already exists!", "upload-file-exists"),
        (
            400,
            "Non-user identities cannot create new projects. This was probably caused by",
            "upload-non-user-identity",
        ),
        (403, "Invalid API Token: token is expired, token is expired", "upload-token-expired"),
        (
            403,
            "Invalid API Token: OIDC scoped token is not valid for project 'foo', "
            "project-scoped token is not valid for project: 'foo'",
            "upload-token-wrong-project",
        ),
        (
            403,
            "Invalid API Token: project-scoped token is not valid for project: 'bo4e'",
            "upload-invalid-api-token",
        ),
        (403, "Invalid API Token: signatures do not match", "upload-invalid-api-token"),
        (
            403,
            "Username/Password authentication is no longer supported. Migrate to API Tokens",
            "upload-password-unsupported",
        ),
        (403, "Invalid or non-existent authentication information. See", "upload-invalid-auth"),
        (401, "Unauthorized", "upload-invalid-auth"),
        (400, "File too large. Limit for project 'foo' is 100 MB.", "upload-too-large"),
        (400, "Start filename for 'Foo' with 'foo'.", "upload-filename-mismatch"),
        (400, "Version in filename should be '1.0' not '1.1'.", "upload-filename-mismatch"),
        (
            400,
            "'version' is a required field. See https://packaging.python.org/specifications/"
            "core-metadata for more information.",
            "upload-invalid-metadata",
        ),
        (
            400,
            "Invalid attestations supplied during upload: Attestations are only supported",
            "upload-invalid-attestations",
        ),
        (403, "Read-only mode: Uploads are temporarily disabled.", "upload-index-read-only"),
        (503, "Service Unavailable", "upload-server-error"),
        (400, "Only one sdist may be uploaded per release.", "upload-rejected"),
    ],
)
def test_upload_answers(status: int, message: str, key: str) -> None:
    assert key_for_upload_error(status, message) == key
