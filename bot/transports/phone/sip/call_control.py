"""The phone's one call-control interface: what the transport asks of a SIP stack, what the
stack tells back, and what a call's last SIP status code means.

Two implementations: :class:`~bot.transports.phone.sip.stack.Stack` (one PJSIP endpoint in a
thread of the bot's process: the tests' own) and
:class:`~bot.transports.phone.sip.line_pool.Lines` (the SIP edge, edge.py, and line processes
behind it, each a stack: what the bot runs). The transport, the call-backs (outbox_calls.py)
and the bridged calls (bridging.py) hold a :class:`CallControl` and never know which one it is.

Events go one way for every call, whoever began it: a :class:`CallEvent` - to the
transport's ``on_event`` for the calls that came, to the ``make_call`` listener for a call
the bot made. A call's end carries its last SIP status code, read by :func:`unanswered`,
and a transfer's by :func:`transferred`: the one place a code means an outcome. This
module imports no SIP library: the bot's process knows these names without PJSIP (a line
process loads it, line_process.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, cast, get_args

EventKind = Literal[
    "call",
    "answered",
    "audio",
    "key",
    "quiet",
    "ended",
    "registered",
    "transfer",
]
KINDS: frozenset[str] = frozenset(get_args(EventKind))
# RTP ports taken from the first one (``phone.rtp_port``).
RTP_PORTS = 100
# The calls one SIP stack (a line) holds at once (PJSUA_MAX_CALLS of the published PJSIP):
# the phone takes the lines times this. A call that comes when every line is full hears the
# busy notice (:meth:`CallControl.set_busy_notice`) and is answered 486 Busy Here.
CALLS_PER_LINE = 4


def sip_ports(port: int, lines: int) -> range:
    """The SIP ports reachable from outside: the edge's ``port`` alone (edge.py; the lines
    listen on loopback), whatever the number of ``lines``."""
    return range(port, port + 1)


@dataclass(frozen=True)
class CallEvent:
    """What happened to call ``call_id`` (-1: to the account).

    - ``call``: a call came and is being answered (``value``: the caller's URI, from the
      From header or the provider's assertion, sip/caller_header.py; "" when withheld);
    - ``answered``: a call the bot made was answered (not at early media);
    - ``audio``: its audio is on; ``key``: a key was pressed (``value``: "0"-"9", "*",
      "#"); ``quiet``: all it was to hear was played to its end;
    - ``transfer``: ``value`` the status code of the call it was transferred to;
    - ``ended``: ``value`` the last SIP status code of a call the bot made (200 after an
      answered call; 486 busy, 487 when the bot gave up ringing, …; "" or "0" unknown);
    - ``registered``: ``value`` the registrar's status code.
    """

    kind: EventKind
    call_id: int
    value: str = ""


Listener = Callable[[CallEvent], None]


def event(kind: str, call_id: int, value: str = "") -> CallEvent:
    """A :class:`CallEvent` from a kind read off a pipe (a line process's frame)."""
    if kind not in KINDS:
        raise ValueError(f"not a call event: {kind!r}")
    return CallEvent(cast(EventKind, kind), call_id, value)


@dataclass(frozen=True)
class StackSettings:
    """Where the user agent listens and whom it registers with (``[phone]``)."""

    bind: str = "127.0.0.1"
    port: int = 0
    rtp_port: int = 0
    public_address: str = ""
    registrar: str = ""
    user: str = ""
    password: str = ""
    clock_rate: int = 16000
    # Where the bot's own calls go first (a SIP URI; empty: to the called address itself).
    outbound_proxy: str = ""
    # A line behind the edge (line_pool.py): its number, the address its SIP listens on
    # (loopback; "" : ``bind``, the stack alone), the contact it registers (the edge's
    # public address: "" PJSIP's own), whether it registers at all (only the notice line
    # does), and whether it is the notice line (every call hears the busy notice).
    line: int = 0
    sip_bind: str = ""
    contact: str = ""
    registers: bool = True
    notice: bool = False
    # What a caller hears when every place is taken (prompt files, all_lines_busy.py).
    busy_notice: tuple[str, ...] = ()
    # How many RTP ports from rtp_port are this stack's.
    rtp_ports: int = RTP_PORTS
    # Who besides the registrar and the outbound proxy may send calls (admission.py).
    trusted_peers: tuple[str, ...] = ()
    # The digest realm the password answers (empty: the registrar's host).
    realm: str = ""
    # A call whose far end sends no audio (RTP) this long is hung up: a caller gone without
    # a BYE (a lost network, a provider that dropped it) would hold a place for ever.
    rtp_timeout_seconds: float = 30.0
    # The token a call's Request-URI must carry (admission.py): behind the edge a new one
    # at every start of the lines (line_pool.py); "": the stack alone derives its own.
    token: str = ""
    # Whose word names a caller (caller_header.py): "from" (the From URI's user) or
    # "p-asserted-identity" (the provider's assertion, RFC 3325; a call without it is withheld).
    caller_id: str = "from"
    # The bot's own calls offer the provider SRTP (SDES) through the edge's media relay
    # (edge.cfg ``route[MEDIA]``); the lines stay plain RTP on loopback.
    srtp: bool = False


class CallControl(Protocol):
    """What a SIP stack does for the phone's calls (by the stack's call ids)."""

    settings: StackSettings
    # The SIP port bound, known once started.
    port: int

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def say(self, call_id: int, prompts: list[Path]) -> None:
        """Play ``prompts`` after what the call is playing (a ``quiet`` event at the end)."""

    def hush(self, call_id: int) -> None:
        """Stop what the call is playing and what was to follow."""

    def hang_up(self, call_id: int) -> None: ...

    def record(self, call_id: int) -> Awaitable[bool]:
        """Begin to keep what the caller says; whether it began."""

    def end_recording(self, call_id: int) -> Awaitable[bytes]:
        """What the caller said since :meth:`record` (16-bit mono PCM at the clock rate)."""

    def level(self, call_id: int) -> Awaitable[int]:
        """How loud the caller is now (0-255; -1: the call or its recording is gone)."""

    def transfer(self, call_id: int, uri: str) -> Awaitable[bool]:
        """A blind transfer (SIP REFER); how it went comes as ``transfer`` events."""

    def bridge(self, call_id: int, other_id: int) -> Awaitable[bool]:
        """Both calls hear each other; whether both were there with their audio on."""

    def make_call(
        self, uri: str, listener: Listener, *, beside: int | None = None
    ) -> Awaitable[int]:
        """Call ``uri``; its call id. Its events go to ``listener`` (``answered``,
        ``audio``, ``key``, ``quiet``, last ``ended`` with the status code). ``beside``: a
        call this one may be bridged with."""

    def set_busy_notice(self, prompts: list[Path]) -> None:
        """What a caller hears when every place is taken, as early media (183 Session
        Progress) before 486 Busy Here; empty: 486 at once. No event tells of such a call."""


Unanswered = Literal["busy", "no answer", "failed"]


def status_code(value: str) -> int:
    """An ``ended`` event's status code (0: none given)."""
    try:
        return int(value)
    except ValueError:
        return 0


def unanswered(code: int, *, gave_up: bool = False) -> Unanswered:
    """What the last status code of a call the bot made, not answered, means: the called
    phone said busy or declined (486, 600, 603), it rang out (408, 480, 487), else the call
    failed (a wrong number, a refusal of the provider's, a line that ended: no code).
    ``gave_up``: the bot stopped the ringing itself, so no code is no answer too."""
    if code in (486, 600, 603):
        return "busy"
    if code in (408, 480, 487) or (gave_up and code == 0):
        return "no answer"
    return "failed"


def transferred(status: str) -> bool | None:
    """How a transfer went by a ``transfer`` event's status code: True (answered), False
    (failed, or no code), None (not yet: trying, ringing)."""
    if not status.isdecimal():
        return False
    code = int(status)
    if code < 200:
        return None
    return code < 300
