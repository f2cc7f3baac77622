"""What a feature says, made into what its reader gets: one chain of links, the same for
the answers to the person acting (handlers/dispatcher.py) and for every message of the
outbox (bot/delivery.py).

A feature says one thing (a ``Message``, an ``Edit``, a ``Venue`` …) in its reader's
language; the chain makes it what this reader gets (handlers/reader.py: their language and
modes), in order:

1. ``translated``: user text a reader may not read (the slots of
   handlers/language_bridge.py, each naming the language it is for) is filled by the path's
   translations - an answer's from the translations made before (it never waits for an
   engine), an outbox message's by the engine just before sending - or shown as written
   when there are none or they fail. The same for whoever reads, so it comes before the
   reader is known;
2. the links of the reader's modes (``LINKS``): ``tapped``, a 🔊 under the message for a
   reader who hears messages on a tap; ``said``, the message's ``Speech`` following it,
   for a reader who hears every message - both in a chat only (a phone says everything,
   an SMS carries no voice);
3. the links of the reader's medium (``Reading.medium``, known from the platform before
   the reader): ``asked`` for a chat, where a message's choices are values (a distance, a
   count), the sentence asking for the number in the reader's words (``values_asked``,
   handlers/media/value_choices.py), which a chat that numbers its choices (the console,
   Matrix) shows instead of numbering the values; ``spoken`` for a phone line, ``texted``
   for SMS. Each marks the item with
   its reader (``ReaderNote``: language, easy language, medium), so that the transport says
   or texts it, and its own lines, through the reader (``ReaderNote.t``) instead of
   looking the person up by their number; ``spoken`` also puts the spoken form on it
   (``SpokenForm``, handlers/media/spoken_words.py ``said_of``: the text and the labels of
   its choices, a toast's words), which a voice transport says with its keys; ``texted``
   the texted form (``TextedForm``, handlers/media/texted_form.py: plain text, every
   choice numbered, a notice's short form, no direction marks), which a texting transport
   only fits to its wire. A call-back that says more of a person's queue
   than the item it was handed takes each through the outbox worker's chain too
   (bot/delivery.py ``prepared``).

::

    feature --Message--> translated --> tapped --> said --> spoken | texted --> transport
                                        (chat)     (chat)   (phone: SpokenForm)
                                                            (SMS: TextedForm)

The texts themselves are written for the medium where features write them: the reader's
translator (``reader.t``, ``ctx.t``) takes a message's variant for the medium
(handlers/media/medium_texts.py), as it takes the easy one for an easy reader.

The reader is read when a link first asks for it (``await reading.reader()``), once per
message, and not at all when no link needs them: an outbox message's reader is then read
from their row after its translations (an engine's seconds), as they are by then, and
without a voice here and in a chat (no one hears anything, whoever reads) not at all - a
link looks at what it can know without the reader first. The answers' reader is known
before.

The rules are their owners' (handlers/language_bridge.py, handlers/read_aloud.py,
handlers/media/spoken_words.py, handlers/media/texted_form.py); the chain only calls them. A new
mode
is one link here and one field of the reader (docs/architecture.md "The reader chain").
What follows a message (``after``) goes once the message is out: the dispatcher sends it
after the answers, the outbox worker queues it when it marks the message sent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from db import Database
from db.users import ReadAloud
from handlers import read_aloud
from handlers.language_bridge import as_written, from_cache
from handlers.media.spoken_words import said_of
from handlers.media.texted_form import form_of
from handlers.media.value_choices import values_asked
from handlers.messages import Document, Edit, Message, Outgoing, Picture, Toast, Venue, valued
from handlers.reader import Medium, Reader

log = logging.getLogger(__name__)


class Translations(Protocol):
    async def fill(self, item: Outgoing) -> Outgoing:
        """``item`` with its user text translated where it asks for it."""


class FromCache:
    """Translations for answers: the ones made before (a review post edited in place, its
    first delivery translated), never an engine's wait."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def fill(self, item: Outgoing) -> Outgoing:
        return await from_cache(self.db, item)


@dataclass(frozen=True)
class Surroundings:
    """What the links work with on one path: the database, the languages a voice speaks
    here (none without a speech engine) and the path's translations (None: as written)."""

    db: Database
    voices: frozenset[str]
    translations: Translations | None


# A reader, or how to find them once the message's translations are done.
Who = Reader | Callable[[], Awaitable[Reader]]


class LazyReader:
    """The reader of one message, found the first time a link asks and then kept."""

    def __init__(self, who: Who) -> None:
        self._who = who
        self._reader = who if isinstance(who, Reader) else None

    async def __call__(self) -> Reader:
        if self._reader is None:
            assert not isinstance(self._who, Reader)
            self._reader = await self._who()
        return self._reader


@dataclass(frozen=True)
class Reading:
    """One message on its way to its reader: who reads it (``await reading.reader()``,
    found when first asked), the message as they get it so far, what follows it, and for
    an outbox message its id and whose words it carries (db/outbox.py ``about``)."""

    reader: LazyReader
    item: Outgoing
    after: tuple[Outgoing, ...] = ()
    outbox_id: int | None = None
    about: str | None = None
    # The reader's medium, known from the platform before the reader is read.
    medium: Medium = Medium.CHAT


