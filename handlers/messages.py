"""The one message model every transport speaks.

Transports turn their native updates into an :class:`Incoming` and render each
:class:`Outgoing` their own way (inline keyboard on Telegram, numbered list on the
console and on Matrix). Handlers only ever see these types, so a feature written once
works everywhere.

Outgoing text is a :class:`markupsafe.Markup` holding the small HTML subset all
transports understand (``<b>``, ``<i>``, ``<a href>``, ``<code>``); anything that came
from a user is escaped when it is put into that markup.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Literal

from markupsafe import Markup

from handlers.parsing import is_typed_number, typed
from handlers.text_safety import without_bidi
from locales import Translator, translator

MediaKind = Literal["voice", "audio", "photo", "video", "document", "sticker", "other"]
# What a choice is for: one of the message's own answers (``reply``), its way back one step
# (``back``), or the main menu (``menu``). Set where the button is made, so that a transport
# that offers "the way back" on a key of its own (the phone's "#") never guesses it from a
# label: an easy-language "Menü" is the same button as "Hauptmenü".
# "back"/"menu": a message's way back (:func:`way_back`); "done": a tick list's finish
# (its "✔️ Done", :func:`finish`: the phone says it on every page of a long list); "next":
# the next part of a text said in parts (:func:`next_part`: the phone's "More" key, 9);
# "answer": the button that answers the message itself (the relay's "💬 Write to NAME",
# :func:`answer_of`: a call-back that says the message offers it after the tone).
ButtonRole = Literal["reply", "back", "menu", "done", "next", "answer"]


@dataclass(frozen=True)
class Sender:
    """Who wrote: identified by platform and the platform's own user id."""

    platform: str
    user_id: str
    display_name: str = ""
    language_hint: str | None = None
    # The sender's address is for this conversation only: nobody can reach them after it
    # (a caller who withholds their number). Set by the transport from what it knows, never
    # from what the sender says; what needs them reached later (a request) first asks for a
    # number, checked by a call to it (handlers/numbers/number_entry.py).
    withheld: bool = False
    # The number the sender's call claims to be, where its person has something to give
    # away (a caller ID proves little): what is not free waits for a call-back to it
    # (handlers/numbers/caller_check.py). "": no such claim (a checked call, a chat).
    claims: str = ""
    # The sender's address is proven for this conversation: a call the bot made that its
    # holder confirmed, or a claimed call whose PIN was right (handlers/numbers/
    # phone_pin.py chooses a PIN only then). Set by the transport, never from what the
    # sender says; a chat's sender is its platform's account and never "checked".
    checked: bool = False
    # The checked call was proven by its person's PIN, not by a call-back: a new PIN then
    # needs the one of now typed again (handlers/numbers/phone_pin.py) - a PIN guessed once
    # must not become the person's line for good. Set by the transport with ``checked``.
    pin_proven: bool = False
    # Sent on behalf of a chat, not by a person the platform names: "group" (the group
    # speaks: Telegram's anonymous admins), "channel" (a channel posting, or its posts
    # forwarded into its discussion group). Set by the transport; such a sender is no one
    # and never acts as anyone (handlers/staff.py :func:`unnamed_answer`). "": a person.
    on_behalf: str = ""


@dataclass(frozen=True)
class Text:
    text: str
    # A typed number (a key, a texted number) that is none of the choices of the chat's
    # newest message, which took typed numbers: those choices, (label, data) in their
    # order - outside any step the person is told so and given them again
    # (handlers/forms/not_a_choice.py), instead of the main menu. () for any other text.
    not_a_choice: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Command:
    """``/name args``; on Telegram ``/start payload`` carries deep-link payloads."""

    name: str
    args: str = ""


def typed_command(text: str, marks: str = "/") -> Command | None:
    """A command typed as text ("/name args"; ``marks``: the characters that begin one on
    the platform, Matrix "!" too), or None. Direction marks around the name are not part of
    it: the bot's Arabic and Farsi texts write "\u200e!help\u200e" so that the command reads
    left to right, and whoever copies it from there copies the marks."""
    head, _, args = text.partition(" ")
    name = without_bidi(head)
    if name[:1] in marks and len(name) > 1 and name[1].isalpha():
        return Command(name=name[1:].lower(), args=args.strip())
    return None


def typed_number(text: str) -> str | None:
    """The number a text is, where a person typed nothing else (a choice's place, a code,
    a texter's "0" for more): in ASCII digits, each script's own read as them and without
    the direction marks phones add (handlers/parsing.py ``typed``, the one reading of what
    people type); None where the text is anything else. A transport that reads typed
    digits (SMS) asks it here, with the rest of what a message is."""
    return typed(text).strip() if is_typed_number(text) else None


