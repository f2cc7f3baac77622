"""Read aloud through the dispatcher and the outbox worker (handlers/read_aloud.py,
bot/delivery.py), with a recording speaker: offered after the language is chosen and said
aloud itself, switched in /settings, the answers and the messages from others said after
their text, the text never held back by a failing engine, coordinators told once where no
voice speaks a person's language; or, chosen instead, a 🔊 under each message that says
just that one, to the person it was sent to only, for as long as delivered messages are
kept. The real engines: tests/bot/speech; the real process:
tests/system/test_read_aloud_process.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.data_rights import Limits
from db.personal_data import MAP
from db.users import ReadAloud
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import Button, Message, Outgoing, Speech, Toast, Voice
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


async def from_others(
    chat: MemoryTransport, db: Database, who: str, *texts: str, about: tuple[int, ...] = ()
) -> list[Outgoing]:
    """What reaches ``who`` when others write them ``texts`` through the outbox (committed
    together, as one change's messages are); ``about``: whose words the first carries."""
    person = await db.users.find("memory", who)
    assert person is not None
    before = len(chat.inbox.get(who, []))
    async with db.transaction():
        for index, text in enumerate(texts):
            await Messenger(db).to_user(
                person.id,
                lambda t, text=text: Message(t.t(text)),
                about=about if index == 0 else (),
            )
    await chat.flush()
    return chat.inbox[who][before:]


def voices(chat: MemoryTransport, who: str) -> list[Voice]:
    return [item for item in chat.inbox.get(who, []) if isinstance(item, Voice)]


async def test_the_offer_comes_after_the_language_and_is_said_aloud(chat, speaker):
    await chat.text("amal", "/start", hint="ar")
    out = await chat.press("amal", "lang:ar")
    ar = translator("ar")
    assert ar._("🔊 Shall I also read my messages aloud to you?") in texts(out)
    [sample] = speeches(out)
    # The sample says the offer and its buttons, in Arabic, though nothing is on yet; the
    # privacy notice comes once it is answered (a typed number then presses the offer's).
    assert sample.lang == "ar" and "ra:on" in button_data(out)
    assert sample.text == ar.t("🔊 Shall I also read my messages aloud to you?")
    assert "consent:yes" not in button_data(out)
    assert sample.labels == [
        "🗣 " + ar._("Read everything aloud"),
        "👆 " + ar._("Only when I tap 🔊"),
        "📖 " + ar._("No, I read myself"),
    ]
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
    assert (await db.users.find("memory", "dora")).read_aloud == ReadAloud.EVERY
    assert "ra:off" in button_data(out)
    out = await chat.press("dora", "menu:settings")
    [speech] = speeches(out)
    assert speech.text == next(m for m in out if isinstance(m, Message)).text
    assert "🔇 " + translator("de")._("Text only") in speech.labels
    await chat.flush()
    # Voices only for what was said while it was on (the "done" answer and the settings).
    assert len(voices(chat, "dora")) == offered + 2
    await chat.press("dora", "ra:off")
    assert not speeches(await chat.press("dora", "menu:settings"))


async def test_yes_before_consent_has_the_privacy_notice_said_after_it(chat):
    await chat.text("ines", "/start", hint="en")
    await chat.press("ines", "lang:en")
    out = await chat.press("ines", "ra:no")
    # No: the notice comes as text alone.
    assert "consent:yes" in button_data(out) and not speeches(out)
    await chat.text("emre", "/start", hint="en")
    await chat.press("emre", "lang:en")
    await chat.press("emre", "ra:on")
    # Easy language is offered next (handlers/easy_language.py); its answer brings the notice.
    out = await chat.press("emre", "easy:no")
    notice = next(m for m in out if isinstance(m, Message) and "consent:yes" in str(m.buttons))
    # Yes: the notice comes, followed by its speech, buttons and all.
    assert notice.text in [s.text for s in speeches(out)]
    said = next(s for s in speeches(out) if s.text == notice.text)
    assert said.labels == [b.label for row in notice.buttons for b in row]


async def test_messages_from_others_follow_their_text_and_a_failing_engine_costs_only_the_voice(
    chat, speaker, db
):
    await chat.onboard("fatma", "de")
    await chat.press("fatma", "ra:on")
    await chat.flush()
    sent = await from_others(chat, db, "fatma", "📢 Hello")
    assert isinstance(sent[0], Message) and isinstance(sent[1], Voice)
    speaker.failing = True
    later = await from_others(chat, db, "fatma", "📢 Hello", "✅ Done")
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
    # What was told about her is hers to see in /mydata.
    galyna = await db.users.find("memory", "galyna")
    [account] = (await db.data_rights.export(galyna))["account"]
    assert account["no_voice_told"] == "bg" and account["read_aloud"] == ReadAloud.EVERY
    assert not [v for v in voices(chat, "galyna") if "bg" in str(v.content)]


def tap_of(item: Outgoing) -> Button:
    """The 🔊 under a message: its last row, alone."""
    assert isinstance(item, Message)
    [tap] = item.buttons[-1]
    assert tap.data.startswith("ra:say:") and tap.label.startswith("🔊 ")
    return tap


async def test_on_a_tap_each_message_has_a_listen_button_that_says_just_that_one(chat, speaker, db):
    await chat.onboard("hana", "de")
    out = await chat.press("hana", "ra:tap")
    assert (await db.users.find("memory", "hana")).read_aloud == ReadAloud.ON_TAP
    assert not speeches(out)  # nothing is said unasked
    screen = await chat.press("hana", "menu:settings")
    [settings_message] = [m for m in screen if isinstance(m, Message)]
    tap = tap_of(settings_message)
    de = translator("de")
    assert de._("👆 Read aloud: when you tap 🔊") in str(settings_message.text)
    # The other buttons are those of the settings, the 🔊 only added under them.
    own_labels = [b.label for row in settings_message.buttons[:-1] for b in row]
    assert "🗣 " + de._("Read everything aloud") in own_labels
    # 🔊 leads one button only: on Matrix a reaction with it must name the 🔊.
    assert [b.label.split()[0] for row in settings_message.buttons for b in row].count("🔊") == 1
    heard = await chat.press("hana", tap.data)
    [speech] = heard  # just the speech: no text, no second 🔊
    assert isinstance(speech, Speech) and speech.text == settings_message.text
    assert speech.labels == own_labels and speech.lang == "de"
    await chat.flush()
    assert voices(chat, "hana")[-1].content.startswith(b"OggS")
    # An older message still says its own words, however many came since.
    first = tap_of(next(m for m in out if isinstance(m, Message)))
    [again] = await chat.press("hana", first.data)
    assert isinstance(again, Speech) and "👆" in str(again.text)


async def test_a_tap_says_a_message_only_to_the_person_it_was_sent_to(chat, db):
    await chat.onboard("hana", "de")
    out = await chat.press("hana", "ra:tap")
    tap = tap_of(next(m for m in out if isinstance(m, Message)))
    await chat.onboard("ivo", "de")
    await chat.press("ivo", "ra:tap")
    # Another person sending the same button data (forged) hears nothing of hana's.
    answer = await chat.press("ivo", tap.data)
    assert translator("de")._(
        "🔇 This message is too old: I cannot read it aloud any more."
    ) in texts(answer)
    assert not any("👆" in str(s.text) for s in speeches(answer))
    [refused] = await chat.press("ivo", "ra:say:x")
    assert refused == Toast(translator("de")._("This button is no longer valid."))


async def test_messages_from_others_get_their_listen_button_when_sent(chat, speaker, db):
    await chat.onboard("jana", "de")
    await chat.press("jana", "ra:tap")
    await chat.flush()
    [message] = await from_others(chat, db, "jana", "📢 Hello")  # the text only: nothing unasked
    tap = tap_of(message)
    [speech] = await chat.press("jana", tap.data)
    assert isinstance(speech, Speech) and speech.text == translator("de").t("📢 Hello")
    assert speech.labels == []


async def test_what_a_listen_button_says_goes_with_retention_and_with_its_author(chat, db):
    await chat.onboard("karin", "de")
    await chat.onboard("lena", "de")
    await chat.press("karin", "ra:tap")
    await chat.flush()
    lena = await db.users.find("memory", "lena")
    # Lena's words reach Karin (as a relayed message does): ``about`` names her.
    sent = await from_others(chat, db, "karin", "📢 Hello", "✅ Done", about=(lena.id,))
    relayed, own = (tap_of(m) for m in sent)
    async with db.transaction():
        await db.data_rights.erase(lena, _nothing_running)
    gone = translator("de")._("🔇 This message is too old: I cannot read it aloud any more.")
    assert gone in texts(await chat.press("karin", relayed.data))
    assert not isinstance((await chat.press("karin", own.data))[0], Message)
    [step] = [r for table in MAP if table.name == "spoken_texts" for r in table.retention]
    later = datetime.now(UTC) + timedelta(hours=25)
    assert await db.data_rights.retain(step, Limits(delivered_message_hours=24), later) > 0
    assert gone in texts(await chat.press("karin", own.data))


async def _nothing_running() -> None:
    return None


async def test_an_easy_reader_hears_a_tapped_message_in_easy_language(chat, db):
    """The 🔊's speech names the buttons in the reader's register, as every speech does
    (an easy reader: "1: …", bot/speech/script.py)."""
    await chat.onboard("ilse", "de")
    await chat.press("ilse", "ra:tap")
    await chat.press("ilse", "easy:on")
    screen = await chat.press("ilse", "menu:settings")
    [settings_message] = [m for m in screen if isinstance(m, Message)]
    [speech] = await chat.press("ilse", tap_of(settings_message).data)
    assert isinstance(speech, Speech) and speech.easy
    [too_old] = [m for m in await chat.press("ilse", "ra:say:999999") if isinstance(m, Speech)]
    assert too_old.easy
