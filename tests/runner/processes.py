"""Run one step's process as the runner does: both streams read line by line as they come,
a timeout that ends the whole process tree."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["run_process"]


def run_process(
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    feed: Callable[[str], None],
    *,
    timeout: float,
    on_timeout: Callable[[str], None],
) -> int:
    """Run ``argv``; each output line goes to ``feed``; return the exit code (1 on timeout)."""
    with subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=os.name == "posix",  # a timeout ends the whole process tree
    ) as process:
        readers = [
            threading.Thread(target=_pump, args=(stream, feed), daemon=True)
            for stream in (process.stdout, process.stderr)
        ]
        for reader in readers:
            reader.start()
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(process)
            process.wait()
            on_timeout(f"The action has timed out after {timeout:g} seconds.")
            code = 1
        for reader in readers:
            reader.join()
    return code


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    if sys.platform == "win32":
        process.kill()
    else:
        os.killpg(process.pid, signal.SIGKILL)


def _pump(stream: IO[bytes] | None, feed: Callable[[str], None]) -> None:
    assert stream is not None
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", errors="replace")
        feed(line.rstrip("\n").rstrip("\r"))
