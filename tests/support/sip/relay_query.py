"""What the bot's media relay (rtpengine, media_relay.py) carries, asked over its control
(the ``ng`` protocol: a cookie, then a bencoded dictionary): the calls it knows and, per call,
each side's media - the protocol of its SDP (``RTP/AVP``, ``RTP/SAVP``) and the address its
packets are taken from."""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass
from typing import Any

import bencodepy


def ask(port: int, command: dict[str, Any], timeout: float = 5.0) -> dict[bytes, Any]:
    """rtpengine's answer to ``command`` at its control on 127.0.0.1:``port``."""
    cookie = secrets.token_hex(6).encode()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(cookie + b" " + bencodepy.encode(command), ("127.0.0.1", port))
        answer = sock.recv(65536)
    head, _, body = answer.partition(b" ")
    assert head == cookie, answer
    decoded: dict[bytes, Any] = bencodepy.decode(body)
    assert decoded.get(b"result") == b"ok", decoded
    return decoded


@dataclass(frozen=True)
class Side:
    """One party of a relayed call: its SIP tag, the protocol its SDP agreed and the
    address (``host``, ``port``) the relay takes its media from."""

    tag: str
    protocol: str
    host: str
    port: int


def sides(port: int) -> dict[str, list[Side]]:
    """Per call-id the relay knows, its parties' audio."""
    found: dict[str, list[Side]] = {}
    for call_id in ask(port, {"command": "list"}).get(b"calls", []):
        query = ask(port, {"command": "query", "call-id": call_id})
        parties = []
        for tag, party in query.get(b"tags", {}).items():
            for media in party.get(b"medias", []):
                for stream in media.get(b"streams", [])[:1]:  # RTP; RTCP is its port + 1
                    endpoint = stream.get(b"endpoint", {})
                    parties.append(
                        Side(
                            tag.decode(),
                            media.get(b"protocol", b"").decode(),
                            endpoint.get(b"address", b"").decode(),
                            int(endpoint.get(b"port", 0)),
                        )
                    )
        found[call_id.decode()] = parties
    return found
