"""A place read aloud on the web (``/place/<id>/speech.ogg``) is anyone's to ask for, and
the engine is the chats' too (bot/web/public/places.py, bot/speech/turns.py): limited
per client address (the address a proxy on this host or a private network forwards,
bot/web/addresses.py) and overall, a chat's voice made before the web's waiting, 429 with
Retry-After beyond, and the audio cacheable (it does not change with "open now"; its ETag
is answered 304 with nothing made). Seen by what the engine was asked and what each
request got, never by timing; the limits' clocks stand still."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import aiohttp
import pytest
from markupsafe import Markup
from multidict import CIMultiDict

from bot.speech.speaker import Speaker
from bot.speech.turns import Turns
from bot.token_bucket import Bucket
from bot.web.addresses import AddressLimits
from bot.web.public import places as public_places
from db import Database
from handlers.messages import Speech
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from handlers.settings import HandlerSettings
from locales import TIMEZONE
from tests.support.cli import ROOT
from tests.support.held_engine import NEVER, HeldEngine
from tests.support.web_site import serving

SAMPLE = ROOT / "data" / "dortmund" / "places-sample.csv"
# Seniorenbüro Innenstadt-West: "Mo-Fr 09:00-12:00; …", on a Monday closed at eight
# ("opens at 09:00"), open at ten ("closes at 12:00").
PLACE = 3
MONDAY_EIGHT = datetime(2026, 3, 2, 8, 0, tzinfo=TIMEZONE)
MONDAY_TEN = datetime(2026, 3, 2, 10, 0, tzinfo=TIMEZONE)


def _still() -> float:
    return 0.0


@pytest.fixture
async def places(db: Database) -> Database:
    report = await import_places(
        db, SAMPLE, load_gazetteer("data/dortmund"), default_source="sample"
    )
    assert not report.rejected
    return db


@pytest.fixture(autouse=True)
def still_limits(monkeypatch):
    """The per-address limits' clock stands still: nothing comes back during a test."""
    monkeypatch.setattr(public_places, "_seconds", _still)


@asynccontextmanager
async def _web(
    db: Database, settings: HandlerSettings, engine: HeldEngine, budget: Bucket | None = None
) -> AsyncIterator[tuple[Speaker, str]]:
    turns = Turns(1, web_budget=budget or Bucket(100, 1, _still))
    speaker = Speaker(engine, timeout_seconds=NEVER, turns=turns)
    await speaker.check(("de", "en"))
    async with serving(db, settings, speaker=speaker) as (_site, base):
        yield speaker, base
    await speaker.close()


async def _ask(
    session: aiohttp.ClientSession, base: str, place: int, client: str, **headers: str
) -> tuple[int, CIMultiDict[str], bytes]:
    url = f"{base}/place/{place}/speech.ogg?lang=de"
    # The test's requests come from 127.0.0.1: a proxy on this host, which names the client.
    headers = {"X-Forwarded-For": f"203.0.113.250, {client}", **headers}
    async with session.get(url, headers=headers) as response:
        return response.status, response.headers.copy(), await response.read()


async def test_a_chat_voice_goes_first_and_the_webs_queue_is_bounded(places, settings):
    engine = HeldEngine()
    async with (
        _web(places, settings, engine) as (speaker, base),
        aiohttp.ClientSession() as session,
    ):
        # Nine places asked by nine people: one is being said, eight wait.
        asked = [
            asyncio.ensure_future(_ask(session, base, place, f"198.51.100.{place}"))
            for place in range(1, 10)
        ]
        await engine.until(lambda: speaker.turns.waiting == (0, 8) and len(engine.calls) == 1)
        # The tenth is refused at once, with when to ask again.
        status, headers, _ = await _ask(session, base, 10, "198.51.100.10")
        assert status == 429 and int(headers["Retry-After"]) >= 1
        # A resident's voice message in the chat meanwhile: made next, before them all.
        chat = asyncio.ensure_future(speaker.voice(Speech(Markup("Bis gleich"), "de")))
        await engine.until(lambda: speaker.turns.waiting == (1, 8))
        engine.release(0)
        await engine.until(lambda: len(engine.calls) == 2)
        assert engine.said[1] == "Bis gleich."
        engine.release_all()
        assert (await chat).content.startswith(b"OggS")
        for status, _headers, audio in await asyncio.gather(*asked):
            assert status == 200 and audio.startswith(b"OggS")
        assert len(engine.calls) == 10


async def test_the_web_has_an_overall_budget_of_new_audio(places, settings):
    engine = HeldEngine(held=False)
    async with _web(places, settings, engine, Bucket(3, 0.25, _still)) as (_speaker, base):
        async with aiohttp.ClientSession() as session:
            for place in (1, 2, 3):
                status, _, _ = await _ask(session, base, place, f"198.51.100.{place}")
                assert status == 200
            status, headers, _ = await _ask(session, base, 4, "198.51.100.4")
            assert status == 429 and headers["Retry-After"] == "4"
            # What was made is still served, to anyone.
            status, _, _ = await _ask(session, base, 1, "198.51.100.99")
            assert status == 200
        assert len(engine.calls) == 3


