"""The reader chain (handlers/reader_chain.py): one chain makes what a feature says into what
its reader gets, for the answers to the person acting (the dispatcher) and for the messages
of the outbox alike. A mode added as a link shows on both paths; a link taken out is gone
from both; a group reads without anyone's modes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from markupsafe import Markup

from db import Database
from db.users import User
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import Message, Outgoing, Speech, Voice
from handlers.messenger import Messenger
from handlers.reader_chain import LINKS, Link, ReaderChain, Reading, Surroundings, said, tapped
from handlers.settings import HandlerSettings
from tests.support.fake_speaker import FakeSpeaker
from tests.support.memory_transport import MemoryTransport, messages

GROUP = "coordinators"
# A mode of tomorrow, standing in for easy language: a mark before every text.
FEATHER = "🪶 "


async def lighter(where: Surroundings, reading: Reading) -> Reading:
    """A fake mode's link: for a person (not a group), each text marked."""
    item = reading.item
    if (await reading.reader()).user is None or not isinstance(item, Message):
        return reading
    return replace(reading, item=replace(item, text=Markup(FEATHER) + item.text))


def chat_with(
    db: Database, settings: HandlerSettings, links: tuple[Link, ...], voices: bool = True
) -> MemoryTransport:
    """A memory chat (dispatcher and outbox worker) on a chain of ``links``; a voice for
    German (unless not ``voices``: no speech engine), a coordinators' group."""
    speaker = FakeSpeaker(frozenset({"de"} if voices else set()))
    spoken = replace(
        settings,
        speech_languages=speaker.languages,
        backchannels=frozenset({("memory", GROUP)}),
    )
    chain = ReaderChain(links)
    dispatcher = Dispatcher(db, build_router(), spoken, chain=chain)
    return MemoryTransport(dispatcher, speaker=speaker if voices else None)


async def from_others(chat: MemoryTransport, db: Database, who: str, text: str) -> list[Outgoing]:
    """What reaches ``who`` through the outbox when someone else writes them (after what
    was queued before)."""
    person = await db.users.find("memory", who)
    assert person is not None
    await chat.flush()
    before = len(chat.inbox.get(who, []))
    async with db.transaction():
        await Messenger(db).to_user(person.id, lambda t: Message(t.t(text)))
    await chat.flush()
    return chat.inbox[who][before:]


async def to_the_group(chat: MemoryTransport, db: Database, text: str) -> list[Outgoing]:
    before = len(chat.inbox.get(GROUP, []))
    async with db.transaction():
        await Messenger(db, [("memory", GROUP)]).to_backchannel(lambda t: Message(t.t(text)))
    await chat.flush()
    return chat.inbox[GROUP][before:]


async def test_a_mode_link_works_on_the_answers_and_the_outbox_alike(db, settings):
    chat = chat_with(db, settings, (lighter, *LINKS))
    await chat.onboard("dora", "de")
    await chat.press("dora", "ra:on")
    answers = await chat.press("dora", "menu:settings")
    [settings_message] = messages(answers)
    assert str(settings_message.text).startswith(FEATHER)
    # The links after it take the text as the mode made it: the speech says it so.
    [speech] = [item for item in answers if isinstance(item, Speech)]
    assert str(speech.text).startswith(FEATHER)

    [text, voice] = await from_others(chat, db, "dora", "📢 Hello")
    assert isinstance(text, Message) and str(text.text).startswith(FEATHER)
    assert isinstance(voice, Voice) and voice.content.startswith(b"OggS" + FEATHER.encode())

    # The coordinators' group is no one's: it reads without modes.
    [notice] = await to_the_group(chat, db, "📢 Hello")
    assert isinstance(notice, Message) and not str(notice.text).startswith(FEATHER)


