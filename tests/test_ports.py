"""The test ports (tests/support/ports.py): runs are consecutive, free, never given twice
while the share lasts, and a long run is found however many short ones came before."""

from __future__ import annotations

import socket

import pytest

from tests.support import ports

WIDTH = 1000


@pytest.fixture
def small_share(monkeypatch) -> int:
    """A share of 1,000 ports, so that a test can hand most of it out; its first port.

    Taken from this process's real share, below the kernel's range for outgoing
    connections: a window inside that range (41000-41999 before) held ports of the busy
    machine's own connections, and a long run then found room only among the ports the
    test had been given (seen in CI)."""
    first, last = ports._share()
    assert last - first + 1 >= WIDTH
    monkeypatch.setattr(ports, "_share", lambda: (first, first + WIDTH - 1))
    monkeypatch.setattr(ports, "_cursor", None)
    return first


def test_a_long_run_is_found_after_hundreds_of_short_ones(small_share):
    base = small_share
    given: list[int] = []
    for count in [1, 5, 22, 2] * 5:  # 150 ports in runs of the sizes the tests ask
        first = ports.free_ports(count, udp=True)
        given.extend(range(first, first + count))
    assert len(set(given)) == 150
    # Before, ports picked at random and remembered left no 102 together (seen in CI).
    first = ports.free_ports(102, udp=True)
    assert first >= base and first + 101 <= base + WIDTH - 1
    assert not set(range(first, first + 102)) & set(given)


def test_a_busy_port_is_stepped_over_and_no_run_spans_the_wrap(small_share, monkeypatch):
    base = small_share
    monkeypatch.setattr(ports, "_cursor", base + 990)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as one:
        one.bind(("127.0.0.1", base + 992))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
            other.bind(("127.0.0.1", base + 997))
            # base+990..991 and base+993..996 are too short, base+998..999 end at the wrap:
            # the run starts after the wrap (at the base unless a server of an earlier test
            # still holds ports there).
            first = ports.free_ports(5, udp=True)
            assert base <= first < base + 990
            second = ports.free_ports(3)
            assert first + 5 + ports.GAP <= second < base + 990


def test_a_run_longer_than_the_share_is_refused(small_share):
    with pytest.raises(ValueError):
        ports.free_ports(WIDTH + 1)
