"""The phone network of the SMS tests: Kannel's ``fakesmsc`` (Debian package
``kannel-extras``, ``/usr/lib/kannel/test/fakesmsc``) connected to the ``fake`` SMSC of a
``KannelGateway`` (``tests/support/sms/kannel.py``).

``FakePhoneNetwork(kannel)``: ``start()`` runs one fakesmsc in its interactive mode (no
message arguments: it reads one message a line from stdin) and waits until Kannel shows the
SMSC online; ``send(sender, text)`` is a text from a phone to the bot's number (returns once
fakesmsc has written it to Kannel); ``received`` lists what the bot sent (``Text`` records:
``sender``, ``receiver``, ``text``, ``coding`` "7bit"/"8bit"/"ucs2", ``parts``);
``wait_for(lambda t: …)`` (blocking) and ``await wait_for_async(lambda t: …)`` (for a test
whose bot runs in the same event loop) return the first text that matches, waiting for it;
``texts_to(number)``; ``stop()``.

The line protocol, as Kannel 1.4.5 speaks it (``gw/smsc/smsc_fake.c``, ``test/fakesmsc.c``):

- to Kannel: ``sender receiver text <the text, raw>`` (coding 0; the bytes are taken as the
  text, UTF-8 here) or ``sender receiver ucs2 <URL-encoded UTF-16BE>`` (coding 2, as a phone
  sends Arabic or Cyrillic); ``data`` (8-bit) and ``udh`` exist too. ``send`` picks ``text``
  for texts in the GSM 7-bit alphabet without line breaks and ``ucs2`` otherwise (or as told).
  fakesmsc reads stdin with a 256-byte buffer: a longer line would become two broken
  messages, so ``send`` refuses it (about 200 Latin letters or 45 Arabic ones; a phone's
  single text is 160 or 70).
- from Kannel: fakesmsc prints each line it gets at debug level, on stderr:
  ``… DEBUG: Got message 7: <+4923150000045 +491701234567 text Hallo>``, with the types
  ``text`` (raw: Kannel's internal UTF-8), ``ucs-2`` (URL-encoded UTF-16BE, ``+`` is a
  space), ``data`` (URL-encoded 8-bit) and, for each part of a concatenated text,
  ``udh <URL-encoded UDH> data <URL-encoded part>``.

What the versions do: the fake SMSC writes a ``text`` message raw, so a line break in the
bot's text ends the line there and fakesmsc prints the rest as further "messages"; they are
joined again here (a line that does not start with ``sender +digits type`` continues the
text before it, published once nothing more arrived for ``SETTLE_SECONDS``; the other types
are URL-encoded on their one line, published as they come). A concatenated
text's parts carry no coding on the line: their joined bytes count as UCS-2 when they decode
as UTF-16BE and most high bytes are below 0x20 or surrogates, as UTF-8 otherwise. fakesmsc's
stdin is a C ``FILE``: a second line written before it took the first would wait in its
buffer, so ``send`` writes one line and waits for fakesmsc's "sent message N". fakesmsc
aborts (double free) at the end of stdin or on SIGINT; ``stop()`` ends it with SIGTERM.
Kannel's fake SMSC takes one client at a time: one ``FakePhoneNetwork`` per gateway.

fakesmsc reads what Kannel sends it only between two waits for stdin, each up to a second
(``select`` with ``IN_TIMEOUT`` 1 in ``test/fakesmsc.c``): left alone, a text from the bot
reached the phones up to a second after Kannel passed it on, in every step of every SMS
test. An empty line on stdin ends that wait and is sent nowhere (fakesmsc skips lines
shorter than two bytes), so a thread writes one every ``WAKE_SECONDS``: fakesmsc then reads
Kannel's side as often. What arrives, and in what order, is the same; only the idle second
is gone. (An empty line taken into fakesmsc's ``FILE`` buffer together with a text holds
that text back only until the next empty line, a ``WAKE_SECONDS`` later.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import select
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import end_group
from tests.support.sms.kannel import HOST, KannelGateway

FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
LINE_LIMIT = 255  # fakesmsc's fgets buffer is 256 bytes, the newline included
SETTLE_SECONDS = 0.15
# How often fakesmsc is woken to read what Kannel sent it (see above).
WAKE_SECONDS = 0.05

# GSM 03.38: the basic alphabet and the extension table (escape + character).
GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = "^{}\\[~]|€\f"

_GOT = re.compile(rb"Got message \d+: <(.*)>\s*$", re.DOTALL)
_SENT = re.compile(rb"fakesmsc: sent message (\d+)")
_HEADER = re.compile(rb"^(\S+) (\+?\d+) (text|data|ucs-2|udh) (.*)$", re.DOTALL)


def gsm7(text: str) -> bool:
    """Whether the text fits the GSM 7-bit alphabet (basic set and extension table)."""
    return all(char in GSM_BASIC or char in GSM_EXTENSION for char in text)


def _url_decoded(data: bytes) -> bytes:
    return urllib.parse.unquote_to_bytes(data.replace(b"+", b" "))


def _looks_ucs2(data: bytes) -> bool:
    if len(data) % 2:
        return False
    try:
        data.decode("utf-16-be")
    except UnicodeDecodeError:
        return False
    high = data[0::2]
    low_or_surrogate = sum(1 for byte in high if byte < 0x20 or 0xD8 <= byte <= 0xDF)
    return low_or_surrogate * 2 >= len(high)


@dataclass(frozen=True)
class Text:
    """A text the phone network got from Kannel (what the bot sent)."""

    sender: str
    receiver: str
    text: str
    coding: str  # "7bit", "8bit" or "ucs2"
    parts: int = 1


@dataclass
class _Pending:
    sender: str
    receiver: str
    kind: str
    data: bytes


class FakePhoneNetwork:
    def __init__(self, kannel: KannelGateway, *, folder: Path | None = None) -> None:
        self.kannel = kannel
        self.folder = folder or kannel.folder
        self.log_path = self.folder / "fakesmsc.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._changed = threading.Condition()
        self._received: list[Text] = []
        self._sent_count = 0
        self._written = 0
        self._send_lock = threading.Lock()
        # One writer at a time on fakesmsc's stdin: the texts and the wake-ups.
        self._write_lock = threading.Lock()
        self._waker: threading.Thread | None = None
        self._stopping = threading.Event()
        self._pending: _Pending | None = None
        self._parts: dict[tuple[str, str, int], dict[int, bytes]] = {}

    # ------------------------------------------------------------------ process

    def start(self, timeout: float = 30.0) -> None:
        if not os.access(FAKESMSC, os.X_OK):
            raise RuntimeError(
                f"{FAKESMSC} was not found: the SMS tests need it."
                " `make test` installs it (Debian package kannel-extras)."
            )
        self._process = subprocess.Popen(
            [FAKESMSC, "-H", HOST, "-r", str(self.kannel.smsc_port), "-i", "0", "-v", "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=self.folder,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, name="fakesmsc-reader", daemon=True)
        self._reader.start()
        self._stopping.clear()
        self._waker = threading.Thread(target=self._wake, name="fakesmsc-waker", daemon=True)
        self._waker.start()
        deadline = time.monotonic() + timeout
        while not self.kannel.smsc_online():
            if self._process.poll() is not None:
                raise RuntimeError(f"fakesmsc stopped:\n{self.log_text()[-3000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"fakesmsc did not connect:\n{self.log_text()[-3000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        self._stopping.set()
        if self._waker is not None:
            self._waker.join(timeout=5)
            self._waker = None
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            # SIGINT and the end of stdin make fakesmsc 1.4.5 abort on a double free.
            end_group(process, 10)
        if process is not None and process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        if self._reader is not None:
            self._reader.join(timeout=5)
            self._reader = None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> FakePhoneNetwork:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ sending

    def line_for(
        self, sender: str, text: str, *, receiver: str | None = None, coding: str = "auto"
    ) -> bytes:
        """The fakesmsc line for a text from ``sender`` (``coding`` "auto", "text", "ucs2")."""
        receiver = receiver or self.kannel.bot_number
        if not sender or not receiver or any(" " in n or "\n" in n for n in (sender, receiver)):
            raise ValueError("phone numbers without spaces")
        if coding == "auto":
            coding = "text" if gsm7(text) and "\n" not in text and "\r" not in text else "ucs2"
        if coding == "text":
            if "\n" in text or "\r" in text:
                raise ValueError("a 'text' line cannot hold a line break: use ucs2")
            body = text.encode("utf-8")
        elif coding == "ucs2":
            body = urllib.parse.quote_from_bytes(text.encode("utf-16-be"), safe="").encode()
        else:
            raise ValueError(f"unknown coding {coding!r}")
        line = f"{sender} {receiver} {coding} ".encode() + body + b"\n"
        if len(line) > LINE_LIMIT:
            raise ValueError(
                f"fakesmsc reads at most {LINE_LIMIT} bytes a line; this text needs {len(line)}"
            )
        return line

    def send(
        self,
        sender: str,
        text: str,
        *,
        receiver: str | None = None,
        coding: str = "auto",
        timeout: float = 30.0,
    ) -> None:
        """A text from the phone ``sender`` to the bot's number (or ``receiver``)."""
        self._send_line(self.line_for(sender, text, receiver=receiver, coding=coding), timeout)

    def send_parts(self, sender: str, text: str, *, ref: int, part_chars: int = 25) -> None:
        """``text`` from ``sender`` as a concatenated text: parts of ``part_chars``
        characters, each an ``udh`` line with the concatenation header (IEI 0, reference
        ``ref``, the count, the part's number; 3GPP TS 23.040) and its UTF-8 bytes as 8-bit
        data, which Kannel's bearerbox joins into one text for smsbox."""
        chunks = [text[i : i + part_chars] for i in range(0, len(text), part_chars)] or [""]
        if not 0 <= ref < 256 or len(chunks) > 255:
            raise ValueError("a concatenated text has an 8-bit reference and 255 parts at most")
        receiver = self.kannel.bot_number
        for number, chunk in enumerate(chunks, 1):
            udh = bytes([5, 0, 3, ref, len(chunks), number])
            line = (
                f"{sender} {receiver} udh {urllib.parse.quote_from_bytes(udh, safe='')} ".encode()
                + urllib.parse.quote_from_bytes(chunk.encode(), safe="").encode()
                + b"\n"
            )
            if len(line) > LINE_LIMIT:
                raise ValueError(f"fakesmsc reads at most {LINE_LIMIT} bytes a line: shorter parts")
            self._send_line(line, 30.0)

    def _send_line(self, line: bytes, timeout: float) -> None:
        process = self._process
        if process is None or process.stdin is None:
            raise RuntimeError("FakePhoneNetwork is not started")
        with self._send_lock:
            self._written += 1
            number = self._written
            self._write(process, line)
            deadline = time.monotonic() + timeout
            with self._changed:
                while self._sent_count < number:
                    left = deadline - time.monotonic()
                    if left <= 0 or process.poll() is not None:
                        raise RuntimeError(
                            f"fakesmsc did not send message {number}:\n{self.log_text()[-2000:]}"
                        )
                    self._changed.wait(min(left, 0.5))

    def _write(self, process: subprocess.Popen[bytes], line: bytes) -> None:
        assert process.stdin is not None
        with self._write_lock:
            process.stdin.write(line)
            process.stdin.flush()

    def _wake(self) -> None:
        """An empty line every ``WAKE_SECONDS`` while fakesmsc runs (module docstring)."""
        process = self._process
        while process is not None and not self._stopping.wait(WAKE_SECONDS):
            if process.poll() is not None:
                return
            try:
                self._write(process, b"\n")
            except (OSError, ValueError):  # fakesmsc ended, or its stdin was closed
                return

    # ------------------------------------------------------------------ receiving

    @property
    def received(self) -> list[Text]:
        with self._changed:
            return list(self._received)

    def texts_to(self, number: str) -> list[Text]:
        return [text for text in self.received if text.receiver == number]

    def clear(self) -> None:
        with self._changed:
            self._received.clear()

    def _first(self, predicate: Callable[[Text], bool]) -> Text | None:
        return next((text for text in self._received if predicate(text)), None)

    def wait_for(self, predicate: Callable[[Text], bool], timeout: float = 60.0) -> Text:
        """The first received text that matches, waiting for it (blocking)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while (found := self._first(predicate)) is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no such text; received: {self._received!r}")
                self._changed.wait(min(left, 0.5))
            return found

    async def wait_for_async(
        self, predicate: Callable[[Text], bool], timeout: float = 60.0
    ) -> Text:
        """``wait_for`` for a test whose bot runs in the same event loop."""
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                found = self._first(predicate)
                if found is not None:
                    return found
                if time.monotonic() > deadline:
                    raise AssertionError(f"no such text; received: {self._received!r}")
            await asyncio.sleep(0.05)

    def _read(self) -> None:
        process = self._process
        assert process is not None and process.stderr is not None
        stream = process.stderr
        buffer = b""
        with self.log_path.open("ab") as log:
            while True:
                ready, _, _ = select.select([stream], [], [], SETTLE_SECONDS)
                if not ready:
                    self._settle()
                    continue
                chunk = os.read(stream.fileno(), 65536)
                if not chunk:
                    break
                log.write(chunk)
                log.flush()
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    self._line(line)
        self._settle()

    def _line(self, line: bytes) -> None:
        sent = _SENT.search(line)
        if sent:
            with self._changed:
                self._sent_count = max(self._sent_count, int(sent.group(1)))
                self._changed.notify_all()
            return
        got = _GOT.search(line)
        if got is None:
            return
        content = got.group(1)
        header = _HEADER.match(content)
        if header is None:
            if self._pending is not None and self._pending.kind == "text":
                self._pending.data += b"\n" + content
            return
        self._settle()
        sender, receiver, kind, rest = (part for part in header.groups())
        self._pending = _Pending(sender.decode(), receiver.decode(), kind.decode(), rest)
        if kind != b"text":
            # URL-encoded on its one line: nothing can follow it, no need to wait.
            self._settle()

    def _settle(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        if pending.kind == "text":
            self._publish(pending, pending.data.decode("utf-8", "replace"), "7bit")
        elif pending.kind == "ucs-2":
            self._publish(
                pending, _url_decoded(pending.data).decode("utf-16-be", "replace"), "ucs2"
            )
        elif pending.kind == "data":
            self._publish(pending, _url_decoded(pending.data).decode("utf-8", "replace"), "8bit")
        else:
            self._part(pending)

    def _part(self, pending: _Pending) -> None:
        udh_field, _, data_field = pending.data.partition(b" data ")
        udh, data = _url_decoded(udh_field), _url_decoded(data_field)
        reference = total = number = None
        position = 1
        while position + 1 < len(udh):
            element, length = udh[position], udh[position + 1]
            value = udh[position + 2 : position + 2 + length]
            if element == 0x00 and length == 3:
                reference, total, number = value[0], value[1], value[2]
            elif element == 0x08 and length == 4:
                reference, total, number = value[0] << 8 | value[1], value[2], value[3]
            position += 2 + length
        if reference is None or total is None or number is None:
            self._publish(pending, data.decode("utf-8", "replace"), "8bit")
            return
        key = (pending.sender, pending.receiver, reference)
        parts = self._parts.setdefault(key, {})
        parts[number] = data
        if len(parts) < total:
            return
        del self._parts[key]
        joined = b"".join(parts[index] for index in sorted(parts))
        if _looks_ucs2(joined):
            self._publish(pending, joined.decode("utf-16-be"), "ucs2", total)
        else:
            self._publish(pending, joined.decode("utf-8", "replace"), "7bit", total)

    def _publish(self, pending: _Pending, text: str, coding: str, parts: int = 1) -> None:
        record = Text(pending.sender, pending.receiver, text, coding, parts)
        with self._changed:
            self._received.append(record)
            self._changed.notify_all()


@contextlib.contextmanager
def phone_network(kannel: KannelGateway) -> Iterator[FakePhoneNetwork]:
    network = FakePhoneNetwork(kannel)
    network.start()
    try:
        yield network
    finally:
        network.stop()
