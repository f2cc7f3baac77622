"""Fixtures of the tests of the phone's lines and edge."""

from __future__ import annotations

import pytest

# The pause before a line or the edge is started again (line_pool.RESTART_PAUSE, 2 s),
# where a test is about the restart and not about the pause's length.
QUICK_RESTART = 0.1


@pytest.fixture
def quick_restarts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines and the edge started again after QUICK_RESTART, not line_pool's 2 s: every
    restart (and each try of one that failed) is still waited for as an event."""
    from bot.transports.phone.sip import line_pool

    monkeypatch.setattr(line_pool, "RESTART_PAUSE", QUICK_RESTART)
