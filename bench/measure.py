"""Run one command and measure it: wall time, CPU time, peak memory of its whole process tree.

Peak RSS comes from polling ``/proc/<pid>/status`` of every process in the tree (found
through the parent pids in ``/proc/<pid>/stat``) and is the larger of:

* the largest ``VmHWM`` of any process: the kernel's exact high-water mark of its
  resident set since its ``exec``, so a spike between two polls is not missed;
* the largest sum of ``VmRSS`` over the tree at one poll: catches a tree of several
  processes (a spike shorter than the interval may be missed there).

``ru_maxrss`` from ``wait4`` is not used: at ``exec`` the kernel folds the old address
space's high-water mark into it, and a child forked (or vforked) from this benchmark
process starts as a copy of it, so every child would report at least this process's
own size (about 100 MB once the stand-ins run). Anonymous memory (``RssAnon``, what
the tool allocated as opposed to mapped files) is polled the same way.

Output goes through a pipe and every line is time-stamped on arrival, so a run's log
can be cut into phases afterwards (``::group::`` lines of a GitHub step, for instance).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

__all__ = ["Line", "Measured", "RunFailed", "run"]


@dataclass(frozen=True)
class Line:
    seconds: float  # since the process was started
    text: str


@dataclass(frozen=True)
class Measured:
    argv: tuple[str, ...]
    returncode: int
    seconds: float  # wall time, start to exit
    cpu_seconds: float  # user + system of the process and the children it waited for
    peak_rss: int  # bytes: max(largest VmHWM of a process, largest polled VmRSS sum)
    peak_anon: int  # bytes: largest polled sum of RssAnon over the tree
    lines: tuple[Line, ...] = field(repr=False)

    @property
    def output(self) -> str:
        return "\n".join(line.text for line in self.lines)


class RunFailed(Exception):
    def __init__(self, what: str, measured: Measured) -> None:
        tail = "\n".join(f"    {line.text}" for line in measured.lines[-40:])
        super().__init__(f"{what} failed (exit code {measured.returncode}); last output:\n{tail}")
        self.measured = measured


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    log: Path | None = None,
    poll_interval: float | None = 0.02,
    check: str | None = None,
) -> Measured:
    """Run ``argv`` to completion; with ``check`` set, raise ``RunFailed`` on a non-zero exit.

    ``poll_interval=None`` measures no memory (nothing else runs in this process then).
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: list[Line] = []
    reader = threading.Thread(target=_read, args=(process, started, lines), daemon=True)
    reader.start()
    poller = _TreePoller(process.pid, poll_interval) if poll_interval is not None else None
    if poller is not None:
        poller.start()
    _wait_until_exited(process.pid)  # exited, not reaped yet
    seconds = time.perf_counter() - started
    if poller is not None:
        poller.stop()
    status, usage = _reap(process.pid)
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    measured = Measured(
        argv=tuple(argv),
        returncode=process.returncode,
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss=poller.peak_rss if poller is not None else 0,
        peak_anon=poller.peak_anon if poller is not None else 0,
        lines=tuple(lines),
    )
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as out:
            out.write(f"$ {' '.join(argv)}\n")
            out.writelines(f"[{line.seconds:8.3f}] {line.text}\n" for line in lines)
            out.write(
                f"-> exit {measured.returncode}, {seconds:.3f} s, "
                f"peak RSS {measured.peak_rss / 2**20:.1f} MiB\n\n"
            )
    if check is not None and measured.returncode != 0:
        raise RunFailed(check, measured)
    return measured


class _Usage(Protocol):
    """The part of wait4's resource usage the measurements use."""

    ru_utime: float
    ru_stime: float


# The benchmarks run on Linux (they read /proc); these calls exist only on POSIX, so they
# are looked up at run time and the module still type-checks for macOS and Windows.
def _wait_until_exited(pid: int) -> None:
    waitid: Callable[[int, int, int], object] = getattr(os, "waitid")  # noqa: B009
    waitid(getattr(os, "P_PID"), pid, getattr(os, "WEXITED") | getattr(os, "WNOWAIT"))  # noqa: B009


def _reap(pid: int) -> tuple[int, _Usage]:
    wait4: Callable[[int, int], tuple[int, int, _Usage]] = getattr(os, "wait4")  # noqa: B009
    _, status, usage = wait4(pid, 0)
    return status, usage


def _read(process: subprocess.Popen[bytes], started: float, lines: list[Line]) -> None:
    assert process.stdout is not None
    with process.stdout:
        for raw in process.stdout:
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(Line(time.perf_counter() - started, text))


class _TreePoller:
    """Polls the memory of a process and all its descendants in a thread."""

    def __init__(self, root: int, interval: float) -> None:
        self.root = root
        self.interval = interval
        self.peak_sum = 0
        self.peak_anon = 0
        self.high_water: dict[int, int] = {}  # pid -> its VmHWM at the last poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="rss-poller")

    @property
    def peak_rss(self) -> int:
        return max(self.peak_sum, *self.high_water.values(), 0)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                return

    def sample(self) -> None:
        rss = anon = 0
        for pid in _tree(self.root):
            fields = _status(pid)
            if "VmRSS" not in fields:  # gone, or a zombie (no memory left)
                continue
            rss += fields["VmRSS"]
            anon += fields.get("RssAnon", 0)
            self.high_water[pid] = max(self.high_water.get(pid, 0), fields.get("VmHWM", 0))
        self.peak_sum = max(self.peak_sum, rss)
        self.peak_anon = max(self.peak_anon, anon)


def _status(pid: int) -> dict[str, int]:
    """The memory lines of /proc/<pid>/status, in bytes (empty if it is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    found = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM", "RssAnon"}:
            found[name] = int(value.split()[0]) * 1024  # kB
    return found


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from the parent pids in /proc (no /proc/*/children here)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        after = stat.rsplit(")", 1)[-1].split()
        if len(after) > 1:
            children.setdefault(int(after[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found
