"""A PJSIP module that sees each new INVITE before pjsua takes it into a call slot, and may
answer it at once, statelessly (486 Busy Here for a call another line takes, places.py).

pjsua2 offers no hook before a call exists: ``onIncomingCall`` comes after PJSIP took a slot
(4 in a process with the published wheel), and an INVITE that finds every slot taken is
answered 486 by PJSIP itself. So the module is registered through pjsip's C API
(``pjsip_endpt_register_module``, with ctypes, from the library the wheel loads), at a
priority just before pjsua's own (``PJSIP_MOD_PRIORITY_APPLICATION`` 64): after the
transaction layer, which keeps retransmissions of a taken INVITE from reaching it.

What it reads of a request is the packet as received: ``pjsip_rx_data.pkt_info.packet`` at
``PACKET_OFFSET`` (PJSIP 2.15 on 64-bit Linux, measured). Each packet found there must
begin with a SIP request line, or the module lets it through untouched and says once that
it cannot read PJSIP's requests: the lines then behave as before (a burst is answered in
part), never worse.
"""

from __future__ import annotations

import ctypes
import logging
import re
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# Where pjsip_rx_data keeps the packet received (tp_info, then pkt_info's timestamp).
PACKET_OFFSET = 320
# PJSIP_MAX_PKT_LEN: the packet buffer's size.
PACKET_MOST = 4000
PRIORITY = 63  # PJSIP_MOD_PRIORITY_APPLICATION - 1: before pjsua's module
_REQUEST_LINE = re.compile(rb"^[A-Z]+ \S+ SIP/2\.0\r?\n")
_CALL_ID = re.compile(rb"^(?:call-id|i)[ \t]*:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
_TO = re.compile(rb"^(?:to|t)[ \t]*:(.*)$", re.IGNORECASE | re.MULTILINE)

# What the module asks of each new INVITE: its Call-ID and whole text in, the status code
# to answer it with now (486), or None to let pjsua take it.
Decide = Callable[[str, str], int | None]


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


class InviteFilter:
    """The module, registered at the running endpoint (call :meth:`install` in the stack's
    thread after ``libStart``); kept alive while the endpoint lives."""

    def __init__(self, library_path: str, decide: Decide) -> None:
        self.decide = decide
        self.answered = 0  # INVITEs answered here (486)
        self._broken = False
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

    def install(self) -> None:
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

    def _on_rx_request(self, rdata: int) -> int:
        if self._broken:
            return 0
        try:
            packet = ctypes.string_at(rdata + PACKET_OFFSET, PACKET_MOST).split(b"\0", 1)[0]
            found = new_invite(packet)
        except ValueError:
            self._broken = True
            log.error(
                "phone: PJSIP's requests cannot be read here (another PJSIP build?): a burst"
                " of calls may be answered in part"
            )
            return 0
        if found is None:
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
