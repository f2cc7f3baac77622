"""The phone's media relay: an rtpengine of the bot's own, next to the SIP edge (edge.py).

A call's audio and its keypad tones (RFC 4733 events in the RTP stream) reach the bot at the
relay only: the edge gives every SDP it passes to the relay (Kamailio's ``rtpengine`` module,
``rtpengine_manage``), which puts its own address into it - its ``external`` interface
(``[phone] bind``, or this machine's address on the way to the provider; ``public_address``
written into the SDP behind NAT) towards the provider, its ``internal`` one (127.0.0.1)
towards the lines, whose RTP is bound to 127.0.0.1 like their SIP. The relay takes a
stream's packets only from the address and port the SDP named (``--endpoint-learning=off``
and the ``strict-source`` flag of every offer): a packet from anyone else is dropped before
any PJSIP sees it. Before, a line's own RTP port was open to all, and PJSIP's symmetric-RTP
latch made any source that sent it 10 packets the call's far end: the caller heard nothing
more, the sender heard the bot and pressed her keys ("RTP Bleed", issue 98 point 1). The
lines still latch, but only something on this machine reaches them.

The provider may offer SRTP (SDES, ``RTP/SAVP``): the relay answers it encrypted towards the
provider and gives the lines plain RTP on loopback (``transport-protocol=RTP/AVP``). With
``[phone] srtp`` the bot's own calls are offered to the provider as SRTP (``RTP/SAVP``, the
relay's SDES keys: ``transport-protocol=RTP/SAVP``, edge.cfg ``route[MEDIA]``), the lines'
side plain as ever.

The relay runs in userspace only (``--table=-1``: no kernel module, no firewall rules of its
own), its control (the ``ng`` protocol) on a loopback port the edge alone is told. Its RTP
ports are ``[phone] rtp_port`` … ``+ rtp_ports - 1``, or a block of 40000-59999 when ``rtp_port``
is 0 - held by this relay alone among the bots' relays on the machine (relay_ports.py:
rtpengine shares a port another rtpengine binds, and the newer takes its packets). Its log is
off but for its own errors (a call's id, never a number). Debian's package
``rtpengine-daemon`` brings it; its system service is not used.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shutil
import socket
from dataclasses import dataclass, replace
from typing import Any

from bot.transports.hooks import Check
from bot.transports.phone.sip import process_group, relay_ports
from bot.transports.phone.sip.call_control import RTP_PORTS, StackSettings
from bot.transports.phone.sip.edge import ANY, EdgePlan, outward_address

log = logging.getLogger(__name__)

_BINARIES = ("/usr/bin/rtpengine", "/usr/sbin/rtpengine", "/usr/local/bin/rtpengine")
# How long the relay has to answer its first ping after its start (seconds).
START_SECONDS = 20.0
# A stream with no packet this long is ended by the relay (the bot hangs up first:
# rtp_timeout_seconds); a session nobody ended (a line that died) goes at the latest then.
NO_MEDIA_SECONDS = 60
# A call the relay knows longer than this (seconds) is forgotten (the edge's DIALOG_MOST).
LONGEST_SECONDS = 4 * 3600
# Its ports when [phone] rtp_port is 0 ("any").
ANY_PORTS = (40000, 59999)


def rtpengine_binary() -> str:
    """The ``rtpengine`` program, or "" when it is not installed."""
    found = shutil.which("rtpengine")
    if found:
        return found
    return next((path for path in _BINARIES if os.access(path, os.X_OK)), "")


@dataclass(frozen=True)
class RelayPlan:
    """What the relay is started with: its address towards the provider (``outside``, an
    address of this machine), the address written into the provider's SDP (``advertise``;
    "" the same), its RTP ports (``first``, ``last``; with ``block``, a block of that many
    of them no other relay holds) and its control port (``control``)."""

    outside: str
    advertise: str = ""
    first: int = ANY_PORTS[0]
    last: int = ANY_PORTS[1]
    control: int = 0
    block: int = relay_ports.BLOCK

    @classmethod
    def of(cls, settings: StackSettings, edge: EdgePlan, control: int) -> RelayPlan:
        """Beside the edge of ``edge``: outside on ``bind`` (bound to any address: this
        machine's address on the way to the provider, else loopback), the edge's public
        address in the SDP, ``[phone] rtp_port`` and its range."""
        outside = settings.bind
        if outside in ANY:
            outside = outward_address(settings.bind, "", edge.peers) or "127.0.0.1"
        advertise = edge.public_address if edge.public_address != outside else ""
        if settings.rtp_port:
            last = settings.rtp_port + settings.rtp_ports - 1
            return cls(outside, advertise, settings.rtp_port, last, control, block=0)
        return cls(outside, advertise, *ANY_PORTS, control)

    def arguments(self) -> list[str]:
        external = self.outside + (f"!{self.advertise}" if self.advertise else "")
        return [
            # Not the package's /etc/rtpengine/rtpengine.conf (a kernel table, control and
            # CLI ports of its own): nothing but these arguments.
            "--config-file=none",
            "--foreground",
            "--log-stderr",
            "--no-log-timestamps",
            "--log-level=3",
            "--table=-1",
            "--interface=internal/127.0.0.1",
            f"--interface=external/{external}",
            f"--listen-ng=127.0.0.1:{self.control}",
            f"--port-min={self.first}",
            f"--port-max={self.last}",
            # The SDP's address, never one learnt from packets (strict-source drops others).
            "--endpoint-learning=off",
            "--delete-delay=0",
            f"--timeout={NO_MEDIA_SECONDS}",
            f"--final-timeout={LONGEST_SECONDS}",
            "--num-threads=2",
        ]


def ping(port: int, timeout: float = 0.5) -> bool:
    """Whether the relay's control (``ng`` over UDP, bencoded) on 127.0.0.1:``port`` pongs."""
    cookie = secrets.token_hex(6).encode()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(cookie + b" d7:command4:pinge", ("127.0.0.1", port))
            answer = sock.recv(4096)
        except OSError:
            return False
    return answer.startswith(cookie + b" ") and b"pong" in answer


class RelayFailed(RuntimeError):
    """The relay could not start (not installed, its ports taken, an address not here)."""


class MediaRelay:
    """The running relay: :meth:`start` runs rtpengine until :meth:`stop`."""

    def __init__(self, plan: RelayPlan) -> None:
        self.plan = plan
        # Its ports, held from its first start to its stop (relay_ports.py).
        self.claim: relay_ports.Claim | None = None
        self.process: asyncio.subprocess.Process | None = None
        self._started: str | None = None
        self._draining: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self) -> None:
        binary = rtpengine_binary()
        if not binary:
            raise RelayFailed(
                "rtpengine is not installed: the phone's media relay needs it (Debian package"
                " rtpengine-daemon; docs/phone.md)"
            )
        if self.claim is None:
            plan = self.plan
            try:
                self.claim = await asyncio.to_thread(
                    relay_ports.claim, plan.first, plan.last, block=plan.block
                )
            except relay_ports.PortsHeld as held:
                raise RelayFailed(str(held)) from None
            except OSError as failed:
                raise RelayFailed(f"its RTP ports could not be claimed: {failed}") from None
        ports = replace(self.plan, first=self.claim.first, last=self.claim.last)
        self.process = await asyncio.create_subprocess_exec(
            binary,
            *ports.arguments(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            preexec_fn=process_group.end_with_parent,
        )
        self._started = process_group.started_at(self.process.pid)
        try:
            async with asyncio.timeout(START_SECONDS):
                while not await asyncio.to_thread(ping, self.plan.control):
                    if self.process.returncode is not None:
                        raise RelayFailed(
                            f"the media relay ended at its start: {await self._said()}"
                        )
                    await asyncio.sleep(0.1)
        except TimeoutError:
            await self.stop()
            raise RelayFailed(
                f"the media relay did not answer within {START_SECONDS:.0f} s"
            ) from None
        except BaseException:
            await self.stop()
            raise
        self._draining = asyncio.create_task(self._drain(self.process))
        log.info("phone: the media relay runs")

    async def _said(self) -> str:
        """rtpengine's last lines at a failed start (its own words: an address, a port)."""
        process = self.process
        if process is None or process.stderr is None:
            return "no reason given"
        try:
            said = await asyncio.wait_for(process.stderr.read(), 5)
        except TimeoutError:
            said = b""
        lines = [line for line in said.decode(errors="replace").splitlines() if line.strip()]
        return "; ".join(line.split("] ", 1)[-1] for line in lines[-2:]) or "no reason given"

    async def _drain(self, process: asyncio.subprocess.Process) -> None:
        """Its error output, read and dropped (it would fill the pipe)."""
        if process.stderr is not None:
            while await process.stderr.read(65536):
                pass

    async def wait(self) -> int:
        """Until the relay ends; its exit code."""
        process = self.process
        if process is None:
            return 0
        return await process.wait()

    async def stop(self) -> None:
        process, self.process = self.process, None
        if self._draining is not None:
            self._draining.cancel()
            self._draining = None
        if process is not None:
            await process_group.stop(process, self._started)
        # Its ports are free for another relay once its process is gone, not before.
        claim, self.claim = self.claim, None
        if claim is not None:
            claim.release()


def check(phone: Any) -> Check:
    """``doctor``'s line for the media relay of the ``[phone]`` section ``phone``: rtpengine
    installed, and the RTP ports it takes outside."""
    name = "phone media relay"
    if not rtpengine_binary():
        return (name, "FAIL", "rtpengine is not installed (Debian package rtpengine-daemon)")
    first, last = ANY_PORTS
    if phone.rtp_port:
        first, last = phone.rtp_port, phone.rtp_port + RTP_PORTS - 1
    return (
        name,
        "ok",
        f"rtpengine installed: RTP on UDP {first}-{last}, taken only from the address the"
        " provider's SDP names",
    )
