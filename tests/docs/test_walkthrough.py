"""docs/console.md's walkthrough ("The help story, step by step"), as a person types it."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.transports.console import BACKCHANNEL
from db import Database
from handlers.dispatcher import Dispatcher
from tests.support.memory_transport import readable
from tests.support.terminal import Terminal


async def test_the_readme_walkthrough(dispatcher: Dispatcher, db: Database):
    dispatcher.settings = replace(
        dispatcher.settings,
        backchannels=frozenset({("console", BACKCHANNEL)}),
        # As configured by default: the first request must go through all the same.
        new_user_cooldown_minutes=10,
    )
    term = Terminal(dispatcher, db)
    cora = await db.users.seen("console", "cora", "cora", "Cora")
    await db.users.grant_role(cora.id, "coordinator")

    # 1. Vera registers as a volunteer.
    await term.type(":as vera", "/start")
    await term.press("lang:en")
    await term.press("consent:yes")
    await term.press("menu:volunteer")
    shown = ""
    for data in (
        "vo:reg",
        "vo:bz:Innenstadt-Nord",
        "vo:area-done",
        "vo:nopt",
        "vo:cat:shopping",
        "vo:cats-done",
        "vo:langs-done",
        "vo:max:1",
        "vo:ed:quiet",
        "vo:q:0-0",
    ):
        shown += await term.press(data)
    vera = await db.users.find("console", "vera")
    # The group's post about Vera's profile names the command with her number, as the
    # walkthrough tells Cora to read it there.
    [verify] = re.findall(r"/verify \d+", shown)
    assert verify == f"/verify {vera.id}"

    # 2. Cora starts her private chat and confirms Vera's training.
    await term.type(":as cora", "/start")
    await term.press("lang:en")
    await term.press("consent:yes")
    await term.type(":group", verify, ":private")

    # 3. Amira sends a voice message at the main menu and turns it into a request.
    await term.type(":as amira", "/start")
    await term.press("lang:en")
    await term.press("consent:yes")
    shown = await term.type(":media voice")
    assert "Ask for help with this" in shown and "Find a place" in shown
    await term.press("hr:with")
    await term.press("hr:cat:shopping")
    shown = await term.type(":loc 51.523,7.456")
    await term.press("hr:when:asap")
    await term.press("hr:langs-done")
    shown = await term.press("hr:send")
    assert f"[{BACKCHANNEL}]" in shown  # the review post, at once
    amira = await db.users.find("console", "amira")
    request = (await db.requests.for_requester(amira.id))[0]
    assert request.voice_file_id and request.state == "review"

    # 4. Cora adds a summary (asked in her private chat) and publishes.
    await term.type(":as cora", ":group")
    await term.press(f"mod:sum:{request.id}")
    await term.type(":private", "Needs milk and bread from the market")
    await term.type(":group")
    shown = await term.press(f"mod:ok:{request.id}")
    assert "[vera]" in shown and "Needs milk and bread" in shown

    # 5. Vera takes it: both get the same door code word.
    await term.type(":private", ":as vera")
    shown = readable(await term.press(f"mt:acc:{request.id}"))
    code = (await db.requests.get(request.id)).door_code
    assert shown.count(code) >= 2 and "[amira]" in shown

    # 6. Amira: /myrequests, a message, a correction, a take-back.
    await term.type(":as amira")
    shown = await term.type("/myrequests")
    buttons = [b.data for b in term.console._buttons["amira"]]
    assert f"rl:to:{request.id}" in buttons and f"rl:done:{request.id}" in buttons
    shown = await term.type("Thank you!")
    assert "[vera]" in shown and "Thank you!" in shown and "👌" in shown
    shown = await term.type(":edit Thank you, blue door!")
    assert "[vera]" in shown and "blue door" in shown
    shown = await term.type("/undo")
    assert "[vera]" in shown

    # 7. Vera's menu starts with the contact; her answer reaches Amira.
    await term.type(":as vera")
    await term.type("/menu")
    buttons = [b.data for b in term.console._buttons["vera"]]
    assert buttons[:2] == [f"rl:to:{request.id}", f"mt:back:{request.id}"]
    shown = await term.type("On my way")
    assert "[amira]" in shown and "On my way" in shown

    # 8. Amira says the help is done: Vera is asked for the time.
    await term.type(":as amira")
    await term.press(f"rl:done:{request.id}")  # asked once: press *✅ Yes, it is done*
    shown = await term.press(f"rl:doney:{request.id}")
    assert "[vera]" in shown
    assert (await db.requests.get(request.id)).state == "done"
