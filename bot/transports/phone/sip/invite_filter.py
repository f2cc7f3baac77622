"""A PJSIP module that sees each new INVITE before pjsua takes it into a call slot, and may
answer it at once, statelessly (486 Busy Here for a call another line takes, places.py).

pjsua2 offers no hook before a call exists: ``onIncomingCall`` comes after PJSIP took a slot
(4 in a process with the published wheel), and an INVITE that finds every slot taken is
answered 486 by PJSIP itself. So the module is registered through pjsip's C API
(``pjsip_endpt_register_module``, with ctypes, from the library the wheel loads), at a
priority just before pjsua's own (``PJSIP_MOD_PRIORITY_APPLICATION`` 64): after the
transaction layer, which keeps retransmissions of a taken INVITE from reaching it.

What it reads of a request is the packet as received: ``pjsip_rx_data.pkt_info.packet`` at
``PACKET_OFFSET``, a place in a C structure that only holds for the PJSIP builds it was
measured on (:data:`MEASURED`). Whether the filter runs is decided once, when the line
starts (:meth:`InviteFilter.start`), never by what a packet contains:

- on a build not measured (another PJSIP version, another machine) it does not run;
- else the line sends itself a request (an OPTIONS with a Call-ID nobody can guess) and
  the filter runs only if the packet read at the offset is that request, byte for byte.

The filter's state is :data:`ON` or ``"off: why"``; a line whose filter is off still asks
the places, when the call comes (stack.py): every call gets the right answer, but a burst
of more calls than a line has slots is answered in part. Once it runs, a request that does
not read as SIP is never a new call: answered 400 Bad Request here and stopped (PJSIP takes
``invite sip:…`` for an INVITE, and its refusal of that call ends the process), logged (the
first and every hundredth) and counted (:attr:`InviteFilter.unreadable`, told by the stack
as ``unreadable`` events, ``nachbarbot_transport_events{event="unreadable_sip"}``). A line
alone (no places) runs the filter for that only.

``doctor`` says whether the filter can run here and what the running lines found
(:func:`check`, from what the transport noted, :func:`note`).
"""

from __future__ import annotations

import ctypes
import json
import logging
import platform
import re
import secrets
import socket
import time
from collections.abc import Callable
from typing import Any

from bot.transports.hooks import Check

log = logging.getLogger(__name__)

# Where pjsip_rx_data keeps the packet received (tp_info, then pkt_info's timestamp).
PACKET_OFFSET = 320
# PJSIP_MAX_PKT_LEN: the packet buffer's size.
PACKET_MOST = 4000
PRIORITY = 63  # PJSIP_MOD_PRIORITY_APPLICATION - 1: before pjsua's module
# The builds PACKET_OFFSET was measured on: (pj_get_version(), operating system, machine).
# A PJSIP upgrade is measured again (tests/bot/transports/phone/sip/test_invite_filter.py)
# before its build is added here; until then its lines run without the filter.
MEASURED = frozenset({("2.15.1", "Linux", "x86_64")})
# The start's check: how long the line waits for its own request, and how often it sends it.
CHECK_SECONDS = 10.0
CHECK_RESEND_SECONDS = 1.0
# The state of a filter that runs; any other is "off: why".
ON = "on"
# A request line as RFC 3261 writes it: methods are case-sensitive, INVITE in capitals.
_REQUEST_LINE = re.compile(rb"^[A-Z]+ \S+ SIP/2\.0\r?\n")
_CALL_ID = re.compile(rb"^(?:call-id|i)[ \t]*:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
_TO = re.compile(rb"^(?:to|t)[ \t]*:(.*)$", re.IGNORECASE | re.MULTILINE)
# What is logged of packets that did not read: the first, then every this many.
LOG_EVERY = 100

# What the module asks of each new INVITE: its Call-ID and whole text in, the status code
# to answer it with now (486), or None to let pjsua take it. A line alone asks nothing.
Decide = Callable[[str, str], int | None] | None


class _PjStr(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_char_p), ("slen", ctypes.c_ssize_t)]


_ON_RX = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)


class _Module(ctypes.Structure):
    # struct pjsip_module (pjsip/sip_module.h)
    _fields_ = [
        ("prev", ctypes.c_void_p),
        ("next", ctypes.c_void_p),
        ("name", _PjStr),
        ("id", ctypes.c_int),
        ("priority", ctypes.c_int),
        ("load", ctypes.c_void_p),
        ("start", ctypes.c_void_p),
        ("stop", ctypes.c_void_p),
        ("unload", ctypes.c_void_p),
        ("on_rx_request", _ON_RX),
        ("on_rx_response", ctypes.c_void_p),
        ("on_tx_request", ctypes.c_void_p),
        ("on_tx_response", ctypes.c_void_p),
        ("on_tsx_state", ctypes.c_void_p),
    ]


