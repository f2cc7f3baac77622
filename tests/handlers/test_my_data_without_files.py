"""/mydata where the platform cannot receive a file (the phone line, SMS: their descriptors say
so, ``HandlerSettings.channels``): the summary is said or texted, its last line says the
coordinators give the whole file, and no file is sent; a platform that takes files gets the
summary and the file as before. Reached by the command and by ⚙️ Settings. The in-memory
chat with the platform's name stands for the transport."""

from __future__ import annotations

import json

import pytest

from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import Document
from handlers.settings import HandlerSettings
from tests.support.memory_transport import MemoryTransport, texts

NUMBER = "+4923155501"
ASK = "coordinators can give you all of it as a file"
BELOW = "The file below has all of it."


def _chat(db: Database, settings: HandlerSettings, platform: str) -> MemoryTransport:
    return MemoryTransport(Dispatcher(db, build_router(), settings), platform=platform)


@pytest.mark.parametrize("platform", ["phone", "sms"])
@pytest.mark.parametrize("how", ["/mydata", "settings:mydata"])
async def test_no_file_but_the_summary_and_who_gives_it(
    db: Database, settings: HandlerSettings, platform: str, how: str
):
    chat = _chat(db, settings, platform)
    await chat.onboard(NUMBER, "en")
    out = await (chat.text(NUMBER, how) if how.startswith("/") else chat.press(NUMBER, how))
    assert not [item for item in out if isinstance(item, Document)]
    said = texts(out)
    assert "What we store about you" in said
    assert said.rstrip().endswith("Just ask them.") and ASK in said
    assert BELOW not in said


async def test_the_coordinators_line_in_the_persons_language(
    db: Database, settings: HandlerSettings
):
    chat = _chat(db, settings, "phone")
    await chat.onboard(NUMBER, "de")
    out = await chat.text(NUMBER, "/mydata")
    said = texts(out)
    assert "Koordination" in said and ASK not in said
    assert not [item for item in out if isinstance(item, Document)]


async def test_only_platforms_without_files_go_without_the_file(
    db: Database, settings: HandlerSettings
):
    chat = _chat(db, settings, "memory")
    await chat.onboard("tanja", "en")
    out = await chat.text("tanja", "/mydata")
    [document] = [item for item in out if isinstance(item, Document)]
    assert document.filename == "nachbarbot-my-data.json"
    assert json.loads(document.content)["format"] == "nachbarbot-personal-data/1"
    said = texts(out)
    assert BELOW in said and ASK not in said
    # On the same bot, a caller: the summary alone.
    phone = _chat(db, settings, "phone")
    await phone.onboard(NUMBER, "en")
    out = await phone.text(NUMBER, "/mydata")
    assert not [item for item in out if isinstance(item, Document)] and ASK in texts(out)
