"""🔊 under a message (``ra:say``, handlers/read_aloud.py) is for everyone who accepted the
privacy notice, read aloud chosen or not - and not before: a tap before consent is
answered with the notice to accept, nothing is said or kept, and no 🔊 is offered until
then (someone who chose "on a tap" hears the notice said at once instead)."""

from __future__ import annotations

import pytest

from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import Message, Speech
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.fake_speaker import FakeSpeaker
from tests.support.memory_transport import MemoryTransport, button_data


@pytest.fixture
def chat(db: Database, settings: HandlerSettings) -> MemoryTransport:
    speaker = FakeSpeaker(frozenset({"de", "en"}))
    spoken = HandlerSettings(**{**vars(settings), "speech_languages": speaker.languages})
    return MemoryTransport(Dispatcher(db, build_router(), spoken), speaker=speaker)


def _taps(out) -> list[str]:
    return [data for data in button_data(out) if data.startswith("ra:say:")]


async def _kept_for(db: Database, who: str) -> int:
    person = await db.users.find("memory", who)
    assert person is not None
    return len((await db.data_rights.export(person)).get("spoken_texts", []))


async def test_a_tap_works_only_once_the_notice_is_accepted(chat, db):
    await chat.text("omar", "/start", hint="de")
    await chat.press("omar", "lang:de")
    offered = await chat.press("omar", "ra:tap")
    # No 🔊 before consent (it would be refused); the easy-language offer, then the notice
    # are said at once instead.
    assert not _taps(offered)
    chosen = await chat.press("omar", "easy:no")
    assert not _taps(chosen)
    notice = next(m for m in chosen if isinstance(m, Message) and "consent:yes" in str(m.buttons))
    [said] = [item for item in chosen if isinstance(item, Speech)]
    assert said.text == notice.text and said.lang == "de"
    assert await _kept_for(db, "omar") == 0
    # A 🔊 pressed anyway (an old one, or forged): the notice to accept, nothing said.
    for data in ("ra:say:1", "ra:say:999"):
        answer = await chat.press("omar", data)
        assert not [item for item in answer if isinstance(item, Speech)]
        assert any("consent:yes" in button_data([m]) for m in answer if isinstance(m, Message))
        de = translator("de")
        assert de._("I agree") in str([m.buttons for m in answer if isinstance(m, Message)])
    assert await _kept_for(db, "omar") == 0
    # Once he agreed, the 🔊 comes under his messages and says them - and still does
    # after he switched read aloud off.
    agreed = await chat.press("omar", "consent:yes")
    [tap] = _taps(agreed)[:1]
    await chat.press("omar", "ra:off")
    [speech] = await chat.press("omar", tap)
    assert isinstance(speech, Speech) and speech.lang == "de"
    assert await _kept_for(db, "omar") > 0
