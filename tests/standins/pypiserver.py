"""A real, independent package index (pypiserver) with password-protected uploads."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

__all__ = ["PypiServer"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PypiServer:
    """``pypi-server run`` on a loopback port; uploads need ``username``/``password``."""

    def __init__(self, root: Path, username: str = "uploader") -> None:
        self.root = root
        self.packages = root / "packages"
        self.username = username
        self.password = secrets.token_urlsafe(16)
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def upload_url(self) -> str:
        return f"{self.url}/"

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"

    def start(self) -> PypiServer:
        self.packages.mkdir(parents=True, exist_ok=True)
        # The {SHA} htpasswd scheme, which pypiserver's passlib reads; SHA-1 is fine for a
        # throwaway test password and needs no passlib (or bcrypt) in the test process.
        digest = base64.b64encode(hashlib.sha1(self.password.encode()).digest()).decode()
        (self.root / "htpasswd").write_text(f"{self.username}:{{SHA}}{digest}\n")
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pypiserver",
                "run",
                "-i",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-a",
                "update",
                "-P",
                str(self.root / "htpasswd"),
                "--disable-fallback",
                "--log-stream",
                "none",
                str(self.packages),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"pypiserver exited with {self._process.returncode}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("pypiserver did not become healthy in 20 s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)

    def files(self) -> list[Path]:
        return sorted(p for p in self.packages.iterdir() if p.is_file())
