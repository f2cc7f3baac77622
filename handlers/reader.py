"""Who reads what the bot sends: one :class:`Reader`, built once from the person's row.

A reader is the language the bot writes to them in, the ways they asked to take messages
in (their modes: read aloud, easy language), and the medium their platform gives them
(:class:`~locales.Medium`, named once in locales: a chat; said, as on a phone line,
which says every message; texted, as by SMS),
which each transport declares (:func:`declare_medium`, bot/transports/hooks.py
``Offers.medium``). Their translator (``reader.t``) writes for all three: a message's easy
variant where the language's easy catalog has one (locales ``easy.po``), and its variant
for the medium where it has one (handlers/media/medium_texts.py: no "tap" in an SMS), so every
feature that writes in the reader's language writes for this reader, answers and outbox
alike. Features compose in the reader's language (``reader.t``: handlers/messenger.py for
others, the :class:`~handlers.context.Context` for the person acting); the reader chain
(handlers/reader_chain.py) then makes what a feature says into what this reader gets, by
their modes and their medium. A new mode is one field here, filled from its preference in
the row, and one link of the chain. A new person on the phone starts in easy language
(:func:`starts_easy`, set when their row is made).

The coordinators' group is a reader too: shared by everyone in it, it reads the city's
language and has no modes (nobody's read aloud speaks in it). What the bot answers a person
acting there (a command's reply, a toast on their press) is theirs, though: it reads their
language where it is known (:func:`sender_in_group`), still without their modes.
"""

from __future__ import annotations

from dataclasses import dataclass

import handlers.media.medium_texts  # noqa: F401 - the variants for each medium, declared once
from db.users import ReadAloud, User
from handlers.messages import ReaderNote
from locales import DEFAULT_LANGUAGE, Translator, translator
from locales import Medium as Medium  # named once in locales; features ask it here

# platform -> its medium, declared by each transport (a chat unless declared).
_MEDIA: dict[str, Medium] = {}


def declare_medium(platform: str, medium: Medium) -> None:
    """``platform``'s people take messages in ``medium``."""
    _MEDIA[platform] = medium


def medium_of(platform: str | None) -> Medium:
    """The medium of ``platform``'s people (a chat when it declared none)."""
    return _MEDIA.get(platform or "", Medium.CHAT)


def starts_easy(medium: Medium) -> bool:
    """Whether a new person on ``medium`` starts in easy language: on the phone, where every
    word is heard once, in its time, the easy texts (about half as long) are the default,
    until the person chooses the usual ones in the settings."""
    return medium == Medium.SPOKEN


def translator_for(lang: str, easy: bool, medium: Medium) -> Translator:
    """The translator of a reader in ``lang``, easy or not, on ``medium``."""
    return translator(lang, easy=easy, medium="" if medium == Medium.CHAT else medium.value)


@dataclass(frozen=True)
class Reader:
    """Who reads: their language (``t``), the person (None: a group, or no one known any
    more) and the modes they chose, as chosen (whether a voice speaks their language here
    is the chain's to know: :meth:`heard`)."""

    t: Translator
    user: User | None = None
    read_aloud: ReadAloud = ReadAloud.OFF
    # Easy language: ``t`` takes the easy texts where there are some.
    easy: bool = False
    # Where they take messages: a chat, said on the phone, texted - the one fact every
    # feature asks (said on the phone: they hear everything, as with read aloud for every
    # message, but nothing is added to be said: the line says it all).
    medium: Medium = Medium.CHAT

    @property
    def lang(self) -> str:
        return self.t.lang

    def heard(self, voices: frozenset[str]) -> ReadAloud:
        """How messages to this reader are read aloud where the voices speak ``voices``:
        as they chose, if a voice speaks their language."""
        return self.read_aloud if self.lang in voices else ReadAloud.OFF

    @property
    def note(self) -> ReaderNote:
        """Who this is, as what a transport receives carries it (handlers/messages.py)."""
        return ReaderNote(self.lang, self.t.easy, self.medium.value)


def reader_of(
    user: User | None,
    fallback: str | None = None,
    on: str | None = None,
) -> Reader:
    """The person of ``user``'s row as a reader: in their language, or while they have
    chosen none in ``fallback`` (the language they are greeted in) or the city's; with the
    modes they chose, on the medium of the platform they read ``on`` (the answers: where
    they wrote; a phone number's person calls and texts, db/people_by_number.py), else their row's,
    where the outbox reaches them. Without a row: no one, in the city's language."""
    if user is None:
        medium = medium_of(on)
        return Reader(translator_for(fallback or DEFAULT_LANGUAGE, False, medium), medium=medium)
    platform = on or user.platform
    medium = medium_of(platform)
    lang = user.language or fallback or DEFAULT_LANGUAGE
    return Reader(
        translator_for(lang, user.easy_language, medium),
        user,
        read_aloud=user.read_aloud,
        easy=user.easy_language,
        medium=medium,
    )


def group_reader() -> Reader:
    """The coordinators' group: shared, it reads the city's language, and no one's modes."""
    return Reader(translator(DEFAULT_LANGUAGE))


def sender_in_group(user: User | None, fallback: str | None = None) -> Reader:
    """The answers to ``user`` acting in a group (a command's reply, the toast on their
    press): in their language - the one they chose, else ``fallback`` (their platform's,
    where the city offers it), else the group's - and, as the group, with no one's modes
    (nobody's read aloud speaks there, and others read along). What the group shares (a
    review post, its buttons) stays the group's (:func:`group_reader`)."""
    lang = (user.language if user is not None else None) or fallback or DEFAULT_LANGUAGE
    return Reader(translator(lang))
