"""The bot's words for the phone: choices named "press n", each language's line in its
own voice; the WAV at the calls' rate; the cache of prompts bounded."""

from __future__ import annotations

import io
import wave

import numpy as np
from markupsafe import Markup

from bot.speech.engine import Audio
from bot.speech.script import Part
from bot.speech.turns import Turns
from bot.transports.phone.words.speech_files import (
    Prompts,
    language_named,
    prompt_wav,
    spoken_parts,
)
from db import Database
from handlers.reader import Medium, translator_for
from locales import SUPPORTED_LANGUAGES, language_name, translator
from tests.support.sip.tone_engine import ToneEngine


def test_each_language_is_offered_in_its_own_voice_and_words():
    labels = ["✅ " + language_name("de"), language_name("ar"), language_name("tr")]
    words = spoken_parts(
        Markup("🌐 Bitte wählen Sie Ihre Sprache:"), labels, "de", SUPPORTED_LANGUAGES
    )
    assert [part.lang for part in words] == ["de", "ar", "tr"]
    de, ar, tr = (part.words for part in words)
    press = translator("de").gettext("{label}: press {n}.")
    assert press != "{label}: press {n}."  # German has its own words for it
    assert "Deutsch" in de and "eins" in de and "🌐" not in de and "✅" not in de
    assert "العربية" in ar and "اثنان" in ar
    assert "Türkçe" in tr and "üç" in tr


def test_the_language_list_is_each_name_and_its_key_the_tenth_on_zero():
    labels = [language_name(code) for code in SUPPORTED_LANGUAGES]
    words = spoken_parts(Markup("🌐 Sprache?"), labels, "de", SUPPORTED_LANGUAGES)
    lines = {part.lang: part.words.splitlines()[-1] for part in words}
    assert [part.lang for part in words] == list(SUPPORTED_LANGUAGES)
    # Only the name and the key, in the language's own number word: "Deutsch: eins."
    assert lines["de"] == "Deutsch: eins."
    assert lines["tr"] == "Türkçe: dört."
    assert lines["ar"] == "العربية: ثلاثة."
    # The tenth of ten is the keypad's 0, said as that language's zero.
    assert lines[SUPPORTED_LANGUAGES[9]] == f"{language_name(SUPPORTED_LANGUAGES[9])}: صفر."
    for code, line in lines.items():
        name = language_name(code)
        assert line.startswith(name + ": ") and len(line.removeprefix(name + ": ").split()) == 1


def test_an_easy_caller_hears_each_choice_as_its_label_and_key():
    labels = ["🔎 Orte", "🙋 Helfen"]
    easy = translator_for("de", True, Medium.SPOKEN)
    (said,) = spoken_parts(Markup("Menü"), labels, easy, SUPPORTED_LANGUAGES)
    assert said.words.splitlines()[1:] == ["Orte: eins.", "Helfen: zwei."]
    usual = translator_for("de", False, Medium.SPOKEN)
    (said,) = spoken_parts(Markup("Menü"), labels, usual, SUPPORTED_LANGUAGES)
    assert said.words.splitlines()[1] == "Orte: drücken Sie eins."


def test_other_choices_are_said_in_the_readers_language():
    words = spoken_parts(Markup("Menü"), ["🔎 Orte finden", "🙋 Hilfe"], "de", SUPPORTED_LANGUAGES)
    assert len(words) == 1 and words[0].lang == "de"
    assert "Orte finden" in words[0].words and "zwei" in words[0].words
    assert language_named("🔎 Orte finden") is None
    assert language_named("✅ Türkçe") == "tr"


def test_a_language_without_a_voice_is_offered_in_the_readers():
    words = spoken_parts(Markup("?"), [language_name("fa")], "de", frozenset({"de"}))
    assert [part.lang for part in words] == ["de"]


def test_the_wav_is_mono_16_bit_at_the_calls_rate():
    audio = Audio(np.zeros(22050, dtype=np.float32), 22050)
    for rate in (8000, 16000):
        with wave.open(io.BytesIO(prompt_wav(audio, rate))) as file:
            assert (file.getnchannels(), file.getsampwidth()) == (1, 2)
            assert file.getframerate() == rate and file.getnframes() == rate


async def test_prompts_are_made_once_and_the_cache_is_bounded():
    engine = ToneEngine()
    prompts = Prompts(engine, Turns(1), rate=8000, most=3, most_bytes=10**9)
    try:
        first = (Part("de", "Hauptmenü"),)
        path = await prompts.file(first)
        assert path.exists() and await prompts.file(first) == path
        assert len(engine.said) == 1  # made once
        made = [await prompts.file((Part("de", f"Text {n}"),)) for n in range(4)]
        assert prompts.kept == 3
        assert not path.exists() and not made[0].exists()  # the oldest went
        assert all(p.exists() for p in made[1:])
        size = made[-1].stat().st_size
        small = Prompts(engine, Turns(1), rate=8000, most=100, most_bytes=2 * size)
        try:
            for n in range(5):
                await small.file((Part("de", f"Text {n}"),))
            assert small.kept_bytes <= 2 * size and small.kept == 2
        finally:
            small.close()
    finally:
        prompts.close()
    assert not prompts.folder.exists()


async def test_a_configured_speech_server_says_the_prompts():
    from bot.config import SpeechSection
    from bot.transports.phone.words.speech_files import configured
    from tests.support.fake_speech_server import FakeSpeechServer

    server = FakeSpeechServer()
    await server.start()
    section = SpeechSection(
        engine="http", url=server.url, api_key="secret-key", voices="de=thorsten"
    )
    prompts, voices = await configured(section, ("de", "ar"), 8000)
    try:
        assert voices == frozenset({"de"})
        path = await prompts.file((Part("de", "Hauptmenü"),))
        with wave.open(str(path)) as file:
            assert file.getframerate() == 8000 and file.getnframes() > 0
        assert any(request.get("input") == "Hauptmenü" for request in server.requests)
    finally:
        prompts.close()
        await prompts.engine.close()
        await server.stop()


async def test_an_erasure_takes_the_said_prompts_but_the_lasting_ones(db: Database):
    """A prompt may say a person's words (a request read back, a relayed text), and its
    file's name (a hash) cannot tell whose: an erasure removes every file but those handed
    out for good (the busy notice), so nothing said of the erased person stays on disk."""
    prompts = Prompts(ToneEngine(), Turns(1), rate=8000)
    db.data_rights.after_erasure.append(prompts.forget_said)
    try:
        busy = await prompts.file((Part("de", "Alle Leitungen sind belegt."),), lasting=True)
        said = await prompts.file((Part("de", "Ihre Anfrage: Klingel SCHNEEGLOECKCHEN"),))
        person = await db.users.seen("phone", "+492315550123", "+492315550123")

        async def close() -> None:
            return None

        await db.data_rights.erase(person, close)
        assert not said.exists() and busy.exists()
        assert prompts.kept == 1 and prompts.kept_bytes == busy.stat().st_size
        # Made again when next said.
        again = await prompts.file((Part("de", "Ihre Anfrage: Klingel SCHNEEGLOECKCHEN"),))
        assert again.exists()
    finally:
        prompts.close()
