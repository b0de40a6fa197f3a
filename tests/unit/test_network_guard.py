"""Nothing started by the tests can reach beyond this machine."""

from __future__ import annotations

import socket
import subprocess

import pytest
import requests

from tests.conftest import child_environment, python_executable
from tests.standins.pypi import PyPI


def test_the_test_process_cannot_resolve_or_connect_outside() -> None:
    with pytest.raises(OSError, match="test network guard"):
        socket.getaddrinfo("github.com", 443)
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


def test_pypi_names_resolve_to_the_local_stand_in(pypi: PyPI) -> None:
    [(_, _, _, _, address)] = socket.getaddrinfo("upload.pypi.org", 443, type=socket.SOCK_STREAM)

    assert address == ("127.0.0.1", pypi.port)
    assert requests.get("https://pypi.org/_/oidc/audience", timeout=10).json() == {
        "audience": "pypi"
    }
