"""A free TCP port on 127.0.0.1 for a server a test starts (the fakes, PostgreSQL, Synapse,
the bot's webhook and web). The port is free when asked; the server binds it right after.

Taken below the kernel's range for outgoing connections (``ip_local_port_range``, 32768 and
up here): a port from that range, free when asked, can be given to any outgoing connection
(a client of the fake Bot API, of PostgreSQL) before the server binds it, and the server then
fails to start.

Below it, the ports are split between pytest-xdist's workers (``PYTEST_XDIST_WORKER``), so
that two workers never pick the same port between one's asking and its server's binding (seen
in CI: a baresip's ctrl_tcp port taken by another worker's phone). Within a process, a port
once given is not given again while others are left, so two servers of one test never share
one. ``free_ports(n)`` gives ``n`` consecutive ports, for a server that binds beside its own
port (baresip's SIP/TLS listens on the SIP port + 1).
"""

from __future__ import annotations

import os
import random
import socket
from collections import deque
from pathlib import Path

_FALLBACK_RANGE = (32768, 60999)
LOWEST = 20000
# Enough to cover every server one test starts, and well under a worker's share of the
# ports (about 4,250 of three workers): remembering 4,000 left a worker that had run many
# phone tests no 102 consecutive ports for the phone's try (tests/docs/test_local_try.py).
# Older ports, whose servers stopped with their test, may be given again.
_REMEMBERED = 1500
_given: deque[int] = deque(maxlen=_REMEMBERED)


def _outgoing_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return _FALLBACK_RANGE


def _worker_slice(low: int, high: int) -> tuple[int, int]:
    """This xdist worker's share of ``low..high`` (all of it outside xdist)."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    try:
        count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
        index = int(name.removeprefix("gw")) if name.startswith("gw") else 0
    except ValueError:
        return low, high
    if count <= 1 or not 0 <= index < count:
        return low, high
    width = (high - low + 1) // count
    start = low + index * width
    return start, start + width - 1


def _free(port: int, *, udp: bool) -> bool:
    kinds = (socket.SOCK_STREAM, socket.SOCK_DGRAM) if udp else (socket.SOCK_STREAM,)
    for kind in kinds:
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_ports(count: int = 1, *, udp: bool = False) -> int:
    """The first of ``count`` consecutive ports free on 127.0.0.1 (for TCP, and for UDP too
    with ``udp``), none given before by this process."""
    low, _ = _outgoing_range()
    highest = low - 1 if low - 1 > LOWEST + 1000 else LOWEST + 9999
    first, last = _worker_slice(LOWEST, highest)
    for _ in range(500):
        port = random.randint(first, last - count + 1)
        wanted = range(port, port + count)
        if any(p in _given for p in wanted):
            continue
        if all(_free(p, udp=udp) for p in wanted):
            _given.extend(wanted)
            return port
    raise RuntimeError(f"no {count} free ports on 127.0.0.1 in {first}..{last}")


def free_port() -> int:
    return free_ports(1)
