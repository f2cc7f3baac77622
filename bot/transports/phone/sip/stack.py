"""The SIP stack: PJSIP's pjsua2 endpoint, run in one thread of its own.

pjsua2 is not asyncio's: its endpoint runs in one dedicated thread (no threads of its own,
``threadCnt=0``, and callbacks on whichever thread polls, ``mainThreadOnly`` off) that
polls it (``libHandleEvents``) in a loop and, between polls, runs the commands the event
loop queued (:meth:`Stack.call_in`). What pjsua2 tells (a call came, its audio is on, a
key was pressed, it ended) is posted to the event loop as a :class:`CallEvent` with
``loop.call_soon_threadsafe``; every pjsua2 object is made, used and dropped in that one
thread.

The endpoint has no sound card (``setNullDev``: the audio goes only between calls and
players), one UDP transport bound to the configured address, and one account: registered
at the provider's registrar with digest credentials, or none (calls come to the address
directly, from a trunk or in tests). Every call is answered at once; its audio is the
prompts played to it one after the other (:meth:`Stack.say`), stopped when a key is
pressed (:meth:`Stack.hush`). A line behind the SIP edge (line_pool.py, edge.py) listens on
loopback and is given only the calls the edge let through and chose it for; the notice line
(``notice``) takes the calls that came when every line was full: each hears the busy notice
as early media (183 Session Progress), then 486 Busy Here (:meth:`Stack.set_busy_notice`).
Who may call is checked again for every call (admission.py; a stack alone has no other
check: the tests' own). An answered call whose far end sent
no audio (RTP) for ``rtp_timeout_seconds`` is hung up (:meth:`Stack._end_silent_calls`):
gone without a BYE.

PJSIP's own log would hold SIP messages (numbers, names): it is off (``msgLogging``), its
start banner is not printed (:func:`quiet_start`), and of its errors and warnings only
where they came from, their names and what an operator can do reach the log
(:func:`log_line`).
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import queue
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

# Imported only when a city takes calls (bot/transports/registry.py).
import pjsua2 as pj

from bot.transports.phone.sip.admission import PARAMETER, Admission, contact_token, uri_host_port
from bot.transports.phone.sip.bridge_ports import Ear, Mouth, Ports, pcm_of
from bot.transports.phone.sip.call_control import CallEvent, EventKind, Listener, StackSettings
from bot.transports.phone.sip.caller_header import caller_uri

log = logging.getLogger(__name__)

# How long one poll waits for the network, in milliseconds: a queued command waits at most
# this long before it runs.
POLL_MS = 10
# How long the end of a line waits for the registrar to confirm its unregistration.
UNREGISTER_SECONDS = 2.0
# PJSIP's log: errors and warnings (and of them only their source, names and what to do,
# :func:`log_line`).
LOG_LEVEL = 2
# After a failed registration, the first new try (seconds).
REGISTER_RETRY_SECONDS = 30
# How often the calls' received audio is counted (seconds; ``rtp_timeout_seconds``).
RTP_CHECK_SECONDS = 1.0
# A busy caller whose notice never started (no audio came up) is answered busy after this
# many seconds at most.
NOTICE_MOST_SECONDS = 30.0

_ERROR_NAME = re.compile(r"\(([A-Z][A-Z_]+)\)")
# PJSIP's status numbers: an operating system's error (120000 + errno) or a SIP answer.
_STATUS = re.compile(r"status=(\d+)")
OS_ERRORS = 120000
# What an operator does about a PJSIP error, by its name, its operating system error
# (errno) or the SIP answer a registration got; the first that fits is said.
ADVICE_BY_NAME = (
    (
        "PJ_ERESOLVE",
        "a SIP host name does not resolve: check phone.registrar, call_domain,"
        " outbound_proxy and the machine's DNS",
    ),
    (
        "PJSIP_EINVALIDURI",
        "a SIP address is not valid: check phone.registrar, call_domain,"
        " forward_to and outbound_proxy",
    ),
    (
        "PJMEDIA_SDPNEG",
        "a call offered no codec the bot speaks (G.711 or G.722): check the"
        " provider's codecs and phone.clock_rate",
    ),
    (
        "PJ_ETIMEDOUT",
        "the provider did not answer in time: check the network and firewall"
        " (docs/phone.md, Network)",
    ),
)
ADVICE_BY_ERRNO = {
    98: "an address is taken by another program: phone.port (SIP) or the RTP ports from"
    " phone.rtp_port - stop the other program or choose other ports",
    99: "phone.bind (or public_address) is not an address of this machine",
    13: "the port needs privileges the bot has not: choose phone.port above 1024",
}
ADVICE_BY_SIP = {
    401: "the registrar refused the account: check phone.user and NACHBARBOT_PHONE__PASSWORD",
    403: "the registrar refused the account: check phone.user and NACHBARBOT_PHONE__PASSWORD",
    404: "the registrar does not know phone.user",
    408: "the registrar did not answer: check phone.registrar, the network and the firewall",
    503: "the registrar is not available now: it is tried again",
}


def advice(entry: str) -> str:
    """What an operator can do about a PJSIP log line, from its error names and status."""
    names = " ".join(_ERROR_NAME.findall(entry))
    for name, said in ADVICE_BY_NAME:
        if name in names:
            return said
    for found in _STATUS.findall(entry):
        status = int(found)
        if status > OS_ERRORS and status - OS_ERRORS in ADVICE_BY_ERRNO:
            return ADVICE_BY_ERRNO[status - OS_ERRORS]
        if status in ADVICE_BY_SIP and "registration" in entry.lower():
            return ADVICE_BY_SIP[status]
    return "see PJSIP's documentation for this error"


def log_line(entry: str) -> str:
    """What of a PJSIP log line is logged: where it came from, the names of its errors and
    what an operator can do ("pjsua_call.c: PJSIP_EINVALIDURI - a SIP address is not
    valid: ..."), never its text, which may hold a URI, a name or a number."""
    words = entry.split()
    source = next((word for word in words if word.endswith((".c", ".cpp"))), "pjsip")
    names = _ERROR_NAME.findall(entry)
    return f"{source}: {', '.join(names) or 'an error'} - {advice(entry)}"


def quiet_start() -> None:
    """PJSIP prints a banner ("pjlib 2.15 for POSIX initialized", "Creating endpoint
    instance") to the console while the endpoint is made, before the log configuration of
    ``libInit`` applies: its level is set to nothing first, with pjlib's own
    ``pj_log_set_level``, which pjsua2 does not offer. Without it the banner shows; the
    bot runs on."""
    try:
        set_level = ctypes.CDLL(pj._pjsua2.__file__).pj_log_set_level
    except (AttributeError, OSError):
        log.debug("phone: PJSIP's start banner cannot be silenced here")
        return
    set_level.argtypes = [ctypes.c_int]
    set_level(0)


class Stack:
    """The endpoint in its thread (a :class:`~bot.transports.phone.sip.call_control.CallControl`);
    ``on_event`` is called on the event loop."""

    def __init__(self, settings: StackSettings, on_event: Callable[[CallEvent], None]) -> None:
        self.settings = settings
        self.on_event = on_event
        self.port = 0  # the SIP port bound, known once started
        self._commands: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._running = False
        self._calls: dict[int, Any] = {}
        self._endpoint: Any = None
        self._account: Any = None
        self._log_writer: Any = None
        # The bot's own calls (:meth:`make_call`): whom their events go to, by call id.
        self._listeners: dict[int, Listener] = {}
        # What a caller said before hanging up while recorded, until the recording ends.
        self._hung_up_words: dict[int, bytes] = {}
        # Who may call (admission.py), known once started; calls refused, until they end.
        self._admission: Admission | None = None
        self._refused: dict[int, Any] = {}
        self.refusals = 0
        self.busy_callers = 0  # callers who heard the busy notice (the notice line)
        # What a caller hears when every place is taken (:meth:`set_busy_notice`).
        self._busy_notice = [Path(path) for path in settings.busy_notice]
        # What calls hear and what callers say go through ports of the bot's own, used
        # again, never destroyed while the endpoint lives (bridge_ports.py).
        self._ports = Ports(settings.clock_rate, self._said)

    # -- the event loop's side

    async def start(self) -> None:
        """Start the thread and the endpoint; raise what stopped it from starting."""
        self._loop = asyncio.get_running_loop()
        started: Future[int] = Future()
        self._running = True
        self._thread = threading.Thread(target=self._run, args=(started,), name="sip", daemon=True)
        self._thread.start()
        self.port = await asyncio.wrap_future(started)

    async def stop(self) -> None:
        """Hang up every call and end the endpoint and its thread."""
        if self._thread is None:
            return
        self._running = False
        await asyncio.to_thread(self._thread.join)
        self._thread = None

    def call_in(self, command: Callable[[], Any]) -> asyncio.Future[Any]:
        """Run ``command`` in the stack's thread; its result (or error) as a future."""
        assert self._loop is not None
        loop = self._loop
        done: asyncio.Future[Any] = loop.create_future()

        def run() -> None:
            try:
                result = command()
            except Exception as exc:  # handed to the waiting side, not lost in the thread
                loop.call_soon_threadsafe(_settle, done, None, exc)
            else:
                loop.call_soon_threadsafe(_settle, done, result, None)

        self._commands.put(run)
        return done

    def say(self, call_id: int, prompts: list[Path]) -> None:
        """Play ``prompts`` to the call after what it is playing."""
        self._commands.put(lambda: self._say(call_id, prompts))

    def hush(self, call_id: int) -> None:
        """Stop what the call is playing and what was to follow."""
        self._commands.put(lambda: self._hush(call_id))

    def hang_up(self, call_id: int) -> None:
        self._commands.put(lambda: self._hang_up(call_id))

    def set_busy_notice(self, prompts: list[Path]) -> None:
        self._busy_notice = list(prompts)

    # -- recordings and transfers (bot/transports/phone/calls/recording.py, press_0_for_a_person.py)

    def record(self, call_id: int) -> asyncio.Future[bool]:
        """Begin to keep what the caller says (an ``Ear``, bridge_ports.py); whether it
        began (not when the call is gone)."""
        return self.call_in(lambda: self._record(call_id))

    def end_recording(self, call_id: int) -> asyncio.Future[bytes]:
        """Stop the call's recording: what the caller said, 16-bit mono PCM at the clock
        rate (empty: nothing, or the call is gone)."""
        return self.call_in(lambda: self._end_recording(call_id))

    def level(self, call_id: int) -> asyncio.Future[int]:
        """How loud the caller is in the recording now (0-255; -1: the call or its
        recording is gone)."""
        return self.call_in(lambda: self._level(call_id))

    def transfer(self, call_id: int, uri: str) -> asyncio.Future[bool]:
        """Transfer the call to ``uri`` (a blind transfer, SIP REFER); whether it was
        asked. How it went comes as ``transfer`` events."""
        return self.call_in(lambda: self._transfer(call_id, uri))

    # -- bridged calls (bot/transports/phone/calls/bridging.py)

    def bridge(self, call_id: int, other_id: int) -> asyncio.Future[bool]:
        """Connect two calls' audio both ways (each hears the other, no prompt between);
        whether both calls were there with their audio on."""
        return self.call_in(lambda: self._bridge(call_id, other_id))

    def _bridge(self, call_id: int, other_id: int) -> bool:
        one, other = self._calls.get(call_id), self._calls.get(other_id)
        if one is None or other is None or one.audio is None or other.audio is None:
            return False
        for call in (one, other):
            call.queue.clear()
            call.stop_saying()
        # The conference bridge removes these connections itself when a call ends.
        one.audio.startTransmit(other.audio)
        other.audio.startTransmit(one.audio)
        return True

    # -- the stack's thread

    def _post(self, kind: EventKind, call_id: int, value: str = "") -> None:
        listener = self._listeners.get(call_id)
        if listener is not None:  # a call the bot made: its events are its caller's
            self._tell(listener, CallEvent(kind, call_id, value))
            return
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.on_event, CallEvent(kind, call_id, value))

    def _run(self, started: Future[int]) -> None:
        try:
            port = self._open()
        except Exception as exc:
            self._running = False
            started.set_exception(exc)
            self._close()
            return
        started.set_result(port)
        checked = time.monotonic()
        try:
            while self._running:
                self._endpoint.libHandleEvents(POLL_MS)
                now = time.monotonic()
                if now - checked >= RTP_CHECK_SECONDS:
                    checked = now
                    self._end_silent_calls(now)
                    self._end_long_notices(now)
                while True:
                    try:
                        command = self._commands.get_nowait()
                    except queue.Empty:
                        break
                    command()
                    # Not held on: what it holds (a player) goes while the endpoint lives.
                    del command
        finally:
            self._close()

    def _end_silent_calls(self, now: float) -> None:
        """Hang up each answered call whose far end sent no RTP packet for
        ``rtp_timeout_seconds`` (counted from its answer): a caller gone without a BYE.
        The bot's own calls and bridged calls alike."""
        timeout = self.settings.rtp_timeout_seconds
        if timeout <= 0:
            return
        for call_id, call in list(self._calls.items()):
            if call.audio is None or call.hung_up:
                continue
            try:
                # A call the bot makes may ring with early media and no sound: counted
                # once answered (its ringing has ring_seconds).
                if call.getInfo().state != pj.PJSIP_INV_STATE_CONFIRMED:
                    continue
                received = int(call.getStreamStat(call.media_index).rtcp.rxStat.pkt)
            except Exception:  # its stream is gone (the call is ending)
                continue
            if received != call.received or call.heard_at is None:
                call.received, call.heard_at = received, now
            elif now - call.heard_at >= timeout:
                log.warning("phone: call %d sent no audio for %.0f s: hung up", call_id, timeout)
                call.hung_up = True
                call.hangup(pj.CallOpParam())

    def _end_long_notices(self, now: float) -> None:
        for call in list(self._calls.values()):
            if call.busy_since is not None and now - call.busy_since >= NOTICE_MOST_SECONDS:
                self._busy_now(call)

    def _open(self) -> int:
        settings = self.settings
        endpoint = pj.Endpoint()
        quiet_start()
        endpoint.libCreate()
        self._endpoint = endpoint
        config = pj.EpConfig()
        config.uaConfig.threadCnt = 0
        config.uaConfig.mainThreadOnly = False
        config.uaConfig.userAgent = "nachbarbot"
        config.logConfig.msgLogging = 0
        config.logConfig.level = LOG_LEVEL
        config.logConfig.consoleLevel = LOG_LEVEL
        self._log_writer = _LogWriter()
        config.logConfig.writer = self._log_writer
        config.medConfig.clockRate = settings.clock_rate
        config.medConfig.sndClockRate = settings.clock_rate
        config.medConfig.noVad = True
        config.medConfig.ecTailLen = 0
        endpoint.libInit(config)
        transport = pj.TransportConfig()
        transport.boundAddress = settings.sip_bind or settings.bind
        transport.port = settings.port
        # Behind the edge the SIP address is loopback, which only the edge reaches: the
        # public address is the edge's (the forced contact) and the media's.
        if settings.public_address and not settings.sip_bind:
            transport.publicAddress = settings.public_address
        transport_id = endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
        endpoint.libStart()
        port = int(endpoint.transportGetInfo(transport_id).localName.rsplit(":", 1)[1])
        endpoint.audDevManager().setNullDev()
        account = pj.AccountConfig()
        host = settings.public_address or settings.bind
        token = settings.token or contact_token(settings.user, settings.password)
        self._admission = Admission.of(
            registrar=settings.registrar,
            outbound_proxy=settings.outbound_proxy,
            trusted_peers=tuple(settings.trusted_peers),
            token=token,
        )
        if settings.registrar:
            domain = settings.registrar.split(":", 1)[1].split(";", 1)[0]
            account.idUri = f"sip:{settings.user}@{domain}"
            account.regConfig.registrarUri = settings.registrar
            account.regConfig.registerOnAdd = settings.registers
            # A registration that failed (a lost REGISTER, the registrar away for a moment)
            # is tried again after 30 s, then every retryIntervalSec (300 s): PJSIP's first
            # retry waited 300 s too, a line unreachable for five minutes.
            account.regConfig.firstRetryIntervalSec = REGISTER_RETRY_SECONDS
            # The digest answers the provider's realm only: realm "*" would hand a digest
            # of the password to whoever challenges.
            realm = settings.realm or uri_host_port(settings.registrar).rsplit(":", 1)[0]
            account.sipConfig.authCreds.append(
                pj.AuthCredInfo("digest", realm.strip("[]"), settings.user, 0, settings.password)
            )
            # The registered contact carries what only the registrar can know (admission.py).
            # Behind the edge no line's contact does: the edge adds it to the notice line's
            # REGISTER alone, so no answer and no call of the bot's hands it to anyone.
            if not settings.sip_bind:
                account.sipConfig.contactUriParams = f";{PARAMETER}={token}"
            if settings.contact:  # the edge's address, where the provider's calls arrive
                account.sipConfig.contactForced = settings.contact
        else:
            account.idUri = f"sip:nachbarbot@{host}:{port}"
        # A line behind the edge takes its RTP on loopback like its SIP: only the media
        # relay (media_relay.py) reaches it, which takes a stream from the address its
        # SDP named alone; PJSIP's own latch would follow any source of 10 packets.
        account.mediaConfig.transportConfig.boundAddress = settings.sip_bind or settings.bind
        account.mediaConfig.transportConfig.port = settings.rtp_port
        account.mediaConfig.transportConfig.portRange = (
            settings.rtp_ports if settings.rtp_port else 0
        )
        if settings.public_address and not settings.sip_bind:
            account.mediaConfig.transportConfig.publicAddress = settings.public_address
        if settings.outbound_proxy:
            account.sipConfig.proxies.append(_loose_route(settings.outbound_proxy))
        self._account = _Account(self)
        self._account.create(account)
        return port

    def _close(self) -> None:
        endpoint, self._endpoint = self._endpoint, None
        if endpoint is None:
            return
        calls = bool(self._calls)
        unregistered = False
        try:
            endpoint.hangupAllCalls()
            for _ in range(20):  # the BYEs go out before the endpoint ends
                endpoint.libHandleEvents(POLL_MS)
            unregistered = self._unregister(endpoint)
        except Exception:
            log.warning("phone: hanging up at the end failed")
        for call in self._calls.values():
            call.give_back(self._ports)
        self._calls.clear()
        self._account = None
        while True:
            try:
                self._commands.get_nowait()
            except queue.Empty:
                break
        gc.collect()
        # The ports outlive the endpoint, never destroyed (bridge_ports.py).
        self._ports.keep_past_the_endpoint()
        # pjsua's own end waits a fixed second for its unregistration (and for answers to
        # the last BYEs) whatever happened already. With no call to hang up and the
        # registration ended above there is nothing left to wait for: the line stops a
        # second sooner (each restart of a line or the edge). With calls, the second stays
        # theirs - a lost BYE is sent again within it.
        endpoint.libDestroy(pj.PJSUA_DESTROY_NO_RX_MSG if unregistered and not calls else 0)

    def _unregister(self, endpoint: Any) -> bool:
        """End the registration and wait for the registrar's answer (at most
        ``UNREGISTER_SECONDS``): whether nothing registered is left."""
        account = self._account
        if account is None:
            return True
        if not account.getInfo().regIsActive:
            return True
        # The registration reads as ended as soon as the request is sent; the registrar's
        # answer is the account's next registration state.
        answers = account.reg_answers
        account.leaving = True
        account.setRegistration(False)
        deadline = time.monotonic() + UNREGISTER_SECONDS
        while account.reg_answers == answers and time.monotonic() < deadline:
            endpoint.libHandleEvents(POLL_MS)
        return account.reg_answers != answers

    def _incoming(self, account: _Account, call_id: int, source: str, message: str) -> None:
        call = _Call(self, account, call_id)
        info = call.getInfo()
        # Who calls, read once from the INVITE as it came: the From URI (or the provider's
        # assertion, [phone] caller_id), never its display name (caller_header.py).
        call.caller = caller_uri(self.settings.caller_id, info.remoteUri, message)
        why = self._admission.refuses(source, message) if self._admission else "not started"
        if why:
            # Refused before the call exists for the bot: no event, nothing said.
            self.refusals += 1
            if self.refusals == 1 or self.refusals % 100 == 0:
                log.warning("phone: a call refused (403, %s; %d so far)", why, self.refusals)
            self._refused[call_id] = call
            forbidden = pj.CallOpParam()
            forbidden.statusCode = 403
            call.hangup(forbidden)
            return
        self._calls[call_id] = call
        if self.settings.notice:
            self._refuse(call)  # the notice line: the edge found every line full
            return
        self._answer(call_id)

    def _answer(self, call_id: int) -> None:
        call = self._calls.get(call_id)
        if call is None:  # the caller gave up first
            return
        self._post("call", call_id, call.caller)
        answer = pj.CallOpParam()
        answer.statusCode = 200
        call.answer(answer)

    def _refuse(self, call: _Call) -> None:
        self.busy_callers += 1
        if self.busy_callers == 1 or self.busy_callers % 100 == 0:
            log.warning(
                "phone: every line is full: a caller hears the busy notice (%d so far;"
                " more lines: phone.lines)",
                self.busy_callers,
            )
        call.busy, call.busy_since = True, time.monotonic()
        if not self._busy_notice:
            self._busy_now(call)
            return
        call.queue.extend(self._busy_notice)
        # 183 with the answer's SDP: the caller hears the notice before the busy answer
        # (after it, :meth:`_Call.played`), not a busy tone taken for a wrong number.
        progress = pj.CallOpParam()
        progress.statusCode = 183
        call.answer(progress)

    def _busy_now(self, call: _Call) -> None:
        if call.hung_up:
            return
        call.hung_up = True
        call.busy_since = None
        # 486 ends only this branch of the forked call; 603 Decline, PJSIP's default, is a
        # global failure that would make the proxy cancel the other branches too.
        busy = pj.CallOpParam()
        busy.statusCode = 486
        call.hangup(busy)

    def _media(self, call: _Call) -> None:
        # Kept while its media are read: SWIG's list points into it.
        info = call.getInfo()
        for index, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                first = call.audio is None
                call.audio = call.getAudioMedia(index)
                call.media_index = index
                if call.mouth is None:
                    call.mouth = self._ports.mouth()
                call.mouth.startTransmit(call.audio)
                if first and not call.busy:
                    self._post("audio", call.getId())
                call.play_next()
                return

    def _said(self, call: _Call, serial: int) -> None:
        """A prompt was said to its end (on the bridge's clock thread): the next starts at
        the stack thread's next turn."""
        self._commands.put(lambda: call.played(serial))

    def _ended(self, call: _Call) -> None:
        call_id = call.getId()
        recorded = call.recorder is not None
        heard = call.give_back(self._ports)
        call.queue.clear()
        if self._refused.get(call_id) is call:
            del self._refused[call_id]
            return
        self._calls.pop(call_id, None)
        if call.busy:
            return  # a busy caller's: the bot never knew the call
        if recorded:  # a caller who hangs up after speaking: kept
            self._hung_up_words[call_id] = heard
        self._post("ended", call_id)

    def _say(self, call_id: int, prompts: list[Path]) -> None:
        call = self._calls.get(call_id)
        if call is None:
            return
        call.queue.extend(prompts)
        if call.saying is None:
            call.play_next()

    def _hush(self, call_id: int) -> None:
        call = self._calls.get(call_id)
        if call is not None:
            call.queue.clear()
            call.stop_saying()

    def _hang_up(self, call_id: int) -> None:
        call = self._calls.get(call_id)
        if call is not None:
            call.hangup(pj.CallOpParam())

    def _record(self, call_id: int) -> bool:
        call = self._calls.get(call_id)
        if call is None or call.audio is None:
            return False
        call.stop_recording(self._ports)
        self._hung_up_words.pop(call_id, None)  # an earlier call's (ids are used again)
        ear = self._ports.ear()
        call.audio.startTransmit(ear)
        call.recorder = ear
        return True

    def _end_recording(self, call_id: int) -> bytes:
        call = self._calls.get(call_id)
        if call is None or call.recorder is None:
            return self._hung_up_words.pop(call_id, b"")
        return call.stop_recording(self._ports)

    def _level(self, call_id: int) -> int:
        call = self._calls.get(call_id)
        if call is None or call.recorder is None:
            return -1
        return int(call.recorder.level)

    def _transfer(self, call_id: int, uri: str) -> bool:
        call = self._calls.get(call_id)
        if call is None:
            return False
        call.xfer(uri, pj.CallOpParam(True))
        return True

    # -- the bot's own calls (bot/transports/phone/calls/outbox_calls.py)

    def make_call(
        self, uri: str, listener: Listener, *, beside: int | None = None
    ) -> asyncio.Future[int]:
        """Call ``uri``; its call id. What happens to the call comes to ``listener`` on
        the event loop as a :class:`CallEvent`: ``answered``; ``audio``, ``key``, ``quiet``
        as for a call that came; last ``ended`` with the final SIP status code (200 after
        an answered call; 486 busy, 487 when the bot gave up ringing, 408/480 …).
        ``beside``: a call this one may be bridged with - every call of one stack shares
        its conference bridge (line_pool.py places it on that call's line)."""
        return self.call_in(lambda: self._make_call(uri, listener))

    def _tell(self, listener: Listener, told: CallEvent) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(listener, told)

    def _make_call(self, uri: str, listener: Listener) -> int:
        if self._account is None:
            raise RuntimeError("no account")
        call = _OutCall(self, self._account, listener)
        call.makeCall(uri, pj.CallOpParam(True))
        call_id = int(call.getId())
        if call.gone:  # it failed at once, before it had an id here
            self._tell(listener, CallEvent("ended", call_id, str(call.status)))
            return call_id
        self._calls[call_id] = call
        self._listeners[call_id] = listener
        return call_id


