"""Read aloud's OGG/Opus decoded by a decoder that is not ours (issue 32): Chromium's, through
the Web Audio API (``decodeAudioData``). libsndfile wrote the files and mutagen only reads
their headers and granule positions; here the audio itself comes back.

For each of the ten languages a short and a longer text go the way read aloud sends them
(the embedded engine, then bot/speech/opus.py). Every file decodes in one browser page;
the decoded length agrees with the engine's and with the file's granule positions (mutagen),
the sound is mono, it is not silence, its loudness follows the engine's 20 ms by 20 ms (the
speech that was said, in its place in time), and the longer text is longer. Two controls
show the checks can fail: a file of silence and bytes that are not audio.

The place page's player (``<audio>``) loads its read-aloud file in the same browser, with
byte ranges, and knows its length.
"""

from __future__ import annotations

import base64
import io
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np
import pytest
import pytest_asyncio
from mutagen.ogg import OggPage
from mutagen.oggopus import OggOpus
from playwright.async_api import Browser

from bot.config import Config, TelegramSection, WebSection
from bot.speech.engines import embedded
from bot.speech.opus import ogg_opus
from bot.speech.speaker import Speaker
from db import Database
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from handlers.settings import HandlerSettings
from locales import SUPPORTED_LANGUAGES
from tests.support import browser
from tests.support.cli import ROOT
from tests.support.fake_telegram import TOKEN
from tests.support.ogg_opus import silence
from tests.support.spoken_samples import LONGER, SHORT
from tests.support.web_site import serving

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Opus always decodes at 48 kHz: decoded at that rate, Web Audio has nothing to resample.
DECODE_RATE = 48_000
BLOCK_SECONDS = 0.02  # one Opus frame: the loudness is compared block by block
# Decoded length against the engine's and the granule positions: a tenth of the smallest
# Opus frame (2.5 ms). A wrong pre-skip (312 samples here, 6.5 ms) or a granule position
# off by a frame would exceed it.
LENGTH_TOLERANCE = 0.00025
# Speech from eSpeak NG is around 0.1 RMS; silence decodes to (almost) 0.
SILENCE_RMS = 0.01
SAME_SPEECH = 0.9  # correlation of the 20 ms loudness of the decoded and the engine's audio
SILENCE = silence(1.0)  # tests/support/ogg_opus.py: written by hand, not by libsndfile

DECODE = """async ({files, rate, blockSeconds}) => {
  // Web Audio resamples what it decodes to its context's rate: at Opus's own rate it does not.
  const context = new OfflineAudioContext({numberOfChannels: 1, length: 1, sampleRate: rate});
  const block = Math.round(rate * blockSeconds);
  const decoded = {};
  for (const [name, encoded] of Object.entries(files)) {
    const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
    let buffer;
    try {
      buffer = await context.decodeAudioData(bytes.buffer);
    } catch (error) {
      decoded[name] = {error: String(error)};
      continue;
    }
    const samples = buffer.getChannelData(0);
    let sum = 0;
    const envelope = [];
    for (let start = 0; start < samples.length; start += block) {
      const end = Math.min(start + block, samples.length);
      let part = 0;
      for (let i = start; i < end; i++) part += samples[i] * samples[i];
      sum += part;
      envelope.push(Math.sqrt(part / (end - start)));
    }
    decoded[name] = {
      duration: buffer.duration,
      length: buffer.length,
      sampleRate: buffer.sampleRate,
      channels: buffer.numberOfChannels,
      rms: Math.sqrt(sum / samples.length),
      envelope,
    };
  }
  return decoded;
}"""


@dataclass
class Said:
    """One text as read aloud sends it, and what the engine made of it."""

    ogg: bytes
    seconds: float  # the engine's audio
    envelope: np.ndarray  # its RMS per 20 ms

    @property
    def granule_seconds(self) -> float:
        """The length the file's granule positions give (mutagen)."""
        return float(OggOpus(io.BytesIO(self.ogg)).info.length)


