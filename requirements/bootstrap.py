"""Set up trusted-publish's private environment: the hash-locked dependencies and the core.

Runs on any CPython >= 3.10 with the standard library only, on Linux, macOS and
Windows. ``action.yml`` calls it twice:

``check``
    exit 0 and print this interpreter's path if it can run the publisher.
``install``
    make ``$RUNNER_TEMP/trusted-publish/<key>/venv``: fetch the pinned uv
    (``bootstrap.txt``; sha256-verified), create the venv with it, install
    ``runtime.txt`` with ``--require-hashes`` and no source builds, copy the
    core (``src/trusted_publish``) into it, and write ``python=<its python>`` to
    ``$GITHUB_OUTPUT``. ``<key>`` covers the locks, the core's files and the
    interpreter, so a second run in the same job reuses the environment.

Nothing is written outside the work directory: not the workspace, not the
user's caches (uv gets a private cache, so nothing a previous job or another
workflow left behind is ever installed). uv is fetched straight from the URL
``bootstrap.json`` records for this platform; when that fails, or when pip is
pointed at a mirror (``PIP_INDEX_URL``, ``PIP_NO_INDEX``, ``PIP_FIND_LINKS``),
pip installs it from ``bootstrap.txt`` instead. Index settings for uv
(``UV_DEFAULT_INDEX``, ``UV_INDEX_URL``, ``UV_FIND_LINKS``, ``UV_OFFLINE``, ...) are
honoured, so mirrors work; every file is still checked against the lock's hashes.

``run``
    with the venv's python: turn ``TP_INPUTS`` (``toJSON(inputs)``) into the
    ``INPUT_<NAME>`` variables the core reads (the runner's naming rule for
    JavaScript and Docker actions: upper-cased, spaces to ``_``, hyphens kept) and
    run ``python -m trusted_publish`` in this process.

``manifest`` (maintainers, from ``scripts/dev lock``) rewrites ``bootstrap.json``
from the index's file list for the pinned uv.
"""

from __future__ import annotations

import argparse
import hashlib
import html.parser
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
MINIMUM_PYTHON = (3, 10)
WORK_NAME = "trusted-publish"
COMPLETE_MARKER = ".trusted-publish-complete"
DOWNLOAD_TIMEOUT = 20
_MIRROR_VARIABLES = ("PIP_INDEX_URL", "PIP_NO_INDEX", "PIP_FIND_LINKS")
# uv settings that choose where packages come from (mirrors, offline runners); every other
# UV_* variable is dropped so that nothing in the job's environment changes what is installed.
_UV_PASSED = frozenset(
    {
        "UV_DEFAULT_INDEX",
        "UV_INDEX",
        "UV_INDEX_URL",
        "UV_EXTRA_INDEX_URL",
        "UV_FIND_LINKS",
        "UV_NO_INDEX",
        "UV_OFFLINE",
        "UV_NATIVE_TLS",
        "UV_HTTP_TIMEOUT",
        "UV_CONCURRENT_DOWNLOADS",
        "UV_INDEX_STRATEGY",
        "UV_KEYRING_PROVIDER",
    }
)


class BootstrapError(Exception):
    """Setup cannot continue; the message says what to do."""


# -- the lock and the manifest --------------------------------------------------------------


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    hashes: frozenset[str]


def read_pin(lock: Path, name: str = "uv") -> Pin:
    """The ``name==version`` line of a hash-locked requirements file and its sha256 hashes."""
    text = lock.read_text(encoding="utf-8")
    match = re.search(
        rf"^{re.escape(name)}==(\S+)((?:\s*\\\s*\n\s*--hash=sha256:[0-9a-f]+)+)", text, re.M
    )
    if match is None:
        raise BootstrapError(f"{lock} pins no {name}==<version> with hashes")
    hashes = frozenset(re.findall(r"--hash=sha256:([0-9a-f]{64})", match.group(2)))
    return Pin(name, match.group(1), hashes)


@dataclass(frozen=True)
class WheelFile:
    filename: str
    url: str
    sha256: str

    @property
    def platform_tags(self) -> list[str]:
        return self.filename.removesuffix(".whl").split("-")[-1].split(".")