@dataclass(frozen=True)
class ButtonPress:
    data: str
    message_id: str | None = None
    # The number a person typed for it, where a typed number pressed it (numbered choices:
    # Matrix, the console, SMS); "" for a tap, a reaction or a phone's key. At a step whose
    # typed numbers are values the router reads it again (``Router.read_typed``). Not part
    # of what the press is: typed or tapped, it presses the same choice.
    typed: str = field(default="", compare=False)


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Media:
    kind: MediaKind
    file_id: str = ""
    # Seconds, with the milliseconds where the platform gives them (Matrix).
    duration_seconds: float | None = None
    mime_type: str = ""


@dataclass(frozen=True)
class Edited:
    """The person changed a message they sent earlier (``message_id``) to ``text``."""

    message_id: str
    text: str


@dataclass(frozen=True)
class Removed:
    """The person deleted a message they sent earlier (a Matrix redaction)."""

    message_id: str


Event = Text | Command | ButtonPress | Location | Media | Edited | Removed


@dataclass
class ChatMarks:
    """Marks of the chat an update came from (db/conversation_marks.py) that its transport
    answers by (Telegram: whether the chat shows a location request's reply keyboard):
    ``asked`` are read with the update's arrival, in its one statement (db/users.py
    ``arrive``), instead of a statement of their own before each answer; ``held`` is what
    the chat carried then (None: not read - an update answered without arriving, a flood's
    or an anonymous admin's), kept up to date by the transport as it sends."""

    asked: tuple[str, ...]
    held: set[str] | None = None


@dataclass(frozen=True)
class Incoming:
    sender: Sender
    chat_id: str
    event: Event
    # The transport's id for this update, so a redelivered update can be recognised.
    update_id: str | None = None
    is_private: bool = True
    # The platform's id of the person's own message (None for button presses): what a
    # later edit or deletion of it names, and what an acknowledgement reacts to.
    message_id: str | None = None
    # The platform's id of the chat's message this one answers (a Telegram reply, a Matrix
    # ``m.in_reply_to``): a reply to a relayed message goes to its writer (relay/chat.py).
    reply_to: str | None = None
    # What the transport asks to be read with the update's arrival (:class:`ChatMarks`).
    marks: ChatMarks | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Button:
    """A choice (``data``, sent back when pressed) or a link (``url``, no data).

    A link with ``web_app`` opens inside the app where the platform can (a Telegram Mini
    App in a private chat, https only); elsewhere it is a plain link, and transports
    without link buttons (Matrix, console) show it as a line of text.
    """

    label: str
    data: str = ""
    url: str = ""
    web_app: bool = False
    role: ButtonRole = "reply"
    # The number this choice is, where a step's answer is a number (1 for "1 km", 2 for
    # "ساعتان", 1.5 for "1,5 Stunden"): a typed number there is read against it
    # (handlers/router.py ``Router.read_typed``), and where choices are numbered they are
    # shown as numbers to type, not numbered (:func:`valued`). None: a choice by its place.
    value: float | None = None

    def __post_init__(self) -> None:
        if self.url:
            if self.role != "reply":
                raise ValueError("a link button is no way back")
            if self.data or not self.url.startswith(("https://", "http://")):
                raise ValueError(f"a link button has an http(s) url and no data: {self.url!r}")
            return
        if self.web_app:
            raise ValueError("web_app needs a url")
        if self.value is not None and self.role != "reply":
            raise ValueError("a way back, a finish or a next part is no value")
        # Telegram's limit for callback data; keeping to it everywhere keeps buttons portable.
        if not 1 <= len(self.data.encode("utf-8")) <= 64:
            raise ValueError(f"button data must be 1-64 bytes: {self.data!r}")

    @property
    def is_link(self) -> bool:
        return bool(self.url)


def choices(rows: list[list[Button]]) -> list[list[Button]]:
    """The rows without link buttons (what can be pressed, numbered or reacted to)."""
    return [kept for kept in ([b for b in row if not b.is_link] for row in rows) if kept]


# A numbered choice as kept: (label, button data).
Choice = tuple[str, str]


def numbered(rows: list[list[Button]]) -> list[Choice]:
    """A message's choices in the order they are numbered (from 1, in reading order)."""
    return [(button.label, button.data) for row in choices(rows) for button in row]


