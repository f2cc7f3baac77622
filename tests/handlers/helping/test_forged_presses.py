"""Every button the router knows, pressed with another person's request id (button data can
be forged: a Telegram client sends any callback_data it likes with a message's id; a typed
number is read as a press too): a volunteer who was never offered Amira's running request,
helped by Vera, presses each action with its id and learns nothing of it - not its
description, not Amira's or Vera's name, not even a question about it by its number - and
changes nothing: the request is still Vera's and running, and neither of them is sent
anything. (The lifecycle refuses such acts too; this holds the buttons' own checks.)"""

from __future__ import annotations

import re

import pytest

from db import Database
from handlers.messages import Outgoing
from tests.support.help_story import helped_by_vera, register_volunteer
from tests.support.memory_transport import MemoryTransport, readable

# Data that would end Mallory's own account or language on the way: not about the request.
OWN = ("delete:", "lang:", "consent:no")
# The request's description and its people's names, as words ("Veranstaltungen" is no Vera).
SECRETS = re.compile(r"Einkauf am Nordmarkt|\b(?:Amira|Vera|amira|vera)\b")


def _said(out: list[Outgoing]) -> str:
    return readable(
        "\n".join(
            str(getattr(item, "text", "") or getattr(item, "caption", "") or "") for item in out
        )
    )


@pytest.mark.parametrize("suffix", ["", ":1", ":x", ":0:1"])
async def test_another_persons_request_id_in_any_button_tells_and_changes_nothing(
    story: MemoryTransport, db: Database, suffix: str
):
    _, vera, cora, request_id = await helped_by_vera(story, db)
    mallory = await register_volunteer(story, db, "mallory")
    await db.volunteers.verify(mallory, cora)
    await story.flush()
    seen = {who: len(story.inbox.get(who, [])) for who in ("amira", "vera")}

    keys = sorted(story.dispatcher.router.buttons)
    leaks = []
    for key in keys:
        data = f"{key}:{request_id}{suffix}"
        if data.startswith(OWN):
            continue
        said = _said(await story.press("mallory", data))
        # A step a press began takes the next press too: back to the menu between them.
        said += _said(await story.text("mallory", "/cancel"))
        leaks += [(data, found) for found in SECRETS.findall(said)]
        # Nor is it asked about as if it were hers ("End request #1?").
        leaks += [(data, found) for found in re.findall(rf"#{request_id}\b", said)]
    assert not leaks, leaks
    await story.flush()
    request = await db.requests.get(request_id)
    assert request is not None and request.state == "matched" and request.volunteer_id == vera
    assert {who: len(story.inbox.get(who, [])) for who in ("amira", "vera")} == seen
