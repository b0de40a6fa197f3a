"""The tools compared: ours, and real releases of twine and uv; plus the guard that keeps uv local.

twine and uv are installed from PyPI into a scratch venv, at the versions our locks pin
(twine from ``requirements/runtime.txt``, uv from ``requirements/bootstrap.txt``), with
twine's dependencies constrained to the versions of our runtime lock, so that twine and
our core run the same requests/urllib3/requests-toolbelt code.

twine is Python: it runs with the tests' network guard (``sitecustomize`` on
PYTHONPATH), which maps upload.pypi.org to the PyPI stand-in and refuses any other
connection. uv is a Rust binary the guard cannot reach into, so it gets a proxy
instead: every connection it makes to a host other than 127.0.0.1/localhost goes to
:class:`GuardProxy`, a loopback socket that records the request line and hangs up.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from bench.measure import run

__all__ = [
    "ROOT",
    "GuardProxy",
    "Tools",
    "host_environment",
    "install_tools",
    "locked_version",
    "tools_from_venv",
]

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = ROOT / "requirements" / "runtime.txt"
BOOTSTRAP_LOCK = ROOT / "requirements" / "bootstrap.txt"
# Variables of this machine that would change what pip, uv or twine do.
# PYTHON*: this host sets PYTHONDONTWRITEBYTECODE, which a GitHub runner does not.
_DROPPED_PREFIXES = (
    "PIP_",
    "UV_",
    "TWINE_",
    "GITHUB_",
    "ACTIONS_",
    "INPUT_",
    "RUNNER_",
    "PYTHON",
)


@dataclass(frozen=True)
class Tools:
    ours: Path  # python of the project venv, which runs `python -m trusted_publish`
    twine: Path  # twine's console script
    uv: Path
    twine_version: str
    uv_version: str
    origin: str
    core: Path | None = None  # a frozen copy of src/trusted_publish's parent, if any

    @property
    def ours_cli(self) -> Path:
        return self.ours.parent / "trusted-publish"

    def ours_environment(self, env: dict[str, str]) -> dict[str, str]:
        """``env`` with the frozen copy of the core first on PYTHONPATH (when there is one).

        src/ is edited while the benchmark runs; every run of ours uses the copy taken
        at the start, so that all scenarios measure the same code.
        """
        if self.core is None:
            return env
        paths = [str(self.core), *filter(None, [env.get("PYTHONPATH", "")])]
        return {**env, "PYTHONPATH": os.pathsep.join(paths)}


def locked_version(lock: Path, name: str) -> str:
    found = re.search(rf"^{re.escape(name)}==([^\s;\\]+)", lock.read_text(encoding="utf-8"), re.M)
    if found is None:
        msg = f"{lock} pins no {name}"
        raise LookupError(msg)
    return found.group(1)


def host_environment() -> dict[str, str]:
    """This machine's environment without pip/uv/twine/GitHub settings (but with its CAs)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(_DROPPED_PREFIXES)}
    for name in ("VIRTUAL_ENV", "CI"):
        env.pop(name, None)
    env["PIP_CONFIG_FILE"] = os.devnull  # no local mirrors or find-links: PyPI itself
    if "PIP_CERT" in os.environ:  # this host's CA for PyPI (pip ignores SSL_CERT_FILE)
        env["PIP_CERT"] = os.environ["PIP_CERT"]
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def _constraints(directory: Path) -> Path:
    """Our runtime lock as a constraints file (pins and markers, no hashes)."""
    pins = re.findall(
        r"^([A-Za-z0-9._-]+==[^\s\\]+(?:\s*;[^\\\n]+)?)", RUNTIME_LOCK.read_text(), re.M
    )
    path = directory / "constraints.txt"
    path.write_text("\n".join(p.strip() for p in pins) + "\n", encoding="utf-8")
    return path


def install_tools(base_python: Path, directory: Path, env: dict[str, str]) -> Tools:
    """twine and uv from PyPI into ``directory`` (reused when it already has them)."""
    twine_version = locked_version(RUNTIME_LOCK, "twine")
    uv_version = locked_version(BOOTSTRAP_LOCK, "uv")
    marker = directory / ".bench-tools"
    want = f"twine=={twine_version} uv=={uv_version}"
    venv_python = directory / "bin" / "python"
    if not (marker.exists() and marker.read_text() == want):
        subprocess.run([str(base_python), "-m", "venv", "--clear", str(directory)], check=True)
        run(
            [
                str(venv_python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--only-binary=:all:",
                "-c",
                str(_constraints(directory)),
                f"twine=={twine_version}",
                f"uv=={uv_version}",
            ],
            env=env,
            cwd=directory,
            check="installing twine and uv from PyPI",
        )
        marker.write_text(want)
    return Tools(
        ours=Path(sys.executable),
        twine=directory / "bin" / "twine",
        uv=directory / "bin" / "uv",
        twine_version=twine_version,
        uv_version=uv_version,
        origin=f"installed from PyPI into a scratch venv ({want})",
    )


def tools_from_venv(bin_dir: Path) -> Tools:
    """twine and uv as the project venv has them (no network; for the harness's own test)."""
    return Tools(
        ours=bin_dir / "python",
        twine=bin_dir / "twine",
        uv=bin_dir / "uv",
        twine_version=locked_version(RUNTIME_LOCK, "twine"),
        uv_version=locked_version(BOOTSTRAP_LOCK, "uv"),
        origin=f"the project venv ({bin_dir.parent})",
    )


@dataclass
class GuardProxy:
    """A loopback "proxy" that refuses every request: where uv's non-local traffic goes."""

    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="guard-proxy")
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def environment(self) -> dict[str, str]:
        """Proxy variables for a child: everything but loopback goes to this guard."""
        env = {}
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            env[name] = env[name.lower()] = self.url
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        return env

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    first = connection.recv(4096).split(b"\r\n", 1)[0]
                except OSError:
                    first = b"(nothing)"
                self.requests.append(first.decode("latin-1"))
                with contextlib.suppress(OSError):
                    connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()

    def __enter__(self) -> GuardProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
