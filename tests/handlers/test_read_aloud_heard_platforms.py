"""Where the transport says every message itself (the phone line), read aloud is not
offered: the language is followed by the main menu (the privacy notice comes at the first
step that keeps something, handlers/first_kept.py)."""

from __future__ import annotations

from dataclasses import replace

from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import Speech
from handlers.settings import HandlerSettings
from tests.support.memory_transport import MemoryTransport, button_data


async def test_no_read_aloud_offer_where_everything_is_heard(
    db: Database, settings: HandlerSettings
):
    voiced = replace(settings, speech_languages=frozenset({"de"}))
    phone = MemoryTransport(Dispatcher(db, build_router(), voiced), platform="phone")
    chat = MemoryTransport(Dispatcher(db, build_router(), voiced), platform="memory")
    for transport in (phone, chat):
        await transport.text("anna", "/start")
    heard = await phone.press("anna", "lang:de")
    offered = await chat.press("anna", "lang:de")
    assert "menu:places" in button_data(heard)
    assert not any(data.startswith("ra:") for data in button_data(heard))
    assert not any(isinstance(item, Speech) for item in heard)
    # Elsewhere the same city offers it.
    assert "ra:no" in button_data(offered)
