"""A free TCP port on 127.0.0.1 for a server a test starts (the fakes, PostgreSQL, Synapse,
the bot's webhook and web). The port is free when asked; the server binds it right after."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