def new_invite(packet: bytes) -> tuple[str, str] | None:
    """A new call's INVITE (no To tag) as (Call-ID, text); None for anything else. Raise
    ValueError for bytes that are no SIP request."""
    packet = packet.lstrip(b"\r\n")  # as PJSIP's parser skips them
    if _REQUEST_LINE.match(packet) is None:
        raise ValueError("not a SIP request")
    if not packet.startswith(b"INVITE "):
        return None
    head = packet.split(b"\r\n\r\n", 1)[0]
    to = _TO.search(head)
    if to is None or b";tag=" in to.group(1).replace(b" ", b"").lower():
        return None
    call_id = _CALL_ID.search(head)
    if call_id is None:
        return None
    return call_id.group(1).decode("latin-1"), head.decode("latin-1")


def build(library_path: str) -> tuple[str, str, str]:
    """The PJSIP build in ``library_path``: (its version, operating system, machine)."""
    lib: Any = ctypes.CDLL(library_path)
    lib.pj_get_version.restype = ctypes.c_char_p
    version = lib.pj_get_version() or b"?"
    return version.decode("ascii", "replace"), platform.system(), platform.machine()


def refusal(found: tuple[str, str, str]) -> str:
    """Why the filter does not run on the build ``found`` ("" when it was measured)."""
    if found in MEASURED:
        return ""
    measured = ", ".join(" ".join(each) for each in sorted(MEASURED))
    return f"PJSIP {' '.join(found)} was not measured (the filter reads PJSIP {measured})"


