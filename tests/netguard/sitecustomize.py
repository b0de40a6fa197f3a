"""Refuse every network connection that does not stay on this machine.

Loaded through PYTHONPATH into every Python process the tests and the demo
start, and installed in the test process itself, so that a test reaching
pypi.org, github.com or sigstore.dev fails loudly instead of leaking out.

Host names listed in ``TEST_NETGUARD_HOSTS`` (``name=port,name=port``) resolve to
127.0.0.1 on that port instead: that is how code under test reaches
``https://upload.pypi.org/legacy/`` and lands on a local stand-in.
"""

from __future__ import annotations

import ipaddress
import os
import socket

HOSTS_VARIABLE = "TEST_NETGUARD_HOSTS"
_ALLOWED_NAMES = {"localhost", "127.0.0.1", "::1"}
_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex
_original_getaddrinfo = socket.getaddrinfo
_host_map: dict[str, int] = {}


class NetworkGuardError(OSError):
    pass


def map_host(name: str, port: int) -> None:
    """Make ``name`` (any port) resolve to 127.0.0.1:``port`` in this process."""
    _host_map[name.lower()] = port


def host_map_value() -> str:
    """The ``TEST_NETGUARD_HOSTS`` value that gives a child process the same map."""
    return ",".join(f"{name}={port}" for name, port in sorted(_host_map.items()))


def _load_host_map(value: str) -> None:
    for item in filter(None, value.split(",")):
        name, _, port = item.partition("=")
        map_host(name.strip(), int(port))


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


def _guarded_getaddrinfo(  # noqa: PLR0917 -- socket.getaddrinfo's own signature
    host: object, port: object, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
) -> object:
    name = host.decode() if isinstance(host, bytes) else host
    if isinstance(name, str) and name.lower() in _host_map:
        return _original_getaddrinfo(
            "127.0.0.1", _host_map[name.lower()], socket.AF_INET, type, proto, flags
        )
    if name is not None and not _is_local((name, 0)):
        raise socket.gaierror(socket.EAI_NONAME, f"test network guard: refused lookup of {name!r}")
    return _original_getaddrinfo(host, port, family, type, proto, flags)  # type: ignore[arg-type]


def install() -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]


_load_host_map(os.environ.get(HOSTS_VARIABLE, ""))
install()
