"""A free TCP port on 127.0.0.1 for a server a test starts (the fakes, PostgreSQL, Synapse,
the bot's webhook and web). The port is free when asked; the server binds it right after.

Taken below the kernel's range for outgoing connections (``ip_local_port_range``, 32768 and
up here): a port from that range, free when asked, can be given to any outgoing connection
(a client of the fake Bot API, of PostgreSQL) before the server binds it, and the server then
fails to start.

Below it, the ports are split between pytest-xdist's workers (``PYTEST_XDIST_WORKER``), so
that two workers never pick the same port between one's asking and its server's binding (seen
in CI: a baresip's ctrl_tcp port taken by another worker's phone). Within its share a process
hands ports out in order, from a cursor that starts at a random place and wraps round: a port
is given again only after the whole share (about 4,250 ports) has been handed out since, so
two servers of one test never share one, and the ports not yet given lie together. (Ports
picked at random and remembered left a share so fragmented late in a run that the phone's
try found no 102 consecutive free ones - seen twice in CI.) ``free_ports(n)`` gives ``n``
consecutive ports, for a server that binds beside its own port (baresip's SIP/TLS listens on
the SIP port + 1, the phone's RTP range).
"""

from __future__ import annotations

import os
import random
import socket
from pathlib import Path

_FALLBACK_RANGE = (32768, 60999)
LOWEST = 20000
_cursor: int | None = None
# Ports left out after each run handed out: many servers bind beside the port they are
# given (baresip's SIP/TLS on the port + 1, RTCP beside RTP, Synapse's and Kannel's second
# listeners), and ports handed out next to each other made such a server lose its neighbour
# to the next test's server.
GAP = 16


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


def _share() -> tuple[int, int]:
    low, _ = _outgoing_range()
    highest = low - 1 if low - 1 > LOWEST + 1000 else LOWEST + 9999
    return _worker_slice(LOWEST, highest)


def free_ports(count: int = 1, *, udp: bool = False) -> int:
    """The first of ``count`` consecutive ports free on 127.0.0.1 (for TCP, and for UDP too
    with ``udp``), the next such run after the ports this process gave last."""
    global _cursor
    first, last = _share()
    if count > last - first + 1:
        raise ValueError(f"{count} ports asked, the share {first}..{last} is smaller")
    if _cursor is None or not first <= _cursor <= last:
        _cursor = random.randint(first, last)
    start, run = _cursor, 0
    # Each port of the share is probed at most once per wrap: a run that meets a busy port
    # starts again after it, and a run never spans the wrap (its ports must be consecutive).
    for step in range(last - first + 1 + count):
        port = first + (_cursor - first + step) % (last - first + 1)
        if port == first:
            run = 0
        if run == 0:
            start = port
        if _free(port, udp=udp):
            run += 1
            if run == count:
                after = port + 1 + GAP
                _cursor = after if after <= last else first
                return start
        else:
            run = 0
    raise RuntimeError(f"no {count} free ports on 127.0.0.1 in {first}..{last}")


def free_port() -> int:
    return free_ports(1)
