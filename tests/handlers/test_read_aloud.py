"""Read aloud through the dispatcher and the outbox worker (handlers/read_aloud.py,
bot/delivery.py), with a recording speaker: offered after the language is chosen and said
aloud itself, switched in /settings, the answers and the messages from others said after
their text, the text never held back by a failing engine, coordinators told once where no
voice speaks a person's language. The real engines: tests/bot/speech; the real process:
tests/system/test_read_aloud_process.py."""

from __future__ import annotations

import pytest

from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import Message, Speech, Voice
from handlers.messenger import Messenger
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.fake_speaker import FakeSpeaker
from tests.support.memory_transport import MemoryTransport, button_data, texts

GROUP = "coordinators"


@pytest.fixture
def speaker() -> FakeSpeaker:
    return FakeSpeaker(frozenset({"de", "ar", "en"}))


@pytest.fixture
def chat(db: Database, settings: HandlerSettings, speaker: FakeSpeaker) -> MemoryTransport:
    spoken = HandlerSettings(
        **{
            **vars(settings),
            "speech_languages": speaker.languages,
            "backchannels": frozenset({("memory", GROUP)}),
        }
    )
    return MemoryTransport(Dispatcher(db, build_router(), spoken), speaker=speaker)


def speeches(out) -> list[Speech]:
    return [item for item in out if isinstance(item, Speech)]


def voices(chat: MemoryTransport, who: str) -> list[Voice]:
    return [item for item in chat.inbox.get(who, []) if isinstance(item, Voice)]


async def test_the_offer_comes_after_the_language_and_is_said_aloud(chat, speaker):
    await chat.text("amal", "/start", hint="ar")
    out = await chat.press("amal", "lang:ar")
    ar = translator("ar")
    assert ar._("🔊 Shall I also read my messages aloud to you?") in texts(out)
    [sample] = speeches(out)
    # The sample says the offer and its two buttons, in Arabic, though nothing is on yet;
    # the privacy notice comes beside it, as without read aloud.
    assert sample.lang == "ar" and "ra:on" in button_data(out)
    assert sample.text == ar.t("🔊 Shall I also read my messages aloud to you?")
    assert "consent:yes" in button_data(out)
    assert sample.labels == ["🔊 " + ar._("Yes, read aloud"), "📖 " + ar._("No, I read myself")]
    await chat.flush()
    [voice] = voices(chat, "amal")
    assert [s.lang for s in speaker.said] == ["ar"]
    assert voice.content.startswith(b"OggS")


async def test_no_offer_where_no_voice_speaks_the_language(chat):
    await chat.text("bojan", "/start", hint="bg")
    out = await chat.press("bojan", "lang:bg")
    assert "ra:on" not in button_data(out) and not speeches(out)
    await chat.press("bojan", "consent:yes")
    assert "ra:on" not in button_data(await chat.press("bojan", "menu:settings"))


async def test_switched_on_every_answer_is_said_after_its_text(chat, speaker, db):
    await chat.onboard("dora", "de")
    await chat.flush()
    offered = len(voices(chat, "dora"))  # the offer's sample, during onboarding
    settings_screen = await chat.press("dora", "menu:settings")
    assert "ra:on" in button_data(settings_screen) and not speeches(settings_screen)
    out = await chat.press("dora", "ra:on")
    assert (await db.users.find("memory", "dora")).read_aloud
    assert "ra:off" in button_data(out)
    out = await chat.press("dora", "menu:settings")
    [speech] = speeches(out)
    assert speech.text == next(m for m in out if isinstance(m, Message)).text
    assert "🔇 " + translator("de")._("Stop reading aloud") in speech.labels
    await chat.flush()
    # Voices only for what was said while it was on (the "done" answer and the settings).
    assert len(voices(chat, "dora")) == offered + 2
    await chat.press("dora", "ra:off")
    assert not speeches(await chat.press("dora", "menu:settings"))


async def test_yes_before_consent_says_the_privacy_notice_again_to_be_heard(chat):
    await chat.text("ines", "/start", hint="en")
    await chat.press("ines", "lang:en")
    out = await chat.press("ines", "ra:no")
    assert "consent:yes" not in button_data(out) and not speeches(out)
    await chat.text("emre", "/start", hint="en")
    await chat.press("emre", "lang:en")
    out = await chat.press("emre", "ra:on")
    notice = next(m for m in out if isinstance(m, Message) and "consent:yes" in str(m.buttons))
    # The notice comes again, followed by its speech, buttons and all.
    assert notice.text in [s.text for s in speeches(out)]
    said = next(s for s in speeches(out) if s.text == notice.text)
    assert said.labels == [b.label for row in notice.buttons for b in row]


async def test_messages_from_others_follow_their_text_and_a_failing_engine_costs_only_the_voice(
    chat, speaker, db
):
    await chat.onboard("fatma", "de")
    await chat.press("fatma", "ra:on")
    await chat.flush()
    fatma = await db.users.find("memory", "fatma")
    before = len(chat.inbox["fatma"])
    async with db.transaction():
        await Messenger(db).to_user(fatma.id, lambda t: Message(t.t("📢 Hello")))
    await chat.flush()
    sent = chat.inbox["fatma"][before:]
    assert isinstance(sent[0], Message) and isinstance(sent[1], Voice)
    speaker.failing = True
    async with db.transaction():
        await Messenger(db).to_user(fatma.id, lambda t: Message(t.t("📢 Hello")))
        await Messenger(db).to_user(fatma.id, lambda t: Message(t.t("✅ Done")))
    await chat.flush()
    later = chat.inbox["fatma"][before + 2 :]
    # Both texts went out, in order; the voices were given up, nothing is left waiting.
    assert [type(item) for item in later] == [Message, Message]
    assert await db.outbox.pending() == 0


async def test_no_voice_for_the_language_tells_the_coordinators_once(chat, db):
    await chat.onboard("galyna", "de")
    await chat.press("galyna", "ra:on")
    # Later the person changes to a language no voice here speaks.
    await chat.press("galyna", "lang:bg")
    await chat.press("galyna", "menu:settings")
    await chat.press("galyna", "menu:settings")
    await chat.flush()
    notices = [m for m in chat.inbox.get(GROUP, []) if "🔇" in str(getattr(m, "text", ""))]
    assert len(notices) == 1
    assert not [v for v in voices(chat, "galyna") if "bg" in str(v.content)]