def valued(rows: list[list[Button]]) -> bool:
    """Whether a message asks for a number (its choices carry values: a distance, a count):
    where choices are numbered, its values are then typed as themselves and its other
    choices (Cancel) are pressed some other way (handlers/media/value_choices.py)."""
    return any(button.value is not None for row in choices(rows) for button in row)


def others(rows: list[list[Button]]) -> list[tuple[int, Button]]:
    """The choices of ``rows`` that are no values, with their number in the list (what a
    reaction, a key or the console's ``:N`` presses where the values are typed)."""
    listed = [b for row in choices(rows) for b in row]
    return [(n, b) for n, b in enumerate(listed, 1) if b.value is None]


def links(rows: list[list[Button]]) -> list[Button]:
    return [b for row in rows for b in row if b.is_link]


def way_back(rows: list[list[Button]]) -> str | None:
    """The data of a message's way back: its ``back`` button, else its ``menu`` button
    (None: it has neither)."""
    for role in ("back", "menu"):
        for row in choices(rows):
            for button in row:
                if button.role == role:
                    return button.data
    return None


def finish(rows: list[list[Button]]) -> str | None:
    """The data of a message's finish, its ``done`` button (None: it has none)."""
    for row in choices(rows):
        for button in row:
            if button.role == "done":
                return button.data
    return None


def answer_of(rows: list[list[Button]]) -> Button | None:
    """A message's ``answer`` button (None: it has none)."""
    for row in choices(rows):
        for button in row:
            if button.role == "answer":
                return button
    return None


def next_part(rows: list[list[Button]]) -> str | None:
    """The data of a message's ``next`` button (None: it has none)."""
    for row in choices(rows):
        for button in row:
            if button.role == "next":
                return button.data
    return None


@dataclass(frozen=True)
class ReaderNote:
    """Who an item is made for, as the reader chain's medium link tells the transport
    (handlers/reader_chain.py): their language, whether they read easy language, and their
    medium (a ``locales.Medium`` value). A transport says or texts its own lines through it
    (:attr:`t`), never by a language code alone."""

    lang: str
    easy: bool = False
    medium: str = "chat"

    @property
    def t(self) -> Translator:
        """The translator of this reader: their language, register and medium."""
        return translator(self.lang, self.easy, self.medium)


@dataclass(frozen=True)
class TextedForm:
    """An item as a texted reader gets it (SMS: plain text, typed numbers), made by the
    reader chain's texted link (handlers/media/texted_form.py): its ``body`` (plain, no markup, no
    direction marks), its choices one a line (``lines``: "1 Yes"), the choices its numbers
    press (``listed``) and whether a typed number presses them (``typed``); ``notice``: the
    body is a message's short form (``Message.brief``), after which a transport that sends
    texts at a cost says how to stop them (SMS: its STOP line). A texting transport only
    fits it to its wire (bot/transports/sms/segments.py) with its own promises."""

    body: str
    lines: str = ""
    listed: tuple[Choice, ...] = ()
    typed: bool = False
    notice: bool = False


@dataclass(frozen=True)
class SpokenForm:
    """What a voice line says of an item, made by the reader chain's spoken link
    (handlers/media/spoken_words.py ``said_of``): its ``text`` (markup, its user text
    translated or as written) and the ``labels`` of its choices in the order they are
    numbered. Made as the item is sent, never stored."""

    text: Markup
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipient:
    platform: str
    chat_id: str


