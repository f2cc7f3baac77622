"""The speech engines for real: eSpeak NG in this process speaks all ten languages with
each language's own voice, the audio is valid OGG/Opus (read back by mutagen's parser,
not by libsndfile that wrote it) and grows with the text; the HTTP engine against a fake
server speaking the documented request form, with a wrong key, an unknown language and a
server that never answers; the speaker caches public texts only."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from mutagen.oggopus import OggOpus

from bot.speech.engine import NoVoice, SpeechError
from bot.speech.engines import embedded
from bot.speech.http_engine import HttpEngine
from bot.speech.opus import ogg_opus
from bot.speech.speaker import Speaker
from handlers.messages import Speech
from locales import SUPPORTED_LANGUAGES
from tests.support.fake_speech_server import FakeSpeechServer
from tests.support.ports import free_port
from tests.support.spoken_samples import SHORT

pytestmark = pytest.mark.asyncio(loop_scope="module")


def opus_seconds(data: bytes) -> float:
    audio = OggOpus(io.BytesIO(data))
    assert audio.info.channels == 1
    return float(audio.info.length)


async def test_espeak_speaks_all_ten_languages_with_their_own_voice():
    engine = embedded()
    assert await engine.languages(SUPPORTED_LANGUAGES) == frozenset(SUPPORTED_LANGUAGES)
    for lang in SUPPORTED_LANGUAGES:
        # The voice eSpeak NG took is that language's (British English for "en").
        assert (await engine.voice_language(lang)).split("-")[0] == lang
    with pytest.raises(NoVoice):
        await engine.speak("x", "xx")


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_the_audio_is_ogg_opus_and_grows_with_the_text(lang):
    engine = embedded()
    short = ogg_opus(await engine.speak(SHORT[lang], lang))
    longer = ogg_opus(await engine.speak(" ".join([SHORT[lang]] * 4), lang))
    assert short.startswith(b"OggS") and b"OpusHead" in short[:100]
    assert 0.2 < opus_seconds(short) < opus_seconds(longer)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server() -> AsyncIterator[FakeSpeechServer]:
    fake = FakeSpeechServer()
    await fake.start()
    yield fake
    await fake.stop()


async def test_the_http_engine_is_given_arabic_with_its_vowels(server):
    """Piper's Arabic voices read through eSpeak NG's phonemes too: the words the bot says
    go to any engine with their vowels (issue 64, test_arabic_vowels.py)."""
    server.voices = frozenset({"thorsten", "kareem"})
    engine = HttpEngine(server.url, {"ar": "kareem"}, api_key="secret-key")
    try:
        await engine.speak("ثعلب خمسة وثلاثون.", "ar")
        assert server.requests[-1]["input"] == "ثَعْلَب خَمْسَة وَثَلَاثُون."
    finally:
        server.voices = frozenset({"thorsten"})
        await engine.close()


async def test_the_http_engine_speaks_the_documented_form(server):
    engine = HttpEngine(server.url, {"de": "thorsten"}, model="tts-1", api_key="secret-key")
    try:
        assert await engine.languages(SUPPORTED_LANGUAGES) == frozenset({"de"})
        audio = await engine.speak("Guten Tag, Nachbarin.", "de")
        assert server.requests[-1] == {
            "model": "tts-1",
            "input": "Guten Tag, Nachbarin.",
            "voice": "thorsten",
            "response_format": "wav",
        }
        assert audio.rate == 16_000 and 1.0 < audio.seconds < 1.1
        assert opus_seconds(ogg_opus(audio)) > 1.0
        with pytest.raises(NoVoice):
            await engine.speak("Merhaba", "tr")
    finally:
        await engine.close()


async def test_a_wrong_key_and_a_silent_server_are_errors_not_hangs(server):
    wrong = HttpEngine(server.url, {"de": "thorsten"}, api_key="wrong")
    slow = HttpEngine(server.url, {"de": "thorsten"}, api_key="secret-key", timeout_seconds=1)
    try:
        with pytest.raises(SpeechError, match="401"):
            await wrong.speak("Hallo", "de")
        server.hanging = True
        with pytest.raises(SpeechError, match="too long"):
            await slow.speak("Hallo", "de")
    finally:
        server.release()
        await wrong.close()
        await slow.close()


async def test_the_http_engine_checks_each_voice_at_start(server, caplog):
    """Which languages the server speaks is asked, not assumed: a voice it does not know
    and a refused key leave their languages out (logged with the reason, for doctor too);
    a server that cannot be reached keeps the configured voices until it is back."""
    voices = {"de": "thorsten", "tr": "no-such-voice"}
    good = Speaker(HttpEngine(server.url, voices, api_key="secret-key"))
    wrong = Speaker(HttpEngine(server.url, voices, api_key="wrong"))
    away = Speaker(HttpEngine(f"http://127.0.0.1:{free_port()}", voices, timeout_seconds=2))
    try:
        with caplog.at_level("WARNING", logger="bot.speech.speaker"):
            assert await good.check(SUPPORTED_LANGUAGES) == frozenset({"de"})
        assert good.why_not == {"tr": "the speech server answered 400"}
        assert "no voice for tr: the speech server answered 400" in caplog.text
        assert await wrong.check(SUPPORTED_LANGUAGES) == frozenset()
        assert set(wrong.why_not.values()) == {"the speech server answered 401"}
        assert await away.check(SUPPORTED_LANGUAGES) == frozenset({"de", "tr"})
        assert away.why_not == {}
    finally:
        for speaker in (good, wrong, away):
            await speaker.close()


class CountingEngine:
    name = "counting"

    def __init__(self) -> None:
        self.calls = 0

    async def languages(self, wanted: tuple[str, ...]) -> frozenset[str]:
        return frozenset(wanted)

    async def speak(self, text: str, lang: str):
        self.calls += 1
        return await embedded().speak(text, lang)

    async def close(self) -> None:
        pass


async def test_the_speaker_caches_public_texts_only():
    engine = CountingEngine()
    speaker = Speaker(engine)
    await speaker.check(("de",))
    public = Speech(text="📍 Nordmarkt", lang="de", public=True)
    personal = Speech(text="💬 Vera: bis gleich", lang="de")
    first = await speaker.voice(public)
    again = await speaker.voice(public)
    assert first.content == again.content and engine.calls == 1
    await speaker.voice(personal)
    await speaker.voice(personal)
    assert engine.calls == 3


async def test_a_public_text_asked_for_by_many_at_once_is_made_once():
    engine = CountingEngine()
    speaker = Speaker(engine)
    await speaker.check(("de",))
    public = Speech(text="📍 Nordmarkt\n🕓 Mo-Fr 09:00-17:00", lang="de", public=True)
    voices = await asyncio.gather(*(speaker.voice(public) for _ in range(5)))
    assert engine.calls == 1 and len({v.content for v in voices}) == 1
    personal = Speech(text="💬 Vera: bis gleich", lang="de")
    await asyncio.gather(*(speaker.voice(personal) for _ in range(2)))
    assert engine.calls == 3  # personal texts are made for each delivery, never shared


class RecordingEngine(CountingEngine):
    """What the speaker gives an engine to say (every engine is given the same words)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    async def speak(self, text: str, lang: str):
        self.texts.append(text)
        return await super().speak(text, lang)


async def test_every_engine_is_given_a_middle_dot_compound_as_one_word():
    """Issue 56, point 1: the engine hears "Datenschutz", never "Daten, schutz"."""
    engine = RecordingEngine()
    speaker = Speaker(engine)
    await speaker.check(("de",))
    await speaker.voice(
        Speech(text="🔒 <b>Daten·schutz</b>\n🗑 Zustimmung beenden · Hilfe·anfrage", lang="de")
    )
    said = "\n".join(engine.texts)
    assert "Datenschutz" in said and "Hilfeanfrage" in said, said
    assert "·" not in said and "Daten," not in said and "Hilfe," not in said, said
