"""A Warehouse-faithful PyPI on 127.0.0.1: trusted publishing, legacy upload, read APIs.

Routes, status codes, JSON shapes and error texts follow
``shared/reference/pypi-server-and-github-oidc.md``. One server plays both the
upload host and the web host; tests configure publishers, projects and tokens
through methods and inspect what landed through :meth:`PyPI.files`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import requests
from packaging.utils import canonicalize_name, canonicalize_version
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.standins import secrets as secrets_record
from tests.standins.faults import Faults
from tests.standins.pypi.forklift import UploadRefused, handle_upload
from tests.standins.pypi.mint import MintError, mint
from tests.standins.pypi.read import SIMPLE_JSON, project_json, simple_html, simple_json
from tests.standins.pypi.state import (
    GitHubPublisher,
    IssuedToken,
    PendingPublisher,
    Project,
    StoredFile,
)
from tests.standins.server import Served
from tests.standins.sigstore.verify import provenance

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["PyPI", "RequestRecord"]

INTEGRITY_JSON = "application/vnd.pypi.integrity.v1+json"
DEFAULT_TOKEN_LIFETIME = 900
MAX_FILE_SIZE = 100 * 1024 * 1024
_EXPLANATIONS = {
    400: (
        "Bad Request",
        "The server could not comply with the request since it is either "
        "malformed or otherwise incorrect.",
    ),
    403: ("Forbidden", "Access was denied to this resource."),
    429: (
        "Too Many Requests",
        "The action could not be performed because there were too many requests by the client.",
    ),
}

AttestationVerifier = Callable[[list[object], StoredFile, GitHubPublisher], str | None]


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    status: int


class _Request(Request):
    max_form_memory_size = 64 * 1024 * 1024  # long descriptions are form fields


class PyPI(Served):
    """The index's state plus its HTTP face. ``reset()`` returns it to empty."""

    def __init__(
        self,
        storage: Path,
        *,
        oidc_issuers: Mapping[str, str] | None = None,
        audience: str = "pypi",
        name: str = "PyPI",
        upload_host: str | None = None,
        web_host: str | None = None,
    ) -> None:
        """``upload_host``/``web_host`` give it public names (served with TLS, see tls.py)."""
        self.storage = storage
        self.name = name
        self.upload_host = upload_host
        self.web_host = web_host
        self.default_audience = audience
        # issuer URL -> base URL where its discovery document is served (the test issuer).
        self.oidc_issuers: dict[str, str] = dict(oidc_issuers or {})
        self.lock = threading.RLock()
        self.attestation_verifier: AttestationVerifier | None = None
        self.faults = Faults()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.audience = self.default_audience
            self.projects: dict[str, Project] = {}
            self.publishers: list[GitHubPublisher] = []
            self.pending_publishers: list[PendingPublisher] = []
            self.tokens: dict[str, IssuedToken] = {}
            self.used_jtis: set[str] = set()
            self.deleted_filenames: set[str] = set()
            self.requests: list[RequestRecord] = []
            self.faults.clear()
            self.visible_after = 0.0  # seconds before an upload shows in the read APIs
            self.tampered: set[str] = set()  # files the read APIs list with a wrong sha256
            self.trusted_publishing_enabled = True  # the global admin flag (audience 403)
            self.oidc_enabled = True  # the per-issuer flag (mint-token not-enabled)
            self.attestations_disabled = False
            self.token_lifetime: float = DEFAULT_TOKEN_LIFETIME
            self.expires_skew = 0  # how far the reported `expires` is from the real expiry
            self.max_file_size = MAX_FILE_SIZE
            self.prohibited_names: set[str] = set()
            self.serial = 0

    # -- configuration ------------------------------------------------------------
    def add_project(self, name: str) -> Project:
        with self.lock:
            project = self.find_project(name) or Project(name)
            self.projects[project.normalized] = project
            return project

    def add_publisher(
        self,
        project: str,
        *,
        owner: str = "octo-org",
        repository: str = "hello-trusted-publish",
        owner_id: str = "1342004",
        workflow: str = "release.yml",
        environment: str = "",
    ) -> GitHubPublisher:
        """A trusted publisher on an existing (or newly made) project."""
        with self.lock:
            normalized = self.add_project(project).normalized
            publisher = GitHubPublisher(
                owner, repository, owner_id, workflow, environment, {normalized}
            )
            self.publishers.append(publisher)
            return publisher

    def add_pending_publisher(
        self,
        project_name: str,
        *,
        owner: str = "octo-org",
        repository: str = "hello-trusted-publish",
        owner_id: str = "1342004",
        workflow: str = "release.yml",
        environment: str = "",
    ) -> PendingPublisher:
        with self.lock:
            pending = PendingPublisher(
                project_name, owner, repository, owner_id, workflow, environment
            )
            self.pending_publishers.append(pending)
            return pending

    def add_api_token(self, projects: Iterable[str] | None = None) -> str:
        """A user API token, scoped to ``projects`` or to the whole account."""
        with self.lock:
            scope = None if projects is None else {canonicalize_name(p) for p in projects}
            token = IssuedToken(IssuedToken.new_value(), "user", scope)
            self.tokens[token.value] = token
            secrets_record.record(token.value)
            return token.value

    # -- inspection -----------------------------------------------------------------
    def find_project(self, name: str) -> Project | None:
        return self.projects.get(canonicalize_name(name))

    def files(self, project: str) -> list[StoredFile]:
        found = self.find_project(project)
        return list(found.files) if found else []

    def uploads_attempted(self) -> int:
        return sum(r.path.startswith("/legacy") and r.method == "POST" for r in self.requests)

    def verify_attestations(
        self, attestations: list[object], stored: StoredFile, publisher: GitHubPublisher
    ) -> str | None:
        if self.attestation_verifier is None:
            return (
                "Unknown error while trying to verify included attestations: this "
                "stand-in has no sigstore trust root configured"
            )
        return self.attestation_verifier(attestations, stored, publisher)

    # -- serving --------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Where the web pages and read APIs are (its public name, if it has one)."""
        return f"https://{self.web_host}" if self.web_host else self.local_url

    @property
    def upload_url(self) -> str:
        if self.upload_host:
            return f"https://{self.upload_host}/legacy/"
        return f"{self.url}/legacy/"

    def _wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = _Request(environ)
        try:
            endpoint, args = _ROUTES.bind_to_environ(environ).match()
        except HTTPException as exc:
            self._log(request, exc.code or 500)
            return exc.get_response()(environ, start_response)

        def handle() -> Response:
            try:
                response: Response = getattr(self, f"_on_{endpoint}")(request, **args)
            except HTTPException as exc:
                response = exc.get_response()
            finally:
                request.close()  # spooled upload files
            self._log(request, response.status_code)
            return response

        return self.faults.wrap(endpoint, environ, handle, start_response)

    def _log(self, request: Request, status: int) -> None:
        with self.lock:
            self.requests.append(RequestRecord(request.method, request.path, status))

    # -- trusted publishing ---------------------------------------------------------
    def _on_audience(self, request: Request) -> Response:
        if not self.trusted_publishing_enabled:
            return _compact({"message": "Trusted publishing functionality not enabled"}, 403)
        return _compact({"audience": self.audience})

    def _on_mint_token(self, request: Request) -> Response:
        try:
            issued = mint(self, request.get_data(), _fetch_jwks)
        except MintError as exc:
            body = {
                "errors": [{"code": exc.code, "description": exc.description}],
                "message": "Token request failed",
            }
            return _compact(body, 422)
        expires = int(issued.expires_at or 0) + self.expires_skew
        return _compact({"expires": expires, "success": True, "token": issued.value})

    # -- upload ---------------------------------------------------------------------
    def _on_legacy_no_slash(self, request: Request) -> Response:
        message = (
            "An upload was attempted to /legacy but the expected upload URL is /legacy/ "
            "(with a trailing slash)"
        )
        return Response(message, status=f"308 {message}", headers={"Location": self.upload_url})

    def _on_legacy(self, request: Request) -> Response:
        if request.values.get(":action") != "file_upload":
            raise NotFound
        try:
            handle_upload(self, request)
        except UploadRefused as exc:
            return _refusal(exc.status, exc.message, request.headers.get("Accept", ""))
        with self.lock:
            self.serial += 1
        return Response(_OK_HTML, status=200, content_type="text/html; charset=UTF-8")

    # -- read APIs ------------------------------------------------------------------
    def _on_json(self, request: Request, project: str, version: str | None = None) -> Response:
        found = self.find_project(project)
        if found is None:
            raise NotFound
        if project != found.normalized:
            tail = f"{version}/json" if version else "json"
            return _redirect(f"{self.url}/pypi/{found.normalized}/{tail}")
        with self.lock:
            body = project_json(self._as_served(found), version, self.url, self.serial)
        if body is None:
            raise NotFound
        response = Response(json.dumps(body), content_type="application/json")
        response.headers["X-PyPI-Last-Serial"] = str(self.serial)
        return response

    def _on_simple(self, request: Request, project: str) -> Response:
        found = self.find_project(project)
        if found is None:
            raise NotFound
        if project != found.normalized:
            return _redirect(f"{self.url}/simple/{found.normalized}/")
        with self.lock:
            served = self._as_served(found)
            if SIMPLE_JSON in request.headers.get("Accept", ""):
                return Response(
                    json.dumps(simple_json(served, self.url, self.serial)), content_type=SIMPLE_JSON
                )
            return Response(
                simple_html(served, self.url, self.serial), content_type="text/html; charset=utf-8"
            )

    def _as_served(self, project: Project) -> Project:
        """The project as the read APIs show it: recent uploads hidden, tampered hashes."""
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        files = [
            dataclasses.replace(f, sha256="0" * 64) if f.filename in self.tampered else f
            for f in project.files
            if (now - f.upload_time).total_seconds() >= self.visible_after
        ]
        versions = {canonicalize_version(f.version): f.version for f in files}
        return Project(project.name, files, {k: project.versions[k] for k in versions})

    def _on_provenance(
        self, request: Request, project: str, version: str, filename: str
    ) -> Response:
        """PEP 740 integrity API: the provenance of one file (Warehouse api/integrity.py)."""
        accept = request.headers.get("Accept", "")
        if accept and not any(t in accept for t in (INTEGRITY_JSON, "application/json", "*/*")):
            return _compact({"message": "Request not acceptable"}, 406)
        found = self.find_project(project)
        stored = next(
            (f for f in (found.release_files(version) if found else []) if f.filename == filename),
            None,
        )
        if stored is None:
            raise NotFound
        if not stored.attestations or stored.publisher is None:
            return _compact({"message": f"No provenance available for {filename}"}, 404)
        body = provenance(stored.attestations, stored.publisher)
        return Response(json.dumps(body), content_type=INTEGRITY_JSON)

    def _on_package(self, request: Request, path: str) -> Response:
        filename = path.rsplit("/", 1)[-1]
        for project in list(self.projects.values()):
            for file in project.files:
                if file.url_path == f"/packages/{path}":
                    return Response(
                        file.path.read_bytes(),
                        content_type="application/octet-stream",
                        headers={"Content-Disposition": f"attachment; filename={filename}"},
                    )
        raise NotFound


