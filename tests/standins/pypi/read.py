"""PyPI's read APIs for what was uploaded: JSON API, simple API (HTML and PEP 691 JSON)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_version
from packaging.version import Version

if TYPE_CHECKING:
    from tests.standins.pypi.state import Project, StoredFile

__all__ = ["project_json", "simple_html", "simple_json"]

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


def _file_json(file: StoredFile, base_url: str) -> dict[str, object]:
    return {
        "comment_text": "",
        "core-metadata": False,
        "digests": {"blake2b_256": file.blake2_256, "md5": file.md5, "sha256": file.sha256},
        "downloads": -1,
        "filename": file.filename,
        "has_sig": False,
        "md5_digest": file.md5,
        "packagetype": "sdist" if file.packagetype == "sdist" else "bdist_wheel",
        "python_version": file.python_version,
        "requires_python": file.requires_python,
        "size": file.size,
        "upload_time": file.upload_time.strftime("%Y-%m-%dT%H:%M:%S"),
        "upload_time_iso_8601": file.upload_time.isoformat() + "Z",
        "url": base_url + file.url_path,
        "yanked": False,
        "yanked_reason": None,
    }


def project_json(
    project: Project, version: str | None, base_url: str, serial: int
) -> dict[str, object] | None:
    """The JSON API body for a project (latest release) or one version; None if absent."""
    if not project.versions:
        return None
    if version is None:
        stable = [v for v in project.versions.values() if not Version(v).is_prerelease]
        version = max(stable or project.versions.values(), key=Version)
    canonical = canonicalize_version(version)
    if canonical not in project.versions:
        return None
    shown = project.versions[canonical]
    body: dict[str, object] = {
        "info": {
            "name": project.name,
            "version": shown,
            "package_url": f"{base_url}/project/{project.normalized}/",
            "release_url": f"{base_url}/project/{project.normalized}/{shown}/",
            "yanked": False,
        },
        "last_serial": serial,
        "ownership": {"organization": None, "roles": []},
        "urls": [_file_json(f, base_url) for f in project.release_files(shown)],
        "vulnerabilities": [],
    }
    body["releases"] = {
        v: [_file_json(f, base_url) for f in project.release_files(v)]
        for v in project.versions.values()
    }
    return body


def simple_json(project: Project, base_url: str, serial: int) -> dict[str, object]:
    return {
        "meta": {"api-version": "1.4", "_last-serial": serial},
        "name": project.normalized,
        "project-status": {"status": "active"},
        "versions": sorted(project.versions.values(), key=Version),
        "files": [
            {
                "filename": f.filename,
                "url": base_url + f.url_path,
                "hashes": {"sha256": f.sha256},
                "requires-python": f.requires_python,
                "size": f.size,
                "upload-time": f.upload_time.isoformat() + "Z",
                "yanked": False,
                "data-dist-info-metadata": False,
                "core-metadata": False,
                "provenance": (
                    f"{base_url}/integrity/{project.normalized}/{f.version}/{f.filename}/provenance"
                    if f.attestations
                    else None
                ),
            }
            for f in project.files
        ],
    }


def simple_html(project: Project, base_url: str, serial: int) -> str:
    links = "\n".join(
        f'    <a href="{html.escape(base_url + f.url_path)}#sha256={f.sha256}"'
        + (f' data-requires-python="{html.escape(f.requires_python)}"' if f.requires_python else "")
        + f">{html.escape(f.filename)}</a><br />"
        for f in project.files
    )
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        '    <meta name="pypi:repository-version" content="1.4">\n'
        f"    <title>Links for {html.escape(project.normalized)}</title>\n  </head>\n"
        f"  <body>\n    <h1>Links for {html.escape(project.normalized)}</h1>\n{links}\n"
        f"  </body>\n</html>\n<!--SERIAL {serial}-->\n"
    )