async def test_a_client_address_has_its_own_limits(places, settings):
    engine = HeldEngine(held=False)
    async with _web(places, settings, engine) as (_speaker, base):
        asked, _ = public_places.SPEECH_ASKED
        made, _ = public_places.SPEECH_MADE
        async with aiohttp.ClientSession() as session:
            # Any request counts (a player asks for ranges): the 61st from one address is
            # refused, with when to ask again; another address is not.
            for _ in range(asked):
                status, _, _ = await _ask(session, base, 1, "198.51.100.1", Range="bytes=0-3")
                assert status == 206
            status, headers, _ = await _ask(session, base, 1, "198.51.100.1")
            assert status == 429 and headers["Retry-After"] == "1"
            assert (await _ask(session, base, 1, "198.51.100.2"))[0] == 200
            # New audio is counted tighter: six places, then the seventh is refused; what
            # is made already is still served to that address.
            for place in range(2, 2 + made):
                assert (await _ask(session, base, place, "198.51.100.3"))[0] == 200
            status, headers, _ = await _ask(session, base, 2 + made, "198.51.100.3")
            assert status == 429 and headers["Retry-After"] == "10"
            assert (await _ask(session, base, 1, "198.51.100.3"))[0] == 200
            # IPv6 clients count by their /64 network.
            for host in range(1, made + 1):
                client = f"2001:db8:1:2::{host}"
                assert (await _ask(session, base, 20 + host, client))[0] == 200
            assert (await _ask(session, base, 30, "2001:db8:1:2:ffff::1"))[0] == 429
            assert (await _ask(session, base, 30, "2001:db8:1:3::1"))[0] == 200
        assert len(engine.calls) == 1 + made + made + 1


async def test_the_audio_does_not_change_with_open_now_and_an_etag_is_answered_304(
    places, settings, monkeypatch
):
    engine = HeldEngine(held=False)
    async with _web(places, settings, engine) as (_speaker, base):
        async with aiohttp.ClientSession() as session:
            monkeypatch.setattr(public_places, "_now", lambda: MONDAY_EIGHT)
            status, headers, audio = await _ask(session, base, PLACE, "198.51.100.1")
            assert status == 200 and audio.startswith(b"OggS")
            etag = headers["ETag"]
            assert "max-age" in headers["Cache-Control"] and "public" in headers["Cache-Control"]
            # Opening hours are said; whether it is open at this minute is not.
            [said] = engine.said
            assert "Heute: neun Uhr bis zwölf Uhr" in said
            assert "geschlossen" not in said and "geöffnet" not in said
            # Two hours later it opened: the same audio, the same ETag, nothing made.
            monkeypatch.setattr(public_places, "_now", lambda: MONDAY_TEN)
            status, again, same = await _ask(session, base, PLACE, "198.51.100.2")
            assert status == 200 and again["ETag"] == etag and same == audio
            status, unchanged, body = await _ask(
                session, base, PLACE, "198.51.100.3", **{"If-None-Match": etag}
            )
            assert status == 304 and unchanged["ETag"] == etag and body == b""
            status, _, _ = await _ask(
                session, base, PLACE, "198.51.100.3", **{"If-None-Match": '"another"'}
            )
            assert status == 200
        assert len(engine.calls) == 1


def test_the_table_of_addresses_is_bounded():
    now = [0.0]
    limits = AddressLimits(2, 1.0, lambda: now[0], most=1000)
    for n in range(50_000):
        limits.take(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}")
        assert len(limits) <= 1000
    # An address seen last is still counted (its bucket not forgotten), older ones are.
    assert limits.take("10.0.195.79") == 0 and limits.take("10.0.195.79") == 1
    # Counts that recovered are forgotten as requests come, two for each.
    before = len(limits)
    now[0] = 100.0
    for n in range(10):
        assert limits.take(f"192.0.2.{n}") == 0
    assert len(limits) == before + 10 - 20


async def test_an_easy_page_says_the_easy_place(places, settings, monkeypatch):
    """The 🔊 of a page in easy language says the place as an easy reader gets it (its
    name and how to get in), not the whole details; the plain page's voice is unchanged."""
    engine = HeldEngine(held=False)
    monkeypatch.setattr(public_places, "_now", lambda: MONDAY_TEN)
    web = _web(places, settings, engine)
    async with web as (_speaker, base), aiohttp.ClientSession() as session:
        page = await session.get(f"{base}/place/{PLACE}?lang=de&easy=1")
        assert f"/place/{PLACE}/speech.ogg?lang=de&amp;easy=1" in await page.text()
        easy = await session.get(f"{base}/place/{PLACE}/speech.ogg?lang=de&easy=1")
        assert easy.status == 200 and (await easy.read()).startswith(b"OggS")
        status, _, _ = await _ask(session, base, PLACE, "198.51.100.4")
        assert status == 200
    easy_said, plain_said = engine.said
    assert "Stufen" in easy_said and "Heute" not in easy_said
    assert "Heute: neun Uhr bis zwölf Uhr" in plain_said
    assert len(easy_said.split()) < len(plain_said.split()) / 2