@pytest.mark.parametrize(
    ("mode", "link"),
    [("ra:on", said), ("ra:tap", tapped)],
)
async def test_a_link_taken_out_is_gone_from_both_paths(db, settings, mode, link):
    def heard(out: list[Outgoing]) -> bool:
        """Said after the texts, or a 🔊 under one."""
        return any(isinstance(item, Speech | Voice) for item in out) or any(
            button.data.startswith("ra:say:")
            for message in messages(out)
            for row in message.buttons
            for button in row
        )

    for links, hears in [(LINKS, True), (tuple(x for x in LINKS if x is not link), False)]:
        chat = chat_with(db, settings, links)
        person = f"hana{len(links)}"
        await chat.onboard(person, "de")
        await chat.press(person, mode)
        await chat.flush()
        assert heard(await chat.press(person, "menu:settings")) is hears
        assert heard(await from_others(chat, db, person, "📢 Hello")) is hears


def counting_reads(db: Database) -> list[int]:
    """The users whose row is read from now on, one entry a read."""
    reads: list[int] = []
    get = db.users.get

    async def counted(user_id: int) -> User | None:
        reads.append(user_id)
        return await get(user_id)

    db.users.get = counted  # type: ignore[method-assign]
    return reads


async def test_the_outbox_reads_the_readers_row_only_when_a_mode_needs_it(db, settings):
    # Ida hears every message; the same bot with no speech engine has no link that needs
    # to know who reads, so delivering many messages reads no one's row.
    voiced = chat_with(db, settings, LINKS)
    await voiced.onboard("ida", "de")
    await voiced.press("ida", "ra:on")
    await voiced.flush()
    quiet = chat_with(db, settings, LINKS, voices=False)
    person = await db.users.find("memory", "ida")
    assert person is not None
    async with db.transaction():
        for n in range(5):
            await Messenger(db).to_user(person.id, lambda t, n=n: Message(t.t(f"📢 {n}")))
    reads = counting_reads(db)
    await quiet.flush()
    assert [str(m.text) for m in messages(quiet.inbox["ida"][-5:])] == [f"📢 {n}" for n in range(5)]
    assert reads == []

    # With a voice for her language she is read (as she is now), and hears the message.
    async with db.transaction():
        await Messenger(db).to_user(person.id, lambda t: Message(t.t("📢 Hello")))
    reads.clear()  # composing it in her language read her row; delivering it is counted
    await voiced.flush()
    assert reads == [person.id]
    [*_, text, voice] = voiced.inbox["ida"]
    assert isinstance(text, Message) and str(text.text) == "📢 Hello"
    assert isinstance(voice, Voice)


async def test_a_chat_message_asking_for_a_value_gets_its_sentence_in_the_readers_words(db):
    """Where a message's choices are values, the chain words the sentence asking for the
    number in its reader's words (the console and Matrix show it; they word nothing), only
    in a chat and only where a typed number may answer it."""
    from handlers.messages import Button
    from handlers.reader import Medium, Reader
    from locales import translator

    rows = [
        [Button(f"{km} km", f"vo:r:{km}000", value=km) for km in (1, 2, 5)],
        [Button("✖️ Abbrechen", "vo:cancel")],
    ]
    where = Surroundings(db, frozenset(), None)
    chain = ReaderChain()
    reader = Reader(translator("de"))
    asked = (await chain.prepare(where, reader, Message(Markup("Wie weit?"), rows))).item
    assert isinstance(asked, Message) and asked.values_asked is not None
    assert "1 km, 2 km oder 5 km" in asked.values_asked and "Abbrechen" not in asked.values_asked
    for item, medium in (
        (Message(Markup("Wie weit?"), rows, typed_choices=False), Medium.CHAT),
        (Message(Markup("Wie weit?"), rows[1:]), Medium.CHAT),
        (Message(Markup("Wie weit?"), rows), Medium.TEXTED),
    ):
        made = (await chain.prepare(where, reader, item, medium=medium)).item
        assert isinstance(made, Message) and made.values_asked is None