@dataclass
class Message:
    """Text with optional rows of buttons.

    ``edit`` asks the transport to replace the message whose button was pressed
    instead of sending a new one, where the transport can.
    """

    text: Markup
    buttons: list[list[Button]] = field(default_factory=list)
    to: Recipient | None = None
    edit: bool = False
    # Label of a "share my location" button, where the platform has one (Telegram).
    request_location: str = ""
    # Where that button cannot stand with the others (Telegram: a reply keyboard replaces
    # the inline buttons of its message), they go in a second message under this line.
    location_aside: Markup | None = None
    # Whether a typed number may stand for one of the buttons (Matrix, console). False where
    # the person's next message could well be a number meant as text (the relay, where "1"
    # can answer "how many crates?"), or where several posts are open at once (the
    # backchannel): there only a reaction on this very message, or a command, chooses.
    typed_choices: bool = True
    # It goes beside the chat's newest message, not after it: a line about how the person
    # wrote (Matrix: from a device they have not confirmed), not a step - a typed number
    # still presses a choice of the message before it (bot/transports/numbered_choices.py).
    beside: bool = False
    # The message's short form, where every text costs (SMS: two segments): what one must
    # know, and a link to the whole of it on the web. A long notice to read before agreeing
    # has one (the privacy notice, handlers/privacy.py); a transport that sends short forms
    # sends it instead of ``text``, whatever the message is.
    brief: Markup | None = None
    # The message takes a spoken answer (a request's description, a message for a helper
    # or the coordinators), and this line says who will hear it: a transport that records
    # (the phone) says it, plays a tone and records the answer as a voice message.
    recorded: Markup | None = None
    # Who it is made for (the reader chain's medium links; None: a chat, or not yet known).
    reader: ReaderNote | None = None
    # Its texted form (the reader chain's texted link; None: not for a texted reader).
    texted: TextedForm | None = None
    # What a voice line says of it (the reader chain's spoken link; None: not for a voice).
    spoken: SpokenForm | None = None
    # Where its choices are values (``valued``), the sentence asking for the number, in
    # its reader's words (the reader chain's asked link; a chat whose choices are numbered
    # shows it instead of numbering the values: handlers/media/value_choices.py).
    values_asked: Markup | None = None
    # The answer is a number the person types, of at most this many digits (a phone number
    # to call back): a keypad gathers them until "#", however slowly they come, and they are
    # text, never a choice; 0: none asked.
    typed_digits: int = 0
    # The text says which key does what itself ("press 1"): a transport that presses the
    # buttons by key (the n-th by "n", the way back by "#") does not say their labels.
    keys_named: bool = False
    # The conversation's last message: a transport whose conversation is a call ends the
    # call once it is said (the caller's line must be free for the call that checks them).
    closing: bool = False
    # What the message is, where a transport treats it apart (handlers/ui.py makes both):
    # the main menu (it offers a person: a voice line says "0 for a person" after its
    # choices, and its likely choice first), the language picker (a voice line says a new
    # caller's likely language first). Never read from its buttons' data.
    main_menu: bool = False
    picks_language: bool = False


@dataclass
class Venue:
    latitude: float
    longitude: float
    title: str = ""
    address: str = ""
    to: Recipient | None = None
    reader: ReaderNote | None = None
    # Its texted form (the reader chain's texted link; None: not for a texted reader).
    texted: TextedForm | None = None
    # What a voice line says of it (the reader chain's spoken link; None: not for a voice).
    spoken: SpokenForm | None = None

    def words(self, between: str = "\n") -> str:
        """Its title and address, whichever it has, ``between`` them: one a line where it is
        said (the phone, read aloud), on one line where it is shown (an SMS, the console)."""
        return between.join(part for part in (self.title, self.address) if part)


@dataclass
class Document:
    filename: str
    content: bytes
    caption: Markup = field(default_factory=Markup)
    mime_type: str = "application/octet-stream"
    to: Recipient | None = None
    reader: ReaderNote | None = None
    # Its texted form (the reader chain's texted link; None: not for a texted reader).
    texted: TextedForm | None = None


@dataclass
class Picture:
    """An image the bot made (a chart): a photo on Telegram, ``m.image`` on Matrix, a file
    under var/ on the console."""

    content: bytes
    caption: Markup = field(default_factory=Markup)
    filename: str = "picture.png"
    mime_type: str = "image/png"
    width: int = 0
    height: int = 0
    to: Recipient | None = None
    reader: ReaderNote | None = None
    # Its texted form (the reader chain's texted link; None: not for a texted reader).
    texted: TextedForm | None = None


@dataclass
class Voice:
    """A voice message (relayed, or a request's description); the file lives on
    ``platform``'s servers. For a chat on another platform the outbox worker fetches the
    file from its source (bot/delivery.py) and hands the recipient's transport ``content``
    to upload; ``content`` is never stored in the outbox."""

    file_id: str
    platform: str
    caption: Markup = field(default_factory=Markup)
    mime_type: str = ""
    duration_seconds: float | None = None
    to: Recipient | None = None
    content: bytes = b""


# The platform of a voice message the bot made by reading a text aloud: uploaded from its
# bytes everywhere, never named by a file id.
SPOKEN = "spoken"


