"""Loaded by every Python process the test suite starts (through PYTHONPATH): refuse and record any
connection that is not to loopback or a Unix socket, and any name lookup other than localhost.

The suite's conftest reads the record after each test and fails the test that caused an entry, so a
library that swallows the refused connection still cannot hide it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import traceback

_LOG = os.environ.get("NETGUARD_LOG")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class NonLoopbackConnection(ConnectionRefusedError):
    """Raised by the test network guard."""


def _is_loopback_host(host: object) -> bool:
    if host is None:
        return True
    text = host.decode() if isinstance(host, bytes) else str(host)
    text = text.strip("[]").split("%", 1)[0]
    if text.lower() in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _record(what: str) -> None:
    if _LOG:
        stack = "".join(traceback.format_stack(limit=12)[:-2])
        with open(_LOG, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {what}\n{stack}\n---\n")


def _check_address(family: int, address: object) -> None:
    if family == getattr(socket, "AF_UNIX", None) or family == getattr(socket, "AF_NETLINK", None):
        return
    host = address[0] if isinstance(address, tuple) and address else address
    if not _is_loopback_host(host):
        _record(f"connect to {address!r}")
        raise NonLoopbackConnection(f"test network guard: connection to {address!r} refused")


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_sendto = socket.socket.sendto
_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check_address(self.family, address)
    return _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check_address(self.family, address)
    return _connect_ex(self, address)


def _guarded_sendto(self: socket.socket, *args: object) -> int:
    _check_address(self.family, args[-1])
    return _sendto(self, *args)  # type: ignore[arg-type]


def _is_ip_literal(host: object) -> bool:
    text = host.decode() if isinstance(host, bytes) else str(host)
    try:
        ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
    # An IP literal needs no lookup; the connect that follows is checked on its own.
    if not _is_loopback_host(host) and not _is_ip_literal(host):
        _record(f"name lookup of {host!r}")
        raise socket.gaierror(socket.EAI_NONAME, f"test network guard: lookup of {host!r} refused")
    return _getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]


def install() -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = _guarded_sendto  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]


if _LOG:
    install()
