"""A quoted text is said in the language it is written in (issue 41, point 4): a German
message relayed to a Persian reader is said by the German voice with German number words
("um fünfzehn Uhr", "zwei Euro fünfzig"), the bot's own words around it by the Persian
one, and the parts make one voice message; where no voice speaks the text's language the
reader's voice says it, still without the reader's numbers spliced in. Seen by what the
engine was asked to say, in which voice (tests/support/held_engine.py)."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from bot.speech.script import Part, parts
from bot.speech.speaker import PAUSE_BETWEEN_VOICES, Speaker
from handlers.helping.render import relay_buttons
from handlers.language_bridge import Outcome, Reader, fill, words
from handlers.messages import Message, Speech
from handlers.text_safety import quoted
from locales import translator
from tests.support.held_engine import NEVER, HeldEngine

GERMAN = "Ich kann am Donnerstag um 15:00 kommen.\nDie Milch kostet 2,50 €."
SAID_IN_GERMAN = (
    "Ich kann am Donnerstag um fünfzehn Uhr kommen.\nDie Milch kostet zwei Euro fünfzig."
)


def relayed(lang: str, name: str, text: str) -> Speech:
    """A relayed message as handlers/helping/relay/chat.py sends it, said to its reader."""
    t = translator(lang)
    message = t.t("💬 <b>{name}</b>: {text}", name=name, text=quoted(t, text))
    labels = [b.label for row in relay_buttons(t, 3, name, requester=True) for b in row]
    return Speech(message, lang, labels)


async def speaker_for(*languages: str) -> tuple[Speaker, HeldEngine]:
    engine = HeldEngine(held=False)
    speaker = Speaker(engine, timeout_seconds=NEVER)
    await speaker.check(languages)
    return speaker, engine


async def test_a_german_message_is_said_by_the_german_voice_the_bots_words_by_the_readers():
    speaker, engine = await speaker_for("fa", "de")
    # (A name in Persian letters: one in Latin letters is said by the city's voice,
    # test_script.py.)
    voice = await speaker.voice(relayed("fa", "ورا", GERMAN))
    assert engine.voices == ["fa", "de", "fa"]
    assert engine.said[0] == "ورا:"
    assert engine.said[1] == SAID_IN_GERMAN
    assert engine.said[2].startswith("دکمهٔ اول:")
    # One voice message of the three parts, a pause where the voice changes.
    assert voice.duration_seconds == pytest.approx(3 * 0.1 + 2 * PAUSE_BETWEEN_VOICES)
    assert voice.content.startswith(b"OggS")
    await speaker.close()


async def test_without_a_voice_for_its_language_the_readers_voice_says_it_as_written():
    """No German voice: the Persian one says the German words, with the German numbers
    ("2,50" read by Persian rules would be another number)."""
    speaker, engine = await speaker_for("fa")
    await speaker.voice(relayed("fa", "Vera", GERMAN))
    assert engine.voices == ["fa"]
    assert SAID_IN_GERMAN in engine.said[0]
    assert "پانزده" not in engine.said[0] and "دو" not in engine.said[0].split()


def test_a_persian_message_to_a_german_reader_is_said_in_persian():
    de = translator("de")
    speech = relayed("de", "Parisa", "می‌توانم پنجشنبه ساعت ۱۵:۰۰ بیایم.")
    said = parts(speech.text, [], de)
    assert said == (Part("de", "Parisa:"), Part("fa", "می‌توانم پنجشنبه ساعت پانزده بیایم."))


def test_a_request_quoted_over_several_lines_is_one_text_in_its_language():
    uk = translator("uk")
    text = uk.t("📝 Summary by the coordinators:") + Markup("\n") + quoted(uk, GERMAN)
    said = parts(text, [], uk)
    assert [part.lang for part in said] == ["uk", "de"]
    assert said[1].words == SAID_IN_GERMAN
    # In the reader's own language it is said with the bot's words, as one.
    de = translator("de")
    said = parts(relayed("de", "Vera", "Ich komme um 15:00.").text, [], de)
    assert said == (Part("de", "Vera: Ich komme um fünfzehn Uhr."),)


def test_a_translation_in_the_readers_voice_the_original_below_it_in_its_own():
    """The bridge's translation (handlers/language_bridge.py) and the original beside it
    are two texts, each said in its language."""
    fa = translator("fa")
    slot = words(fa, "Ich kann um 15:00 kommen.", "de", Reader(True, frozenset({"fa"})))
    message = Message(fa.t("💬 <b>{name}</b>: {text}", name="ورا", text=slot))
    filled = fill(message, [Outcome("می‌توانم ساعت ۱۵:۰۰ بیایم.")])
    said = parts(filled.text, [], fa)
    assert [part.lang for part in said] == ["fa", "de"]
    assert said[0].words.endswith("می\u200cتوانم ساعت پانزده بیایم.")
    assert said[1].words == "Ich kann um fünfzehn Uhr kommen."


async def test_a_public_text_with_a_quote_is_made_once():
    speaker, engine = await speaker_for("ar", "de")
    ar = translator("ar")
    speech = Speech(ar.format("📝 {text}", text=quoted(ar, GERMAN)), "ar", public=True)
    first = await speaker.voice(speech)
    made = len(engine.calls)
    again = await speaker.voice(speech)
    assert made == 1 and engine.voices == ["de"] and len(engine.calls) == made
    assert again.content == first.content
    await speaker.close()
