"""Where things live on a package index: upload, trusted-publishing and web URLs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from packaging.utils import canonicalize_name

__all__ = ["PYPI_UPLOAD_URL", "Index"]

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
