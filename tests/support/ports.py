"""A free TCP port on 127.0.0.1 for a server a test starts (the fakes, PostgreSQL, Synapse,
the bot's webhook and web). The port is free when asked; the server binds it right after.

Taken below the kernel's range for outgoing connections (``ip_local_port_range``, 32768 and
up here): a port from that range, free when asked, can be given to any outgoing connection
(a client of the fake Bot API, of PostgreSQL) before the server binds it, and the server then
fails to start. Below it, only another test asking here can take it, and that is unlikely:
the port is picked at random among thousands.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_FALLBACK_RANGE = (32768, 60999)
LOWEST = 20000


def _outgoing_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return _FALLBACK_RANGE


def free_port() -> int:
    low, _ = _outgoing_range()
    highest = low - 1 if low - 1 > LOWEST + 1000 else LOWEST + 9999
    for _ in range(200):
        port = random.randint(LOWEST, highest)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