def probe(host: str, port: int, call_id: str) -> bytes:
    """The request a line sends itself to check where PJSIP keeps a packet."""
    return (
        f"OPTIONS sip:check@{host}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {host}:{port};branch=z9hG4bK{call_id}\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:check@{host}>;tag={call_id}\r\n"
        f"To: <sip:check@{host}>\r\n"
        f"Call-ID: {call_id}\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode("ascii")


class InviteFilter:
    """The module, registered at the running endpoint and checked (call :meth:`start` in
    the stack's thread after ``libStart``); kept alive while the endpoint lives."""

    def __init__(self, library_path: str, decide: Decide) -> None:
        self.decide = decide
        self.answered = 0  # INVITEs answered here (486)
        self.unreadable = 0  # packets that did not read as a SIP request
        self.state = "off: not started"
        self._library_path = library_path
        self._lib: Any = ctypes.CDLL(library_path)
        self._callback = _ON_RX(self._on_rx_request)
        self._name = b"mod-nachbarbot-places"
        self._module = _Module(
            name=_PjStr(self._name, len(self._name)),
            id=-1,
            priority=PRIORITY,
            on_rx_request=self._callback,
        )
        self._endpoint: int | None = None
        # While the start's check runs: the request awaited.
        self._awaited: bytes | None = None

    @property
    def on(self) -> bool:
        return self.state == ON

    def start(self, target: tuple[str, int], poll: Callable[[], None]) -> str:
        """Check the build, register the module and send the line's own request to
        ``target`` (the line's address and SIP port), calling ``poll`` (the endpoint's
        events) until the module has read it or :data:`CHECK_SECONDS` passed. The
        filter's state: :data:`ON`, or "off: why"."""
        why = refusal(build(self._library_path))
        if why:
            self.state = f"off: {why}"
            return self.state
        self._install()
        host, port = target
        self._awaited = probe(host, port, f"nachbarbot-check-{secrets.token_hex(12)}")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.state = "checking"
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sender:
                deadline = time.monotonic() + CHECK_SECONDS
                sent = time.monotonic() - CHECK_RESEND_SECONDS
                # Only the line's own request ends the wait early: other requests
                # meanwhile (a stranger's, sent to a line that starts) decide nothing.
                while self.state == "checking" and time.monotonic() < deadline:
                    if time.monotonic() - sent >= CHECK_RESEND_SECONDS:
                        sender.sendto(self._awaited, (host, port))
                        sent = time.monotonic()
                    poll()
        except OSError as exc:
            self.state = f"off: the line could not send itself a request ({exc.strerror})"
        if self.state == "checking":
            self.state = "off: the line's own request was not found where PJSIP keeps it"
        self._awaited = None
        return self.state

    def _install(self) -> None:
        lib = self._lib
        lib.pjsua_get_pjsip_endpt.restype = ctypes.c_void_p
        lib.pjsip_endpt_register_module.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.pjsip_endpt_respond_stateless.argtypes = [ctypes.c_void_p] * 2 + [
            ctypes.c_int,
            ctypes.c_void_p,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        self._endpoint = lib.pjsua_get_pjsip_endpt()
        status = lib.pjsip_endpt_register_module(self._endpoint, ctypes.byref(self._module))
        if status != 0:
            raise RuntimeError(f"the INVITE filter was not registered (PJSIP status {status})")

    def _packet(self, rdata: int) -> bytes:
        return ctypes.string_at(rdata + PACKET_OFFSET, PACKET_MOST).split(b"\0", 1)[0]

    def _on_rx_request(self, rdata: int) -> int:
        # Whatever a packet holds, it decides about itself only: no state of the filter
        # changes for it (an exception here would be lost in ctypes; none goes out).
        try:
            if self.state == "checking":
                return self._checked(rdata)
            if self.state != ON:
                return 0
            return self._filtered(rdata)
        except Exception:
            log.exception("phone: the INVITE filter failed on a request: PJSIP takes it")
            return 0

    def _checked(self, rdata: int) -> int:
        if self._packet(rdata) == self._awaited:
            self.state = ON
            return 1  # the line's own request: nobody answers it
        return 0

    def _filtered(self, rdata: int) -> int:
        packet = self._packet(rdata)
        try:
            found = new_invite(packet)
        except ValueError:
            return self._unreadable(rdata, packet)
        if found is None or self.decide is None:
            return 0
        try:
            code = self.decide(*found)
        except Exception:
            log.exception("phone: deciding about a call failed: PJSIP takes it")
            return 0
        if code is None:
            return 0
        self._lib.pjsip_endpt_respond_stateless(self._endpoint, rdata, code, None, None, None)
        self.answered += 1
        return 1

    def _unreadable(self, rdata: int, packet: bytes) -> int:
        """A request PJSIP read and the filter cannot: never a new call. It is answered
        400 Bad Request here and goes no further (an ACK is answered by nobody): PJSIP
        would take ``invite sip:…`` for an INVITE, and its refusal of that call ends the
        process (an assertion in ``pjsip_rx_data_free_cloned``, PJSIP 2.15.1)."""
        self.unreadable += 1
        if self.unreadable == 1 or self.unreadable % LOG_EVERY == 0:
            log.warning(
                "phone: a request that does not read as SIP refused (400; %d so far)",
                self.unreadable,
            )
        if packet.lstrip(b"\r\n").split(b" ", 1)[0].upper() != b"ACK":
            self._lib.pjsip_endpt_respond_stateless(self._endpoint, rdata, 400, None, None, None)
        return 1


# -- what the running lines found, for doctor (db/transport_state.py)

KEY = "phone.invite_filter"


async def note(db: Any, *, state: str | None = None, unreadable: int = 0) -> None:
    """The lines' filter is ``state`` now (as the line pool tells it), and ``unreadable``
    more packets did not read."""
    from db.clock import utcnow

    kept = await db.transport_state.get(KEY)
    noted: dict[str, Any] = json.loads(kept) if kept else {}
    if state is not None:
        noted.update(state=state, at=utcnow(), unreadable=0)
    noted["unreadable"] = int(noted.get("unreadable", 0)) + unreadable
    await db.transport_state.set(KEY, json.dumps(noted))


async def check(phone: Any, db: Any) -> Check:
    """``doctor``'s line for the ``[phone]`` section ``phone``: whether the filter can run
    on this PJSIP, and what the running lines found."""
    from bot.transports.phone.sip.call_control import PLACES_PER_LINE

    name = "phone INVITE filter"
    degraded = "requests the bot cannot read reach PJSIP unchecked"
    if phone.lines > 1:
        degraded += (
            "; each line asks the places when a call comes: every caller gets the right"
            f" answer, but of more than {phone.lines * PLACES_PER_LINE} calls at once some"
            " may hear busy"
        )
    degraded += " (docs/phone.md)"
    try:
        import pjsua2

        why = refusal(build(pjsua2._pjsua2.__file__))
    except (ImportError, OSError, AttributeError) as exc:
        return (name, "FAIL", f"PJSIP cannot be loaded ({type(exc).__name__})")
    if why:
        return (name, "WARN", f"off: {why}; {degraded}")
    kept = await db.transport_state.get(KEY)
    if kept is None:
        return (name, "ok", "this PJSIP was measured; each line checks it when it starts")
    noted = json.loads(kept)
    state, at = str(noted.get("state", "")), str(noted.get("at", ""))
    unreadable = int(noted.get("unreadable", 0))
    if state != ON:
        return (name, "WARN", f"{state} ({at}); {degraded}")
    detail = f"on, checked when the lines started ({at})"
    if unreadable:
        detail += f"; {unreadable} requests since did not read as SIP (refused 400)"
    return (name, "ok", detail)
