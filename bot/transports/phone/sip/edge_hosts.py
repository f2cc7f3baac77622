"""Which ``[phone]`` values may go into the SIP edge's Kamailio configuration (edge.py).

``bind`` and ``public_address`` are written unquoted into ``listen=`` and ``advertise``,
the outbound proxy into a quoted string of the script: a value holding a space, a quote or
a line break could add settings of its own (another ``listen`` on TCP, say). So such a
value is an IP literal or a host name of letters, digits, dots and hyphens, and nothing
else; PhoneSection.check refuses the rest at the start, and edge.py again where it writes.
"""

from __future__ import annotations

import ipaddress
import re

_HOST_NAME = re.compile(r"[A-Za-z0-9.-]+")
# sip:host, sip:host:port, sip:[v6]:port; the parameters after ";" are not written.
_PROXY = re.compile(r"sips?:(?P<host>\[[0-9A-Fa-f:.]+\]|[^:;\[\]]+)(?::(?P<port>\d{1,5}))?")
_PARAMETERS = re.compile(r"(;[A-Za-z0-9=._-]*)*")


def host_problem(value: str) -> str:
    """Why ``value`` is no IP literal nor host name ("" when it is one)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if _HOST_NAME.fullmatch(value) and not value.startswith(("-", ".")):
            return ""
        return "must be an IP address or a host name (letters, digits, dots and hyphens only)"
    return ""


def proxy_problem(uri: str) -> str:
    """Why ``uri`` is no ``sip:host[:port][;parameters]`` the edge can relay to ("" when
    it is one)."""
    head, _, parameters = uri.partition(";")
    found = _PROXY.fullmatch(head)
    if not found or not _PARAMETERS.fullmatch(";" + parameters if parameters else ""):
        return "must be sip:host or sip:host:port (IP address or host name), parameters after ;"
    host = found.group("host").strip("[]")
    if found.group("port") and not 0 < int(found.group("port")) < 65536:
        return "its port must be between 1 and 65535"
    return host_problem(host)


def edge_values_problem(bind: str, public_address: str, outbound_proxy: str) -> str:
    """What is wrong with ``[phone]``'s values written into the edge's configuration, named
    by their keys ("" when nothing is)."""
    for key, value in (("bind", bind), ("public_address", public_address)):
        wrong = host_problem(value) if value else ""
        if wrong:
            return f"phone.{key}: {wrong}"
    wrong = proxy_problem(outbound_proxy) if outbound_proxy else ""
    return f"phone.outbound_proxy: {wrong}" if wrong else ""