_ROUTES = Map(
    [
        Rule("/_/oidc/audience", endpoint="audience", methods=["GET"]),
        Rule("/_/oidc/mint-token", endpoint="mint_token", methods=["POST"]),
        Rule("/_/oidc/github/mint-token", endpoint="mint_token", methods=["POST"]),
        Rule("/legacy", endpoint="legacy_no_slash", methods=["POST"], strict_slashes=False),
        Rule("/legacy/", endpoint="legacy", methods=["POST"]),
        Rule("/pypi/<project>/json", endpoint="json", methods=["GET"]),
        Rule("/pypi/<project>/<version>/json", endpoint="json", methods=["GET"]),
        Rule("/simple/<project>/", endpoint="simple", methods=["GET"]),
        Rule("/packages/<path:path>", endpoint="package", methods=["GET"]),
        Rule(
            "/integrity/<project>/<version>/<filename>/provenance",
            endpoint="provenance",
            methods=["GET"],
        ),
    ],
    strict_slashes=False,
)

_OK_HTML = (
    "<html>\n <head>\n  <title>200 OK</title>\n </head>\n <body>\n  <h1>200 OK</h1>\n"
    "  <br/><br/>\n\n\n\n </body>\n</html>"
)


def _compact(body: object, status: int = 200) -> Response:
    """Warehouse's JSON renderer: sorted keys, no spaces."""
    return Response(
        json.dumps(body, sort_keys=True, separators=(",", ":")),
        status=status,
        content_type="application/json",
    )


