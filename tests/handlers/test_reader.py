"""Who reads (handlers/reader.py): one reader built from the person's row - their language,
or while they have chosen none the one they are greeted in, and the modes they chose; the
coordinators' group and a person gone read the city's language without modes. The person
acting reads their answers as that reader in their own chat only."""

from __future__ import annotations

from dataclasses import replace

from db import Database
from db.users import ReadAloud, User
from handlers.context import Context
from handlers.messages import Incoming, ReaderNote, Sender, Text
from handlers.reader import group_reader, reader_of
from handlers.settings import HandlerSettings
from locales import DEFAULT_LANGUAGE, translator
from tests.support.memory_transport import MemoryTransport

AMAL = User(
    id=7,
    platform="memory",
    platform_user_id="amal",
    chat_id="amal",
    language="ar",
    consent_at="2026-01-01T00:00:00Z",
    created_at="2026-01-01T00:00:00Z",
    seen_at="2026-01-01T00:00:00Z",
    roles=frozenset({"coordinator"}),
    read_aloud=ReadAloud.EVERY,
)


def test_a_person_reads_in_their_language_with_the_modes_they_chose():
    reader = reader_of(AMAL, "tr")
    assert (reader.lang, reader.user, reader.read_aloud) == ("ar", AMAL, ReadAloud.EVERY)
    assert reader.t.rtl


def test_without_a_chosen_language_the_greeting_language_then_the_citys():
    newcomer = replace(AMAL, language=None)
    assert reader_of(newcomer, "tr").lang == "tr"
    assert reader_of(newcomer).lang == DEFAULT_LANGUAGE


def test_a_group_and_a_person_gone_read_the_citys_language_without_modes():
    for reader in (group_reader(), reader_of(None)):
        assert reader.lang == DEFAULT_LANGUAGE
        assert reader.user is None and reader.read_aloud == ReadAloud.OFF


def context(db: Database, private: bool) -> Context:
    incoming = Incoming(Sender("memory", "amal"), "amal", Text("hi"), is_private=private)
    t = translator("ar" if private else DEFAULT_LANGUAGE)
    return Context(incoming=incoming, user=AMAL, t=t, db=db, settings=HandlerSettings())


async def test_the_person_acting_reads_their_answers_in_their_own_chat_only(db):
    assert context(db, private=True).reader == reader_of(AMAL)
    # In the coordinators' group the coordinator who hears every message reads as the group.
    in_group = context(db, private=False).reader
    assert in_group.user is None and in_group.read_aloud == ReadAloud.OFF
    # Once they erased themselves nothing more is theirs: no one's modes.
    erased = context(db, private=True)
    erased.user_erased = True
    assert erased.reader.user is None and erased.reader.lang == "ar"


def test_a_note_gives_the_words_of_the_reader_it_was_made_for():
    """A transport says its own lines through the item's note (handlers/messages.py
    ``ReaderNote.t``): the reader's language, register and medium; a medium nobody
    declared is a chat's."""
    said = ReaderNote("tr", easy=True, medium="spoken").t
    assert (said.lang, said.easy, said.medium) == ("tr", True, "spoken")
    assert ReaderNote("uk", medium="pager").t.medium == ""


async def test_a_transport_s_own_lines_are_in_its_person_s_words(story: MemoryTransport, db):
    """``Dispatcher.words_of``: the row's language and easy language on the platform's
    medium; a newcomer, or a person with no language yet, in the fallback, else the city's."""
    story.platform = "phone"
    person = await db.users.seen("phone", "+492319876543", "+492319876543")
    assert (
        await story.dispatcher.ports.words.words_of("phone", "+492319876543", "uk")
    ).lang == "uk"
    await db.users.set_language(person.id, "fa")
    await db.users.set_easy_language(person.id, True)
    words = await story.dispatcher.ports.words.words_of("phone", "+492319876543", "uk")
    assert (words.lang, words.easy, words.medium) == ("fa", True, "spoken")
    nobody = await story.dispatcher.ports.words.words_of("phone", "+492311111111")
    assert nobody.lang == DEFAULT_LANGUAGE and nobody.medium == "spoken"


async def test_the_reader_follows_the_person_and_language_as_the_update_changes_them(db):
    """``Context.reader`` is made once and kept while the person's row and language stay
    (it is asked several times an update); a changed row or language makes it again."""
    ctx = context(db, private=True)
    assert ctx.reader is ctx.reader
    ctx.user = replace(AMAL, read_aloud=ReadAloud.OFF)
    assert ctx.reader.read_aloud == ReadAloud.OFF
    ctx.t = translator("uk")
    assert ctx.reader.lang == "uk" and ctx.reader.t is ctx.t