def read_manifest(path: Path) -> tuple[str, list[WheelFile]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    files = [WheelFile(f["filename"], f["url"], f["sha256"]) for f in data["files"]]
    return str(data["version"]), files


# -- platform --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Platform:
    """What decides which uv wheel runs here."""

    system: str  # sys.platform: "linux", "darwin", "win32"
    machine: str  # normalized: x86_64, aarch64, i686, armv7l, ppc64le, s390x, riscv64
    libc: str = ""  # "glibc" or "musl" on Linux
    libc_version: tuple[int, int] = (0, 0)
    mac_version: tuple[int, int] = (0, 0)


_MACHINES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64", "x86": "i686", "i386": "i686"}


def describe_platform(system: str, machine: str, libc: str, mac_release: str) -> Platform:
    """``Platform`` from raw facts: sys.platform, platform.machine(), the glibc version
    string (``"glibc 2.36"``, empty on musl) and platform.mac_ver()'s release."""
    machine = _MACHINES.get(machine.lower(), machine.lower())
    if system == "darwin":
        major, minor = (int(p) for p in [*(mac_release or "10.0").split("."), "0"][:2])
        return Platform("darwin", machine, mac_version=(major, minor))
    if system.startswith("linux"):
        found = re.match(r"glibc (\d+)\.(\d+)", libc)
        if found:
            return Platform("linux", machine, "glibc", (int(found[1]), int(found[2])))
        return Platform("linux", machine, "musl", (1, 2))
    return Platform(system, machine)


def current_platform() -> Platform:
    libc = ""
    if sys.platform != "win32":  # a block mypy skips on Windows, where confstr is absent
        try:
            libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
        except (ValueError, OSError):  # musl
            libc = ""
    return describe_platform(sys.platform, platform.machine(), libc, platform.mac_ver()[0])


_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


def tag_score(tag: str, here: Platform) -> int | None:
    """How well one platform tag fits ``here`` (higher is better), or None if it does not."""
    if here.system == "win32":
        wanted = {"x86_64": "win_amd64", "aarch64": "win_arm64", "i686": "win32"}.get(here.machine)
        return 1 if tag == wanted else None
    if here.system == "darwin":
        found = re.fullmatch(r"macosx_(\d+)_(\d+)_(\w+)", tag)
        if not found or (int(found[1]), int(found[2])) > here.mac_version:
            return None
        arch = {"aarch64": "arm64"}.get(here.machine, here.machine)
        return 2 if found[3] == arch else 1 if found[3] == "universal2" else None
    for legacy, version in _LEGACY_MANYLINUX.items():
        if tag.startswith(legacy + "_"):
            tag = f"manylinux_{version[0]}_{version[1]}_{tag[len(legacy) + 1 :]}"
    found = re.fullmatch(r"(manylinux|musllinux)_(\d+)_(\d+)_(\w+)", tag)
    if not found or found[4] != here.machine:
        return None
    kind = {"manylinux": "glibc", "musllinux": "musl"}[found[1]]
    if kind != here.libc or (int(found[2]), int(found[3])) > here.libc_version:
        return None
    return 1


def pick_wheel(files: Iterable[WheelFile], here: Platform) -> WheelFile | None:
    best: tuple[int, WheelFile] | None = None
    for wheel in files:
        scores = [s for t in wheel.platform_tags if (s := tag_score(t, here)) is not None]
        if scores and (best is None or max(scores) > best[0]):
            best = (max(scores), wheel)
    return best[1] if best else None


# -- fetching uv -----------------------------------------------------------------------------


def _exe(name: str) -> str:
    return name + ".exe" if sys.platform == "win32" else name


def fetch_uv_direct(pin: Pin, manifest: Path, target: Path, here: Platform) -> Path:
    """Download the platform's uv wheel from its recorded URL; check the lock's hash."""
    version, files = read_manifest(manifest)
    if version != pin.version:
        raise BootstrapError(f"{manifest.name} is for uv {version}, the lock pins {pin.version}")
    wheel = pick_wheel((f for f in files if f.sha256 in pin.hashes), here)
    if wheel is None:
        raise BootstrapError(f"no uv {pin.version} wheel for {here}")
    digest = hashlib.sha256()
    archive = target / wheel.filename
    target.mkdir(parents=True, exist_ok=True)
    if not wheel.url.startswith("https://"):
        raise BootstrapError(f"{manifest.name} lists a non-https URL: {wheel.url}")
    agent = {"User-Agent": "trusted-publish-bootstrap"}
    request = urllib.request.Request(wheel.url, headers=agent)  # noqa: S310 -- checked above
    with (
        urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response,  # noqa: S310 -- https from the manifest
        archive.open("wb") as out,
    ):
        while chunk := response.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != wheel.sha256:
        raise BootstrapError(
            f"{wheel.filename} has sha256 {digest.hexdigest()}, expected {wheel.sha256}"
        )
    member = f"uv-{pin.version}.data/scripts/{_exe('uv')}"
    with zipfile.ZipFile(archive) as bundle:
        binary = target / _exe("uv")
        binary.write_bytes(bundle.read(member))
    archive.unlink()
    binary.chmod(0o755)
    return binary


def _pip_command(python: str) -> list[str]:
    """Run pip: this interpreter's own, or the wheel ensurepip bundles."""
    probe = subprocess.run(  # noqa: S603 -- this interpreter, a constant argument
        [python, "-c", "import pip"], capture_output=True, check=False
    )
    if probe.returncode == 0:
        return [python, "-m", "pip"]
    bundled: list[Path] = []
    try:
        import ensurepip  # noqa: PLC0415 -- optional: Debian ships Python without it

        bundled = sorted(Path(ensurepip.__file__).parent.glob("_bundled/pip-*.whl"))
    except ImportError:
        pass
    bundled += sorted(Path("/usr/share/python-wheels").glob("pip-*.whl"))
    if not bundled:
        raise BootstrapError(
            f"{python} has no pip to fetch uv with, and uv could not be downloaded directly. "
            "Install pip for it (e.g. the python3-pip package) or let actions/setup-python "
            "provide Python."
        )
    return [python, str(bundled[-1] / "pip")]


def fetch_uv_with_pip(python: str, lock: Path, target: Path, environ: Mapping[str, str]) -> Path:
    command = [
        *_pip_command(python),
        "install",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--require-hashes",
        "--no-compile",
        "--disable-pip-version-check",
        "--no-input",
        "--target",
        str(target),
        "-r",
        str(lock),
    ]
    _run(command, "pip could not install uv", pip_environment(environ))
    for folder in ("bin", "Scripts"):
        binary = target / folder / _exe("uv")
        if binary.exists():
            return binary
    raise BootstrapError(f"pip installed uv into {target}, but its binary is missing")


# -- the environment ---------------------------------------------------------------------------


def pip_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without empty PIP_*/UV_* settings (an unset Docker ARG is empty)."""
    return {k: v for k, v in environ.items() if v or not k.upper().startswith(("PIP_", "UV_"))}


def uv_environment(environ: Mapping[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in pip_environment(environ).items()
        if not k.upper().startswith("UV_") or k.upper() in _UV_PASSED
    }
    for name in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONHOME"):
        env.pop(name, None)
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env["UV_NO_PROGRESS"] = "1"
    return env


def venv_python(venv: Path, windows: bool) -> Path:
    return venv / "Scripts" / "python.exe" if windows else venv / "bin" / "python"


def site_packages(venv: Path, windows: bool, version: tuple[int, int]) -> Path:
    if windows:
        return venv / "Lib" / "site-packages"
    return venv / "lib" / f"python{version[0]}.{version[1]}" / "site-packages"


def environment_key(paths: Sequence[Path], core: Path, python: str) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for path in sorted(core.rglob("*.py")):
        digest.update(path.relative_to(core).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(f"{python}\0{sys.version}\0{platform.platform()}".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Layout:
    lock: Path  # runtime.txt
    bootstrap_lock: Path  # bootstrap.txt
    manifest: Path  # bootstrap.json
    core: Path  # src/trusted_publish


def default_layout() -> Layout:
    return Layout(
        HERE / "runtime.txt",
        HERE / "bootstrap.txt",
        HERE / "bootstrap.json",
        HERE.parent / "src" / "trusted_publish",
    )


def _run(command: Sequence[str], failure: str, env: Mapping[str, str] | None = None) -> None:
    result = subprocess.run(  # noqa: S603 -- our own commands: pip, uv
        list(command),
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    for line in (result.stdout + result.stderr).splitlines():
        print(f"  {line}", flush=True)
    if result.returncode != 0:
        raise BootstrapError(f"{failure} (exit code {result.returncode}); its output is above.")


def get_uv(layout: Layout, work: Path, environ: Mapping[str, str]) -> tuple[Path, str]:
    pin = read_pin(layout.bootstrap_lock)
    if not any(environ.get(name) for name in _MIRROR_VARIABLES):
        try:
            return fetch_uv_direct(pin, layout.manifest, work / "uv", current_platform()), "direct"
        except (BootstrapError, OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
            print(f"  Direct download of uv {pin.version} failed ({exc}); using pip.", flush=True)
    pip_target = work / "uv-pip"
    return fetch_uv_with_pip(sys.executable, layout.bootstrap_lock, pip_target, environ), "pip"


def install(layout: Layout, work: Path, venv: Path, environ: Mapping[str, str]) -> Path:
    """Make ``venv`` (cold) and return its python; raise BootstrapError with the remedy."""
    windows = sys.platform == "win32"
    if venv.exists() and any(venv.iterdir()) and not (venv / "pyvenv.cfg").exists():
        raise BootstrapError(
            f"{venv} is a directory but not a virtual environment; not replacing it"
        )
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(venv, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.perf_counter()
    uv, source = get_uv(layout, work, environ)
    fetched = time.perf_counter()
    version = read_pin(layout.bootstrap_lock).version
    print(f"  uv {version} ({source}, sha256 verified) in {fetched - started:.1f} s", flush=True)
    env = uv_environment(environ)
    cache = work / "uv-cache"  # private: nothing from the job's caches gets installed
    _run(
        [
            str(uv),
            "venv",
            "--no-config",
            "--quiet",
            "--cache-dir",
            str(cache),
            "--python",
            sys.executable,
            str(venv),
        ],
        "uv could not create the virtual environment",
        env,
    )
    python = venv_python(venv, windows)
    _run(
        [
            str(uv),
            "pip",
            "install",
            "--no-config",
            "--python",
            str(python),
            "--require-hashes",
            "--no-build",
            "--cache-dir",
            str(cache),
            "-r",
            str(layout.lock),
        ],
        "uv could not install the locked dependencies (a platform without wheels for them "
        "needs a source build, which a publishing job does not do)",
        env,
    )
    target = site_packages(venv, windows, sys.version_info[:2]) / layout.core.name
    shutil.copytree(layout.core, target, ignore=shutil.ignore_patterns("__pycache__"))
    print(f"  dependencies and core installed in {time.perf_counter() - fetched:.1f} s", flush=True)
    return python


def ensure(layout: Layout, base: Path, environ: Mapping[str, str]) -> tuple[Path, bool]:
    """The environment's python under ``base``, made if needed; True if it was reused."""
    key = environment_key(
        [layout.lock, layout.bootstrap_lock, layout.manifest], layout.core, sys.executable
    )
    work = base / key
    venv = work / "venv"
    python = venv_python(venv, sys.platform == "win32")
    marker = venv / COMPLETE_MARKER
    if marker.exists() and marker.read_text(encoding="utf-8") == key and python.exists():
        return python, True
    python = install(layout, work / "build", venv, environ)
    marker.write_text(key, encoding="utf-8")
    return python, False


def write_output(environ: Mapping[str, str], name: str, value: str) -> None:
    path = environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:  # noqa: PTH123 -- a plain append
            handle.write(f"{name}={value}\n")
    else:
        print(f"{name}={value}")


# -- the manifest, for maintainers ------------------------------------------------------------


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def manifest_from_index(page: str, pin: Pin) -> dict[str, object]:
    """``bootstrap.json`` from a PEP 503 page: the pinned version's wheels the lock allows."""
    parser = _Links()
    parser.feed(page)
    files = []
    for link in parser.links:
        url, _, fragment = link.partition("#sha256=")
        filename = url.rsplit("/", 1)[-1]
        if (
            filename.startswith(f"uv-{pin.version}-")
            and filename.endswith(".whl")
            and fragment in pin.hashes
        ):
            files.append({"filename": filename, "url": url, "sha256": fragment})
    files.sort(key=lambda f: f["filename"])
    return {"version": pin.version, "files": files}


def refresh_manifest(layout: Layout, index: str) -> None:
    pin = read_pin(layout.bootstrap_lock)
    with urllib.request.urlopen(f"{index.rstrip('/')}/uv/", timeout=60) as response:  # noqa: S310 -- maintainer's index URL
        page = response.read().decode("utf-8")
    manifest = manifest_from_index(page, pin)
    layout.manifest.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


# -- running the core --------------------------------------------------------------------------


def core_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment the core gets: ``INPUT_*`` from ``TP_INPUTS``, the helpers removed."""
    raw = environ.get("TP_INPUTS") or "{}"
    try:
        inputs = json.loads(raw)
    except ValueError as exc:
        raise BootstrapError(f"TP_INPUTS is not JSON: {exc}") from exc
    if not isinstance(inputs, dict):
        raise BootstrapError("TP_INPUTS must be a JSON object of input names and values")
    env = {k: v for k, v in environ.items() if k not in {"TP_INPUTS", "TP_PYTHON"}}
    for name, value in inputs.items():
        env[f"INPUT_{str(name).replace(' ', '_').upper()}"] = "" if value is None else str(value)
    return env


def run_core(environ: Mapping[str, str]) -> int:
    import runpy  # noqa: PLC0415 -- only this command needs it

    env = core_environment(environ)
    os.environ.clear()
    os.environ.update(env)
    del sys.argv[1:]  # the core's own flags are not the action's business
    try:
        runpy.run_module("trusted_publish", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


# -- command line -------------------------------------------------------------------------------


def check() -> int:
    if sys.version_info < MINIMUM_PYTHON or not sys.executable:
        print(f"Python {platform.python_version()} is older than 3.10", file=sys.stderr)
        return 1
    print(sys.executable)
    return 0


def _escaped(message: str) -> str:
    return message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def command_install(arguments: argparse.Namespace, env: Mapping[str, str]) -> int:
    layout = default_layout()
    if arguments.venv is not None:
        work = Path(tempfile.mkdtemp(prefix="trusted-publish-bootstrap-"))
        try:
            python = install(layout, work, arguments.venv, env)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(f"python={python}")
        return 0
    started = time.perf_counter()
    print("::group::Set up the publisher's environment", flush=True)
    try:
        python, reused = ensure(layout, arguments.base or _default_base(env), env)
    finally:
        print("::endgroup::", flush=True)
    how = "reused from an earlier step of this job" if reused else "set up"
    elapsed = time.perf_counter() - started
    print(f"trusted-publish environment {how} in {elapsed:.1f} s: {python}", flush=True)
    write_output(env, "python", str(python))
    return 0


def command_manifest(arguments: argparse.Namespace, env: Mapping[str, str]) -> int:
    refresh_manifest(default_layout(), arguments.index)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="is this interpreter usable? print its path")
    setup = commands.add_parser("install", help="make (or reuse) the private environment")
    setup.add_argument("--base", type=Path, help="default: $RUNNER_TEMP/trusted-publish")
    setup.add_argument("--venv", type=Path, help="make exactly this venv (e.g. in an image)")
    commands.add_parser("run", help="run the core with the action's inputs (TP_INPUTS)")
    refresh = commands.add_parser("manifest", help="rewrite bootstrap.json from an index")
    refresh.add_argument("--index", default="https://pypi.org/simple")
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    arguments = _parser().parse_args(argv)
    if arguments.command == "check":
        return check()
    handlers = {"install": command_install, "manifest": command_manifest}
    titles = {
        "run": "trusted-publish could not start",
        "install": "trusted-publish could not set up its environment",
        "manifest": "bootstrap.json could not be refreshed",
    }
    try:
        if arguments.command == "run":
            return run_core(env)
        return handlers[arguments.command](arguments, env)
    except BootstrapError as exc:
        print(f"::error title={titles[arguments.command]}::{_escaped(str(exc))}", flush=True)
        return 1


def _default_base(environ: Mapping[str, str]) -> Path:
    temp = environ.get("RUNNER_TEMP")
    if not temp:
        raise BootstrapError("RUNNER_TEMP is not set; pass --base or --venv")
    return Path(temp) / WORK_NAME


if __name__ == "__main__":
    sys.exit(main())