@dataclass
class Speech:
    """A message said aloud to a person who switched on read aloud (handlers/read_aloud.py):
    ``text`` as it was sent and the ``labels`` of its buttons in order, in ``lang``. The
    outbox worker turns it into a :class:`Voice` when it sends it, after the text it says
    went out (bot/delivery.py); the audio is never stored. ``public``: the text is the same
    for everyone (a place's details, the menu), so its audio may be cached. ``listener``:
    the person's user number (erasure finds the queued speech by it). ``easy``: the reader
    reads easy language, so the words around the text (the buttons named) are the easy
    ones."""

    text: Markup
    lang: str
    labels: list[str] = field(default_factory=list)
    public: bool = False
    listener: int = 0
    to: Recipient | None = None
    easy: bool = False


def shown(items: list[Outgoing]) -> list[Outgoing]:
    """What a transport sends of an update's answers: all but the speech, which the outbox
    says after them (handlers/dispatcher.py ``answered``)."""
    return [item for item in items if not isinstance(item, Speech)]


@dataclass
class Toast:
    """A short acknowledgement of a button press (a Telegram callback answer)."""

    text: str
    alert: bool = False
    reader: ReaderNote | None = None
    # What a voice line says of it (the reader chain's spoken link; None: not for a voice).
    spoken: SpokenForm | None = None


@dataclass
class Edit:
    """Replace an earlier message that went out through the outbox (e.g. "taken")."""

    outbox_id: int
    text: Markup
    buttons: list[list[Button]] = field(default_factory=list)
    to: Recipient | None = None
    reader: ReaderNote | None = None
    # Its texted form (the reader chain's texted link; None: not for a texted reader).
    texted: TextedForm | None = None
    # What a voice line says of it (the reader chain's spoken link; None: not for a voice).
    spoken: SpokenForm | None = None
    # The sentence asking for a number where its choices are values (as ``Message``'s).
    values_asked: Markup | None = None


@dataclass
class Delete:
    """Remove an earlier message that went out through the outbox (a relayed message its
    writer took back)."""

    outbox_id: int
    to: Recipient | None = None


@dataclass
class React:
    """A quiet acknowledgement: a reaction on the acting person's own message
    ``message_id`` (a short tick where a transport has no reactions)."""

    message_id: str
    emoji: str


Outgoing = Message | Venue | Document | Picture | Toast | Edit | Voice | Delete | React | Speech


def _encode_button(button: Button) -> list[Any]:
    if button.is_link:
        return [button.label, "", button.url, button.web_app]
    if button.value is not None:
        return [button.label, button.data, "", False, button.role, button.value]
    if button.role != "reply":
        return [button.label, button.data, "", False, button.role]
    return [button.label, button.data]


def encode(item: Outgoing) -> dict[str, Any]:
    """A JSON-able form of an outgoing item, for the persistent outbox."""
    data: dict[str, Any] = {"type": type(item).__name__}
    for name, value in vars(item).items():
        if name == "to":
            continue
        if name == "buttons":
            value = [[_encode_button(b) for b in row] for row in value]
        elif isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        elif isinstance(value, Markup):
            value = str(value)
        elif isinstance(value, ReaderNote):
            value = [value.lang, value.easy, value.medium]
        elif isinstance(value, TextedForm):
            value = [
                value.body,
                value.lines,
                [list(c) for c in value.listed],
                value.typed,
                value.notice,
            ]
        elif name in ("reader", "texted") and value is None:
            continue
        elif name == "spoken":
            continue  # made as the item is sent, never stored
        elif name in ("typed_digits", "keys_named", "closing") and not value:
            continue  # as most messages have them: not written into every outbox row
        data[name] = value
    return data


def decode(data: dict[str, Any]) -> Outgoing:
    kinds = {
        "Message": Message,
        "Venue": Venue,
        "Document": Document,
        "Picture": Picture,
        "Edit": Edit,
        "Voice": Voice,
        "Toast": Toast,
        "Delete": Delete,
        "React": React,
        "Speech": Speech,
    }
    values = {k: v for k, v in data.items() if k != "type"}
    if "buttons" in values:
        values["buttons"] = [[Button(*button) for button in row] for row in values["buttons"]]
    for name in ("text", "caption", "brief", "recorded"):
        if values.get(name) is not None:
            values[name] = Markup(values[name])
    if "content" in values:
        values["content"] = base64.b64decode(values["content"])
    if values.get("reader") is not None:
        values["reader"] = ReaderNote(*values["reader"])
    if values.get("texted") is not None:
        # A form kept from before ``notice`` has four parts (a notice's STOP line in its body).
        body, lines, listed, typed, *notice = values["texted"]
        values["texted"] = TextedForm(
            body, lines, tuple((c[0], c[1]) for c in listed), typed, bool(notice and notice[0])
        )
    return kinds[data["type"]](**values)
