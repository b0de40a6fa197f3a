"""A Docker engine for the image test: one that is already running, or Debian's dockerd started
for the session; and a local Debian base image made with debootstrap (no registry needed).

``reason`` strings say why no engine could be had, for the test's skip message.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "BASE_IMAGE",
    "Engine",
    "EngineUnavailable",
    "exclusive",
    "make_base_image",
    "start_engine",
]

BASE_IMAGE = "local/trusted-publish-test-base:bookworm-1"
_DEBIAN_MIRROR = "http://deb.debian.org/debian"
# Python and the pip wheel Debian ships (python3-pip-whl): enough for the bootstrap's pip
# path, which an offline build takes; no compilers.
_BASE_PACKAGES = "python3,python3-pip-whl"


class EngineUnavailable(Exception):
    """No Docker engine can be reached or started here; the message says why."""


@dataclass
class Engine:
    client: str
    host: str
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    exec_root: Path | None = None
    started: float = field(default_factory=time.monotonic)

    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": self.host, "DOCKER_BUILDKIT": "0"}

    def docker(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.client, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def responds(self) -> bool:
        try:
            return (
                self.docker("version", "--format", "{{.Server.Version}}", timeout=10).returncode
                == 0
            )
        except subprocess.TimeoutExpired:
            return False

    def has_image(self, tag: str) -> bool:
        return self.docker("image", "inspect", tag, timeout=30).returncode == 0

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.exec_root is not None:
            _unmount_below(self.exec_root)


def _unmount_below(root: Path) -> None:
    """dockerd leaves its netns/default bind mount behind; a busy mount point would make
    every later removal of the temporary directory fail (pytest's cleanup included)."""
    mountinfo = Path("/proc/self/mountinfo")
    if not mountinfo.exists():
        return
    prefix = str(root.resolve())
    points = [line.split()[4] for line in mountinfo.read_text().splitlines()]
    for point in sorted((p for p in points if p.startswith(prefix)), reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, check=False)


@contextlib.contextmanager
def exclusive(path: Path, timeout: float) -> Iterator[None]:
    """Hold ``path`` as a lock file naming our pid, waiting up to ``timeout`` s for another
    live holder; a holder that died is taken over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    while True:
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if not _holder_alive(path):
                path.unlink(missing_ok=True)
                continue
            if time.monotonic() > deadline:
                raise EngineUnavailable(f"{path} stayed locked for {timeout:g} s") from None
            time.sleep(1)
            continue
        os.write(descriptor, str(os.getpid()).encode())
        os.close(descriptor)
        break
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _holder_alive(path: Path) -> bool:
    try:
        pid = int(path.read_text() or "0")
    except (OSError, ValueError):
        return True  # being written right now
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_root() -> bool:
    if sys.platform == "win32":
        return False
    else:  # noqa: RET505 -- two platform blocks, so that mypy checks each on its own OS
        return os.geteuid() == 0


def _client() -> str:
    # Debian's docker.io client speaks the legacy builder; a newer CLI may need buildx.
    for candidate in ("/usr/bin/docker", shutil.which("docker")):
        if candidate and Path(candidate).exists():
            return candidate
    raise EngineUnavailable("no docker client: install Debian's docker.io package")


def start_engine(work: Path, data_root: Path) -> Engine:
    """An engine that answers: DOCKER_HOST or the default socket, else our own dockerd."""
    client = _client()
    for host in filter(None, (os.environ.get("DOCKER_HOST"), "unix:///var/run/docker.sock")):
        engine = Engine(client, host)
        if engine.responds():
            return engine
    dockerd = shutil.which("dockerd") or (
        "/usr/sbin/dockerd" if Path("/usr/sbin/dockerd").exists() else None
    )
    if dockerd is None:
        raise EngineUnavailable("no running engine and no dockerd: install docker.io (Debian)")
    if not _is_root():
        raise EngineUnavailable("no running engine, and dockerd needs root to start one")
    exec_root = work / "exec"
    exec_root.mkdir(parents=True, exist_ok=True)
    data_root.mkdir(parents=True, exist_ok=True)
    log = work / "dockerd.log"
    socket = exec_root / "docker.sock"
    command = [
        dockerd,
        "--data-root", str(data_root),
        "--exec-root", str(exec_root),
        "--pidfile", str(exec_root / "dockerd.pid"),
        "--host", f"unix://{socket}",
        # No bridge network and no iptables: builds run with --network none, the
        # publishing container shares the host's loopback with the stand-ins.
        "--bridge=none", "--iptables=false", "--ip6tables=false",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    engine = Engine(client, f"unix://{socket}", process, log, exec_root)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if engine.responds():
            return engine
        time.sleep(0.5)
    engine.stop()
    tail = log.read_text(errors="replace")[-2000:]
    raise EngineUnavailable(f"dockerd did not start:\n{tail}")


def _debian_mirror() -> str:
    sources = Path("/etc/apt/sources.list.d/debian.sources")
    if sources.exists():
        for line in sources.read_text().splitlines():
            if line.startswith("URIs:") and line.split()[1].rstrip("/").endswith("/debian"):
                return line.split()[1]
    return _DEBIAN_MIRROR


def make_base_image(engine: Engine, work: Path) -> str:
    """``BASE_IMAGE``, made once per engine data root with debootstrap from the Debian mirror."""
    if engine.has_image(BASE_IMAGE):
        return BASE_IMAGE
    debootstrap = shutil.which("debootstrap") or (
        "/usr/sbin/debootstrap" if Path("/usr/sbin/debootstrap").exists() else None
    )
    if debootstrap is None or not _is_root():
        raise EngineUnavailable(
            f"no {BASE_IMAGE} image and no way to make one (debootstrap, as root)"
        )
    rootfs = work / "rootfs"
    result = subprocess.run(
        [
            debootstrap, "--variant=minbase", f"--include={_BASE_PACKAGES}",
            "bookworm", str(rootfs), _debian_mirror(),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )  # fmt: skip
    if result.returncode != 0:
        msg = f"debootstrap failed:\n{(result.stdout + result.stderr)[-3000:]}"
        raise RuntimeError(msg)
    archive = subprocess.run(
        ["tar", "-C", str(rootfs), "-c", "."], capture_output=True, check=True, timeout=300
    ).stdout
    imported = subprocess.run(
        [engine.client, "import", "-", BASE_IMAGE],
        env=engine.env(),
        input=archive,
        capture_output=True,
        timeout=300,
        check=False,
    )
    shutil.rmtree(rootfs, ignore_errors=True)
    if imported.returncode != 0:
        raise RuntimeError(f"docker import failed: {imported.stderr.decode(errors='replace')}")
    return BASE_IMAGE
