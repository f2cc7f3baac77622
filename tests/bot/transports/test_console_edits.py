"""An edit of an earlier message at the console: printed again whole (a terminal changes
nothing printed), under a line that marks it as a change, so that it does not read as a
second message - the coordinators' review post edited to "withdrawn", for one."""

from __future__ import annotations

from bot.transports.console import BACKCHANNEL, CHANGED
from db import Database
from handlers.dispatcher import Dispatcher
from locales import translator
from tests.support.terminal import with_coordinators


async def test_an_edited_review_post_is_marked_as_a_change(dispatcher: Dispatcher, db: Database):
    term = await with_coordinators(dispatcher, db)
    # The group reads the city's language (German), not the console's hint (Arabic).
    changed = str(translator("de").t(CHANGED))
    amira = await term.started("amira", "de")
    posted = await term.asks("Ich brauche Hilfe beim Einkaufen")
    post = [line for line in posted.splitlines() if line.startswith(f"[{BACKCHANNEL}]")]
    assert post, posted
    assert changed not in posted  # nothing was changed yet: no mark anywhere

    await term.type("/myrequests")
    await term.press("hr:wd:")
    shown = await term.press("hr:wdy:")
    request = (await db.requests.for_requester(amira.id))[0]
    assert request.state == "withdrawn"
    # The post changed: printed again in the group, under the mark of a change, once.
    lines = shown.splitlines()
    marks = [i for i, line in enumerate(lines) if line == f"[{BACKCHANNEL}] {changed}"]
    assert len(marks) == 1, shown
    again = lines[marks[0] + 1]
    assert again.startswith(f"[{BACKCHANNEL}] ") and again != f"[{BACKCHANNEL}] {changed}"
    assert f"#{request.id}" in "\n".join(lines[marks[0] :])
    # Amira's own answers are new messages, not changes: unmarked.
    assert all(changed not in line for line in lines if not line.startswith("["))
