"""A package index: where its upload, trusted-publishing, web and read URLs are, and
what files it serves (the simple API, for re-runs, dry runs and verification)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import quote, urljoin, urlsplit

from packaging.utils import canonicalize_name

from trusted_publish.errors import PublishError

if TYPE_CHECKING:
    from trusted_publish.http import Client

__all__ = [
    "PYPI_UPLOAD_URL",
    "Index",
    "IndexedFile",
    "project_exists",
    "project_files",
    "simple_url",
]

PYPI_UPLOAD_URL = "https://upload.pypi.org/legacy/"

# Upload host -> the host that serves the web pages and read APIs.
_WEB_HOSTS = {
    "upload.pypi.org": "pypi.org",
    "pypi.org": "pypi.org",
    "test.pypi.org": "test.pypi.org",
}


@dataclass(frozen=True)
class Index:
    """A package index, known by the legacy upload URL the user configured."""

    upload_url: str

    @property
    def host(self) -> str:
        return urlsplit(self.upload_url).hostname or ""

    @property
    def origin(self) -> str:
        parts = urlsplit(self.upload_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def is_pypi(self) -> bool:
        return self.host in {"upload.pypi.org", "pypi.org"}

    @property
    def is_testpypi(self) -> bool:
        return self.host == "test.pypi.org"

    @property
    def name(self) -> str:
        if self.is_pypi:
            return "PyPI"
        if self.is_testpypi:
            return "TestPyPI"
        return self.host

    @property
    def web_url(self) -> str:
        web_host = _WEB_HOSTS.get(self.host)
        return f"https://{web_host}" if web_host else self.origin

    @property
    def audience_url(self) -> str:
        # Warehouse serves the trusted-publishing routes on the upload host too.
        return f"{self.origin}/_/oidc/audience"

    @property
    def mint_token_url(self) -> str:
        return f"{self.origin}/_/oidc/mint-token"

    def project_url(self, project: str, version: str | None = None) -> str:
        path = f"{self.web_url}/project/{quote(canonicalize_name(project))}/"
        return f"{path}{quote(version)}/" if version else path

    def publishing_settings_url(self, project: str) -> str:
        project_path = quote(canonicalize_name(project))
        return f"{self.web_url}/manage/project/{project_path}/settings/publishing/"

    @property
    def pending_publishers_url(self) -> str:
        return f"{self.web_url}/manage/account/publishing/"


@dataclass(frozen=True)
class IndexedFile:
    """A file as the index serves it."""

    filename: str
    sha256: str
    url: str


def simple_url(index: Index, check_url: str | None) -> str:
    """The PEP 503/691 simple index to look files up in."""
    if check_url:
        return check_url if check_url.endswith("/") else check_url + "/"
    if index.is_pypi or index.is_testpypi:
        return f"{index.web_url}/simple/"
    return f"{index.origin}/simple/"


def project_files(client: Client, base: str, project: str) -> dict[str, IndexedFile] | None:
    """Every file the index serves for ``project`` by filename; None if it cannot tell.

    Asks for PEP 691 JSON and falls back to the HTML simple page; an unknown
    project is an empty result, not an error.
    """
    url = urljoin(base, quote(canonicalize_name(project)) + "/")
    response = client.send("GET", url, headers={"Accept": _SIMPLE_ACCEPT})
    if response.status_code == 404:
        return {}
    if response.status_code != 200:
        return None
    content_type = response.headers.get("Content-Type", "")
    if "json" in content_type:
        return _files_from_json(response.text, url)
    return _files_from_html(response.text, url)


def project_exists(client: Client, base: str, project: str) -> bool | None:
    """Whether the index has ``project`` (None when it cannot tell)."""
    url = urljoin(base, quote(canonicalize_name(project)) + "/")
    try:
        response = client.send("GET", url, headers={"Accept": _SIMPLE_ACCEPT})
    except PublishError:
        return None
    if response.status_code == 404:
        return False
    return True if response.status_code == 200 else None


_SIMPLE_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.1"
)


def _files_from_json(text: str, base: str) -> dict[str, IndexedFile] | None:
    try:
        body = json.loads(text)
    except ValueError:
        return None
    files = body.get("files") if isinstance(body, dict) else None
    if not isinstance(files, list):
        return None
    found: dict[str, IndexedFile] = {}
    for entry in files:
        if not isinstance(entry, dict):
            continue
        filename, hashes = entry.get("filename"), entry.get("hashes")
        sha256 = hashes.get("sha256") if isinstance(hashes, dict) else None
        if isinstance(filename, str) and isinstance(sha256, str):
            found[filename] = IndexedFile(
                filename, sha256.lower(), urljoin(base, str(entry.get("url", "")))
            )
    return found


def _files_from_html(text: str, base: str) -> dict[str, IndexedFile]:
    parser = _AnchorParser()
    parser.feed(text)
    found: dict[str, IndexedFile] = {}
    for href, filename in parser.anchors:
        url, _, fragment = href.partition("#")
        algorithm, _, digest = fragment.partition("=")
        name = filename.strip() or url.rsplit("/", 1)[-1]
        if algorithm == "sha256" and digest:
            found[name] = IndexedFile(name, digest.lower(), urljoin(base, url))
    return found


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.anchors.append((self._href, "".join(self._text)))
            self._href = None
