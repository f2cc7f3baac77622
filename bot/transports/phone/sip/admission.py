"""Who may ring the phone line: the provider, nobody else.

Anyone who can send a UDP packet to the bot's SIP port could otherwise call it with any
``From`` header and be taken for the person with that number. A call is taken only when
its INVITE

- comes from a trusted peer: the registrar's and the outbound proxy's addresses (their
  host, resolved when the line starts, at their port, 5060 when none is written) and the
  operator's ``[phone] trusted_peers`` (an address, ``address:port``, a network
  ``203.0.113.0/24`` or a host name); without a registrar and without ``trusted_peers``
  only this machine (loopback) may call;
- and, when the line registers, is addressed to the contact it registered: the contact
  carries a parameter nobody can guess, which the registrar puts into the Request-URI of
  every call it routes to the bot. Behind the edge it is new at every start of the lines
  (:func:`new_token`) and only the REGISTER carries it (the edge writes it there; no
  line's answer or call does); a stack alone (the tests' own) derives it from the SIP
  password (:func:`contact_token`).

Everything else is answered ``403 Forbidden`` before a call exists (stack.py). What a
caller ID is worth once a call is taken is another question (handlers/numbers/caller_check.py).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import socket
from dataclasses import dataclass
from typing import Any

# The contact's parameter (a URI parameter: kept in the Request-URI by every registrar).
PARAMETER = "nb"
_LOOPBACK = ("127.0.0.0/8", "::1/128")
_HOST_PORT = re.compile(
    r"^\[(?P<v6>[^\]]+)\](?::(?P<port6>\d+))?$|^(?P<host>[^:]+)(?::(?P<port>\d+))?$"
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def contact_token(user: str, password: str) -> str:
    """The unguessable part of the registered contact of a stack alone (the tests' own):
    stable for one account."""
    key = password.encode() or b"nachbarbot"
    return hmac.new(key, f"contact:{user}".encode(), hashlib.sha256).hexdigest()[:24]


def new_token() -> str:
    """The unguessable part of the registered contact behind the edge: new at every start
    of the lines (line_pool.py), never derived from the password, so a token that leaked
    is refused after the next start and tells nothing of the password."""
    return secrets.token_hex(12)


@dataclass(frozen=True)
class Peer:
    """Calls may come from ``network`` (at ``port``; 0: any port)."""

    network: Network
    port: int = 0

    def admits(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int) -> bool:
        return address in self.network and (not self.port or self.port == port)


def _resolve(host: str) -> list[str]:
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_UDP)
    except OSError:
        return []
    return sorted({str(info[4][0]) for info in found})


def _peers_of(entry: str, default_port: int = 0) -> list[Peer]:
    """The peers one ``trusted_peers`` entry (or a SIP URI's host part) names."""
    entry = entry.strip()
    if not entry:
        return []
    try:
        return [Peer(ipaddress.ip_network(entry, strict=False))]
    except ValueError:
        pass
    found = _HOST_PORT.match(entry)
    if found is None:
        raise ValueError(f"not an address: {entry!r}")
    host = found.group("v6") or found.group("host") or ""
    port = int(found.group("port6") or found.group("port") or default_port)
    return [Peer(ipaddress.ip_network(address), port) for address in _resolve(host)]


def uri_host_port(uri: str) -> str:
    """``host:port`` of a SIP URI ("sip:sipgate.de;transport=udp": "sipgate.de")."""
    rest = uri.split(":", 1)[1] if ":" in uri else uri
    rest = rest.split(";", 1)[0].split("?", 1)[0]
    return rest.rsplit("@", 1)[-1]


def check_entry(entry: str) -> str:
    """What is wrong with a ``trusted_peers`` entry ("" when nothing)."""
    entry = entry.strip()
    try:
        ipaddress.ip_network(entry, strict=False)
        return ""
    except ValueError:
        pass
    if _HOST_PORT.match(entry) is None or any(c.isspace() for c in entry):
        return f"not an address, network or host: {entry!r}"
    return ""


def _everyone(entry: str) -> bool:
    """Whether a ``trusted_peers`` entry is every address (``0.0.0.0/0``, ``::/0``)."""
    try:
        return ipaddress.ip_network(entry.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


def check(phone: Any) -> tuple[str, str, str]:
    """``doctor``'s line for who may call, by the ``[phone]`` section ``phone``."""
    name = "phone callers"
    providers = [uri_host_port(uri) for uri in (phone.registrar, phone.outbound_proxy) if uri]
    peers = list(phone.peers())
    if not providers and not peers:
        return (
            name,
            "WARN",
            "only this machine may call: set phone.registrar, or phone.trusted_peers to the "
            "trunk or PBX that sends the calls",
        )
    everyone = [entry for entry in peers if _everyone(entry)]
    if everyone:
        return (
            name,
            "WARN",
            f"open to all: phone.trusted_peers {', '.join(everyone)} lets every address on the"
            " internet send INVITEs and call, with no trunk or PBX in between - name the"
            " trunk's or PBX's addresses instead",
        )
    lost = [entry for entry in providers if not _peers_of(entry, 5060)]
    lost += [entry for entry in peers if not _peers_of(entry)]
    if lost:
        return (name, "FAIL", f"cannot resolve {', '.join(lost)}: its calls would be refused")
    contact = "; addressed to the registered contact" if phone.registrar else ""
    return (name, "ok", f"calls taken from {', '.join(providers + peers)} only{contact}")


class Admission:
    """The rule for one line: :meth:`refuses` tells why an INVITE is not taken."""

    def __init__(self, peers: list[Peer], token: str = "") -> None:
        self.peers = peers
        self.token = token

    @classmethod
    def of(
        cls,
        *,
        registrar: str,
        outbound_proxy: str,
        trusted_peers: tuple[str, ...],
        token: str,
    ) -> Admission:
        """Resolve the provider's hosts now (the stack's thread, at start)."""
        peers: list[Peer] = []
        for uri in (registrar, outbound_proxy):
            if uri:
                default = 5061 if uri.startswith("sips:") else 5060
                peers += _peers_of(uri_host_port(uri), default)
        for entry in trusted_peers:
            peers += _peers_of(entry)
        if not registrar and not trusted_peers:
            peers += [Peer(ipaddress.ip_network(net)) for net in _LOOPBACK]
        return cls(peers, token if registrar else "")

    def refuses_contact(self, message: str) -> bool:
        """Whether an INVITE's text lacks the registered contact's parameter (with a
        token; the peer's address is checked when the call comes, :meth:`refuses`)."""
        return bool(self.token) and not _addressed_to(message, self.token)

    def refuses(self, source: str, message: str) -> str:
        """Why an INVITE from ``source`` ("ip:port" as PJSIP writes it) with the text
        ``message`` is refused; "" when it is taken."""
        address, port = _source(source)
        if address is None or not any(peer.admits(address, port) for peer in self.peers):
            return "not from the provider"
        if self.token and not _addressed_to(message, self.token):
            return "not to the registered contact"
        return ""


def _source(source: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address | None, int]:
    host, _, port = source.rpartition(":")
    host = host.strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None, 0
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address, int(port) if port.isdecimal() else 0


def _addressed_to(message: str, token: str) -> bool:
    """Whether the request line's URI carries the contact's parameter."""
    request_line = message.split("\n", 1)[0]
    parts = request_line.split()
    if len(parts) < 2:
        return False
    params = parts[1].split(";")[1:]
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == PARAMETER and hmac.compare_digest(
            value.split("?", 1)[0].strip(), token
        ):
            return True
    return False