def _redirect(location: str) -> Response:
    return Response("", status=301, headers={"Location": location})


def _refusal(status: int, message: str, accept: str) -> Response:
    """Warehouse's ``_exc_with_message``: the message is the reason phrase; Pyramid's body."""
    reason = message.encode("iso-8859-1", "replace").decode("iso-8859-1")
    reason = " ".join(reason.splitlines())  # a status line cannot span lines
    status_line = f"{status} {reason}"
    title, explanation = _EXPLANATIONS.get(status, ("Error", ""))
    if "application/json" in accept:
        body = json.dumps(
            {"message": f"{explanation}\n\n\n{message}\n\n", "code": status_line, "title": title}
        )
        content_type = "application/json"
    elif not accept or accept.strip() == "text/plain":
        body = f"{status_line}\n\n{explanation}\n\n\n{message}\n\n"
        content_type = "text/plain; charset=UTF-8"
    else:
        escaped = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        body = (
            f"<html>\n <head>\n  <title>{status_line}</title>\n </head>\n <body>\n"
            f"  <h1>{status_line}</h1>\n  {explanation}<br/><br/>\n{escaped}\n\n\n"
            " </body>\n</html>"
        )
        content_type = "text/html; charset=UTF-8"
    return Response(body, status=status_line, content_type=content_type)


def _fetch_jwks(discovery_base: str) -> Mapping[str, object]:
    """Discovery, then the JWKS, as Warehouse does (5 s timeouts, no proxies)."""
    with requests.Session() as session:
        session.trust_env = False
        config = session.get(f"{discovery_base}/.well-known/openid-configuration", timeout=5)
        jwks_uri = config.json()["jwks_uri"]
        keys: Mapping[str, object] = session.get(jwks_uri, timeout=5).json()
        return keys
