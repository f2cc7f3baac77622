"""Console connector: chat with the bot in a terminal or through a pipe.

One terminal can play several people: ``:as NAME`` switches who is typing. Buttons are
printed as ``[1] label`` and typing the number presses them - as long as that message is the
newest the bot printed for this chat: after a relayed message "1" is text, as it may answer
"how many crates?" (the rules of bot/transports/numbered_choices.py, kept in memory here).
Buttons of a message that does not take typed numbers are printed as ``[:1] label`` and
pressed with ``:1``, which is never text: ``:N`` presses the N-th button of the newest
message with buttons, as a reaction on it would on Matrix. Messages the bot sends to someone
other than the current person are printed with that person's name in front.

Messages for people at this terminal are printed as they are delivered, while the console
waits for the next line: a coordinator's action on the desk (served beside the console in
``make demo``) shows at once, not after the next typed line. The outbox worker is woken by
the web and polls every two seconds; one lock keeps its rounds and those a typed line
causes from overlapping, so each chat's messages stay in order. A delivery printed under
the prompt starts on a fresh line and the prompt is printed again after it.

A voice message sent with ``:media voice`` (a terminal records nothing) is a short chime,
made from its file id whenever it is asked for (``fetch_media``): the desk plays it as it
plays one from Telegram or Matrix, and the outbox worker carries it like theirs.

``:edit TEXT`` changes your last message (as an edit on Telegram or Matrix would) and
``:delete`` deletes it (as a Matrix redaction would); the bot's quiet acknowledgement of a
relayed message is printed as a short tick, a message the bot removes from someone's
chat as ``🗑`` with its first line, and one it changes (an edit: the coordinators' review
post withdrawn) again whole under a line "✏️ Changed" in its reader's words. A picture
(the /stats chart) is saved under ``var/pictures`` and its path printed.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Protocol, TextIO

from markupsafe import Markup

from bot.transports.contract import Routed, Transport, take_update
from bot.transports.markup import html_to_plain, with_links
from bot.transports.numbered_choices import InMemory, NumberedChoices
from bot.transports.sending import DeliveryError
from handlers.channels import Ports
from handlers.messages import (
    SPOKEN,
    Button,
    ButtonPress,
    Command,
    Delete,
    Document,
    Edit,
    Edited,
    Event,
    Incoming,
    Location,
    Media,
    Message,
    Outgoing,
    Picture,
    React,
    Removed,
    Sender,
    Text,
    Toast,
    Venue,
    Voice,
    choices,
    others,
    valued,
)
from handlers.parsing import choice_number, is_typed_number
from locales import N_, Translator, negotiate, translator

log = logging.getLogger(__name__)

PLATFORM = "console"
_MEDIA_IDS = itertools.count(1)
# The console's stand-in for the coordinators' group chat (``:group`` / ``:private``).
BACKCHANNEL = "coordinators"
# The console's start without a translation engine (docs/language-bridge.md).
TRANSLATION_OFF = N_(
    "🌐 Translation is off: people who share no language cannot read each other's "
    "messages, and coordinators see requests in languages they may not read. To switch "
    "it on, set up a translation engine as docs/language-bridge.md describes."
)
# The line above an edit of an earlier message, printed again whole (the word a request's
# history uses for a change).
CHANGED = N_("✏️ Changed")
MEDIA_KINDS = ("voice", "audio", "photo", "video", "document", "sticker")
# The file ids of the console's sounds (``:media voice``, ``:media audio``); the number
# after the prefix has at most 9 digits, as an id may come back from outside.
SOUND_PREFIXES = ("console-voice-", "console-audio-")


def chime(number: int) -> bytes:
    """The sound of the console's voice message ``number``: three soft notes (OGG/Opus),
    the last one a little different for each message, so that two can be told apart."""
    import numpy as np

    from bot.speech.engine import Audio
    from bot.speech.opus import ogg_opus

    rate = 24_000
    notes = (523.25, 659.25, (392.0, 440.0, 493.88, 587.33)[number % 4])
    parts = []
    for frequency in notes:
        moment = np.arange(int(rate * 0.4)) / rate
        # A bell-like note: struck, then fading.
        envelope = np.minimum(moment / 0.01, 1.0) * np.exp(-moment * 6.0)
        parts.append(0.3 * envelope * np.sin(2 * np.pi * frequency * moment))
    return ogg_opus(Audio(np.concatenate(parts).astype(np.float32), rate))


def parse_line(line: str) -> Event | None:
    """What a typed line means; meta commands (``:as`` …) are handled by the transport."""
    if line.startswith("/"):
        name, _, args = line[1:].partition(" ")
        return Command(name=name.split("@", 1)[0], args=args.strip()) if name else Text(line)
    if line.startswith(":loc"):
        try:
            lat_text, lon_text = line[4:].replace(" ", "").split(",")
            return Location(float(lat_text), float(lon_text))
        except ValueError:
            return None
    if line.startswith(":media"):
        kind = line[6:].strip() or "photo"
        # A file id as a platform gives one: a voice message kept as a request's
        # description is played back by it.
        return Media(
            kind=kind if kind in MEDIA_KINDS else "other",  # type: ignore[arg-type]
            file_id=f"console-{kind}-{next(_MEDIA_IDS)}",
        )
    return Text(line)


class Deliveries(Protocol):
    """What the console asks of the outbox worker (bot/delivery.py ``OutboxWorker``), which
    the command that starts it gives (bot/cli/main.py): a transport never imports the
    worker that carries its messages."""

    poll_seconds: float

    def wake(self) -> None: ...

    async def run_once(self) -> int: ...


class ConsoleTransport(Transport):
    platform = PLATFORM

    def __init__(
        self,
        ports: Ports,
        *,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        user: str = "resident",
        language_hint: str | None = None,
        pictures: Path = Path("var/pictures"),
        translation_off: bool = False,
    ) -> None:
        # What the city hands it (bot/city_service.py; handlers/channels.py ``Ports``): the
        # way in for its updates and whatever else it asks; never the dispatcher.
        self.city_ports: Ports = ports
        # No translation engine: the start says so and how to switch it on (the demo's
        # Arabic and Ukrainian people would otherwise relay texts neither can read).
        self.translation_off = translation_off
        # A terminal shows no images: pictures the bot sends (charts) are saved here.
        self.pictures = pictures
        self.stdin = stdin
        self.stdout = stdout
        self.user = user
        self.language_hint = language_hint
        self.interactive = stdin.isatty() and stdout.isatty()
        # What a typed number presses; and per chat the buttons of the newest message that
        # had any (what ``:N`` presses).
        self.choices = NumberedChoices(InMemory(), self._is_backchannel)
        self._buttons: dict[str, list[Button]] = {}
        self._message_ids = itertools.count(1)
        # The first line of each message delivered to someone (shown when it is removed),
        # and per person the id of their own last message (what :edit and :delete change).
        self._delivered: dict[str, str] = {}
        self._last_own: dict[str, str] = {}
        self.worker: Deliveries | None = None
        self.group: str | None = None
        # One delivery round at a time: a typed line's and the background's (run()).
        self._delivering = asyncio.Lock()
        self._woken = asyncio.Event()
        # The console waits for a line; the prompt is shown and nothing printed after it.
        self._reading = False
        self._at_prompt = False

    def _print(self, text: str, recipient: str | None = None) -> None:
        if recipient and recipient != self.user:
            text = "\n".join(f"[{recipient}] {line}" for line in text.splitlines())
        if self._at_prompt:
            # Delivered while the person is typing: below the prompt, not after it.
            self._at_prompt = False
            text = "\n" + text
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _is_backchannel(self, chat_id: str) -> bool:
        return chat_id == BACKCHANNEL or self.city_ports.chats.is_backchannel(PLATFORM, chat_id)

    def _choice_lines(
        self, pressable: list[list[Button]], typed: bool, asked: Markup | None
    ) -> str:
        """``[1] label`` (``[:1]`` where numbers are not typed); where the choices are values
        (a distance, a count) the sentence asking for the number (``asked``: the reader
        chain's, in its reader's words), as a typed number is the value there, and the
        others (Cancel) with ``:N``, which presses them (handlers/media/value_choices.py)."""
        if typed and valued(pressable):
            ways = [f"[:{n}] {b.label}" for n, b in others(pressable)]
            return "\n".join([html_to_plain(asked or Markup()), *ways])
        mark = "" if typed else ":"
        numbered = itertools.count(1)
        return "\n".join(
            "   ".join(f"[{mark}{next(numbered)}] {b.label}" for b in row) for row in pressable
        )

    def _render(
        self,
        item: Outgoing,
        chat_id: str | None = None,
        *,
        typed: bool = True,
    ) -> None:
        """Print one item in ``chat_id`` (by default where its ``to`` says, else here);
        ``typed``: the buttons of a message are pressed by typing their numbers."""
        to = getattr(item, "to", None)
        recipient = chat_id or (to.chat_id if to is not None else self.group or self.user)
        if isinstance(item, Message):
            text = with_links(item.text, item.buttons)
            self._print(html_to_plain(text, ansi=self.interactive), recipient)
            if item.request_location:
                self._print(f"[{item.request_location}: :loc LAT,LON]", recipient)
            pressable = choices(item.buttons)
            flat = [button for row in pressable for button in row]
            typed = typed and bool(flat) and item.typed_choices
            if flat:
                self._buttons[recipient] = flat
                self._print(self._choice_lines(pressable, typed, item.values_asked), recipient)
            self._print("", recipient)
        elif isinstance(item, Venue):
            label = item.words(", ")
            self._print(f"📍 {label} ({item.latitude:.5f}, {item.longitude:.5f})\n", recipient)
        elif isinstance(item, Document):
            self._print(f"📎 {item.filename} ({len(item.content)} B)", recipient)
            if item.caption:
                self._print(html_to_plain(item.caption), recipient)
            if item.mime_type.startswith(("text/", "application/json")):
                self._print(item.content.decode("utf-8", "replace"), recipient)
            self._print("", recipient)
        elif isinstance(item, Picture):
            self._print(f"🖼 {self._save(item)}", recipient)
            if item.caption:
                self._print(html_to_plain(item.caption), recipient)
            self._print("", recipient)
        elif isinstance(item, Voice) and item.platform == SPOKEN:
            # A message read aloud: a terminal plays no sound, and the audio of a personal
            # text is never kept, so only its length is shown.
            self._print(f"🔊 ({item.duration_seconds or 0:.0f} s)\n", recipient)
        elif isinstance(item, Voice):
            self._print(f"🎤 [{html_to_plain(item.caption)}]\n", recipient)
        elif isinstance(item, Toast):
            self._print(f"» {item.text}")
        elif isinstance(item, React):
            self._print(f"» ✓ {item.emoji}")

    def _save(self, picture: Picture) -> Path:
        """The picture as a file (owner-readable only: it may show the city's figures)."""
        self.pictures.mkdir(parents=True, exist_ok=True)
        name = Path(picture.filename).name or "picture.png"
        path = self.pictures / f"{next(self._message_ids)}-{name}"
        path.write_bytes(picture.content)
        path.chmod(0o600)
        return path

    def _print_usage(self) -> None:
        t = translator(negotiate(self.language_hint))
        # Who is typing and how to begin; the name isolated in right-to-left text.
        self._print(
            html_to_plain(str(t.t("You are {name}. Type /start to begin.", name=self.user)))
        )
        self._print(
            t._(
                "Console commands: :as NAME switches the person, :loc LAT,LON shares a "
                "location, :media KIND sends a voice message or photo, :edit TEXT changes "
                "your last message and :delete deletes it, :group speaks in the "
                "coordinators' group and :private leaves it, :quit ends."
            )
            + "\n"
        )

    async def _show(
        self,
        chat_id: str,
        item: Outgoing,
        edit_id: str | None = None,
        *,
        alongside: bool = False,
    ) -> str:
        """Print one item in ``chat_id`` and note it for the numbered choices; its id. An
        edit is printed again whole, under a line that marks it as a change of an earlier
        message (a terminal changes nothing printed; unmarked, it would read as a second
        message)."""
        typed = False
        if isinstance(item, Message | Edit):
            typed = await self.choices.typing(chat_id, item, edit_id)
        shown = item
        if isinstance(item, Edit):
            shown = Message(item.text, item.buttons, values_asked=item.values_asked)
        if edit_id is not None and isinstance(item, Message | Edit):
            self._print(str((await self._words(chat_id)).t(CHANGED)), chat_id)
        self._render(shown, chat_id, typed=typed)
        message_id = str(next(self._message_ids))
        await self.choices.sent(
            chat_id, message_id, item, edit_id=edit_id, typed=typed, alongside=alongside
        )
        return message_id

    async def _words(self, chat_id: str) -> Translator:
        """The words of ``chat_id``'s reader: the city's in the coordinators' group, as
        everything said there (handlers/messenger.py)."""
        if self._is_backchannel(chat_id):
            return self.city_ports.words.coordinators()
        return await self.city_ports.words.words_of(
            PLATFORM, chat_id, negotiate(self.language_hint)
        )

    async def send_answer(self, answer: Routed) -> None:
        await self._show(
            answer.chat_id, answer.item, answer.edit_message_id, alongside=answer.alongside
        )

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        """Outbox delivery to another person at this terminal: printed with their name."""
        if isinstance(item, Delete):
            gone = self._delivered.pop(edit_message_id or "", "")
            self._print(f"🗑 {gone}\n", chat_id)
            return edit_message_id
        message_id = await self._show(chat_id, item, edit_message_id)
        text = html_to_plain(getattr(item, "text", "") or getattr(item, "caption", ""))
        self._delivered[message_id] = (text.splitlines() or [type(item).__name__])[0]
        return message_id

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        """The sound of a voice message sent here (``:media voice``), for the desk's
        player and the outbox worker; other files have no content in a terminal."""
        for prefix in SOUND_PREFIXES:
            number = file_id.removeprefix(prefix)
            if number != file_id and number.isascii() and number.isdecimal() and len(number) <= 9:
                return await asyncio.to_thread(chime, int(number)), "audio/ogg"
        raise DeliveryError("no such file in the console", permanent=True)

    def wake(self) -> None:
        """Something was queued (by the web): deliver it now, not at the next poll."""
        self._woken.set()
        if self.worker is not None:
            self.worker.wake()

    async def deliver_due(self) -> None:
        """Deliver what is due now, one round at a time."""
        if self.worker is not None:
            async with self._delivering:
                await self.worker.run_once()

    async def _deliver_meanwhile(self, stop: asyncio.Event) -> None:
        """While the console waits for a line: deliver what is queued as it comes (woken by
        the web, or at the worker's poll), then show the prompt again."""
        assert self.worker is not None
        while not stop.is_set():
            woken = asyncio.ensure_future(self._woken.wait())
            stopping = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait(
                    (woken, stopping),
                    timeout=self.worker.poll_seconds,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                woken.cancel()
                stopping.cancel()
            if stop.is_set():
                return
            self._woken.clear()
            try:
                await self.deliver_due()
            except Exception:
                log.exception("console: delivery round failed")
            if self.interactive and self._reading and not self._at_prompt:
                self._prompt()

    def _prompt(self) -> None:
        where = f"@{self.group}" if self.group else ""
        self.stdout.write(f"{self.user}{where}> ")
        self.stdout.flush()
        self._at_prompt = True

    async def _event_for(self, line: str) -> Event | None:
        here = self.group or self.user
        buttons = self._buttons.get(here, [])
        if line.startswith(":") and is_typed_number(line[1:]):
            # ":N": a press whatever came after the buttons (like a reaction on Matrix).
            chosen = choice_number(line[1:], len(buttons))
            return ButtonPress(data=buttons[chosen - 1].data) if chosen else None
        typed = await self.choices.typed_event(here, line)
        if isinstance(typed, ButtonPress):
            # A press here names no message: a terminal replaces nothing it printed.
            return replace(typed, message_id=None)
        if typed is not None:
            return typed  # a number none of the choices is
        own = self._last_own.get(here)
        if line.startswith(":edit "):
            return Edited(own, line[6:].strip()) if own and line[6:].strip() else None
        if line == ":delete":
            return Removed(own) if own else None
        return parse_line(line)

    async def handle_line(self, line: str) -> bool:
        """Process one typed line; False means the user asked to quit."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        if line.startswith(":as"):
            name = line[3:].strip()
            if name:
                self.user = name
                self.group = None
                self._print(f"→ {name}\n")
            return True
        if line in (":group", ":private"):
            self.group = BACKCHANNEL if line == ":group" else None
            self._print(f"→ {self.user}" + (f" @ {BACKCHANNEL}\n" if self.group else "\n"))
            return True
        event = await self._event_for(line)
        if event is None:
            self._print_usage()
            return True
        message_id = None
        if isinstance(event, Text | Location | Media | Command):
            message_id = f"in{next(self._message_ids)}"
            self._last_own[self.group or self.user] = message_id
        incoming = Incoming(
            sender=Sender(
                PLATFORM, self.user, display_name=self.user, language_hint=self.language_hint
            ),
            chat_id=self.group or self.user,
            event=event,
            is_private=self.group is None,
            message_id=message_id,
        )
        await take_update(self, incoming)
        # One terminal, one process: deliver what this line caused right away.
        await self.deliver_due()
        return True

    async def run(self) -> int:
        if self.interactive:
            self._print_usage()
            if self.translation_off:
                t = translator(negotiate(self.language_hint))
                self._print(t._(TRANSLATION_OFF) + "\n")
        stop = asyncio.Event()
        meanwhile = (
            asyncio.create_task(self._deliver_meanwhile(stop)) if self.worker is not None else None
        )
        try:
            while True:
                if self.interactive:
                    self._prompt()
                self._reading = True
                line = await asyncio.to_thread(self.stdin.readline)
                self._reading = self._at_prompt = False
                if not line:  # end of input
                    return 0
                if not await self.handle_line(line):
                    return 0
        finally:
            stop.set()
            if meanwhile is not None:
                # A round under way ends with its send, not cut off in the middle.
                await meanwhile