Link = Callable[[Surroundings, Reading], Awaitable[Reading]]


async def translated(where: Surroundings, item: Outgoing, outbox_id: int | None) -> Outgoing:
    """``item`` with its slots filled by the path's translations, else as written."""
    filled = None
    if where.translations is not None:
        try:
            filled = await where.translations.fill(item)
        except Exception as exc:  # translation must never hold a message back
            named = "answer" if outbox_id is None else f"outbox {outbox_id}"  # never its words
            log.error("%s: translation failed with %s", named, type(exc).__name__)
    return filled or as_written(item)


async def tapped(where: Surroundings, reading: Reading) -> Reading:
    """A 🔊 under the message, for a reader who hears messages on a tap."""
    if not where.voices or reading.medium != Medium.CHAT:
        return reading  # no voice here, or none reaches them: no one hears, whoever reads
    reader = await reading.reader()
    if reader.heard(where.voices) != ReadAloud.ON_TAP:
        return reading
    item = await read_aloud.with_tap(
        where.db,
        reader,
        reading.item,
        outbox_id=reading.outbox_id,
        about=reading.about,
    )
    return replace(reading, item=item)


async def said(where: Surroundings, reading: Reading) -> Reading:
    """The message said aloud after it, for a reader who hears every message."""
    if not where.voices or reading.medium != Medium.CHAT:
        return reading  # no voice here, or none reaches them: no one hears, whoever reads
    reader = await reading.reader()
    if reader.user is None or reader.heard(where.voices) != ReadAloud.EVERY:
        return reading
    speech = read_aloud.spoken(reading.item, reader.lang, reader.user.id)
    if speech is None:
        return reading
    return replace(reading, after=(*reading.after, replace(speech, easy=reader.easy)))


async def asked(where: Surroundings, reading: Reading) -> Reading:
    """Where a chat's message asks for a number (its choices are values: a distance, a
    count), the sentence asking for it in the reader's words (``values_asked``): a chat
    whose choices are numbered (the console, Matrix) shows it instead of numbering the
    values, as a typed number is the value there (handlers/media/value_choices.py)."""
    item = reading.item
    if reading.medium != Medium.CHAT or not isinstance(item, Message | Edit):
        return reading
    if not valued(item.buttons) or (isinstance(item, Message) and not item.typed_choices):
        return reading
    sentence = values_asked(item.buttons, (await reading.reader()).t)
    return replace(reading, item=replace(item, values_asked=sentence))


def _noted(item: Outgoing, reader: Reader) -> Outgoing:
    """``item`` marked with who it is made for (what can carry it)."""
    if isinstance(item, Message | Edit | Venue | Toast | Document | Picture):
        return replace(item, reader=reader.note)
    return item


async def spoken(where: Surroundings, reading: Reading) -> Reading:
    """The spoken form (what a voice line says of the item: handlers/media/spoken_words.py
    ``said_of``, a toast too, where nothing else shows it, and a list's items with their
    keys), and the item marked with its reader, in whose words the line says its own
    lines."""
    if reading.medium != Medium.SPOKEN:
        return reading
    item = _noted(reading.item, await reading.reader())
    form = said_of(item, toasts=True, keyed=True)
    if form is not None and isinstance(item, Message | Edit | Venue | Toast):
        item = replace(item, spoken=form)
    return replace(reading, item=item)


async def texted(where: Surroundings, reading: Reading) -> Reading:
    """The texted form (SMS: plain text, numbered choices, no direction marks; the rules of
    handlers/media/texted_form.py) in the reader's words, and the item marked with its reader, in
    whose words the transport texts its own lines."""
    if reading.medium != Medium.TEXTED:
        return reading
    reader = await reading.reader()
    item = _noted(reading.item, reader)
    form = form_of(item, reader.note.t)
    if form is not None and isinstance(item, Message | Edit | Venue | Document | Picture):
        item = replace(item, texted=form)
    return replace(reading, item=item)


LINKS: tuple[Link, ...] = (tapped, said, asked, spoken, texted)


@dataclass(frozen=True)
class ReaderChain:
    """The links of the reader's modes, in order, after the translations."""

    links: Sequence[Link] = LINKS

    async def prepare(
        self,
        where: Surroundings,
        reader: Who,
        item: Outgoing,
        *,
        outbox_id: int | None = None,
        about: str | None = None,
        medium: Medium | None = None,
    ) -> Reading:
        """``item`` as ``reader`` gets it, and what follows it; ``medium``: theirs, where
        the reader is not known yet (else the reader's)."""
        item = await translated(where, item, outbox_id)
        if medium is None:
            medium = reader.medium if isinstance(reader, Reader) else Medium.CHAT
        reading = Reading(LazyReader(reader), item, outbox_id=outbox_id, about=about, medium=medium)
        for link in self.links:
            reading = await link(where, reading)
        return reading

    async def answers(
        self, where: Surroundings, reader: Reader, items: Sequence[Outgoing]
    ) -> list[Outgoing]:
        """The answers to one update as their reader gets them, what follows them after
        all of them (said after the texts it says)."""
        readings = [await self.prepare(where, reader, item) for item in items]
        return [r.item for r in readings] + [after for r in readings for after in r.after]
