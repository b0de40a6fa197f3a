"""The PyPI stand-in answers byte for byte as Warehouse does (reference §1-5)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import requests

from tests.standins.dists import make_wheel
from tests.standins.github_oidc import GitHubOIDC
from tests.standins.pypi import PyPI


def mint(pypi: PyPI, body: bytes) -> requests.Response:
    return requests.post(f"{pypi.url}/_/oidc/mint-token", data=body, timeout=10)


def mint_with(pypi: PyPI, token: str) -> requests.Response:
    return mint(pypi, json.dumps({"token": token}).encode())


def error_of(response: requests.Response) -> tuple[str, str]:
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "Token request failed"
    [error] = body["errors"]
    return error["code"], error["description"]


def test_audience_body_is_compact_json(pypi: PyPI) -> None:
    response = requests.get(f"{pypi.url}/_/oidc/audience", timeout=10)

    assert response.status_code == 200
    assert response.content == b'{"audience":"pypi"}'
    assert response.headers["Content-Type"] == "application/json"


def test_audience_when_trusted_publishing_is_disabled(pypi: PyPI) -> None:
    pypi.trusted_publishing_enabled = False

    response = requests.get(f"{pypi.url}/_/oidc/audience", timeout=10)

    assert response.status_code == 403
    assert response.content == b'{"message":"Trusted publishing functionality not enabled"}'


def test_success_envelope_and_lifetime(pypi: PyPI, github: GitHubOIDC) -> None:
    pypi.add_publisher("hello-trusted-publish")

    response = mint_with(pypi, github.mint("pypi"))

    body = response.json()
    assert list(body) == ["expires", "success", "token"]
    assert body["success"] is True
    assert body["token"].startswith("pypi-AgEI")
    issued = pypi.tokens[body["token"]]
    assert issued.expires_at is not None
    assert issued.not_before is not None
    assert issued.expires_at - issued.not_before == 900


def test_error_envelope_is_compact_and_sorted(pypi: PyPI) -> None:
    response = mint(pypi, b'{"token": "not.a.jwt"}')

    assert response.content == (
        b'{"errors":[{"code":"invalid-payload","description":"malformed JWT"}],'
        b'"message":"Token request failed"}'
    )


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "Invalid JSON: EOF while parsing a value"),
        (b"{}", "token\n  Field required [type=missing"),
        (b'{"token": 3}', "Input should be a valid string [type=string_type"),
    ],
)
def test_invalid_payload_uses_pydantics_message(pypi: PyPI, body: bytes, fragment: str) -> None:
    code, description = error_of(mint(pypi, body))

    assert code == "invalid-payload"
    assert description.startswith("1 validation error for TokenPayload")
    assert fragment in description


def test_unknown_issuer(pypi: PyPI, github: GitHubOIDC) -> None:
    github.issuer = "https://token.actions.ghe.example.com"
    try:
        assert error_of(mint_with(pypi, github.mint("pypi"))) == (
            "invalid-payload",
            "unknown trusted publishing issuer",
        )
    finally:
        github.issuer = "https://token.actions.githubusercontent.com"


def test_disabled_issuer(pypi: PyPI, github: GitHubOIDC) -> None:
    pypi.oidc_enabled = False

    assert error_of(mint_with(pypi, github.mint("pypi"))) == (
        "not-enabled",
        "github trusted publishing functionality not enabled",
    )


@pytest.mark.parametrize(("audience", "skew"), [("testpypi", 0), ("pypi", -400), ("pypi", 3600)])
def test_invalid_token_hides_the_reason(
    pypi: PyPI, github: GitHubOIDC, audience: str, skew: int
) -> None:
    pypi.add_publisher("hello-trusted-publish")
    github.clock_skew = skew  # expired, or issued in the future

    assert error_of(mint_with(pypi, github.mint(audience))) == (
        "invalid-token",
        "malformed or invalid token",
    )


def test_token_is_single_use(pypi: PyPI, github: GitHubOIDC) -> None:
    pypi.add_publisher("hello-trusted-publish")
    token = github.mint("pypi")
    assert mint_with(pypi, token).status_code == 200

    assert error_of(mint_with(pypi, token)) == (
        "invalid-reuse-token",
        "invalid token: already used",
    )


@pytest.mark.parametrize(
    ("publisher", "identity", "reason"),
    [
        ({"workflow": "publish.yml"}, {}, "Publisher with matching claims was not found"),
        ({"owner": "Octo-Org"}, {}, "Publisher with matching claims was not found"),
        ({"environment": "pypi"}, {}, "Publisher with matching claims was not found"),
        (
            {"environment": "pypi"},
            {"environment": "PyPI"},
            None,
        ),
        (
            {},
            {"event_name": "pull_request_target"},
            "Publishing from a workflow invoked via 'pull_request_target' is not supported.",
        ),
        (
            {"workflow": "publish.yml"},
            {"called_workflow": "publish.yml", "ref": "refs/heads/main"},
            None,
        ),
    ],
)
def test_publisher_matching(
    pypi: PyPI,
    github: GitHubOIDC,
    publisher: dict[str, str],
    identity: dict[str, str],
    reason: str | None,
) -> None:
    pypi.add_publisher("hello-trusted-publish", **publisher)
    github.configure(**identity)

    response = mint_with(pypi, github.mint("pypi"))

    if reason is None:
        assert response.status_code == 200
    else:
        assert error_of(response) == (
            "invalid-publisher",
            f"valid token, but no corresponding publisher ({reason})",
        )


def test_job_workflow_ref_must_match_ref_or_sha(pypi: PyPI, github: GitHubOIDC) -> None:
    pypi.add_publisher("hello-trusted-publish")
    github.extra_claims["job_workflow_ref"] = (
        "other/lib/.github/workflows/release.yml@refs/heads/main"
    )
    github.extra_claims["repository"] = "octo-org/hello-trusted-publish"

    code, description = error_of(mint_with(pypi, github.mint("pypi")))

    assert code == "invalid-publisher"
    assert description == (
        "valid token, but no corresponding publisher (The job_workflow_ref claim does not "
        "match, expecting one of ['octo-org/hello-trusted-publish/.github/workflows/release.yml"
        "@8c13517721d6ae11cac357e58b9c81e988dc86e4', 'octo-org/hello-trusted-publish/.github/"
        "workflows/release.yml@refs/tags/v1.0.0'], got 'other/lib/.github/workflows/"
        "release.yml@refs/heads/main')"
    )


def test_missing_claim(pypi: PyPI, github: GitHubOIDC) -> None:
    pypi.add_publisher("hello-trusted-publish")
    github.extra_claims["event_name"] = None

    assert error_of(mint_with(pypi, github.mint("pypi")))[1] == (
        "valid token, but no corresponding publisher (Missing claim 'event_name')"
    )


def test_pending_publisher_for_an_existing_project(pypi: PyPI, github: GitHubOIDC) -> None:
    pypi.add_project("hello-trusted-publish")
    pypi.add_pending_publisher("hello-trusted-publish")

    assert error_of(mint_with(pypi, github.mint("pypi"))) == (
        "invalid-pending-publisher",
        "valid token, but project already exists",
    )
    assert pypi.pending_publishers == []


def test_pending_publisher_with_a_stdlib_name(pypi: PyPI, github: GitHubOIDC) -> None:
    pypi.add_pending_publisher("asyncio")

    assert error_of(mint_with(pypi, github.mint("pypi"))) == (
        "invalid-payload",
        "The name 'asyncio' isn't allowed (conflict with Python Standard Library module name). "
        "See https://pypi.org/help/#project-name for more information.",
    )


def upload(pypi: PyPI, wheel: Path, auth: tuple[str, str] | None, **form: str) -> requests.Response:
    data = {
        ":action": "file_upload",
        "protocol_version": "1",
        "metadata_version": "2.4",
        "name": "hello-trusted-publish",
        "version": "1.0.0",
        "filetype": "bdist_wheel",
        "pyversion": "py3",
        **form,
    }
    import hashlib

    data.setdefault("sha256_digest", hashlib.sha256(wheel.read_bytes()).hexdigest())
    with wheel.open("rb") as stream:
        return requests.post(
            pypi.upload_url,
            data=data,
            files={"content": (wheel.name, stream, "application/octet-stream")},
            auth=auth,
            timeout=10,
        )


def test_upload_without_credentials(pypi: PyPI, tmp_path: Path) -> None:
    response = upload(pypi, make_wheel(tmp_path), None)

    assert response.status_code == 403
    assert response.reason == (
        "Invalid or non-existent authentication information. See "
        "https://pypi.org/help/#invalid-auth for more information."
    )
    assert "<title>403 Invalid or non-existent authentication" in response.text


def test_upload_with_a_username(pypi: PyPI, tmp_path: Path) -> None:
    response = upload(pypi, make_wheel(tmp_path), ("alice", "hunter2"))

    assert response.status_code == 403
    assert response.reason.startswith("Username/Password authentication is no longer supported.")


def test_user_token_creates_a_project_and_reupload_is_idempotent(
    pypi: PyPI, tmp_path: Path
) -> None:
    token = pypi.add_api_token()
    wheel = make_wheel(tmp_path)

    first = upload(pypi, wheel, ("__token__", token))
    again = upload(pypi, wheel, ("__token__", token))

    assert (first.status_code, again.status_code) == (200, 200)
    assert len(pypi.files("hello-trusted-publish")) == 1


def test_digest_mismatch(pypi: PyPI, tmp_path: Path) -> None:
    token = pypi.add_api_token()

    response = upload(pypi, make_wheel(tmp_path), ("__token__", token), sha256_digest="a" * 64)

    assert response.status_code == 400
    assert response.reason == (
        "The digest supplied does not match a digest calculated from the uploaded file."
    )


def test_plain_text_and_json_bodies_follow_accept(pypi: PyPI, tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path)
    auth = "Basic " + base64.b64encode(b"__token__:nope").decode()
    for accept, marker in (
        ("text/plain", "403 Invalid or non-existent"),
        ("application/json", '"code": "403'),
    ):
        with wheel.open("rb") as stream:
            response = requests.post(
                pypi.upload_url,
                data={":action": "file_upload"},
                files={"content": (wheel.name, stream)},
                headers={"Authorization": auth, "Accept": accept},
                timeout=10,
            )
        assert marker in response.text


def test_legacy_without_slash_redirects(pypi: PyPI) -> None:
    response = requests.post(f"{pypi.url}/legacy", allow_redirects=False, timeout=10)

    assert response.status_code == 308
    assert response.reason.startswith("An upload was attempted to /legacy but")


def test_json_api_redirects_to_the_normalized_name(pypi: PyPI, tmp_path: Path) -> None:
    token = pypi.add_api_token()
    upload(pypi, make_wheel(tmp_path), ("__token__", token))

    response = requests.get(
        f"{pypi.url}/pypi/Hello_Trusted.Publish/json", allow_redirects=False, timeout=10
    )
    body = requests.get(f"{pypi.url}/pypi/hello-trusted-publish/1.0/json", timeout=10).json()

    assert response.status_code == 301
    assert response.headers["Location"].endswith("/pypi/hello-trusted-publish/json")
    assert [f["filename"] for f in body["urls"]] == ["hello_trusted_publish-1.0.0-py3-none-any.whl"]
