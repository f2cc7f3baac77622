"""What of ``[phone]`` may enter the SIP edge's Kamailio configuration (edge_hosts.py,
edge.py): an address and nothing else, refused at the start with the key named, and again
where the configuration is written; an IPv6 address is written so Kamailio reads it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import PhoneSection
from bot.config_fields import ConfigError
from bot.transports.phone.sip.call_control import StackSettings
from bot.transports.phone.sip.edge import Edge, EdgeFailed, EdgePlan, check_config

# Each would add settings of its own to the script: a TCP socket, a log, another listen.
INJECTED = {
    "public_address": "1.2.3.4 debug=3 disable_tcp=no listen=tcp:0.0.0.0:5999 alias=x.example",
    "bind": "127.0.0.1 listen=tcp:0.0.0.0:5999",
    "outbound_proxy": 'sip:127.0.0.1:5090"; debug=3; $du="sip:x',
}
FINE = {
    "public_address": ("203.0.113.7", "2001:db8::1", "sip.example.org"),
    "bind": ("0.0.0.0", "::", "127.0.0.1", "edge-1.example.org"),
    "outbound_proxy": (
        "sip:127.0.0.1:5090;transport=udp",
        "sip:[2001:db8::5]:5060",
        "sip:p.example.org;lr",
    ),
}


@pytest.mark.parametrize("key", sorted(INJECTED))
def test_a_value_that_is_no_address_is_refused_at_the_start(key: str):
    with pytest.raises(ConfigError, match=f"phone.{key}: "):
        PhoneSection(enabled=True, **{key: INJECTED[key]}).check()
    for value in FINE[key]:
        PhoneSection(enabled=True, **{key: value}).check()


def _plan(**values: str) -> EdgePlan:
    settings = StackSettings(bind="127.0.0.1", port=5060)
    plan = EdgePlan.of(settings, inner=20000, lines=[20001], notice=20002)
    return replace(plan, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", sorted(INJECTED))
def test_where_the_configuration_is_written_it_is_refused_again(key: str, tmp_path: Path):
    """A plan made without PhoneSection.check (a test, another caller) writes nothing
    (before, Kamailio loaded the first one and listened on TCP 5999)."""
    edge = Edge(_plan(**{key: INJECTED[key]}), tmp_path)
    with pytest.raises(EdgeFailed, match=f"phone.{key}: "):
        edge.write()
    assert not edge.config_path.exists()


def test_an_ipv6_public_address_is_written_so_kamailio_reads_it(tmp_path: Path):
    """[address]:port (before, "2001:db8::7:5060": Kamailio refused the script, or read
    the address's last group as its port)."""
    edge = Edge(_plan(public_address="2001:db8::7"), tmp_path)
    binary = edge.write()
    assert check_config(binary, edge.config_path, edge.defines) == ""
    assert "PUBLIC=[2001:db8::7]:5060" in edge.defines  # the alias and the advertised address
