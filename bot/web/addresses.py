"""Who is asking: a web client's address, and limits per address for what costs the
process work on anyone's request (a place read aloud, bot/web/public/places.py).

**Behind a reverse proxy** every request comes from the proxy. The web is served behind
one, on this host or a private network (docs/web.md, deploy/): a request whose peer is a
loopback or private address is the operator's own proxy speaking, and the client is the
last address of its ``X-Forwarded-For`` (the one the proxy added: anything before it the
client may have written itself); without that header the peer itself is the client. A
peer on the public internet is the client, whatever it says. Someone on the private
network could pose as many clients: the overall limits (bot/speech/turns.py) hold for
them all the same.

IPv6 clients are counted by their /64 network (one household or host has a whole one).
The table of addresses is in memory only and bounded (``MOST_ADDRESSES``): the least
recently seen addresses go as soon as their bucket is full again (as good as new), and
when the table is full anyway, the oldest.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable

from aiohttp import web

from bot.token_bucket import Bucket

MOST_ADDRESSES = 10_000


def _parsed(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]").split("%")[0])
    except ValueError:
        return None


def _own(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    """Whether a peer is the operator's own (its proxy): on this host or a private net."""
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_private


def client_address(request: web.Request) -> str:
    """The client's address as a key: the IPv4 address, or the IPv6 /64 network."""
    peer = request.remote or ""
    address = _parsed(peer)
    if _own(address):
        forwarded = ",".join(request.headers.getall("X-Forwarded-For", []))
        last = forwarded.rsplit(",", 1)[-1] if forwarded else ""
        if (told := _parsed(last)) is not None:
            address = told
    if address is None:
        return peer[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class AddressLimits:
    """A token bucket per client address (bot/token_bucket.py): ``burst`` requests at
    once, then ``per_second``; at most ``MOST_ADDRESSES`` addresses kept."""

    def __init__(
        self,
        burst: float,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        most: int = MOST_ADDRESSES,
    ) -> None:
        self.burst = burst
        self.per_second = per_second
        self.clock = clock
        self.most = most
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, address: str) -> int:
        """0 when ``address`` may; else the whole seconds until it may (Retry-After)."""
        bucket = self._buckets.pop(address, None) or Bucket(self.burst, self.per_second, self.clock)
        wait = bucket.take()
        self._buckets[address] = bucket
        self._forget_recovered()
        if len(self._buckets) > self.most:
            self._forget()
        return max(1, math.ceil(wait)) if wait else 0

    def _forget_recovered(self) -> None:
        """The least recently seen addresses go once their bucket is full again (as good
        as new): a couple per request, so the table holds those counted lately."""
        for _ in range(2):
            oldest = next(iter(self._buckets.items()), None)
            if oldest is None or not oldest[1].full():
                return
            del self._buckets[oldest[0]]

    def _forget(self) -> None:
        """Make room, a tenth of the table at once (so that this look at every entry is
        rare): addresses whose bucket is full again are as good as new; then the oldest."""
        for address, bucket in list(self._buckets.items()):
            if bucket.full():
                del self._buckets[address]
        while len(self._buckets) > self.most - self.most // 10:
            self._buckets.popitem(last=False)