def envelope(samples: np.ndarray, rate: int) -> np.ndarray:
    block = round(rate * BLOCK_SECONDS)
    count = -(-len(samples) // block)
    padded = np.zeros(count * block, dtype=np.float64)
    padded[: len(samples)] = samples
    sums = (padded.reshape(count, block) ** 2).sum(axis=1)
    sizes = np.full(count, block)
    sizes[-1] = len(samples) - (count - 1) * block
    return np.sqrt(sums / sizes)


async def say(text: str, lang: str) -> Said:
    audio = await embedded().speak(text, lang)
    return Said(ogg_opus(audio), audio.seconds, envelope(audio.samples, audio.rate))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chrome() -> AsyncIterator[Browser]:
    async with browser.chromium() as launched:
        yield launched


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def said() -> dict[str, Said]:
    made = {}
    for lang in SUPPORTED_LANGUAGES:
        made[f"{lang}-short"] = await say(SHORT[lang], lang)
        made[f"{lang}-longer"] = await say(LONGER[lang], lang)
    return made


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def decoded(chrome: Browser, said: dict[str, Said]) -> dict[str, dict]:
    """Every file, and the two controls, decoded by Chromium in one page."""
    files = {name: base64.b64encode(one.ogg).decode() for name, one in said.items()}
    files["silence"] = base64.b64encode(SILENCE).decode()
    files["not-audio"] = base64.b64encode(b"OggS, or so it says: no audio in here").decode()
    async with browser.browsing(chrome) as session:
        result = await session.page.evaluate(
            DECODE, {"files": files, "rate": DECODE_RATE, "blockSeconds": BLOCK_SECONDS}
        )
        assert not session.foreign
    return result


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_the_audio_decodes_in_chromium_as_it_was_said(lang, said, decoded):
    lengths = []
    for size in ("short", "longer"):
        name = f"{lang}-{size}"
        mine, theirs = said[name], decoded[name]
        assert "error" not in theirs, (name, theirs)
        assert theirs["sampleRate"] == DECODE_RATE and theirs["channels"] == 1, (name, theirs)
        # Three lengths agree: the engine's, the granule positions', the decoder's.
        assert theirs["duration"] == pytest.approx(mine.seconds, abs=LENGTH_TOLERANCE), name
        assert theirs["duration"] == pytest.approx(mine.granule_seconds, abs=LENGTH_TOLERANCE)
        assert theirs["rms"] > SILENCE_RMS, (name, theirs["rms"])
        # The decoded sound is the speech that was said, in its place in time.
        blocks = min(len(mine.envelope), len(theirs["envelope"]))
        assert abs(len(mine.envelope) - len(theirs["envelope"])) <= 1, name
        same = np.corrcoef(mine.envelope[:blocks], np.array(theirs["envelope"][:blocks]))[0, 1]
        assert same > SAME_SPEECH, (name, same)
        lengths.append(theirs["duration"])
    short, longer = lengths
    assert 0.2 < short < longer


async def test_the_checks_tell_silence_and_garbage(decoded):
    """The controls: a second of silence decodes, as long as its granule positions say, below
    the threshold; bytes that are not audio do not decode."""
    quiet = decoded["silence"]
    assert "error" not in quiet, quiet
    length = OggOpus(io.BytesIO(SILENCE)).info.length  # a second less its pre-skip
    assert quiet["duration"] == pytest.approx(length, abs=LENGTH_TOLERANCE)
    assert quiet["rms"] < SILENCE_RMS
    assert "error" in decoded["not-audio"], decoded["not-audio"]


# -- the place page's player ---------------------------------------------------------------

FETCH = """async (src) => {
  const answer = await fetch(src);
  return Array.from(new Uint8Array(await answer.arrayBuffer()));
}"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def places(tmp_path_factory) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path_factory.mktemp("places") / "places.sqlite3")
    report = await import_places(
        db,
        ROOT / "data" / "dortmund" / "places-sample.csv",
        load_gazetteer(str(ROOT / "data" / "dortmund")),
    )
    assert report.created and not report.rejected
    try:
        yield db
    finally:
        await db.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def tiles() -> AsyncIterator[browser.TileServer]:
    """The place page's small map gets its tiles from 127.0.0.1 too."""
    server = browser.TileServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_the_place_pages_player_knows_the_length_of_the_details(chrome, places, tiles):
    """The 🔊 player loads the sound, learns its length (the file's last page, read with a
    byte range) and can play it through."""
    speaker = Speaker(embedded())
    assert await speaker.check(("ar",)) == {"ar"}
    config = Config(web=WebSection(tile_url=tiles.template), telegram=TelegramSection(token=TOKEN))
    settings = HandlerSettings(city="Dortmund")
    # A place without opening hours: what is said does not change with the clock, so the
    # file fetched below is the one the player loaded.
    query = "SELECT min(id) FROM places WHERE coalesce(opening_hours, '') = ''"
    async with places.conn.execute(query) as cursor:
        row = await cursor.fetchone()
    assert row is not None and row[0] is not None
    src = f"/place/{row[0]}/speech.ogg?lang=ar"
    async with (
        serving(places, settings, config=config, speaker=speaker) as (_site, base),
        browser.browsing(chrome, "ar", browser.PHONE) as session,
    ):
        page = session.page
        answers: list[int] = []
        page.on("response", lambda r: answers.append(r.status) if src in r.url else None)
        await page.goto(f"{base}/place/{row[0]}?lang=ar")
        player = page.locator(".listen audio")
        assert await player.get_attribute("src") == src
        loaded = await player.evaluate(browser.LOAD_AUDIO)
        assert loaded.get("ready", 0) >= 3, loaded  # HAVE_FUTURE_DATA: it plays
        assert 206 in answers, answers  # the player's ranges were served
        served = bytes(await page.evaluate(FETCH, src))
        assert not session.foreign
    length = float(OggOpus(io.BytesIO(served)).info.length)
    (pre_skip,) = struct.unpack_from("<H", OggPage(io.BytesIO(served)).packets[0], 10)
    # Chromium's player counts the pre-skip in the length (its decodeAudioData, above,
    # does not): between the two, not the infinity of a file played as a stream.
    assert length > 1
    assert length - LENGTH_TOLERANCE <= loaded["duration"], (loaded, length)
    assert loaded["duration"] <= length + pre_skip / DECODE_RATE + LENGTH_TOLERANCE, (
        loaded,
        length,
    )
