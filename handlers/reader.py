"""Who reads what the bot sends: one :class:`Reader`, built once from the person's row.

A reader is the language the bot writes to them in and the ways they asked to take
messages in (their modes: read aloud, easy language), or their platform gives them (a phone
line says every message: ``hears_all``). Easy language is a mode of the
language itself: the reader's translator (``reader.t``) takes each message's easy variant
where the language's easy catalog has one (locales ``easy.po``), so every feature that
writes in the reader's language writes easy to an easy reader, answers and outbox alike.
Features compose in the reader's language
(``reader.t``: handlers/messenger.py for others, the :class:`~handlers.context.Context` for the
person acting); the reader chain (handlers/reader_chain.py) then makes what a feature says
into what this reader gets, by their modes. A new mode is one field here, filled from its
preference in the row, and one link of the chain.

The coordinators' group is a reader too: shared by everyone in it, it reads the city's
language and has no modes (nobody's read aloud speaks in it).
"""

from __future__ import annotations

from dataclasses import dataclass

from db.users import ReadAloud, User
from locales import DEFAULT_LANGUAGE, Translator, translator


@dataclass(frozen=True)
class Reader:
    """Who reads: their language (``t``), the person (None: a group, or no one known any
    more) and the modes they chose, as chosen (whether a voice speaks their language here
    is the chain's to know: handlers/read_aloud.py ``heard``)."""

    t: Translator
    user: User | None = None
    read_aloud: ReadAloud = ReadAloud.OFF
    # Easy language: ``t`` takes the easy texts where there are some.
    easy: bool = False
    # Their platform says every message (a phone line, ``HandlerSettings.heard_platforms``):
    # they hear everything, as with read aloud for every message, but nothing is added to be
    # said (the platform says it all).
    hears_all: bool = False

    @property
    def lang(self) -> str:
        return self.t.lang


def reader_of(
    user: User | None,
    fallback: str | None = None,
    heard_platforms: frozenset[str] = frozenset(),
    on: str | None = None,
) -> Reader:
    """The person of ``user``'s row as a reader: in their language, or while they have
    chosen none in ``fallback`` (the language they are greeted in) or the city's; with the
    modes they chose, and hearing everything on a platform of ``heard_platforms``: the one
    they read ``on`` (the answers: where they wrote; a phone number's person calls and
    texts, db/numbers.py), else their row's, where the outbox reaches them. Without a row:
    no one, in the city's language."""
    if user is None:
        return Reader(translator(fallback or DEFAULT_LANGUAGE))
    return Reader(
        translator(user.language or fallback or DEFAULT_LANGUAGE, easy=user.easy_language),
        user,
        read_aloud=user.read_aloud,
        easy=user.easy_language,
        hears_all=(on or user.platform) in heard_platforms,
    )


def group_reader() -> Reader:
    """The coordinators' group: shared, it reads the city's language, and no one's modes."""
    return Reader(translator(DEFAULT_LANGUAGE))
