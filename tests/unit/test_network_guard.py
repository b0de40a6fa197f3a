"""Nothing started by the tests can reach beyond this machine."""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests.conftest import child_environment, python_executable


def test_the_test_process_cannot_resolve_or_connect_outside() -> None:
    with pytest.raises(OSError, match="test network guard"):
        socket.getaddrinfo("pypi.org", 443)
    with pytest.raises(OSError, match="test network guard"), socket.socket() as sock:
        sock.connect(("192.0.2.1", 443))


def test_child_processes_are_guarded_too() -> None:
    probe = (
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('sigstore.dev', 443), timeout=5)\n"
        "except OSError as exc:\n"
        "    print('refused:', exc)\n"
    )
    result = subprocess.run(
        [python_executable(), "-c", probe],
        env=child_environment({}),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert "refused: [Errno" in result.stdout
    assert "test network guard" in result.stdout
