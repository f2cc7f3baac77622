"""baresip (Debian's package, 1.0.0) as an independent softphone in the phone tests: a
resident calling the bot, or a phone the bot calls back.

Each ``BaresipCaller`` has a config folder of its own and needs no sound card: what it says
is a WAV file (``aufile``: 8 kHz, mono, 16 bit; silence unless given), what it hears is
written by the ``sndfile`` filter to ``dump-<time>-dec.wav`` in its folder (``heard()``, once
the call has ended and the file is closed; ``hearing()`` reads it while the call goes on),
and the player is ``aubridge`` (nothing plays it). It is driven over ``ctrl_tcp``
(netstring-framed JSON on a free port on 127.0.0.1): commands are the menu module's long
commands (``dial``, ``accept``, ``hangup``, ``sndcode`` for keypad tones, sent as RFC 4733
telephone-events in the RTP stream), and every UA event (``CALL_INCOMING``,
``CALL_RINGING``, ``CALL_ESTABLISHED``, ``CALL_DTMF_START``, ``CALL_CLOSED``,
``REGISTER_OK`` …) comes back as JSON, kept in ``events``.

``mediaenc="srtp-mand"`` makes it offer and accept SRTP only (the ``srtp`` module: SDES,
``RTP/SAVP`` with ``a=crypto``), as a provider's encrypted trunk does; ``sip_trace=True``
writes every SIP message it sends and gets to its log (``sip_messages()``).

baresip 1.0.0's ``aufile`` ends the call when its WAV runs out (the source reports end of
file): a phone that should stay on the line needs a WAV longer than the test (``silence``
pads it).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.ports import free_port
from tests.support.processes import end_group, signal_group
from tests.support.sip.audio import Segment, duration, segments, snapshot
from tests.support.sip.kamailio import HOST, free_udp_port

MODULE_FOLDER = "/usr/lib/baresip/modules"
SAMPLE_RATE = 8000


def baresip_binary() -> str:
    found = shutil.which("baresip")
    if found is None:
        raise RuntimeError(
            "baresip was not found: the phone tests need it."
            " `make test` installs it (Debian package baresip)."
        )
    return found


def write_silence(path: Path, seconds: float) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(b"\0\0" * int(seconds * SAMPLE_RATE))
    return path


def playable_wav(source: Path, target: Path, *, pad_seconds: float) -> Path:
    """``source`` as aufile wants it (8 kHz mono S16, resampled by nearest sample if not),
    followed by ``pad_seconds`` of silence so that the call outlives the sound."""
    with wave.open(str(source), "rb") as wav:
        channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    if width != 2:
        raise ValueError(f"{source}: 16-bit WAV expected")
    samples = list(struct.unpack(f"<{len(raw) // 2}h", raw))[::channels]
    if rate != SAMPLE_RATE:
        count = len(samples) * SAMPLE_RATE // rate
        samples = [samples[i * rate // SAMPLE_RATE] for i in range(count)]
    samples += [0] * int(pad_seconds * SAMPLE_RATE)
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return target


def rtp_range(count: int = 22) -> int:
    """The first (even) of ``count - 1`` ports free for RTP (baresip's ``rtp_ports``: 21)."""
    first = free_udp_port(count)
    return first + (first & 1)


@dataclass
class Event:
    type: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def param(self) -> str:
        return str(self.data.get("param", ""))


class BaresipError(RuntimeError):
    pass


class BaresipCaller:
    """A softphone: ``start()``, ``dial(uri)``, ``wait_for("CALL_ESTABLISHED")``,
    ``press("1")``, ``hangup()``, ``heard()`` (the WAV of what it heard), ``stop()``.

    ``user``: the account's user part. With ``registrar`` ("127.0.0.1:port" of Kamailio) the
    phone registers there (``password`` for digest auth), otherwise it only dials.
    ``outbound`` ("sip:127.0.0.1:port"): every request goes through that proxy, also calls to
    addresses elsewhere. ``answer=True`` answers incoming calls at once. ``says``: a WAV it
    plays into every call (made playable and padded with ``pad_seconds`` of silence); silence
    when None.
    """

    def __init__(
        self,
        user: str = "resident",
        *,
        registrar: str | None = None,
        password: str | None = None,
        answer: bool = False,
        says: Path | None = None,
        pad_seconds: float = 60.0,
        outbound: str | None = None,
        mediaenc: str | None = None,
        sip_trace: bool = False,
    ) -> None:
        self.user = user
        self.mediaenc = mediaenc
        self.sip_trace = sip_trace
        self.outbound = outbound
        self.registrar = registrar
        self.password = password
        self.answer = answer
        self.folder = Path(tempfile.mkdtemp(prefix=f"nachbarbot-baresip-{user}-"))
        self.recordings = self.folder / "heard"
        self.recordings.mkdir()
        # baresip 1.0.0 always opens SIP over TCP and TLS beside UDP, TLS at the port + 1.
        self.sip_port = free_udp_port(2)
        self.ctrl_port = free_port()
        self.log_path = self.folder / "baresip.log"
        if says is None:
            self.source = write_silence(self.folder / "says.wav", pad_seconds)
        else:
            self.source = playable_wav(says, self.folder / "says.wav", pad_seconds=pad_seconds)
        self.events: list[Event] = []
        self._process: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._reader: threading.Thread | None = None
        self._changed = threading.Condition()
        self._responses: dict[str, dict[str, Any]] = {}
        self._tokens = 0

    @property
    def aor(self) -> str:
        domain = self.registrar or f"{HOST}:{self.sip_port}"
        return f"sip:{self.user}@{domain}"

    @property
    def contact(self) -> str:
        """Where this phone can be called directly, without a registrar."""
        return f"sip:{self.user}@{HOST}:{self.sip_port}"

    def _write_config(self) -> None:
        rtp_low = rtp_range()
        config = f"""poll_method epoll
sip_listen {HOST}:{self.sip_port}
sip_trans_def udp
net_interface {HOST}
audio_player aubridge,{self.folder.name}
audio_source aufile,{self.source}
audio_alert aubridge,{self.folder.name}
ausrc_srate {SAMPLE_RATE}
auplay_srate {SAMPLE_RATE}
ausrc_channels 1
auplay_channels 1
audio_level no
rtp_ports {rtp_low}-{rtp_low + 20}
rtp_timeout 0
jitter_buffer_delay 1-10
module_path {MODULE_FOLDER}
module g711.so
module aufile.so
module aubridge.so
module sndfile.so
{"module srtp.so" if self.mediaenc else ""}
module_app account.so
module_app contact.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen {HOST}:{self.ctrl_port}
snd_path {self.recordings}
"""
        (self.folder / "config").write_text(config)
        # The account is created over ctrl_tcp once connected (``uanew``): from the accounts
        # file, its REGISTER_OK would come before anyone listens.
        (self.folder / "accounts").write_text("")
        (self.folder / "contacts").write_text("")

    def _account(self) -> str:
        params = [";transport=udp>"]
        if self.password is not None:
            params.append(f";auth_pass={self.password}")
        if self.outbound is not None:
            params.append(f';outbound="{self.outbound}"')
        params.append(";regint=60" if self.registrar else ";regint=0")
        params.append(";answermode=" + ("auto" if self.answer else "manual"))
        params.append(";audio_codecs=PCMU/8000/1,PCMA/8000/1")
        if self.mediaenc is not None:
            params.append(f";mediaenc={self.mediaenc}")
        return f"<{self.aor}" + "".join(params)

    def start(self, timeout: float = 20.0) -> None:
        self._write_config()
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    baresip_binary(),
                    "-4",
                    *(["-s"] if self.sip_trace else []),
                    "-f",
                    str(self.folder),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.folder,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._sock = socket.create_connection((HOST, self.ctrl_port), timeout=1)
                break
            except OSError:
                if self._process.poll() is not None:
                    raise BaresipError(f"baresip stopped at start:\n{self.log_text()}") from None
                if time.monotonic() > deadline:
                    self.stop()
                    text = self.log_text()
                    raise BaresipError(f"baresip's ctrl_tcp never listened:\n{text}") from None
                time.sleep(0.1)
        self._sock.settimeout(None)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        created = self.command("uanew", self._account())
        if not created.get("ok", True):
            raise BaresipError(f"baresip refused the account: {created}")
        if self.registrar:
            registered = self.wait_for_any(("REGISTER_OK", "REGISTER_FAIL"), timeout=timeout)
            if registered.type != "REGISTER_OK":
                raise BaresipError(f"REGISTER_FAIL at {self.registrar}: {registered.param}")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def sip_messages(self) -> str:
        """Its whole log: with ``sip_trace``, every SIP message it sent and got."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def _read(self) -> None:
        sock = self._sock
        assert sock is not None
        buffer = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                with self._changed:
                    self._changed.notify_all()
                return
            buffer += chunk
            while b":" in buffer:
                length_text, rest = buffer.split(b":", 1)
                length = int(length_text)
                if len(rest) < length + 1:
                    break
                message = json.loads(rest[:length])
                buffer = rest[length + 1 :]
                with self._changed:
                    if message.get("event"):
                        self.events.append(Event(str(message.get("type", "")), message))
                    elif message.get("response"):
                        self._responses[str(message.get("token", ""))] = message
                    self._changed.notify_all()

    def _send(self, command: str, params: str = "") -> str:
        if self._sock is None:
            raise BaresipError("not started")
        self._tokens += 1
        token = str(self._tokens)
        body = json.dumps({"command": command, "params": params, "token": token}).encode()
        self._sock.sendall(str(len(body)).encode() + b":" + body + b",")
        return token

    def command(self, command: str, params: str = "", timeout: float = 10.0) -> dict[str, Any]:
        """Runs a menu command and returns baresip's response (``ok``, ``data``)."""
        token = self._send(command, params)
        deadline = time.monotonic() + timeout
        with self._changed:
            while token not in self._responses:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BaresipError(f"no response to {command}:\n{self.log_text()}")
                self._changed.wait(left)
            return self._responses.pop(token)

    def wait_for(self, event: str, *, after: int = 0, timeout: float = 20.0) -> Event:
        """The first ``event`` among ``events[after:]``, waiting for it if it has not come."""
        return self.wait_for_any((event,), after=after, timeout=timeout)

    def wait_for_any(
        self, wanted: tuple[str, ...], *, after: int = 0, timeout: float = 20.0
    ) -> Event:
        deadline = time.monotonic() + timeout
        event = " or ".join(wanted)
        with self._changed:
            while True:
                for seen in self.events[after:]:
                    if seen.type in wanted:
                        return seen
                left = deadline - time.monotonic()
                if left <= 0:
                    seen_types = [seen.type for seen in self.events]
                    raise BaresipError(f"no {event} (saw {seen_types}):\n{self.log_text()}")
                self._changed.wait(left)

    def dial(self, uri: str) -> None:
        response = self.command("dial", uri)
        if not response.get("ok", True):
            raise BaresipError(f"dial {uri} refused: {response}")

    def accept(self) -> None:
        self.command("accept")

    def press(self, digits: str) -> None:
        """Keypad tones, sent in the call's RTP as RFC 4733 telephone-events."""
        self.command("sndcode", digits)

    def hangup(self) -> None:
        self.command("hangup")

    def digits_received(self) -> str:
        """The keypad tones this phone received in its calls, in order."""
        with self._changed:
            return "".join(e.param for e in self.events if e.type == "CALL_DTMF_START")

    def hearing(self) -> tuple[list[Segment], float]:
        """The stretches of sound heard so far in the call going on (its recording read while
        baresip writes it), and how many seconds it has; nothing before the call's audio."""
        found = sorted(self.recordings.glob("dump-*-dec.wav"), key=lambda p: p.stat().st_mtime)
        if not found:
            return [], 0.0
        so_far = snapshot(found[-1], self.folder / "hearing.wav")
        return segments(so_far), duration(so_far)

    def heard(self) -> Path:
        """The WAV of what the phone heard in its last call (complete once the call closed)."""
        found = sorted(self.recordings.glob("dump-*-dec.wav"), key=lambda p: p.stat().st_mtime)
        if not found:
            raise BaresipError(f"no recording in {self.recordings}:\n{self.log_text()}")
        # CALL_CLOSED comes before the call's audio (and its file) is freed: libsndfile writes
        # the WAV's header when it closes the file, so wait until baresip holds it no longer.
        deadline = time.monotonic() + 10
        while self._holds(found[-1]) and time.monotonic() < deadline:
            time.sleep(0.02)
        return found[-1]

    def _holds(self, path: Path) -> bool:
        process = self._process
        if process is None or process.poll() is not None:
            return False
        try:
            descriptors = list(Path(f"/proc/{process.pid}/fd").iterdir())
        except OSError:
            return False
        for descriptor in descriptors:
            with contextlib.suppress(OSError):
                if Path(os.readlink(descriptor)) == path:
                    return True
        return False

    def stop(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._send("quit")
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            try:
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                # A transaction left open (a call cancelled while ringing) holds "quit" back
                # for its SIP timers; baresip exits at once on a second signal.
                for _ in range(2):
                    signal_group(process, signal.SIGTERM)
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        process.wait(timeout=0.2)
                end_group(process, 5, terminate=False)
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
            self._sock = None

    def __enter__(self) -> BaresipCaller:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