def _loose_route(uri: str) -> str:
    """A proxy's URI as a route (``;lr``: the request keeps its own target)."""
    return uri if ";lr" in uri else uri + ";lr"


def _settle(done: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if done.done():
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(result)


class _LogWriter(pj.LogWriter):
    """PJSIP's errors (level 1) and warnings (2) as the bot's, each a line an operator
    can act on (:func:`log_line`)."""

    def write(self, entry: Any) -> None:
        level = logging.ERROR if entry.level <= 1 else logging.WARNING
        log.log(level, "pjsip %s", log_line(str(entry.msg)))


class _Account(pj.Account):
    def __init__(self, stack: Stack) -> None:
        super().__init__()
        self.stack = stack
        # The registrar's answers so far (:meth:`Stack._unregister` waits for the next).
        self.reg_answers = 0
        self.leaving = False

    def onIncomingCall(self, prm: Any) -> None:
        rdata = prm.rdata
        self.stack._incoming(self, prm.callId, str(rdata.srcAddress), str(rdata.wholeMsg))

    def onRegState(self, prm: Any) -> None:
        self.reg_answers += 1
        if not self.leaving:  # the answer to the end's unregistration is no news
            self.stack._post("registered", -1, str(prm.code))


class _Call(pj.Call):
    def __init__(self, stack: Stack, account: _Account, call_id: int) -> None:
        super().__init__(account, call_id)
        self.stack = stack
        self.caller = ""
        self.audio: Any = None
        # What it hears (its mouth, while the call lasts) and the prompt being said.
        self.mouth: Mouth | None = None
        self.saying: int | None = None
        self.queue: deque[Path] = deque()
        self.recorder: Ear | None = None
        # The received RTP packets as last counted, and when they last grew
        # (:meth:`Stack._end_silent_calls`).
        self.media_index = 0
        self.received = 0
        self.heard_at: float | None = None
        self.hung_up = False
        # Busy: refused for want of a free line (the notice line's, :meth:`Stack._refuse`),
        # hearing the notice since busy_since.
        self.busy = False
        self.busy_since: float | None = None

    def onCallState(self, prm: Any) -> None:
        if self.getInfo().state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.stack._ended(self)

    def onCallMediaState(self, prm: Any) -> None:
        self.stack._media(self)

    def onDtmfDigit(self, prm: Any) -> None:
        self.stack._post("key", self.getId(), str(prm.digit))

    def onCallTransferStatus(self, prm: Any) -> None:
        self.stack._post("transfer", self.getId(), str(prm.statusCode))

    # No call exists that the bot's own code did not place: pjsua2 would otherwise accept
    # a caller's REFER and call its Refer-To on the organisation's account, take over a call
    # for an INVITE with Replaces, and follow a 3xx of a called phone to anywhere.

    def onCallTransferRequest(self, prm: Any) -> None:
        prm.statusCode = 603
        log.warning("phone: call %d: a transfer request refused (603)", self.getId())

    def onCallReplaceRequest(self, prm: Any) -> None:
        prm.statusCode = 603
        log.warning("phone: call %d: a replace request refused (603)", self.getId())

    def onCallRedirected(self, prm: Any) -> int:
        return int(pj.PJSIP_REDIRECT_REJECT)

    def play_next(self) -> None:
        if self.saying is not None or self.mouth is None or not self.queue:
            return
        try:
            pcm = pcm_of(self.queue.popleft(), self.stack.settings.clock_rate)
        except (OSError, ValueError):
            log.warning("phone: a prompt could not be played")
            return
        self.saying = self.mouth.play(self, pcm)

    def played(self, serial: int) -> None:
        if self.saying is not None and self.saying == serial:
            self.saying = None
            self.play_next()
            if self.saying is None and self.busy:
                self.stack._busy_now(self)  # the busy notice was said: busy here
            elif self.saying is None:
                self.stack._post("quiet", self.getId())

    def stop_saying(self) -> None:
        if self.saying is not None and self.mouth is not None:
            self.mouth.stop()
        self.saying = None

    def stop_recording(self, ports: Ports) -> bytes:
        """What the caller said since the recording began; the ear goes back."""
        ear, self.recorder = self.recorder, None
        return ports.give_back_ear(ear, self.audio) if ear is not None else b""

    def give_back(self, ports: Ports) -> bytes:
        """The call's ports back to the spares (it ended: nothing more is said); what its
        ear heard."""
        self.stop_saying()
        heard = self.stop_recording(ports)
        mouth, self.mouth = self.mouth, None
        if mouth is not None:
            ports.give_back_mouth(mouth, self.audio)
        return heard


class _OutCall(_Call):
    """A call the bot makes: answered when confirmed (not at early media, a provider's
    ringing tone), ended with its last status code."""

    def __init__(self, stack: Stack, account: _Account, listener: Listener):
        super().__init__(stack, account, pj.PJSUA_INVALID_ID)
        self.listener = listener
        self.gone = False
        self.status = 0

    def onCallState(self, prm: Any) -> None:
        info = self.getInfo()
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.stack._tell(self.listener, CallEvent("answered", self.getId()))
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.gone = True
            self.status = int(info.lastStatusCode)
            call_id = self.getId()
            self.give_back(self.stack._ports)
            self.queue.clear()
            if self.stack._listeners.pop(call_id, None) is not None:
                self.stack._calls.pop(call_id, None)
                self.stack._tell(self.listener, CallEvent("ended", call_id, str(self.status)))
