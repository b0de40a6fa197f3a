"""Refuse every network connection that does not stay on this machine.

Loaded through PYTHONPATH into every Python process the tests and the demo
start, and installed in the test process itself, so that a test reaching
pypi.org, github.com or sigstore.dev fails loudly instead of leaking out.
"""

from __future__ import annotations

import ipaddress
import socket

_ALLOWED_NAMES = {"localhost", "127.0.0.1", "::1"}
_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex
_original_getaddrinfo = socket.getaddrinfo


class NetworkGuardError(OSError):
    pass


def _is_local(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX paths
        return True
    if isinstance(address, tuple) and address:
        host = address[0]
        if isinstance(host, bytes):
            host = host.decode()
        if host in _ALLOWED_NAMES:
            return True
        try:
            return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            return False
    return False


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_local(address):
        raise NetworkGuardError(f"test network guard: refused connection to {address!r}")
    _original_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_local(address):
        raise NetworkGuardError(f"test network guard: refused connection to {address!r}")
    return _original_connect_ex(self, address)  # type: ignore[arg-type]


def _guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and not _is_local((name, 0)):
        raise socket.gaierror(socket.EAI_NONAME, f"test network guard: refused lookup of {name!r}")
    return _original_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]


def install() -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]


install()
